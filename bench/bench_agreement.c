/*
 * bench_agreement.c - how far the real world is from what the simulation
 * predicts for it.
 *
 *   bench_agreement [--devices 1,4,16,64] [--runs R] [--strategy S|all]
 *                   [--threads per-pass|pool|all] [--multifd-state on|off|both]
 *                   [--channels N] [--target PCT] [--phase-target PCT]
 *                   [--phase-floor MS] [--host PROFILE] [--task-cpu]
 *                   [--window-cpu] [FILE]
 *
 * FILE (default bench/agreement.yaml: emulated devices with fixed arcs of 5
 * to 50 ms) runs R times (default 5) in the sim world and in the real world
 * (emulated devices, real threads and sockets) for every strategy x device
 * count x thread mode x multifd device state (migration.multifd_transfer
 * over N multifd channels, or the state on the main stream).  Each row
 * prints both median downtimes, the gap in ms and in %, the phase whose
 * medians differ most, and whether the cell meets the target: downtime
 * within 3% and each phase within 5% or 1 ms (issue 11's criterion; the
 * verdict names what missed).  The sim is the reference: where a row
 * misses, the real world spends time the model does not know about (the
 * host's CPUs, scheduler wake-ups, copies).  --host PROFILE gives both
 * ends the host profile of this machine (profiles/hosts/, written by
 * bench_host) on one shared machine (hosts.shared: this process plays
 * both ends), so that the sim knows its cores and CPU costs.
 *
 * A benchmark, not a test: wall-clock time on a shared machine is not a
 * verdict.  Its output goes to docs/performance.md with the command; the
 * structure of the two worlds' runs (the same arcs, bytes, threads) is what
 * tests/test_agreement asserts.  Progress with an estimate of the time left
 * goes to stderr.
 *
 * --window-cpu prints, per cell, the CPU each world spent inside the
 * downtime's phases (models/cpu_phases.h: stop, stopcopy, load, start), in
 * all and by thread kind, and the cores' busy fraction, medians over the
 * runs: the sim's CPU charges as SimGrid executes them
 * (sim_runtime_cpu_phases: the progress hook, flushed at each mark), the real world's
 * threads' CPU clocks read at each mark (rtp_cpu_windows, rtp_cpu_mark).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aggregate.h"
#include "cpu_phases.h"
#include "real_world.h"
#include "rt_pthread.h"
#include "scenario_load.h"
#include "sim_runtime.h"
#include "sim_world.h"
#include "summary.h"
#include "transport.h"

#define MAX_COUNTS 16

static void usage(FILE *out)
{
	fprintf(out, "usage: bench_agreement [--devices LIST] [--runs R] [--strategy S|all]\n"
	             "                       [--threads per-pass|pool|all] [--multifd-state "
	             "on|off|both]\n"
	             "                       [--channels N] [--target PCT] [--phase-target PCT]\n"
	             "                       [--phase-floor MS] [--host PROFILE] [--task-cpu]\n"
	             "                       [FILE]\n"
	             "Median downtime of FILE (default bench/agreement.yaml) in the sim and the\n"
	             "real world (emulated devices) per strategy x device count x thread mode x\n"
	             "multifd device state, the gap, the largest phase gap, and whether the\n"
	             "downtime is within PCT %% and each phase within its target.\n"
	             "  --devices LIST  device counts, comma-separated (default 1,4,16,64)\n"
	             "  --runs R        runs per world and cell (default 5)\n"
	             "  --strategy S    one strategy, or all (default)\n"
	             "  --threads T     per-pass (default), pool, or all\n"
	             "  --multifd-state M  device state over the multifd channels: off (default:\n"
	             "                  on the main stream), on, or both\n"
	             "  --channels N    multifd channels (default 0 with --multifd-state off,\n"
	             "                  else 2; with off they carry RAM only)\n"
	             "  --target PCT    the downtime target in %% (default 3)\n"
	             "  --phase-target PCT  each phase within PCT %% of the sim's (default 5)\n"
	             "  --phase-floor MS    ... or within MS milliseconds (default 1)\n"
	             "  --host PROFILE  both ends get this host profile (a name in\n"
	             "                  profiles/hosts/, such as ci-2core, or a file), both\n"
	             "                  ends sharing its cores (hosts.shared)\n"
	             "  --task-cpu      after each cell, where each world's CPU went: per\n"
	             "                  thread kind (tasks, pumps, emulated devices' data\n"
	             "                  threads) the threads per run and their CPU time; for\n"
	             "                  the sim, per task kind the CPU work it was charged\n"
	             "  --window-cpu    after each cell, each world's CPU inside the downtime's\n"
	             "                  phases (stop: VM stop to the final query's end;\n"
	             "                  stopcopy: to the last stop-copy byte sent; load: to the\n"
	             "                  destination VM start; start: to VM running), in all and\n"
	             "                  by thread kind, and the cores' busy fraction (CPU / cores\n"
	             "                  x phase length), medians over the runs; the real world's\n"
	             "                  threads' CPU clocks are read at each phase mark (the\n"
	             "                  probe's own cost is printed with it)\n");
}

/* ---- --window-cpu ---- */

