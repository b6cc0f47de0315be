/*
 * suite.h - a regression suite (`switchover suite`, docs/suite.md): a list
 * of entries, each a scenario file or a study (sweep) file, with the options
 * it runs with (world, runs, seed, strategy, --set overrides) and the
 * metrics and threshold its comparison uses.  Loaded from a suite file
 * (YAML, libcyaml) with file:line:key errors; relative paths are relative
 * to the suite file.
 */
#ifndef SWITCHOVER_FRONTEND_SUITE_H
#define SWITCHOVER_FRONTEND_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "key_lines.h"

/* An entry's name is a file name in the result folder: NAME.h5. */
#define SUITE_NAME_MAX 64
/* The default threshold of an entry's comparison (compare's). */
#define SUITE_DEFAULT_THRESHOLD 0.05

enum suite_kind { SUITE_SCENARIO = 0, SUITE_SWEEP };
enum suite_world { SUITE_SIM = 0, SUITE_REAL };
/* "scenario", "sweep"; "sim", "real". */
const char *suite_kind_name(enum suite_kind k);
const char *suite_world_name(enum suite_world w);

struct suite_entry {
	char *name;
	enum suite_kind kind;
	char *file; /* as the suite file says it */
	char *path; /* relative to the working directory */
	enum suite_world world;
	unsigned runs; /* 0: the file's own */
	bool seed_set;
	uint64_t seed;
	int strategy; /* -1: the file's own, STRATEGY_COUNT: all, else the one */
	char **sets;  /* --set KEY=VALUE, NULL-terminated */
	size_t n_sets;
	double threshold; /* relative change of the median that matters */
	char **metrics;   /* compare's --metric names, NULL-terminated, at least one */
	size_t n_metrics;
};

struct suite {
	char *name;
	char *file;   /* the suite file */
	char *text;   /* its text, as read */
	char *sha256; /* of the text */
	struct suite_entry *entries;
	size_t n_entries;
	struct key_lines lines; /* key path -> line, for suite_fail() */
};

/*
 * Load a suite file.  Returns 0 with *out (suite_free), or -1 with err =
 * "FILE:LINE: KEY: what is wrong" (the structure, the values, a name used
 * twice, a sweep in the real world).  The entries' files are not read here:
 * the command that runs them loads each with its --set overrides.
 */
int suite_load_file(const char *path, struct suite **out, char *err, size_t errlen);
void suite_free(struct suite *s);

/* err = "FILE:LINE: PATH: msg" with the line of the key path PATH
 * ("entries[2].metrics") or of its nearest enclosing key; returns -1. */
int suite_fail(const struct suite *s, const char *path, char *err, size_t errlen, const char *fmt,
               ...) __attribute__((format(printf, 5, 6)));

#endif
