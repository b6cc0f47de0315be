/*
 * store.h - the HDF5 result file: every run of a command, durable.
 *
 * Schema (documented in docs/results.md, version RESULTS_SCHEMA_VERSION):
 *   /meta       attributes: schema_version, tool_version, git_revision, backend
 *               ("sim" | "real"), scenario_name, seed, host, start_time (UTC
 *               ISO 8601), command_line, units ("seconds", "bytes")
 *   /scenario   the fully resolved scenario (scenario_to_yaml), a string
 *   /runs/<n>   one group per run, n = 0, 1, ... across strategies; attributes:
 *               strategy, run (index within its strategy), status, error,
 *               downtime_s, total_s, bound_s, serial_s, efficiency,
 *               precopy_rounds, forced_switchover, switchover_reason,
 *               threads_spawned, precopy_bytes, stopcopy_bytes, one attribute
 *               per phase (phase_<name>_s) and per invariant (inv_<name>: held
 *               0/1, inv_<name>_first: first violation, inv_<name>_t: its time)
 *   /runs/<n>/trace    compound table, one row per trace event: (t, task,
 *                      device, kind, side, pass, from, to, value, text);
 *                      kind is an HDF5 enum named by trace_kind_name()
 *   /runs/<n>/phases   compound table (device, phase, start, end): the run's
 *                      phases (device -1) and each device's arcs by step
 *                      (src_prepare ... dst_main; src_other/dst_other for
 *                      arcs outside the VM stop/start passes)
 *   /runs/<n>/devices  compound table: per-device attribution (device, name,
 *                      the device_attribution fields)
 *   /summary    compound table, one row per run (pandas-friendly): n, strategy,
 *               run, the scalar attributes, n_devices, phase_<name>_s, inv_<name>
 *   /devices    compound table: every /runs/<n>/devices row, with the run's n
 *               first, run by run (absent from files written before it)
 * A writer works on "<path>.tmp-<pid>" and renames it to <path> only when
 * complete, so no reader ever sees a half-written file under the final name.
 * The file's first 512 bytes (an HDF5 user block) hold the length and CRC-32
 * of the rest; the reader checks them before HDF5 parses anything.
 * Errors are "PATH: what is wrong" (with HDF5's reason when HDF5 failed);
 * nothing is printed.  Not thread-safe (HDF5's serial build is not).
 */
#ifndef SWITCHOVER_STORE_H
#define SWITCHOVER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"
#include "summary.h"
#include "trace.h"

/* 1: the first layout; 2: trace kinds state-buffer and config-load
 * (docs/results.md, Versions). */
#define RESULTS_SCHEMA_VERSION 2

struct results_writer;

/* Start a result file for `s` run in world `backend` ("sim", "real").
 * command_line is recorded as is.  Returns 0 or -1 with err. */
int results_writer_open(struct results_writer **out, const char *path, const struct scenario *s,
                        const char *backend, const char *command_line, char *err, size_t errlen);
/* Add one run (s->strategy is the run's strategy).  0 or -1 with err. */
int results_writer_add_run(struct results_writer *w, const struct scenario *s, unsigned run,
                           const struct trace *tr, const struct run_summary *sum, char *err,
                           size_t errlen);
/* Write /summary, close, rename into place, free w.  0 or -1 with err (then
 * nothing is left under the final name). */
int results_writer_finish(struct results_writer *w, char *err, size_t errlen);
/* Close, remove the temporary file, free w. */
void results_writer_abort(struct results_writer *w);

struct results_run {
	enum strategy_kind strategy;
	unsigned run;
	struct run_summary sum; /* as written (n_devices, dev included) */
	struct trace trace;
};

struct results {
	int schema_version;
	char tool_version[32], git_revision[48], backend[16], scenario_name[128];
	char host[128], start_time[40], command_line[1024];
	uint64_t seed;
	char *scenario_yaml;
	struct scenario *scenario; /* parsed back from scenario_yaml */
	size_t n_runs;
	struct results_run *runs;
};

/* Read and validate a result file.  A foreign, damaged or newer-schema file
 * gives -1 with err saying what is wrong (file, object, expected). */
