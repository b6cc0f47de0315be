/*
 * fit.c - maximum-likelihood fits of latency samples, AIC ranking,
 * Kolmogorov-Smirnov distance, and least-squares lines (see fit.h).
 */
#include "fit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

static const char *const family_names[FIT_FAMILY_COUNT] = {[FIT_FIXED] = "fixed",
                                                           [FIT_NORMAL] = "normal",
                                                           [FIT_LOGNORMAL] = "lognormal",
                                                           [FIT_GAMMA] = "gamma"};

const char *fit_family_name(enum fit_family f)
{
	return (unsigned)f < FIT_FAMILY_COUNT ? family_names[f] : "?";
}

static double cdf(const struct dist *d, double x)
{
	switch (d->kind) {
	case DIST_NORMAL:
		return gsl_cdf_gaussian_P(x - d->a, d->b);
	case DIST_LOGNORMAL:
		return x > 0 ? gsl_cdf_lognormal_P(x, log(d->a), d->b) : 0;
	case DIST_GAMMA: {
		if (!(x > 0))
			return 0;
		/* GSL's incomplete gamma gives up ("error in large x asymptotic")
		 * for the very large shapes that near-equal samples fit, and its
		 * default handler would abort the process: ask for the status,
		 * and there use the normal the gamma tends to (its skewness,
		 * 2/sqrt(shape), is then negligible). */
		gsl_sf_result r;
		gsl_error_handler_t *old = gsl_set_error_handler_off();
		int status = gsl_sf_gamma_inc_P_e(d->a, x / d->b, &r);
		gsl_set_error_handler(old);
		if (status == GSL_SUCCESS && isfinite(r.val))
			return r.val;
		return gsl_cdf_gaussian_P(x - d->a * d->b, sqrt(d->a) * d->b);
	}
	default:
		return 0;
	}
}

double fit_ks_distance(const double *x, size_t n, const struct dist *d)
{
	if (d->kind == DIST_FIXED) { /* one step: the samples on either side of it */
		size_t below = 0, above = 0;
		for (size_t i = 0; i < n; i++) {
			below += x[i] < d->a;
			above += x[i] > d->a;
		}
		return (double)(below > above ? below : above) / (double)n;
	}
	double dmax = 0;
	for (size_t i = 0; i < n; i++) {
		double f = cdf(d, x[i]);
		double lo = f - (double)i / (double)n, hi = (double)(i + 1) / (double)n - f;
		dmax = fmax(dmax, fmax(lo, hi));
	}
	return dmax;
}

double fit_ks_pvalue(double ks_d, size_t n)
{
	double sn = sqrt((double)n);
	double lambda = (sn + 0.12 + 0.11 / sn) * ks_d;
	if (lambda < 0.2) /* the series converges slowly there, and Q is 1 to 1e-9 */
		return 1;
	double q = 0, sign = 1;
	for (int j = 1; j <= 100; j++) {
		double term = sign * exp(-2.0 * j * j * lambda * lambda);
		q += term;
		if (fabs(term) < 1e-12)
			break;
		sign = -sign;
	}
	q *= 2;
	return q < 0 ? 0 : q > 1 ? 1 : q;
}

/* log(k) - digamma(k) - s: zero at gamma's ML shape. */
static double gamma_shape_eq(double k, void *s)
{
	return log(k) - gsl_sf_psi(k) - *(double *)s;
}

/* Gamma's ML shape for s = log(mean) - mean(log x) > 0.  As
 * 1/(2k) < log(k) - digamma(k) < 1/k for every k > 0, the root lies in
 * [1/(2s), 1/s]: a bracket with no search. */
