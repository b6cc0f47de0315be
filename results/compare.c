/*
 * compare.c - regression verdicts over two samples (compare.h): medians,
 * bootstrap intervals, Mann-Whitney U, Wilcoxon signed-rank, Fisher's exact
 * test (GSL for sorting, medians, quantiles, the normal tail, the
 * hypergeometric and beta distributions and the generator).
 */
#include "compare.h"

#include <errno.h>
#include <glib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
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
/* Exact signed-rank distribution up to this many differences (scipy's
 * limit): 2^50 subsets, still exact in doubles. */
#define WILCOXON_EXACT_MAX 50
/* with ties or zeros: an exact sign-flip enumeration up to 2^20 patterns */
#define WILCOXON_EXACT_TIED_MAX 20

static const char *const verdict_words[] = {[COMPARE_SAME] = "no significant change",
                                            [COMPARE_REGRESSION] = "regression",
                                            [COMPARE_IMPROVEMENT] = "improvement"};
static const struct names verdict_names = NAMES(verdict_words);

const char *compare_verdict_name(enum compare_verdict v)
{
	return names_name(&verdict_names, v);
}

static const char *const design_words[] = {[COMPARE_UNPAIRED] = "unpaired",
                                           [COMPARE_PAIRED] = "paired",
                                           [COMPARE_DETERMINISTIC] = "deterministic"};
static const struct names design_names = NAMES(design_words);

const char *compare_design_name(enum compare_design d)
{
	return names_name(&design_names, d);
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

/*
 * The median of a bootstrap resample (n draws with replacement) of sorted
 * x, drawn directly: the k-th smallest of n uniform draws is Beta(k,
 * n + 1 - k), index floor(n U) is monotone in U, so the resample's k-th
 * smallest value is x[floor(n U_(k))]; for even n the next order statistic
 * is U_(k) + (1 - U_(k)) Beta(1, n - k) (the least of the n - k draws above
 * it).  The same distribution as resampling n values and taking their
 * median, in O(1) instead of O(n) (docs/performance.md).
 */
static double resample_median(const double *x, size_t n, gsl_rng *rng)
{
	size_t k = (n + 1) / 2;
	double uk = gsl_ran_beta(rng, (double)k, (double)(n + 1 - k));
	size_t i = (size_t)(uk * (double)n);
	i = i < n ? i : n - 1;
	if (n % 2)
		return x[i];
	double uk1 = uk + (1 - uk) * gsl_ran_beta(rng, 1, (double)(n - k));
	size_t j = (size_t)(uk1 * (double)n);
	j = j < n ? j : n - 1;
	return (x[i] + x[j]) / 2;
}

/* Values beyond Q3 + 3 IQR or below Q1 - 3 IQR of sorted x (none when the
 * IQR is 0: a step between two exact values is no outlier). */
static size_t outliers(const double *sorted, size_t n)
{
	double q1 = gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.25);
	double q3 = gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.75);
	double iqr = q3 - q1;
	size_t k = 0;
	for (size_t i = 0; iqr > 0 && i < n; i++)
		k += sorted[i] > q3 + 3 * iqr || sorted[i] < q1 - 3 * iqr;
	return k;
}

static double relative(double diff, double base)
{
	return base != 0 ? diff / fabs(base) : diff > 0 ? INFINITY : diff < 0 ? -INFINITY : 0;
}

void compare_decide(struct compare_stats *st, const struct compare_opts *o)
{
	double alpha = 1 - o->confidence;
	bool det = st->design == COMPARE_DETERMINISTIC, up = st->rel > 0;
	st->verdict = COMPARE_SAME;
	st->why = COMPARE_WHY_CHANGED;
	if (!st->n_base || !st->n_new || isnan(st->rel) || isnan(st->diff))
		st->why = COMPARE_WHY_UNDEFINED;
	else if (st->rel == 0 || !(fabs(st->rel) > o->threshold))
		st->why = COMPARE_WHY_THRESHOLD;
	else if (!det && compare_min_p(st->design, st->n_base, st->n_new) >= alpha)
		st->why = COMPARE_WHY_TOO_FEW;
	else if (!det && !(st->ci_lo <= st->ci_hi && (up ? st->ci_lo > 0 : st->ci_hi < 0)))
		st->why = COMPARE_WHY_INTERVAL;
	else if (!det && !(st->p < alpha))
		st->why = COMPARE_WHY_P;
	else
		st->verdict = up ? COMPARE_REGRESSION : COMPARE_IMPROVEMENT;
}

