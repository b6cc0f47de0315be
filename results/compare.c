/*
 * compare.c - regression verdicts over two samples (compare.h): medians,
 * bootstrap interval of the difference of medians, Mann-Whitney U (GSL for
 * sorting, medians, quantiles, the normal tail and the generator).
 */
#include "compare.h"

#include <errno.h>
#include <glib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

const struct compare_opts compare_defaults = {
    .threshold = 0.05, .confidence = 0.95, .resamples = 10000, .seed = 1};

/* Exact U distribution up to this many pairs: the counts stay far below
 * 2^53 (at most C(40, 20) ~ 1.4e11), so doubles hold them exactly. */
#define EXACT_MAX_PAIRS 400

static const char *const verdict_words[] = {[COMPARE_SAME] = "no significant change",
                                            [COMPARE_REGRESSION] = "regression",
                                            [COMPARE_IMPROVEMENT] = "improvement"};
static const struct names verdict_names = NAMES(verdict_words);

const char *compare_verdict_name(enum compare_verdict v)
{
	return names_name(&verdict_names, v);
}

/*
 * P(U >= u) for U of a sample of n1 against n2 with no ties: the number of
 * orderings with U = k obeys c(i, j, k) = c(i-1, j, k-j) + c(i, j-1, k)
 * (the largest value is either from the first sample, beating all j of the
 * second, or not).  -1 when memory runs out.
 */
static double exact_upper_tail(size_t n1, size_t n2, double u)
{
	size_t umax = n1 * n2;
	/* c[j][k] for the current i, rolled over i. */
	double *prev = calloc((n2 + 1) * (umax + 1), sizeof *prev);
	double *cur = calloc((n2 + 1) * (umax + 1), sizeof *cur);
	if (!prev || !cur) {
		free(prev);
		free(cur);
		return -1;
	}
#define C(a, j, k) (a)[(j) * (umax + 1) + (k)]
	for (size_t j = 0; j <= n2; j++)
		C(prev, j, 0) = 1; /* i = 0: one ordering, U = 0 */
	for (size_t i = 1; i <= n1; i++) {
		memset(cur, 0, (n2 + 1) * (umax + 1) * sizeof *cur);
		C(cur, 0, 0) = 1;
		for (size_t j = 1; j <= n2; j++)
			for (size_t k = 0; k <= i * j; k++)
				C(cur, j, k) = (k >= j ? C(prev, j, k - j) : 0) + C(cur, j - 1, k);
		double *t = prev;
		prev = cur;
		cur = t;
	}
	double total = 0, tail = 0;
	for (size_t k = 0; k <= umax; k++) {
		total += C(prev, n2, k);
		if ((double)k >= u - 1e-9)
			tail += C(prev, n2, k);
	}
#undef C
	free(prev);
	free(cur);
	return tail / total;
}

double compare_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u,
                            bool *exact)
{
	*u = NAN;
	*exact = false;
	size_t n = na + nb;
	if (!na || !nb)
		return NAN;
	double *x = malloc(n * sizeof *x), *rank = malloc(n * sizeof *rank);
	size_t *order = malloc(n * sizeof *order);
	if (!x || !rank || !order) {
		free(x);
		free(rank);
		free(order);
		return NAN;
	}
	memcpy(x, a, na * sizeof *x);
	memcpy(x + na, b, nb * sizeof *x);
	gsl_sort_index(order, x, 1, n);
	/* Mid-ranks for ties; the tie term sum(t^3 - t) corrects the variance. */
	double ties = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && x[order[j + 1]] == x[order[i]])
			j++;
		double t = (double)(j - i + 1);
		for (size_t k = i; k <= j; k++)
			rank[order[k]] = (double)(i + j) / 2 + 1;
		ties += t * t * t - t;
		i = j + 1;
	}
	double ra = 0;
	for (size_t i = 0; i < na; i++)
		ra += rank[i];
	free(x);
	free(rank);
	free(order);
	double n1 = (double)na, n2 = (double)nb;
	*u = ra - n1 * (n1 + 1) / 2;
	/* Both tails are symmetric about n1 n2 / 2: measure from the far side. */
	double umax = fmax(*u, n1 * n2 - *u);
	double p;
	if (ties == 0 && na * nb <= EXACT_MAX_PAIRS) {
		double tail = exact_upper_tail(na, nb, umax);
		if (tail < 0)
			return NAN;
		*exact = true;
		p = 2 * tail;
	} else {
		double sd =
		    sqrt(n1 * n2 / 12 * ((n1 + n2 + 1) - ties / ((n1 + n2) * (n1 + n2 - 1))));
		if (sd == 0)
			return 1; /* every value equal: no evidence of a difference */
		p = 2 * gsl_cdf_ugaussian_Q((umax - n1 * n2 / 2 - 0.5) / sd);
	}
	return p > 1 ? 1 : p;
}

