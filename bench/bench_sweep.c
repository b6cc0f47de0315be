/*
 * bench_sweep.c - runs per second of `switchover sweep`, side by side:
 * -j 1, -j 2, and mpirun -n 2 and -n 3 (rank 0 only coordinates, so -n 2
 * has one rank running points and -n 3 two).  The study: POINTS points of
 * the 4-VF published scenario (scenarios/cx7-4vf.yaml, each point its own
 * seed), RUNS runs each, no result file, so what is timed is the runs and
 * the hand-out.  Not a test: numbers go to docs/performance.md.
 *
 *   bench_sweep [--runs N] [--points K]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run argv with stdout to /dev/null; its wall time, or -1 when it failed. */
static double timed(char *const *argv)
{
	double t0 = wall();
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return wall() - t0;
}

int main(int argc, char **argv)
{
	int runs = 100, points = 8;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--runs"))
			runs = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--points"))
			points = atoi(argv[i + 1]);
	}
	if (runs < 1 || points < 1 || (argc - 1) % 2) {
		fprintf(stderr, "usage: bench_sweep [--runs N] [--points K]\n");
		return 2;
	}
	char vary[4096] = "devices.count=4", runs_s[16];
	for (int p = 1; p < points; p++)
		strcat(vary, ",4");
	snprintf(runs_s, sizeof runs_s, "%d", runs);
	const char *root = getenv("SWITCHOVER_SOURCE_DIR");
	char scen[4096];
	snprintf(scen, sizeof scen, "%s/scenarios/cx7-4vf.yaml",
	         root ? root : SWITCHOVER_SOURCE_DIR);
	/* OpenMPI refuses root unless told (containers). */
	setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
	setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
	struct {
		const char *label, *pre[5], *jobs;
	} modes[] = {
	    {"-j 1", {NULL}, "1"},
	    {"-j 2", {NULL}, "2"},
	    {"mpirun -n 2", {"mpirun", "--oversubscribe", "-n", "2", NULL}, "1"},
	    {"mpirun -n 3", {"mpirun", "--oversubscribe", "-n", "3", NULL}, "1"},
	};
	double base = 0;
	printf("bench_sweep: %s, %d points x %d runs = %d runs per sweep\n", scen, points, runs,
	       points * runs);
	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		char *av[32];
		int n = 0;
		for (int k = 0; modes[m].pre[k]; k++)
			av[n++] = (char *)modes[m].pre[k];
		char *tail[] = {SWITCHOVER_BIN,
		                "sweep",
		                scen,
		                "--vary",
		                vary,
		                "--runs",
		                runs_s,
		                "-j",
		                (char *)modes[m].jobs,
		                "--quiet",
		                "--format",
		                "csv",
		                NULL};
		memcpy(av + n, tail, sizeof tail);
		double t = timed(av);
		if (t < 0) {
			printf("  %-12s failed\n", modes[m].label);
			continue;
		}
		double rate = points * runs / t;
		if (!base)
			base = rate;
		printf("  %-12s %8.1f runs/s  %5.2fx of -j 1  (%.2f s)\n", modes[m].label, rate,
		       rate / base, t);
	}
	return 0;
}
