/*
 * calibrate_fit.c - the fit of `calibrate table` (calibrate_table.h): run
 * every observation's scenario in the SimGrid world with the free keys set,
 * minimise the weighted squared relative error over log-scaled, bounded
 * values (GSL's nmsimplex2), then read the confidence of the result from
 * the curvature of the objective and refit without each row in turn.
 *
 * Every evaluation runs runs 0..N-1 of the same seed (common random
 * numbers), so the objective is a deterministic function of the values and
 * the whole fit is reproducible.
 */
#include <errno.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate_table.h"
#include "cli.h"
#include "scenario_load.h"
#include "sim_world.h"

/* A row the simulation could not complete once weighs as this relative
 * error: far worse than any value that completes. */
#define CALT_FAILED_RESIDUAL 1e3
/* Step of the curvature's finite differences, in log value (about 5%):
 * wide enough to step over the small discontinuities of simulated time. */
#define CALT_HESS_STEP 0.05
/* Minimiser stops when the simplex is this small (in transformed values). */
#define CALT_SIMPLEX_SIZE 1e-5
/* ... or when the best chi2 has not improved by this share in
 * CALT_STALL_ITER iterations per free key. */
#define CALT_IMPROVEMENT 1e-7
#define CALT_STALL_ITER  15
/* Restarts of the descent at most. */
#define CALT_RESTARTS 6
/* 95% two-sided normal quantile. */
#define CALT_Z95 1.959963984540054

struct ctx {
	const struct calt_problem *pb;
	const bool *use; /* rows in the fit */
	double *pred;    /* scratch: predictions per row */
	unsigned evals, est_total;
	double t0, last_print;
	const char *stage;
	int failed; /* an evaluation could not run: err holds why */
	char *err;
	size_t errlen;
};

void calt_format_value(enum calt_kind kind, double v, char *buf, size_t len)
{
	switch (kind) {
	case CALT_DURATION:
		if (v >= 1)
			snprintf(buf, len, "%.6gs", v);
		else if (v >= 1e-3)
			snprintf(buf, len, "%.6gms", v * 1e3);
		else
			snprintf(buf, len, "%.6gus", v * 1e6);
		return;
	case CALT_RATE:
		if (v == 0)
			snprintf(buf, len, "0");
		else if (v >= 1073741824.0)
			snprintf(buf, len, "%.6gGiB/s", v / 1073741824.0);
		else
			snprintf(buf, len, "%.6gMiB/s", v / 1048576.0);
		return;
	case CALT_BYTES:
		snprintf(buf, len, "%.0f", round(v));
		return;
	case CALT_NUMBER:
		snprintf(buf, len, "%.6g", v);
		return;
	}
}

/* Transformed value t (any real) to the key's value in [lo, hi]: a
 * logistic between the logs of the bounds, so the minimiser works on
 * relative changes and never leaves the bounds. */
static double to_value(const struct calt_free *f, double t)
{
	double a = log(f->lo), b = log(f->hi);
	return exp(a + (b - a) / (1 + exp(-t)));
}

static void progress(struct ctx *c, bool force)
{
	if (!c->pb->progress)
		return;
	double now = cli_wall_now();
	if (!force && now - c->last_print < 0.5)
		return;
	c->last_print = now;
	double per = c->evals ? (now - c->t0) / c->evals : 0;
	double left = c->est_total > c->evals ? per * (c->est_total - c->evals) : 0;
	char buf[32];
	cli_format_left(left, buf, sizeof buf);
	fprintf(stderr, "\rcalibrate table: %-18s %5u evaluations, about %s left   ", c->stage,
	        c->evals, buf);
	fflush(stderr);
}

/* The statistic a row compares, over the completed runs' values. */
static double statistic(const struct calt_row *row, double *v, size_t n)
{
	gsl_sort(v, 1, n);
	switch (row->stat) {
	case CALT_MEAN:
		return gsl_stats_mean(v, 1, n);
	case CALT_PERCENTILE:
		return gsl_stats_quantile_from_sorted_data(v, 1, n, row->percentile);
	case CALT_MEDIAN:
	case CALT_PHASE:
		break;
	}
	return gsl_stats_median_from_sorted_data(v, 1, n);
}

/* Simulate row `i` with the free keys at x; its statistic in seconds (NaN
 * when no run completed), or -1 with c->err set. */