static double median_of(const double *x, size_t n, double *scratch)
{
	memcpy(scratch, x, n * sizeof *scratch);
	return gsl_stats_median(scratch, 1, n);
}

int compare_samples(const double *base, size_t n_base, const double *new_, size_t n_new,
                    const struct compare_opts *o, struct compare_stats *out, char *err,
                    size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!n_base || !n_new) {
		snprintf(err, errlen, "no sample to compare (%zu base, %zu new values)", n_base,
		         n_new);
		return -1;
	}
	unsigned b_count = o->resamples ? o->resamples : 1;
	double *scratch = malloc((n_base > n_new ? n_base : n_new) * sizeof *scratch);
	double *rb = malloc(n_base * sizeof *rb), *rn = malloc(n_new * sizeof *rn);
	double *diffs = malloc(b_count * sizeof *diffs);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int rc = -1;
	if (!scratch || !rb || !rn || !diffs || !rng) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	out->n_base = n_base;
	out->n_new = n_new;
	out->base_median = median_of(base, n_base, scratch);
	out->new_median = median_of(new_, n_new, scratch);
	out->diff = out->new_median - out->base_median;
	out->rel = out->base_median != 0 ? out->diff / fabs(out->base_median)
	           : out->diff > 0       ? INFINITY
	           : out->diff < 0       ? -INFINITY
	                                 : 0;

	/* Percentile bootstrap: resample each side with replacement. */
	gsl_rng_set(rng, (unsigned long)o->seed);
	for (unsigned k = 0; k < b_count; k++) {
		for (size_t i = 0; i < n_base; i++)
			rb[i] = base[gsl_rng_uniform_int(rng, n_base)];
		for (size_t i = 0; i < n_new; i++)
			rn[i] = new_[gsl_rng_uniform_int(rng, n_new)];
		diffs[k] = gsl_stats_median(rn, 1, n_new) - gsl_stats_median(rb, 1, n_base);
	}
	gsl_sort(diffs, 1, b_count);
	double alpha = 1 - o->confidence;
	out->ci_lo = gsl_stats_quantile_from_sorted_data(diffs, 1, b_count, alpha / 2);
	out->ci_hi = gsl_stats_quantile_from_sorted_data(diffs, 1, b_count, 1 - alpha / 2);

	out->p = compare_mann_whitney(new_, n_new, base, n_base, &out->u, &out->p_exact);
	if (isnan(out->p)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (out->rel > o->threshold && out->ci_lo > 0 && out->p < alpha)
		out->verdict = COMPARE_REGRESSION;
	else if (out->rel < -o->threshold && out->ci_hi < 0 && out->p < alpha)
		out->verdict = COMPARE_IMPROVEMENT;
	rc = 0;
out:
	if (rng)
		gsl_rng_free(rng);
	free(scratch);
	free(rb);
	free(rn);
	free(diffs);
	return rc;
}

int compare_metric_parse(const char *text, struct compare_metric *m)
{
	if (!strcmp(text, "downtime")) {
		*m = (struct compare_metric){COMPARE_DOWNTIME, 0};
		return 0;
	}
	if (!strcmp(text, "total")) {
		*m = (struct compare_metric){COMPARE_TOTAL, 0};
		return 0;
	}
	if (!strncmp(text, "phase:", 6))
		for (int p = 0; p < PHASE_COUNT; p++)
			if (!strcmp(text + 6, phase_name((enum phase)p))) {
				*m = (struct compare_metric){COMPARE_PHASE, (enum phase)p};
				return 0;
			}
	return -1;
}

void compare_metric_name(const struct compare_metric *m, char *buf, size_t len)
{
	if (m->kind == COMPARE_PHASE)
		snprintf(buf, len, "phase:%s", phase_name(m->phase));
	else
		snprintf(buf, len, "%s", m->kind == COMPARE_TOTAL ? "total" : "downtime");
}

double compare_metric_value(const struct compare_metric *m, const struct run_summary *s)
{
	switch (m->kind) {
	case COMPARE_TOTAL:
		return s->total_s;
	case COMPARE_PHASE:
		return s->phase_s[m->phase];
	default:
		return s->downtime_s;
	}
}

