/*
 * bench_real.c - how close the real world gets to ideal transitions.
 *
 *   bench_real [--devices N] [--arc DURATION] [--runs R] [--strategy S]
 *              [--threads per-pass|pool] [--null]
 *
 * N emulated devices (default 64) whose every arc takes a fixed DURATION
 * (default 20ms) migrate R times (default 3) under each strategy.  Per
 * strategy it prints the median downtime, the median of (downtime - bound)
 * (the bound is the ideal-parallel one of summary.c: what is left is the
 * strategy's own cost plus the harness's), and the median of (downtime -
 * serial sum) relative to that sum (the sequential expectation), and the
 * sim world's (downtime - bound) for the same scenario: the cost the strategy
 * itself has (thread creations and joins, which the bound leaves out), so
 * real minus sim is the harness's own.  --null: null devices instead (no
 * costs, no data): the downtime is the harness and the threads alone.  Then the
 * thread costs the engine actually paid, from the runs' traces: the gap
 * between two consecutive spawns of one handler pass (create) and between
 * two consecutive joins of threads that had already ended (join), the
 * numbers the sim world's thread_create / thread_join stand for.  Each
 * parallel strategy runs with both thread modes (migration.threads:
 * per-pass, a thread created and joined per device per pass; pool,
 * persistent workers handed each transition), unless --threads picks one;
 * for the pool the gaps are between hand-offs (what thread_wake stands for)
 * and between waits for a worker's done.
 * Targets (issue 4): parallel strategies <= 2 ms over the bound,
 * sequential within 1% of the sum.  Not a test: the numbers go to
 * docs/performance.md.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "real_world.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "summary.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: bench_real [--devices N] [--arc DURATION] [--runs R] [--strategy S]\n"
	             "                  [--threads per-pass|pool] [--null]\n"
	             "Downtime of N emulated devices with fixed arcs against the ideal-parallel\n"
	             "bound and the serial sum, per strategy, and the thread costs paid.\n");
}

/* Consecutive spawn (or join) gaps within one pass of one side, appended
 * to x[*n] (cap entries): with the pool the spawns are hand-offs (wakes)
 * and the joins waits for a worker's done.  Pool workers' own creation and
 * end (pass -1) are left out. */
static void thread_gaps(const struct trace *tr, int kind, double *x, size_t *n, size_t cap)
{
	double last[2] = {NAN, NAN};
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		int side = e->side & 1;
		if (e->kind == TRACE_PASS_BEGIN || e->kind == TRACE_PASS_END) {
			last[side] = NAN;
		} else if (e->kind == kind && e->pass >= 0) {
			if (!isnan(last[side]) && *n < cap)
				x[(*n)++] = e->t - last[side];
			last[side] = e->t;
		}
	}
}

static double median(double *x, size_t n)
{
	struct quantiles q;
	aggregate_quantiles(x, n, &q);
	return q.median;
}

/* What the parallel-prio runs of one thread mode paid per launch and per
 * collection, from their traces. */
struct gaps {
	double *spawn, *join;
	size_t n_spawn, n_join, cap;
};