/* The phases printed: those inside the downtime, then their sum. */
#define WIN_FIRST CPU_PHASE_STOP
#define WIN_N     (CPU_PHASE_START - CPU_PHASE_STOP + 1)
#define WIN_ROWS  (WIN_N + 1)

/* One world's runs of one cell: per run, each phase's length and CPU. */
struct win_kind {
	char kind[48];
	double *cpu; /* [run * WIN_ROWS + row], seconds */
};
struct win_cell {
	unsigned runs, cap;
	double *len;     /* [run * WIN_ROWS + row] */
	double *process; /* real: the process's CPU clock, [run * WIN_ROWS + row] */
	double *ended;   /* real: threads that ended, [run * WIN_ROWS + row] */
	struct win_kind *k;
	size_t nk;
	unsigned late_marks, marks, threads_read;
	double probe_s; /* the real world's reads of the clocks, in all */
	bool oom;
};

/* What the real world's flush keeps beside the table. */
struct win_real {
	double process_at;               /* the process's CPU clock at the last mark */
	double process[CPU_PHASE_COUNT]; /* per phase */
	double probe_s;
	unsigned marks, threads_read;
	unsigned ended[CPU_PHASE_COUNT]; /* registered threads that ended, per phase */
};

static double process_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void win_real_charge(void *arg, int window, const char *name, double cpu_s, bool ended)
{
	struct cpu_phases *cp = arg;
	cpu_phases_charge(cp, window, name, cpu_s);
	if (ended && (unsigned)window < CPU_PHASE_COUNT) /* calls are serialised (rtp) */
		((struct win_real *)cp->arg)->ended[window]++;
}

static void win_real_flush(struct cpu_phases *cp, int next)
{
	struct win_real *r = cp->arg;
	double now = process_cpu_s();
	r->process[cp->phase] += now - r->process_at;
	r->process_at = now;
	unsigned n = 0;
	double probe = rtp_cpu_mark(next, &n);
	cpu_phases_charge(cp, next, "(probe)", probe);
	r->probe_s += probe;
	r->marks++;
	r->threads_read += n;
}

static struct win_kind *win_kind_of(struct win_cell *w, const char *kind)
{
	for (size_t i = 0; i < w->nk; i++)
		if (!strcmp(w->k[i].kind, kind))
			return &w->k[i];
	struct win_kind *more = realloc(w->k, (w->nk + 1) * sizeof *more);
	double *cpu = calloc((size_t)w->cap * WIN_ROWS, sizeof *cpu);
	if (!more || !cpu) {
		if (more)
			w->k = more;
		free(cpu);
		w->oom = true;
		return NULL;
	}
	w->k = more;
	struct win_kind *k = &w->k[w->nk++];
	snprintf(k->kind, sizeof k->kind, "%s", kind);
	k->cpu = cpu;
	return k;
}

