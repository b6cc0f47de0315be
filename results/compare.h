/*
 * compare.h - did NEW get slower than BASE?  Medians of both samples, the
 * change with a bootstrap confidence interval, a two-sided rank test, and a
 * verdict a pipeline can gate on (GSL).
 *
 * Three designs, chosen per comparison:
 * - paired: both files ran the same scenario seed, so run i of one drew
 *   the same random numbers as run i of the other (common random numbers,
 *   docs/results.md).  Run i is paired with run i: the change is the median
 *   of the paired differences, its interval a bootstrap of those
 *   differences, the test Wilcoxon's signed-rank test.
 * - unpaired: the difference of the medians, a bootstrap of both samples
 *   and the Mann-Whitney U test.
 * - deterministic: both sides have no spread at all (every run the same):
 *   the difference is exact, no test is run and no p-value given.
 *
 * A change is a regression only when it is big enough to matter (grew by
 * more than `threshold` of the base median), and both statistics agree it
 * is not noise: the confidence interval lies above 0 and the p-value is
 * below 1 - confidence (deterministic: the exact change beyond the
 * threshold is enough).  An improvement is the mirror image; `why` says
 * which condition failed otherwise.  The bootstrap draws from a seeded
 * generator, so the same inputs and options always give the same verdict.
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
	bool unpaired;      /* never pair runs, even of the same seed */
};
extern const struct compare_opts compare_defaults;

/* How two samples were compared (compare_stats.design). */
enum compare_design {
	COMPARE_UNPAIRED = 0,  /* Mann-Whitney U; bootstrap of the difference of medians */
	COMPARE_PAIRED,        /* Wilcoxon signed-rank; bootstrap of the median difference */
	COMPARE_DETERMINISTIC, /* no spread on either side: exact difference, no test */
};
/* "unpaired", "paired", "deterministic" */
const char *compare_design_name(enum compare_design d);

/* Why a verdict is what it is (compare_stats.why). */
enum compare_why {
	COMPARE_WHY_CHANGED = 0, /* regression or improvement: every condition held */
	COMPARE_WHY_THRESHOLD,   /* the change is within the threshold */
	COMPARE_WHY_INTERVAL,    /* the interval contains 0 */
	COMPARE_WHY_P,           /* p >= 1 - confidence */
	COMPARE_WHY_UNDEFINED,   /* no value on a side, or the change is not a number */
	COMPARE_WHY_TOO_FEW,     /* a change beyond the threshold, but too few runs for any p
	                            to reach 1 - confidence (compare_min_p): undecided */
};

struct compare_stats {
	size_t n_base, n_new; /* paired: both the number of pairs */
	double base_median, new_median;
	double diff;         /* new_median - base_median; paired: median of (new_i - base_i) */
	double rel;          /* diff / base_median; +-inf when base_median is 0 */
	double ci_lo, ci_hi; /* bootstrap percentile interval of diff (deterministic: diff) */
	double u;            /* Mann-Whitney U of NEW: pairs (new > base), ties count 1/2 */
	double p;            /* two-sided p-value; NaN when deterministic */
	bool p_exact;        /* exact distribution (no ties, small samples) */
	enum compare_verdict verdict;
	enum compare_design design;
	enum compare_why why;
	double w;      /* paired: Wilcoxon's statistic, the smaller signed-rank sum */
	size_t n_zero; /* paired: differences of exactly 0 (left out of the test) */
	/* runs beyond Q3 + 3 IQR or below Q1 - 3 IQR of their own side */
	size_t outliers_base, outliers_new;
	/* compare_metric_runs: the completed runs of each side, with a value
	 * or not (n_base 0 with completed_base > 0: the metric is absent) */
	size_t completed_base, completed_new;
	/* compare_metric_runs asked for pairs but no run index completed with
	 * a value on both sides: compared unpaired instead */
	bool no_pairs;
};

