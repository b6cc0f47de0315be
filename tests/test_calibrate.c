/*
 * test_calibrate.c - `calibrate traces`: the fitting code on synthetic
 * samples of known distributions (exact tolerances from sampling theory),
 * and the loop it exists for: a hidden profile drawn at random runs in the
 * real world with emulated devices, is calibrated back from the trace, and
 * the profile written loads as a scenario's device group.
 */
#include <glib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "fit.h"
#include "scenario.h"
#include "scenario_load.h"
#include "test_util.h"

/* ---- the fitting code, on synthetic samples ---- */

#define N_SYN 2000
/* Every check allows 4 standard errors of the ML estimate (sampling
 * theory, below); with fixed seeds each check either always passes or
 * always fails, and a correct estimator lands outside 4 SE with
 * probability 6e-5. */
#define K_SE 4.0

static double *draws(unsigned long seed, double (*draw)(const gsl_rng *, double, double), double a,
                     double b, size_t n)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, seed);
	double *x = malloc(n * sizeof *x);
	for (size_t i = 0; i < n; i++)
		x[i] = draw(r, a, b);
	gsl_rng_free(r);
	return x;
}

static double draw_normal(const gsl_rng *r, double mean, double sd)
{
	return mean + gsl_ran_gaussian(r, sd);
}
static double draw_lognormal(const gsl_rng *r, double median, double sigma)
{
	return gsl_ran_lognormal(r, log(median), sigma);
}
static double draw_gamma(const gsl_rng *r, double shape, double scale)
{
	return gsl_ran_gamma(r, shape, scale);
}

static void test_fit_normal(void)
{
	double *x = draws(1, draw_normal, 10e-3, 1e-3, N_SYN);
	struct fit_choice c;
	char err[128];
	CU_ASSERT_FATAL(fit_samples(x, N_SYN, &c, err, sizeof err) == 0);
	CU_ASSERT_EQUAL(c.best, FIT_NORMAL);
	CU_ASSERT_FALSE(c.empirical);
	const struct dist *d = &c.fam[FIT_NORMAL].d;
	/* SE(mean) = sd/sqrt(n); SE(sd) = sd/sqrt(2n) */
	CU_ASSERT(fabs(d->a - 10e-3) < K_SE * 1e-3 / sqrt(N_SYN));
	CU_ASSERT(fabs(d->b - 1e-3) < K_SE * 1e-3 / sqrt(2.0 * N_SYN));
	/* the ML estimates are the sample's mean and 1/n deviation, exactly */
	CU_ASSERT_DOUBLE_EQUAL(d->a, gsl_stats_mean(x, 1, N_SYN), 1e-15);
	free(x);
}

static void test_fit_lognormal(void)
{
	double *x = draws(2, draw_lognormal, 5e-3, 0.5, N_SYN);
	struct fit_choice c;
	char err[128];
	CU_ASSERT_FATAL(fit_samples(x, N_SYN, &c, err, sizeof err) == 0);
	CU_ASSERT_EQUAL(c.best, FIT_LOGNORMAL);
	CU_ASSERT_FALSE(c.empirical);
	const struct dist *d = &c.fam[FIT_LOGNORMAL].d;
	/* SE(log median) = sigma/sqrt(n); SE(sigma) = sigma/sqrt(2n) */
	CU_ASSERT(fabs(log(d->a / 5e-3)) < K_SE * 0.5 / sqrt(N_SYN));
	CU_ASSERT(fabs(d->b - 0.5) < K_SE * 0.5 / sqrt(2.0 * N_SYN));
	free(x);
}