/* The metric of the completed runs of `st`; counts every run of it. */
static size_t collect(const struct results *r, enum strategy_kind st,
                      const struct compare_metric *m, double *out, unsigned *runs)
{
	size_t n = 0;
	*runs = 0;
	for (size_t i = 0; i < r->n_runs; i++) {
		if (r->runs[i].strategy != st)
			continue;
		(*runs)++;
		if (r->runs[i].sum.status == 0)
			out[n++] = compare_metric_value(m, &r->runs[i].sum);
	}
	return n;
}

static bool has_strategy(const struct results *r, enum strategy_kind st)
{
	for (size_t i = 0; i < r->n_runs; i++)
		if (r->runs[i].strategy == st)
			return true;
	return false;
}

static void list_strategies(const struct results *r, char *buf, size_t len)
{
	GString *s = g_string_new(NULL);
	for (int st = 0; st < STRATEGY_COUNT; st++)
		if (has_strategy(r, (enum strategy_kind)st))
			g_string_append_printf(s, "%s%s", s->len ? ", " : "",
			                       strategy_name((enum strategy_kind)st));
	g_strlcpy(buf, s->len ? s->str : "no runs", len);
	g_string_free(s, TRUE);
}

/* The metric and every phase of one strategy. */
static int compare_one(const struct results *base, const struct results *new_,
                       const char *base_label, const char *new_label, enum strategy_kind st,
                       const struct compare_metric *m, const struct compare_opts *o,
                       struct compare_strategy *out, char *err, size_t errlen)
{
	double *xb = malloc((base->n_runs + 1) * sizeof *xb);
	double *xn = malloc((new_->n_runs + 1) * sizeof *xn);
	int rc = -1;
	out->strategy = st;
	if (!xb || !xn) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (int p = -1; p < PHASE_COUNT; p++) {
		struct compare_metric pm = {COMPARE_PHASE, (enum phase)(p < 0 ? 0 : p)};
		const struct compare_metric *mm = p < 0 ? m : &pm;
		size_t nb = collect(base, st, mm, xb, &out->runs_base);
		size_t nn = collect(new_, st, mm, xn, &out->runs_new);
		if (!nb || !nn) {
			snprintf(err, errlen, "%s: no completed run of %s (%u run%s, all failed)",
			         nb ? new_label : base_label, strategy_name(st),
			         nb ? out->runs_new : out->runs_base,
			         (nb ? out->runs_new : out->runs_base) == 1 ? "" : "s");
			goto out;
		}
		if (compare_samples(xb, nb, xn, nn, o, p < 0 ? &out->metric : &out->phase[p], err,
		                    errlen))
			goto out;
	}
	rc = 0;
out:
	free(xb);
	free(xn);
	return rc;
}

int compare_results(const struct results *base, const struct results *new_, const char *base_label,
                    const char *new_label, const struct compare_metric *m, int strategy,
                    const struct compare_opts *o, struct compare_report *out, char *err,
                    size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->metric = *m;
	out->opts = *o;
	char have[96];
	for (int st = 0; st < STRATEGY_COUNT; st++) {
		enum strategy_kind k = (enum strategy_kind)st;
		if (strategy >= 0 && st != strategy)
			continue;
		bool in_base = has_strategy(base, k), in_new = has_strategy(new_, k);
		if (strategy >= 0 && (!in_base || !in_new)) {
			const struct results *r = in_base ? new_ : base;
			list_strategies(r, have, sizeof have);
			snprintf(err, errlen, "%s: no runs of strategy %s (it has %s)",
			         in_base ? new_label : base_label, strategy_name(k), have);
			return -1;
		}
		if (!in_base || !in_new)
			continue;
		if (compare_one(base, new_, base_label, new_label, k, m, o, &out->strategy[out->n],
		                err, errlen))
			return -1;
		enum compare_verdict v = out->strategy[out->n++].metric.verdict;
		if (v == COMPARE_REGRESSION ||
		    (v == COMPARE_IMPROVEMENT && out->verdict == COMPARE_SAME))
			out->verdict = v;
	}
	if (!out->n) {
		char have_new[96];
		list_strategies(base, have, sizeof have);
		list_strategies(new_, have_new, sizeof have_new);
		snprintf(err, errlen, "no strategy in common: %s has %s, %s has %s", base_label,
		         have, new_label, have_new);
		return -1;
	}
	return 0;
}
