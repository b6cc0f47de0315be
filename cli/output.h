/*
 * output.h - the same result in every format: table (people), json (one
 * object, for scripts), csv (one row per run, for spreadsheets and pandas).
 */
#ifndef SWITCHOVER_OUTPUT_H
#define SWITCHOVER_OUTPUT_H

#include <jansson.h>
#include <stdio.h>

#include "aggregate.h"
#include "scenario.h"
#include "store.h"
#include "summary.h"

enum output_format { OUTPUT_TABLE = 0, OUTPUT_JSON, OUTPUT_CSV };
int output_format_parse(const char *name); /* -1 when unknown */

/* The runs of one strategy. */
struct output_result {
	enum strategy_kind strategy;
	const struct run_summary *runs;
	const struct aggregate *agg;
};

/* A device profile the scenario uses whose values include assumptions
 * (provenance `source: assumption`, docs/scenarios.md "Device profiles"). */
struct output_profile_note {
	char *name; /* the file's name: key */
	char *show; /* what `switchover profile show` takes: the name, or the file */
	size_t values, assumptions;
};

/* Table: one block per result, then a comparison when there are several,
 * then one line per profile note. */
void output_table(FILE *out, const struct scenario *s, const struct output_result *r, size_t n,
                  const struct output_profile_note *notes, size_t n_notes);
/* JSON: one object for one result, {"scenario":..., "results":[...]} for
 * several; with notes, the field profile_assumptions: [{profile, values,
 * assumptions}]. */
void output_json(FILE *out, const struct scenario *s, const struct output_result *r, size_t n,
                 const struct output_profile_note *notes, size_t n_notes);
/* CSV: header then one row per run of every result: `scenario`, then the
 * columns of the result file's /summary under the same names and in the
 * same representation (status 0 or a negative errno; 0/1 flags). */
void output_csv(FILE *out, const struct scenario *s, const struct output_result *r, size_t n);
/* A CSV text cell (RFC 4180: quoted, quotes doubled). */
void output_csv_text(FILE *out, const char *text);

/* JSON building blocks (jansson): a string (NULL is ""); a number (null
 * when not finite, an integer when whole).  New references. */
json_t *output_json_string(const char *s);
json_t *output_json_number(double v);
/* Write `root` (its reference is taken) and a newline; flags are
 * json_dumpf's (JSON_COMPACT, or not for ", " and ": "); reals get 17
 * significant digits.  0, or -1 when it could not be written. */
int output_json_write(FILE *out, json_t *root, size_t flags);

#endif