/* Sorted copies of both sides. */
struct sides {
	double *b, *n; /* sorted */
	size_t nb, nn;
};

static bool no_spread(const double *sorted, size_t n)
{
	return sorted[0] == sorted[n - 1];
}

/* The percentile interval of the sorted bootstrap replicates. */
static void interval(double *reps, unsigned count, double confidence, struct compare_stats *out)
{
	gsl_sort(reps, 1, count);
	double alpha = 1 - confidence;
	out->ci_lo = gsl_stats_quantile_from_sorted_data(reps, 1, count, alpha / 2);
	out->ci_hi = gsl_stats_quantile_from_sorted_data(reps, 1, count, 1 - alpha / 2);
}

/* Medians, outliers and the deterministic case, common to both designs;
 * true when the comparison is deterministic (then complete): at least two
 * runs on each side (one run shows no spread but proves none) and no
 * spread on either. */
static bool describe_sides(const struct sides *s, const struct compare_opts *o,
                           struct compare_stats *out)
{
	out->base_median = gsl_stats_median_from_sorted_data(s->b, 1, s->nb);
	out->new_median = gsl_stats_median_from_sorted_data(s->n, 1, s->nn);
	out->outliers_base = outliers(s->b, s->nb);
	out->outliers_new = outliers(s->n, s->nn);
	if (s->nb < 2 || s->nn < 2 || !no_spread(s->b, s->nb) || !no_spread(s->n, s->nn))
		return false;
	out->design = COMPARE_DETERMINISTIC;
	out->diff = out->new_median - out->base_median;
	out->rel = relative(out->diff, out->base_median);
	out->ci_lo = out->ci_hi = out->diff;
	out->p = out->u = out->w = NAN;
	compare_decide(out, o);
	return true;
}

static bool has_nan(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(x[i]))
			return true;
	return false;
}

static gsl_rng *seeded(const struct compare_opts *o)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (rng)
		gsl_rng_set(rng, (unsigned long)o->seed);
	return rng;
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
	if (has_nan(base, n_base) || has_nan(new_, n_new)) {
		snprintf(err, errlen, "a value to compare is not a number (NaN)");
		return -1;
	}
	unsigned b_count = o->resamples ? o->resamples : 1;
	struct sides s = {malloc(n_base * sizeof *s.b), malloc(n_new * sizeof *s.n), n_base, n_new};
	double *reps = malloc(b_count * sizeof *reps);
	gsl_rng *rng = seeded(o);
	int rc = -1;
	if (!s.b || !s.n || !reps || !rng) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(s.b, base, n_base * sizeof *s.b);
	memcpy(s.n, new_, n_new * sizeof *s.n);
	gsl_sort(s.b, 1, n_base);
	gsl_sort(s.n, 1, n_new);
	out->n_base = n_base;
	out->n_new = n_new;
	out->design = COMPARE_UNPAIRED;
	if (describe_sides(&s, o, out)) {
		rc = 0;
		goto out;
	}
	out->diff = out->new_median - out->base_median;
	out->rel = relative(out->diff, out->base_median);
	out->w = NAN;

	/* Percentile bootstrap: resample each side with replacement. */
	for (unsigned k = 0; k < b_count; k++) {
		double mb = resample_median(s.b, n_base, rng);
		reps[k] = resample_median(s.n, n_new, rng) - mb;
	}
	interval(reps, b_count, o->confidence, out);

	out->p = compare_mann_whitney(new_, n_new, base, n_base, &out->u, &out->p_exact);
	if (isnan(out->p)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	compare_decide(out, o);
	rc = 0;
out:
	if (rng)
		gsl_rng_free(rng);
	free(s.b);
	free(s.n);
	free(reps);
	return rc;
}

