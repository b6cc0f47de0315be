/*
 * calibrate_report.c - what `calibrate table` judges its fit against, and
 * its report as a file: the naive baseline (a least-squares straight line of
 * the observations against the rows' device counts, and its leave-one-out
 * predictions), and the report as JSON for notebooks and scripts
 * (--report FILE.json; docs/calibration.md, "The report file").
 */
#include <glib.h>
#include <math.h>
#include <stdio.h>

#include "calibrate_table.h"
#include "outfile.h"
#include "output.h"

/* The line through every row but `skip` (pb->n_rows: every row) into *a
 * and *b; false when that leaves no row. */
static bool line_through(const struct calt_problem *pb, size_t skip, double *a, double *b)
{
	double n = 0, mx = 0, my = 0, sxx = 0, sxy = 0;
	for (size_t i = 0; i < pb->n_rows; i++)
		if (i != skip) {
			n++;
			mx += (double)pb->rows[i].devices;
			my += pb->rows[i].observed_s;
		}
	if (n == 0)
		return false;
	mx /= n;
	my /= n;
	for (size_t i = 0; i < pb->n_rows; i++)
		if (i != skip) {
			double dx = (double)pb->rows[i].devices - mx;
			sxx += dx * dx;
			sxy += dx * (pb->rows[i].observed_s - my);
		}
	*b = sxx > 0 ? sxy / sxx : 0;
	*a = my - *b * mx;
	return true;
}

void calt_baseline_fit(const struct calt_problem *pb, struct calt_baseline *out)
{
	out->pred_s = g_new(double, pb->n_rows);
	out->loo_pred_s = g_new(double, pb->n_rows);
	line_through(pb, pb->n_rows, &out->a_s, &out->b_s);
	for (size_t i = 0; i < pb->n_rows; i++) {
		double a, b, x = (double)pb->rows[i].devices;
		out->pred_s[i] = out->a_s + out->b_s * x;
		out->loo_pred_s[i] = line_through(pb, i, &a, &b) ? a + b * x : NAN;
	}
}

void calt_baseline_free(struct calt_baseline *b)
{
	g_free(b->pred_s);
	g_free(b->loo_pred_s);
}

static const char *kind_name(enum calt_kind k)
{
	switch (k) {
	case CALT_DURATION:
		return "duration";
	case CALT_RATE:
		return "rate";
	case CALT_BYTES:
		return "bytes";
	case CALT_NUMBER:
		break;
	}
	return "number";
}

/* (v - o) / o, or NaN (null) when v is not a number. */
static json_t *rel_error(double v, double o)
{
	return output_json_number((v - o) / o);
}

static json_t *free_json(const struct calt_free *f, const struct calt_result *r, size_t k)
{
	char text[64];
	calt_format_value(f->kind, r->x[k], text, sizeof text);
	json_t *o = json_object();
	json_object_set_new(o, "key", output_json_string(f->key));
	json_object_set_new(o, "kind", output_json_string(kind_name(f->kind)));
	json_object_set_new(o, "value", output_json_number(r->x[k]));
	json_object_set_new(o, "text", output_json_string(text));
	json_object_set_new(o, "low", output_json_number(f->lo));
	json_object_set_new(o, "high", output_json_number(f->hi));
	json_object_set_new(o, "ci95_low", output_json_number(r->ci_lo[k]));
	json_object_set_new(o, "ci95_high", output_json_number(r->ci_hi[k]));
	json_object_set_new(o, "determined", json_boolean(r->determined[k]));
	return o;
}

