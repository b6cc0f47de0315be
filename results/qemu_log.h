/*
 * qemu_log.h - QEMU's trace log (the `log` trace backend) as the harness
 * writes it from a run's trace and reads it back from a real migration.
 *
 * A line is what QEMU prints with `-trace` and `-msg timestamp=on`:
 *   PID@SEC.USEC:EVENT ARGS                      (QEMU up to 10.0; written so)
 *   YYYY-MM-DDTHH:MM:SS.UUUUUUZ [GUEST] [PROG: ]EVENT ARGS     (newer QEMU)
 * with EVENT and ARGS as QEMU's hw/vfio/trace-events and
 * migration/trace-events define them (docs/import.md lists every event
 * used, its format and the QEMU version it comes from).  Lines without a
 * timestamp (newer QEMU without -msg timestamp=on) carry no time and are
 * rejected with a message.
 *
 * Writing: qemu_log_write turns one run's engine trace into the two logs
 * the source and the destination QEMU would have written, at the same
 * points of the flow.  Reading: qemu_import_* parses those logs (from a
 * switchover run or a real QEMU) into engine traces, one per migration,
 * which the summary and the result store take unchanged.
 */
#ifndef SWITCHOVER_QEMU_LOG_H
#define SWITCHOVER_QEMU_LOG_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace.h"

/* QEMU's VFIO stream flags (hw/vfio/migration.c) as vfio_load_state prints them. */
#define QEMU_VFIO_FLAG_DEV_DATA_STATE     0xffffffffef100004ULL
#define QEMU_VFIO_FLAG_DEV_INIT_DATA_SENT 0xffffffffef100005ULL
/* MIG_RP_MSG_SWITCHOVER_ACK (migration/migration.h), as migrate_send_rp_message prints it. */
#define QEMU_RP_MSG_SWITCHOVER_ACK 7

/* Thread ids of the written logs: the source's tasks count up from
 * QEMU_LOG_SRC_TID, the destination's from QEMU_LOG_DST_TID (QEMU prints
 * the thread id of the thread that traced). */
#define QEMU_LOG_SRC_TID 1000
#define QEMU_LOG_DST_TID 2000

/* Write the run's source events to src and destination events to dst (either
 * may be NULL: that end is not written).  base_s is the wall-clock time
 * (seconds since the epoch) of the run's t = 0; every time is printed to the
 * microsecond, as QEMU does.  Returns 0, or -1 when a write failed. */
int qemu_log_write(const struct trace *tr, const char *const *device_names, double base_s,
                   FILE *src, FILE *dst);

/* How the destination's clock is put on the source's. */
enum qemu_import_clock {
	QEMU_IMPORT_CLOCK_ALIGN = 0, /* two hosts: bound the offset from causal pairs */
	QEMU_IMPORT_CLOCK_SAME = 1,  /* one host (or a switchover run): offset 0 */
};

/* One imported migration: its trace in the engine's vocabulary (times in
 * seconds since the first source line of the migration; devices index
 * qemu_import.devices) and the notes of what the logs could not give. */
struct qemu_migration {
	struct trace tr;
	GPtrArray *notes;            /* char *, owned: phases unknown, clock, skipped lines */
	bool completed;              /* the destination VM ran */
	int64_t t0_us;               /* source clock (us since the epoch) of t = 0 */
	double end_s;                /* time of its last line */
	double offset_s;             /* destination clock minus source clock, as applied */
	double offset_uncertainty_s; /* half-width of the offset's interval; INFINITY: one-sided */
	/* QEMU's per-section times inside the downtime (vmstate_downtime_save
	 * and _load), in log order, and per device of qemu_import.devices their
	 * sums once qemu_import_device_times has told which device each is
	 * (NaN: none, or not identified; NULL before). */
	GArray *vmstate_times; /* struct qemu_vmstate_time */
	double *qemu_save_s, *qemu_load_s;
};

struct qemu_vmstate_time {
	int side;        /* 0 save (source), 1 load (destination) */
	char idstr[128]; /* the section's idstr, e.g. "0000:00:05.0/vfio" (guest address) */
	char type[32];   /* "iterable" or "non-iterable" */
	int instance;    /* instance_id */
	double seconds;  /* downtime= (us) */
	unsigned lineno; /* in that side's log */
};

struct qemu_import {
	GPtrArray *migrations; /* struct qemu_migration *, in log order */
	GPtrArray *devices;    /* char *: QEMU's device names, in order of first appearance */
	GHashTable *dev_index; /* name -> index + 1 */
	GPtrArray *warnings;   /* char *: "FILE:LINE: ..." damaged, truncated, interleaved lines */
	GHashTable *unknown;   /* event name -> count (GUINT_TO_POINTER) of events not understood */
	/* section idstr -> QEMU device name (char *, both owned), from
	 * vfio_save_complete_precopy_thread_start, the one event naming both */
	GHashTable *idstr_device;
};

/* Read the source log (required) and the destination log (NULL: none) and
 * split them into migrations.  A file that cannot be read, has no
 * timestamped line or lacks a migration gives -1 with err "FILE:LINE: what
 * is missing".  Damaged lines are warnings, never errors. */
int qemu_import_logs(const char *src_path, const char *dst_path, enum qemu_import_clock clock,
                     struct qemu_import *out, char *err, size_t errlen);
/* Add the QMP events of a JSON-lines file (VFIO_MIGRATION and
 * VFIO_MIGRATION_PREPARE, as QEMU sends them, wall-clock timestamps) to the
 * migrations whose time span holds them.  QMP names a device by its qdev
 * id, the trace by its host name: ids maps the one to the other (NULL: the
 * same).  An event that matches nothing is a warning; -1 with err
 * "FILE:LINE: ..." on a line that is not a JSON object. */
int qemu_import_events(struct qemu_import *im, const char *path, GHashTable *ids, char *err,
                       size_t errlen);
/* Note QEMU's own figures from a query-migrate answer (JSON, as QMP returns
 * it) on the last migration: QEMU answers for its last one.  -1 with err
 * naming the file when it is not such an answer. */
int qemu_import_query_migrate(struct qemu_import *im, const char *path, char *err, size_t errlen);
/* Tell which device each vmstate_downtime_save/_load section belongs to and
 * sum them per device into every migration's qemu_save_s / qemu_load_s.
 * The section's idstr names a guest PCI address ("0000:00:05.0/vfio"), the
 * VFIO events the host's: `map` (idstr, or the address before its "/",
 * -> QEMU device name; NULL: none) says which is which, else the import's
 * idstr_device.  Sections of no device stay notes.  -1 with err when map
 * names a device the logs do not have. */
int qemu_import_device_times(struct qemu_import *im, GHashTable *map, char *err, size_t errlen);
void qemu_import_free(struct qemu_import *im);

#endif
