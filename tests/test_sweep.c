/*
 * test_sweep.c - `switchover sweep`: axis values and their expansion into
 * points, the bad-study corpus (tests/data/bad-study, each file's first line
 * "# expect: FRAGMENT" of its error), /points equal to sim runs of the same
 * point and seed, -j 2 byte-equal to -j 1, and --resume after kill -9 or
 * Ctrl-C equal to an uninterrupted sweep.
 */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <glib.h>
#include <glob.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aggregate.h"
#include "cli.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "store.h"
#include "study.h"
#include "sweep.h"
#include "test_sweep_util.h"
#include "test_util.h"

static void axis_is(const char *text, const char *want)
{
	char **v = NULL, msg[512] = "";
	size_t n = 0;
	int rc = study_axis_parse(text, &v, &n, msg, sizeof msg);
	char *got = rc ? g_strdup(msg) : g_strjoinv(" ", v);
	if (strcmp(got, want))
		fprintf(stderr, "\n%s: got '%s', want '%s'\n", text, got, want);
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_EQUAL(rc ? 0 : n, rc ? 0 : g_strv_length(v));
	g_free(got);
	g_strfreev(v);
}

static void axis_fails(const char *text, const char *frag)
{
	char **v = NULL, msg[512] = "";
	size_t n;
	CU_ASSERT_EQUAL(study_axis_parse(text, &v, &n, msg, sizeof msg), -1);
	if (!strstr(msg, frag))
		fprintf(stderr, "\n%s: got '%s', want '%s'\n", text, msg, frag);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, frag));
}

static void test_axis_values(void)
{
	axis_is("1..64x2", "1 2 4 8 16 32 64");
	axis_is("1..64 x 2", "1 2 4 8 16 32 64");
	axis_is("1..100 x 10", "1 10 100");
	axis_is("1..50 x 2", "1 2 4 8 16 32");
	axis_is("1..10 step 3", "1 4 7 10");
	axis_is("1..9 step 3", "1 4 7");
	axis_is("2..5", "2 3 4 5");
	axis_is("0.1..0.5 step 0.1", "0.1 0.2 0.3 0.4 0.5");
	axis_is("1GiB..8GiB x 2", "1GiB 2GiB 4GiB 8GiB");
	axis_is("1..4GiB x 2", "1GiB 2GiB 4GiB");
	axis_is("100us..300us step 100", "100us 200us 300us");
	axis_is("7", "7");
	axis_is("a, b ,c", "a b c");
	axis_is("pool,per-pass", "pool per-pass");
	axis_fails("8..1", "LOW is above HIGH");
	axis_fails("1..8x1", "x F needs F above 1");
	axis_fails("0..8x2", "x F needs F above 1 and LOW above 0");
	axis_fails("1..8 step 0", "the step must be above 0");
	axis_fails("1..8 step", "the step is not a number");
	axis_fails("1..8 by 2", "after HIGH comes 'step S' or 'x F'");
	axis_fails("a..8", "LOW is not a number");
	axis_fails("1..b", "HIGH is not a number");
	axis_fails("1MiB..8GiB x 2", "LOW and HIGH have different units");
	axis_fails("a,,b", "an empty value");
	axis_fails("1..1000000", "more than 100000 values");
}

static void test_points_cross_zip(void)
{
	struct study *st = study_new();
	char err[512];
	st->scenarios = g_new0(char *, 3);
	st->scenarios[0] = g_strdup("a.yaml");
	st->scenarios[1] = g_strdup("b.yaml");
	st->n_scenarios = 2;
	CU_ASSERT_EQUAL(study_add_axis(st, "devices.count=1,2,4", err, sizeof err), 0);
	CU_ASSERT_EQUAL(study_add_axis(st, "vm.ram=1GiB..2GiB", err, sizeof err), 0);
	CU_ASSERT_EQUAL(study_points(st), 2 * 3 * 2);
	/* Crossed: base scenario outermost, the last axis fastest. */
	static const size_t want[12][3] = {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1},
	                                   {0, 2, 0}, {0, 2, 1}, {1, 0, 0}, {1, 0, 1},
	                                   {1, 1, 0}, {1, 1, 1}, {1, 2, 0}, {1, 2, 1}};
	for (size_t p = 0; p < 12; p++) {
		size_t sc, idx[2];
		study_point(st, p, &sc, idx);
		CU_ASSERT_EQUAL(sc, want[p][0]);
		CU_ASSERT_EQUAL(idx[0], want[p][1]);
		CU_ASSERT_EQUAL(idx[1], want[p][2]);
	}
	/* Zipped: value i of every axis together; lengths must agree. */
	st->combine = STUDY_ZIP;
	CU_ASSERT_EQUAL(study_check(st, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "zipped axes need as many values each"));
	CU_ASSERT_EQUAL(study_add_axis(st, "x=1..3", err, sizeof err), 0);
	g_strfreev(st->axes[1].values);
	CU_ASSERT_EQUAL(study_axis_parse("1GiB..3GiB step 1", &st->axes[1].values, &st->axes[1].n,
	                                 err, sizeof err),
	                0);
	CU_ASSERT_EQUAL(study_check(st, err, sizeof err), 0);
	CU_ASSERT_EQUAL(study_points(st), 2 * 3);
	for (size_t p = 0; p < 6; p++) {
		size_t sc, idx[3];
		study_point(st, p, &sc, idx);
		CU_ASSERT_EQUAL(sc, p / 3);
		CU_ASSERT(idx[0] == p % 3 && idx[1] == p % 3 && idx[2] == p % 3);
	}
	study_free(st);
}