static json_t *row_json(const struct calt_row *row, size_t i, const struct calt_result *r,
                        const struct calt_baseline *b)
{
	double o = row->observed_s;
	json_t *sets = json_array();
	for (size_t k = 0; k < row->n_sets; k++)
		json_array_append_new(sets, output_json_string(row->sets[k]));
	json_t *j = json_object();
	json_object_set_new(j, "line", json_integer(row->line));
	json_object_set_new(j, "scenario", output_json_string(row->scenario_text));
	json_object_set_new(j, "set", sets);
	json_object_set_new(j, "strategy",
	                    output_json_string(strategy_name((enum strategy_kind)row->strategy)));
	json_object_set_new(j, "statistic", output_json_string(row->stat_text));
	json_object_set_new(j, "devices", json_integer((json_int_t)row->devices));
	json_object_set_new(j, "note", row->note ? output_json_string(row->note) : json_null());
	json_object_set_new(j, "observed_s", output_json_number(o));
	json_object_set_new(j, "uncertainty_s", output_json_number(row->sigma_s));
	json_object_set_new(j, "fitted_s", output_json_number(r->pred_s[i]));
	json_object_set_new(j, "error", rel_error(r->pred_s[i], o));
	json_object_set_new(j, "loo_s", output_json_number(r->loo_pred_s[i]));
	json_object_set_new(j, "loo_error", rel_error(r->loo_pred_s[i], o));
	json_object_set_new(j, "line_s", output_json_number(b->pred_s[i]));
	json_object_set_new(j, "line_error", rel_error(b->pred_s[i], o));
	json_object_set_new(j, "line_loo_s", output_json_number(b->loo_pred_s[i]));
	json_object_set_new(j, "line_loo_error", rel_error(b->loo_pred_s[i], o));
	return j;
}

int calt_write_report(const char *path, const char *csv, const char *command,
                      const struct calt_problem *pb, const struct calt_result *r,
                      const struct calt_baseline *b, char *err, size_t errlen)
{
	size_t p = pb->n_free;
	json_t *free = json_array(), *dirs = json_array(), *rows = json_array();
	for (size_t k = 0; k < p; k++)
		json_array_append_new(free, free_json(&pb->free[k], r, k));
	for (size_t k = 0; k < p; k++) {
		json_t *v = json_array();
		for (size_t j = 0; j < p; j++)
			json_array_append_new(v, output_json_number(r->eigvec[j * p + k]));
		json_array_append_new(dirs, json_pack("{s:o,s:b,s:o}", "eigenvalue",
		                                      output_json_number(r->eigval[k]), "flat",
		                                      r->flat[k], "vector", v));
	}
	for (size_t i = 0; i < pb->n_rows; i++)
		json_array_append_new(rows, row_json(&pb->rows[i], i, r, b));
	json_t *line = json_pack(
	    "{s:s,s:o,s:o}", "model",
	    "observed = a + b * devices, unweighted least squares through every row", "a_s",
	    output_json_number(b->a_s), "b_s_per_device", output_json_number(b->b_s));
	json_t *root = json_object();
	json_object_set_new(root, "observations", output_json_string(csv));
	json_object_set_new(root, "command", output_json_string(command));
	json_object_set_new(root, "runs", json_integer(pb->runs));
	json_object_set_new(root, "seed", json_integer((json_int_t)pb->seed));
	json_object_set_new(root, "evaluations", json_integer(r->evals));
	json_object_set_new(root, "fit_evaluations", json_integer(r->fit_evals));
	json_object_set_new(root, "chi2", output_json_number(r->chi2));
	json_object_set_new(root, "free", free);
	json_object_set_new(root, "directions", dirs);
	json_object_set_new(root, "baseline", line);
	json_object_set_new(root, "rows", rows);

	char tmp[4096];
	if (outfile_begin(path, tmp, sizeof tmp, err, errlen)) {
		json_decref(root);
		return -1;
	}
	FILE *f = fopen(tmp, "w");
	bool ok = f && output_json_write(f, root, JSON_INDENT(2)) == 0;
	if (!f)
		json_decref(root);
	ok = (f && fclose(f) == 0) && ok;
	if (!ok) {
		snprintf(err, errlen, "%s: cannot write", path);
		outfile_discard(tmp);
		return -1;
	}
	return outfile_commit(tmp, path, err, errlen);
}
