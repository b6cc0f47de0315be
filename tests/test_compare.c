/*
 * test_compare.c - regression verdicts (results/compare.c): Mann-Whitney
 * p-values against independently computed ones, verdicts on synthetic
 * samples with known differences, the bootstrap's reproducibility, and
 * which runs of two result files are compared; Wilcoxon's signed-rank and
 * Fisher's exact test against independently computed values, paired and
 * deterministic verdicts.
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "compare.h"
#include "test_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Expected p-values come from scipy 1.10.1 (Debian python3-scipy):
 *   scipy.stats.mannwhitneyu(new, base, alternative='two-sided', method=M)
 * with M = 'exact' for samples without ties, 'asymptotic' (tie correction,
 * use_continuity=True) otherwise; U is the statistic of `new`.
 */
static void test_mann_whitney_exact(void)
{
	double u, p;
	bool exact;
	/* By hand: new {3, 4} beats base {1, 2} in all 4 pairs; of the
	 * C(4, 2) = 6 equally likely orderings only one has U = 4 and one
	 * U = 0, so p = 2/6. */
	double b0[] = {1, 2}, n0[] = {3, 4};
	p = compare_mann_whitney(n0, 2, b0, 2, &u, &exact);
	CU_ASSERT(exact);
	CU_ASSERT_DOUBLE_EQUAL(u, 4, 0);
	CU_ASSERT_DOUBLE_EQUAL(p, 1.0 / 3, 1e-15);
	/* scipy: U = 25.0, p = 0.08225108225108226 */
	double b1[] = {1.1, 2.3, 3.5, 4.2, 5.0}, n1[] = {2.0, 4.5, 6.1, 7.7, 8.9, 9.2};
	p = compare_mann_whitney(n1, N(n1), b1, N(b1), &u, &exact);
	CU_ASSERT(exact);
	CU_ASSERT_DOUBLE_EQUAL(u, 25, 0);
	CU_ASSERT_DOUBLE_EQUAL(p, 0.08225108225108226, 1e-13);
	/* The order of the samples changes U, not p. */
	CU_ASSERT_DOUBLE_EQUAL(compare_mann_whitney(b1, N(b1), n1, N(n1), &u, &exact), p, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(u, 5, 0);
	/* 20 x 20 = 400 pairs, the largest exact case.  scipy: U = 322.0,
	 * p = 0.0006675619675571311 */
	double b2[20], n2[20];
	for (int i = 0; i < 20; i++) {
		b2[i] = i;
		n2[i] = i + 7.5;
	}
	p = compare_mann_whitney(n2, 20, b2, 20, &u, &exact);
	CU_ASSERT(exact);
	CU_ASSERT_DOUBLE_EQUAL(u, 322, 0);
	CU_ASSERT_DOUBLE_EQUAL(p, 0.0006675619675571311, 1e-15);
}

static void test_mann_whitney_normal(void)
{
	double u, p;
	bool exact;
	/* Ties: normal approximation with tie correction.  scipy: U = 58.5,
	 * p = 0.03175895714806371 */
	double b1[] = {1, 2, 2, 3, 3, 3, 4, 5}, n1[] = {2, 3, 4, 4, 5, 5, 6, 7, 7};
	p = compare_mann_whitney(n1, N(n1), b1, N(b1), &u, &exact);
	CU_ASSERT(!exact);
	CU_ASSERT_DOUBLE_EQUAL(u, 58.5, 0);
	CU_ASSERT_DOUBLE_EQUAL(p, 0.03175895714806371, 1e-12);
	/* 30 x 30 without ties (beyond the exact limit).  scipy: U = 623.0,
	 * p = 0.010762612595411516 for
	 *   base[i] = 100 + 10 sin(1.7 i) + 0.01 i
	 *   new[i] = (100 + 10 sin(2.3 i + 0.5) + 0.013 i) * 1.05 */
	double b2[30], n2[30];
	for (int i = 0; i < 30; i++) {
		b2[i] = 100 + 10 * sin(i * 1.7) + i * 0.01;
		n2[i] = (100 + 10 * sin(i * 2.3 + 0.5) + i * 0.013) * 1.05;
	}
	p = compare_mann_whitney(n2, 30, b2, 30, &u, &exact);
	CU_ASSERT(!exact);
	CU_ASSERT_DOUBLE_EQUAL(u, 623, 0);
	CU_ASSERT_DOUBLE_EQUAL(p, 0.010762612595411516, 1e-12);
	/* Every value equal: no evidence at all. */
	double same[] = {5, 5, 5};
	CU_ASSERT_DOUBLE_EQUAL(compare_mann_whitney(same, 3, same, 3, &u, &exact), 1, 0);
	CU_ASSERT(isnan(compare_mann_whitney(same, 0, same, 3, &u, &exact)));
}

/* n draws of N(mean, sd), clamped at 0 like a duration, from stream `seed`. */
static void draw(double *x, size_t n, double mean, double sd, unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	gsl_rng_set(r, seed);
	for (size_t i = 0; i < n; i++)
		x[i] = fmax(0, mean + gsl_ran_gaussian(r, sd));
	gsl_rng_free(r);
}

static struct compare_stats cmp(const double *b, size_t nb, const double *n, size_t nn)
{
	struct compare_stats st;
	char err[256];
	CU_ASSERT_EQUAL_FATAL(
	    compare_samples(b, nb, n, nn, &compare_defaults, &st, err, sizeof err), 0);
	return st;
}

static void test_verdicts(void)
{
	/* Downtimes around 800 ms with 5% noise, 30 runs a side. */
	double base[30], other[30], up[30], down[30];
	draw(base, 30, 0.8, 0.04, 1);
	draw(other, 30, 0.8, 0.04, 2);
	for (int i = 0; i < 30; i++) {
		up[i] = other[i] * 1.2;
		down[i] = other[i] * 0.8;
	}
	struct compare_stats st = cmp(base, 30, base, 30);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	CU_ASSERT_DOUBLE_EQUAL(st.diff, 0, 0);
	CU_ASSERT(st.ci_lo <= 0 && st.ci_hi >= 0);
	CU_ASSERT(st.p > 0.99);

	st = cmp(base, 30, other, 30); /* the same distribution */
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	CU_ASSERT(st.ci_lo < 0 && st.ci_hi > 0);

	st = cmp(base, 30, up, 30); /* +20% */
	CU_ASSERT_EQUAL(st.verdict, COMPARE_REGRESSION);
	CU_ASSERT(st.ci_lo > 0);
	CU_ASSERT(st.ci_lo < st.diff && st.diff < st.ci_hi);
	CU_ASSERT_DOUBLE_EQUAL(st.rel, 0.2, 0.05);
	CU_ASSERT(st.p < 1e-6);
	CU_ASSERT(!st.p_exact);

	st = cmp(base, 30, down, 30); /* -20% */
	CU_ASSERT_EQUAL(st.verdict, COMPARE_IMPROVEMENT);
	CU_ASSERT(st.ci_hi < 0);
	CU_ASSERT_DOUBLE_EQUAL(st.rel, -0.2, 0.05);

	/* Heavy overlap, few runs: +10% in the medians means nothing here. */
	double b5[5], n5[5];
	draw(b5, 5, 0.8, 0.2, 3);
	draw(n5, 5, 0.88, 0.2, 4);
	st = cmp(b5, 5, n5, 5);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	CU_ASSERT(st.p_exact);
	CU_ASSERT(st.p > 0.05);
	CU_ASSERT(st.ci_lo < 0 && st.ci_hi > 0);

	/* Certain but small (+2% with 0.1% noise): below the threshold. */
	double tight[30], tight_up[30];
	draw(tight, 30, 0.8, 0.0008, 5);
	draw(tight_up, 30, 0.816, 0.0008, 6);
	st = cmp(tight, 30, tight_up, 30);
	CU_ASSERT(st.ci_lo > 0 && st.p < 1e-6);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	struct compare_opts strict = compare_defaults;
	strict.threshold = 0.01;
	char err[256];
	CU_ASSERT_EQUAL(compare_samples(tight, 30, tight_up, 30, &strict, &st, err, sizeof err), 0);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_REGRESSION);

	/* Deterministic samples: the interval is exact. */
	double ones[] = {1, 1, 1, 1}, halves[] = {1.5, 1.5, 1.5};
	st = cmp(ones, 4, halves, 3);
	CU_ASSERT_DOUBLE_EQUAL(st.ci_lo, 0.5, 0);
	CU_ASSERT_DOUBLE_EQUAL(st.ci_hi, 0.5, 0);
	CU_ASSERT_DOUBLE_EQUAL(st.rel, 0.5, 0);

	/* From 0 (a phase that did not exist) to something. */
	double zeros[] = {0, 0, 0, 0, 0, 0}, some[] = {1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3};
	st = cmp(zeros, 6, some, 6);
	CU_ASSERT(isinf(st.rel) && st.rel > 0);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_REGRESSION);

	CU_ASSERT_EQUAL(
	    compare_samples(ones, 0, halves, 3, &compare_defaults, &st, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no sample"));
}

/*
 * Expected values from scipy 1.10.1 (Debian python3-scipy):
 *   scipy.stats.wilcoxon(d, method=M)  (zero_method='wilcox', no correction)
 *   scipy.stats.fisher_exact([[fb, rb - fb], [fn, rn - fn]])[1]
 */
static void test_wilcoxon(void)
{
	double w, p;
	bool exact;
	/* By hand: |d| are the ranks 1..10, only rank 1 negative, so T = 1;
	 * of the 2^10 sign patterns, T+ <= 1 in two ({} and {1}): p = 2 * 2 /
	 * 1024 = 1/256 (scipy: statistic 1.0, pvalue 0.00390625). */
	double d1[] = {3, -1, 5, 7, 2, 9, 4, 8, 6, 10};
	p = compare_wilcoxon(d1, N(d1), &w, &exact);
	CU_ASSERT(exact);
	CU_ASSERT_DOUBLE_EQUAL(w, 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(p, 1.0 / 256, 1e-15);
	/* All ten of one sign: T = 0, p = 2 / 1024. */
	double up[10];
	for (int i = 0; i < 10; i++)
		up[i] = i + 1;
	CU_ASSERT_DOUBLE_EQUAL(compare_wilcoxon(up, 10, &w, &exact), 2.0 / 1024, 1e-15);
	/* Ties and zeros, 12 nonzero differences: the zeros are dropped and
	 * the p-value is exact over the 2^12 sign flips of the midranks
	 * (R+ = 71; counted by brute force in Python, independently of this
	 * code: 40 of the 4096 patterns are at least as far from the mean 39,
	 * p = 40/4096).  scipy's normal approximation gave 0.0117 here. */
	double d2[] = {1, 2, 2, -1, 3, 0, 3, 3, -2, 4, 5, 0, 1, 6};
	p = compare_wilcoxon(d2, N(d2), &w, &exact);
	CU_ASSERT(exact);
	CU_ASSERT_DOUBLE_EQUAL(w, 7, 0);
	CU_ASSERT_DOUBLE_EQUAL(p, 40.0 / 4096, 1e-15);
	/* Five equal differences (ties): no arrangement of five signs gives
	 * less than 2/32, and this is that one. */
	double five[] = {4, 4, 4, 4, 4};
	CU_ASSERT_DOUBLE_EQUAL(compare_wilcoxon(five, 5, &w, &exact), 2.0 / 32, 1e-15);
	/* The same 14 twice: 24 nonzero differences, beyond the exact
	 * enumeration: the normal approximation with the tie correction,
	 * T = 26, sd^2 = 24*25*49/24 - sum(t^3 - t)/48 (computed in Python
	 * with math.erfc: p = 0.0003672813223518893; scipy 1.10.1 method=approx
	 * agrees, 0.00036728132235188846). */
	double d4[28];
	for (int i = 0; i < 28; i++)
		d4[i] = d2[i % 14];
	p = compare_wilcoxon(d4, 28, &w, &exact);
	CU_ASSERT(!exact);
	CU_ASSERT_DOUBLE_EQUAL(w, 26, 0);
	CU_ASSERT_DOUBLE_EQUAL(p, 0.0003672813223518893, 1e-12);
	/* 60 differences without ties (beyond the exact limit of 50).  scipy:
	 * statistic 564.0, pvalue 0.009768369815048953 for
	 *   d[i] = (i % 7 - 2.5) + 0.013 i */
	double d3[60];
	for (int i = 0; i < 60; i++)
		d3[i] = (i % 7 - 2.5) + 0.013 * i;
	p = compare_wilcoxon(d3, 60, &w, &exact);
	CU_ASSERT(!exact);
	CU_ASSERT_DOUBLE_EQUAL(w, 564, 0);
	CU_ASSERT_DOUBLE_EQUAL(p, 0.009768369815048953, 1e-12);
	/* Every pair identical: no evidence of a change. */
	double zeros[] = {0, 0, 0};
	CU_ASSERT_DOUBLE_EQUAL(compare_wilcoxon(zeros, 3, &w, &exact), 1, 0);
	CU_ASSERT(isnan(compare_wilcoxon(zeros, 0, &w, &exact)));
}

static void test_fisher(void)
{
	/* scipy: 0.023720703916957266 */
	CU_ASSERT_DOUBLE_EQUAL(compare_fisher(0, 30, 6, 30), 0.023720703916957266, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(compare_fisher(1, 20, 1, 20), 1, 1e-12);
	/* scipy: 0.002303435774762969 */
	CU_ASSERT_DOUBLE_EQUAL(compare_fisher(2, 2000, 15, 2000), 0.002303435774762969, 1e-10);
	/* By hand: 3 failures among 20 runs, all 3 in the first 10: the
	 * tables with 0 or 3 there are the least likely, C(10,3) / C(20,3) =
	 * 120/1140 each, so p = 240/1140 (scipy: 0.21052631578947367). */
	CU_ASSERT_DOUBLE_EQUAL(compare_fisher(3, 10, 0, 10), 240.0 / 1140, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(compare_fisher(0, 10, 0, 10), 1, 0);
}

/* Common random numbers: run i of both sides shares its noise (sd 10% of
 * the median), NEW is 3% slower in every run.  Unpaired, the noise hides
 * the change; paired, it is certain. */
static void test_paired(void)
{
	double base[30], new_[30];
	draw(base, 30, 0.8, 0.08, 11);
	for (int i = 0; i < 30; i++)
		new_[i] = base[i] * 1.03;
	struct compare_opts o = compare_defaults;
	o.threshold = 0.02;
	struct compare_stats st;
	char err[256];
	CU_ASSERT_EQUAL_FATAL(compare_paired(base, new_, 30, &o, &st, err, sizeof err), 0);
	CU_ASSERT_EQUAL(st.design, COMPARE_PAIRED);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_REGRESSION);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_CHANGED);
	/* All 30 differences positive and distinct: T = 0, exact p = 2 / 2^30. */
	CU_ASSERT(st.p_exact);
	CU_ASSERT_DOUBLE_EQUAL(st.w, 0, 0);
	CU_ASSERT_DOUBLE_EQUAL(st.p, 2 / 1073741824.0, 1e-20);
	/* The differences are 3% of each base value: their median lies between
	 * 3% of the smallest and of the largest base value, and so does the
	 * interval; as a change of the base median, about +3%. */
	CU_ASSERT(st.ci_lo > 0 && st.ci_lo <= st.diff && st.diff <= st.ci_hi);
	CU_ASSERT_DOUBLE_EQUAL(st.rel, 0.03, 0.005);
	CU_ASSERT_EQUAL(compare_samples(base, 30, new_, 30, &o, &st, err, sizeof err), 0);
	CU_ASSERT_EQUAL(st.design, COMPARE_UNPAIRED);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	CU_ASSERT(st.ci_lo < 0 && st.ci_hi > 0);

	/* Identical run by run although each side varies. */
	CU_ASSERT_EQUAL(compare_paired(base, base, 30, &o, &st, err, sizeof err), 0);
	CU_ASSERT_EQUAL(st.n_zero, 30);
	CU_ASSERT_DOUBLE_EQUAL(st.p, 1, 0);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_THRESHOLD);
	CU_ASSERT_EQUAL(compare_paired(base, new_, 0, &o, &st, err, sizeof err), -1);
}

static void test_deterministic(void)
{
	/* No spread on either side: the exact change, no test, no p-value. */
	double b[] = {0.8, 0.8, 0.8, 0.8}, n[] = {0.82, 0.82, 0.82, 0.82};
	struct compare_stats st = cmp(b, 4, n, 4);
	CU_ASSERT_EQUAL(st.design, COMPARE_DETERMINISTIC);
	CU_ASSERT(isnan(st.p));
	CU_ASSERT_DOUBLE_EQUAL(st.rel, 0.025, 1e-12);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME); /* 2.5% is within 5% */
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_THRESHOLD);
	struct compare_opts o = compare_defaults;
	o.threshold = 0.02;
	char err[256];
	CU_ASSERT_EQUAL(compare_paired(b, n, 4, &o, &st, err, sizeof err), 0);
	CU_ASSERT_EQUAL(st.design, COMPARE_DETERMINISTIC);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_REGRESSION); /* even with 4 runs */
	CU_ASSERT_DOUBLE_EQUAL(st.ci_lo, 0.02, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(st.ci_hi, 0.02, 1e-12);
}

