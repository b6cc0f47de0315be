/*
 * study.h - a parameter study (`switchover sweep`, docs/sweep.md): base
 * scenarios, axes of values given to them as --set overrides, strategies,
 * runs per point and the statistics wanted.  Loaded from a study file (YAML)
 * with file:line:key errors, or built from the command line (--vary).
 *
 * The points of a study are numbered: base scenario outermost, then the
 * axes in file order, the last one varying fastest (crossed), or all axes
 * together (zipped).
 */
#ifndef SWITCHOVER_FRONTEND_STUDY_H
#define SWITCHOVER_FRONTEND_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strategy_list.h"

/* More values on one axis, or points in one study, are a mistake. */
#define STUDY_MAX_VALUES 100000
#define STUDY_MAX_POINTS 1000000

enum study_combine { STUDY_CROSS = 0, STUDY_ZIP };
enum study_traces { STUDY_TRACES_NONE = 0, STUDY_TRACES_FIRST, STUDY_TRACES_ALL };
/* The downtime statistics a study can ask for (the /points columns
 * downtime_<name>_s). */
enum study_stat {
	STUDY_STAT_MEDIAN = 0,
	STUDY_STAT_P5,
	STUDY_STAT_P95,
	STUDY_STAT_MEAN,
	STUDY_STAT_MIN,
	STUDY_STAT_MAX,
	STUDY_STAT_COUNT
};
const char *study_stat_name(enum study_stat s);
const char *study_traces_name(enum study_traces t);
int study_traces_parse(const char *name); /* -1 when unknown */

struct study_axis {
	char *key;     /* a scenario key path, as --set takes it: devices.count */
	char **values; /* as --set values */
	size_t n;
	int line; /* of the axis in the study file, 0 from the command line */
};

struct study {
	char *name;
	char *file;       /* the study file, or NULL (command line) */
	char **scenarios; /* base scenario paths, relative to the working directory */
	size_t n_scenarios;
	int scenarios_line;
	struct study_axis *axes;
	size_t n_axes;
	enum study_combine combine;
	int combine_line;
	enum strategy_kind strategies[STRATEGY_COUNT];
	size_t n_strategies; /* 0: each scenario's own */
	unsigned runs;       /* 0: each scenario's own */
	bool seed_set;
	uint64_t seed;
	bool stats[STUDY_STAT_COUNT];
	int traces; /* enum study_traces, -1: not said */
};

/*
 * Values of one axis from its text: "a,b,c" (a list), "LOW..HIGH" (step 1),
 * "LOW..HIGH step S", "LOW..HIGH x F" (geometric; also "LOW..HIGHxF").  LOW
 * and HIGH may carry the same unit suffix (1GiB..8GiB x 2); the values carry
 * it too.  HIGH is included when the steps reach it.  Returns 0 with a
 * NULL-terminated g_strfreev()-able list, or -1 with msg saying what is
 * wrong.
 */
int study_axis_parse(const char *text, char ***values, size_t *n, char *msg, size_t msglen);

/* An empty study (every statistic, crossed, traces not said). */
struct study *study_new(void);
/* Add an axis KEY=VALUES (command line --vary); 0 or -1 with err. */
int study_add_axis(struct study *st, const char *key_eq_values, char *err, size_t errlen);

/*
 * Load a study file.  Returns 0 with *out; 1 when the file is no study (its
 * top level has neither scenario: nor scenarios:, so it is a scenario file
 * to sweep); -1 with err = "FILE:LINE: KEY: what is wrong".
 */
int study_load_file(const char *path, struct study **out, char *err, size_t errlen);
void study_free(struct study *st);

/* Points of the study (0 when zipped axes differ in length: study_check). */
size_t study_points(const struct study *st);
/* Point p: its base scenario and the value index on every axis (idx has
 * n_axes entries). */
void study_point(const struct study *st, size_t p, size_t *scenario, size_t *idx);
/* Whole-study checks (zipped lengths, point count); 0 or -1 with err. */
int study_check(const struct study *st, char *err, size_t errlen);

/* The study as YAML (every axis expanded to its list of values), for the
 * result file; g_free() it. */
char *study_to_yaml(const struct study *st);

#endif
