/*
 * output.c - table, JSON and CSV renderings of a scenario's results.
 */
#include "output.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

static const char *const format_words[] = {
    [OUTPUT_TABLE] = "table", [OUTPUT_JSON] = "json", [OUTPUT_CSV] = "csv"};
static const struct names format_names = NAMES(format_words);

int output_format_parse(const char *name)
{
	return names_parse(&format_names, name);
}

/* Devices listed one by one in the table; beyond this, the slowest ones. */
#define TABLE_MAX_DEVICES 16

static double ms(double s)
{
	return s * 1e3;
}

static void device_name(const struct scenario *s, size_t i, char *buf)
{
	scenario_device_name(s, i, buf, DEVICE_NAME_LEN);
}

static void print_quantiles(FILE *out, const char *label, const struct quantiles *q)
{
	if (isnan(q->median)) {
		fprintf(out, "%-12s n/a (no completed run)\n", label);
		return;
	}
	fprintf(out,
	        "%-12s median %.3f ms   p5 %.3f   p95 %.3f   mean %.3f   (min %.3f, max %.3f)\n",
	        label, ms(q->median), ms(q->p5), ms(q->p95), ms(q->mean), ms(q->min), ms(q->max));
}

static void table_devices(FILE *out, const struct scenario *s, const struct aggregate *a)
{
	size_t n = a->n_devices;
	size_t shown = n;
	size_t *order = calloc(n + 1, sizeof *order);
	if (!order)
		return;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	if (n > TABLE_MAX_DEVICES) {
		/* Slowest first, so the devices worth a look are the ones shown. */
		for (size_t i = 0; i < TABLE_MAX_DEVICES; i++)
			for (size_t j = i + 1; j < n; j++)
				if (a->dev[order[j]].total_s > a->dev[order[i]].total_s) {
					size_t t = order[i];
					order[i] = order[j];
					order[j] = t;
				}
		shown = TABLE_MAX_DEVICES;
	}
	fprintf(out,
	        "devices (median ms of each device's own time inside the downtime%s;\n"
	        "  ev_lead: non-responsive minus guard event, negative = event late; late: runs\n"
	        "  whose guard missed the RDMA timeout):\n",
	        shown < n ? "; the slowest shown" : "");
	fprintf(out, "  %-12s %10s %10s %10s %10s %10s %10s %12s %10s %6s\n", "device", "src_prep",
	        "src_main", "load", "dst_prep", "dst_main", "total", "stopcopy_MiB", "ev_lead",
	        "late");
	for (size_t k = 0; k < shown; k++) {
		const struct device_attribution *d = &a->dev[order[k]];
		char name[DEVICE_NAME_LEN];
		device_name(s, order[k], name);
		fprintf(out,
		        "  %-12s %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f %12.2f %10.3f %6u\n",
		        name, ms(d->src_prepare_s), ms(d->src_main_s), ms(d->load_s),
		        ms(d->dst_prepare_s), ms(d->dst_main_s), ms(d->total_s),
		        (double)d->stopcopy_bytes / 1048576.0, ms(d->event_lead_s),
		        a->dev_rdma_misses[order[k]]);
	}
	if (shown < n)
		fprintf(out, "  ... %zu more devices (all of them are in --format json)\n",
		        n - shown);
	free(order);
}

/* Per completed run, downtime minus its ideal-parallel bound: how far the
 * strategy (and, in the real world, the machine) is from ideal.  NaNs when
 * no run completed. */
static void over_bound(const struct output_result *r, struct quantiles *q)
{
	size_t n = 0;
	double *x = calloc(r->agg->runs + 1, sizeof *x);
	for (unsigned i = 0; x && i < r->agg->runs; i++)
		if (r->runs[i].status == 0 && isfinite(r->runs[i].downtime_s - r->runs[i].bound_s))
			x[n++] = r->runs[i].downtime_s - r->runs[i].bound_s;
	aggregate_quantiles(x, n, q);
	free(x);
}