static int predict(struct ctx *c, size_t i, const double *x, double *out)
{
	const struct calt_problem *pb = c->pb;
	const struct calt_row *row = &pb->rows[i];
	size_t n_sets = pb->n_free + row->n_sets;
	char **sets = g_new0(char *, n_sets);
	for (size_t k = 0; k < pb->n_free; k++) {
		char v[64];
		calt_format_value(pb->free[k].kind, x[k], v, sizeof v);
		sets[k] = g_strdup_printf("%s=%s", pb->free[k].key, v);
	}
	for (size_t k = 0; k < row->n_sets; k++)
		sets[pb->n_free + k] = g_strdup(row->sets[k]);
	struct scenario *s = NULL;
	char why[1024];
	int rc = scenario_load_file(row->scenario, (const char *const *)sets, n_sets, &s, why,
	                            sizeof why);
	for (size_t k = 0; k < n_sets; k++)
		g_free(sets[k]);
	g_free(sets);
	if (rc) {
		snprintf(c->err, c->errlen, "row at line %u: %s", row->line, why);
		return -1;
	}
	s->strategy = (enum strategy_kind)row->strategy;
	s->runs = pb->runs;
	s->seed = pb->seed;
	double *v = g_new(double, pb->runs);
	size_t n = 0;
	for (unsigned r = 0; r < pb->runs && !rc; r++) {
		struct trace tr;
		struct mig_result res;
		struct run_summary sum = {0};
		trace_init(&tr);
		rc = sim_world_run(s, r, &tr, &res, why, sizeof why);
		if (!rc && (rc = summary_from_trace(s, &tr, &res, &sum)))
			snprintf(why, sizeof why, "%s", sum.error);
		if (rc)
			snprintf(c->err, c->errlen, "row at line %u (%s), run %u: %s", row->line,
			         row->scenario, r, why);
		else if (sum.status == 0)
			v[n++] = row->stat == CALT_PHASE ? sum.phase_s[row->phase] : sum.downtime_s;
		summary_free(&sum);
		trace_free(&tr);
	}
	scenario_free(s);
	*out = n ? statistic(row, v, n) : NAN;
	g_free(v);
	return rc ? -1 : 0;
}

/* chi2 over the rows in use at values x (predictions left in c->pred). */
static double chi2_at(struct ctx *c, const double *x)
{
	const struct calt_problem *pb = c->pb;
	double sum = 0;
	c->evals++;
	for (size_t i = 0; i < pb->n_rows; i++) {
		if (!c->use[i])
			continue;
		if (c->failed || predict(c, i, x, &c->pred[i])) {
			c->failed = 1;
			return GSL_POSINF;
		}
		const struct calt_row *row = &pb->rows[i];
		double r = isnan(c->pred[i]) ? CALT_FAILED_RESIDUAL * row->observed_s / row->sigma_s
		                             : (c->pred[i] - row->observed_s) / row->sigma_s;
		sum += r * r;
	}
	progress(c, false);
	return sum;
}

static double objective(const gsl_vector *t, void *arg)
{
	struct ctx *c = arg;
	const struct calt_problem *pb = c->pb;
	double x[pb->n_free];
	for (size_t k = 0; k < pb->n_free; k++)
		x[k] = to_value(&pb->free[k], gsl_vector_get(t, k));
	return chi2_at(c, x);
}

/* One Nelder-Mead descent from transformed t with initial steps `step`;
 * leaves its best point in t and returns its chi2. */
static double descend(struct ctx *c, double *t, double step)
{
	const struct calt_problem *pb = c->pb;
	size_t p = pb->n_free;
	gsl_multimin_function fn = {.f = objective, .n = p, .params = c};
	gsl_vector *start = gsl_vector_alloc(p), *steps = gsl_vector_alloc(p);
	for (size_t k = 0; k < p; k++)
		gsl_vector_set(start, k, t[k]);
	gsl_vector_set_all(steps, step);
	gsl_multimin_fminimizer *m =
	    gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, p);
	unsigned still = 0;
	gsl_multimin_fminimizer_set(m, &fn, start, steps);
	/* The minimiser knows its best value only after an iteration. */
	double best = GSL_POSINF;
	bool iterated = false;
	for (unsigned it = 0; it < pb->max_iter && !c->failed; it++) {
		if (gsl_multimin_fminimizer_iterate(m))
			break;
		iterated = true;
		if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), CALT_SIMPLEX_SIZE) !=
		    GSL_CONTINUE)
			break;
		/* Along a flat direction the simplex never shrinks: stop when the
		 * best value has not improved for a while. */
		double f = gsl_multimin_fminimizer_minimum(m);
		still =
		    f < best - CALT_IMPROVEMENT * (fabs(best) + CALT_IMPROVEMENT) ? 0 : still + 1;
		best = fmin(best, f);
		if (still >= CALT_STALL_ITER * p)
			break;
	}
	for (size_t k = 0; k < p; k++)
		t[k] = gsl_vector_get(m->x, k);
	best = iterated ? gsl_multimin_fminimizer_minimum(m) : GSL_POSINF;
	gsl_multimin_fminimizer_free(m);
	gsl_vector_free(start);
	gsl_vector_free(steps);
	return best;
}