/* `runs` real and sim runs of `s`; prints one table row.  Returns 0 or 1. */
static int row(struct scenario *s, bool null, unsigned runs, const char *label, struct gaps *g)
{
	char err[1024];
	struct run_summary *sums = calloc(runs, sizeof *sums);
	double *over = calloc(runs, sizeof *over), *rel = calloc(runs, sizeof *rel);
	double *sim_over = calloc(runs, sizeof *sim_over);
	if (!sums || !over || !rel || !sim_over)
		return 1;
	for (unsigned r = 0; r < runs; r++) {
		struct trace tr;
		struct mig_result res;
		struct real_world_config cfg = {.devices =
		                                    null ? REAL_DEVICES_NULL : REAL_DEVICES_EMU};
		trace_init(&tr);
		if (real_world_run(s, r, &cfg, &tr, &res, err, sizeof err) || res.status) {
			fprintf(stderr, "bench_real: %s run %u: %s%s\n", label, r, err, res.error);
			return 1;
		}
		if (summary_from_trace(s, &tr, &res, &sums[r]))
			return 1;
		if (g) {
			thread_gaps(&tr, TRACE_THREAD_SPAWN, g->spawn, &g->n_spawn, g->cap);
			thread_gaps(&tr, TRACE_THREAD_JOIN, g->join, &g->n_join, g->cap);
		}
		over[r] = sums[r].downtime_s - sums[r].bound_s;
		rel[r] = (sums[r].downtime_s - sums[r].serial_s) / sums[r].serial_s;
		trace_free(&tr);
	}
	struct aggregate a;
	if (aggregate_runs(sums, runs, &a))
		return 1;
	for (unsigned r = 0; r < runs; r++)
		summary_free(&sums[r]);
	/* The same scenario in sim: with null devices its costs are 0 too. */
	for (unsigned r = 0; r < runs; r++) {
		struct trace tr;
		struct mig_result res;
		trace_init(&tr);
		if (sim_world_run(s, r, &tr, &res, err, sizeof err) ||
		    summary_from_trace(s, &tr, &res, &sums[r]))
			return 1;
		sim_over[r] = sums[r].downtime_s - sums[r].bound_s;
		summary_free(&sums[r]);
		trace_free(&tr);
	}
	printf("%-27s %12.3f %12.3f %14.3f %14.3f %12.3f %14.3f\n", label, a.downtime.median * 1e3,
	       a.bound.median * 1e3, median(over, runs) * 1e3, a.serial.median * 1e3,
	       median(rel, runs) * 100, median(sim_over, runs) * 1e3);
	aggregate_free(&a);
	free(sim_over);
	free(sums);
	free(over);
	free(rel);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned devices = 64, runs = 3;
	const char *arc = "20ms", *only = NULL, *threads = NULL;
	bool null = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--devices") && i + 1 < argc)
			devices = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--arc") && i + 1 < argc)
			arc = argv[++i];
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--strategy") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = argv[++i];
		else if (!strcmp(argv[i], "--null"))
			null = true;
		else {
			usage(strcmp(argv[i], "--help") ? stderr : stdout);
			return strcmp(argv[i], "--help") ? 2 : 0;
		}
	}
	if (null)
		arc = "0"; /* what a null device costs, so that sim runs the same */
	if (!devices || !runs) {
		usage(stderr);
		return 2;
	}
	char yaml[1024];
	snprintf(yaml, sizeof yaml,
	         "name: bench-real\n"
	         "vm: {ram: 0}\n"
	         "network: {bandwidth: 100Gbps, latency: 50us}\n"
	         "devices:\n"
	         "  - {name: vf, profile: null, count: %u, state_size: 64KiB,\n"
	         "     latency: {default: %s}}\n"
	         "runs: %u\n",
	         devices, arc, runs);
	struct scenario *s = NULL;
	char err[1024];
	if (scenario_load_text("bench-real", yaml, strlen(yaml), NULL, 0, &s, err, sizeof err)) {
		fprintf(stderr, "bench_real: %s\n", err);
		return 2;
	}
	size_t cap = (size_t)runs * 4 * devices + 1;
	struct gaps gaps[2];
	for (int t = 0; t < 2; t++) {
		gaps[t] = (struct gaps){.spawn = calloc(cap, sizeof(double)),
		                        .join = calloc(cap, sizeof(double)),
		                        .cap = cap};
		if (!gaps[t].spawn || !gaps[t].join)
			return 1;
	}
	if (null)
		printf("%u null devices, %u runs per strategy\n", devices, runs);
	else
		printf("%u emulated devices, every arc %s, %u runs per strategy\n", devices, arc,
		       runs);
	printf("%-27s %12s %12s %14s %14s %12s %14s\n", "strategy/threads", "downtime_ms",
	       "bound_ms", "over_bound_ms", "serial_ms", "vs_serial_%", "sim_over_ms");
	for (int k = 0; k < STRATEGY_COUNT; k++) {
		if (only && strcmp(only, strategy_name(k)))
			continue;
		s->strategy = (enum strategy_kind)k;
		for (int t = 0; t < 2; t++) {
			/* sequential has no threads: one row */
			if (k == STRATEGY_SEQUENTIAL
			        ? t > 0
			        : threads && strcmp(threads, thread_mode_name(t)))
				continue;
			s->threads = (enum thread_mode)t;
			char label[64];
			snprintf(label, sizeof label, "%s%s%s", strategy_name(k),
			         k == STRATEGY_SEQUENTIAL ? "" : "/",
			         k == STRATEGY_SEQUENTIAL ? "" : thread_mode_name(t));
			if (row(s, null, runs, label,
			        k == STRATEGY_PARALLEL_PRIO ? &gaps[t] : NULL))
				return 1;
		}
	}
	static const char *const what[2][2] = {{"create", "join"}, {"hand-off (wake)", "wait"}};
	for (int t = 0; t < 2; t++) {
		struct gaps *g = &gaps[t];
		if (g->n_spawn && g->n_join)
			printf(
			    "%s threads, costs paid by the engine (parallel-prio passes): %s %.1f "
			    "us, "
			    "%s %.1f us (medians of %zu and %zu gaps; sim charges %.1f and %.1f)\n",
			    thread_mode_name(t), what[t][0], median(g->spawn, g->n_spawn) * 1e6,
			    what[t][1], median(g->join, g->n_join) * 1e6, g->n_spawn, g->n_join,
			    (t == THREADS_POOL ? s->thread_wake_s : s->thread_create_s) * 1e6,
			    t == THREADS_POOL ? 0.0 : s->thread_join_s * 1e6);
		free(g->spawn);
		free(g->join);
	}
	scenario_free(s);
	return 0;
}
