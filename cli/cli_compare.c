/*
 * cli_compare.c - `switchover compare BASE.h5 NEW.h5`: did NEW regress?
 * Reads two result files, compares the chosen metric and every phase per
 * strategy (results/compare.c), prints a table or JSON with the verdict
 * last, and exits 0 (no significant regression), 1 (regression) or 2
 * (error), so a pipeline can gate on it.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "compare_cli.h"
#include "output.h"
#include "store.h"

/* compare's own meaning of exit status 1. */
#define COMPARE_EXIT_REGRESSION 1
/* One warning line (names two files). */
#define WARN_LEN 1024

void cli_compare_help(FILE *out)
{
	fprintf(out,
	        "usage: switchover compare BASE.h5 NEW.h5 [OPTIONS]\n\n"
	        "Compare two result files (written with `switchover sim ... -o FILE.h5`): did\n"
	        "NEW get slower than BASE?  For each strategy with runs in both files, the\n"
	        "median of the metric and of every phase on each side, the difference of the\n"
	        "medians (NEW - BASE) with a bootstrap confidence interval, and a two-sided\n"
	        "Mann-Whitney U test.  Only completed runs count.\n\n"
	        "verdict: regression when the median grew by more than the threshold, the\n"
	        "interval lies entirely above 0 and p < 1 - confidence; improvement is the\n"
	        "mirror image; anything else is no significant change.  With several\n"
	        "strategies, one regression makes the verdict a regression.\n\n"
	        "options:\n"
	        "  --metric M       downtime (default) | total | phase:NAME, NAME one of\n"
	        "                   src_prepare, src_main, final_query, stopcopy, dst_load,\n"
	        "                   dst_prepare, dst_main\n"
	        "  --threshold T    relative change of the median that matters: 5%% (default),\n"
	        "                   or a fraction (0.05)\n"
	        "  --confidence C   of the interval and the test: 0.95 (default) or 95%%\n"
	        "  --strategy S     compare only S (sequential, parallel-prio,\n"
	        "                   parallel-barrier); default: every strategy in both files\n"
	        "  --resamples N    bootstrap resamples (default 10000)\n"
	        "  --seed N         bootstrap seed (default 1): the same files and options\n"
	        "                   always give the same verdict\n"
	        "  --format F       table (default) | json\n"
	        "  -h, --help       this help\n\n"
	        "The verdict is the last line, e.g.\n"
	        "  verdict: regression: downtime median +12.3%% (794.2 -> 891.9 ms), 95%% CI\n"
	        "  [+88.1, +107.0] ms, Mann-Whitney p = 2.1e-06\n"
	        "json: {base, new, metric, threshold, confidence, resamples, seed, warnings,\n"
	        "strategies: [{strategy, runs_base, runs_new, metric: STATS, phases: {NAME:\n"
	        "STATS}}], verdict}; STATS = {n_base, n_new, base_median_s, new_median_s,\n"
	        "diff_s, rel, ci_s: [lo, hi], u, p, p_method, verdict}.\n\n"
	        "Two sweep files (switchover sweep -o, docs/sweep.md) are compared point by\n"
	        "point: points are matched by base scenario, axis values and strategy, each\n"
	        "pair's completed runs compared as above; one line per point that changed,\n"
	        "a warning for each point found in one file only, then the verdict line\n"
	        "(json: {..., points: [{point, scenario, axes, strategy, runs_base,\n"
	        "runs_new, metric: STATS, verdict}], verdict}).\n\n"
	        "exit status: 0 no significant regression, 1 regression, 2 error (unreadable\n"
	        "file, no completed runs, no strategy in common, bad option).  Different\n"
	        "scenario names or worlds are only a warning.\n");
}

#define errorf(...) cli_error("compare", __VA_ARGS__)