static void test_min_p(void)
{
	/* Paired: 2 / 2^n; 5 pairs cannot reach 0.05 (0.0625), 6 can. */
	CU_ASSERT_DOUBLE_EQUAL(compare_min_p(COMPARE_PAIRED, 5, 5), 0.0625, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(compare_min_p(COMPARE_PAIRED, 6, 6), 0.03125, 1e-15);
	/* Unpaired: 2 / C(n_base + n_new, n_base): 2 / C(6, 3) = 0.1. */
	CU_ASSERT_DOUBLE_EQUAL(compare_min_p(COMPARE_UNPAIRED, 3, 3), 0.1, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(compare_min_p(COMPARE_UNPAIRED, 4, 4), 2.0 / 70, 1e-12);
}

static void test_bootstrap_reproducible(void)
{
	double b[25], n[25];
	draw(b, 25, 0.8, 0.1, 7);
	draw(n, 25, 0.85, 0.1, 8);
	struct compare_stats a = cmp(b, 25, n, 25), c = cmp(b, 25, n, 25);
	CU_ASSERT_EQUAL(a.ci_lo, c.ci_lo);
	CU_ASSERT_EQUAL(a.ci_hi, c.ci_hi);
	struct compare_opts o = compare_defaults;
	o.seed = 2;
	char err[256];
	CU_ASSERT_EQUAL(compare_samples(b, 25, n, 25, &o, &c, err, sizeof err), 0);
	CU_ASSERT(a.ci_lo != c.ci_lo || a.ci_hi != c.ci_hi);
	CU_ASSERT_DOUBLE_EQUAL(a.ci_lo, c.ci_lo, 0.02); /* another seed, about the same */
	CU_ASSERT_EQUAL(a.p, c.p);
	/* A 99% interval contains the 95% one. */
	o = compare_defaults;
	o.confidence = 0.99;
	CU_ASSERT_EQUAL(compare_samples(b, 25, n, 25, &o, &c, err, sizeof err), 0);
	CU_ASSERT(c.ci_lo <= a.ci_lo && c.ci_hi >= a.ci_hi);
}

static void test_metric_parse(void)
{
	struct compare_metric m;
	char name[32];
	CU_ASSERT_EQUAL(compare_metric_parse("downtime", &m), 0);
	CU_ASSERT_EQUAL(m.kind, COMPARE_DOWNTIME);
	CU_ASSERT_EQUAL(compare_metric_parse("total", &m), 0);
	CU_ASSERT_EQUAL(m.kind, COMPARE_TOTAL);
	CU_ASSERT_EQUAL(compare_metric_parse("phase:stopcopy", &m), 0);
	CU_ASSERT_EQUAL(m.kind, COMPARE_PHASE);
	CU_ASSERT_EQUAL(m.phase, PHASE_STOPCOPY);
	compare_metric_name(&m, name, sizeof name);
	CU_ASSERT_STRING_EQUAL(name, "phase:stopcopy");
	struct run_summary s = {.downtime_s = 1, .total_s = 2};
	s.phase_s[PHASE_STOPCOPY] = 3;
	CU_ASSERT_EQUAL(compare_metric_value(&m, &s), 3);
	CU_ASSERT_EQUAL(compare_metric_parse("phase:nope", &m), -1);
	CU_ASSERT_EQUAL(compare_metric_parse("phase:", &m), -1);
	CU_ASSERT_EQUAL(compare_metric_parse("latency", &m), -1);
}

/* A result file's worth of runs: `n` of strategy st with downtime
 * base + i ms, the last one failed (with a downtime that must not count). */
static void add_runs(struct results *r, enum strategy_kind st, size_t n, double base)
{
	for (size_t i = 0; i < n; i++) {
		struct results_run *run = &r->runs[r->n_runs++];
		memset(run, 0, sizeof *run);
		run->strategy = st;
		run->run = (unsigned)i;
		run->sum.downtime_s = base + i * 1e-3;
		for (int p = 0; p < PHASE_COUNT; p++)
			run->sum.phase_s[p] = run->sum.downtime_s / PHASE_COUNT;
		if (i == n - 1) {
			run->sum.status = -5;
			run->sum.downtime_s = 1e9;
		}
	}
}

static void test_compare_results(void)
{
	static struct results_run ra[32], rb[32], rc[8], rd[8];
	struct results a = {.runs = ra}, b = {.runs = rb};
	add_runs(&a, STRATEGY_SEQUENTIAL, 11, 1.0);
	add_runs(&a, STRATEGY_PARALLEL_PRIO, 11, 0.5);
	add_runs(&b, STRATEGY_PARALLEL_PRIO, 11, 0.6); /* +20% */
	add_runs(&b, STRATEGY_PARALLEL_BARRIER, 11, 0.5);
	struct compare_metric m = {COMPARE_DOWNTIME, 0};
	struct compare_report rep;
	char err[512];
	/* Only parallel-prio is in both. */
	CU_ASSERT_EQUAL_FATAL(compare_results(&a, &b, "a.h5", "b.h5", &m, -1, &compare_defaults,
	                                      &rep, err, sizeof err),
	                      0);
	CU_ASSERT_EQUAL(rep.n, 1);
	CU_ASSERT_EQUAL(rep.strategy[0].strategy, STRATEGY_PARALLEL_PRIO);
	CU_ASSERT_EQUAL(rep.strategy[0].runs_base, 11);
	CU_ASSERT_EQUAL(rep.strategy[0].metric.n_base, 10); /* the failed run does not count */
	CU_ASSERT_DOUBLE_EQUAL(rep.strategy[0].metric.base_median, 0.5045, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(rep.strategy[0].metric.new_median, 0.6045, 1e-12);
	CU_ASSERT_EQUAL(rep.verdict, COMPARE_REGRESSION);
	CU_ASSERT_EQUAL(rep.strategy[0].phase[PHASE_SRC_MAIN].verdict, COMPARE_REGRESSION);

	CU_ASSERT_EQUAL(compare_results(&a, &b, "a.h5", "b.h5", &m, STRATEGY_SEQUENTIAL,
	                                &compare_defaults, &rep, err, sizeof err),
	                -1);
	CU_ASSERT_STRING_EQUAL(err, "b.h5: no runs of strategy sequential (it has parallel-prio, "
	                            "parallel-barrier)");

	struct results c = {.runs = rc};
	add_runs(&c, STRATEGY_PARALLEL_BARRIER, 3, 0.5);
	CU_ASSERT_EQUAL(compare_results(&a, &c, "a.h5", "c.h5", &m, -1, &compare_defaults, &rep,
	                                err, sizeof err),
	                -1);
	CU_ASSERT_STRING_EQUAL(err, "no strategy in common: a.h5 has sequential, parallel-prio, "
	                            "c.h5 has parallel-barrier");

	/* No completed run on one side: no value, no verdict from the metric
	 * (not an error); the failure rate decides. */
	struct results d = {.runs = rd};
	add_runs(&d, STRATEGY_SEQUENTIAL, 1, 0.5); /* its only run failed */
	CU_ASSERT_EQUAL_FATAL(compare_results(&a, &d, "a.h5", "d.h5", &m, -1, &compare_defaults,
	                                      &rep, err, sizeof err),
	                      0);
	CU_ASSERT_EQUAL(rep.strategy[0].metric.n_base, 10);
	CU_ASSERT_EQUAL(rep.strategy[0].metric.n_new, 0);
	CU_ASSERT_EQUAL(rep.strategy[0].metric.completed_base, 10);
	CU_ASSERT_EQUAL(rep.strategy[0].metric.completed_new, 0);
	CU_ASSERT_EQUAL(rep.strategy[0].metric.verdict, COMPARE_SAME);
	CU_ASSERT_EQUAL(rep.strategy[0].metric.why, COMPARE_WHY_UNDEFINED);
	/* 1 of 11 -> 1 of 1 failed: Fisher p = 2/12, not significant */
	CU_ASSERT_DOUBLE_EQUAL(rep.strategy[0].failures.p, 2.0 / 12, 1e-12);
	CU_ASSERT_EQUAL(rep.verdict, COMPARE_SAME);
	/* 12 completed runs against 12 failed: a regression of the failure rate */
	static struct results_run re[16];
	struct results e = {.runs = re};
	add_runs(&e, STRATEGY_SEQUENTIAL, 12, 0.5);
	for (size_t i = 0; i < e.n_runs; i++)
		re[i].sum.status = -5;
	CU_ASSERT_EQUAL_FATAL(compare_results(&a, &e, "a.h5", "e.h5", &m, -1, &compare_defaults,
	                                      &rep, err, sizeof err),
	                      0);
	CU_ASSERT_EQUAL(rep.strategy[0].metric.n_new, 0);
	CU_ASSERT_EQUAL(rep.strategy[0].failures.verdict, COMPARE_REGRESSION);
	CU_ASSERT_EQUAL(rep.verdict, COMPARE_REGRESSION);

	/* The same file against itself: nothing changed anywhere. */
	CU_ASSERT_EQUAL(compare_results(&a, &a, "a.h5", "a.h5", &m, -1, &compare_defaults, &rep,
	                                err, sizeof err),
	                0);
	CU_ASSERT_EQUAL(rep.n, 2);
	CU_ASSERT_EQUAL(rep.verdict, COMPARE_SAME);
	for (size_t k = 0; k < rep.n; k++)
		for (int p = 0; p < PHASE_COUNT; p++)
			CU_ASSERT_EQUAL(rep.strategy[k].phase[p].verdict, COMPARE_SAME);
}

/* The same seed, but run indices 0..5 completed in one file and 6..11 in
 * the other: no pair, compared unpaired (no_pairs); a metric no run has (ACK
 * delay without ACK requests, precopy rounds of 0) is absent on that side. */
static void test_no_pairs_and_absent(void)
{
	static struct results_run ra[16], rb[16];
	struct results a = {.runs = ra}, b = {.runs = rb};
	add_runs(&a, STRATEGY_SEQUENTIAL, 12, 0.5);
	add_runs(&b, STRATEGY_SEQUENTIAL, 12, 0.6);
	for (size_t i = 0; i < 12; i++) {
		ra[i].sum.status = i < 6 ? 0 : -5;
		rb[i].sum.status = i < 6 ? -5 : 0;
		rb[i].sum.downtime_s = 0.6 + i * 1e-3;
		ra[i].sum.precopy_rounds = 0;
		rb[i].sum.precopy_rounds = 2;
		rb[i].sum.acks_requested = 1;
		rb[i].sum.ack_delay_s = 0.01 * (double)i;
		ra[i].sum.ack_delay_s = 0; /* as a run without ACKs has it */
	}
	struct compare_metric m = {COMPARE_DOWNTIME, 0};
	struct compare_report rep;
	char err[512];
	CU_ASSERT_EQUAL_FATAL(compare_results(&a, &b, "a.h5", "b.h5", &m, -1, &compare_defaults,
	                                      &rep, err, sizeof err),
	                      0);
	CU_ASSERT(rep.paired);
	const struct compare_strategy *s = &rep.strategy[0];
	CU_ASSERT(s->metric.no_pairs);
	CU_ASSERT_EQUAL(s->metric.design, COMPARE_UNPAIRED);
	CU_ASSERT_EQUAL(s->metric.n_base, 6);
	CU_ASSERT_EQUAL(s->metric.n_new, 6);
	CU_ASSERT_DOUBLE_EQUAL(s->metric.base_median, 0.5025, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s->metric.new_median, 0.6085, 1e-12);
	CU_ASSERT_EQUAL(s->metric.verdict, COMPARE_REGRESSION);
	/* no ACK requested in a: absent there; b's rounds are all there */
	CU_ASSERT_EQUAL(s->ack_delay.n_base, 0);
	CU_ASSERT_EQUAL(s->ack_delay.completed_base, 6);
	CU_ASSERT_EQUAL(s->ack_delay.n_new, 6);
	CU_ASSERT_EQUAL(s->rounds.n_base, 0);
	CU_ASSERT_EQUAL(s->rounds.completed_base, 6);
	CU_ASSERT_EQUAL(s->rounds.n_new, 6);
	CU_ASSERT_EQUAL(s->rounds.verdict, COMPARE_SAME);
	CU_ASSERT_EQUAL(s->rounds.why, COMPARE_WHY_UNDEFINED);
}

/* compare_summaries, as the points of sweep files use it: the same rule of
 * absent values as compare_results (no ACK requested: no ACK delay; every
 * run 0 precopy rounds: no rounds), failed runs (NULL) not counted. */
static void test_summaries(void)
{
	struct run_summary a[6] = {0}, b[6] = {0};
	const struct run_summary *ia[6], *ib[6];
	for (size_t i = 0; i < 6; i++) {
		a[i].ack_delay_s = 0; /* as a run without ACKs has it */
		b[i].acks_requested = 1;
		b[i].ack_delay_s = 1.5 + (double)i * 1e-3;
		b[i].precopy_rounds = 3;
		a[i].downtime_s = b[i].downtime_s = 0.25;
		ia[i] = &a[i];
		ib[i] = i == 5 ? NULL : &b[i];
	}
	struct compare_metric ack = {COMPARE_ACK_DELAY, 0}, rounds = {COMPARE_ROUNDS, 0},
	                      down = {COMPARE_DOWNTIME, 0};
	struct compare_stats st;
	char err[128];
	CU_ASSERT_EQUAL(
	    compare_summaries(ia, 6, ib, 6, &ack, true, &compare_defaults, &st, err, sizeof err),
	    0);
	CU_ASSERT_EQUAL(st.n_base, 0);
	CU_ASSERT_EQUAL(st.completed_base, 6);
	CU_ASSERT_EQUAL(st.n_new, 5);
	CU_ASSERT_EQUAL(st.completed_new, 5);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_UNDEFINED);
	CU_ASSERT_EQUAL(
	    compare_summaries(ia, 6, ib, 6, &rounds, true, &compare_defaults, &st, err, sizeof err),
	    0);
	CU_ASSERT_EQUAL(st.n_base, 0);
	CU_ASSERT_EQUAL(st.n_new, 5);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	CU_ASSERT_EQUAL(
	    compare_summaries(ia, 6, ib, 6, &down, true, &compare_defaults, &st, err, sizeof err),
	    0);
	CU_ASSERT_EQUAL(st.design, COMPARE_DETERMINISTIC);
	CU_ASSERT_EQUAL(st.n_base, 5); /* pairs: run 5 failed in b */
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_THRESHOLD);
}

/* compare_decide on every edge: it must never call a change that is not
 * one, whatever the inputs. */
static void test_decide_edges(void)
{
	struct compare_opts o = compare_defaults;
	/* a well-formed regression, then one field at a time made odd */
	const struct compare_stats good = {.n_base = 10,
	                                   .n_new = 10,
	                                   .base_median = 1,
	                                   .new_median = 1.5,
	                                   .diff = 0.5,
	                                   .rel = 0.5,
	                                   .ci_lo = 0.4,
	                                   .ci_hi = 0.6,
	                                   .p = 0.001,
	                                   .design = COMPARE_UNPAIRED};
	struct compare_stats st = good;
	compare_decide(&st, &o);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_REGRESSION);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_CHANGED);
