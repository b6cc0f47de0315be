/*
 * bench_sim.c - harness speed and memory in the SimGrid world.
 *
 *   bench_sim per-run FILE [--runs N]   wall time per simulated run of FILE
 *   bench_sim many FILE --devices N     one run with N devices: wall time and
 *                                       peak RSS
 * Each mode then runs bench_bare_simgrid (next to this binary) with the same
 * number of actor-level operations the runs performed, and prints the ratio
 * switchover / bare SimGrid.  Not a test: numbers go to docs/performance.md.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "migration.h"
#include "scenario_load.h"
#include "sim_runtime.h"
#include "sim_world.h"
#include "summary.h"

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long maxrss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: bench_sim per-run FILE [--runs N]\n"
	             "       bench_sim many FILE --devices N\n"
	             "Times simulated runs of scenario FILE and the same amount of bare SimGrid\n"
	             "work (bench_bare_simgrid), and prints both and their ratio.\n");
}

/* Run bench_bare_simgrid with the recorded operation counts; its wall time. */
static double bare(const char *self, const struct sim_runtime_stats *st, long *rss)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", self);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof dir, ".");
	char cmd[8192];
	snprintf(cmd, sizeof cmd,
	         "%s/bench_bare_simgrid --spawns %llu --sleeps %llu --sends %llu --sync %llu", dir,
	         (unsigned long long)st->spawns, (unsigned long long)st->sleeps,
	         (unsigned long long)st->sends, (unsigned long long)st->sync_ops);
	FILE *p = popen(cmd, "r");
	double w = -1;
	char line[512];
	while (p && fgets(line, sizeof line, p)) {
		char *a = strstr(line, "wall_s="), *b = strstr(line, "maxrss_kib=");
		if (a)
			w = atof(a + 7);
		if (b)
			*rss = atol(b + 11);
	}
	if (p)
		pclose(p);
	return w;
}

int main(int argc, char **argv)
{
	if (argc < 3 || !strcmp(argv[1], "--help")) {
		usage(argc < 3 ? stderr : stdout);
		return argc < 3 ? 2 : 0;
	}
	const char *mode = argv[1], *file = argv[2];
	unsigned runs = 200;
	char devset[64] = "";
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--runs"))
			runs = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--devices"))
			snprintf(devset, sizeof devset, "devices.count=%s", argv[i + 1]);
	}
	bool many = !strcmp(mode, "many");
	if (many) {
		if (!devset[0]) {
			usage(stderr);
			return 2;
		}
		runs = 1;
	} else if (strcmp(mode, "per-run")) {
		usage(stderr);
		return 2;
	}
	const char *sets[] = {devset};
	struct scenario *s = NULL;
	char err[1024];
	if (scenario_load_file(file, sets, devset[0] ? 1 : 0, &s, err, sizeof err)) {
		fprintf(stderr, "bench_sim: %s\n", err);
		return 2;
	}
	sim_runtime_global_init();
	/* Warm-up run, not timed: SimGrid's one-time set-up. */
	struct trace tr;
	struct mig_result res;
	if (!many) {
		trace_init(&tr);
		sim_world_run(s, 0, &tr, &res, err, sizeof err);
		trace_free(&tr);
	}
	struct sim_runtime_stats before, after;
	sim_world_total_stats(&before);
	double t0 = wall();
	double downtime = 0;
	for (unsigned r = 0; r < runs; r++) {
		trace_init(&tr);
		if (sim_world_run(s, r, &tr, &res, err, sizeof err)) {
			fprintf(stderr, "bench_sim: run %u: %s\n", r, err);
			return 2;
		}
		struct run_summary sum;
		if (summary_from_trace(s, &tr, &res, &sum) == 0) {
			downtime = sum.downtime_s;
			summary_free(&sum);
		}
		trace_free(&tr);
	}
	double dt = wall() - t0;
	sim_world_total_stats(&after);
	struct sim_runtime_stats d = {
	    .spawns = after.spawns - before.spawns,
	    .joins = after.joins - before.joins,
	    .sleeps = after.sleeps - before.sleeps,
	    .sends = after.sends - before.sends,
	    .recvs = after.recvs - before.recvs,
	    .sync_ops = after.sync_ops - before.sync_ops,
	    .computes = after.computes - before.computes,
	    .alone = after.alone - before.alone,
	    .cut = after.cut - before.cut,
	    .ahead = after.ahead - before.ahead,
	    .ahead_overlaps = after.ahead_overlaps - before.ahead_overlaps,
	};
	long rss = maxrss_kib(), bare_rss = 0;
	double bw = bare(argv[0], &d, &bare_rss);
	printf("scenario %s: %zu devices, strategy %s, %u run%s (last downtime %.3f ms)\n", s->name,
	       scenario_device_count(s), strategy_name(s->strategy), runs, runs == 1 ? "" : "s",
	       downtime * 1e3);
	printf("switchover  wall %.6f s total, %.3f ms per run, peak RSS %.1f MiB\n", dt,
	       dt / runs * 1e3, rss / 1024.0);
	printf("operations  spawns %llu sleeps %llu sends %llu (alone on the link %llu, cut %llu, "
	       "sent ahead %llu, overlapping a run ahead %llu) sync %llu\n",
	       (unsigned long long)d.spawns, (unsigned long long)d.sleeps,
	       (unsigned long long)d.sends, (unsigned long long)d.alone, (unsigned long long)d.cut,
	       (unsigned long long)d.ahead, (unsigned long long)d.ahead_overlaps,
	       (unsigned long long)d.sync_ops);
	if (bw > 0)
		printf("bare SimGrid wall %.6f s, peak RSS %.1f MiB\nratio       %.2f (switchover "
		       "/ bare "
		       "SimGrid)\n",
		       bw, bare_rss / 1024.0, dt / bw);
	else
		printf("bare SimGrid: could not run bench_bare_simgrid\n");
	scenario_free(s);
	return 0;
}