int compare_paired(const double *base, const double *new_, size_t n, const struct compare_opts *o,
                   struct compare_stats *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!n) {
		snprintf(err, errlen, "no pair of runs to compare");
		return -1;
	}
	if (has_nan(base, n) || has_nan(new_, n)) {
		snprintf(err, errlen, "a value to compare is not a number (NaN)");
		return -1;
	}
	unsigned b_count = o->resamples ? o->resamples : 1;
	struct sides s = {malloc(n * sizeof *s.b), malloc(n * sizeof *s.n), n, n};
	double *d = malloc(n * sizeof *d), *reps = malloc(b_count * sizeof *reps);
	gsl_rng *rng = seeded(o);
	int rc = -1;
	if (!s.b || !s.n || !d || !reps || !rng) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(s.b, base, n * sizeof *s.b);
	memcpy(s.n, new_, n * sizeof *s.n);
	gsl_sort(s.b, 1, n);
	gsl_sort(s.n, 1, n);
	out->n_base = out->n_new = n;
	out->design = COMPARE_PAIRED;
	if (describe_sides(&s, o, out)) {
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		d[i] = new_[i] - base[i];
		out->n_zero += d[i] == 0;
	}
	out->u = NAN;
	out->p = compare_wilcoxon(d, n, &out->w, &out->p_exact);
	if (isnan(out->p)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	gsl_sort(d, 1, n);
	out->diff = gsl_stats_median_from_sorted_data(d, 1, n);
	out->rel = relative(out->diff, out->base_median);
	/* Percentile bootstrap of the median difference: resample pairs. */
	for (unsigned k = 0; k < b_count; k++)
		reps[k] = resample_median(d, n, rng);
	interval(reps, b_count, o->confidence, out);
	compare_decide(out, o);
	rc = 0;
out:
	if (rng)
		gsl_rng_free(rng);
	free(s.b);
	free(s.n);
	free(d);
	free(reps);
	return rc;
}

/* P(T+ <= t) for n differences without ties: the number of subsets of the
 * ranks 1..n with sum k obeys c(i, k) = c(i-1, k) + c(i-1, k-i).  -1 when
 * memory runs out. */
static double signed_rank_cdf(size_t n, double t)
{
	size_t max = n * (n + 1) / 2;
	double *c = calloc(max + 1, sizeof *c);
	if (!c)
		return -1;
	c[0] = 1;
	for (size_t i = 1; i <= n; i++)
		for (size_t k = i * (i + 1) / 2; k >= i; k--)
			c[k] += c[k - i];
	double le = 0, total = 0;
	for (size_t k = 0; k <= max; k++) {
		total += c[k];
		if ((double)k <= t + 1e-9)
			le += c[k];
	}
	free(c);
	return le / total;
}