/* The fragment after "# expect: " on the first line of `path`. */
static bool expectation(const char *path, char *frag, size_t len)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	bool ok = f && fgets(line, sizeof line, f) && !strncmp(line, "# expect: ", 10);
	if (f)
		fclose(f);
	if (ok) {
		line[strcspn(line, "\n")] = 0;
		snprintf(frag, len, "%s", line + 10);
	}
	return ok;
}

static void test_bad_study_corpus(void)
{
	glob_t g;
	CU_ASSERT_EQUAL_FATAL(glob(test_src_path("tests/data/bad-study/*.yaml"), 0, NULL, &g), 0);
	CU_ASSERT(g.gl_pathc >= 10);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char frag[1024], err[1536] = "";
		struct study *st = NULL;
		CU_ASSERT_FATAL(expectation(g.gl_pathv[i], frag, sizeof frag));
		int rc = study_load_file(g.gl_pathv[i], &st, err, sizeof err);
		CU_ASSERT_NOT_EQUAL(rc, 1); /* each is a study, not a scenario */
		if (rc == 0) {
			struct sweep_plan pl;
			rc = sweep_plan_build(&pl, st, NULL, 0, STUDY_TRACES_NONE, err, sizeof err);
			sweep_plan_free(&pl);
			study_free(st);
		}
		if (rc != -1 || !strstr(err, frag))
			fprintf(stderr, "\n%s:\n  got  '%s'\n  want '%s'\n", g.gl_pathv[i], err,
			        frag);
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, frag));
	}
	globfree(&g);
}

/* ---- the command, end to end ------------------------------------------- */

static char tmpdir[] = "/tmp/test_sweep.XXXXXX";

static const char *tmp(const char *name)
{
	static char buf[4][1200];
	static int slot;
	char *b = buf[slot++ & 3];
	snprintf(b, sizeof buf[0], "%s/%s", tmpdir, name);
	return b;
}

/* `switchover sweep ARGS... -o OUT` in a child process (its output in
 * OUT.log); returns its pid. */
static pid_t sweep_start(const char *out, const char *const *args)
{
	char *argv[32];
	int n = 0;
	argv[n++] = "sweep";
	for (; *args; args++)
		argv[n++] = (char *)*args;
	argv[n++] = "-o";
	argv[n++] = (char *)out;
	argv[n++] = "--quiet";
	argv[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		char *log = g_strdup_printf("%s.log", out);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		dup2(fd, 1);
		dup2(fd, 2);
		_exit(cli_sweep(n, argv));
	}
	return pid;
}

