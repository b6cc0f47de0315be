/*
 * fit.h - fitting measured samples to the model's distributions and lines
 * (GSL), for `switchover calibrate traces` (results/calib.h).
 *
 * A sample of latencies is fitted to each family the scenario syntax has a
 * parametric form for (fixed, normal, lognormal, gamma) by maximum
 * likelihood, the families are ranked by AIC, and the winner's
 * Kolmogorov-Smirnov distance to the sample is measured.  A cost that grows
 * with a size is fitted to `fixed + bytes / rate` by least squares.
 */
#ifndef SWITCHOVER_FIT_H
#define SWITCHOVER_FIT_H

#include <stdbool.h>
#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "dist.h"

enum fit_family { FIT_FIXED = 0, FIT_NORMAL, FIT_LOGNORMAL, FIT_GAMMA, FIT_FAMILY_COUNT };

/* "lognormal" */
const char *fit_family_name(enum fit_family f);

/* One family's maximum-likelihood fit. */
struct fit_family_result {
	bool ok;       /* the family can describe the sample (lognormal, gamma: all > 0) */
	struct dist d; /* the fitted distribution (DIST_FIXED, _NORMAL, _LOGNORMAL, _GAMMA) */
	double loglik; /* log-likelihood at the fit (+inf for fixed on equal samples) */
	double aic;    /* 2k - 2 loglik */
	double ks_d;   /* Kolmogorov-Smirnov distance of the fit to the sample */
	double ks_p;   /* its asymptotic p-value (conservative: parameters were fitted) */
};

/* Below this KS p-value the best family is rejected and the sample itself
 * (empirical) is the distribution.  The p-value of a fit to the same
 * sample is too large (Lilliefors), so this rejects only clear misfits:
 * a family that is wrong by more than the sample can hide. */
#define FIT_KS_P_MIN 0.01
/* Fewer samples than this are not fitted: below it AIC cannot tell the
 * two-parameter families apart and the KS p-value means nothing. */
#define FIT_MIN_SAMPLES 8

struct fit_choice {
	size_t n;                                       /* samples */
	struct fit_family_result fam[FIT_FAMILY_COUNT]; /* every family's fit */
	int best, second;                               /* by AIC; second -1 when none */
	bool empirical;                                 /* no family passed the KS test */
	double median;                                  /* of the sample */
};

/*
 * Fit the n samples x (seconds, any order; x is sorted in place) to every
 * family.  Fixed fits only a sample whose values are all equal (its
 * likelihood is infinite there and zero elsewhere); normal, lognormal and
 * gamma have the closed-form ML estimates where they exist, gamma's shape
 * solves log(k) - digamma(k) = log(mean) - mean(log x) (GSL Brent root
 * finder).  Returns 0, or -1 with a message when n < FIT_MIN_SAMPLES.
 */
int fit_samples(double *x, size_t n, struct fit_choice *out, char *err, size_t errlen);

/* The distribution the choice stands for: the best family, or the sample
 * (DIST_EMPIRICAL, a copy of x sorted) when out->empirical.  0 or -ENOMEM;
 * dist_free() it. */
int fit_choice_dist(const struct fit_choice *c, const double *x_sorted, struct dist *out);

/* "lognormal by ML, AIC -312.4 (next: gamma -310.9), KS 0.041 (p 0.93)" */
void fit_choice_describe(const struct fit_choice *c, char *buf, size_t len);

/* Kolmogorov-Smirnov distance of the sorted sample x to distribution d. */
double fit_ks_distance(const double *x_sorted, size_t n, const struct dist *d);
/* Asymptotic p-value of distance ks_d from n samples (Stephens' correction
 * of the Kolmogorov distribution). */
double fit_ks_pvalue(double ks_d, size_t n);

/* A line y = c0 + c1 x over n points by robust least squares (GSL's
 * bisquare-weighted iteration), with the standard errors of both
 * coefficients.  Robust because measured costs have one-sided outliers: a
 * real thread that a loaded machine did not run for milliseconds.
 * Returns 0, or -1 when the x do not vary (c1 cannot be separated from
 * c0), n < 3, or out of memory. */
struct fit_line {
	double c0, c1;
	double se0, se1;
	double rms; /* robust estimate of the residuals' standard deviation */
};
int fit_line(const double *x, const double *y, size_t n, struct fit_line *out);

/* The same for any design: robust least squares of y on the columns of X
 * into c, its covariance cov and the residuals' robust standard deviation
 * *sigma (may be NULL).  0, or -1 when the system is singular or out of
 * memory. */
int fit_robust(const gsl_matrix *X, const gsl_vector *y, gsl_vector *c, gsl_matrix *cov,
               double *sigma);

#endif
