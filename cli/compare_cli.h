/*
 * compare_cli.h - what `switchover compare` shares between comparing two
 * run files (cli_compare.c) and two sweep files point by point
 * (compare_study.c): the parsed command line and the one-sentence summary
 * of a change.
 */
#ifndef SWITCHOVER_COMPARE_CLI_H
#define SWITCHOVER_COMPARE_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compare.h"
#include "store.h"

struct compare_cli {
	const char *base, *new_;
	struct compare_metric metric;
	struct compare_opts opts;
	int strategy; /* -1: every strategy */
	bool json;
	const char *plot_dir; /* --plot: draw the phases there; NULL: no pictures */
};

/* One verdict line with its rule visible, `what` first: "downtime:
 * regression: +12.3% [+10.1, +14.6] (794.2 -> 891.9 ms, ...), Wilcoxon p <
 * 0.001, threshold 5%", with why when there is no significant change, and
 * "deterministic ... no test" without a p-value.  seconds: the values are
 * times (shown in ms), else precopy rounds. */
void compare_cli_describe(char *buf, size_t len, const char *what, const struct compare_stats *st,
                          const struct compare_opts *o, bool seconds);

/* The verdict rule, printed above a comparison: "metric downtime<scope>;
 * regression: ...". */
void compare_cli_print_rule(FILE *out, const char *metric, const char *scope,
                            const struct compare_opts *o);

/* The verdict's word of one comparison: compare_verdict_name, or
 * "undecided" when there were too few runs for one (COMPARE_WHY_TOO_FEW:
 * exit status as no significant change, 0). */
const char *compare_cli_verdict(const struct compare_stats *st);
/* The reason of a comparison from its JSON word ("why" of
 * compare_cli_json_stats: "too few runs", ...); COMPARE_WHY_CHANGED for
 * NULL or a word it does not know. */
enum compare_why compare_cli_why(const char *word);
/* Why a comparison has no value on a side: "no completed runs on the new
 * side", "absent in the base file" (completed runs, none with a value),
 * "absent in both files". */
void compare_cli_absent(char *buf, size_t len, const struct compare_stats *st);

/* The JSON object of one comparison's statistics (new reference; null when
 * a side had no value).  The medians, the difference and the interval are
 * named with their unit: base_median_s ... ci_s for times (`seconds`), else
 * base_median_rounds ... ci_rounds. */
json_t *compare_cli_json_stats(const struct compare_stats *st, bool seconds);

/* Compare two sweep files (their /points tables given) point by point and
 * print the points that changed; returns the exit status. */
int compare_study(const struct compare_cli *c, const struct results_table *base_points,
                  const struct results_table *new_points);

#endif