double compare_wilcoxon(const double *d, size_t n, double *w, bool *exact)
{
	*w = NAN;
	*exact = false;
	if (!n)
		return NAN;
	double *a = malloc(n * sizeof *a), *mag = calloc(n, sizeof *mag);
	double *rk = malloc(n * sizeof *rk);
	size_t *order = malloc(n * sizeof *order);
	if (!a || !mag || !order || !rk) {
		free(a);
		free(mag);
		free(order);
		free(rk);
		return NAN;
	}
	/* Zero differences say nothing about the direction: drop them. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (d[i] != 0) {
			a[m] = d[i];
			mag[m++] = fabs(d[i]);
		}
	bool zeros = m < n;
	gsl_sort_index(order, mag, 1, m);
	double r_plus = 0, r_minus = 0, ties = 0;
	for (size_t i = 0; i < m;) {
		size_t j = i;
		while (j + 1 < m && mag[order[j + 1]] == mag[order[i]])
			j++;
		double t = (double)(j - i + 1), rank = (double)(i + j) / 2 + 1;
		for (size_t k = i; k <= j; k++) {
			*(a[order[k]] > 0 ? &r_plus : &r_minus) += rank;
			rk[order[k]] = rank;
		}
		ties += t * t * t - t;
		i = j + 1;
	}
	free(a);
	free(order);
	free(mag);
	if (!m) {
		free(rk);
		*w = 0;
		return 1; /* every pair identical: no evidence of a change */
	}
	double cnt = (double)m;
	*w = fmin(r_plus, r_minus);
	double p;
	if (!zeros && ties == 0 && m <= WILCOXON_EXACT_MAX) {
		double cdf = signed_rank_cdf(m, *w);
		if (cdf < 0) {
			free(rk);
			return NAN;
		}
		*exact = true;
		p = 2 * cdf;
	} else if (m <= WILCOXON_EXACT_TIED_MAX) {
		/* Ties or zeros, few differences: the exact distribution of R+
		 * over the 2^m sign flips of the midranks, two-sided by the
		 * distance from its mean (the normal approximation is far off
		 * here: five equal differences would get p = 0.025 where no
		 * arrangement of five signs gives less than 2/32). */
		double mean = cnt * (cnt + 1) / 4, obs = fabs(r_plus - mean) - 1e-9;
		unsigned long hits = 0, all = 1UL << m;
		for (unsigned long mask = 0; mask < all; mask++) {
			double r = 0;
			for (size_t k = 0; k < m; k++)
				if (mask >> k & 1)
					r += rk[k];
			hits += fabs(r - mean) >= obs;
		}
		*exact = true;
		p = (double)hits / (double)all;
	} else {
		double mean = cnt * (cnt + 1) / 4;
		double sd = sqrt((cnt * (cnt + 1) * (2 * cnt + 1) - ties / 2) / 24);
		p = sd == 0 ? 1 : 2 * gsl_cdf_ugaussian_Q(fabs(*w - mean) / sd);
	}
	free(rk);
	return p > 1 ? 1 : p;
}

double compare_fisher(unsigned failed_base, unsigned runs_base, unsigned failed_new,
                      unsigned runs_new)
{
	unsigned t = failed_base + failed_new;
	if (!t || t == runs_base + runs_new)
		return 1;
	double observed = gsl_ran_hypergeometric_pdf(failed_base, runs_base, runs_new, t);
	unsigned lo = t > runs_new ? t - runs_new : 0, hi = t < runs_base ? t : runs_base;
	double p = 0;
	/* scipy's relative tolerance for "as likely as the observed table" */
	for (unsigned k = lo; k <= hi; k++) {
		double pk = gsl_ran_hypergeometric_pdf(k, runs_base, runs_new, t);
		if (pk <= observed * (1 + 1e-7))
			p += pk;
	}
	return p > 1 ? 1 : p;
}

double compare_min_p(enum compare_design design, size_t n_base, size_t n_new)
{
	if (design == COMPARE_DETERMINISTIC)
		return 0;
	if (design == COMPARE_PAIRED) /* all n differences of one sign */
		return fmin(1, 2 * pow(2, -(double)n_base));
	/* every NEW above every BASE: one ordering of C(n_base + n_new, n_base) */
	double log_orderings = gsl_sf_lnchoose((unsigned)(n_base + n_new), (unsigned)n_base);
	return fmin(1, 2 * exp(-log_orderings));
}

static const char *const simple_metrics[] = {[COMPARE_DOWNTIME] = "downtime",
                                             [COMPARE_TOTAL] = "total",
                                             [COMPARE_ROUNDS] = "rounds",
                                             [COMPARE_ACK_DELAY] = "ack_delay"};

int compare_metric_parse(const char *text, struct compare_metric *m)
{
	for (size_t k = 0; k < sizeof simple_metrics / sizeof *simple_metrics; k++)
		if (simple_metrics[k] && !strcmp(text, simple_metrics[k])) {
			*m = (struct compare_metric){.kind = k};
			return 0;
		}
	if (!strncmp(text, "phase:", 6))
		for (int p = 0; p < PHASE_COUNT; p++)
			if (!strcmp(text + 6, phase_name((enum phase)p))) {
				*m = (struct compare_metric){.kind = COMPARE_PHASE,
				                             .phase = (enum phase)p};
				return 0;
			}
	return -1;
}