static int gamma_shape(double s, double *k)
{
	gsl_function f = {gamma_shape_eq, &s};
	double lo = 0.5 / s * (1 - 1e-9), hi = 1 / s * (1 + 1e-9);
	/* Rounding can break the bracket where s is tiny (a near-constant
	 * sample, k in the millions): GSL's handler would abort, so check. */
	if (!(gamma_shape_eq(lo, &s) > 0 && gamma_shape_eq(hi, &s) < 0))
		return -EDOM;
	gsl_root_fsolver *r = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!r)
		return -ENOMEM;
	int status = gsl_root_fsolver_set(r, &f, lo, hi);
	for (int it = 0; status == GSL_SUCCESS && it < 200; it++) {
		status = gsl_root_fsolver_iterate(r);
		lo = gsl_root_fsolver_x_lower(r);
		hi = gsl_root_fsolver_x_upper(r);
		if (gsl_root_test_interval(lo, hi, 0, 1e-12) == GSL_SUCCESS)
			break;
	}
	*k = gsl_root_fsolver_root(r);
	gsl_root_fsolver_free(r);
	return status == GSL_SUCCESS ? 0 : -EDOM;
}

static void finish(struct fit_family_result *r, const double *x, size_t n)
{
	const int k = r->d.kind == DIST_FIXED ? 1 : 2;
	r->aic = 2.0 * k - 2.0 * r->loglik;
	r->ks_d = fit_ks_distance(x, n, &r->d);
	r->ks_p = fit_ks_pvalue(r->ks_d, n);
	r->ok = isfinite(r->loglik) || r->d.kind == DIST_FIXED;
}

int fit_samples(double *x, size_t n, struct fit_choice *out, char *err, size_t errlen)
{
	*out = (struct fit_choice){.n = n, .best = -1, .second = -1};
	if (n < FIT_MIN_SAMPLES) {
		snprintf(err, errlen, "%zu samples, need at least %d", n, FIT_MIN_SAMPLES);
		return -1;
	}
	gsl_sort(x, 1, n);
	out->median = gsl_stats_median_from_sorted_data(x, 1, n);
	double mean = gsl_stats_mean(x, 1, n);
	double sd = sqrt(gsl_stats_variance_with_fixed_mean(x, 1, n, mean)); /* ML: 1/n */
	if (sd == 0 || x[0] == x[n - 1]) {
		struct fit_family_result *r = &out->fam[FIT_FIXED];
		r->d = dist_fixed(x[0]);
		r->loglik = INFINITY;
		finish(r, x, n);
		out->best = FIT_FIXED;
		return 0;
	}
	/* Normal: mean and the 1/n standard deviation. */
	struct fit_family_result *r = &out->fam[FIT_NORMAL];
	r->d = (struct dist){.kind = DIST_NORMAL, .a = mean, .b = sd};
	r->loglik = -0.5 * (double)n * (log(2 * M_PI * sd * sd) + 1);
	finish(r, x, n);
	if (x[0] > 0) {
		double *lx = malloc(n * sizeof *lx);
		if (!lx) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			lx[i] = log(x[i]);
		double mu = gsl_stats_mean(lx, 1, n);
		double sigma = sqrt(gsl_stats_variance_with_fixed_mean(lx, 1, n, mu));
		double sum_lx = mu * (double)n;
		free(lx);
		/* Lognormal: the logs' mean and 1/n standard deviation; the
		 * density's 1/x adds -sum(log x) to the normal's likelihood. */
		r = &out->fam[FIT_LOGNORMAL];
		r->d = (struct dist){.kind = DIST_LOGNORMAL, .a = exp(mu), .b = sigma};
		r->loglik = sigma > 0
		                ? -0.5 * (double)n * (log(2 * M_PI * sigma * sigma) + 1) - sum_lx
		                : -INFINITY;
		finish(r, x, n);
		double s = log(mean) - mu, k;
		r = &out->fam[FIT_GAMMA];
		if (s > 0 && gamma_shape(s, &k) == 0) {
			double theta = mean / k;
			r->d = (struct dist){.kind = DIST_GAMMA, .a = k, .b = theta};
			r->loglik = (k - 1) * sum_lx - (double)n * mean / theta -
			            (double)n * (k * log(theta) + gsl_sf_lngamma(k));
			finish(r, x, n);
		}
	}
	for (int f = FIT_NORMAL; f < FIT_FAMILY_COUNT; f++) {
		if (!out->fam[f].ok)
			continue;
		if (out->best < 0 || out->fam[f].aic < out->fam[out->best].aic) {
			out->second = out->best;
			out->best = f;
		} else if (out->second < 0 || out->fam[f].aic < out->fam[out->second].aic) {
			out->second = f;
		}
	}
	out->empirical = out->fam[out->best].ks_p < FIT_KS_P_MIN;
	return 0;
}

