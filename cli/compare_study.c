/*
 * compare_study.c - `switchover compare BASE.h5 NEW.h5` on two sweep files
 * (docs/sweep.md): point by point.  A point of BASE is matched with the
 * point of NEW that has the same base scenario, axis values and strategy
 * (point numbers may differ: an axis may have gained values); its runs are
 * its rows of /summary (first_run .. first_run+runs-1), and the completed
 * ones are compared with the statistics of results/compare.h.  One line per
 * point that changed, a warning per point found in one file only, and a
 * summary line; the exit status is compare's (0, 1 regression, 2 error).
 */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare_cli.h"
#include "output.h"

#define errorf(...) cli_error("compare", __VA_ARGS__)

/* One side: its /points and /summary, and where the columns are. */
struct side {
	const char *path;
	const struct results_table *points;
	struct results_table *summary;
	long scenario, axis0, strategy, runs, first_run, seed; /* /points columns */
	struct run_summary *sums; /* /summary's rows (status != 0: a failed run) */
	bool several_scenarios;
};

static const char *text_at(const struct results_table *t, size_t r, long c)
{
	return t->text[r * t->n_cols + (size_t)c];
}

static double num_at(const struct results_table *t, size_t r, long c)
{
	return t->num[r * t->n_cols + (size_t)c];
}

static int side_open(struct side *s, const char *path, const struct results_table *points)
{
	char err[1024];
	*s = (struct side){.path = path, .points = points};
	s->scenario = results_table_col(points, "scenario");
	s->strategy = results_table_col(points, "strategy");
	s->runs = results_table_col(points, "runs");
	s->first_run = results_table_col(points, "first_run");
	s->seed = results_table_col(points, "seed");
	s->axis0 = s->scenario + 1;
	if (s->scenario < 0 || s->strategy < s->axis0 || s->runs < 0 || s->first_run < 0 ||
	    !points->is_text[s->scenario] || !points->is_text[s->strategy]) {
		errorf("%s: /points lacks the scenario, strategy, runs or first_run column\n",
		       path);
		return -1;
	}
	if (results_table_read(path, "summary", &s->summary, err, sizeof err)) {
		errorf("%s\n", err);
		return -1;
	}
	s->sums = g_new0(struct run_summary, s->summary->n_rows + 1);
	for (size_t r = 0; r < s->summary->n_rows; r++)
		if (results_table_summary(s->summary, r, &s->sums[r], err, sizeof err)) {
			errorf("%s: /summary row %zu: %s\n", path, r, err);
			return -1;
		}
	for (size_t r = 0; r < points->n_rows; r++) {
		double first = num_at(points, r, s->first_run), n = num_at(points, r, s->runs);
		if (!(first >= 0 && n >= 0 && first + n <= (double)s->summary->n_rows)) {
			errorf(
			    "%s: /points row %zu: runs %.0f..%.0f are not rows of /summary (%zu)\n",
			    path, r, first, first + n - 1, s->summary->n_rows);
			return -1;
		}
		s->several_scenarios |=
		    strcmp(text_at(points, r, s->scenario), text_at(points, 0, s->scenario)) != 0;
	}
	return 0;
}

/* Both studies must have the same axes, in the same order. */
static int same_axes(const struct side *b, const struct side *n)
{
	bool same = b->strategy - b->axis0 == n->strategy - n->axis0;
	for (long i = 0; same && i < b->strategy - b->axis0; i++)
		same = !strcmp(b->points->names[b->axis0 + i], n->points->names[n->axis0 + i]);
	if (same)
		return 0;
	GString *msg = g_string_new(NULL);
	for (int k = 0; k < 2; k++) {
		const struct side *s = k ? n : b;
		g_string_append_printf(msg, "%s%s:", k ? "; " : "", s->path);
		for (long i = s->axis0; i < s->strategy; i++)
			g_string_append_printf(msg, " %s", s->points->names[i]);
		if (s->axis0 == s->strategy)
			g_string_append(msg, " none");
	}
	errorf("the studies have different axes (%s): compare studies of the same axes\n",
	       msg->str);
	g_string_free(msg, TRUE);
	return -1;
}