int results_read(const char *path, struct results **out, char *err, size_t errlen);
/* results_read with flags: RESULTS_READ_SUMMARY, for readers that need only
 * the summaries (compare), takes every run's scalars from /summary (one
 * table) and its device attribution from /devices (in files written before
 * it, each /runs/<n>/devices); nothing else of /runs/<n> is opened or
 * validated, the traces are left empty and the
 * invariants' first violations (no /summary columns) blank. */
#define RESULTS_READ_SUMMARY 1u
int results_read_flags(const char *path, unsigned flags, struct results **out, char *err,
                       size_t errlen);
void results_free(struct results *r);

/*
 * The /summary columns, for writers of the same rows in other formats (the
 * CSV of `sim` and `real`): one cell per column, in /summary's order and
 * under its names, so every format of a run uses one naming.  `text` points
 * into `strategy` or `sum`.
 */
enum results_cell_kind {
	RESULTS_CELL_INT,
	RESULTS_CELL_UINT,
	RESULTS_CELL_FLOAT,
	RESULTS_CELL_TEXT
};
struct results_cell {
	char name[64];
	enum results_cell_kind kind;
	int64_t i;
	uint64_t u;
	double f;
	const char *text;
};
/* Bytes of one /summary row as a writer keeps it in memory until the file
 * is finished (one per run). */
size_t results_summary_row_size(void);
/* Fill *cells (g_free it) with run `run` of `strategy`, numbered n.
 * Returns the number of cells. */
size_t results_summary_cells(uint32_t n, const char *strategy, uint32_t run,
                             const struct run_summary *sum, struct results_cell **cells);

/*
 * Sweep files (`switchover sweep`, docs/sweep.md) are result files too: the
 * same /meta and /scenario (the first base scenario), /summary with one row
 * per run of every point, /runs/<n> only for the runs whose trace was asked
 * for, and tables whose columns are known only at run time (/points).
 */
enum results_col_type { RESULTS_COL_F64, RESULTS_COL_U64, RESULTS_COL_U32, RESULTS_COL_STR };
struct results_col {
	const char *name;
	enum results_col_type type;
	size_t off; /* in a row */
	size_t len; /* RESULTS_COL_STR: bytes including the NUL */
};
/* A /summary row only (no /runs/<n> group): n counts it all the same, so a
 * later results_writer_add_run is /runs/<its n>.  0 or -1 with err. */
int results_writer_add_summary(struct results_writer *w, const struct scenario *s, unsigned run,
                               const struct run_summary *sum, char *err, size_t errlen);
/* Runs added so far: the n of the next one. */
size_t results_writer_runs(const struct results_writer *w);
/* A table /NAME of n rows of row_size bytes.  0 or -1 with err. */
int results_writer_add_table(struct results_writer *w, const char *name,
                             const struct results_col *cols, size_t n_cols, size_t row_size,
                             const void *rows, size_t n, char *err, size_t errlen);
/* A scalar string dataset /NAME.  0 or -1 with err. */
int results_writer_add_text(struct results_writer *w, const char *name, const char *text, char *err,
                            size_t errlen);

/* A table read back whatever its columns: numbers (integers and floats) as
 * doubles, fixed-length strings as text; raw holds the rows exactly as they
 * are in the file (for byte comparisons). */
struct results_table {
	size_t n_cols, n_rows;
	char **names;  /* n_cols */
	bool *is_text; /* n_cols */
	double *num;   /* [row * n_cols + col], NaN for text columns */
	char **text;   /* [row * n_cols + col], NULL for number columns */
	void *raw;
	size_t raw_len;
};
/* Read the table /NAME of the result file at path (checksum checked as by
 * results_read).  0, or -1 with err naming the file and the object. */
int results_table_read(const char *path, const char *name, struct results_table **out, char *err,
                       size_t errlen);
/* Row `row` of a /summary table read by results_table_read (a sweep's, one
 * row per run) back into the run's scalars, as results_read takes them; n,
 * strategy, run and the devices are left 0.  0, or -1 with err naming the
 * column it lacks. */
int results_table_summary(const struct results_table *t, size_t row, struct run_summary *out,
                          char *err, size_t errlen);
/* Column index of `name`, or -1. */
long results_table_col(const struct results_table *t, const char *name);
void results_table_free(struct results_table *t);

#endif