/*
 * The verdict of filled statistics (the rule above), total: no value on a
 * side or a change that is not a number (NaN) gives no significant change
 * (COMPARE_WHY_UNDEFINED); a change of 0 or within the threshold (a NaN
 * threshold included) COMPARE_WHY_THRESHOLD; an interval that is NaN, upside
 * down or not entirely on the side of the change COMPARE_WHY_INTERVAL; a NaN
 * p-value
 * COMPARE_WHY_P.  An infinite change (a base median of 0) is a change.
 * A change beyond the threshold tested on too few runs for any p below
 * 1 - confidence (compare_min_p, not deterministic) is no verdict but
 * undecided: COMPARE_SAME with COMPARE_WHY_TOO_FEW.
 */
void compare_decide(struct compare_stats *st, const struct compare_opts *o);

/*
 * Compare two samples (neither modified).  Returns 0, or -1 with err when a
 * sample is empty, holds a NaN or memory runs out.  Infinite values are
 * values (their medians and differences may be infinite or NaN: then
 * compare_decide says no significant change, the change not a number).
 */
int compare_samples(const double *base, size_t n_base, const double *new_, size_t n_new,
                    const struct compare_opts *o, struct compare_stats *out, char *err,
                    size_t errlen);

/*
 * Compare run i of base with run i of new_ (n pairs, neither modified);
 * deterministic when neither side has any spread (and n >= 2).  Returns 0,
 * or -1 with err when there is no pair, a value is NaN or memory runs out.
 */
int compare_paired(const double *base, const double *new_, size_t n, const struct compare_opts *o,
                   struct compare_stats *out, char *err, size_t errlen);

/*
 * Two-sided Wilcoxon signed-rank test of the paired differences d (as
 * scipy.stats.wilcoxon with its defaults: zero differences dropped, no
 * continuity correction).  The smaller of the positive and negative rank
 * sums into *w, p-value returned.  Exact (*exact set) when no difference
 * is 0, no two |d| tie and at most 50 remain, or, with ties or zeros, by
 * enumerating the sign flips of the midranks when at most 20 remain;
 * otherwise the normal approximation with the tie correction of the
 * variance.  1 when every difference is 0; NaN when n is 0 or memory runs
 * out.
 */
double compare_wilcoxon(const double *d, size_t n, double *w, bool *exact);

/*
 * Two-sided Fisher exact test of the 2x2 table (failed and completed runs
 * of base, of new): the probability of the tables with these margins that
 * are no more likely than the observed one (as scipy.stats.fisher_exact).
 */
double compare_fisher(unsigned failed_base, unsigned runs_base, unsigned failed_new,
                      unsigned runs_new);

/*
 * The smallest two-sided p-value the test of `design` can give with these
 * sample sizes (exact distributions): when it is not below 1 - confidence,
 * no amount of change can be called significant.
 */
double compare_min_p(enum compare_design design, size_t n_base, size_t n_new);

/*
 * Two-sided Mann-Whitney U test of a against b: U of `a` into *u, p-value
 * returned.  Exact when there are no ties and na * nb <= 400 (*exact set);
 * otherwise the normal approximation with tie and continuity corrections
 * (as scipy.stats.mannwhitneyu).  NaN when a sample is empty or memory runs
 * out.
 */
double compare_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u,
                            bool *exact);

/* What is compared: downtime, total time, one phase, precopy rounds or the
 * switchover-ACK delay. */
struct compare_metric {
	enum {
		COMPARE_DOWNTIME,
		COMPARE_TOTAL,
		COMPARE_PHASE,
		COMPARE_ROUNDS,
		COMPARE_ACK_DELAY
	} kind;
	enum phase phase;
};
/* "downtime", "total", "rounds", "ack_delay" or "phase:<name>"; 0 or -1
 * (unknown). */
int compare_metric_parse(const char *text, struct compare_metric *m);
/* "downtime", "total", "phase:stopcopy" ... into buf. */
void compare_metric_name(const struct compare_metric *m, char *buf, size_t len);
/* The metric of one run: seconds, or a count of rounds; NaN when the run
 * has none (the ACK delay of a run that requested no switchover ACK). */
double compare_metric_value(const struct compare_metric *m, const struct run_summary *s);