void compare_metric_name(const struct compare_metric *m, char *buf, size_t len)
{
	if (m->kind == COMPARE_PHASE)
		snprintf(buf, len, "phase:%s", phase_name(m->phase));
	else
		snprintf(buf, len, "%s", simple_metrics[m->kind]);
}

double compare_metric_value(const struct compare_metric *m, const struct run_summary *s)
{
	switch (m->kind) {
	case COMPARE_TOTAL:
		return s->total_s;
	case COMPARE_PHASE:
		return s->phase_s[m->phase];
	case COMPARE_ROUNDS:
		return s->precopy_rounds;
	case COMPARE_ACK_DELAY:
		return s->acks_requested ? s->ack_delay_s : NAN;
	default:
		return s->downtime_s;
	}
}

bool compare_pairable(const struct results *base, const struct results *new_, bool unpaired,
                      char *buf, size_t len)
{
	if (unpaired)
		snprintf(buf, len, "unpaired: asked for (--unpaired)");
	else if (strcmp(base->backend, new_->backend))
		snprintf(buf, len, "unpaired: the worlds differ (%s, %s)", base->backend,
		         new_->backend);
	else if (!strcmp(base->backend, "qemu"))
		snprintf(buf, len, "unpaired: imported runs have no seed");
	else if (base->seed != new_->seed)
		snprintf(buf, len, "unpaired: seeds differ (%llu, %llu)",
		         (unsigned long long)base->seed, (unsigned long long)new_->seed);
	else {
		snprintf(buf, len, "paired: same seed %llu", (unsigned long long)base->seed);
		return true;
	}
	return false;
}

/* The summaries of the completed runs of `st`, by run index (NULL where
 * none); *max is one past the largest index. */
static const struct run_summary **by_index(const struct results *r, enum strategy_kind st,
                                           size_t *max)
{
	*max = 0;
	for (size_t i = 0; i < r->n_runs; i++)
		if (r->runs[i].strategy == st && (size_t)r->runs[i].run + 1 > *max)
			*max = (size_t)r->runs[i].run + 1;
	const struct run_summary **idx = calloc(*max + 1, sizeof *idx);
	for (size_t i = 0; idx && i < r->n_runs; i++)
		if (r->runs[i].strategy == st && r->runs[i].sum.status == 0)
			idx[r->runs[i].run] = &r->runs[i].sum;
	return idx;
}

/* A metric, or (device >= 0) one device's own time. */
static double pick(const struct compare_metric *m, long device, const struct run_summary *s)
{
	if (device < 0)
		return compare_metric_value(m, s);
	return (size_t)device < s->n_devices ? s->dev[device].total_s : NAN;
}

/* Whether every value of x is 0 (true when there is none). */
static bool all_zero(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (x[i] != 0)
			return false;
	return true;
}

/* The values of one side, by run index (`idx`, `max` from by_index), into
 * x; its completed runs into *completed.  Returns the number of values. */
static size_t values_of(const struct run_summary *const *idx, size_t max,
                        const struct compare_metric *m, long device, double *x, size_t *completed)
{
	size_t n = 0;
	*completed = 0;
	for (size_t i = 0; i < max; i++) {
		double v = idx[i] ? pick(m, device, idx[i]) : NAN;
		*completed += idx[i] != NULL;
		if (!isnan(v))
			x[n++] = v;
	}
	/* no precopy round in any run: no precopy to count rounds of */
	return device < 0 && m->kind == COMPARE_ROUNDS && all_zero(x, n) ? 0 : n;
}

/* The run indices with a value on both sides (`ib`, `mb` and `in`, `mn`
 * from by_index), in order: base's values into xb, new's into xn (room for
 * the smaller of mb and mn).  Returns their number. */