/* Record one run's table (real: with its process clock and probe). */
static void win_record(struct win_cell *w, const struct cpu_phases *cp, const struct win_real *r)
{
	if (w->runs == w->cap)
		return;
	unsigned run = w->runs++;
	double *len = &w->len[run * WIN_ROWS], *proc = &w->process[run * WIN_ROWS],
	       *ended = &w->ended[run * WIN_ROWS];
	len[WIN_N] = proc[WIN_N] = ended[WIN_N] = 0;
	for (int i = 0; i < WIN_N; i++) {
		len[i] = cpu_phases_length(cp, (enum cpu_phase)(WIN_FIRST + i));
		len[WIN_N] += len[i];
		proc[i] = r ? r->process[WIN_FIRST + i] : NAN;
		proc[WIN_N] += proc[i];
		ended[i] = r ? r->ended[WIN_FIRST + i] : NAN;
		ended[WIN_N] += ended[i];
	}
	for (size_t j = 0; j < cp->n; j++) {
		struct win_kind *k = win_kind_of(w, cp->kinds[j].kind);
		if (!k)
			continue;
		double *c = &k->cpu[run * WIN_ROWS];
		c[WIN_N] = 0;
		for (int i = 0; i < WIN_N; i++) {
			c[i] = cp->kinds[j].cpu_s[WIN_FIRST + i];
			c[WIN_N] += c[i];
		}
	}
	w->late_marks += cp->late_marks;
	w->oom |= cp->oom != 0;
	if (r) {
		w->probe_s += r->probe_s;
		w->marks += r->marks;
		w->threads_read += r->threads_read;
	}
}

static void win_cell_free(struct win_cell *w)
{
	for (size_t i = 0; i < w->nk; i++)
		free(w->k[i].cpu);
	free(w->k);
	free(w->len);
	free(w->process);
	free(w->ended);
	memset(w, 0, sizeof *w);
}