static void test_fit_gamma(void)
{
	const double k = 1.5, theta = 2e-3;
	double *x = draws(3, draw_gamma, k, theta, N_SYN);
	struct fit_choice c;
	char err[128];
	CU_ASSERT_FATAL(fit_samples(x, N_SYN, &c, err, sizeof err) == 0);
	CU_ASSERT_EQUAL(c.best, FIT_GAMMA);
	CU_ASSERT_FALSE(c.empirical);
	const struct dist *d = &c.fam[FIT_GAMMA].d;
	/* Fisher information of (k, theta): the ML shape's variance is
	 * k / (n (k psi'(k) - 1)); the mean k theta has SE sqrt(k) theta / sqrt(n). */
	double se_k = sqrt(k / (N_SYN * (k * gsl_sf_psi_1(k) - 1)));
	CU_ASSERT(fabs(d->a - k) < K_SE * se_k);
	CU_ASSERT(fabs(d->a * d->b - k * theta) < K_SE * sqrt(k) * theta / sqrt(N_SYN));
	/* the shape solves the ML equation log k - psi(k) = log(mean) - mean(log x) */
	double s = 0;
	for (size_t i = 0; i < N_SYN; i++)
		s += log(x[i]);
	s = log(gsl_stats_mean(x, 1, N_SYN)) - s / N_SYN;
	CU_ASSERT_DOUBLE_EQUAL(log(d->a) - gsl_sf_psi(d->a), s, 1e-9);
	/* the next best family is named, with a larger AIC */
	CU_ASSERT(c.second >= 0 && c.fam[c.second].aic > c.fam[c.best].aic);
	free(x);
}

static void test_fit_fixed_and_few(void)
{
	double x[10];
	for (int i = 0; i < 10; i++)
		x[i] = 3e-3;
	struct fit_choice c;
	char err[128];
	CU_ASSERT_FATAL(fit_samples(x, 10, &c, err, sizeof err) == 0);
	CU_ASSERT_EQUAL(c.best, FIT_FIXED);
	CU_ASSERT_EQUAL(c.fam[FIT_FIXED].d.a, 3e-3);
	CU_ASSERT_EQUAL(c.fam[FIT_FIXED].ks_d, 0);
	CU_ASSERT_EQUAL(fit_samples(x, FIT_MIN_SAMPLES - 1, &c, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "need at least"));
}

/* Two far-apart modes: no family fits, the sample itself is the answer. */
static void test_fit_empirical(void)
{
	double *x = draws(4, draw_normal, 1e-3, 1e-5, 400);
	for (size_t i = 0; i < 200; i++)
		x[i] += 9e-3;
	struct fit_choice c;
	char err[128];
	CU_ASSERT_FATAL(fit_samples(x, 400, &c, err, sizeof err) == 0);
	CU_ASSERT_TRUE(c.empirical);
	CU_ASSERT(c.fam[c.best].ks_p < FIT_KS_P_MIN);
	struct dist d;
	CU_ASSERT_FATAL(fit_choice_dist(&c, x, &d) == 0);
	CU_ASSERT_EQUAL(d.kind, DIST_EMPIRICAL);
	CU_ASSERT_EQUAL(d.n_samples, 400);
	CU_ASSERT_EQUAL(d.samples[0], x[0]);
	dist_free(&d);
	char text[256];
	fit_choice_describe(&c, text, sizeof text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "empirical: no family fits"));
	free(x);
}

static void test_ks(void)
{
	/* Two points against N(0,1): the steps at F(-1) and F(1). */
	double x[2] = {-1, 1};
	struct dist n01 = {.kind = DIST_NORMAL, .a = 0, .b = 1};
	CU_ASSERT_DOUBLE_EQUAL(fit_ks_distance(x, 2, &n01), 0.5 - gsl_cdf_ugaussian_P(-1), 1e-12);
	/* The Kolmogorov distribution's 5% point is lambda = 1.3581. */
	size_t n = 100;
	double sn = sqrt((double)n);
	CU_ASSERT_DOUBLE_EQUAL(fit_ks_pvalue(1.3581 / (sn + 0.12 + 0.11 / sn), n), 0.05, 1e-4);
	CU_ASSERT_EQUAL(fit_ks_pvalue(0, n), 1);
	/* Near-equal samples (times rounded to a log's microseconds) fit a
	 * gamma of a very large shape, and the upper tail of GSL's incomplete
	 * gamma gives up there ("error in large x asymptotic": shape 2.80806e7
	 * at 2.81838e7 scales, 19.5 sd above the mean); its default handler
	 * then aborted `calibrate traces`.  Two samples, at the mean - 1 sd
	 * and there: F = 0.159 and 1, a distance of exactly 0.5. */
	gsl_set_error_handler(NULL); /* the default, aborting handler */
	double k = 2.80806e7, scale = 0.020 / k;
	double y[2] = {(k - sqrt(k)) * scale, 2.81838e7 * scale};
	struct dist g = {.kind = DIST_GAMMA, .a = k, .b = scale};
	CU_ASSERT_DOUBLE_EQUAL(fit_ks_distance(y, 2, &g), 0.5, 1e-9);
}