/* "5%" or "0.05" (fraction) into [0, max]. */
static int parse_fraction(const char *opt, const char *text, double max, bool open_ends,
                          const char *example, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end != text && *end == '%' && end[1] == 0) {
		v /= 100;
		end++;
	}
	if (errno || end == text || *end || !isfinite(v) || v < 0 || v > max ||
	    (open_ends && (v <= 0 || v >= max))) {
		errorf("%s '%s': expected a percentage or a fraction (%s)%s\n", opt, text, example,
		       open_ends ? " strictly between 0 and 1" : "");
		return -1;
	}
	*out = v;
	return 0;
}

/* 0 to go on, -1 after --help, CLI_EXIT_ERROR on a bad command line. */
static int parse(int argc, char **argv, struct compare_cli *c)
{
	static const struct option longopts[] = {
	    {"metric", required_argument, NULL, 'm'},
	    {"threshold", required_argument, NULL, 't'},
	    {"confidence", required_argument, NULL, 'c'},
	    {"strategy", required_argument, NULL, 's'},
	    {"resamples", required_argument, NULL, 'r'},
	    {"seed", required_argument, NULL, 'x'},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	*c = (struct compare_cli){.opts = compare_defaults, .strategy = -1};
	c->metric = (struct compare_metric){COMPARE_DOWNTIME, 0};
	optind = 1;
	opterr = 0;
	int ch;
	unsigned long long v;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			if (compare_metric_parse(optarg, &c->metric)) {
				errorf("--metric '%s': expected downtime, total or phase:NAME with "
				       "NAME one of src_prepare, src_main, final_query, stopcopy, "
				       "dst_load, dst_prepare, dst_main\n",
				       optarg);
				return CLI_EXIT_ERROR;
			}
			break;
		case 't':
			if (parse_fraction("--threshold", optarg, 10, false, "5% or 0.05",
			                   &c->opts.threshold))
				return CLI_EXIT_ERROR;
			break;
		case 'c':
			if (parse_fraction("--confidence", optarg, 1, true, "95% or 0.95",
			                   &c->opts.confidence))
				return CLI_EXIT_ERROR;
			break;
		case 's':
			if ((c->strategy = strategy_parse(optarg)) < 0) {
				errorf("--strategy '%s': expected sequential, parallel-prio or "
				       "parallel-barrier\n",
				       optarg);
				return CLI_EXIT_ERROR;
			}
			break;
		case 'r':
			if (cli_parse_uint("compare", "--resamples", optarg, 100, 10000000, &v))
				return CLI_EXIT_ERROR;
			c->opts.resamples = (unsigned)v;
			break;
		case 'x':
			if (cli_parse_uint("compare", "--seed", optarg, 0, UINT64_MAX, &v))
				return CLI_EXIT_ERROR;
			c->opts.seed = v;
			break;
		case 'f':
			if (strcmp(optarg, "table") && strcmp(optarg, "json")) {
				errorf("--format '%s': expected table or json\n", optarg);
				return CLI_EXIT_ERROR;
			}
			c->json = !strcmp(optarg, "json");
			break;
		case 'h':
			cli_compare_help(stdout);
			return -1;
		case ':':
			errorf("%s needs a value (see switchover compare --help)\n",
			       argv[optind - 1]);
			return CLI_EXIT_ERROR;
		default:
			errorf("unknown option '%s' (see switchover compare --help)\n",
			       argv[optind - 1]);
			return CLI_EXIT_ERROR;
		}
	}
	if (argc - optind != 2) {
		errorf("expected two result files, BASE.h5 and NEW.h5, got %d (see switchover "
		       "compare --help)\n",
		       argc - optind);
		return CLI_EXIT_ERROR;
	}
	c->base = argv[optind];
	c->new_ = argv[optind + 1];
	return 0;
}

static double ms(double s)
{
	return s * 1e3;
}