static int win_cell_init(struct win_cell *w, unsigned runs)
{
	memset(w, 0, sizeof *w);
	w->cap = runs;
	w->len = calloc((size_t)runs * WIN_ROWS, sizeof *w->len);
	w->process = calloc((size_t)runs * WIN_ROWS, sizeof *w->process);
	w->ended = calloc((size_t)runs * WIN_ROWS, sizeof *w->ended);
	return w->len && w->process && w->ended ? 0 : -ENOMEM;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median over the runs of f(run) (NAN values left out). */
static double win_median(const struct win_cell *w,
                         double (*f)(const struct win_cell *, unsigned, int, const void *), int row,
                         const void *arg)
{
	double v[w->runs ? w->runs : 1];
	unsigned n = 0;
	for (unsigned r = 0; r < w->runs; r++) {
		double x = f(w, r, row, arg);
		if (!isnan(x))
			v[n++] = x;
	}
	if (!n)
		return NAN;
	qsort(v, n, sizeof v[0], cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double f_len(const struct win_cell *w, unsigned r, int row, const void *arg)
{
	(void)arg;
	return w->len[r * WIN_ROWS + row];
}

static double f_ended(const struct win_cell *w, unsigned r, int row, const void *arg)
{
	(void)arg;
	return w->ended[r * WIN_ROWS + row];
}

static double f_kind(const struct win_cell *w, unsigned r, int row, const void *arg)
{
	(void)w;
	return ((const struct win_kind *)arg)->cpu[r * WIN_ROWS + row];
}

static double f_cpu(const struct win_cell *w, unsigned r, int row, const void *arg)
{
	(void)arg;
	double sum = 0;
	for (size_t i = 0; i < w->nk; i++)
		sum += w->k[i].cpu[r * WIN_ROWS + row];
	return sum;
}

/* The process's CPU not in any registered thread (real world). */
static double f_other(const struct win_cell *w, unsigned r, int row, const void *arg)
{
	return w->process[r * WIN_ROWS + row] - f_cpu(w, r, row, arg);
}

/* All the CPU of the phase: the real process's clock (its threads, the
 * probe and what no registered thread holds), the sim's charges. */
static double f_all(const struct win_cell *w, unsigned r, int row, const void *arg)
{
	double proc = w->process[r * WIN_ROWS + row];
	return isnan(proc) ? f_cpu(w, r, row, arg) : proc;
}

static double f_busy(const struct win_cell *w, unsigned r, int row, const void *arg)
{
	double len = w->len[r * WIN_ROWS + row];
	return len > 0 ? f_all(w, r, row, arg) / len : NAN;
}

static const char *win_row_name(int row)
{
	return row == WIN_N ? "downtime" : cpu_phase_name((enum cpu_phase)(WIN_FIRST + row));
}

static void win_print_world(const char *world, const struct win_cell *w, unsigned cores)
{
	for (int row = 0; row < WIN_ROWS; row++) {
		double len = win_median(w, f_len, row, NULL), cpu = win_median(w, f_all, row, NULL),
		       busy = win_median(w, f_busy, row, NULL);
		printf("      %-10s %-9s %9.3f %9.3f %6.2f", world, win_row_name(row), len * 1e3,
		       cpu * 1e3, busy);
		if (cores)
			printf(" %5.0f%%", 100 * busy / cores);
		else
			printf("      -");
		if (!isnan(w->process[0])) /* real: measured */
			printf(" %9.3f %6.0f", win_median(w, f_other, row, NULL) * 1e3,
			       win_median(w, f_ended, row, NULL));
		printf("\n");
	}
}

static const struct win_kind *win_find(const struct win_cell *w, const char *kind)
{
	for (size_t i = 0; i < w->nk; i++)
		if (!strcmp(w->k[i].kind, kind))
			return &w->k[i];
	return NULL;
}

struct win_line {
	const char *kind;
	double sim, real;
};

static int by_gap(const void *a, const void *b)
{
	const struct win_line *x = a, *y = b;
	double gx = x->real - x->sim, gy = y->real - y->sim;
	return (gx < gy) - (gx > gy);
}

/* Per cell: each world's phases, then per phase each kind's CPU in both. */
static void win_print(const struct win_cell *sim, unsigned sim_cores, const struct win_cell *real,
                      unsigned real_cores)
{
	printf("    window CPU, medians of %u runs (ms; cpu: the sim's charges, the real "
	       "process's CPU clock; busy = cpu / length, in cores; other: the real process's CPU "
	       "that no registered thread holds; ended: registered threads that ended)\n",
	       real->runs);
	printf("      %-10s %-9s %9s %9s %6s %6s %9s %6s\n", "world", "phase", "length", "cpu",
	       "busy", "of", "other", "ended");
	win_print_world("sim", sim, sim_cores);
	win_print_world("real-world", real, real_cores);
	if (real->marks)
		printf("      probe: %u marks, %.0f threads read per mark, %.1f us of CPU per mark "
		       "(its own kind, \"(probe)\", in the phase after the mark)\n",
		       real->marks, (double)real->threads_read / real->marks,
		       real->probe_s / real->marks * 1e6);
	if (sim->late_marks || real->late_marks)
		printf("      marks after a later phase had begun (ignored): sim %u, real %u\n",
		       sim->late_marks, real->late_marks);
	if (sim->oom || real->oom)
		printf("      out of memory: the tables are incomplete\n");
	size_t cap = sim->nk + real->nk;
	struct win_line *l = calloc(cap ? cap : 1, sizeof *l);
	if (!l)
		return;
	for (int row = 0; row < WIN_ROWS; row++) {
		size_t n = 0;
		for (int side = 0; side < 2; side++) {
			const struct win_cell *w = side ? real : sim;
			for (size_t i = 0; i < w->nk; i++) {
				const char *kind = w->k[i].kind;
				if (side && win_find(sim, kind))
					continue; /* listed with the sim's */
				const struct win_kind *ks = win_find(sim, kind),
				                      *kr = win_find(real, kind);
				l[n++] = (struct win_line){
				    kind, ks ? win_median(sim, f_kind, row, ks) : 0,
				    kr ? win_median(real, f_kind, row, kr) : 0};
			}
		}
		qsort(l, n, sizeof *l, by_gap);
		printf("      %s by thread kind (ms): sim, real, real - sim\n", win_row_name(row));
		for (size_t i = 0; i < n; i++)
			if (fabs(l[i].sim) >= 0.5e-6 || fabs(l[i].real) >= 0.5e-6)
				printf("        %-24s %9.3f %9.3f %+9.3f\n", l[i].kind,
				       l[i].sim * 1e3, l[i].real * 1e3,
				       (l[i].real - l[i].sim) * 1e3);
	}
	free(l);
}

struct medians {
	double downtime;
	double phase[PHASE_COUNT];
};

/* s->runs runs of `s` in one world (real: emulated devices). */
static int run_world(const struct scenario *s, bool real, struct medians *m, struct win_cell *win)
{
	struct run_summary *sums = calloc(s->runs, sizeof *sums);
	if (!sums)
		return -ENOMEM;
	int rc = 0;
	unsigned done = 0;
	for (; done < s->runs && !rc; done++) {
		struct trace tr;
		struct mig_result res;
		char err[1024] = "";
		trace_init(&tr);
		struct cpu_phases cp;
		struct win_real wr = {0};
		if (win) {
			if (cpu_phases_init(&cp,
			                    real ? win_real_flush : sim_runtime_cpu_phases_flush,
			                    real ? (void *)&wr : NULL)) {
				trace_free(&tr);
				rc = -ENOMEM;
				break;
			}
			trace_on_add(&tr, cpu_phases_event, &cp);
			if (real)
				rtp_cpu_windows(win_real_charge, &cp);
			else
				sim_runtime_cpu_phases(&cp);
			wr.process_at = process_cpu_s();
		}
		struct real_world_config cfg = {.devices = REAL_DEVICES_EMU};
		rc = real ? real_world_run(s, done, &cfg, &tr, &res, err, sizeof err)
		          : sim_world_run(s, done, &tr, &res, err, sizeof err);
		if (win) {
			if (real)
				rtp_cpu_windows(NULL, NULL);
			else
				sim_runtime_cpu_phases(NULL);
			if (!rc)
				win_record(win, &cp, real ? &wr : NULL);
			cpu_phases_free(&cp);
		}
		if (!rc && res.status) {
			snprintf(err, sizeof err, "%s", res.error);
			rc = -EIO;
		}
		if (rc)
			fprintf(stderr, "bench_agreement: %s run %u: %s\n", real ? "real" : "sim",
			        done, err);
		else if ((rc = summary_from_trace(s, &tr, &res, &sums[done])) != 0)
			fprintf(stderr, "bench_agreement: out of memory summarising a run\n");
		trace_free(&tr);
	}
	struct aggregate a;
	if (!rc && !(rc = aggregate_runs(sums, s->runs, &a))) {
		m->downtime = a.downtime.median;
		for (int p = 0; p < PHASE_COUNT; p++)
			m->phase[p] = a.phase[p].median;
		aggregate_free(&a);
	}
	for (unsigned r = 0; r < done; r++)
		summary_free(&sums[r]);
	free(sums);
	return rc;
}

static int by_cpu(const void *a, const void *b)
{
	double x = ((const struct rtp_cpu_kind *)a)->cpu_s;
	double y = ((const struct rtp_cpu_kind *)b)->cpu_s;
	return (x < y) - (x > y);
}

/* Where the cell's runs in one world spent CPU, per run, by thread kind. */
static void print_task_cpu(const char *world, unsigned runs)
{
	size_t n = 0;
	struct rtp_cpu_kind *k = rtp_cpu_take(&n);
	if (!k)
		return;
	qsort(k, n, sizeof *k, by_cpu);
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += k[i].cpu_s;
	printf("    %s CPU per run %.3f ms:", world, total / runs * 1e3);
	for (size_t i = 0; i < n; i++)
		printf("%s %s %u x %.1f us", i ? "," : "", k[i].kind, k[i].threads / runs,
		       k[i].cpu_s / k[i].threads * 1e6);
	printf("\n");
	free(k);
}

static int parse_counts(const char *text, unsigned *counts, int *n)
{
	char *end;
	*n = 0;
	for (const char *p = text; *p;) {
		unsigned long v = strtoul(p, &end, 10);
		if (end == p || v == 0 || v > 65536 || *n == MAX_COUNTS || (*end && *end != ','))
			return -1;
		counts[(*n)++] = (unsigned)v;
		p = *end ? end + 1 : end;
	}
	return *n ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *file = "bench/agreement.yaml", *only = NULL, *threads = "per-pass",
	           *mfd_state = "off", *host = NULL;
	long channels = -1; /* -1: the default of --multifd-state */
	unsigned counts[MAX_COUNTS] = {1, 4, 16, 64}, runs = 5;
	int n_counts = 4;
	double target = 3, phase_target = 5, phase_floor_s = 1e-3;
	bool task_cpu = false, window_cpu = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--task-cpu")) {
			task_cpu = true;
			rtp_cpu_accounting(true);
			sim_runtime_cpu_hook(rtp_cpu_add);
			continue; /* a flag: no value to skip */
		} else if (!strcmp(a, "--window-cpu")) {
			window_cpu = true;
			continue;
		} else if (!strcmp(a, "--devices") && v) {
			if (parse_counts(v, counts, &n_counts)) {
				fprintf(stderr,
				        "bench_agreement: --devices '%s': expected counts from 1 "
				        "to 65536, comma-separated (at most 16)\n",
				        v);
				return 2;
			}
		} else if (!strcmp(a, "--runs") && v) {
			unsigned long r = strtoul(v, &end, 10);
			if (*end || r == 0 || r > 100000) {
				fprintf(stderr,
				        "bench_agreement: --runs '%s': expected 1 to 100000\n", v);
				return 2;
			}
			runs = (unsigned)r;
		} else if (!strcmp(a, "--strategy") && v) {
			only = strcmp(v, "all") ? v : NULL;
		} else if (!strcmp(a, "--threads") && v) {
			threads = v;
		} else if (!strcmp(a, "--host") && v) {
			host = v;
		} else if (!strcmp(a, "--multifd-state") && v) {
			mfd_state = v;
		} else if (!strcmp(a, "--channels") && v) {
			channels = strtol(v, &end, 10);
			if (*end || channels < 0 || channels > SCENARIO_MAX_MULTIFD) {
				fprintf(stderr,
				        "bench_agreement: --channels '%s': expected 0 to %d\n", v,
				        SCENARIO_MAX_MULTIFD);
				return 2;
			}
		} else if (!strcmp(a, "--target") && v) {
			target = strtod(v, &end);
			if (*end || !(target > 0)) {
				fprintf(
				    stderr,
				    "bench_agreement: --target '%s': expected a percentage > 0\n",
				    v);
				return 2;
			}
		} else if ((!strcmp(a, "--phase-target") || !strcmp(a, "--phase-floor")) && v) {
			double x = strtod(v, &end);
			if (*end || !(x >= 0) || !isfinite(x)) {
				fprintf(stderr,
				        "bench_agreement: %s '%s': expected a number >= 0\n", a, v);
				return 2;
			}
			if (!strcmp(a, "--phase-target"))
				phase_target = x;
			else
				phase_floor_s = x / 1e3;
		} else if (a[0] != '-' && i == argc - 1) {
			file = a;
			continue;
		} else {
			fprintf(stderr, "bench_agreement: %s '%s'\n",
			        v || a[0] != '-' ? "unexpected argument" : "missing value for", a);
			usage(stderr);
			return 2;
		}
		i++;
	}
	int strategy = only ? strategy_parse(only) : -1;
	if (only && strategy < 0) {
		fprintf(stderr,
		        "bench_agreement: --strategy '%s': expected sequential, "
		        "parallel-prio, parallel-barrier or all\n",
		        only);
		return 2;
	}
	bool want_thread[2] = {true, true};
	if (strcmp(threads, "all")) {
		int t = names_parse(&scenario_thread_mode_names, threads);
		if (t < 0) {
			fprintf(stderr,
			        "bench_agreement: --threads '%s': expected per-pass, pool or all\n",
			        threads);
			return 2;
		}
		want_thread[0] = t == THREADS_PER_PASS;
		want_thread[1] = t == THREADS_POOL;
	}
	/* want_state[0]: the state on the main stream (off), [1]: over multifd */
	bool want_state[2] = {strcmp(mfd_state, "on") != 0, strcmp(mfd_state, "off") != 0};
	if (strcmp(mfd_state, "on") && strcmp(mfd_state, "off") && strcmp(mfd_state, "both")) {
		fprintf(stderr, "bench_agreement: --multifd-state '%s': expected on, off or both\n",
		        mfd_state);
		return 2;
	}
	if (channels < 0)
		channels = want_state[1] ? 2 : 0;
	if (want_state[1] && channels == 0) {
		fprintf(stderr,
		        "bench_agreement: --multifd-state %s needs --channels > 0 (device "
		        "state goes over the multifd channels)\n",
		        mfd_state);
		return 2;
	}

	/* The cells, in the order they run. */
	struct cell {
		enum strategy_kind k;
		enum thread_mode t;
		unsigned count;
		bool state_over_multifd;
	} cells[STRATEGY_COUNT * 2 * MAX_COUNTS * 2];
	size_t n_cells = 0;
	for (int k = 0; k < STRATEGY_COUNT; k++) {
		if (only && k != strategy)
			continue;
		for (int t = 0; t < 2; t++) {
			/* sequential has no threads: one thread mode */
			if (!want_thread[t] ||
			    (k == STRATEGY_SEQUENTIAL && t > 0 && want_thread[0]))
				continue;
			for (int c = 0; c < n_counts; c++)
				for (int st = 0; st < 2; st++)
					if (want_state[st])
						cells[n_cells++] = (struct cell){
						    (enum strategy_kind)k, (enum thread_mode)t,
						    counts[c], st == 1};
		}
	}

	printf("%s, %u runs per world and cell, %ld multifd channels%s%s; sim is the reference, "
	       "target within %g%%\n",
	       file, runs, channels, host ? ", host profile " : "", host ? host : "", target);
	printf("%-17s %-8s %7s %-9s %11s %11s %9s %8s  %-30s %s\n", "strategy", "threads",
	       "devices", "mfd_state", "sim_ms", "real_ms", "gap_ms", "gap_%", "largest phase gap",
	       "target");
	double t_start = transport_now();
	unsigned met = 0;
	for (size_t i = 0; i < n_cells; i++) {
		const struct cell *c = &cells[i];
		char strategy_set[64], threads_set[64], count_set[64], runs_set[32],
		    channels_set[64], state_set[64];
		char host_src[1024], host_dst[1024];
		snprintf(strategy_set, sizeof strategy_set, "migration.strategy=%s",
		         strategy_name(c->k));
		snprintf(threads_set, sizeof threads_set, "migration.threads=%s",
		         thread_mode_name(c->t));
		snprintf(count_set, sizeof count_set, "devices[0].count=%u", c->count);
		snprintf(runs_set, sizeof runs_set, "runs=%u", runs);
		snprintf(channels_set, sizeof channels_set, "network.multifd_channels=%ld",
		         channels);
		snprintf(state_set, sizeof state_set, "migration.multifd_transfer=%s",
		         c->state_over_multifd ? "on" : "off");
		snprintf(host_src, sizeof host_src, "hosts.source.profile=%s", host ? host : "");
		snprintf(host_dst, sizeof host_dst, "hosts.destination.profile=%s",
		         host ? host : "");
		/* One process plays both ends here: with a host profile, both
		 * share this machine's cores (hosts.shared). */
		const char *sets[] = {strategy_set, threads_set,  count_set,
		                      runs_set,     channels_set, state_set,
		                      host_src,     host_dst,     "hosts.shared=true"};
		struct scenario *s = NULL;
		char err[1024];
		if (scenario_load_file(file, sets, host ? 9 : 6, &s, err, sizeof err)) {
			fprintf(stderr, "bench_agreement: %s\n", err);
			return 2;
		}
		struct medians sim, real;
		struct win_cell win[2];
		if (window_cpu && (win_cell_init(&win[0], runs) || win_cell_init(&win[1], runs))) {
			fprintf(stderr, "bench_agreement: out of memory\n");
			return 1;
		}
		unsigned sim_cores = s->hosts[RT_SIDE_SRC].cores;
		if (run_world(s, false, &sim, window_cpu ? &win[0] : NULL)) {
			scenario_free(s);
			return 1;
		}
		if (task_cpu)
			print_task_cpu("sim", runs);
		free(rtp_cpu_take(&(size_t){0})); /* the real runs' own, from here */
		if (run_world(s, true, &real, window_cpu ? &win[1] : NULL)) {
			scenario_free(s);
			return 1;
		}
		scenario_free(s);
		int worst = 0;
		for (int p = 1; p < PHASE_COUNT; p++)
			if (fabs(real.phase[p] - sim.phase[p]) >
			    fabs(real.phase[worst] - sim.phase[worst]))
				worst = p;
		double gap = real.downtime - sim.downtime, pct = 100 * gap / sim.downtime;
		/* A phase agrees within phase_target % of the sim's or within
		 * phase_floor (a phase of a few ms cannot be held to 5%). */
		int off_phase = -1;
		for (int p = 0; p < PHASE_COUNT && off_phase < 0; p++) {
			double d = fabs(real.phase[p] - sim.phase[p]);
			if (d > phase_floor_s && d > phase_target / 100 * fabs(sim.phase[p]))
				off_phase = p;
		}
		bool ok = fabs(pct) <= target && off_phase < 0;
		met += ok;
		char verdict[48];
		if (ok)
			snprintf(verdict, sizeof verdict, "met");
		else if (fabs(pct) > target)
			snprintf(verdict, sizeof verdict, "missed: downtime");
		else
			snprintf(verdict, sizeof verdict, "missed: %s", phase_name(off_phase));
		char phase[48];
		snprintf(phase, sizeof phase, "%s %+.3f ms", phase_name(worst),
		         (real.phase[worst] - sim.phase[worst]) * 1e3);
		printf("%-17s %-8s %7u %-9s %11.3f %11.3f %+9.3f %+8.2f  %-30s %s\n",
		       strategy_name(c->k),
		       c->k == STRATEGY_SEQUENTIAL ? "-" : thread_mode_name(c->t), c->count,
		       c->state_over_multifd ? "on" : "off", sim.downtime * 1e3,
		       real.downtime * 1e3, gap * 1e3, pct, phase, verdict);
		if (task_cpu)
			print_task_cpu("real-world", runs);
		if (window_cpu) {
			long online = sysconf(_SC_NPROCESSORS_ONLN);
			win_print(&win[0], sim_cores, &win[1], online > 0 ? (unsigned)online : 0);
			win_cell_free(&win[0]);
			win_cell_free(&win[1]);
		}
		fflush(stdout);
		double spent = transport_now() - t_start;
		/* Cells cost about what their device count says: estimate by it. */
		double done_w = 0, all_w = 0;
		for (size_t j = 0; j < n_cells; j++) {
			all_w += cells[j].count;
			if (j <= i)
				done_w += cells[j].count;
		}
		fprintf(stderr, "bench_agreement: %zu/%zu cells, %.0f s, about %.0f s left\n",
		        i + 1, n_cells, spent, spent / done_w * (all_w - done_w));
	}
	printf("target (downtime within %g%% of sim, each phase within %g%% or %g ms): met in %u "
	       "of %zu cells\n",
	       target, phase_target, phase_floor_s * 1e3, met, n_cells);
	return 0;
}