#define EDGE(field, value, want_verdict, want_why)                                                 \
	do {                                                                                       \
		st = good;                                                                         \
		st.field = value;                                                                  \
		compare_decide(&st, &o);                                                           \
		CU_ASSERT_EQUAL(st.verdict, want_verdict);                                         \
		CU_ASSERT_EQUAL(st.why, want_why);                                                 \
	} while (0)
	/* empty sides */
	EDGE(n_base, 0, COMPARE_SAME, COMPARE_WHY_UNDEFINED);
	EDGE(n_new, 0, COMPARE_SAME, COMPARE_WHY_UNDEFINED);
	/* a change that is not a number (inf - inf) */
	EDGE(rel, NAN, COMPARE_SAME, COMPARE_WHY_UNDEFINED);
	EDGE(diff, NAN, COMPARE_SAME, COMPARE_WHY_UNDEFINED);
	/* an interval that is not a number, or on the other side of 0 */
	EDGE(ci_lo, NAN, COMPARE_SAME, COMPARE_WHY_INTERVAL);
	EDGE(ci_hi, 0.3, COMPARE_SAME, COMPARE_WHY_INTERVAL); /* upside down */
	st = good;
	st.ci_lo = -0.3;
	st.ci_hi = -0.1;
	compare_decide(&st, &o);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_INTERVAL);
	EDGE(ci_lo, 0, COMPARE_SAME, COMPARE_WHY_INTERVAL);
	EDGE(ci_lo, -INFINITY, COMPARE_SAME, COMPARE_WHY_INTERVAL);
	/* too few runs for any p below 0.05 (3 and 3 unpaired: 0.1; 5 pairs:
	 * 0.0625): undecided, whatever the interval and p say; within the
	 * threshold it is no change all the same */
	EDGE(n_base, 3, COMPARE_REGRESSION, COMPARE_WHY_CHANGED);
	st = good;
	st.n_base = st.n_new = 3;
	compare_decide(&st, &o);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_TOO_FEW);
	st.n_base = st.n_new = 4; /* 2 / C(8, 4) = 0.029 */
	compare_decide(&st, &o);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_CHANGED);
	st = good;
	st.design = COMPARE_PAIRED;
	st.n_base = st.n_new = 5;
	compare_decide(&st, &o);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_TOO_FEW);
	st.n_base = st.n_new = 6; /* 2 / 2^6 = 0.031 */
	compare_decide(&st, &o);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_CHANGED);
	st.n_base = st.n_new = 5;
	st.rel = 0.01;
	compare_decide(&st, &o);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_THRESHOLD);
	/* a p-value that is not a number */
	EDGE(p, NAN, COMPARE_SAME, COMPARE_WHY_P);
	EDGE(p, 1 - o.confidence, COMPARE_SAME, COMPARE_WHY_P);
	/* a base median of 0: an infinite change is a change */
	EDGE(rel, INFINITY, COMPARE_REGRESSION, COMPARE_WHY_CHANGED);
	/* no change at all */
	EDGE(rel, 0, COMPARE_SAME, COMPARE_WHY_THRESHOLD);
	/* an improvement needs its interval below 0 */
	st = good;
	st.rel = -INFINITY;
	st.diff = -0.5;
	compare_decide(&st, &o);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_INTERVAL);
	st.ci_lo = -0.6;
	st.ci_hi = -0.4;
	compare_decide(&st, &o);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_IMPROVEMENT);
	/* a zero threshold: any change; but a change of 0 is none */
	o.threshold = 0;
	EDGE(rel, 1e-9, COMPARE_REGRESSION, COMPARE_WHY_CHANGED);
	EDGE(rel, 0, COMPARE_SAME, COMPARE_WHY_THRESHOLD);
	/* a threshold that is not a number or infinite: nothing is big enough */
	o.threshold = NAN;
	EDGE(rel, 0.5, COMPARE_SAME, COMPARE_WHY_THRESHOLD);
	o.threshold = INFINITY;
	EDGE(rel, 0.5, COMPARE_SAME, COMPARE_WHY_THRESHOLD);
	/* deterministic: the interval and p do not count, NaN neither */
	o = compare_defaults;
	st = good;
	st.design = COMPARE_DETERMINISTIC;
	st.p = st.ci_lo = st.ci_hi = NAN;
	compare_decide(&st, &o);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_REGRESSION);
	/* a confidence that is not a number: no p is below 1 - NaN */
	o.confidence = NAN;
	EDGE(p, 0.001, COMPARE_SAME, COMPARE_WHY_P);
