/*
 * calib.c - a device profile from the traces of result files (see calib.h).
 *
 * One pass over each run's events collects, per device group, the samples
 * each parameter needs; then each parameter is estimated from its own
 * samples with fit.h.  The samples and why each is what it is:
 * - arc latency: an arc-end event's work (the arc's cost without queueing
 *   for a shared firmware domain), minus bytes / save_rate for the arcs that
 *   save an image when the save rate could be separated;
 * - save rate: the arcs that save an image (RUNNING -> PRE_COPY saves the
 *   initial data the first precopy-info then reports; entering STOP_COPY
 *   saves what the device then sends as stop-copy data), one intercept per
 *   arc and one shared slope (GSL multifit least squares);
 * - query: two precopy-info events of the migration thread back to back for
 *   different devices: the second device's query took the time between them;
 * - load: each destination write (load-begin bytes, load-end seconds), but
 *   the write completing a precopy header, which also pre-allocates, and
 *   re-initialised initial data beyond the first image (pre-allocated again);
 * - init_load: what the header-completing write took beyond the load line.
 */
#include "calib.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "device.h"
#include "scenario.h"
#include "store.h"
#include "trace.h"
#include "yaml_out.h"

/* Samples of one device group over every file and run. */
struct acc {
	char *name;
	uint32_t caps;
	size_t arcs_seen;
	GArray *arc[SCENARIO_ARC_COUNT];   /* work, seconds */
	GArray *bytes[SCENARIO_ARC_COUNT]; /* saved bytes (saving arcs; NAN unknown) */
	GArray *query;
	GArray *load_b, *load_s;       /* writes on the load line */
	GArray *init_b, *init_s;       /* header-completing writes */
	uint64_t image_min, image_max; /* state_size of the runs with init samples */
};

static GArray *doubles(void)
{
	return g_array_new(FALSE, FALSE, sizeof(double));
}
static void push(GArray *a, double v)
{
	g_array_append_val(a, v);
}
static double *at(GArray *a)
{
	return (double *)(void *)a->data;
}

static int arc_index(int from, int to)
{
	for (int k = 0; k < SCENARIO_ARC_COUNT; k++)
		if ((int)scenario_arcs[k].from == from && (int)scenario_arcs[k].to == to)
			return k;
	return -1;
}

static bool saving_arc(int k)
{
	const struct scenario_arc *a = &scenario_arcs[k];
	return a->to == VFIO_STATE_STOP_COPY ||
	       (a->from == VFIO_STATE_RUNNING && a->to == VFIO_STATE_PRE_COPY);
}

static uint32_t state_caps(int s)
{
	switch (s) {
	case VFIO_STATE_PRE_COPY:
		return VFIO_CAP_PRE_COPY;
	case VFIO_STATE_PRE_COPY_P2P:
		return VFIO_CAP_PRE_COPY | VFIO_CAP_P2P;
	case VFIO_STATE_RUNNING_P2P:
		return VFIO_CAP_P2P;
	default:
		return 0;
	}
}

static struct acc *acc_get(GPtrArray *accs, const char *name)
{
	for (guint i = 0; i < accs->len; i++) {
		struct acc *a = g_ptr_array_index(accs, i);
		if (!strcmp(a->name, name))
			return a;
	}
	struct acc *a = g_new0(struct acc, 1);
	a->name = g_strdup(name);
	a->caps = VFIO_CAP_STOP_COPY;
	a->image_min = UINT64_MAX;
	for (int k = 0; k < SCENARIO_ARC_COUNT; k++) {
		a->arc[k] = doubles();
		a->bytes[k] = doubles();
	}
	a->query = doubles();
	a->load_b = doubles();
	a->load_s = doubles();
	a->init_b = doubles();
	a->init_s = doubles();
	g_ptr_array_add(accs, a);
	return a;
}

static void acc_free(void *p)
{
	struct acc *a = p;
	for (int k = 0; k < SCENARIO_ARC_COUNT; k++) {
		g_array_unref(a->arc[k]);
		g_array_unref(a->bytes[k]);
	}
	g_array_unref(a->query);
	g_array_unref(a->load_b);
	g_array_unref(a->load_s);
	g_array_unref(a->init_b);
	g_array_unref(a->init_s);
	g_free(a->name);
	g_free(a);
}