static void test_line(void)
{
	double x[5] = {16, 65536, 1048576, 524288, 4096}, y[5];
	for (int i = 0; i < 5; i++)
		y[i] = 200e-6 + x[i] / 150e6;
	struct fit_line l;
	CU_ASSERT_FATAL(fit_line(x, y, 5, &l) == 0);
	CU_ASSERT_DOUBLE_EQUAL(l.c0, 200e-6, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(1 / l.c1, 150e6, 1e-3);
	double same[5] = {4096, 4096, 4096, 4096, 4096};
	CU_ASSERT_EQUAL(fit_line(same, y, 5, &l), -1);
}

/* ---- the loop: hidden profile -> real runs -> calibrate -> profile ---- */

/* The arcs a sequential run of a full-capability device takes. */
static const char *const seq_arcs[] = {"running_to_pre_copy",       "pre_copy_to_pre_copy_p2p",
                                       "pre_copy_p2p_to_stop_copy", "stop_copy_to_stop",
                                       "stop_to_resuming",          "resuming_to_stop",
                                       "stop_to_running_p2p",       "running_p2p_to_running"};
#define N_SEQ  (sizeof seq_arcs / sizeof seq_arcs[0])
#define A_FAR  1  /* gamma with a small shape: far from normal and lognormal */
#define A_NEAR 2  /* nearly fixed */
#define RUNS   13 /* x 4 devices: 52 samples per arc */

/*
 * Timer lateness: a real sleep ends late, never early: tens of us on an
 * idle machine (bench_host measures 40 us), milliseconds on a loaded one
 * (at a load average of 6 on this project's 2 cores, the median of 52
 * pre-allocations came 3 ms late).  It only adds to what is measured, so
 * a recovered median may exceed the hidden one by it, never fall short of
 * it by more than the sampling error.  6 ms is twice the worst seen; the
 * arcs are 15-25 ms so that it stays within half of a median.
 */
#define LATENESS_S 6e-3

struct hidden {
	struct dist arc[N_SEQ];
	struct dist query;
	double load_fixed_s, load_Bps, init_fixed_s;
};

static double dist_median(const struct dist *d)
{
	switch (d->kind) {
	case DIST_LOGNORMAL:
		return d->a;
	case DIST_GAMMA:
		return gsl_cdf_gamma_Pinv(0.5, d->a, d->b);
	case DIST_EMPIRICAL: {
		double *x = g_memdup2(d->samples, d->n_samples * sizeof *x);
		gsl_sort(x, 1, d->n_samples);
		double m = gsl_stats_median_from_sorted_data(x, 1, d->n_samples);
		g_free(x);
		return m;
	}
	default:
		return d->a;
	}
}

/* The density at the median, for the median's standard error
 * 1 / (2 f(m) sqrt(n)). */
static double density_at_median(const struct dist *d)
{
	double m = dist_median(d);
	return d->kind == DIST_GAMMA ? gsl_ran_gamma_pdf(m, d->a, d->b)
	                             : gsl_ran_lognormal_pdf(m, log(d->a), d->b);
}

/* A lognormal or gamma of median m: which, and the spread, at random. */
static struct dist draw_arc(gsl_rng *r, double m, int force)
{
	bool gamma = force ? force == 'g' : gsl_rng_uniform(r) < 0.5;
	if (gamma) {
		double k = force ? 1.2 : 8 + 32 * gsl_rng_uniform(r);
		return (struct dist){
		    .kind = DIST_GAMMA, .a = k, .b = m / gsl_cdf_gamma_Pinv(0.5, k, 1)};
	}
	double sigma = force ? 0.005 : 0.1 + 0.2 * gsl_rng_uniform(r);
	return (struct dist){.kind = DIST_LOGNORMAL, .a = m, .b = sigma};
}

static void draw_hidden(struct hidden *h, unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, seed);
	for (size_t i = 0; i < N_SEQ; i++) {
		double m = 15e-3 + 10e-3 * gsl_rng_uniform(r);
		h->arc[i] = draw_arc(r, m, i == A_FAR ? 'g' : i == A_NEAR ? 'l' : 0);
	}
	h->query = draw_arc(r, 3e-3 + 2e-3 * gsl_rng_uniform(r), 0);
	h->load_fixed_s = 200e-6 + 200e-6 * gsl_rng_uniform(r);
	/* Slow enough that a 128 KiB write's sleep (8-16 ms) hides the
	 * emulated device's own work on it (receiving and checking the
	 * bytes), even on a starved CPU and under ASan: at 100-200 MiB/s a
	 * load average of 6.7 once made 1 MiB writes late by 2.5 ms in bulk,
	 * and at 25-50 MiB/s ASan at a load of 10 put the slope 18% off, a
	 * bias no line fit can see through. */
	h->load_Bps = (8 + 8 * gsl_rng_uniform(r)) * 1048576;
	h->init_fixed_s = 4e-3 + 4e-3 * gsl_rng_uniform(r);
	gsl_rng_free(r);
}

