/*
 * cli_compare.c - `switchover compare BASE.h5 NEW.h5`: did NEW regress?
 * Reads two result files, compares the chosen metric, every phase, the
 * other metrics, each device and the failure rate per strategy, paired or
 * not (results/compare.c), prints a table or JSON with the verdict last, and exits 0 (no
 * significant regression), 1 (regression) or 2 (error), so a pipeline can gate on it.
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
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
#include "plots.h"
#include "store.h"

/* compare's own meaning of exit status 1. */
#define COMPARE_EXIT_REGRESSION 1

void cli_compare_help(FILE *out)
{
	fprintf(out,
	        "usage: switchover compare BASE.h5 NEW.h5 [OPTIONS]\n\n"
	        "Compare two result files (written with `switchover sim ... -o FILE.h5`): did\n"
	        "NEW get slower than BASE?  For each strategy with runs in both files: the\n"
	        "metric, total time, ACK delay, precopy rounds, every phase and each device's\n"
	        "own time in the downtime (when both files have the same devices), each with\n"
	        "the medians of both sides, the change with a bootstrap confidence interval\n"
	        "and a two-sided rank test; and the failure rate (Fisher's exact test).\n\n"
	        "paired or unpaired: when both files ran the same seed in the same world, run\n"
	        "i of each drew the same random numbers, so run i is paired with run i: the\n"
	        "change is the median paired difference, the test Wilcoxon's signed-rank\n"
	        "test (\"paired: same seed 1, 30 runs each\").  Otherwise (other seeds, other\n"
	        "worlds, imported runs, --unpaired) the difference of the medians and the\n"
	        "Mann-Whitney U test (\"unpaired: seeds differ (1, 2)\"); so too when no run\n"
	        "index completed on both sides (said, and warned).  Only completed runs\n"
	        "count.  deterministic: when every run is the same on both sides (two runs\n"
	        "or more each) there is no test and no p-value: the exact change is held\n"
	        "against the threshold.\n\n"
	        "verdict of a metric: regression when it changed by more than the threshold\n"
	        "of the base median, the interval lies entirely above 0 and p < 1 -\n"
	        "confidence; improvement is the mirror image; otherwise no significant change\n"
	        "and the line says why (within the threshold, the interval contains 0, or p\n"
	        "too large), so \"p = 0.001 ... no significant change\" reads as what it is.\n"
	        "The overall verdict (last line) is decided by the chosen metric and the\n"
	        "failure rate of each strategy; the other metrics explain the change.\n\n"
	        "options:\n"
	        "  --metric M       downtime (default) | total | rounds | ack_delay |\n"
	        "                   phase:NAME, NAME one of src_prepare, src_main,\n"
	        "                   final_query, stopcopy, dst_load, dst_prepare, dst_main\n"
	        "  --threshold T    relative change of the median that matters: 5%% (default),\n"
	        "                   or a fraction (0.05)\n"
	        "  --confidence C   of the interval and the test: 0.95 (default) or 95%%\n"
	        "  --strategy S     compare only S (sequential, parallel-prio,\n"
	        "                   parallel-barrier); default: every strategy in both files\n"
	        "  --unpaired       never pair runs, even of the same seed\n"
	        "  --plot DIR       also draw base vs new per phase, per strategy:\n"
	        "                   DIR/phases-STRATEGY.png (the phase medians of both files\n"
	        "                   side by side) and, when the runs are paired,\n"
	        "                   DIR/differences-STRATEGY.png (the run-by-run differences\n"
	        "                   of every phase and the downtime); the paths on stderr\n"
	        "  --resamples N    bootstrap resamples (default 10000)\n"
	        "  --seed N         bootstrap seed (default 1): the same files and options\n"
	        "                   always give the same verdict\n"
	        "  --format F       table (default) | json\n"
	        "  -h, --help       this help\n\n"
	        "The verdict is the last line, e.g.\n"
	        "  verdict: regression (from downtime and the failure rate of each strategy):\n"
	        "  parallel-prio downtime: regression: +12.3%% [+11.1, +13.6] (794.2 -> 891.9\n"
	        "  ms, median paired difference +97.7 ms), Wilcoxon p < 0.001, threshold 5%%\n"
	        "  (paired: same seed 1, 30 runs each)\n"
	        "Warnings (stderr) for mismatched inputs: the first differing key of the\n"
	        "resolved scenarios, device counts, worlds, tool versions, failed runs, too\n"
	        "few runs for the confidence asked, outliers (beyond Q3 + 3 IQR).\n"
	        "json: {base, new, metric, threshold, confidence, resamples, seed, paired,\n"
	        "pairing, warnings, strategies: [{strategy, runs_base, runs_new, metric:\n"
	        "STATS, total, rounds, ack_delay: STATS, failures: {failed_base, runs_base,\n"
	        "failed_new, runs_new, p, verdict}, phases: {NAME: STATS}, devices: {NAME:\n"
	        "STATS}}], verdict}; STATS = {n_base, n_new, base_median_s, new_median_s,\n"
	        "diff_s, rel, ci_s: [lo, hi], u, w, p, p_method (exact|normal|none), design\n"
	        "(paired|unpaired|deterministic), test, n_zero, outliers_base, outliers_new,\n"
	        "why, verdict} or null when a side has no value; rounds (a count) name them\n"
	        "base_median_rounds, new_median_rounds, diff_rounds, ci_rounds.\n"
	        "A metric no run of a side has (the ACK delay without ACK requests, precopy\n"
	        "rounds when no run had one, any metric when every run failed) gets no\n"
	        "verdict and the line says so (\"no verdict: absent in both files\", \"no\n"
	        "completed runs on the new side\"); the failure rate still decides.\n"
	        "A change beyond the threshold on too few runs for any p below 1 -\n"
	        "confidence is \"undecided: ... too few runs for a verdict\" (json: why \"too\n"
	        "few runs\"), and so is the verdict when nothing else changed; exit 0.\n\n"
	        "Two sweep files (switchover sweep -o, docs/sweep.md) are compared point by\n"
	        "point: points are matched by base scenario, axis values and strategy, each\n"
	        "pair's completed runs compared as above (paired when the two points ran the\n"
	        "same seed); one line per point that changed, is undecided or has no value,\n"
	        "a warning for each point found in one file only, then the verdict line\n"
	        "(json: {..., points: [{point,\n"
	        "scenario, axes, strategy, runs_base, runs_new, metric: STATS, verdict}],\n"
	        "verdict}).\n\n"
	        "exit status: 0 no significant regression (or undecided), 1 regression, 2\n"
	        "error (unreadable file, no strategy in common, bad option).  Mismatched\n"
	        "inputs are only\n"
	        "warnings.  docs/results.md has the method.\n");
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
	    {"unpaired", no_argument, NULL, 'u'},
	    {"plot", required_argument, NULL, 'p'},
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
				errorf(
				    "--metric '%s': expected downtime, total, rounds, ack_delay or "
				    "phase:NAME with NAME one of src_prepare, src_main, "
				    "final_query, stopcopy, "
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
		case 'u':
			c->opts.unpaired = true;
			break;
		case 'p':
			c->plot_dir = optarg;
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

/* v as a change of base (the interval is shown like the change itself). */
static double relative_of(double v, double base)
{
	return base != 0 ? v / fabs(base) : v > 0 ? INFINITY : v < 0 ? -INFINITY : 0;
}

/* Per-device comparisons: st[strategy k * n + device d]. */
struct device_cmp {
	size_t n;
	char (*name)[64];
	struct compare_stats *st;
};

/* "+12.3%", "+inf%" */
static void percent(char *buf, size_t len, double rel)
{
	if (isinf(rel))
		snprintf(buf, len, "%s", rel > 0 ? "+inf%" : "-inf%");
	else
		snprintf(buf, len, "%+.1f%%", rel * 100);
}

/* "p < 0.001", "p = 0.042" */
static void p_text(char *buf, size_t len, double p)
{
	if (p < 0.001)
		snprintf(buf, len, "p < 0.001");
	else
		snprintf(buf, len, "p = %.2g", p);
}

void compare_cli_absent(char *buf, size_t len, const struct compare_stats *st)
{
	const char *b = st->n_base           ? NULL
	                : st->completed_base ? "absent in the base file"
	                                     : "no completed runs on the base side";
	const char *n = st->n_new           ? NULL
	                : st->completed_new ? "absent in the new file"
	                                    : "no completed runs on the new side";
	if (b && n && st->completed_base && st->completed_new)
		snprintf(buf, len, "absent in both files");
	else if (b && n && !st->completed_base && !st->completed_new)
		snprintf(buf, len, "no completed runs on either side");
	else if (b && n)
		snprintf(buf, len, "%s, %s", b, n);
	else
		snprintf(buf, len, "%s", b ? b : n ? n : "");
}

const char *compare_cli_verdict(const struct compare_stats *st)
{
	return st->why == COMPARE_WHY_TOO_FEW ? "undecided" : compare_verdict_name(st->verdict);
}

void compare_cli_describe(char *buf, size_t len, const char *what, const struct compare_stats *st,
                          const struct compare_opts *o, bool seconds)
{
	double k = seconds ? 1e3 : 1;
	const char *unit = seconds ? "ms" : "rounds";
	char rel[32], lo[32], hi[32], p[32], thr[48];
	percent(rel, sizeof rel, st->rel);
	snprintf(thr, sizeof thr, "threshold %g%%", o->threshold * 100);
	const char *verdict = compare_cli_verdict(st);
	if (!st->n_base || !st->n_new) {
		char absent[160];
		compare_cli_absent(absent, sizeof absent, st);
		snprintf(buf, len, "%s: no verdict: %s", what, absent);
		return;
	}
	if (st->design == COMPARE_DETERMINISTIC) {
		snprintf(buf, len,
		         "%s: %s: %s exactly (%.1f -> %.1f %s), deterministic: every run the same "
		         "on both sides, no test, %s",
		         what, verdict, rel, st->base_median * k, st->new_median * k, unit, thr);
		return;
	}
	if (st->design == COMPARE_PAIRED && st->n_zero == st->n_base) {
		snprintf(buf, len, "%s: %s: identical in all %zu pairs of runs (%.1f %s)", what,
		         verdict, st->n_base, st->base_median * k, unit);
		return;
	}
	/* The interval as a change of the base median, like the change itself. */
	percent(lo, sizeof lo, relative_of(st->ci_lo, st->base_median));
	percent(hi, sizeof hi, relative_of(st->ci_hi, st->base_median));
	p_text(p, sizeof p, st->p);
	const char *test = st->design == COMPARE_PAIRED ? "Wilcoxon" : "Mann-Whitney";
	char why[96] = "";
	if (st->why == COMPARE_WHY_THRESHOLD)
		snprintf(thr, sizeof thr, "within the %g%% threshold", o->threshold * 100);
	else if (st->why == COMPARE_WHY_INTERVAL)
		snprintf(why, sizeof why, ": the interval contains 0");
	else if (st->why == COMPARE_WHY_P)
		snprintf(why, sizeof why, ": p >= %g", 1 - o->confidence);
	else if (st->why == COMPARE_WHY_UNDEFINED)
		snprintf(why, sizeof why, ": the change is not a number");
	else if (st->why == COMPARE_WHY_TOO_FEW)
		snprintf(why, sizeof why,
		         ": too few runs for a verdict (the smallest possible p is %.2g)",
		         compare_min_p(st->design, st->n_base, st->n_new));
	snprintf(buf, len, "%s: %s: %s [%s, %s] (%.1f -> %.1f %s, %s %+.1f %s), %s %s, %s%s", what,
	         verdict, rel, lo, hi, st->base_median * k, st->new_median * k, unit,
	         st->design == COMPARE_PAIRED ? "median paired difference" : "difference",
	         st->diff * k, unit, test, p, thr, why);
}

void compare_cli_print_rule(FILE *out, const char *metric, const char *scope,
                            const struct compare_opts *o)
{
	fprintf(out,
	        "metric %s%s; regression: changed by more than the %g%% threshold, %g%%\n"
	        "interval above 0 and p < %g (percentile bootstrap, %u resamples, seed %llu);\n"
	        "runs of the same seed are paired run by run (Wilcoxon signed-rank), others\n"
	        "unpaired (Mann-Whitney U), * = exact p; deterministic samples (no spread):\n"
	        "the exact change against the threshold, no test\n",
	        metric, scope, o->threshold * 100, o->confidence * 100, 1 - o->confidence,
	        o->resamples, (unsigned long long)o->seed);
}

/* Fisher's test line of one strategy's failures. */
static void describe_failures(char *buf, size_t len, const char *what,
                              const struct compare_failures *f, const struct compare_opts *o)
{
	char p[32];
	p_text(p, sizeof p, f->p);
	if (!f->failed_base && !f->failed_new)
		snprintf(buf, len, "%s: %s: no run failed on either side (%u and %u runs)", what,
		         compare_verdict_name(f->verdict), f->runs_base, f->runs_new);
	else
		snprintf(buf, len,
		         "%s: %s: %u/%u -> %u/%u runs failed, Fisher %s (any rise with p < %g "
		         "counts)",
		         what, compare_verdict_name(f->verdict), f->failed_base, f->runs_base,
		         f->failed_new, f->runs_new, p, 1 - o->confidence);
}

static const char *change_mark(const struct compare_stats *st)
{
	return st->verdict != COMPARE_SAME || st->why == COMPARE_WHY_TOO_FEW
	           ? compare_cli_verdict(st)
	           : "-";
}

static const char *test_name(const struct compare_stats *st)
{
	return st->design == COMPARE_DETERMINISTIC ? "none"
	       : st->design == COMPARE_PAIRED      ? "wilcoxon"
	                                           : "mann-whitney";
}

/* One table row; k scales the values (1e3: seconds shown in ms). */
static void table_row(FILE *out, const char *name, const struct compare_stats *st, double k)
{
	char rel[16], ci[48], p[16];
	if (!st->n_base || !st->n_new) {
		char absent[160];
		compare_cli_absent(absent, sizeof absent, st);
		fprintf(out, "  %-13s %11s %11s %10s %8s  (%s)\n", name, "-", "-", "-", "-",
		        absent);
		return;
	}
	percent(rel, sizeof rel, st->rel);
	snprintf(ci, sizeof ci, "[%+.3f, %+.3f]", st->ci_lo * k, st->ci_hi * k);
	if (isnan(st->p))
		snprintf(p, sizeof p, "%8s ", "no test");
	else
		snprintf(p, sizeof p, "%8.2g%s", st->p, st->p_exact ? "*" : " ");
	fprintf(out, "  %-13s %11.3f %11.3f %+10.3f %8s  %-24s %s  %s\n", name, st->base_median * k,
	        st->new_median * k, st->diff * k, rel, ci, p, change_mark(st));
}

/* "paired: same seed 1, 30 runs each" / "unpaired: seeds differ (1, 2)" */
static void pairing_text(char *buf, size_t len, const struct compare_report *rep,
                         const struct compare_stats *st)
{
	if (rep->paired && st->no_pairs)
		snprintf(
		    buf, len,
		    "unpaired: no run index completed on both sides (%s otherwise), %zu and %zu "
		    "runs",
		    rep->pairing, st->n_base, st->n_new);
	else if (rep->paired && st->n_base && st->n_new)
		snprintf(buf, len, "%s, %zu runs each", rep->pairing, st->n_base);
	else
		snprintf(buf, len, "%s", rep->pairing);
}

static void print_table(FILE *out, const struct compare_cli *c, const struct results *rb,
                        const struct results *rn, const struct compare_report *rep,
                        const struct device_cmp *dev)
{
	char metric[32];
	compare_metric_name(&rep->metric, metric, sizeof metric);
	fprintf(out, "base  %s: %s, %s world, %zu runs, written %s\n", c->base, rb->scenario_name,
	        rb->backend, rb->n_runs, rb->start_time);
	fprintf(out, "new   %s: %s, %s world, %zu runs, written %s\n", c->new_, rn->scenario_name,
	        rn->backend, rn->n_runs, rn->start_time);
	compare_cli_print_rule(out, metric, "", &rep->opts);
	char line[768], what[96], pairing[320];
	for (size_t k = 0; k < rep->n; k++) {
		const struct compare_strategy *s = &rep->strategy[k];
		const char *st = strategy_name(s->strategy);
		pairing_text(pairing, sizeof pairing, rep, &s->metric);
		fprintf(out, "\n%s: %s (%u and %u runs, %u and %u failed)\n", st, pairing,
		        s->runs_base, s->runs_new, s->failures.failed_base, s->failures.failed_new);
		fprintf(out, "  %-13s %11s %11s %10s %8s  %-24s %9s  %s\n", "", "base", "new",
		        "diff", "rel", "CI of diff", "p", "change");
		bool metric_s = rep->metric.kind != COMPARE_ROUNDS;
		table_row(out, metric, &s->metric, metric_s ? 1e3 : 1);
		table_row(out, "total", &s->total, 1e3);
		table_row(out, "ack_delay", &s->ack_delay, 1e3);
		table_row(out, "rounds", &s->rounds, 1);
		for (int p = 0; p < PHASE_COUNT; p++)
			table_row(out, phase_name((enum phase)p), &s->phase[p], 1e3);
		for (size_t d = 0; dev && d < dev->n; d++) {
			snprintf(what, sizeof what, "dev %s", dev->name[d]);
			table_row(out, what, &dev->st[k * dev->n + d], 1e3);
		}
		fprintf(out, "  (times in ms, rounds in rounds)\n\n");
		compare_cli_describe(line, sizeof line, metric, &s->metric, &rep->opts, metric_s);
		fprintf(out, "%s %s\n", st, line);
		const struct {
			const char *name;
			const struct compare_stats *st;
			bool seconds;
		} more[] = {{"total", &s->total, true},
		            {"ack_delay", &s->ack_delay, true},
		            {"rounds", &s->rounds, false}};
		for (size_t m = 0; m < sizeof more / sizeof *more; m++) {
			compare_cli_describe(line, sizeof line, more[m].name, more[m].st,
			                     &rep->opts, more[m].seconds);
			fprintf(out, "%s %s\n", st, line);
		}
		for (int p = 0; p < PHASE_COUNT; p++) {
			snprintf(what, sizeof what, "phase:%s", phase_name((enum phase)p));
			compare_cli_describe(line, sizeof line, what, &s->phase[p], &rep->opts,
			                     true);
			fprintf(out, "%s %s\n", st, line);
		}
		size_t changed = 0, undecided = 0;
		for (size_t d = 0; dev && d < dev->n; d++) {
			const struct compare_stats *ds = &dev->st[k * dev->n + d];
			changed += ds->verdict != COMPARE_SAME;
			undecided += ds->why == COMPARE_WHY_TOO_FEW;
			if (ds->verdict == COMPARE_SAME && ds->why != COMPARE_WHY_TOO_FEW)
				continue;
			snprintf(what, sizeof what, "device %s", dev->name[d]);
			compare_cli_describe(line, sizeof line, what, ds, &rep->opts, true);
			fprintf(out, "%s %s\n", st, line);
		}
		char more_text[80] = "";
		if (undecided)
			snprintf(more_text, sizeof more_text,
			         ", %zu undecided (too few runs for a verdict)", undecided);
		if (dev)
			fprintf(out,
			        "%s devices: %zu of %zu changed their own time in the downtime%s\n",
			        st, changed, dev->n, more_text);
		describe_failures(line, sizeof line, "failure rate", &s->failures, &rep->opts);
		fprintf(out, "%s %s\n", st, line);
	}
	fputc('\n', out);
	/* The overall verdict: the chosen metric and the failure rate decide,
	 * the other metrics explain. */
	bool too_few = false;
	for (size_t k = 0; k < rep->n; k++)
		too_few |= rep->strategy[k].metric.why == COMPARE_WHY_TOO_FEW;
	fprintf(out, "verdict: %s (from %s and the failure rate of each strategy)",
	        rep->verdict == COMPARE_SAME && too_few ? "undecided"
	                                                : compare_verdict_name(rep->verdict),
	        metric);
	for (size_t k = 0; k < rep->n; k++) {
		const struct compare_strategy *s = &rep->strategy[k];
		snprintf(what, sizeof what, "%s %s", strategy_name(s->strategy), metric);
		compare_cli_describe(line, sizeof line, what, &s->metric, &rep->opts,
		                     rep->metric.kind != COMPARE_ROUNDS);
		fprintf(out, "%s %s", k ? ";" : ":", line);
		if (s->failures.verdict != COMPARE_SAME) {
			describe_failures(line, sizeof line, "failure rate", &s->failures,
			                  &rep->opts);
			fprintf(out, "; %s", line);
		}
		pairing_text(pairing, sizeof pairing, rep, &s->metric);
		fprintf(out, " (%s)", pairing);
	}
	fputc('\n', out);
}

static const char *const why_words[] = {[COMPARE_WHY_CHANGED] = "changed",
                                        [COMPARE_WHY_THRESHOLD] = "within the threshold",
                                        [COMPARE_WHY_INTERVAL] = "the interval contains 0",
                                        [COMPARE_WHY_P] = "p above 1 - confidence",
                                        [COMPARE_WHY_UNDEFINED] = "the change is not a number",
                                        [COMPARE_WHY_TOO_FEW] = "too few runs"};

enum compare_why compare_cli_why(const char *word)
{
	for (size_t k = 0; word && k < sizeof why_words / sizeof why_words[0]; k++)
		if (why_words[k] && !strcmp(word, why_words[k]))
			return (enum compare_why)k;
	return COMPARE_WHY_CHANGED;
}

json_t *compare_cli_json_stats(const struct compare_stats *st, bool seconds)
{
	if (!st->n_base || !st->n_new)
		return json_null();
	const char *u = seconds ? "s" : "rounds";
	char bm[32], nm[32], df[32], ci[32];
	snprintf(bm, sizeof bm, "base_median_%s", u);
	snprintf(nm, sizeof nm, "new_median_%s", u);
	snprintf(df, sizeof df, "diff_%s", u);
	snprintf(ci, sizeof ci, "ci_%s", u);
	return json_pack(
	    "{s:I,s:I,s:o,s:o,s:o,s:o,s:[o,o],s:o,s:o,s:o,s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:o}",
	    "n_base", (json_int_t)st->n_base, "n_new", (json_int_t)st->n_new, bm,
	    output_json_number(st->base_median), nm, output_json_number(st->new_median), df,
	    output_json_number(st->diff), "rel", output_json_number(st->rel), ci,
	    output_json_number(st->ci_lo), output_json_number(st->ci_hi), "u",
	    output_json_number(st->u), "w", output_json_number(st->w), "p",
	    output_json_number(st->p), "p_method",
	    isnan(st->p)  ? "none"
	    : st->p_exact ? "exact"
	                  : "normal",
	    "design", compare_design_name(st->design), "test", test_name(st), "n_zero",
	    (json_int_t)st->n_zero, "outliers_base", (json_int_t)st->outliers_base, "outliers_new",
	    (json_int_t)st->outliers_new, "why", why_words[st->why], "verdict",
	    output_json_string(compare_verdict_name(st->verdict)));
}

static json_t *json_file(const char *path, const struct results *r)
{
	return json_pack("{s:o,s:o,s:o,s:I,s:I,s:o}", "file", output_json_string(path), "scenario",
	                 output_json_string(r->scenario_name), "backend",
	                 output_json_string(r->backend), "runs", (json_int_t)r->n_runs, "seed",
	                 (json_int_t)r->seed, "tool_version", output_json_string(r->tool_version));
}

static void print_json(FILE *out, const struct compare_cli *c, const struct results *rb,
                       const struct results *rn, const struct compare_report *rep,
                       const struct device_cmp *dev, GPtrArray *warnings)
{
	char metric[32];
	compare_metric_name(&rep->metric, metric, sizeof metric);
	json_t *warn = json_array(), *strategies = json_array();
	bool metric_s = rep->metric.kind != COMPARE_ROUNDS;
	for (size_t i = 0; i < warnings->len; i++)
		json_array_append_new(warn, output_json_string(g_ptr_array_index(warnings, i)));
	for (size_t k = 0; k < rep->n; k++) {
		const struct compare_strategy *s = &rep->strategy[k];
		json_t *phases = json_object(), *devices = json_object();
		for (int p = 0; p < PHASE_COUNT; p++)
			json_object_set_new(phases, phase_name((enum phase)p),
			                    compare_cli_json_stats(&s->phase[p], true));
		for (size_t d = 0; dev && d < dev->n; d++)
			json_object_set_new(devices, dev->name[d],
			                    compare_cli_json_stats(&dev->st[k * dev->n + d], true));
		const struct compare_failures *f = &s->failures;
		json_t *fail = json_pack(
		    "{s:I,s:I,s:I,s:I,s:o,s:s}", "failed_base", (json_int_t)f->failed_base,
		    "runs_base", (json_int_t)f->runs_base, "failed_new", (json_int_t)f->failed_new,
		    "runs_new", (json_int_t)f->runs_new, "p", output_json_number(f->p), "verdict",
		    compare_verdict_name(f->verdict));
		json_array_append_new(
		    strategies,
		    json_pack("{s:s,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "strategy",
		              strategy_name(s->strategy), "runs_base", (json_int_t)s->runs_base,
		              "runs_new", (json_int_t)s->runs_new, "metric",
		              compare_cli_json_stats(&s->metric, metric_s), "total",
		              compare_cli_json_stats(&s->total, true), "rounds",
		              compare_cli_json_stats(&s->rounds, false), "ack_delay",
		              compare_cli_json_stats(&s->ack_delay, true), "failures", fail,
		              "phases", phases, "devices", devices));
	}
	json_t *root = json_pack(
	    "{s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:b,s:o,s:o,s:o,s:o}", "base", json_file(c->base, rb),
	    "new", json_file(c->new_, rn), "metric", output_json_string(metric), "threshold",
	    output_json_number(rep->opts.threshold), "confidence",
	    output_json_number(rep->opts.confidence), "resamples", (json_int_t)rep->opts.resamples,
	    "seed", (json_int_t)rep->opts.seed, "paired", rep->paired, "pairing",
	    output_json_string(rep->pairing), "warnings", warn, "strategies", strategies, "verdict",
	    output_json_string(compare_verdict_name(rep->verdict)));
	/* Not compact: ", " and ": " between items, as this output always had. */
	output_json_write(out, root, 0);
}

/*
 * The first line where two resolved scenarios (scenario_to_yaml text)
 * differ, as a key path ("devices[0].latency.pre_copy_p2p_to_stop_copy")
 * with its value on each side.  False when the texts are equal.
 */
static bool first_difference(const char *a, const char *b, char *key, size_t key_len, char *va,
                             char *vb, size_t v_len)
{
	gchar **la = g_strsplit(a ? a : "", "\n", -1), **lb = g_strsplit(b ? b : "", "\n", -1);
	struct level {
		int indent;
		char name[64];
		int items; /* list items seen under this key */
	} stack[32];
	int depth = 0;
	bool differ = false;
	for (size_t i = 0; la[i] || lb[i]; i++) {
		const char *line = la[i] ? la[i] : lb[i];
		differ = !la[i] || !lb[i] || strcmp(la[i], lb[i]);
		int ind = (int)strspn(line, " ");
		const char *rest = line + ind;
		if (!*rest)
			continue;
		bool item = !strncmp(rest, "- ", 2);
		/* A list may sit at its key's own indent ("devices:\n- name: a"). */
		while (depth && (stack[depth - 1].indent > ind ||
		                 (stack[depth - 1].indent == ind &&
		                  (!item || stack[depth - 1].name[0] == '['))))
			depth--;
		if (item && depth < 31) {
			int n = depth ? stack[depth - 1].items++ : 0;
			stack[depth] = (struct level){.indent = ind};
			snprintf(stack[depth++].name, sizeof stack->name, "[%d]", n);
			rest += 2;
			ind += 2;
		}
		const char *colon = strchr(rest, ':');
		if (colon && depth < 32) {
			stack[depth] = (struct level){.indent = ind};
			snprintf(stack[depth++].name, sizeof stack->name, "%.*s",
			         (int)(colon - rest), rest);
		}
		if (!differ)
			continue;
		GString *k = g_string_new(NULL);
		for (int d = 0; d < depth; d++)
			g_string_append_printf(k, "%s%s", d && stack[d].name[0] != '[' ? "." : "",
			                       stack[d].name);
		snprintf(key, key_len, "%s", k->len ? k->str : rest);
		g_string_free(k, TRUE);
		for (int side = 0; side < 2; side++) {
			const char *l = side ? lb[i] : la[i];
			const char *c = l ? strchr(l, ':') : NULL;
			char *v = side ? vb : va;
			snprintf(v, v_len, "%s", !l ? "(absent)" : c ? c + 1 : l);
			g_strstrip(v);
		}
		break;
	}
	g_strfreev(la);
	g_strfreev(lb);
	return differ;
}
#define warn(w, ...) g_ptr_array_add(w, g_strdup_printf(__VA_ARGS__))

/* Outliers and sample sizes of one comparison. */
static void warn_stats(GPtrArray *w, const struct compare_cli *c, const char *what,
                       const struct compare_stats *st)
{
	if (!st->n_base || !st->n_new)
		return;
	if (st->no_pairs)
		warn(w,
		     "%s: no run index completed on both sides: compared unpaired (Mann-Whitney) "
		     "although the seeds are the same",
		     what);
	if (st->outliers_base)
		warn(w,
		     "%s: %zu of %zu %s values are outliers (beyond Q3 + 3 IQR or below Q1 - 3 "
		     "IQR): a disturbed run?",
		     c->base, st->outliers_base, st->n_base, what);
	if (st->outliers_new)
		warn(w,
		     "%s: %zu of %zu %s values are outliers (beyond Q3 + 3 IQR or below Q1 - 3 "
		     "IQR): a disturbed run?",
		     c->new_, st->outliers_new, st->n_new, what);
	double alpha = 1 - c->opts.confidence;
	if (st->design == COMPARE_DETERMINISTIC ||
	    compare_min_p(st->design, st->n_base, st->n_new) < alpha)
		return;
	size_t need = st->n_base;
	while (compare_min_p(st->design, need, need) >= alpha)
		need++;
	warn(w,
	     "%s: %zu vs %zu runs: too few for %g%% confidence (the smallest possible p is "
	     "%.2g): no change can be significant; use at least %zu runs each",
	     what, st->n_base, st->n_new, c->opts.confidence * 100,
	     compare_min_p(st->design, st->n_base, st->n_new), need);
}

/* Things worth knowing that do not stop the comparison. */
static void collect_warnings(GPtrArray *w, const struct compare_cli *c, const struct results *rb,
                             const struct results *rn, const struct compare_report *rep)
{
	char key[256], vb[128], vn[128];
	if (first_difference(rb->scenario_yaml, rn->scenario_yaml, key, sizeof key, vb, vn,
	                     sizeof vb))
		warn(w, "the scenarios differ, first at %s: %s in %s, %s in %s", key, vb, c->base,
		     vn, c->new_);
	size_t db = rb->scenario ? scenario_device_count(rb->scenario) : 0;
	size_t dn = rn->scenario ? scenario_device_count(rn->scenario) : 0;
	if (db != dn)
		warn(w, "the device counts differ: %zu in %s, %zu in %s", db, c->base, dn, c->new_);
	if (strcmp(rb->backend, rn->backend))
		warn(w, "the worlds differ: %s in %s, %s in %s", rb->backend, c->base, rn->backend,
		     c->new_);
	if (strcmp(rb->tool_version, rn->tool_version) ||
	    strcmp(rb->git_revision, rn->git_revision))
		warn(w, "the tool versions differ: %s (%s) in %s, %s (%s) in %s", rb->tool_version,
		     rb->git_revision, c->base, rn->tool_version, rn->git_revision, c->new_);
	char metric[32], what[96];
	compare_metric_name(&rep->metric, metric, sizeof metric);
	for (size_t k = 0; k < rep->n; k++) {
		const struct compare_strategy *s = &rep->strategy[k];
		const char *st = strategy_name(s->strategy);
		if (s->failures.failed_base)
			warn(w, "%s: %u of %u %s runs failed (only completed runs count)", c->base,
			     s->failures.failed_base, s->runs_base, st);
		if (s->failures.failed_new)
			warn(w, "%s: %u of %u %s runs failed (only completed runs count)", c->new_,
			     s->failures.failed_new, s->runs_new, st);
		snprintf(what, sizeof what, "%s %s", st, metric);
		warn_stats(w, c, what, &s->metric);
	}
}

/* The run-by-run differences of every phase and the downtime of one
 * strategy's paired runs into `path`. */
static int draw_differences(const struct compare_cli *c, const struct results *rb,
                            const struct results *rn, enum strategy_kind st, const char *path,
                            char *err, size_t errlen)
{
	double *d[PHASE_COUNT + 1] = {0};
	size_t n[PHASE_COUNT + 1] = {0};
	const char *names[PHASE_COUNT + 1];
	int rc = 0;
	for (int p = 0; p <= PHASE_COUNT && !rc; p++) {
		struct compare_metric m = {p < PHASE_COUNT ? COMPARE_PHASE : COMPARE_DOWNTIME,
		                           (enum phase)(p < PHASE_COUNT ? p : 0)};
		names[p] = p < PHASE_COUNT ? phase_name((enum phase)p) : "downtime";
		if (compare_paired_diffs(rb, rn, st, &m, &d[p], &n[p])) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
	}
	char *title =
	    g_strdup_printf("%s, %s: new - base over %zu paired runs (%s vs %s)", rb->scenario_name,
	                    strategy_name(st), n[PHASE_COUNT], c->new_, c->base);
	if (!rc)
		rc = plot_differences(title, names, (const double *const *)d, n, PHASE_COUNT + 1,
		                      PLOT_PNG, path, err, errlen);
	g_free(title);
	for (int p = 0; p <= PHASE_COUNT; p++)
		free(d[p]);
	return rc;
}

/* --plot DIR: per strategy the phase medians of both files, and when the
 * runs are paired their run-by-run differences; a strategy without
 * completed runs on a side has no pictures. */
static int draw(const struct compare_cli *c, const struct results *rb, const struct results *rn,
                const struct compare_report *rep)
{
	if (g_mkdir_with_parents(c->plot_dir, 0777)) {
		errorf("--plot %s: cannot create the directory: %s\n", c->plot_dir,
		       g_strerror(errno));
		return -1;
	}
	const struct results *files[] = {rb, rn};
	char *labels[] = {g_strdup_printf("base: %s", c->base),
	                  g_strdup_printf("new: %s", c->new_)};
	char path[4200], err[1024];
	int rc = 0;
	for (size_t k = 0; k < rep->n && !rc; k++) {
		const struct compare_strategy *s = &rep->strategy[k];
		const char *st = strategy_name(s->strategy);
		const struct compare_stats *dt = &s->phase[0];
		if (!dt->completed_base || !dt->completed_new) {
			fprintf(stderr, "switchover compare: no picture of %s: %s\n", st,
			        !dt->completed_base ? "no completed runs on the base side"
			                            : "no completed runs on the new side");
			continue;
		}
		snprintf(path, sizeof path, "%s/phases-%s.png", c->plot_dir, st);
		rc = plot_phases(files, (const char *const *)labels, 2, s->strategy, PLOT_PNG, path,
		                 err, sizeof err);
		if (!rc)
			fprintf(stderr, "switchover compare: wrote %s\n", path);
		if (!rc && rep->paired && !dt->no_pairs) {
			snprintf(path, sizeof path, "%s/differences-%s.png", c->plot_dir, st);
			rc = draw_differences(c, rb, rn, s->strategy, path, err, sizeof err);
			if (!rc)
				fprintf(stderr, "switchover compare: wrote %s\n", path);
		}
		if (rc)
			errorf("%s\n", err);
	}
	g_free(labels[0]);
	g_free(labels[1]);
	return rc;
}

/* Each device's own time, when both files have the same devices. */
static int compare_each_device(const struct results *rb, const struct results *rn,
                               const struct compare_report *rep, struct device_cmp *dev, char *err,
                               size_t errlen)
{
	dev->n = 0;
	if (!rb->scenario || !rn->scenario ||
	    scenario_device_count(rb->scenario) != scenario_device_count(rn->scenario))
		return 0;
	dev->n = scenario_device_count(rb->scenario);
	dev->name = g_malloc0((dev->n + 1) * sizeof *dev->name);
	dev->st = g_new0(struct compare_stats, rep->n * dev->n + 1);
	for (size_t d = 0; d < dev->n; d++)
		scenario_device_name(rb->scenario, d, dev->name[d], sizeof dev->name[d]);
	for (size_t k = 0; k < rep->n; k++)
		for (size_t d = 0; d < dev->n; d++)
			if (compare_device_runs(rb, rn, rep->strategy[k].strategy, d, rep->paired,
			                        &rep->opts, &dev->st[k * dev->n + d], err, errlen))
				return -1;
	return 0;
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
		if (results_read_flags(other, RESULTS_READ_SUMMARY, &rb, err, sizeof err))
			errorf("%s\n", err);
		else
			errorf("%s is a sweep file and %s is not: compare two run files, or two "
			       "sweep files point by point\n",
			       sweep_base ? c.base : c.new_, other);
		results_free(rb);
		return CLI_EXIT_ERROR;
	}
	if (results_read_flags(c.base, RESULTS_READ_SUMMARY, &rb, err, sizeof err) ||
	    results_read_flags(c.new_, RESULTS_READ_SUMMARY, &rn, err, sizeof err)) {
		errorf("%s\n", err);
		results_free(rb);
		return CLI_EXIT_ERROR;
	}
	struct compare_report rep;
	struct device_cmp dev = {0};
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	int status = CLI_EXIT_ERROR;
	if (compare_results(rb, rn, c.base, c.new_, &c.metric, c.strategy, &c.opts, &rep, err,
	                    sizeof err) ||
	    compare_each_device(rb, rn, &rep, &dev, err, sizeof err)) {
		errorf("%s\n", err);
		goto out;
	}
	collect_warnings(warnings, &c, rb, rn, &rep);
	for (size_t i = 0; i < warnings->len; i++)
		fprintf(stderr, "switchover compare: warning: %s\n",
		        (char *)g_ptr_array_index(warnings, i));
	if (c.json)
		print_json(stdout, &c, rb, rn, &rep, dev.n ? &dev : NULL, warnings);
	else
		print_table(stdout, &c, rb, rn, &rep, dev.n ? &dev : NULL);
	if (fflush(stdout) != 0) {
		errorf("writing the comparison failed\n");
		goto out;
	}
	if (c.plot_dir && draw(&c, rb, rn, &rep))
		goto out;
	status = rep.verdict == COMPARE_REGRESSION ? COMPARE_EXIT_REGRESSION : CLI_EXIT_OK;
out:
	g_free(dev.name);
	g_free(dev.st);
	g_ptr_array_free(warnings, TRUE);
	results_free(rb);
	results_free(rn);
	return status;
}