/* Minimise from transformed start t0 into x (values): descents restarted
 * from the best point with smaller simplices (Nelder-Mead can stall in a
 * narrow valley) until a restart no longer improves.  Returns evaluations
 * used, or -1 when an evaluation failed. */
static int minimise(struct ctx *c, const double *t0, double *x)
{
	const struct calt_problem *pb = c->pb;
	size_t p = pb->n_free;
	double t[p];
	memcpy(t, t0, sizeof t);
	unsigned before = c->evals;
	double best = descend(c, t, 1.0);
	for (int r = 0; r < CALT_RESTARTS && !c->failed; r++) {
		double f = descend(c, t, 0.1);
		bool better = f < best - CALT_IMPROVEMENT * (fabs(best) + CALT_IMPROVEMENT);
		best = fmin(best, f);
		if (!better)
			break;
	}
	for (size_t k = 0; k < p; k++)
		x[k] = to_value(&pb->free[k], t[k]);
	return c->failed ? -1 : (int)(c->evals - before);
}

/* chi2 with log values u = log x moved by (du_a on key a, du_b on key b). */
static double chi2_moved(struct ctx *c, const double *x, size_t a, double da, size_t b, double db)
{
	size_t p = c->pb->n_free;
	double y[p];
	memcpy(y, x, sizeof y);
	y[a] *= exp(da);
	y[b] *= exp(db);
	return chi2_at(c, y);
}

/* Hessian of chi2 in log values, by central differences. */
static void hessian(struct ctx *c, const double *x, double f0, gsl_matrix *h)
{
	size_t p = c->pb->n_free;
	const double e = CALT_HESS_STEP;
	for (size_t a = 0; a < p; a++) {
		double fp = chi2_moved(c, x, a, e, a, 0), fm = chi2_moved(c, x, a, -e, a, 0);
		gsl_matrix_set(h, a, a, (fp - 2 * f0 + fm) / (e * e));
		for (size_t b = 0; b < a; b++) {
			double pp = chi2_moved(c, x, a, e, b, e),
			       pm = chi2_moved(c, x, a, e, b, -e);
			double mp = chi2_moved(c, x, a, -e, b, e),
			       mm = chi2_moved(c, x, a, -e, b, -e);
			double v = (pp - pm - mp + mm) / (4 * e * e);
			gsl_matrix_set(h, a, b, v);
			gsl_matrix_set(h, b, a, v);
		}
	}
}

/*
 * Intervals from the curvature: with chi2 = sum of squared normalised
 * residuals, the covariance of the log values is 2 H^-1.  An eigen-direction
 * is flat when its 95% half-width exceeds half the log-width of the bounds
 * along it (or its curvature is not positive): the rows cannot pin it, and
 * every key with a share of it keeps its bounds as interval.
 */
static void intervals(const struct calt_problem *pb, gsl_matrix *h, struct calt_result *r)
{
	size_t p = pb->n_free;
	gsl_vector *val = gsl_vector_alloc(p);
	gsl_matrix *vec = gsl_matrix_alloc(p, p);
	gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(p);
	gsl_eigen_symmv(h, val, vec, w);
	gsl_eigen_symmv_sort(val, vec, GSL_EIGEN_SORT_VAL_ASC);
	gsl_eigen_symmv_free(w);
	double var[p];
	for (size_t j = 0; j < p; j++) {
		var[j] = 0;
		r->determined[j] = true;
	}
	for (size_t k = 0; k < p; k++) {
		double lambda = gsl_vector_get(val, k), width = 0;
		for (size_t j = 0; j < p; j++) {
			double v = gsl_matrix_get(vec, j, k),
			       lw = log(pb->free[j].hi / pb->free[j].lo);
			r->eigvec[j * p + k] = v;
			width += v * v * lw * lw;
		}
		r->eigval[k] = lambda;
		r->flat[k] = !(lambda > 0) || CALT_Z95 * sqrt(2 / lambda) > sqrt(width) / 2;
		for (size_t j = 0; j < p; j++) {
			double v = gsl_matrix_get(vec, j, k);
			if (r->flat[k] && v * v > 0.1)
				r->determined[j] = false;
			else if (!r->flat[k])
				var[j] += v * v * 2 / lambda;
		}
	}
	for (size_t j = 0; j < p; j++) {
		double d = CALT_Z95 * sqrt(var[j]);
		r->ci_lo[j] = r->determined[j] ? r->x[j] * exp(-d) : pb->free[j].lo;
		r->ci_hi[j] = r->determined[j] ? r->x[j] * exp(d) : pb->free[j].hi;
	}
	gsl_vector_free(val);
	gsl_matrix_free(vec);
}

