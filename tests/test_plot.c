/*
 * test_plot.c - the report's plots: every plot function draws a valid PNG
 * and a valid SVG from small sim runs (built in memory, as results_read
 * would return them), nice ticks are nice, the median run is the median,
 * and wrong inputs give errors that say what is wrong.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plots.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "summary.h"
#include "test_util.h"

/* ---- results in memory -------------------------------------------------- */

/* `runs` runs of each strategy in strategies[0..n_strat) of scenario file
 * `rel` (from the source tree) with the --set overrides. */
static struct results *sim_results(const char *rel, const char *const *sets, size_t n_sets,
                                   const int *strategies, size_t n_strat, unsigned runs)
{
	struct results *r = calloc(1, sizeof *r);
	char err[1024];
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	int rc =
	    scenario_load_file(test_src_path(rel), sets, n_sets, &r->scenario, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	struct scenario *s = r->scenario;
	r->schema_version = RESULTS_SCHEMA_VERSION;
	snprintf(r->backend, sizeof r->backend, "sim");
	snprintf(r->scenario_name, sizeof r->scenario_name, "%s", s->name);
	r->runs = calloc(n_strat * runs, sizeof *r->runs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->runs);
	for (size_t k = 0; k < n_strat; k++) {
		s->strategy = (enum strategy_kind)strategies[k];
		for (unsigned i = 0; i < runs; i++) {
			struct results_run *rr = &r->runs[r->n_runs++];
			struct mig_result res;
			rr->strategy = s->strategy;
			rr->run = i;
			trace_init(&rr->trace);
			rc = sim_world_run(s, i, &rr->trace, &res, err, sizeof err);
			if (rc)
				fprintf(stderr, "run: %s\n", err);
			CU_ASSERT_EQUAL_FATAL(rc, 0);
			CU_ASSERT_EQUAL_FATAL(summary_from_trace(s, &rr->trace, &res, &rr->sum), 0);
		}
	}
	return r;
}

static void free_results(struct results *r)
{
	for (size_t i = 0; i < r->n_runs; i++) {
		trace_free(&r->runs[i].trace);
		summary_free(&r->runs[i].sum);
	}
	free(r->runs);
	scenario_free(r->scenario);
	free(r);
}

static const int all_strategies[] = {STRATEGY_SEQUENTIAL, STRATEGY_PARALLEL_PRIO,
                                     STRATEGY_PARALLEL_BARRIER};

/* ---- file checks -------------------------------------------------------- */

static char tmpdir[] = "/tmp/test_plot.XXXXXX";

static const char *out_path(const char *name)
{
	return test_path_in(tmpdir, name);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *p = malloc((size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	if (p) {
		p[n] = 0;
		*len = (size_t)n;
	}
	return p;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A PNG: the signature, an IHDR of the expected width and a sane height,
 * chunks that chain to an IEND at the end of the file. */
static void check_png(const char *path, uint32_t width)
{
	size_t n = 0;
	unsigned char *p = slurp(path, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	CU_ASSERT_FATAL(n > 8 + 25 + 12);
	CU_ASSERT(memcmp(p, sig, 8) == 0);
	CU_ASSERT_EQUAL(be32(p + 8), 13);
	CU_ASSERT(memcmp(p + 12, "IHDR", 4) == 0);
	CU_ASSERT_EQUAL(be32(p + 16), width);
	uint32_t h = be32(p + 20);
	CU_ASSERT(h >= 200 && h <= 4000);
	size_t off = 8, idat = 0;
	bool iend = false;
	while (off + 12 <= n) {
		uint32_t len = be32(p + off);
		if (!memcmp(p + off + 4, "IDAT", 4))
			idat += len;
		if (!memcmp(p + off + 4, "IEND", 4)) {
			iend = off + 12 == n;
			break;
		}
		off += 12 + (size_t)len;
	}
	CU_ASSERT(iend);
	CU_ASSERT(idat > 1000); /* a picture, not a blank page */
	free(p);
}

/* An SVG: XML that opens and closes an svg element and draws text. */
static void check_svg(const char *path, const char *must_contain)
{
	size_t n = 0;
	char *p = (char *)slurp(path, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT(strncmp(p, "<?xml", 5) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "<svg"));
	char *end = p + n;
	while (end > p && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	CU_ASSERT(end - p > 6 && strncmp(end - 6, "</svg>", 6) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "<text"));
	if (must_contain) {
		CU_ASSERT_PTR_NOT_NULL(strstr(p, must_contain));
		if (!strstr(p, must_contain))
			fprintf(stderr, "%s lacks '%s'\n", path, must_contain);
	}
	free(p);
}

/* ---- tests -------------------------------------------------------------- */

static void test_nice_ticks(void)
{
	struct plot_ticks t;
	CU_ASSERT_EQUAL_FATAL(plot_nice_ticks(0, 1000, 8, &t), 0);
	CU_ASSERT_DOUBLE_EQUAL(t.first, 0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(t.step, 200, 1e-12);
	CU_ASSERT_EQUAL(t.n, 6);
	CU_ASSERT_EQUAL(t.decimals, 0);
	/* a window that does not start on a tick */
	CU_ASSERT_EQUAL_FATAL(plot_nice_ticks(-36.2, 452.9, 11, &t), 0);
	CU_ASSERT_DOUBLE_EQUAL(t.step, 50, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(t.first, 0, 1e-12);
	CU_ASSERT_EQUAL(t.n, 10);
	/* 2.5 steps need one more digit */
	CU_ASSERT_EQUAL_FATAL(plot_nice_ticks(0, 0.1, 5, &t), 0);
	CU_ASSERT_DOUBLE_EQUAL(t.step, 0.025, 1e-15);
	CU_ASSERT_EQUAL(t.n, 5);
	CU_ASSERT_EQUAL(t.decimals, 3);
	CU_ASSERT_EQUAL_FATAL(plot_nice_ticks(0.013, 0.087, 9, &t), 0);
	CU_ASSERT_DOUBLE_EQUAL(t.step, 0.01, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(t.first, 0.02, 1e-12);
	CU_ASSERT_EQUAL(t.n, 7);
	CU_ASSERT_EQUAL(t.decimals, 2);
	/* every range gives at most max_ticks ticks inside it */
	for (double hi = 0.7; hi < 1e6; hi *= 1.37)
		for (unsigned m = 2; m <= 12; m++) {
			double lo = -hi * 0.31;
			CU_ASSERT_EQUAL_FATAL(plot_nice_ticks(lo, hi, m, &t), 0);
			CU_ASSERT(t.n >= 1 && t.n <= m);
			CU_ASSERT(t.first >= lo - 1e-9 * hi);
			CU_ASSERT(t.first + (t.n - 1) * t.step <= hi * (1 + 1e-9));
		}
	CU_ASSERT_EQUAL(plot_nice_ticks(1, 1, 5, &t), -1);
	CU_ASSERT_EQUAL(plot_nice_ticks(0, NAN, 5, &t), -1);
	CU_ASSERT_EQUAL(plot_nice_ticks(0, 1, 1, &t), -1);
}

static void test_formats(void)
{
	CU_ASSERT_EQUAL(plot_format_parse("png"), PLOT_PNG);
	CU_ASSERT_EQUAL(plot_format_parse("svg"), PLOT_SVG);
	CU_ASSERT_EQUAL(plot_format_parse("pdf"), -1);
	CU_ASSERT_STRING_EQUAL(plot_format_ext(PLOT_SVG), "svg");
}

static void test_median_run(void)
{
	static const double dt[] = {0.5, 0.1, NAN, 0.3, 0.2, 0.4};
	struct results_run runs[6] = {{0}};
	struct results r = {.n_runs = 6, .runs = runs};
	for (int i = 0; i < 6; i++) {
		runs[i].strategy = i < 5 ? STRATEGY_SEQUENTIAL : STRATEGY_PARALLEL_PRIO;
		runs[i].sum.downtime_s = dt[i];
		runs[i].sum.status = isnan(dt[i]) ? -EIO : 0;
	}
	/* completed sequential downtimes 0.5 0.1 0.3 0.2: lower middle 0.2 is run 4 */
	CU_ASSERT_EQUAL(plot_median_run(&r, STRATEGY_SEQUENTIAL), 4);
	CU_ASSERT_EQUAL(plot_median_run(&r, STRATEGY_PARALLEL_PRIO), 5);
	CU_ASSERT_EQUAL(plot_median_run(&r, STRATEGY_PARALLEL_BARRIER), -1);
	/* nothing completed: the first run of the strategy */
	runs[5].sum.status = -EIO;
	CU_ASSERT_EQUAL(plot_median_run(&r, STRATEGY_PARALLEL_PRIO), 5);
}

static void test_timeline(void)
{
	const int strat[] = {STRATEGY_PARALLEL_PRIO};
	struct results *r = sim_results("scenarios/cx7-2vf.yaml", NULL, 0, strat, 1, 3);
	char err[512] = "";
	long run = plot_median_run(r, STRATEGY_PARALLEL_PRIO);
	CU_ASSERT(run >= 0 && run < 3);
	CU_ASSERT_EQUAL(
	    plot_timeline(r, (size_t)run, NULL, PLOT_PNG, out_path("tl.png"), err, sizeof err), 0);
	check_png(out_path("tl.png"), 1600);
	CU_ASSERT_EQUAL(
	    plot_timeline(r, (size_t)run, NULL, PLOT_SVG, out_path("tl.svg"), err, sizeof err), 0);
	check_svg(out_path("tl.svg"), "PRE_COPY_P2P");
	check_svg(out_path("tl.svg"), "VM running");
	check_svg(out_path("tl.svg"), "vf1 dst");
	struct plot_timeline_opts whole = {.whole_run = true};
	CU_ASSERT_EQUAL(plot_timeline(r, 0, &whole, PLOT_PNG, out_path("tlw.png"), err, sizeof err),
	                0);
	check_png(out_path("tlw.png"), 1600);
	/* a run index the file does not have */
	CU_ASSERT_EQUAL(plot_timeline(r, 7, NULL, PLOT_PNG, out_path("x.png"), err, sizeof err),
	                -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "runs 0..2"));
	CU_ASSERT_EQUAL(access(out_path("x.png"), F_OK), -1);
	/* an unwritable place names the path */
	CU_ASSERT_EQUAL(
	    plot_timeline(r, 0, NULL, PLOT_PNG, "/nonexistent/dir/t.png", err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/dir/t.png"));
	free_results(r);
}

/* A failed run: an error mark where the engine logged it, the title says so. */
static void test_timeline_failed_run(void)
{
	const int strat[] = {STRATEGY_SEQUENTIAL};
	struct results *r = sim_results("scenarios/cx7-1vf.yaml", NULL, 0, strat, 1, 1);
	struct results_run *rr = &r->runs[0];
	double t = rr->trace.ev[rr->trace.n - 1].t;
	TRACE_ADD(&rr->trace, .t = t, .task = "load", .kind = TRACE_ERROR, .value = -EIO,
	          .text = "destination device vf: RESUMING -> STOP failed: Input/output error");
	rr->sum.status = -EIO;
	snprintf(rr->sum.error, sizeof rr->sum.error, "destination device vf failed");
	char err[512] = "";
	CU_ASSERT_EQUAL(plot_timeline(r, 0, NULL, PLOT_SVG, out_path("fail.svg"), err, sizeof err),
	                0);
	check_svg(out_path("fail.svg"), "FAILED");
	free_results(r);
}

/* Many devices: rows get thin, the picture stays within bounds. */
static void test_timeline_many_devices(void)
{
	const char *sets[] = {"devices.count=48"};
	const int strat[] = {STRATEGY_PARALLEL_PRIO};
	struct results *r = sim_results("scenarios/cx7-1vf.yaml", sets, 1, strat, 1, 1);
	char err[512] = "";
	CU_ASSERT_EQUAL(plot_timeline(r, 0, NULL, PLOT_PNG, out_path("many.png"), err, sizeof err),
	                0);
	check_png(out_path("many.png"), 1600);
	free_results(r);
}

/* Every task has its row, however many: an error logged by the 70th
 * device's transition task is marked on that device's row, not on the
 * migration task's (the fallback for a task the trace never placed). */
static void test_timeline_many_tasks(void)
{
	const char *sets[] = {"devices.count=70"};
	const int strat[] = {STRATEGY_PARALLEL_PRIO};
	struct results *r = sim_results("scenarios/cx7-1vf.yaml", sets, 1, strat, 1, 1);
	struct trace *tr = &r->runs[0].trace;
	double t = tr->ev[tr->n - 1].t;
	static const char *const tasks[] = {"vfio-vf69-prepare", "no-such-task"};
	char *svg[2];
	for (int k = 0; k < 2; k++) {
		size_t n_before = tr->n;
		TRACE_ADD(tr, .t = t, .task = tasks[k], .kind = TRACE_ERROR, .text = "late error");
		char err[512] = "", name[32];
		snprintf(name, sizeof name, "tasks%d.svg", k);
		CU_ASSERT_EQUAL(
		    plot_timeline(r, 0, NULL, PLOT_SVG, out_path(name), err, sizeof err), 0);
		size_t len;
		svg[k] = (char *)slurp(out_path(name), &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(svg[k]);
		tr->n = n_before;
	}
	size_t known = 0;
	for (size_t i = 0; i < tr->n; i++)
		known += tr->ev[i].task && !strcmp(tr->ev[i].task, tasks[0]);
	CU_ASSERT(known > 0);
	CU_ASSERT(strcmp(svg[0], svg[1]) != 0);
	free(svg[0]);
	free(svg[1]);
	free_results(r);
}

static void test_downtime(void)
{
	struct results *r = sim_results("scenarios/cx7-2vf.yaml", NULL, 0, all_strategies, 3, 4);
	char err[512] = "";
	CU_ASSERT_EQUAL(plot_downtime(r, PLOT_PNG, out_path("dt.png"), err, sizeof err), 0);
	check_png(out_path("dt.png"), 1200);
	CU_ASSERT_EQUAL(plot_downtime(r, PLOT_SVG, out_path("dt.svg"), err, sizeof err), 0);
	check_svg(out_path("dt.svg"), "parallel-barrier");
	free_results(r);
	struct results empty = {.n_runs = 0};
	snprintf(empty.scenario_name, sizeof empty.scenario_name, "empty");
	CU_ASSERT_EQUAL(plot_downtime(&empty, PLOT_PNG, out_path("e.png"), err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no runs"));
}

static void test_devices_sweep(void)
{
	const char *s1[] = {"devices.count=1"}, *s4[] = {"devices.count=4"},
	           *s8[] = {"devices.count=8"};
	struct results *f[3] = {
	    sim_results("scenarios/cx7-1vf.yaml", s1, 1, all_strategies, 3, 2),
	    sim_results("scenarios/cx7-1vf.yaml", s4, 1, all_strategies, 3, 2),
	    sim_results("scenarios/cx7-1vf.yaml", s8, 1, all_strategies, 3, 2),
	};
	const struct results *cf[3] = {f[0], f[1], f[2]};
	char err[512] = "";
	CU_ASSERT_EQUAL(plot_device_counts(cf, 3), 3);
	CU_ASSERT_EQUAL(plot_device_counts(cf, 1), 1);
	CU_ASSERT_EQUAL(plot_devices_sweep(cf, 3, PLOT_PNG, out_path("sw.png"), err, sizeof err),
	                0);
	check_png(out_path("sw.png"), 1200);
	CU_ASSERT_EQUAL(plot_devices_sweep(cf, 3, PLOT_SVG, out_path("sw.svg"), err, sizeof err),
	                0);
	check_svg(out_path("sw.svg"), "number of devices");
	/* one device count is no sweep */
	CU_ASSERT_EQUAL(plot_devices_sweep(cf, 1, PLOT_PNG, out_path("sw1.png"), err, sizeof err),
	                -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at least two"));
	for (int i = 0; i < 3; i++)
		free_results(f[i]);
}

/* A /points table as results_table_read gives it: two axes (devices.count
 * numbers, net texts), one strategy, median = p5 = p95 = ms(count, net). */
static struct results_table *study_table(const double *counts, size_t n_counts,
                                         double (*ms)(double count, size_t net))
{
	static const char *const names[] = {
	    "point", "scenario",          "devices.count", "net",           "strategy",
	    "runs",  "downtime_median_s", "downtime_p5_s", "downtime_p95_s"};
	static const char *const nets[] = {"10Gbps", "100Gbps"};
	const size_t nc = sizeof names / sizeof names[0], nr = n_counts * 2;
	struct results_table *t = calloc(1, sizeof *t);
	t->n_cols = nc;
	t->n_rows = nr;
	t->names = calloc(nc, sizeof *t->names);
	t->is_text = calloc(nc, sizeof *t->is_text);
	t->num = calloc(nc * nr, sizeof *t->num);
	t->text = calloc(nc * nr, sizeof *t->text);
	for (size_t c = 0; c < nc; c++)
		t->names[c] = strdup(names[c]);
	t->is_text[1] = t->is_text[3] = t->is_text[4] = true;
	for (size_t r = 0; r < nr; r++) {
		double *v = &t->num[r * nc];
		char **x = &t->text[r * nc];
		double count = counts[r / 2], d = ms(count, r % 2) / 1e3;
		v[0] = (double)r;
		v[2] = count;
		v[5] = 3;
		v[6] = v[7] = v[8] = d;
		v[1] = v[3] = v[4] = NAN;
		x[1] = strdup("s");
		x[3] = strdup(nets[r % 2]);
		x[4] = strdup("parallel-prio");
	}
	return t;
}

static double ms_growing(double count, size_t net)
{
	return 10.0 * count * (double)(net + 1); /* 10 ms .. 1280 ms: two decades */
}

static double ms_flat(double count, size_t net)
{
	return 100.0 + count + (double)net; /* 101 .. 105 ms */
}

/* Which axes go on a log scale, read from the SVG's axis labels, and the
 * heatmap's files and colour scale. */
static void test_study_axes(void)
{
	CU_ASSERT(plot_log_scale(1, 64, 8));
	CU_ASSERT(!plot_log_scale(1, 4, 8));
	CU_ASSERT(!plot_log_scale(0, 64, 8));
	CU_ASSERT(plot_log_scale(10, 100, 10));
	CU_ASSERT(!plot_log_scale(10, 99, 10));
	const double wide[] = {1, 2, 4, 8, 16, 32, 64}, narrow[] = {1, 2, 4};
	struct results_table *tw = study_table(wide, 7, ms_growing),
	                     *tn = study_table(narrow, 3, ms_flat);
	char err[512] = "";
	CU_ASSERT_EQUAL(plot_study_downtime(tw, "devices.count", "w", PLOT_SVG,
	                                    out_path("sw-wide.svg"), err, sizeof err),
	                0);
	check_svg(out_path("sw-wide.svg"), "devices.count (log scale)");
	check_svg(out_path("sw-wide.svg"), "downtime (ms, log scale)");
	check_svg(out_path("sw-wide.svg"), "3 runs per point");
	CU_ASSERT_EQUAL(plot_study_downtime(tn, "devices.count", "n", PLOT_SVG,
	                                    out_path("sw-narrow.svg"), err, sizeof err),
	                0);
	size_t len = 0;
	char *svg = (char *)slurp(out_path("sw-narrow.svg"), &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
	CU_ASSERT_PTR_NULL(strstr(svg, "log scale"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">downtime (ms)<"));
	free(svg);

	CU_ASSERT_EQUAL(plot_study_heatmap(tw, "devices.count", "net", "w", STRATEGY_PARALLEL_PRIO,
	                                   PLOT_SVG, out_path("hm-wide.svg"), err, sizeof err),
	                0);
	check_svg(out_path("hm-wide.svg"), "median downtime (ms, log)");
	check_svg(out_path("hm-wide.svg"), ">100Gbps<");
	CU_ASSERT_EQUAL(plot_study_heatmap(tn, "devices.count", "net", "n", STRATEGY_PARALLEL_PRIO,
	                                   PLOT_PNG, out_path("hm-narrow.png"), err, sizeof err),
	                0);
	check_png(out_path("hm-narrow.png"), 1200);
	CU_ASSERT_EQUAL(plot_study_heatmap(tn, "devices.count", "net", "n", STRATEGY_PARALLEL_PRIO,
	                                   PLOT_SVG, out_path("hm-narrow.svg"), err, sizeof err),
	                0);
	check_svg(out_path("hm-narrow.svg"), ">median downtime (ms)<");
	/* A strategy the study does not have, and an axis that is not one. */
	CU_ASSERT_EQUAL(plot_study_heatmap(tn, "devices.count", "net", "n", STRATEGY_SEQUENTIAL,
	                                   PLOT_PNG, out_path("hm-none.png"), err, sizeof err),
	                -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "two values"));
	CU_ASSERT_EQUAL(access(out_path("hm-none.png"), F_OK), -1);
	CU_ASSERT_EQUAL(plot_study_heatmap(tn, "devices.count", "runs", "n", STRATEGY_PARALLEL_PRIO,
	                                   PLOT_PNG, out_path("hm-bad.png"), err, sizeof err),
	                -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not two axes"));
	results_table_free(tw);
	results_table_free(tn);
}

static void test_phases(void)
{
	const int strat[] = {STRATEGY_SEQUENTIAL, STRATEGY_PARALLEL_PRIO};
	const char *seed[] = {"seed=7"};
	struct results *a = sim_results("scenarios/cx7-4vf.yaml", NULL, 0, strat, 2, 3);
	struct results *b = sim_results("scenarios/cx7-4vf.yaml", seed, 1, strat, 1, 3);
	const struct results *f[2] = {a, b};
	const char *labels[2] = {"sim: a.h5", "sim: b.h5"};
	char err[512] = "";
	CU_ASSERT_EQUAL(plot_phases(f, labels, 2, STRATEGY_SEQUENTIAL, PLOT_PNG, out_path("ph.png"),
	                            err, sizeof err),
	                0);
	check_png(out_path("ph.png"), 1400);
	CU_ASSERT_EQUAL(plot_phases(f, labels, 2, STRATEGY_SEQUENTIAL, PLOT_SVG, out_path("ph.svg"),
	                            err, sizeof err),
	                0);
	check_svg(out_path("ph.svg"), "sim: b.h5");
	check_svg(out_path("ph.svg"), "dst_prepare");
	/* b has no parallel-prio run */
	CU_ASSERT_EQUAL(plot_phases(f, labels, 2, STRATEGY_PARALLEL_PRIO, PLOT_PNG,
	                            out_path("ph2.png"), err, sizeof err),
	                -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "sim: b.h5 has no completed parallel-prio run"));
	/* two scenarios are not one */
	snprintf(b->scenario_name, sizeof b->scenario_name, "other");
	CU_ASSERT_EQUAL(plot_phases(f, labels, 2, STRATEGY_SEQUENTIAL, PLOT_PNG,
	                            out_path("ph3.png"), err, sizeof err),
	                -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'other'"));
	CU_ASSERT_EQUAL(plot_phases(f, labels, 1, STRATEGY_SEQUENTIAL, PLOT_PNG,
	                            out_path("ph4.png"), err, sizeof err),
	                -1);
	free_results(a);
	free_results(b);
}

/* Paired differences: a box per metric around the line of no change, in
 * both formats; a metric without a difference is refused. */
static void test_differences(void)
{
	double up[] = {0.010, 0.012, 0.015, 0.020, 0.030}, zero[] = {0, 0, 0, 0, 0};
	double down[] = {-0.004, -0.002, -0.001};
	const double *v[] = {up, zero, down};
	const char *names[] = {"src_prepare", "stopcopy", "downtime"};
	size_t n[] = {5, 5, 3};
	char err[512] = "";
	CU_ASSERT_EQUAL(plot_differences("x, sequential: new - base", names, v, n, 3, PLOT_PNG,
	                                 out_path("diff.png"), err, sizeof err),
	                0);
	check_png(out_path("diff.png"), 1400);
	CU_ASSERT_EQUAL(plot_differences("x, sequential: new - base", names, v, n, 3, PLOT_SVG,
	                                 out_path("diff.svg"), err, sizeof err),
	                0);
	check_svg(out_path("diff.svg"), "new - base, run by run (ms)");
	check_svg(out_path("diff.svg"), ">+15.00<"); /* the median of `up`, labelled */
	check_svg(out_path("diff.svg"), ">-2.00<");
	/* every difference 0: still a picture, around 0 */
	const double *z[] = {zero};
	CU_ASSERT_EQUAL(plot_differences("zero", names + 1, z, n + 1, 1, PLOT_PNG,
	                                 out_path("diff0.png"), err, sizeof err),
	                0);
	check_png(out_path("diff0.png"), 1400);
	size_t none[] = {5, 0, 3};
	CU_ASSERT_EQUAL(plot_differences("x", names, v, none, 3, PLOT_PNG, out_path("diff1.png"),
	                                 err, sizeof err),
	                -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "stopcopy has no difference"));
	CU_ASSERT_EQUAL(access(out_path("diff1.png"), F_OK), -1);
}

static int make_tmpdir(void)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void)
{
	char cmd[600];
	/* KEEP_PLOTS=1 leaves the pictures to look at */
	if (getenv("KEEP_PLOTS")) {
		fprintf(stderr, "plots kept in %s\n", tmpdir);
		return 0;
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

void register_tests(void)
{
	CU_pSuite s = CU_add_suite("plot", make_tmpdir, remove_tmpdir);
	CU_add_test(s, "test_nice_ticks", test_nice_ticks);
	CU_add_test(s, "test_formats", test_formats);
	CU_add_test(s, "test_median_run", test_median_run);
	CU_add_test(s, "test_timeline", test_timeline);
	CU_add_test(s, "test_timeline_failed_run", test_timeline_failed_run);
	CU_add_test(s, "test_timeline_many_devices", test_timeline_many_devices);
	CU_add_test(s, "test_timeline_many_tasks", test_timeline_many_tasks);
	CU_add_test(s, "test_downtime", test_downtime);
	CU_add_test(s, "test_devices_sweep", test_devices_sweep);
	CU_add_test(s, "test_phases", test_phases);
	CU_add_test(s, "test_differences", test_differences);
	CU_add_test(s, "test_study_axes", test_study_axes);
}