/* A point's identity: base scenario, axis values, strategy. */
static char *point_key(const struct side *s, size_t r)
{
	GString *k = g_string_new(text_at(s->points, r, s->scenario));
	for (long c = s->axis0; c < s->strategy; c++) {
		g_string_append_c(k, '\x1f');
		if (s->points->is_text[c])
			g_string_append(k, text_at(s->points, r, c));
		else
			g_string_append_printf(k, "%.17g", num_at(s->points, r, c));
	}
	g_string_append_c(k, '\x1f');
	g_string_append(k, text_at(s->points, r, s->strategy));
	return g_string_free(k, FALSE);
}

/* How people read a point: "devices.count=8, parallel-prio" (the scenario
 * first when the study has several). */
static void point_label(const struct side *s, size_t r, char *buf, size_t len)
{
	GString *l = g_string_new(NULL);
	if (s->several_scenarios)
		g_string_append_printf(l, "%s, ", text_at(s->points, r, s->scenario));
	for (long c = s->axis0; c < s->strategy; c++) {
		if (s->points->is_text[c])
			g_string_append_printf(l, "%s=%s, ", s->points->names[c],
			                       text_at(s->points, r, c));
		else
			g_string_append_printf(l, "%s=%g, ", s->points->names[c],
			                       num_at(s->points, r, c));
	}
	g_string_append(l, text_at(s->points, r, s->strategy));
	snprintf(buf, len, "%s", l->str);
	g_string_free(l, TRUE);
}

/* A point's runs (row r of /points) by run index, NULL where the run
 * failed; their number into *n (g_free the array). */
static const struct run_summary **point_runs(const struct side *s, size_t r, size_t *n)
{
	size_t first = (size_t)num_at(s->points, r, s->first_run);
	*n = (size_t)num_at(s->points, r, s->runs);
	const struct run_summary **idx = g_new0(const struct run_summary *, *n + 1);
	for (size_t i = 0; i < *n; i++)
		if (s->sums[first + i].status == 0)
			idx[i] = &s->sums[first + i];
	return idx;
}

/* A point's runs pair with the other file's when both ran the same seed
 * (compare.h: common random numbers). */
static bool pairable(const struct compare_cli *c, const struct side *b, size_t rb,
                     const struct side *n, size_t rn)
{
	return !c->opts.unpaired && b->seed >= 0 && n->seed >= 0 &&
	       num_at(b->points, rb, b->seed) == num_at(n->points, rn, n->seed);
}

struct point_cmp {
	size_t row_base, row_new;
	size_t runs_base, runs_new;
	bool compared; /* both sides had completed runs */
	struct compare_stats st;
	enum compare_verdict verdict;
};

static bool wanted(const struct compare_cli *c, const struct side *s, size_t r)
{
	return c->strategy < 0 || !strcmp(text_at(s->points, r, s->strategy),
	                                  strategy_name((enum strategy_kind)c->strategy));
}