int fit_choice_dist(const struct fit_choice *c, const double *x_sorted, struct dist *out)
{
	if (!c->empirical)
		return dist_copy(out, &c->fam[c->best].d);
	*out = (struct dist){.kind = DIST_EMPIRICAL, .n_samples = c->n};
	out->samples = malloc(c->n * sizeof *out->samples);
	if (!out->samples)
		return -ENOMEM;
	memcpy(out->samples, x_sorted, c->n * sizeof *out->samples);
	return 0;
}

void fit_choice_describe(const struct fit_choice *c, char *buf, size_t len)
{
	const struct fit_family_result *b = &c->fam[c->best];
	if (c->best == FIT_FIXED) {
		snprintf(buf, len, "fixed: all %zu samples equal", c->n);
		return;
	}
	char next[64] = "";
	if (c->second >= 0)
		snprintf(next, sizeof next, " (next: %s %.1f)", fit_family_name(c->second),
		         c->fam[c->second].aic);
	if (c->empirical)
		snprintf(buf, len,
		         "empirical: no family fits (best %s by ML, AIC %.1f%s, KS %.3f, p %.2g < "
		         "%.2g)",
		         fit_family_name(c->best), b->aic, next, b->ks_d, b->ks_p, FIT_KS_P_MIN);
	else
		snprintf(buf, len, "%s by ML, AIC %.1f%s, KS %.3f (p %.2g)",
		         fit_family_name(c->best), b->aic, next, b->ks_d, b->ks_p);
}

int fit_robust(const gsl_matrix *X, const gsl_vector *y, gsl_vector *c, gsl_matrix *cov,
               double *sigma)
{
	gsl_multifit_robust_workspace *w =
	    gsl_multifit_robust_alloc(gsl_multifit_robust_bisquare, X->size1, X->size2);
	if (!w)
		return -1;
	/* GSL_EMAXITER still leaves the last weights' fit, which is what a
	 * sample with many ties at a few sizes converges to; only a singular
	 * system fails. */
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	int status = gsl_multifit_robust(X, y, c, cov, w);
	gsl_set_error_handler(old);
	if (sigma)
		*sigma = gsl_multifit_robust_statistics(w).sigma;
	gsl_multifit_robust_free(w);
	return status && status != GSL_EMAXITER ? -1 : 0;
}

int fit_line(const double *x, const double *y, size_t n, struct fit_line *out)
{
	if (n < 3 || gsl_stats_variance(x, 1, n) == 0)
		return -1;
	gsl_matrix *X = gsl_matrix_alloc(n, 2), *cov = gsl_matrix_alloc(2, 2);
	gsl_vector *Y = gsl_vector_alloc(n), *c = gsl_vector_alloc(2);
	int rc = -1;
	if (X && cov && Y && c) {
		for (size_t i = 0; i < n; i++) {
			gsl_matrix_set(X, i, 0, 1);
			gsl_matrix_set(X, i, 1, x[i]);
			gsl_vector_set(Y, i, y[i]);
		}
		rc = fit_robust(X, Y, c, cov, &out->rms);
	}
	if (rc == 0) {
		out->c0 = gsl_vector_get(c, 0);
		out->c1 = gsl_vector_get(c, 1);
		out->se0 = sqrt(gsl_matrix_get(cov, 0, 0));
		out->se1 = sqrt(gsl_matrix_get(cov, 1, 1));
	}
	gsl_matrix_free(X);
	gsl_matrix_free(cov);
	gsl_vector_free(Y);
	gsl_vector_free(c);
	return rc;
}