/* One sentence: "downtime median +12.3% (794.2 -> 891.9 ms), 95% CI [...] ms, ...". */
void compare_cli_describe(char *buf, size_t len, const char *what, const struct compare_stats *st,
                          double confidence)
{
	char rel[32];
	if (isinf(st->rel))
		snprintf(rel, sizeof rel, "%s", st->rel > 0 ? "+inf%" : "-inf%");
	else
		snprintf(rel, sizeof rel, "%+.1f%%", st->rel * 100);
	snprintf(buf, len,
	         "%s median %s (%.1f -> %.1f ms), %g%% CI [%+.1f, %+.1f] ms, Mann-Whitney p = "
	         "%.2g",
	         what, rel, ms(st->base_median), ms(st->new_median), confidence * 100,
	         ms(st->ci_lo), ms(st->ci_hi), st->p);
}

static const char *change_mark(enum compare_verdict v)
{
	return v == COMPARE_REGRESSION    ? "regression"
	       : v == COMPARE_IMPROVEMENT ? "improvement"
	                                  : "-";
}

static void table_row(FILE *out, const char *name, const struct compare_stats *st)
{
	char rel[16], ci[48];
	if (isinf(st->rel))
		snprintf(rel, sizeof rel, "%s", st->rel > 0 ? "+inf" : "-inf");
	else
		snprintf(rel, sizeof rel, "%+.1f%%", st->rel * 100);
	snprintf(ci, sizeof ci, "[%+.3f, %+.3f]", ms(st->ci_lo), ms(st->ci_hi));
	fprintf(out, "  %-13s %11.3f %11.3f %+10.3f %8s  %-24s %8.2g%s  %s\n", name,
	        ms(st->base_median), ms(st->new_median), ms(st->diff), rel, ci, st->p,
	        st->p_exact ? "*" : " ", change_mark(st->verdict));
}

static void print_table(FILE *out, const struct compare_cli *c, const struct results *rb,
                        const struct results *rn, const struct compare_report *rep)
{
	char metric[32];
	compare_metric_name(&rep->metric, metric, sizeof metric);
	fprintf(out, "base  %s: %s, %s world, %zu runs, written %s\n", c->base, rb->scenario_name,
	        rb->backend, rb->n_runs, rb->start_time);
	fprintf(out, "new   %s: %s, %s world, %zu runs, written %s\n", c->new_, rn->scenario_name,
	        rn->backend, rn->n_runs, rn->start_time);
	fprintf(out,
	        "metric %s; regression: median up by more than %g%% with %g%% confidence\n"
	        "(percentile bootstrap of the difference of medians, %u resamples, seed %llu;\n"
	        "two-sided Mann-Whitney U, * = exact p)\n",
	        metric, rep->opts.threshold * 100, rep->opts.confidence * 100, rep->opts.resamples,
	        (unsigned long long)rep->opts.seed);
	for (size_t k = 0; k < rep->n; k++) {
		const struct compare_strategy *s = &rep->strategy[k];
		fprintf(out, "\n%s: %zu vs %zu completed runs (of %u and %u)\n",
		        strategy_name(s->strategy), s->metric.n_base, s->metric.n_new, s->runs_base,
		        s->runs_new);
		fprintf(out, "  %-13s %11s %11s %10s %8s  %-24s %9s  %s\n", "", "base ms", "new ms",
		        "diff ms", "rel", "CI of diff ms", "p", "change");
		table_row(out, metric, &s->metric);
		for (int p = 0; p < PHASE_COUNT; p++)
			table_row(out, phase_name((enum phase)p), &s->phase[p]);
	}
	fputc('\n', out);
	char line[512], what[64];
	if (rep->n == 1) {
		snprintf(what, sizeof what, "%s %s", strategy_name(rep->strategy[0].strategy),
		         metric);
		compare_cli_describe(line, sizeof line, what, &rep->strategy[0].metric,
		                     rep->opts.confidence);
		fprintf(out, "verdict: %s: %s\n", compare_verdict_name(rep->verdict), line);
		return;
	}
	for (size_t k = 0; k < rep->n; k++) {
		snprintf(what, sizeof what, "%s %s", strategy_name(rep->strategy[k].strategy),
		         metric);
		compare_cli_describe(line, sizeof line, what, &rep->strategy[k].metric,
		                     rep->opts.confidence);
		fprintf(out, "%s: %s\n", compare_verdict_name(rep->strategy[k].metric.verdict),
		        line);
	}
	fprintf(out, "verdict: %s (", compare_verdict_name(rep->verdict));
	for (size_t k = 0; k < rep->n; k++)
		fprintf(out, "%s%s %s", k ? "; " : "", strategy_name(rep->strategy[k].strategy),
		        compare_verdict_name(rep->strategy[k].metric.verdict));
	fprintf(out, ")\n");
}