/* Match the points and compare each pair; the pairs into *out (g_free). */
static int match(const struct compare_cli *c, const struct side *b, const struct side *n,
                 struct point_cmp **out, size_t *n_out, size_t *only, GPtrArray *warnings)
{
	GHashTable *index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (size_t r = 0; r < n->points->n_rows; r++)
		if (wanted(c, n, r))
			g_hash_table_insert(index, point_key(n, r), GSIZE_TO_POINTER(r + 1));
	struct point_cmp *p = g_new0(struct point_cmp, b->points->n_rows + 1);
	bool *matched = g_new0(bool, n->points->n_rows + 1);
	size_t k = 0;
	char label[512], err[256];
	int rc = 0;
	for (size_t r = 0; r < b->points->n_rows && !rc; r++) {
		if (!wanted(c, b, r))
			continue;
		char *key = point_key(b, r);
		size_t rn = GPOINTER_TO_SIZE(g_hash_table_lookup(index, key));
		g_free(key);
		point_label(b, r, label, sizeof label);
		if (!rn) {
			(*only)++;
			g_ptr_array_add(warnings,
			                g_strdup_printf("only in %s: point %.0f (%s)", b->path,
			                                num_at(b->points, r, 0), label));
			continue;
		}
		matched[--rn] = true;
		struct point_cmp *q = &p[k++];
		q->row_base = r;
		q->row_new = rn;
		const struct run_summary **ib = point_runs(b, r, &q->runs_base),
		                         **in = point_runs(n, rn, &q->runs_new);
		rc = compare_summaries(ib, q->runs_base, in, q->runs_new, &c->metric,
		                       pairable(c, b, r, n, rn), &c->opts, &q->st, err, sizeof err);
		g_free(ib);
		g_free(in);
		if (rc) {
			errorf("point %s: %s\n", label, err);
			break;
		}
		size_t cb = q->st.completed_base, cn = q->st.completed_new;
		q->compared = q->st.n_base && q->st.n_new;
		/* Every run failed on one side: losing them all is a regression.
		 * Completed runs without a value of the metric (compare_summaries)
		 * are absent: no verdict. */
		q->verdict = q->compared ? q->st.verdict
		             : cb && !cn ? COMPARE_REGRESSION
		             : cn && !cb ? COMPARE_IMPROVEMENT
		                         : COMPARE_SAME;
		if (q->st.no_pairs)
			g_ptr_array_add(warnings,
			                g_strdup_printf("point %s: no run index completed on both "
			                                "sides: compared unpaired (Mann-Whitney) "
			                                "although the seeds are the same",
			                                label));
		if (!cb && !cn)
			g_ptr_array_add(
			    warnings,
			    g_strdup_printf("point %s: no completed run in either file", label));
		if (cb && cn && (cb < q->runs_base || cn < q->runs_new))
			g_ptr_array_add(
			    warnings, g_strdup_printf("point %s: %zu vs %zu runs failed (only "
			                              "completed runs count)",
			                              label, q->runs_base - cb, q->runs_new - cn));
	}
	for (size_t r = 0; r < n->points->n_rows && !rc; r++)
		if (wanted(c, n, r) && !matched[r]) {
			point_label(n, r, label, sizeof label);
			(*only)++;
			g_ptr_array_add(warnings,
			                g_strdup_printf("only in %s: point %.0f (%s)", n->path,
			                                num_at(n->points, r, 0), label));
		}
	g_hash_table_destroy(index);
	g_free(matched);
	if (!rc && !k) {
		errorf("%s and %s have no point in common%s\n", b->path, n->path,
		       c->strategy >= 0 ? " for this strategy" : "");
		rc = -1;
	}
	if (rc) {
		g_free(p);
		return -1;
	}
	*out = p;
	*n_out = k;
	return 0;
}

/* Whether a point's runs completed on both sides without a value of the
 * metric on one: no verdict, said on a line of its own. */
static bool absent(const struct point_cmp *q)
{
	return !q->compared && q->st.completed_base && q->st.completed_new;
}

/* One line for a point that changed or has no value. */
static void change_line(const struct compare_cli *c, const struct side *b,
                        const struct point_cmp *q, char *buf, size_t len)
{
	char label[512], metric[32], what[600];
	point_label(b, q->row_base, label, sizeof label);
	compare_metric_name(&c->metric, metric, sizeof metric);
	if (q->compared || absent(q)) {
		snprintf(what, sizeof what, "point %.0f (%s): %s",
		         num_at(b->points, q->row_base, 0), label, metric);
		compare_cli_describe(buf, len, what, &q->st, &c->opts,
		                     c->metric.kind != COMPARE_ROUNDS);
	} else {
		snprintf(buf, len,
		         "point %.0f (%s): %s: no completed run in %s (%zu of %zu failed)",
		         num_at(b->points, q->row_base, 0), label, compare_verdict_name(q->verdict),
		         q->st.completed_base ? c->new_ : c->base,
		         q->st.completed_base ? q->runs_new : q->runs_base,
		         q->st.completed_base ? q->runs_new : q->runs_base);
	}
}