#undef EDGE

	/* One run each side shows no spread but proves none: not
	 * deterministic; a test that cannot reach any p below 1. */
	double b1[] = {1.0}, n1[] = {2.0};
	o = compare_defaults;
	CU_ASSERT_EQUAL(compare_samples(b1, 1, n1, 1, &o, &st, (char[64]){0}, 64), 0);
	CU_ASSERT_EQUAL(st.design, COMPARE_UNPAIRED);
	CU_ASSERT_DOUBLE_EQUAL(st.p, 1, 1e-15);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_TOO_FEW);
	CU_ASSERT_EQUAL(compare_paired(b1, n1, 1, &o, &st, (char[64]){0}, 64), 0);
	CU_ASSERT_EQUAL(st.design, COMPARE_PAIRED);
	CU_ASSERT_DOUBLE_EQUAL(st.p, 1, 1e-15);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	/* two each, no spread: deterministic */
	double b2[] = {1.0, 1.0}, n2[] = {2.0, 2.0};
	CU_ASSERT_EQUAL(compare_samples(b2, 2, n2, 2, &o, &st, (char[64]){0}, 64), 0);
	CU_ASSERT_EQUAL(st.design, COMPARE_DETERMINISTIC);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_REGRESSION);
	/* infinite values: an infinite median difference is a change; inf -
	 * inf is not a number */
	double bi[] = {1, 1, 1}, ni[] = {INFINITY, INFINITY, INFINITY};
	CU_ASSERT_EQUAL(compare_samples(bi, 3, ni, 3, &o, &st, (char[64]){0}, 64), 0);
	CU_ASSERT_EQUAL(st.design, COMPARE_DETERMINISTIC);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_REGRESSION);
	CU_ASSERT_EQUAL(compare_samples(ni, 3, ni, 3, &o, &st, (char[64]){0}, 64), 0);
	CU_ASSERT_EQUAL(st.verdict, COMPARE_SAME);
	CU_ASSERT_EQUAL(st.why, COMPARE_WHY_UNDEFINED);
	/* NaN and empty inputs are refused, with a reason */
	char err[128];
	double bn[] = {1, NAN, 2};
	CU_ASSERT_EQUAL(compare_samples(bn, 3, n2, 2, &o, &st, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "a value to compare is not a number (NaN)");
	CU_ASSERT_EQUAL(compare_paired(n2, bn, 2, &o, &st, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(err, "a value to compare is not a number (NaN)");
	CU_ASSERT_EQUAL(compare_samples(b2, 0, n2, 2, &o, &st, err, sizeof err), -1);
	CU_ASSERT_EQUAL(compare_paired(b2, n2, 0, &o, &st, err, sizeof err), -1);
}

void register_tests(void)
{
	TEST_SUITE("compare", TEST(test_mann_whitney_exact), TEST(test_mann_whitney_normal),
	           TEST(test_verdicts), TEST(test_wilcoxon), TEST(test_fisher), TEST(test_paired),
	           TEST(test_deterministic), TEST(test_min_p), TEST(test_summaries),
	           TEST(test_bootstrap_reproducible), TEST(test_metric_parse),
	           TEST(test_compare_results), TEST(test_no_pairs_and_absent),
	           TEST(test_decide_edges));
}