json_t *compare_cli_json_stats(const struct compare_stats *st)
{
	return json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:[o,o],s:o,s:o,s:s,s:o}", "n_base",
	                 (json_int_t)st->n_base, "n_new", (json_int_t)st->n_new, "base_median_s",
	                 output_json_number(st->base_median), "new_median_s",
	                 output_json_number(st->new_median), "diff_s", output_json_number(st->diff),
	                 "rel", output_json_number(st->rel), "ci_s", output_json_number(st->ci_lo),
	                 output_json_number(st->ci_hi), "u", output_json_number(st->u), "p",
	                 output_json_number(st->p), "p_method", st->p_exact ? "exact" : "normal",
	                 "verdict", output_json_string(compare_verdict_name(st->verdict)));
}

static json_t *json_file(const char *path, const struct results *r)
{
	return json_pack("{s:o,s:o,s:o,s:I}", "file", output_json_string(path), "scenario",
	                 output_json_string(r->scenario_name), "backend",
	                 output_json_string(r->backend), "runs", (json_int_t)r->n_runs);
}

static void print_json(FILE *out, const struct compare_cli *c, const struct results *rb,
                       const struct results *rn, const struct compare_report *rep,
                       char warnings[][WARN_LEN], size_t n_warnings)
{
	char metric[32];
	compare_metric_name(&rep->metric, metric, sizeof metric);
	json_t *warn = json_array(), *strategies = json_array();
	for (size_t i = 0; i < n_warnings; i++)
		json_array_append_new(warn, output_json_string(warnings[i]));
	for (size_t k = 0; k < rep->n; k++) {
		const struct compare_strategy *s = &rep->strategy[k];
		json_t *phases = json_object();
		for (int p = 0; p < PHASE_COUNT; p++)
			json_object_set_new(phases, phase_name((enum phase)p),
			                    compare_cli_json_stats(&s->phase[p]));
		json_array_append_new(strategies, json_pack("{s:s,s:I,s:I,s:o,s:o}", "strategy",
		                                            strategy_name(s->strategy), "runs_base",
		                                            (json_int_t)s->runs_base, "runs_new",
		                                            (json_int_t)s->runs_new, "metric",
		                                            compare_cli_json_stats(&s->metric),
		                                            "phases", phases));
	}
	json_t *root = json_pack(
	    "{s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o}", "base", json_file(c->base, rb), "new",
	    json_file(c->new_, rn), "metric", output_json_string(metric), "threshold",
	    output_json_number(rep->opts.threshold), "confidence",
	    output_json_number(rep->opts.confidence), "resamples", (json_int_t)rep->opts.resamples,
	    "seed", (json_int_t)rep->opts.seed, "warnings", warn, "strategies", strategies,
	    "verdict", output_json_string(compare_verdict_name(rep->verdict)));
	/* Not compact: ", " and ": " between items, as this output always had. */
	output_json_write(out, root, 0);
}