static void print_json(const struct compare_cli *c, const struct side *b, const struct point_cmp *p,
                       size_t n, GPtrArray *warnings, enum compare_verdict verdict)
{
	char metric[32], label[512];
	compare_metric_name(&c->metric, metric, sizeof metric);
	json_t *points = json_array(), *warn = json_array();
	for (size_t i = 0; i < warnings->len; i++)
		json_array_append_new(warn, output_json_string(g_ptr_array_index(warnings, i)));
	for (size_t k = 0; k < n; k++) {
		const struct point_cmp *q = &p[k];
		point_label(b, q->row_base, label, sizeof label);
		json_t *axes = json_object();
		for (long col = b->axis0; col < b->strategy; col++)
			json_object_set_new(
			    axes, b->points->names[col],
			    b->points->is_text[col]
			        ? output_json_string(text_at(b->points, q->row_base, col))
			        : output_json_number(num_at(b->points, q->row_base, col)));
		json_array_append_new(
		    points,
		    json_pack("{s:I,s:o,s:o,s:o,s:I,s:I,s:o,s:o}", "point",
		              (json_int_t)num_at(b->points, q->row_base, 0), "scenario",
		              output_json_string(text_at(b->points, q->row_base, b->scenario)),
		              "axes", axes, "strategy",
		              output_json_string(text_at(b->points, q->row_base, b->strategy)),
		              "runs_base", (json_int_t)q->runs_base, "runs_new",
		              (json_int_t)q->runs_new, "metric",
		              q->compared
		                  ? compare_cli_json_stats(&q->st, c->metric.kind != COMPARE_ROUNDS)
		                  : json_null(),
		              "verdict", output_json_string(compare_verdict_name(q->verdict))));
	}
	json_t *root = json_pack(
	    "{s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o}", "base", output_json_string(c->base), "new",
	    output_json_string(c->new_), "metric", output_json_string(metric), "threshold",
	    output_json_number(c->opts.threshold), "confidence",
	    output_json_number(c->opts.confidence), "resamples", (json_int_t)c->opts.resamples,
	    "seed", (json_int_t)c->opts.seed, "warnings", warn, "points", points, "verdict",
	    output_json_string(compare_verdict_name(verdict)));
	output_json_write(stdout, root, 0);
}

int compare_study(const struct compare_cli *c, const struct results_table *base_points,
                  const struct results_table *new_points)
{
	struct side b, n;
	struct point_cmp *p = NULL;
	size_t np = 0, only = 0;
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	int status = CLI_EXIT_ERROR;
	memset(&n, 0, sizeof n);
	if (side_open(&b, c->base, base_points) || side_open(&n, c->new_, new_points) ||
	    same_axes(&b, &n) || match(c, &b, &n, &p, &np, &only, warnings))
		goto out;
	size_t regressed = 0, improved = 0, no_value = 0, undecided = 0;
	for (size_t k = 0; k < np; k++) {
		no_value += absent(&p[k]);
		undecided += p[k].compared && p[k].st.why == COMPARE_WHY_TOO_FEW;
		regressed += p[k].verdict == COMPARE_REGRESSION;
		improved += p[k].verdict == COMPARE_IMPROVEMENT;
	}
	enum compare_verdict verdict = regressed  ? COMPARE_REGRESSION
	                               : improved ? COMPARE_IMPROVEMENT
	                                          : COMPARE_SAME;
	for (size_t i = 0; i < warnings->len; i++)
		fprintf(stderr, "switchover compare: warning: %s\n",
		        (char *)g_ptr_array_index(warnings, i));
	if (c->json) {
		print_json(c, &b, p, np, warnings, verdict);
	} else {
		char metric[32], line[1024], no_value_text[128] = "";
		if (undecided)
			snprintf(no_value_text, sizeof no_value_text,
			         ", %zu undecided (too few runs for a verdict)", undecided);
		if (no_value)
			snprintf(no_value_text + strlen(no_value_text),
			         sizeof no_value_text - strlen(no_value_text),
			         ", %zu no verdict (absent)", no_value);
		compare_metric_name(&c->metric, metric, sizeof metric);
		printf("base  %s: %zu points\nnew   %s: %zu points\n", c->base, base_points->n_rows,
		       c->new_, new_points->n_rows);
		compare_cli_print_rule(stdout, metric, ", point by point", &c->opts);
		putchar('\n');
		for (size_t k = 0; k < np; k++)
			if (p[k].verdict != COMPARE_SAME || absent(&p[k]) ||
			    (p[k].compared && p[k].st.why == COMPARE_WHY_TOO_FEW)) {
				change_line(c, &b, &p[k], line, sizeof line);
				printf("%s\n", line);
			}
		printf("verdict: %s: %zu of %zu points regressed, %zu improved, %zu no "
		       "significant change%s; %zu in one file only\n",
		       verdict == COMPARE_SAME && undecided ? "undecided"
		                                            : compare_verdict_name(verdict),
		       regressed, np, improved, np - regressed - improved - no_value - undecided,
		       no_value_text, only);
	}
	if (fflush(stdout) != 0) {
		errorf("writing the comparison failed\n");
		goto out;
	}
	status = verdict == COMPARE_REGRESSION ? 1 : CLI_EXIT_OK;
out:
	g_free(p);
	g_free(b.sums);
	g_free(n.sums);
	if (b.summary)
		results_table_free(b.summary);
	if (n.summary)
		results_table_free(n.summary);
	g_ptr_array_free(warnings, TRUE);
	return status;
}