static char *hidden_yaml(const struct hidden *h)
{
	GString *y = g_string_new("name: hidden\n"
	                          "vm: {ram: 16MiB, dirty_rate: 0}\n"
	                          "network: {bandwidth: 10Gbps, latency: 0}\n"
	                          "migration: {strategy: sequential, chunk_size: 128KiB}\n"
	                          "devices:\n"
	                          "  - name: vf\n"
	                          "    profile: null\n"
	                          "    count: 4\n"
	                          "    capabilities: [stop_copy, p2p, pre_copy]\n"
	                          "    state_size: 512KiB\n"
	                          "    header_size: 16\n"
	                          "    latency:\n");
	char text[128];
	for (size_t i = 0; i < N_SEQ; i++) {
		dist_format(&h->arc[i], text, sizeof text);
		g_string_append_printf(y, "      %s: \"%s\"\n", seq_arcs[i], text);
	}
	dist_format(&h->query, text, sizeof text);
	g_string_append_printf(y, "      query: \"%s\"\n", text);
	g_string_append_printf(y,
	                       "    load: {fixed: %.9fs, rate: %.0fB/s}\n"
	                       "    init_load: {fixed: %.9fs}\n"
	                       "runs: %d\nseed: 1\n",
	                       h->load_fixed_s, h->load_Bps, h->init_fixed_s, RUNS);
	return g_string_free(y, FALSE);
}

/* The profile's `device:` block as device group `vf` of a scenario. */
static char *profile_as_scenario(const char *profile)
{
	const char *dev = strstr(profile, "\ndevice:\n"), *end = strstr(profile, "\nprovenance:");
	if (!dev || !end)
		return NULL;
	GString *y = g_string_new("name: check\ndevices:\n  - name: vf\n    count: 4\n");
	gchar *block = g_strndup(dev + 9, (gsize)(end - dev - 9 + 1));
	gchar **lines = g_strsplit(block, "\n", -1);
	for (gchar **l = lines; *l; l++)
		if (**l)
			g_string_append_printf(y, "  %s\n", *l);
	g_strfreev(lines);
	g_free(block);
	return g_string_free(y, FALSE);
}

static int arc_key(const char *key)
{
	for (int k = 0; k < SCENARIO_ARC_COUNT; k++)
		if (!strcmp(scenario_arcs[k].key, key))
			return k;
	return -1;
}