/* Whether the runs of two result files can be paired: the same seed in the
 * same world, not imported (an imported run has no seed).  Says why in
 * buf: "paired: same seed 1", "unpaired: seeds differ (1, 2)". */
bool compare_pairable(const struct results *base, const struct results *new_, bool unpaired,
                      char *buf, size_t len);

/* The metric of one strategy's completed runs of two files: paired by run
 * index when `paired` (unpaired, with no_pairs set, when no index has a
 * value on both sides), else as two samples.  n_base or n_new 0 (and
 * returns 0) when a side has no value: no completed run, or none with a
 * value (precopy rounds are absent from a side where no completed run had
 * one); -1 with err when memory runs out. */
int compare_metric_runs(const struct results *base, const struct results *new_,
                        enum strategy_kind st, const struct compare_metric *m, bool paired,
                        const struct compare_opts *o, struct compare_stats *out, char *err,
                        size_t errlen);

/* compare_metric_runs on runs given by their summaries, by run index
 * (NULL: the run did not complete), base[0 .. n_base-1] and new_[0 ..
 * n_new-1]: the one rule of which runs have a value (compare_metric_value,
 * and precopy rounds absent from a side where every value is 0) for every
 * reader of runs (run files, the points of sweep files). */
int compare_summaries(const struct run_summary *const *base, size_t n_base,
                      const struct run_summary *const *new_, size_t n_new,
                      const struct compare_metric *m, bool paired, const struct compare_opts *o,
                      struct compare_stats *out, char *err, size_t errlen);

/* The paired differences new_i - base_i of a metric over the run indices of
 * `st` completed with a value on both sides, in run order: *d (free it) and
 * their number *n (0, *d NULL, when there is none).  0, or -1 when memory
 * runs out. */
int compare_paired_diffs(const struct results *base, const struct results *new_,
                         enum strategy_kind st, const struct compare_metric *m, double **d,
                         size_t *n);

/* compare_metric_runs for one device's own time in the downtime window
 * (device_attribution.total_s of device index `device`). */
int compare_device_runs(const struct results *base, const struct results *new_,
                        enum strategy_kind st, size_t device, bool paired,
                        const struct compare_opts *o, struct compare_stats *out, char *err,
                        size_t errlen);

/* Failed runs on each side and Fisher's exact test: a regression when the
 * failure rate rose with p < 1 - confidence (no threshold: any significant
 * rise counts). */
struct compare_failures {
	unsigned failed_base, runs_base, failed_new, runs_new;
	double p; /* 1 when no run failed on either side */
	enum compare_verdict verdict;
};

/* The comparison of one strategy's completed runs. */
struct compare_strategy {
	enum strategy_kind strategy;
	unsigned runs_base, runs_new; /* runs of the strategy, completed or not */
	struct compare_stats metric;
	struct compare_stats phase[PHASE_COUNT];
	/* Explain the change; they do not decide the overall verdict.  n_base
	 * or n_new 0 when a side has no value (no ACK delay without ACKs). */
	struct compare_stats total, rounds, ack_delay;
	struct compare_failures failures;
};

struct compare_report {
	struct compare_metric metric;
	struct compare_opts opts;
	size_t n;
	struct compare_strategy strategy[STRATEGY_COUNT];
	/* regression if any strategy's metric or failure rate regressed, else
	 * improvement if any improved, else no significant change */
	enum compare_verdict verdict;
	bool paired;       /* runs paired by index (compare_pairable) */
	char pairing[128]; /* compare_pairable's reason */
};

/*
 * Compare the runs of `strategy` (or, when it is -1, of every strategy with
 * runs in both files) of two result files.  The labels name the files in
 * messages.  A side without completed runs (or without values of a metric)
 * leaves that metric's n_base or n_new 0 and its verdict no significant
 * change; the failure rate still decides.  Returns 0, or -1 with err: no
 * strategy in common, the strategy missing from a file, out of memory.
 */
int compare_results(const struct results *base, const struct results *new_, const char *base_label,
                    const char *new_label, const struct compare_metric *m, int strategy,
                    const struct compare_opts *o, struct compare_report *out, char *err,
                    size_t errlen);

#endif