static size_t pairs_of(const struct run_summary *const *ib, size_t mb,
                       const struct run_summary *const *in, size_t mn,
                       const struct compare_metric *m, long device, double *xb, double *xn)
{
	size_t np = 0;
	for (size_t i = 0; i < (mb < mn ? mb : mn); i++) {
		double vb = ib[i] ? pick(m, device, ib[i]) : NAN;
		double vn = in[i] ? pick(m, device, in[i]) : NAN;
		if (!isnan(vb) && !isnan(vn)) {
			xb[np] = vb;
			xn[np++] = vn;
		}
	}
	return np;
}

/* The metric (or device's time) of two sides' completed runs by run index
 * (NULL where none): compare_summaries of compare.h. */
static int summaries_of(const struct run_summary *const *ib, size_t mb,
                        const struct run_summary *const *in, size_t mn,
                        const struct compare_metric *m, long device, bool paired,
                        const struct compare_opts *o, struct compare_stats *out, char *err,
                        size_t errlen)
{
	size_t cb, cn;
	double *xb = malloc((mb + 1) * sizeof *xb), *xn = malloc((mn + 1) * sizeof *xn);
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (!xb || !xn) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	size_t nb = values_of(ib, mb, m, device, xb, &cb);
	size_t nn = values_of(in, mn, m, device, xn, &cn);
	/* paired: run i with run i; none found leaves xb and xn as they are */
	size_t np = paired && nb && nn ? pairs_of(ib, mb, in, mn, m, device, xb, xn) : 0;
	rc = 0;
	if (nb && nn && paired && np)
		rc = compare_paired(xb, xn, np, o, out, err, errlen);
	else if (nb && nn) {
		rc = compare_samples(xb, nb, xn, nn, o, out, err, errlen);
		out->no_pairs = paired;
	} else {
		out->n_base = nb, out->n_new = nn;
		compare_decide(out, o);
	}
	out->completed_base = cb;
	out->completed_new = cn;
out:
	free(xb);
	free(xn);
	return rc;
}

int compare_summaries(const struct run_summary *const *base, size_t n_base,
                      const struct run_summary *const *new_, size_t n_new,
                      const struct compare_metric *m, bool paired, const struct compare_opts *o,
                      struct compare_stats *out, char *err, size_t errlen)
{
	return summaries_of(base, n_base, new_, n_new, m, -1, paired, o, out, err, errlen);
}

static int runs_of(const struct results *base, const struct results *new_, enum strategy_kind st,
                   const struct compare_metric *m, long device, bool paired,
                   const struct compare_opts *o, struct compare_stats *out, char *err,
                   size_t errlen)
{
	size_t mb, mn;
	const struct run_summary **ib = by_index(base, st, &mb), **in = by_index(new_, st, &mn);
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (!ib || !in)
		snprintf(err, errlen, "out of memory");
	else
		rc = summaries_of(ib, mb, in, mn, m, device, paired, o, out, err, errlen);
	free(ib);
	free(in);
	return rc;
}

int compare_paired_diffs(const struct results *base, const struct results *new_,
                         enum strategy_kind st, const struct compare_metric *m, double **d,
                         size_t *n)
{
	size_t mb, mn;
	const struct run_summary **ib = by_index(base, st, &mb), **in = by_index(new_, st, &mn);
	size_t room = (mb < mn ? mb : mn) + 1;
	double *xb = malloc(room * sizeof *xb);
	*d = malloc(room * sizeof **d);
	*n = ib && in && xb && *d ? pairs_of(ib, mb, in, mn, m, -1, xb, *d) : 0;
	for (size_t i = 0; i < *n; i++)
		(*d)[i] -= xb[i];
	int rc = ib && in && xb && *d ? 0 : -1;
	free(ib);
	free(in);
	free(xb);
	if (!*n) {
		free(*d);
		*d = NULL;
	}
	return rc;
}

int compare_metric_runs(const struct results *base, const struct results *new_,
                        enum strategy_kind st, const struct compare_metric *m, bool paired,
                        const struct compare_opts *o, struct compare_stats *out, char *err,
                        size_t errlen)
{
	return runs_of(base, new_, st, m, -1, paired, o, out, err, errlen);
}

