/*
 * output.c - table, JSON and CSV renderings of a scenario's results.
 */
#include "output.h"

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

static double ms(double s) { return s * 1e3; }

static void device_name(const struct scenario *s, size_t i, char *buf)
{
	scenario_device_name(s, i, buf, 48);
}

static void print_quantiles(FILE *out, const char *label, const struct quantiles *q)
{
	if (isnan(q->median)) {
		fprintf(out, "%-12s n/a (no completed run)\n", label);
		return;
	}
	fprintf(out, "%-12s median %.3f ms   p5 %.3f   p95 %.3f   mean %.3f   (min %.3f, max %.3f)\n",
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
		"src_main", "load", "dst_prep", "dst_main", "total", "stopcopy_MiB", "ev_lead", "late");
	for (size_t k = 0; k < shown; k++) {
		const struct device_attribution *d = &a->dev[order[k]];
		char name[48];
		device_name(s, order[k], name);
		fprintf(out, "  %-12s %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f %12.2f %10.3f %6u\n",
			name, ms(d->src_prepare_s), ms(d->src_main_s), ms(d->load_s),
			ms(d->dst_prepare_s), ms(d->dst_main_s), ms(d->total_s),
			(double)d->stopcopy_bytes / 1048576.0, ms(d->event_lead_s),
			a->dev_rdma_misses[order[k]]);
	}
	if (shown < n)
		fprintf(out, "  ... %zu more devices (all of them are in --format json)\n", n - shown);
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
	fprintf(out, "precopy     %.0f rounds (median), %u forced switchover%s, total migration %.3f s\n",
		a->rounds.median, a->forced, a->forced == 1 ? "" : "s", a->total.median);
	fprintf(out, "threads     %u transition threads per run\n", a->threads_per_run);
	if (s->ack_src != ACK_OFF) {
		fprintf(out,
			"ack         %s on the source, %s on the destination, late-ACK rule %s: "
			"requested %.0f, received %.0f (median per run), REINITs seen %.0f\n",
			ack_mode_name(s->ack_src), ack_mode_name(s->ack_dst),
			late_ack_rule_name(s->late_ack_rule), a->acks_requested.median,
			a->acks_received.median, a->reinits_seen.median);
		fprintf(out, "            ACK delay median %.3f ms (ready to switchover); %.0f "
			     "rounds waiting for an ACK, %.0f of them for REINIT (median)\n",
			ms(a->ack_delay.median), a->rounds_waiting_ack.median,
			a->rounds_added_by_reinit.median);
	}
	if (a->failed)
		fprintf(out, "failures    %u/%u runs (%.1f%%); recovery (devices back to RUNNING) "
			     "median %.3f ms\n",
			a->failed, a->runs, 100.0 * a->failed / a->runs, ms(a->recovery.median));
	fprintf(out, "events      %s, RDMA timeout %.3f ms: %u of %u guards late or missing",
		event_design_name(s->event_design), ms(s->rdma_timeout_s), a->rdma_misses, a->guards);
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
			fprintf(out, "  %-34s held in %u/%u runs\n", invariant_name(v), a->runs, a->runs);
		else
			fprintf(out, "  %-34s VIOLATED in %u/%u runs; first (run %u): %s\n",
				invariant_name(v), a->violated[v], a->runs, a->first_violation_run[v],
				a->first_violation[v]);
	}
}

void output_table(FILE *out, const struct scenario *s, const struct output_result *r, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (k)
			fputc('\n', out);
		table_one(out, s, &r[k]);
	}
	if (n < 2)
		return;
	fprintf(out, "\ncomparison (%s, %zu device%s, downtime in ms):\n", s->name, r[0].agg->n_devices,
		r[0].agg->n_devices == 1 ? "" : "s");
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
}

void output_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void output_json_number(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.17g", v);
	else
		fputs("null", out);
}

static void json_quantiles(FILE *out, const struct quantiles *q)
{
	fputs("{\"median\":", out);
	output_json_number(out, q->median);
	fputs(",\"p5\":", out);
	output_json_number(out, q->p5);
	fputs(",\"p95\":", out);
	output_json_number(out, q->p95);
	fputs(",\"mean\":", out);
	output_json_number(out, q->mean);
	fputs(",\"min\":", out);
	output_json_number(out, q->min);
	fputs(",\"max\":", out);
	output_json_number(out, q->max);
	fputc('}', out);
}

