/*
 * compare.h - did NEW get slower than BASE?  Medians of both samples, the
 * difference of medians with a bootstrap confidence interval, a two-sided
 * Mann-Whitney U test, and a verdict a pipeline can gate on (GSL).
 *
 * A change is a regression only when it is big enough to matter (the
 * median grew by more than `threshold`), and both statistics agree it is
 * not noise: the confidence interval of the difference lies above 0 and
 * the Mann-Whitney p-value is below 1 - confidence.  An improvement is the
 * mirror image.  The bootstrap draws from a seeded generator, so the same
 * inputs and options always give the same verdict.
 */
#ifndef SWITCHOVER_COMPARE_H
#define SWITCHOVER_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "summary.h"

enum compare_verdict { COMPARE_SAME = 0, COMPARE_REGRESSION, COMPARE_IMPROVEMENT };
/* "no significant change", "regression", "improvement" */
const char *compare_verdict_name(enum compare_verdict v);

struct compare_opts {
	double threshold;   /* relative change of the median that matters: 0.05 */
	double confidence;  /* of the interval and the test: 0.95 */
	unsigned resamples; /* bootstrap resamples: 10000 */
	uint64_t seed;      /* bootstrap generator seed */
};
extern const struct compare_opts compare_defaults;

struct compare_stats {
	size_t n_base, n_new;
	double base_median, new_median;
	double diff;         /* new_median - base_median */
	double rel;          /* diff / base_median; +-inf when base_median is 0 */
	double ci_lo, ci_hi; /* bootstrap percentile interval of diff */
	double u;            /* Mann-Whitney U of NEW: pairs (new > base), ties count 1/2 */
	double p;            /* two-sided p-value */
	bool p_exact;        /* exact distribution (no ties, n_base * n_new <= 400) */
	enum compare_verdict verdict;
};

/*
 * Compare two samples (neither modified).  Returns 0, or -1 with err when a
 * sample is empty or memory runs out.
 */
int compare_samples(const double *base, size_t n_base, const double *new_, size_t n_new,
                    const struct compare_opts *o, struct compare_stats *out, char *err,
                    size_t errlen);

/*
 * Two-sided Mann-Whitney U test of a against b: U of `a` into *u, p-value
 * returned.  Exact when there are no ties and na * nb <= 400 (*exact set);
 * otherwise the normal approximation with tie and continuity corrections
 * (as scipy.stats.mannwhitneyu).  NaN when a sample is empty or memory runs
 * out.
 */
double compare_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u,
                            bool *exact);

/* What is compared: downtime, total time, or one phase. */
struct compare_metric {
	enum { COMPARE_DOWNTIME, COMPARE_TOTAL, COMPARE_PHASE } kind;
	enum phase phase;
};
/* "downtime", "total" or "phase:<name>"; 0 or -1 (unknown). */
int compare_metric_parse(const char *text, struct compare_metric *m);
/* "downtime", "total", "phase:stopcopy" into buf. */
void compare_metric_name(const struct compare_metric *m, char *buf, size_t len);
/* The metric of one run, in seconds. */
double compare_metric_value(const struct compare_metric *m, const struct run_summary *s);

/* The comparison of one strategy's completed runs. */
struct compare_strategy {
	enum strategy_kind strategy;
	unsigned runs_base, runs_new; /* runs of the strategy, completed or not */
	struct compare_stats metric;
	struct compare_stats phase[PHASE_COUNT];
};

struct compare_report {
	struct compare_metric metric;
	struct compare_opts opts;
	size_t n;
	struct compare_strategy strategy[STRATEGY_COUNT];
	/* regression if any strategy regressed, else improvement if any
	 * improved, else no significant change */
	enum compare_verdict verdict;
};

/*
 * Compare the runs of `strategy` (or, when it is -1, of every strategy with
 * runs in both files) of two result files.  The labels name the files in
 * messages.  Returns 0, or -1 with err: no strategy in common, the strategy
 * missing from a file, no completed run of it on one side.
 */
int compare_results(const struct results *base, const struct results *new_, const char *base_label,
                    const char *new_label, const struct compare_metric *m, int strategy,
                    const struct compare_opts *o, struct compare_report *out, char *err,
                    size_t errlen);

#endif