static void table_one(FILE *out, const struct scenario *s, const struct output_result *r)
{
	const struct aggregate *a = r->agg;
	fprintf(out, "scenario    %s: %zu device%s, strategy %s, %u run%s, seed %llu\n", s->name,
	        a->n_devices, a->n_devices == 1 ? "" : "s", strategy_name(r->strategy), a->runs,
	        a->runs == 1 ? "" : "s", (unsigned long long)s->seed);
	fprintf(out, "status      %u completed, %u failed", a->completed, a->failed);
	if (a->failed)
		fprintf(out, " (first: run %u: %s)", a->first_error_run, a->first_error);
	fputc('\n', out);
	print_quantiles(out, "downtime", &a->downtime);
	if (!isnan(a->efficiency.median))
		fprintf(out,
		        "efficiency  %.3f (median bound/downtime; ideal-parallel bound %.3f ms, "
		        "all-serial %.3f ms)\n",
		        a->efficiency.median, ms(a->bound.median), ms(a->serial.median));
	struct quantiles over;
	over_bound(r, &over);
	if (!isnan(over.median))
		fprintf(out,
		        "over bound  median %.3f ms   p95 %.3f   max %.3f   (downtime - bound, per "
		        "run)\n",
		        ms(over.median), ms(over.p95), ms(over.max));
	fprintf(
	    out,
	    "precopy     %.0f rounds (median), %u forced switchover%s, total migration %.3f s\n",
	    a->rounds.median, a->forced, a->forced == 1 ? "" : "s", a->total.median);
	fprintf(out, "threads     %u transition threads per run\n", a->threads_per_run);
	if (s->ack_src != ACK_OFF) {
		fprintf(out,
		        "ack         %s on the source, %s on the destination, late-ACK rule %s: "
		        "requested %.0f, received %.0f (median per run), REINITs seen %.0f\n",
		        ack_mode_name(s->ack_src), ack_mode_name(s->ack_dst),
		        late_ack_rule_name(s->late_ack_rule), a->acks_requested.median,
		        a->acks_received.median, a->reinits_seen.median);
		fprintf(out,
		        "            ACK delay median %.3f ms (ready to switchover); %.0f "
		        "rounds waiting for an ACK, %.0f of them for REINIT (median)\n",
		        ms(a->ack_delay.median), a->rounds_waiting_ack.median,
		        a->rounds_added_by_reinit.median);
	}
	if (a->failed)
		fprintf(out,
		        "failures    %u/%u runs (%.1f%%); recovery (devices back to RUNNING) "
		        "median %.3f ms\n",
		        a->failed, a->runs, 100.0 * a->failed / a->runs, ms(a->recovery.median));
	fprintf(out, "events      %s, RDMA timeout %.3f ms: %u of %u guards late or missing",
	        event_design_name(s->event_design), ms(s->rdma_timeout_s), a->rdma_misses,
	        a->guards);
	if (!isnan(a->event_lead.median))
		fprintf(out, "; lead median %.3f ms, min %.3f ms", ms(a->event_lead.median),
		        ms(a->event_lead.min));
	fputc('\n', out);
	fprintf(out, "phases (median ms; they add up to the downtime):\n");
	for (int p = 0; p < PHASE_COUNT; p++)
		fprintf(out, "  %-12s %12.3f\n", phase_name(p), ms(a->phase[p].median));
	table_devices(out, s, a);
	fprintf(out, "invariants:\n");
	for (int v = 0; v < INV_COUNT; v++) {
		if (!a->violated[v])
			fprintf(out, "  %-34s held in %u/%u runs\n", invariant_name(v), a->runs,
			        a->runs);
		else
			fprintf(out, "  %-34s VIOLATED in %u/%u runs; first (run %u): %s\n",
			        invariant_name(v), a->violated[v], a->runs,
			        a->first_violation_run[v], a->first_violation[v]);
	}
}

/* The line each profile note gets, after the results. */
static void table_notes(FILE *out, const struct output_profile_note *notes, size_t n_notes)
{
	if (n_notes)
		fputc('\n', out);
	for (size_t k = 0; k < n_notes; k++)
		fprintf(
		    out,
		    "profile %s: %zu of %zu values are assumptions (switchover profile show %s)\n",
		    notes[k].name, notes[k].assumptions, notes[k].values, notes[k].show);
}

void output_table(FILE *out, const struct scenario *s, const struct output_result *r, size_t n,
                  const struct output_profile_note *notes, size_t n_notes)
{
	for (size_t k = 0; k < n; k++) {
		if (k)
			fputc('\n', out);
		table_one(out, s, &r[k]);
	}
	if (n < 2) {
		table_notes(out, notes, n_notes);
		return;
	}
	fprintf(out, "\ncomparison (%s, %zu device%s, downtime in ms):\n", s->name,
	        r[0].agg->n_devices, r[0].agg->n_devices == 1 ? "" : "s");
	fprintf(out, "  %-18s %10s %10s %10s %10s %s\n", "strategy", "median", "p5", "p95",
	        "efficiency", "invariants violated");
	for (size_t k = 0; k < n; k++) {
		const struct aggregate *a = r[k].agg;
		fprintf(out, "  %-18s %10.3f %10.3f %10.3f %10.3f ", strategy_name(r[k].strategy),
		        ms(a->downtime.median), ms(a->downtime.p5), ms(a->downtime.p95),
		        a->efficiency.median);
		int any = 0;
		for (int v = 0; v < INV_COUNT; v++)
			if (a->violated[v])
				fprintf(out, "%s%s", any++ ? "," : "", invariant_name(v));
		fprintf(out, "%s\n", any ? "" : "none");
	}
	table_notes(out, notes, n_notes);
}