static void json_one(FILE *out, const struct scenario *s, const struct output_result *r)
{
	const struct aggregate *a = r->agg;
	fputs("{\"scenario\":", out);
	output_json_string(out, s->name);
	fputs(",\"strategy\":", out);
	output_json_string(out, strategy_name(r->strategy));
	fprintf(out, ",\"devices\":%zu,\"runs\":%u,\"completed\":%u,\"failed\":%u,\"seed\":%llu",
		a->n_devices, a->runs, a->completed, a->failed, (unsigned long long)s->seed);
	fputs(",\"status\":", out);
	output_json_string(out, a->failed == 0 ? "completed" : a->completed ? "partial" : "failed");
	if (a->failed) {
		fputs(",\"first_error\":", out);
		output_json_string(out, a->first_error);
	}
	fputs(",\"downtime_s\":", out);
	json_quantiles(out, &a->downtime);
	fputs(",\"phases_s\":{", out);
	for (int p = 0; p < PHASE_COUNT; p++) {
		fprintf(out, "%s\"%s\":", p ? "," : "", phase_name(p));
		output_json_number(out, a->phase[p].median);
	}
	fputs("},\"bound_s\":", out);
	output_json_number(out, a->bound.median);
	fputs(",\"serial_s\":", out);
	output_json_number(out, a->serial.median);
	fputs(",\"efficiency\":", out);
	output_json_number(out, a->efficiency.median);
	struct quantiles over;
	over_bound(r, &over);
	fputs(",\"over_bound_s\":", out);
	json_quantiles(out, &over);
	fputs(",\"total_s\":", out);
	output_json_number(out, a->total.median);
	fputs(",\"precopy_rounds\":", out);
	output_json_number(out, a->rounds.median);
	fprintf(out, ",\"forced_switchovers\":%u,\"threads_per_run\":%u", a->forced,
		a->threads_per_run);
	fputs(",\"switchover_ack\":{\"source\":", out);
	output_json_string(out, ack_mode_name(s->ack_src));
	fputs(",\"destination\":", out);
	output_json_string(out, ack_mode_name(s->ack_dst));
	fputs(",\"late_ack_rule\":", out);
	output_json_string(out, late_ack_rule_name(s->late_ack_rule));
	fputs(",\"requested\":", out);
	output_json_number(out, a->acks_requested.median);
	fputs(",\"received\":", out);
	output_json_number(out, a->acks_received.median);
	fputs(",\"reinits_seen\":", out);
	output_json_number(out, a->reinits_seen.median);
	fputs(",\"rounds_waiting\":", out);
	output_json_number(out, a->rounds_waiting_ack.median);
	fputs(",\"rounds_added_by_reinit\":", out);
	output_json_number(out, a->rounds_added_by_reinit.median);
	fputs(",\"delay_s\":", out);
	json_quantiles(out, &a->ack_delay);
	fprintf(out, "},\"failures\":{\"runs\":%u,\"rate\":", a->failed);
	output_json_number(out, a->runs ? (double)a->failed / a->runs : 0);
	fputs(",\"recovery_s\":", out);
	json_quantiles(out, &a->recovery);
	fputs("},\"events\":{\"design\":", out);
	output_json_string(out, event_design_name(s->event_design));
	fputs(",\"rdma_timeout_s\":", out);
	output_json_number(out, s->rdma_timeout_s);
	fprintf(out, ",\"guards\":%u,\"late\":%u,\"lead_s\":", a->guards, a->rdma_misses);
	json_quantiles(out, &a->event_lead);
	fputc('}', out);
	fputs(",\"invariants\":{", out);
	for (int v = 0; v < INV_COUNT; v++)
		fprintf(out, "%s\"%s\":%s", v ? "," : "", invariant_name(v),
			a->violated[v] ? "false" : "true");
	fputs("},\"violations\":{", out);
	int any = 0;
	for (int v = 0; v < INV_COUNT; v++) {
		if (!a->violated[v])
			continue;
		fprintf(out, "%s\"%s\":{\"runs\":%u,\"first\":", any++ ? "," : "", invariant_name(v),
			a->violated[v]);
		output_json_string(out, a->first_violation[v]);
		fputc('}', out);
	}
	fputs("},\"device_attribution_s\":[", out);
	for (size_t i = 0; i < a->n_devices; i++) {
		const struct device_attribution *d = &a->dev[i];
		char name[48];
		device_name(s, i, name);
		fputs(i ? ",{\"device\":" : "{\"device\":", out);
		output_json_string(out, name);
		fputs(",\"src_prepare\":", out);
		output_json_number(out, d->src_prepare_s);
		fputs(",\"src_main\":", out);
		output_json_number(out, d->src_main_s);
		fputs(",\"load\":", out);
		output_json_number(out, d->load_s);
		fputs(",\"dst_prepare\":", out);
		output_json_number(out, d->dst_prepare_s);
		fputs(",\"dst_main\":", out);
		output_json_number(out, d->dst_main_s);
		fputs(",\"total\":", out);
		output_json_number(out, d->total_s);
		fputs(",\"event_lead\":", out);
		output_json_number(out, d->event_lead_s);
		fprintf(out, ",\"stopcopy_bytes\":%llu,\"rdma_late_runs\":%u}",
			(unsigned long long)d->stopcopy_bytes, a->dev_rdma_misses[i]);
	}
	fputs("]}", out);
}

