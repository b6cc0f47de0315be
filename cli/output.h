/*
 * output.h - the same result in every format: table (people), json (one
 * object, for scripts), csv (one row per run, for spreadsheets and pandas).
 */
#ifndef SWITCHOVER_OUTPUT_H
#define SWITCHOVER_OUTPUT_H

#include <stdio.h>

#include "aggregate.h"
#include "scenario.h"
#include "summary.h"

enum output_format { OUTPUT_TABLE = 0, OUTPUT_JSON, OUTPUT_CSV };
int output_format_parse(const char *name); /* -1 when unknown */

/* The runs of one strategy. */
struct output_result {
	enum strategy_kind strategy;
	const struct run_summary *runs;
	const struct aggregate *agg;
};

/* Table: one block per result, then a comparison when there are several. */
void output_table(FILE *out, const struct scenario *s, const struct output_result *r, size_t n);
/* JSON: one object for one result, {"scenario":..., "results":[...]} for several. */
void output_json(FILE *out, const struct scenario *s, const struct output_result *r, size_t n);
/* CSV: header then one row per run of every result. */
void output_csv(FILE *out, const struct scenario *s, const struct output_result *r, size_t n);

/* JSON building blocks: a quoted, escaped string; a number (null when not finite). */
void output_json_string(FILE *out, const char *s);
void output_json_number(FILE *out, double v);

#endif