json_t *output_json_string(const char *s)
{
	json_t *j = json_string(s ? s : "");
	if (!j) { /* not UTF-8 (a file name, a device's message): U+FFFD for the bad bytes */
		char *valid = g_utf8_make_valid(s, -1);
		j = json_string(valid);
		g_free(valid);
	}
	return j;
}

json_t *output_json_number(double v)
{
	if (!isfinite(v))
		return json_null(); /* JSON has no NaN or infinity */
	/* jansson writes every real with a fraction or an exponent ("2.0"): a
	 * whole number is an integer, written as it always was ("2"). */
	if (v == floor(v) && fabs(v) < 1e17 && !(v == 0 && signbit(v)))
		return json_integer((json_int_t)v);
	return json_real(v);
}

int output_json_write(FILE *out, json_t *root, size_t flags)
{
	/* 17 significant digits: every double reads back to the same value. */
	int rc = root ? json_dumpf(root, out, flags | JSON_REAL_PRECISION(17)) : -1;
	json_decref(root);
	if (!rc)
		fputc('\n', out);
	return rc;
}

static json_t *json_quantiles(const struct quantiles *q)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "median", output_json_number(q->median), "p5",
	                 output_json_number(q->p5), "p95", output_json_number(q->p95), "mean",
	                 output_json_number(q->mean), "min", output_json_number(q->min), "max",
	                 output_json_number(q->max));
}

static json_t *json_one(const struct scenario *s, const struct output_result *r)
{
	const struct aggregate *a = r->agg;
	json_t *o =
	    json_pack("{s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:o}", "scenario", output_json_string(s->name),
	              "strategy", output_json_string(strategy_name(r->strategy)), "devices",
	              (json_int_t)a->n_devices, "runs", (json_int_t)a->runs, "completed",
	              (json_int_t)a->completed, "failed", (json_int_t)a->failed, "seed",
	              (json_int_t)s->seed, "status",
	              output_json_string(a->failed == 0 ? "completed"
	                                 : a->completed ? "partial"
	                                                : "failed"));
	if (a->failed)
		json_object_set_new(o, "first_error", output_json_string(a->first_error));
	json_object_set_new(o, "downtime_s", json_quantiles(&a->downtime));
	json_t *phases = json_object();
	for (int p = 0; p < PHASE_COUNT; p++)
		json_object_set_new(phases, phase_name(p), output_json_number(a->phase[p].median));
	json_object_set_new(o, "phases_s", phases);
	json_object_set_new(o, "bound_s", output_json_number(a->bound.median));
	json_object_set_new(o, "serial_s", output_json_number(a->serial.median));
	json_object_set_new(o, "efficiency", output_json_number(a->efficiency.median));
	struct quantiles over;
	over_bound(r, &over);
	json_object_set_new(o, "over_bound_s", json_quantiles(&over));
	json_object_set_new(o, "total_s", output_json_number(a->total.median));
	json_object_set_new(o, "precopy_rounds", output_json_number(a->rounds.median));
	json_object_set_new(o, "forced_switchovers", json_integer(a->forced));
	json_object_set_new(o, "threads_per_run", json_integer(a->threads_per_run));
	json_object_set_new(
	    o, "switchover_ack",
	    json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "source",
	              output_json_string(ack_mode_name(s->ack_src)), "destination",
	              output_json_string(ack_mode_name(s->ack_dst)), "late_ack_rule",
	              output_json_string(late_ack_rule_name(s->late_ack_rule)), "requested",
	              output_json_number(a->acks_requested.median), "received",
	              output_json_number(a->acks_received.median), "reinits_seen",
	              output_json_number(a->reinits_seen.median), "rounds_waiting",
	              output_json_number(a->rounds_waiting_ack.median), "rounds_added_by_reinit",
	              output_json_number(a->rounds_added_by_reinit.median), "delay_s",
	              json_quantiles(&a->ack_delay)));
	json_object_set_new(o, "failures",
	                    json_pack("{s:I,s:o,s:o}", "runs", (json_int_t)a->failed, "rate",
	                              output_json_number(a->runs ? (double)a->failed / a->runs : 0),
	                              "recovery_s", json_quantiles(&a->recovery)));
	json_object_set_new(o, "events",
	                    json_pack("{s:o,s:o,s:I,s:I,s:o}", "design",
	                              output_json_string(event_design_name(s->event_design)),
	                              "rdma_timeout_s", output_json_number(s->rdma_timeout_s),
	                              "guards", (json_int_t)a->guards, "late",
	                              (json_int_t)a->rdma_misses, "lead_s",
	                              json_quantiles(&a->event_lead)));
	json_t *inv = json_object(), *violations = json_object();
	for (int v = 0; v < INV_COUNT; v++) {
		json_object_set_new(inv, invariant_name(v), json_boolean(!a->violated[v]));
		if (a->violated[v])
			json_object_set_new(violations, invariant_name(v),
			                    json_pack("{s:I,s:o}", "runs",
			                              (json_int_t)a->violated[v], "first",
			                              output_json_string(a->first_violation[v])));
	}
	json_object_set_new(o, "invariants", inv);
	json_object_set_new(o, "violations", violations);
	json_t *devs = json_array();
	for (size_t i = 0; i < a->n_devices; i++) {
		const struct device_attribution *d = &a->dev[i];
		char name[DEVICE_NAME_LEN];
		device_name(s, i, name);
		json_array_append_new(
		    devs, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I}", "device",
		                    output_json_string(name), "src_prepare",
		                    output_json_number(d->src_prepare_s), "src_main",
		                    output_json_number(d->src_main_s), "load",
		                    output_json_number(d->load_s), "dst_prepare",
		                    output_json_number(d->dst_prepare_s), "dst_main",
		                    output_json_number(d->dst_main_s), "total",
		                    output_json_number(d->total_s), "event_lead",
		                    output_json_number(d->event_lead_s), "stopcopy_bytes",
		                    (json_int_t)d->stopcopy_bytes, "rdma_late_runs",
		                    (json_int_t)a->dev_rdma_misses[i]));
	}
	json_object_set_new(o, "device_attribution_s", devs);
	return o;
}