static void check_median(const char *what, const struct dist *hidden, const struct dist *got,
                         size_t n)
{
	double m = dist_median(hidden), r = dist_median(got);
	double se = 1 / (2 * density_at_median(hidden) * sqrt((double)n));
	bool ok = r >= m - K_SE * se && r <= m + K_SE * se + LATENESS_S;
	if (!ok)
		fprintf(stderr,
		        "%s: recovered median %.4g ms, hidden %.4g ms (SE %.3g ms, n %zu)\n", what,
		        r * 1e3, m * 1e3, se * 1e3, n);
	CU_ASSERT(ok);
}

static void test_emulated_loop(void)
{
	char dir[] = "/tmp/test_calibrate.XXXXXX";
	/* KEEP_CALIBRATE=1 leaves the run, its scenario and the profile */
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	struct hidden h;
	draw_hidden(&h, 12);
	char *yaml = hidden_yaml(&h);
	const char *scn = test_path_in(dir, "hidden.yaml"), *out = test_path_in(dir, "run.h5");
	CU_ASSERT_FATAL(g_file_set_contents(scn, yaml, -1, NULL));
	g_free(yaml);
	char *cmd =
	    g_strdup_printf("'%s' real '%s' -o '%s' --quiet >/dev/null", SWITCHOVER_BIN, scn, out);
	CU_ASSERT_FATAL(system(cmd) == 0);
	g_free(cmd);

	struct calib cal;
	char err[512];
	const char *files[] = {out};
	int rc = calib_from_files(files, 1, NULL, NULL, &cal, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT_FATAL(cal.n_groups == 1);
	const struct calib_group *g = &cal.groups[0];
	CU_ASSERT_EQUAL(g->caps, VFIO_CAP_ALL);
	for (size_t i = 0; i < N_SEQ; i++) {
		char key[80];
		snprintf(key, sizeof key, "latency.%s", seq_arcs[i]);
		const struct calib_param *p = calib_param_find(g, key);
		CU_ASSERT_FATAL(p && p->value);
		CU_ASSERT_EQUAL(p->samples, 4 * RUNS);
		check_median(key, &h.arc[i], &p->d, p->samples);
	}
	/* The family, where the hidden one is far from the others: a gamma of
	 * shape 1.2 (its mode near 0) is a gamma of small shape.  At 52
	 * samples AIC picks gamma over lognormal for 86% of the draws; the
	 * scenario's seed 1 draws a sample that favours it by 20 AIC units in
	 * the sim (the same draws without timer lateness), which late sleeps
	 * do not undo (15 AIC units in a real run at a load average of 6.7).  The nearly
	 * fixed arc comes back nearly fixed, whatever family describes the
	 * timer's jitter on it: its interquartile range within 25% of its
	 * median (the gamma's is 136%; late sleeps would have to move a
	 * quarter of the arcs by 4 ms to break it). */
	const struct calib_param *far = calib_param_find(g, "latency.pre_copy_to_pre_copy_p2p");
	CU_ASSERT_EQUAL(far->d.kind, DIST_GAMMA);
	CU_ASSERT(far->d.a < 2);
	const struct calib_param *near = calib_param_find(g, "latency.pre_copy_p2p_to_stop_copy");
	double *x = g_new(double, near->choice.n);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	for (size_t i = 0; i < near->choice.n; i++)
		x[i] = dist_sample(&near->d, r);
	gsl_rng_free(r);
	gsl_sort(x, 1, near->choice.n);
	double iqr = gsl_stats_quantile_from_sorted_data(x, 1, near->choice.n, 0.75) -
	             gsl_stats_quantile_from_sorted_data(x, 1, near->choice.n, 0.25);
	CU_ASSERT(iqr < 0.25 * dist_median(&near->d));
	g_free(x);

	const struct calib_param *q = calib_param_find(g, "latency.query");
	CU_ASSERT_FATAL(q && q->value);
	check_median("latency.query", &h.query, &q->d, q->samples);
	/* Writes of 16 bytes to 128 KiB: the slope is set by the large ones,
	 * 8-16 ms each, against which lateness (not tied to a write's size)
	 * moves it by a few percent at most, and the robust fit sets aside
	 * the writes a starved CPU made late; 15% never flakes. */
	const struct calib_param *rate = calib_param_find(g, "load.rate");
	CU_ASSERT_FATAL(rate && rate->value);
	const struct calib_param *fixed = calib_param_find(g, "load.fixed");
	CU_ASSERT_FATAL(fixed && fixed->value);
	const struct calib_param *init = calib_param_find(g, "init_load.fixed");
	CU_ASSERT_FATAL(init && init->value);
	fprintf(stderr,
	        "load: fixed %.4g us (hidden %.4g), rate %.4g MiB/s (hidden %.4g); init_load %.4g "
	        "ms (hidden %.4g)\n",
	        fixed->number * 1e6, h.load_fixed_s * 1e6, rate->number / 1048576,
	        h.load_Bps / 1048576, init->number * 1e3, h.init_fixed_s * 1e3);
	CU_ASSERT(fabs(rate->number / h.load_Bps - 1) < 0.15);
	/* A fixed part: lateness only adds to it. */
	CU_ASSERT(fixed->number > 0.5 * h.load_fixed_s &&
	          fixed->number < h.load_fixed_s + LATENESS_S);
	CU_ASSERT(init->number > 0.5 * h.init_fixed_s &&
	          init->number < h.init_fixed_s + LATENESS_S);
	/* save_rate: every image had one size, so it is not invented */
	const struct calib_param *save = calib_param_find(g, "save_rate");
	CU_ASSERT(save && !save->value && strstr(save->why_not, "cannot be separated"));

	/* The command writes the profile; its device block loads as a
	 * scenario's device group with the values calibrated. */
	const char *prof = test_path_in(dir, "vf.yaml");
	cmd = g_strdup_printf("'%s' calibrate traces '%s' -o '%s' >/dev/null", SWITCHOVER_BIN, out,
	                      prof);
	CU_ASSERT_FATAL(system(cmd) == 0);
	g_free(cmd);
	char *text = NULL;
	CU_ASSERT_FATAL(g_file_get_contents(prof, &text, NULL, NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nname: \"vf\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "latency.query: {source: measurement, files: ["));
	char *scenario_text = profile_as_scenario(text);
	CU_ASSERT_FATAL(scenario_text != NULL);
	struct scenario *s = NULL;
	rc = scenario_load_text("profile", scenario_text, strlen(scenario_text), NULL, 0, &s, err,
	                        sizeof err);
	if (rc)
		fprintf(stderr, "%s\n%s\n", err, scenario_text);
	CU_ASSERT_FATAL(rc == 0);
	const struct scn_device_group *sg = &s->groups[0];
	for (size_t i = 0; i < N_SEQ; i++) {
		char key[80];
		snprintf(key, sizeof key, "latency.%s", seq_arcs[i]);
		int k = arc_key(seq_arcs[i]);
		const struct dist *loaded =
		    &sg->arc_latency[scenario_arcs[k].from][scenario_arcs[k].to];
		const struct calib_param *p = calib_param_find(g, key);
		CU_ASSERT_EQUAL(loaded->kind, p->d.kind);
		/* the file keeps 5 significant digits */
		CU_ASSERT_DOUBLE_EQUAL(dist_median(loaded) / dist_median(&p->d), 1, 1e-4);
	}
	CU_ASSERT_DOUBLE_EQUAL(sg->load_Bps / rate->number, 1, 1e-4);
	CU_ASSERT_DOUBLE_EQUAL(sg->init_load_fixed_s / init->number, 1, 1e-4);
	scenario_free(s);
	g_free(scenario_text);
	g_free(text);
	calib_free(&cal);
	if (getenv("KEEP_CALIBRATE")) {
		fprintf(stderr, "kept %s\n", dir);
		return;
	}
	cmd = g_strdup_printf("rm -rf '%s'", dir);
	CU_ASSERT(system(cmd) == 0);
	g_free(cmd);
}

void register_tests(void)
{
	TEST_SUITE("fit", TEST(test_fit_normal), TEST(test_fit_lognormal), TEST(test_fit_gamma),
	           TEST(test_fit_fixed_and_few), TEST(test_fit_empirical), TEST(test_ks),
	           TEST(test_line));
	TEST_SUITE("calibrate", TEST(test_emulated_loop));
}
