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

#include "compare.h"
#include "store.h"

struct compare_cli {
	const char *base, *new_;
	struct compare_metric metric;
	struct compare_opts opts;
	int strategy; /* -1: every strategy */
	bool json;
};

/* "downtime median +12.3% (794.2 -> 891.9 ms), 95% CI [...] ms, Mann-Whitney
 * p = ..." with `what` first. */
void compare_cli_describe(char *buf, size_t len, const char *what, const struct compare_stats *st,
                          double confidence);

/* The JSON object of one comparison's statistics (new reference). */
json_t *compare_cli_json_stats(const struct compare_stats *st);

/* Compare two sweep files (their /points tables given) point by point and
 * print the points that changed; returns the exit status. */
int compare_study(const struct compare_cli *c, const struct results_table *base_points,
                  const struct results_table *new_points);

#endif