/* Per device of one run, what the passes over its events need. */
struct dev_run {
	struct acc *acc; /* NULL: a group left out by --group */
	const struct scn_device_group *g;
	double first_info;    /* initial bytes of the first precopy-info */
	double stopcopy_sent; /* stop-copy bytes sent */
	const struct trace_event *load_begin;
	uint64_t initial_loaded;
	bool allocated;
};

static bool same_task(const struct trace_event *a, const struct trace_event *b)
{
	return a->task == b->task || (a->task && b->task && !strcmp(a->task, b->task));
}

static bool plain_info(const struct trace_event *e)
{
	return e->kind == TRACE_PRECOPY_INFO && e->to == 0 && !e->text && e->device >= 0;
}

/* A destination write of device dr: on the load line, or the one that
 * completes the header (and pre-allocates), or re-initialised data. */
static void add_load(struct dev_run *dr, double bytes, double secs, int hint)
{
	struct acc *a = dr->acc;
	if (hint == (int)DEVICE_DATA_INITIAL) {
		uint64_t before = dr->initial_loaded;
		dr->initial_loaded += (uint64_t)bytes;
		if (!dr->allocated && dr->initial_loaded >= dr->g->header_bytes) {
			dr->allocated = true;
			push(a->init_b, bytes);
			push(a->init_s, secs);
			if (dr->g->state_bytes < a->image_min)
				a->image_min = dr->g->state_bytes;
			if (dr->g->state_bytes > a->image_max)
				a->image_max = dr->g->state_bytes;
			return;
		}
		if (before >= dr->g->header_bytes + dr->g->initial_bytes + dr->g->state_bytes)
			return;
	}
	push(a->load_b, bytes);
	push(a->load_s, secs);
}

static void add_run(const struct trace *tr, struct dev_run *dev, size_t nd)
{
	for (size_t d = 0; d < nd; d++) {
		dev[d].first_info = NAN;
		dev[d].stopcopy_sent = 0;
		dev[d].load_begin = NULL;
		dev[d].initial_loaded = 0;
		dev[d].allocated = false;
	}
	for (size_t i = 0; i < tr->n; i++) {
		const struct trace_event *e = &tr->ev[i];
		if (e->device < 0 || (size_t)e->device >= nd || !dev[e->device].acc)
			continue;
		struct dev_run *dr = &dev[e->device];
		if (plain_info(e)) {
			if (isnan(dr->first_info))
				dr->first_info = e->value;
			size_t j = i;
			while (j-- > 0 && !same_task(&tr->ev[j], e))
				;
			if (j < i && plain_info(&tr->ev[j]) && tr->ev[j].device != e->device)
				push(dr->acc->query, e->t - tr->ev[j].t);
		} else if (e->kind == TRACE_SEND && e->text && !strcmp(e->text, "stop-copy")) {
			dr->stopcopy_sent += e->value;
		} else if (e->kind == TRACE_LOAD_BEGIN) {
			dr->load_begin = e;
		} else if (e->kind == TRACE_LOAD_END && dr->load_begin) {
			add_load(dr, dr->load_begin->value, e->value, e->from);
			dr->load_begin = NULL;
		}
	}
	GArray *arcs = trace_arcs(tr);
	for (guint i = 0; i < arcs->len; i++) {
		const struct trace_event *e = g_array_index(arcs, struct trace_arc, i).end;
		int k = arc_index(e->from, e->to);
		if (e->text || k < 0 || (size_t)e->device >= nd || !dev[e->device].acc)
			continue;
		struct dev_run *dr = &dev[e->device];
		dr->acc->arcs_seen++;
		dr->acc->caps |= state_caps(e->from) | state_caps(e->to);
		push(dr->acc->arc[k], e->value);
		double bytes = NAN;
		if (scenario_arcs[k].to == VFIO_STATE_STOP_COPY)
			bytes = dr->stopcopy_sent;
		else if (saving_arc(k))
			bytes = dr->first_info;
		push(dr->acc->bytes[k], bytes);
	}
	g_array_unref(arcs);
}

