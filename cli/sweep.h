/*
 * sweep.h - the parts of `switchover sweep` (docs/sweep.md):
 *   sweep_plan.c    a study's points: each point's scenario, seed, strategies
 *   sweep_record.c  running one point into a record (bytes), and back: the
 *                   one form a point's results travel in, through a worker's
 *                   pipe, an MPI message or the checkpoint file
 *   sweep_points.c  the /points table: its columns, the result file, and the
 *                   table / JSON / CSV printouts
 *   sweep_mpi.c     the points handed out to MPI ranks, records back to rank 0
 *   cli_sweep.c     the command: options, workers, checkpoint, progress
 */
#ifndef SWITCHOVER_CLI_SWEEP_H
#define SWITCHOVER_CLI_SWEEP_H

#include <glib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "output.h"
#include "scenario.h"
#include "store.h"
#include "study.h"
#include "summary.h"
#include "trace.h"

struct sweep_plan {
	struct study *st;
	size_t n_points;
	struct scenario **sc; /* per point: resolved, with its seed and runs */
	size_t *base;         /* per point: index in st->scenarios */
	size_t *idx;          /* per point: n_axes value indexes */
	enum study_traces traces;
	char *hash; /* of everything the results depend on (checkpoints) */
};

/* Seed of point p's runs: a splitmix64 mix of the base seed and p, so a
 * point draws the same numbers whichever worker runs it, and when. */
uint64_t sweep_point_seed(uint64_t seed, size_t p);

/* Load every point's scenario (base + axis values + sets); 0 or -1 with err
 * naming the study file, line and axis (or the --vary) of a bad value. */
int sweep_plan_build(struct sweep_plan *pl, struct study *st, const char *const *sets,
                     size_t n_sets, enum study_traces traces, char *err, size_t errlen);
void sweep_plan_free(struct sweep_plan *pl);
/* The strategies point p runs, in order; returns how many. */
size_t sweep_plan_strategies(const struct sweep_plan *pl, size_t p,
                             enum strategy_kind out[STRATEGY_COUNT]);

/* One strategy's runs of a point, decoded from a record. */
struct sweep_strategy_runs {
	enum strategy_kind strategy;
	unsigned runs;
	struct run_summary *sum; /* runs */
	struct trace *trace;     /* runs; n == 0 when not kept */
	bool *traced;
};
struct sweep_point {
	uint32_t point;
	size_t n;
	struct sweep_strategy_runs s[STRATEGY_COUNT];
};

/* Run point p (every strategy, every run) in the sim world into `rec`.
 * 0; 1 when *stop (may be NULL) was set between two runs (no record); -1
 * with err when the world could not run. */
int sweep_record_run(const struct sweep_plan *pl, size_t p, const volatile sig_atomic_t *stop,
                     GByteArray *rec, char *err, size_t errlen);
/* The point number of a record, or -1 when it is not one of ours. */
long sweep_record_point(const void *rec, size_t len, size_t n_points);
/* Decode; 0 or -1 when the record is damaged. */
int sweep_record_decode(const void *rec, size_t len, struct sweep_point *out);
void sweep_point_free(struct sweep_point *pt);

/* The /points table. */
struct sweep_table;
struct sweep_table *sweep_table_new(const struct sweep_plan *pl);
/* Add point pt's rows (one per strategy); first_run is its first /summary
 * row.  0 or -ENOMEM. */
int sweep_table_add(struct sweep_table *t, const struct sweep_plan *pl,
                    const struct sweep_point *pt, uint64_t first_run);
/* Runs that failed over every row. */
unsigned sweep_table_failed(const struct sweep_table *t);
void sweep_table_print(const struct sweep_table *t, FILE *out, enum output_format f);
int sweep_table_write(const struct sweep_table *t, struct results_writer *w, char *err,
                      size_t errlen);
void sweep_table_free(struct sweep_table *t);

/* MPI (sweep_mpi.c): was this process started by mpirun or srun? */
bool sweep_mpi_launched(void);
int sweep_mpi_init(int *rank, int *size); /* 0 or -1 */
void sweep_mpi_finalize(void);
/* End every rank of the job with `status` (does not return). */
void sweep_mpi_abort(int status);
/* Ranks 1..: run the points rank 0 sends until it says stop; 0 or -1. */
int sweep_mpi_worker(const struct sweep_plan *pl);
/* Rank 0: hand the points without a record in have[] to ranks 1..size-1,
 * one at a time, and give each record to done().  0 when every point is
 * finished and every rank stopped; 1 when *interrupted stopped it with
 * ranks still at work; -1 with err. */
int sweep_mpi_master(const struct sweep_plan *pl, GBytes *const *have, int size,
                     int (*done)(void *ctx, size_t p, const void *rec, size_t len), void *ctx,
                     const volatile sig_atomic_t *interrupted, char *err, size_t errlen);

#endif