/* Things worth knowing that do not stop the comparison. */
static size_t collect_warnings(const struct compare_cli *c, const struct results *rb,
                               const struct results *rn, const struct compare_report *rep,
                               char w[][WARN_LEN], size_t max)
{
	size_t n = 0;
	if (strcmp(rb->scenario_name, rn->scenario_name) && n < max)
		snprintf(w[n++], WARN_LEN, "the scenarios differ: %s in %s, %s in %s",
		         rb->scenario_name, c->base, rn->scenario_name, c->new_);
	if (strcmp(rb->backend, rn->backend) && n < max)
		snprintf(w[n++], WARN_LEN, "the worlds differ: %s in %s, %s in %s", rb->backend,
		         c->base, rn->backend, c->new_);
	for (size_t k = 0; k < rep->n && n + 3 <= max; k++) {
		const struct compare_strategy *s = &rep->strategy[k];
		if (s->metric.n_base < s->runs_base)
			snprintf(w[n++], WARN_LEN,
			         "%s: %u of %u %s runs failed (only completed runs count)", c->base,
			         s->runs_base - (unsigned)s->metric.n_base, s->runs_base,
			         strategy_name(s->strategy));
		if (s->metric.n_new < s->runs_new)
			snprintf(w[n++], WARN_LEN,
			         "%s: %u of %u %s runs failed (only completed runs count)", c->new_,
			         s->runs_new - (unsigned)s->metric.n_new, s->runs_new,
			         strategy_name(s->strategy));
		if (s->metric.n_base < 5 || s->metric.n_new < 5)
			snprintf(w[n++], WARN_LEN,
			         "%s: %zu vs %zu completed runs: too few for the test to see much",
			         strategy_name(s->strategy), s->metric.n_base, s->metric.n_new);
	}
	return n;
}

int cli_compare(int argc, char **argv)
{
	struct compare_cli c;
	int rc = parse(argc, argv, &c);
	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	struct results *rb = NULL, *rn = NULL;
	char err[1024];
	/* Two sweep files (with /points): point by point (compare_study.c). */
	struct results_table *pb = NULL, *pn = NULL;
	bool sweep_base = !results_table_read(c.base, "points", &pb, err, sizeof err);
	bool sweep_new = !results_table_read(c.new_, "points", &pn, err, sizeof err);
	if (sweep_base && sweep_new)
		rc = compare_study(&c, pb, pn);
	if (pb)
		results_table_free(pb);
	if (pn)
		results_table_free(pn);
	if (sweep_base && sweep_new)
		return rc;
	if (sweep_base != sweep_new) {
		/* The other one's own error if it is no result file at all. */
		const char *other = sweep_base ? c.new_ : c.base;
		if (results_read_flags(other, RESULTS_READ_NO_TRACE, &rb, err, sizeof err))
			errorf("%s\n", err);
		else
			errorf("%s is a sweep file and %s is not: compare two run files, or two "
			       "sweep files point by point\n",
			       sweep_base ? c.base : c.new_, other);
		results_free(rb);
		return CLI_EXIT_ERROR;
	}
	if (results_read_flags(c.base, RESULTS_READ_NO_TRACE, &rb, err, sizeof err) ||
	    results_read_flags(c.new_, RESULTS_READ_NO_TRACE, &rn, err, sizeof err)) {
		errorf("%s\n", err);
		results_free(rb);
		return CLI_EXIT_ERROR;
	}
	struct compare_report rep;
	int status = CLI_EXIT_ERROR;
	if (compare_results(rb, rn, c.base, c.new_, &c.metric, c.strategy, &c.opts, &rep, err,
	                    sizeof err)) {
		errorf("%s\n", err);
		goto out;
	}
	char warnings[16][WARN_LEN];
	size_t n_warnings = collect_warnings(&c, rb, rn, &rep, warnings, 16);
	for (size_t i = 0; i < n_warnings; i++)
		fprintf(stderr, "switchover compare: warning: %s\n", warnings[i]);
	if (c.json)
		print_json(stdout, &c, rb, rn, &rep, warnings, n_warnings);
	else
		print_table(stdout, &c, rb, rn, &rep);
	if (fflush(stdout) != 0) {
		errorf("writing the comparison failed\n");
		goto out;
	}
	status = rep.verdict == COMPARE_REGRESSION ? COMPARE_EXIT_REGRESSION : CLI_EXIT_OK;
out:
	results_free(rb);
	results_free(rn);
	return status;
}