static void result_alloc(struct calt_result *r, size_t p, size_t n)
{
	*r = (struct calt_result){0};
	r->x = g_new0(double, p);
	r->ci_lo = g_new0(double, p);
	r->ci_hi = g_new0(double, p);
	r->determined = g_new0(bool, p);
	r->pred_s = g_new0(double, n);
	r->loo_pred_s = g_new0(double, n);
	r->eigval = g_new0(double, p);
	r->eigvec = g_new0(double, p *p);
	r->flat = g_new0(bool, p);
}

void calt_result_free(struct calt_result *r)
{
	g_free(r->x);
	g_free(r->ci_lo);
	g_free(r->ci_hi);
	g_free(r->determined);
	g_free(r->pred_s);
	g_free(r->loo_pred_s);
	g_free(r->eigval);
	g_free(r->eigvec);
	g_free(r->flat);
	*r = (struct calt_result){0};
}

/* Every row must load and run at the bounds and at the start, before a long
 * fit finds out that a key or a row is wrong. */
static int check_rows(struct ctx *c, const double *start)
{
	const struct calt_problem *pb = c->pb;
	size_t p = pb->n_free;
	double x[p];
	c->stage = "checking rows";
	for (int corner = 0; corner < 3; corner++) {
		for (size_t k = 0; k < p; k++)
			x[k] = corner == 0   ? start[k]
			       : corner == 1 ? pb->free[k].lo
			                     : pb->free[k].hi;
		chi2_at(c, x);
		if (c->failed)
			return -1;
	}
	return 0;
}

int calt_fit(const struct calt_problem *pb, struct calt_result *out, char *err, size_t errlen)
{
	size_t p = pb->n_free, n = pb->n_rows;
	bool *use = g_new(bool, n);
	double *pred = g_new0(double, n);
	for (size_t i = 0; i < n; i++)
		use[i] = true;
	struct ctx c = {.pb = pb, .use = use, .pred = pred, .err = err, .errlen = errlen};
	c.t0 = cli_wall_now();
	/* A first guess for the progress line: the fit, the curvature, and
	 * the leave-one-out refits. */
	unsigned guess = 60 + 40 * (unsigned)p;
	c.est_total = 3 + guess + 1 + 2 * (unsigned)(p * p) + (n > 1 ? (unsigned)n * guess : 0);
	result_alloc(out, p, n);
	double t0[p], start[p];
	for (size_t k = 0; k < p; k++) {
		t0[k] = 0; /* the geometric middle of the bounds */
		start[k] = to_value(&pb->free[k], 0);
	}
	int rc = check_rows(&c, start);
	if (!rc) {
		c.stage = "fitting";
		int used = minimise(&c, t0, out->x);
		rc = used < 0 ? -1 : 0;
		out->fit_evals = used < 0 ? 0 : (unsigned)used;
		c.est_total = c.evals + 1 + 2 * (unsigned)(p * p) +
		              (n > 1 ? (unsigned)n * out->fit_evals : 0);
	}
	if (!rc) {
		c.stage = "curvature";
		out->chi2 = chi2_at(&c, out->x);
		memcpy(out->pred_s, pred, n * sizeof *pred);
		gsl_matrix *h = gsl_matrix_alloc(p, p);
		hessian(&c, out->x, out->chi2, h);
		rc = c.failed ? -1 : 0;
		if (!rc)
			intervals(pb, h, out);
		gsl_matrix_free(h);
	}
	for (size_t i = 0; i < n && !rc; i++) {
		/* Refit without row i from the same start as the full fit (not
		 * from its result, which knows row i), then predict row i. */
		out->loo_pred_s[i] = NAN;
		if (n < 2)
			continue;
		char stage[64];
		snprintf(stage, sizeof stage, "leave-one-out %zu/%zu", i + 1, n);
		c.stage = stage;
		double x[p];
		use[i] = false;
		rc = minimise(&c, t0, x) < 0 ? -1 : 0;
		use[i] = true;
		if (!rc)
			rc = predict(&c, i, x, &out->loo_pred_s[i]);
	}
	out->evals = c.evals;
	if (pb->progress) {
		c.stage = "done";
		progress(&c, true);
		fprintf(stderr, "\n");
	}
	g_free(use);
	g_free(pred);
	if (rc)
		calt_result_free(out);
	return rc;
}
