/*
 * migration.h - one live migration of a VM with VFIO devices, source and
 * destination, written once for both worlds.
 *
 * migration_run() is called by a world from its root task.  It plays QEMU's
 * migration thread (setup, precopy rounds, switchover decision, VM stop with
 * the change-state handlers, final query, stop-copy transfer) and spawns the
 * destination's load task (load setup, device data loads, VM start with the
 * handlers).  Everything it does lands in the trace; summary.c derives the
 * downtime breakdown, invariants and bounds from that trace.
 *
 * The engine, one concern per file (each with its header; the state they
 * share is struct mig, in mig_internal.h), callers above callees:
 *
 *   migration.c        the run: set-up and tear-down, source and/or destination
 *   mig_source.c       source flow: setup, precopy rounds, switchover, stop-copy,
 *                      recovery
 *   mig_destination.c  destination: load the stream, start the VM
 *   mig_side.c         a side's devices and handlers, notifies; calls the
 *                      strategy through strategy.h's table (strategy.c, one
 *                      file per strategy in strategies/)
 *   mig_handlers.c     the scenario's non-VFIO change-state handlers
 *   mig_strategy.c     what a strategy may do: a device's transition, a failure
 *   mig_device.c       device transitions, arc by arc
 *   mig_events.c       QMP events, QOM paths
 *   mig_precopy.c      pending-data queries, INIT_DATA_SENT, REINIT
 *   mig_ack.c          switchover-ack accounting, the return path
 *   mig_devstate.c     device state over multifd: save tasks, reassembly,
 *                      load tasks (migration.multifd_transfer)
 *   mig_multifd.c      multifd channels: RAM sends, device-state packets
 *   mig_stream.c       stream records and return-path messages, device data
 *   mig_fail.c         recording the failure
 *
 * A file calls only files listed below it: there is no circle.  The
 * strategies, called from mig_side.c, call back only into mig_strategy.c
 * (and their shared strategies/threads.c), which is below mig_side.c.
 */
#ifndef SWITCHOVER_MIGRATION_H
#define SWITCHOVER_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>

#include "device.h"
#include "runtime.h"
#include "scenario.h"
#include "trace.h"

/* Migration-stream record kinds (struct rt_frame.kind). */
enum mig_rec {
	MIG_REC_SETUP = 1,  /* device section setup: destination goes STOP -> RESUMING */
	MIG_REC_SETUP_DONE, /* all devices set up; the return path is open */
	MIG_REC_RAM,        /* RAM pages; bytes; value = MIG_DATA_STOPCOPY or 0 */
	MIG_REC_DEV_DATA,   /* device state chunk; device, bytes; value = DEVICE_DATA_* hint
	                       (low 32 bits) | MIG_DATA_STOPCOPY */
	MIG_REC_DEV_FLAG,   /* device flag; device; value = MIG_FLAG_* */
	MIG_REC_EOS,        /* end of stream: destination starts the VM */
	MIG_REC_ABORT,      /* the source failed: destination must not start the VM */
	/* Device state over multifd (migration.multifd_transfer) */
	MIG_REC_SWITCHOVER_START, /* main stream, after the VM stop: start the load tasks */
	MIG_REC_DEV_STATE,        /* a multifd packet of one device's stop-copy state;
	                             device, bytes; value = MIG_DEVSTATE_VALUE() */
};
#define MIG_FLAG_INIT_DATA_SENT 1u /* VFIO_MIG_FLAG_DEV_INIT_DATA_SENT */
/* In the value of a RAM or device-data record: sent after the VM stop
 * (stop-copy), so that the destination knows the phase too.  Above the
 * hint's 32 bits: a destination that reads only the hint ignores it. */
#define MIG_DATA_STOPCOPY    (UINT64_C(1) << 32)
#define MIG_DATA_HINT(value) ((uint32_t)((value) & ~MIG_DATA_STOPCOPY))
/* A device-state packet's value: its buffer index in the device's state (low
 * 32 bits), the DEVICE_DATA_* hint of its bytes (bits 32-39), and whether
 * it is the device's last packet, its config state (bit 40; QEMU's
 * VFIO_DEVICE_STATE_CONFIG_STATE). */
#define MIG_DEVSTATE_CONFIG (1ull << 40)
#define MIG_DEVSTATE_VALUE(idx, hint, config)                                                      \
	((uint64_t)(uint32_t)(idx) | (uint64_t)((hint)&0xffu) << 32 |                              \
	 ((config) ? MIG_DEVSTATE_CONFIG : 0))
#define MIG_DEVSTATE_IDX(value)  ((uint32_t)(value))
#define MIG_DEVSTATE_HINT(value) ((uint32_t)((value) >> 32) & 0xffu)

/* Return-path messages (destination -> source, struct rt_frame.kind). */
enum mig_ret {
	MIG_RET_ACK = 1,     /* switchover ACK; device = the approving device or -1 */
	MIG_RET_RUNNING = 2, /* destination VM running: the migration completed */
	MIG_RET_FAILED = 3,  /* destination failed; value = errno */
};

struct mig_config {
	struct rt *rt;
	const struct scenario *scn;
	struct device **src; /* scenario_device_count() devices, initially RUNNING;
	                        NULL when this process only runs the destination */
	struct device **dst; /* the same count, initially STOP; NULL when this
	                        process only runs the source */
	unsigned run;        /* run index: seeds the random streams of the run */
	struct trace *trace;
};

struct mig_result {
	int status; /* 0 completed, negative errno when the migration failed */
	char error[256];
};

/*
 * Run one migration, both ends in this process (cfg->src and cfg->dst
 * given).  Blocks the calling task (the world's root task on the source
 * side) until the destination VM runs or the migration failed and the
 * source recovered.  Returns 0 when it ran (res->status says whether the
 * migration completed), or a negative errno when it could not run at all
 * (res->error says why).
 */
int migration_run(const struct mig_config *cfg, struct mig_result *res);
/* The source end alone (cfg->dst NULL): the destination runs elsewhere,
 * reached through the world's channels ("main", "multifd<i>",
 * "return-path").  Returns when the destination reported running or
 * failed, or the return path broke. */
int migration_run_source(const struct mig_config *cfg, struct mig_result *res);
/* The destination end alone (cfg->src NULL). */
int migration_run_destination(const struct mig_config *cfg, struct mig_result *res);

/* The QOM path QEMU gives a -device with id `name` ("/machine/peripheral/vf0"). */
void mig_qom_path(const char *name, char *buf, size_t len);

#endif