static int wait_status(pid_t pid)
{
	int st;
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int sweep_run(const char *out, const char *const *args)
{
	return wait_status(sweep_start(out, args));
}

static void test_points_equal_sim_runs(void)
{
	const char *scen = test_src_path("scenarios/demo/depths-stragglers.yaml");
	const char *args[] = {
	    scen, "--vary", "devices[0].count=1,3", "--strategy", "all", "--runs", "5", "--seed",
	    "3",  NULL};
	const char *out = tmp("eq.h5");
	CU_ASSERT_EQUAL_FATAL(sweep_run(out, args), 0);
	struct results_table *t = NULL;
	char err[1024];
	CU_ASSERT_EQUAL_FATAL(results_table_read(out, "points", &t, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(t->n_rows, 2 * STRATEGY_COUNT);
	long c_axis = results_table_col(t, "devices[0].count"),
	     c_seed = results_table_col(t, "seed");
	long c_strat = results_table_col(t, "strategy");
	static const char *const cols[] = {
	    "downtime_median_s", "downtime_p5_s", "downtime_p95_s",     "downtime_mean_s",
	    "phase_stopcopy_s",  "efficiency",    "forced_switchovers", "failed"};
	CU_ASSERT_FATAL(c_axis >= 0 && c_seed >= 0 && c_strat >= 0);
	for (size_t r = 0; r < t->n_rows; r++) {
		/* The point again, as `switchover sim FILE --set ... --seed SEED` runs it. */
		char set[64];
		const char *sets[] = {set};
		snprintf(set, sizeof set, "devices[0].count=%.0f", t->num[r * t->n_cols + c_axis]);
		struct scenario *s = NULL;
		CU_ASSERT_EQUAL_FATAL(scenario_load_file(scen, sets, 1, &s, err, sizeof err), 0);
		s->seed = sweep_point_seed(3, r / STRATEGY_COUNT);
		CU_ASSERT_EQUAL(t->num[r * t->n_cols + c_seed], (double)s->seed);
		s->strategy = (enum strategy_kind)strategy_parse(t->text[r * t->n_cols + c_strat]);
		struct run_summary sum[5];
		for (unsigned i = 0; i < 5; i++) {
			struct trace tr;
			struct mig_result res;
			trace_init(&tr);
			CU_ASSERT_EQUAL_FATAL(sim_world_run(s, i, &tr, &res, err, sizeof err), 0);
			CU_ASSERT_EQUAL_FATAL(summary_from_trace(s, &tr, &res, &sum[i]), 0);
			trace_free(&tr);
		}
		struct aggregate a;
		CU_ASSERT_EQUAL_FATAL(aggregate_runs(sum, 5, &a), 0);
		const double want[] = {a.downtime.median,
		                       a.downtime.p5,
		                       a.downtime.p95,
		                       a.downtime.mean,
		                       a.phase[PHASE_STOPCOPY].median,
		                       a.efficiency.median,
		                       a.forced,
		                       a.failed};
		for (size_t k = 0; k < G_N_ELEMENTS(cols); k++) {
			long c = results_table_col(t, cols[k]);
			CU_ASSERT_FATAL(c >= 0);
			CU_ASSERT_EQUAL(t->num[r * t->n_cols + c], want[k]);
		}
		aggregate_free(&a);
		for (unsigned i = 0; i < 5; i++)
			summary_free(&sum[i]);
		scenario_free(s);
	}
	results_table_free(t);
}

static void test_jobs_identical(void)
{
	const char *scen = test_src_path("scenarios/demo/cx7-sweep.yaml");
	const char *args[] = {scen,
	                      "--vary",
	                      "devices.count=1..8x2",
	                      "--vary",
	                      "devices.depth=1,2",
	                      "--strategy",
	                      "all",
	                      "--runs",
	                      "4",
	                      "--seed",
	                      "11",
	                      NULL};
	CU_ASSERT_EQUAL_FATAL(sweep_run(tmp("j1.h5"), args), 0);
	const char *args2[G_N_ELEMENTS(args) + 2] = {"-j", "2"};
	memcpy(args2 + 2, args, sizeof args);
	CU_ASSERT_EQUAL_FATAL(sweep_run(tmp("j2.h5"), args2), 0);
	same_table(tmp("j1.h5"), tmp("j2.h5"), "points");
	same_table(tmp("j1.h5"), tmp("j2.h5"), "summary");
	/* Traces: run 0 of each point and strategy (--traces first). */
	struct results_table *t = NULL;
	char err[512];
	CU_ASSERT_EQUAL_FATAL(
	    results_table_read(tmp("j2.h5"), "runs/12/devices", &t, err, sizeof err), 0);
	CU_ASSERT(t->n_rows > 0);
	results_table_free(t);
	CU_ASSERT_EQUAL(results_table_read(tmp("j2.h5"), "runs/13/devices", &t, err, sizeof err),
	                -1);
}

static bool is_png(const char *path)
{
	unsigned char head[8] = {0};
	FILE *f = fopen(path, "rb");
	size_t got = f ? fread(head, 1, sizeof head, f) : 0;
	if (f)
		fclose(f);
	return got == 8 && !memcmp(head, "\x89PNG\r\n\x1a\n", 8);
}

/* `switchover report` on a sweep file: downtime vs each numeric axis, the
 * stacked phases and the heatmap of the two axes of each strategy. */
static void test_report_study(void)
{
	char *argv[] = {"report", (char *)tmp("j1.h5"), "-o", (char *)tmp("plots"), NULL};
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		_exit(cli_report(4, argv));
	}
	CU_ASSERT_EQUAL_FATAL(wait_status(pid), 0);
	CU_ASSERT(is_png(tmp("plots/j1-downtime-vs-devices.count.png")));
	CU_ASSERT(is_png(tmp("plots/j1-downtime-vs-devices.depth.png")));
	/* compare and the run plots read run files, and say why not this one. */
	struct results *r = NULL;
	char err[1024] = "";
	CU_ASSERT_EQUAL(results_read(tmp("j1.h5"), &r, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "a sweep file (it has /points)"));
	for (int s = 0; s < STRATEGY_COUNT; s++) {
		char name[128];
		snprintf(name, sizeof name, "plots/j1-%s-phases.png",
		         strategy_name((enum strategy_kind)s));
		CU_ASSERT(is_png(tmp(name)));
		/* two axes: a heatmap of them per strategy */
		snprintf(name, sizeof name, "plots/j1-%s-heatmap.png",
		         strategy_name((enum strategy_kind)s));
		CU_ASSERT(is_png(tmp(name)));
	}
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : st.st_size;
}

/* Start the sweep and stop it with `sig` once its checkpoint holds a point
 * (the points grow from 1 to 64 devices: the first is done long before the
 * last). */
static void interrupted_sweep(const char *out, const char *const *args, int sig, int want_status)
{
	char ckpt[1300];
	snprintf(ckpt, sizeof ckpt, "%s.ckpt", out);
	pid_t pid = sweep_start(out, args);
	struct timespec t0, now, nap = {0, 1000000};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The header is one line; a record adds at least 40 bytes. */
	while (file_size(ckpt) < 200) {
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		CU_ASSERT_FATAL(now.tv_sec - t0.tv_sec < TEST_HANG_S);
	}
	kill(pid, sig);
	CU_ASSERT_EQUAL(wait_status(pid), want_status);
	CU_ASSERT_EQUAL(access(out, F_OK), -1); /* nothing under the final name */
	CU_ASSERT(file_size(ckpt) > 0);
}

/* Two runs per point: the kill only needs the first point to finish long
 * before the 64-device one; more runs made this the slowest test under
 * ASan (192 s for five sweeps at six runs). */
static void test_resume_equals_uninterrupted(void)
{
	const char *scen = test_src_path("scenarios/demo/cx7-sweep.yaml");
	const char *args[] = {scen,         "--vary", "devices.count=1..64x2",
	                      "--strategy", "all",    "--runs",
	                      "2",          NULL,     NULL};
	CU_ASSERT_EQUAL_FATAL(sweep_run(tmp("whole.h5"), args), 0);

	/* kill -9, plus a torn record at the end as a kill during a write
	 * leaves it: --resume takes the whole records and cuts the rest. */
	interrupted_sweep(tmp("killed.h5"), args, SIGKILL, 128 + SIGKILL);
	FILE *f = fopen(tmp("killed.h5.ckpt"), "ab");
	uint64_t len = 5000;
	fwrite(&len, sizeof len, 1, f);
	fwrite("0123456789abcdef", 1, 16, f);
	fclose(f);
	/* Without --resume a sweep refuses to start over a checkpoint. */
	CU_ASSERT_EQUAL(sweep_run(tmp("killed.h5"), args), CLI_EXIT_ERROR);
	args[7] = "--resume";
	CU_ASSERT_EQUAL_FATAL(sweep_run(tmp("killed.h5"), args), 0);
	same_table(tmp("whole.h5"), tmp("killed.h5"), "points");
	same_table(tmp("whole.h5"), tmp("killed.h5"), "summary");
	CU_ASSERT_EQUAL(access(tmp("killed.h5.ckpt"), F_OK), -1);

	/* Ctrl-C: exit 130 with the finished points kept, in -j 2 too. */
	const char *args2[] = {
	    scen, "--vary", "devices.count=1..64x2", "--strategy", "all", "--runs", "2", "-j", "2",
	    NULL, NULL};
	interrupted_sweep(tmp("int.h5"), args2, SIGINT, 130);
	args2[9] = "--resume";
	CU_ASSERT_EQUAL_FATAL(sweep_run(tmp("int.h5"), args2), 0);
	same_table(tmp("whole.h5"), tmp("int.h5"), "points");
	same_table(tmp("whole.h5"), tmp("int.h5"), "summary");

	/* A checkpoint of another study is refused. */
	args[7] = NULL;
	interrupted_sweep(tmp("other.h5"), args, SIGKILL, 128 + SIGKILL);
	const char *args3[] = {scen,         "--vary",   "devices.count=1..64x2",
	                       "--strategy", "all",      "--runs",
	                       "3",          "--resume", NULL};
	CU_ASSERT_EQUAL(sweep_run(tmp("other.h5"), args3), CLI_EXIT_ERROR);
}

static void cleanup(void)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	g_free(cmd);
}

void register_tests(void)
{
	if (!mkdtemp(tmpdir))
		return;
	TEST_SUITE("sweep", TEST(test_axis_values), TEST(test_points_cross_zip),
	           TEST(test_bad_study_corpus), TEST(test_points_equal_sim_runs),
	           TEST(test_jobs_identical), TEST(test_report_study),
	           TEST(test_resume_equals_uninterrupted), TEST(cleanup));
}