/* ---- estimates ---- */

/* A duration in 5 significant digits and the unit that reads best: what
 * the measurements say, no more ("107.66ms"). */
static void format_duration(double s, char *buf, size_t len)
{
	static const struct {
		const char *unit;
		double scale;
	} u[] = {{"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}};
	size_t i = 0;
	while (i + 1 < G_N_ELEMENTS(u) && fabs(s) < u[i].scale)
		i++;
	snprintf(buf, len, "%.5g%s", s / u[i].scale, u[i].unit);
}

static void format_rate(double bps, char *buf, size_t len)
{
	if (bps >= 1048576.0)
		snprintf(buf, len, "%.5gMiB/s", bps / 1048576.0);
	else
		snprintf(buf, len, "%.0fB/s", bps);
}

/* A fitted latency distribution in the scenario syntax (docs/scenarios.md). */
static char *format_dist(const struct dist *d)
{
	char a[32], b[32];
	format_duration(d->a, a, sizeof a);
	switch (d->kind) {
	case DIST_NORMAL:
		format_duration(d->b, b, sizeof b);
		return g_strdup_printf("normal(mean=%s, sd=%s)", a, b);
	case DIST_LOGNORMAL:
		return g_strdup_printf("lognormal(median=%s, sigma=%.4g)", a, d->b);
	case DIST_GAMMA:
		format_duration(d->b, b, sizeof b);
		return g_strdup_printf("gamma(shape=%.5g, scale=%s)", d->a, b);
	case DIST_EMPIRICAL: {
		GString *o = g_string_new("empirical(");
		for (size_t i = 0; i < d->n_samples; i++) {
			format_duration(d->samples[i], a, sizeof a);
			g_string_append_printf(o, "%s%s", i ? ", " : "", a);
		}
		g_string_append_c(o, ')');
		return g_string_free(o, FALSE);
	}
	default:
		return g_strdup(a);
	}
}

static struct calib_param *param_add(GArray *params, const char *key)
{
	struct calib_param p = {.key = g_strdup(key), .choice = {.best = -1, .second = -1}};
	g_array_append_val(params, p);
	return &g_array_index(params, struct calib_param, params->len - 1);
}

static void param_not(GArray *params, const char *key, size_t samples, char *why)
{
	struct calib_param *p = param_add(params, key);
	p->samples = samples;
	p->why_not = why;
}

static void param_set(struct calib_param *p, size_t samples, const char *method, char *value,
                      char *fit)
{
	p->samples = samples;
	p->method = g_strdup(method);
	p->value = value;
	p->fit = fit;
}

/* A latency key from its samples x (modified: sorted). */
static void estimate_latency(GArray *params, const char *key, double *x, size_t n, const char *what)
{
	struct fit_choice c;
	char err[128];
	if (fit_samples(x, n, &c, err, sizeof err)) {
		param_not(params, key, n, g_strdup_printf("%s: %s", what, err));
		return;
	}
	struct calib_param *p = param_add(params, key);
	if (fit_choice_dist(&c, x, &p->d)) {
		p->why_not = g_strdup("out of memory");
		return;
	}
	p->choice = c;
	char desc[256];
	fit_choice_describe(&c, desc, sizeof desc);
	param_set(p, n, c.empirical ? "empirical" : fit_family_name(c.best), format_dist(&p->d),
	          g_strdup_printf("%s; %s", desc, what));
}

/*
 * The save rate: work = intercept of the arc + bytes * slope over the
 * saving arcs whose bytes are known.  Returns the slope (0 when none was
 * measurable or separable) after adding the save_rate parameter.
 */
static double estimate_save(GArray *params, const struct acc *a)
{
	size_t n = 0, m = 0;
	int col[SCENARIO_ARC_COUNT];
	bool varies = false;
	double bmin = INFINITY, bmax = -INFINITY;
	for (int k = 0; k < SCENARIO_ARC_COUNT; k++) {
		col[k] = -1;
		if (!saving_arc(k))
			continue;
		double lo = INFINITY, hi = -INFINITY;
		size_t nk = 0;
		for (guint i = 0; i < a->bytes[k]->len; i++) {
			double b = at(a->bytes[k])[i];
			if (isnan(b))
				continue;
			nk++;
			lo = fmin(lo, b);
			hi = fmax(hi, b);
		}
		if (!nk)
			continue;
		col[k] = (int)m++;
		n += nk;
		varies |= hi > lo;
		bmin = fmin(bmin, lo);
		bmax = fmax(bmax, hi);
	}
	if (!n) {
		param_not(
		    params, "save_rate", 0,
		    g_strdup("no arc saved an image (no RUNNING -> PRE_COPY arc, none entering "
		             "STOP_COPY)"));
		return 0;
	}
	if (!varies || n < m + 2) {
		param_not(
		    params, "save_rate", n,
		    g_strdup_printf("each saving arc saved the same bytes every time (%.0f to "
		                    "%.0f bytes over the arcs): the save time cannot be "
		                    "separated from the arcs' latency, which include it",
		                    bmin, bmax));
		return 0;
	}
	gsl_matrix *X = gsl_matrix_calloc(n, m + 1), *cov = gsl_matrix_alloc(m + 1, m + 1);
	gsl_vector *y = gsl_vector_alloc(n), *c = gsl_vector_alloc(m + 1);
	double slope = 0;
	if (!X || !cov || !y || !c) {
		param_not(params, "save_rate", n, g_strdup("out of memory"));
		goto out;
	}
	size_t r = 0;
	for (int k = 0; k < SCENARIO_ARC_COUNT; k++) {
		for (guint i = 0; col[k] >= 0 && i < a->bytes[k]->len; i++) {
			double b = at(a->bytes[k])[i];
			if (isnan(b))
				continue;
			gsl_matrix_set(X, r, (size_t)col[k], 1);
			gsl_matrix_set(X, r, m, b);
			gsl_vector_set(y, r++, at(a->arc[k])[i]);
		}
	}
	/* Robust for the reason fit_line is: late threads of a loaded machine. */
	if (fit_robust(X, y, c, cov, NULL)) {
		param_not(params, "save_rate", n, g_strdup("the least-squares system is singular"));
		goto out;
	}
	double s1 = gsl_vector_get(c, m), se = sqrt(gsl_matrix_get(cov, m, m));
	struct calib_param *p = param_add(params, "save_rate");
	if (s1 > 2 * se) {
		slope = s1;
		p->number = 1 / s1;
		char v[48];
		format_rate(p->number, v, sizeof v);
		param_set(
		    p, n, "line", g_strdup(v),
		    g_strdup_printf("robust least squares (GSL) of the work of %zu saving arcs "
		                    "on the bytes saved (%.0f to %.0f), one intercept per arc: "
		                    "%.4g s/MiB +- %.2g",
		                    n, bmin, bmax, s1 * 1048576, se * 1048576));
	} else {
		param_set(
		    p, n, "line", g_strdup("0"),
		    g_strdup_printf("no save time measurable: robust least squares (GSL) of "
		                    "the work of %zu saving arcs on the bytes saved (%.0f to "
		                    "%.0f) gives %.3g s/MiB +- %.2g, within 2 standard errors "
		                    "of 0 (instant)",
		                    n, bmin, bmax, s1 * 1048576, se * 1048576));
	}
out:
	gsl_matrix_free(X);
	gsl_matrix_free(cov);
	gsl_vector_free(y);
	gsl_vector_free(c);
	return slope;
}

static void estimate_loads(GArray *params, const struct acc *a)
{
	size_t n = a->load_b->len, ni = a->init_b->len;
	struct fit_line line;
	bool have_line = false;
	if (!n) {
		param_not(params, "load.fixed", 0,
		          g_strdup("the traces have no destination write"));
		param_not(params, "load.rate", 0, g_strdup("the traces have no destination write"));
	} else if (fit_line(at(a->load_b), at(a->load_s), n, &line)) {
		char *why =
		    g_strdup_printf("every one of the %zu destination writes was %.0f bytes: "
		                    "the fixed part and the rate cannot be separated",
		                    n, at(a->load_b)[0]);
		param_not(params, "load.fixed", n, why);
		param_not(params, "load.rate", n, g_strdup(why));
	} else {
		have_line = true;
		double lo = gsl_stats_min(at(a->load_b), 1, n),
		       hi = gsl_stats_max(at(a->load_b), 1, n);
		char v[48], *what = g_strdup_printf(
		                "robust least squares (GSL) of %zu destination writes of %.0f to "
		                "%.0f bytes: "
		                "fixed %.4g s +- %.2g, %.4g s/MiB +- %.2g, residual sd %.2g s",
		                n, lo, hi, line.c0, line.se0, line.c1 * 1048576, line.se1 * 1048576,
		                line.rms);
		struct calib_param *p = param_add(params, "load.fixed");
		p->number = line.c0 > 0 ? line.c0 : 0;
		format_duration(p->number, v, sizeof v);
		param_set(p, n, "line", g_strdup(v),
		          line.c0 > 0
		              ? g_strdup(what)
		              : g_strdup_printf("%s; a negative fixed part is written as 0", what));
		p = param_add(params, "load.rate");
		if (line.c1 > 2 * line.se1) {
			p->number = 1 / line.c1;
			format_rate(p->number, v, sizeof v);
			param_set(p, n, "line", g_strdup(v), what);
		} else {
			param_set(p, n, "line", g_strdup("0"),
			          g_strdup_printf("%s; the slope is within 2 standard errors of 0: "
			                          "instant",
			                          what));
			g_free(what);
		}
	}
	if (!ni)
		return;
	if (!have_line || ni < 3) {
		param_not(params, "init_load.fixed", ni,
		          have_line ? g_strdup_printf("%zu header-completing writes, need 3", ni)
		                    : g_strdup("needs the load line to take each write's own load "
		                               "out of the header-completing writes"));
		return;
	}
	double *ex = g_new(double, ni);
	for (size_t i = 0; i < ni; i++)
		ex[i] = at(a->init_s)[i] - (line.c0 + line.c1 * at(a->init_b)[i]);
	gsl_sort(ex, 1, ni);
	double med = gsl_stats_median_from_sorted_data(ex, 1, ni);
	double q1 = gsl_stats_quantile_from_sorted_data(ex, 1, ni, 0.25);
	double q3 = gsl_stats_quantile_from_sorted_data(ex, 1, ni, 0.75);
	g_free(ex);
	struct calib_param *p = param_add(params, "init_load.fixed");
	p->number = med > 0 ? med : 0;
	char v[48];
	format_duration(p->number, v, sizeof v);
	param_set(
	    p, ni, "median", g_strdup(v),
	    g_strdup_printf("median of what %zu header-completing writes took beyond the load "
	                    "line (IQR %.4g..%.4g s%s); it is fixed + state_size / rate "
	                    "for images of %llu%s bytes: the rate is not separable and stays "
	                    "unset",
	                    ni, q1, q3, med > 0 ? "" : "; negative: written as 0",
	                    (unsigned long long)a->image_min,
	                    a->image_max != a->image_min ? " or more" : ""));
}

static void estimate(struct calib_group *cg, struct acc *a)
{
	GArray *params = g_array_new(FALSE, TRUE, sizeof(struct calib_param));
	cg->name = g_strdup(a->name);
	cg->caps = a->caps;
	GString *caps = g_string_new("[");
	for (int i = 0; i < SCENARIO_CAP_COUNT; i++)
		if (a->caps & scenario_caps[i].bit)
			g_string_append_printf(caps, "%s%s", caps->len > 1 ? ", " : "",
			                       scenario_caps[i].name);
	g_string_append_c(caps, ']');
	param_set(param_add(params, "capabilities"), a->arcs_seen, "arcs seen",
	          g_string_free(caps, FALSE),
	          g_strdup("the states the devices' arcs visited (stop_copy is mandatory)"));

	double slope = estimate_save(params, a);
	for (int k = 0; k < SCENARIO_ARC_COUNT; k++) {
		size_t n = a->arc[k]->len;
		if (!n)
			continue;
		double *x = at(a->arc[k]);
		bool adjust = slope > 0 && saving_arc(k);
		size_t kept = 0;
		for (size_t i = 0; i < n; i++) {
			double b = at(a->bytes[k])[i];
			if (!adjust)
				x[kept++] = x[i];
			else if (!isnan(b)) /* the line fits on average: a sample may fall below */
				x[kept++] = fmax(0, x[i] - b * slope);
		}
		char key[80];
		snprintf(key, sizeof key, "latency.%s", scenario_arcs[k].key);
		char *what = g_strdup_printf("the work of %zu %s -> %s arcs%s", kept,
		                             vfio_state_name(scenario_arcs[k].from),
		                             vfio_state_name(scenario_arcs[k].to),
		                             adjust ? " minus bytes saved / save_rate" : "");
		estimate_latency(params, key, x, kept, what);
		g_free(what);
	}
	if (a->query->len || (a->caps & VFIO_CAP_PRE_COPY))
		estimate_latency(params, "latency.query", at(a->query), a->query->len,
		                 "the time between back-to-back precopy-info queries of the "
		                 "migration thread (a run needs two devices in precopy)");
	estimate_loads(params, a);
	cg->n_params = params->len;
	cg->params = (struct calib_param *)(void *)g_array_free(params, FALSE);
}

/* ---- files ---- */

static int add_file(const char *path, const char *group, const char *pool, GPtrArray *accs,
                    size_t *runs, char *err, size_t errlen)
{
	struct results *r;
	char rerr[512];
	if (results_read(path, &r, rerr, sizeof rerr)) {
		snprintf(err, errlen, "%s", rerr);
		return -1;
	}
	const struct scenario *s = r->scenario;
	int rc = -1;
	size_t nd = scenario_device_count(s);
	struct dev_run *dev = g_new0(struct dev_run, nd ? nd : 1);
	bool found = !group;
	for (size_t d = 0; d < nd; d++) {
		dev[d].g = scenario_device_group(s, d, NULL);
		if (!group || !strcmp(dev[d].g->name, group)) {
			dev[d].acc = acc_get(accs, pool ? pool : dev[d].g->name);
			found = true;
		}
	}
	if (!found) {
		GString *names = g_string_new(NULL);
		for (size_t g = 0; g < s->n_groups; g++)
			g_string_append_printf(names, "%s%s", g ? ", " : "", s->groups[g].name);
		snprintf(err, errlen, "%s: no device group '%s' (its groups: %s)", path, group,
		         names->str);
		g_string_free(names, TRUE);
		goto out;
	}
	size_t traced = 0;
	for (size_t i = 0; i < r->n_runs; i++) {
		if (!r->runs[i].trace.n)
			continue;
		traced++;
		add_run(&r->runs[i].trace, dev, nd);
	}
	if (!traced) {
		snprintf(err, errlen,
		         "%s: no run with a trace: nothing to calibrate from (a sweep keeps the "
		         "traces of the runs its study's `traces` asks for)",
		         path);
		goto out;
	}
	*runs += traced;
	rc = 0;
out:
	g_free(dev);
	results_free(r);
	return rc;
}

int calib_from_files(const char *const *paths, size_t n, const char *group, const char *pool,
                     struct calib *out, char *err, size_t errlen)
{
	*out = (struct calib){0};
	GPtrArray *accs = g_ptr_array_new_with_free_func(acc_free);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t before = 0;
		for (guint g = 0; g < accs->len; g++)
			before += ((struct acc *)g_ptr_array_index(accs, g))->arcs_seen;
		rc = add_file(paths[i], group, pool, accs, &out->n_runs, err, errlen);
		size_t after = 0;
		for (guint g = 0; g < accs->len; g++)
			after += ((struct acc *)g_ptr_array_index(accs, g))->arcs_seen;
		if (rc == 0 && after == before) {
			snprintf(err, errlen, "%s: no completed device arc in its traces%s%s",
			         paths[i], group ? " of group " : "", group ? group : "");
			rc = -1;
		}
	}
	if (rc == 0) {
		out->files = g_new0(char *, n + 1);
		for (size_t i = 0; i < n; i++)
			out->files[i] = g_strdup(paths[i]);
		out->n_files = n;
		out->n_groups = accs->len;
		out->groups = g_new0(struct calib_group, accs->len);
		for (guint g = 0; g < accs->len; g++)
			estimate(&out->groups[g], g_ptr_array_index(accs, g));
	}
	g_ptr_array_unref(accs);
	return rc;
}

void calib_free(struct calib *c)
{
	for (size_t g = 0; g < c->n_groups; g++) {
		struct calib_group *cg = &c->groups[g];
		for (size_t i = 0; i < cg->n_params; i++) {
			struct calib_param *p = &cg->params[i];
			g_free(p->key);
			g_free(p->value);
			g_free(p->why_not);
			g_free(p->method);
			g_free(p->fit);
			dist_free(&p->d);
		}
		g_free(cg->params);
		g_free(cg->name);
	}
	g_free(c->groups);
	g_strfreev(c->files);
	*c = (struct calib){0};
}

const struct calib_param *calib_param_find(const struct calib_group *g, const char *key)
{
	for (size_t i = 0; i < g->n_params; i++)
		if (!strcmp(g->params[i].key, key))
			return &g->params[i];
	return NULL;
}

/* ---- the profile file ---- */

/* The written keys under `prefix.` ("" for top-level keys). */
static void emit_section(GString *o, const struct calib_group *g, const char *prefix,
                         const char *indent)
{
	size_t pl = strlen(prefix);
	for (size_t i = 0; i < g->n_params; i++) {
		const struct calib_param *p = &g->params[i];
		if (!p->value)
			continue;
		if (pl ? strncmp(p->key, prefix, pl) || p->key[pl] != '.'
		       : strchr(p->key, '.') != NULL)
			continue;
		g_string_append_printf(o, "%s%s: %s\n", indent, p->key + (pl ? pl + 1 : 0),
		                       p->value);
	}
}

static bool section_has(const struct calib_group *g, const char *prefix)
{
	size_t pl = strlen(prefix);
	for (size_t i = 0; i < g->n_params; i++)
		if (g->params[i].value && !strncmp(g->params[i].key, prefix, pl) &&
		    g->params[i].key[pl] == '.')
			return true;
	return false;
}

char *calib_profile_yaml(const struct calib *c, const struct calib_group *g, const char *name,
                         const char *command, const char *date)
{
	GString *o = g_string_new("# Device profile (docs/calibration.md), measured from traces by "
	                          "`switchover calibrate traces`\n");
	g_string_append(o, "name: ");
	yaml_out_quoted(o, name);
	g_string_append(o, "\ndescription: ");
	char *desc = g_strdup_printf("device group '%s' of %zu result file%s (%zu runs)", g->name,
	                             c->n_files, c->n_files == 1 ? "" : "s", c->n_runs);
	yaml_out_quoted(o, desc);
	g_free(desc);
	if (command) {
		g_string_append(o, "\ncommand: ");
		yaml_out_quoted(o, command);
	}
	if (date)
		g_string_append_printf(o, "\ndate: %s", date);
	g_string_append(o, "\ndevice:\n");
	emit_section(o, g, "", "  ");
	static const char *const sections[] = {"latency", "load", "init_load"};
	for (size_t s = 0; s < G_N_ELEMENTS(sections); s++) {
		if (!section_has(g, sections[s]))
			continue;
		g_string_append_printf(o, "  %s:\n", sections[s]);
		emit_section(o, g, sections[s], "    ");
	}
	g_string_append(o, "provenance:\n");
	for (size_t i = 0; i < g->n_params; i++) {
		const struct calib_param *p = &g->params[i];
		if (!p->value)
			continue;
		g_string_append_printf(o, "  %s: {source: measurement, files: [", p->key);
		for (size_t f = 0; f < c->n_files; f++) {
			if (f)
				g_string_append(o, ", ");
			yaml_out_quoted(o, c->files[f]);
		}
		g_string_append_printf(o, "], samples: %zu, fit: ", p->samples);
		yaml_out_quoted(o, p->fit);
		g_string_append(o, "}\n");
	}
	return g_string_free(o, FALSE);
}