int compare_device_runs(const struct results *base, const struct results *new_,
                        enum strategy_kind st, size_t device, bool paired,
                        const struct compare_opts *o, struct compare_stats *out, char *err,
                        size_t errlen)
{
	static const struct compare_metric none = {COMPARE_DOWNTIME, 0};
	return runs_of(base, new_, st, &none, (long)device, paired, o, out, err, errlen);
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

static void count_failures(const struct results *r, enum strategy_kind st, unsigned *failed,
                           unsigned *runs)
{
	*failed = *runs = 0;
	for (size_t i = 0; i < r->n_runs; i++)
		if (r->runs[i].strategy == st) {
			(*runs)++;
			*failed += r->runs[i].sum.status != 0;
		}
}

static void compare_failures(const struct results *base, const struct results *new_,
                             enum strategy_kind st, const struct compare_opts *o,
                             struct compare_failures *f)
{
	count_failures(base, st, &f->failed_base, &f->runs_base);
	count_failures(new_, st, &f->failed_new, &f->runs_new);
	f->p = compare_fisher(f->failed_base, f->runs_base, f->failed_new, f->runs_new);
	/* Compare rates without dividing: failed_new / runs_new vs failed_base / runs_base. */
	double up = (double)f->failed_new * f->runs_base - (double)f->failed_base * f->runs_new;
	f->verdict = !(f->p < 1 - o->confidence) ? COMPARE_SAME
	             : up > 0                    ? COMPARE_REGRESSION
	             : up < 0                    ? COMPARE_IMPROVEMENT
	                                         : COMPARE_SAME;
}

/* Every metric of one strategy. */
static int compare_one(const struct results *base, const struct results *new_,
                       enum strategy_kind st, const struct compare_metric *m, bool paired,
                       const struct compare_opts *o, struct compare_strategy *out, char *err,
                       size_t errlen)
{
	out->strategy = st;
	compare_failures(base, new_, st, o, &out->failures);
	out->runs_base = out->failures.runs_base;
	out->runs_new = out->failures.runs_new;
	const struct {
		struct compare_metric m;
		struct compare_stats *out;
	} all[] = {
	    {*m, &out->metric},
	    {{.kind = COMPARE_TOTAL}, &out->total},
	    {{.kind = COMPARE_ROUNDS}, &out->rounds},
	    {{.kind = COMPARE_ACK_DELAY}, &out->ack_delay},
	};
	for (size_t k = 0; k < sizeof all / sizeof *all + PHASE_COUNT; k++) {
		struct compare_metric pm = {.kind = COMPARE_PHASE};
		struct compare_stats *so = k < sizeof all / sizeof *all ? all[k].out : NULL;
		if (!so) {
			pm.phase = (enum phase)(k - sizeof all / sizeof *all);
			so = &out->phase[pm.phase];
		}
		if (compare_metric_runs(base, new_, st,
		                        so == &out->phase[pm.phase] ? &pm : &all[k].m, paired, o,
		                        so, err, errlen))
			return -1;
	}
	return 0;
}

static enum compare_verdict worse(enum compare_verdict have, enum compare_verdict v)
{
	return v == COMPARE_REGRESSION || (v == COMPARE_IMPROVEMENT && have == COMPARE_SAME) ? v
	                                                                                     : have;
}

int compare_results(const struct results *base, const struct results *new_, const char *base_label,
                    const char *new_label, const struct compare_metric *m, int strategy,
                    const struct compare_opts *o, struct compare_report *out, char *err,
                    size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->metric = *m;
	out->opts = *o;
	out->paired = compare_pairable(base, new_, o->unpaired, out->pairing, sizeof out->pairing);
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
		struct compare_strategy *cs = &out->strategy[out->n++];
		if (compare_one(base, new_, k, m, out->paired, o, cs, err, errlen))
			return -1;
		out->verdict = worse(worse(out->verdict, cs->metric.verdict), cs->failures.verdict);
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
