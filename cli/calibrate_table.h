/*
 * calibrate_table.h - `switchover calibrate table`: fit free scenario keys
 * to a table of observations by running the simulation (docs/calibration.md,
 * "From a table").
 *
 *   calibrate_table.c    the command: options, the observations file, the report
 *   calibrate_fit.c      the fit: objective, minimiser, curvature, leave-one-out
 *   calibrate_profile.c  the fitted device profile (YAML with provenance)
 *   calibrate_report.c   the straight-line baseline; the report as JSON (--report)
 */
#ifndef SWITCHOVER_CALIBRATE_TABLE_H
#define SWITCHOVER_CALIBRATE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "summary.h"

/* The entry point: argv[0] is "table". */
int calibrate_table_main(int argc, char **argv);
void calibrate_table_help(FILE *out);

/* What a free key's values are, from the form of its bounds. */
enum calt_kind { CALT_DURATION, CALT_RATE, CALT_BYTES, CALT_NUMBER };

/* --free KEY=LOW..HIGH */
struct calt_free {
	char *key; /* scenario key path, as --set takes it */
	enum calt_kind kind;
	double lo, hi; /* in seconds, bytes/s, bytes or plain */
};

/* What a row compares: a downtime statistic over the runs, or the median
 * of one phase. */
enum calt_stat { CALT_MEDIAN, CALT_MEAN, CALT_PERCENTILE, CALT_PHASE };

/* One observation (a data row of the CSV). */
struct calt_row {
	unsigned line;       /* in the CSV */
	char *scenario;      /* path, resolved against the CSV's folder */
	char *scenario_text; /* as the CSV writes it */
	char *note;          /* the note column; NULL when empty or absent */
	size_t devices;      /* device instances of the scenario with the row's sets */
	char **sets;         /* the row's --set overrides */
	size_t n_sets;
	int strategy; /* enum strategy_kind */
	enum calt_stat stat;
	double percentile; /* CALT_PERCENTILE: 0..1 */
	enum phase phase;  /* CALT_PHASE */
	char *stat_text;   /* as written */
	double observed_s;
	double sigma_s; /* uncertainty; 1% of observed when the row gives none */
};

struct calt_problem {
	struct calt_row *rows;
	size_t n_rows;
	struct calt_free *free;
	size_t n_free;
	unsigned runs;
	unsigned long long seed;
	unsigned max_iter; /* minimiser iterations per fit */
	bool progress;     /* a progress line on stderr */
};

/* The outcome of calt_fit(). */
struct calt_result {
	double *x;             /* fitted values [n_free] */
	double *ci_lo, *ci_hi; /* 95% intervals; the bounds when undetermined */
	bool *determined;      /* false: the value lies on a flat direction */
	double *pred_s;        /* each row's prediction at the fit [n_rows] */
	double *loo_pred_s;    /* leave-one-out prediction [n_rows]; NaN if n_rows < 2 */
	double chi2;           /* sum of ((pred - obs) / sigma)^2 at the fit */
	unsigned evals;        /* objective evaluations in total */
	unsigned fit_evals;    /* ... of the fit to every row */
	/* eigen-decomposition of the curvature (Hessian of chi2 in log values) */
	double *eigval; /* [n_free], ascending */
	double *eigvec; /* [n_free * n_free], column k is eigenvector k */
	bool *flat;     /* [n_free] eigen-direction k cannot be pinned down */
};

/*
 * Fit the free keys of `pb` to its rows, then compute the curvature, the
 * intervals, the flat directions and each row's leave-one-out prediction.
 * Returns 0, or -1 with err naming the row (file:line) or the key that the
 * simulation refused.
 */
int calt_fit(const struct calt_problem *pb, struct calt_result *out, char *err, size_t errlen);
void calt_result_free(struct calt_result *r);

/* The naive baseline the fit is judged against: a least-squares straight
 * line observed = a + b * devices through the rows (unweighted; a constant,
 * the mean, when the rows have one device count). */
struct calt_baseline {
	double a_s, b_s;    /* intercept, and slope per device */
	double *pred_s;     /* the line at each row [n_rows] */
	double *loo_pred_s; /* the line through the other rows [n_rows]; NaN if n_rows < 2 */
};
void calt_baseline_fit(const struct calt_problem *pb, struct calt_baseline *out);
void calt_baseline_free(struct calt_baseline *b);

/*
 * Write the report as JSON to `path` (through a temporary renamed when
 * complete): the fitted values with intervals, the eigen-directions, and
 * every row with its residual and leave-one-out prediction next to the
 * baseline's (docs/calibration.md, "The report file").  Returns 0 or -1 with
 * a message in err.
 */
int calt_write_report(const char *path, const char *csv, const char *command,
                      const struct calt_problem *pb, const struct calt_result *r,
                      const struct calt_baseline *b, char *err, size_t errlen);

/* A value of a free key as a scenario would write it ("1.25GiB/s"). */
void calt_format_value(enum calt_kind kind, double v, char *buf, size_t len);

/*
 * Write the fitted device profile to `path` (through a temporary renamed
 * when complete): the base profile `base`, with every free key under
 * `devices.` replaced by its fitted value and `source: fitted` provenance.
 * `csv` and `command` go into the provenance and header.  Returns 0 or -1
 * with a message in err.
 */
int calt_write_profile(const char *path, const char *base, const char *name, const char *csv,
                       const char *command, const struct calt_problem *pb,
                       const struct calt_result *r, char *err, size_t errlen);

#endif