void output_json(FILE *out, const struct scenario *s, const struct output_result *r, size_t n,
                 const struct output_profile_note *notes, size_t n_notes)
{
	json_t *root;
	if (n == 1) {
		root = json_one(s, &r[0]);
	} else {
		json_t *results = json_array();
		for (size_t k = 0; k < n; k++)
			json_array_append_new(results, json_one(s, &r[k]));
		root = json_pack("{s:o,s:o}", "scenario", output_json_string(s->name), "results",
		                 results);
	}
	if (root && n_notes) {
		json_t *a = json_array();
		for (size_t k = 0; k < n_notes; k++)
			json_array_append_new(a,
			                      json_pack("{s:o,s:I,s:I}", "profile",
			                                output_json_string(notes[k].name), "values",
			                                (json_int_t)notes[k].values, "assumptions",
			                                (json_int_t)notes[k].assumptions));
		json_object_set_new(root, "profile_assumptions", a);
	}
	output_json_write(out, root, JSON_COMPACT);
}

void output_csv_text(FILE *out, const char *text)
{
	/* RFC 4180: quoted, quotes doubled. */
	fputc('"', out);
	for (const char *c = text; *c; c++) {
		if (*c == '"')
			fputc('"', out);
		fputc(*c, out);
	}
	fputc('"', out);
}

static void csv_cell(FILE *out, const struct results_cell *c)
{
	switch (c->kind) {
	case RESULTS_CELL_INT:
		fprintf(out, "%lld", (long long)c->i);
		break;
	case RESULTS_CELL_UINT:
		fprintf(out, "%llu", (unsigned long long)c->u);
		break;
	case RESULTS_CELL_FLOAT:
		fprintf(out, "%.9g", c->f);
		break;
	default:
		output_csv_text(out, c->text);
		break;
	}
}

void output_csv(FILE *out, const struct scenario *s, const struct output_result *r, size_t n)
{
	/* The header even when no run finished: the names do not depend on a run. */
	struct run_summary none = {0};
	struct results_cell *c;
	size_t nc = results_summary_cells(0, "", 0, &none, &c);
	fputs("scenario", out);
	for (size_t j = 0; j < nc; j++)
		fprintf(out, ",%s", c[j].name);
	fputc('\n', out);
	g_free(c);
	uint32_t row = 0;
	for (size_t k = 0; k < n; k++) {
		for (unsigned i = 0; i < r[k].agg->runs; i++, row++) {
			nc = results_summary_cells(row, strategy_name(r[k].strategy), i,
			                           &r[k].runs[i], &c);
			output_csv_text(out, s->name);
			for (size_t j = 0; j < nc; j++) {
				fputc(',', out);
				csv_cell(out, &c[j]);
			}
			fputc('\n', out);
			g_free(c);
		}
	}
}