void output_json(FILE *out, const struct scenario *s, const struct output_result *r, size_t n)
{
	if (n == 1) {
		json_one(out, s, &r[0]);
	} else {
		fputs("{\"scenario\":", out);
		output_json_string(out, s->name);
		fputs(",\"results\":[", out);
		for (size_t k = 0; k < n; k++) {
			if (k)
				fputc(',', out);
			json_one(out, s, &r[k]);
		}
		fputs("]}", out);
	}
	fputc('\n', out);
}

void output_csv(FILE *out, const struct scenario *s, const struct output_result *r, size_t n)
{
	fputs("scenario,strategy,run,status,downtime_s,total_s", out);
	for (int p = 0; p < PHASE_COUNT; p++)
		fprintf(out, ",%s_s", phase_name(p));
	fputs(",bound_s,serial_s,efficiency,precopy_rounds,forced,acks_requested,acks_received,"
	      "reinits_seen,ack_delay_s,rounds_waiting_ack,rounds_added_by_reinit,recovery_s,"
	      "rdma_guards,rdma_misses",
	      out);
	for (int v = 0; v < INV_COUNT; v++)
		fprintf(out, ",%s", invariant_name(v));
	fputs(",error\n", out);
	for (size_t k = 0; k < n; k++) {
		for (unsigned i = 0; i < r[k].agg->runs; i++) {
			const struct run_summary *x = &r[k].runs[i];
			fprintf(out, "%s,%s,%u,%s,%.9g,%.9g", s->name, strategy_name(r[k].strategy), i,
				x->status ? "failed" : "completed", x->downtime_s, x->total_s);
			for (int p = 0; p < PHASE_COUNT; p++)
				fprintf(out, ",%.9g", x->phase_s[p]);
			fprintf(out, ",%.9g,%.9g,%.9g,%u,%d,%u,%u,%u,%.9g,%u,%u,%.9g,%u,%u", x->bound_s,
				x->serial_s, x->efficiency, x->precopy_rounds, x->forced_switchover,
				x->acks_requested, x->acks_received, x->reinits_seen, x->ack_delay_s,
				x->rounds_waiting_ack, x->rounds_added_by_reinit, x->recovery_s,
				x->rdma_guards, x->rdma_misses);
			for (int v = 0; v < INV_COUNT; v++)
				fprintf(out, ",%d", x->inv[v].held);
			fputc(',', out);
			/* Quote the error; double any quote inside (RFC 4180). */
			fputc('"', out);
			for (const char *c = x->error; *c; c++) {
				if (*c == '"')
					fputc('"', out);
				fputc(*c, out);
			}
			fputs("\"\n", out);
		}
	}
}
