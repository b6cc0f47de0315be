/*
 * suite_cli.h - the parts of `switchover suite` (docs/suite.md):
 *   cli_suite.c      the command (`run`, `compare`) and `suite run`: every
 *                    entry of a suite file run into a folder, with a manifest
 *   suite_compare.c  `suite compare`: two such folders, entry by entry and
 *                    metric by metric, with compare's statistics
 *   suite_report.c   what `suite compare` concludes, as JUnit XML and as a
 *                    Markdown table
 */
#ifndef SWITCHOVER_SUITE_CLI_H
#define SWITCHOVER_SUITE_CLI_H

#include <glib.h>
#include <stddef.h>
#include <stdio.h>

/* The manifest `suite run` writes last into its folder: which entry is in
 * which file, with what options, from which suite and tool. */
#define SUITE_MANIFEST        "manifest.json"
#define SUITE_MANIFEST_FORMAT "switchover suite 1"

int cli_suite_run(int argc, char **argv);
void cli_suite_run_help(FILE *out);
int cli_suite_compare(int argc, char **argv);
void cli_suite_compare_help(FILE *out);

/* What one check (an entry and a metric) concluded, best to worst. */
enum suite_status {
	SUITE_OK = 0,      /* no significant change */
	SUITE_IMPROVEMENT, /* significantly better */
	SUITE_UNDECIDED,   /* no significant change, but the noise hides one as big as the threshold
	                    */
	SUITE_REGRESSION,
	SUITE_ERROR, /* could not be compared: in one folder only, unreadable, mismatched */
	SUITE_STATUS_COUNT
};
/* "ok", "improvement", "undecided", "regression", "error" */
const char *suite_status_name(enum suite_status s);

struct suite_check {
	char *entry;  /* the entry's name */
	char *metric; /* downtime, phase:stopcopy, ... */
	enum suite_status status;
	char *line;   /* the verdict in one line, the status first */
	char *detail; /* the lines behind it (per strategy or point), may be "" */
};

/* Everything `suite compare` concluded, for the reports. */
struct suite_outcome {
	const char *suite_name;
	const char *base_dir, *new_dir;
	GArray *checks;                   /* struct suite_check, in entry order */
	size_t count[SUITE_STATUS_COUNT]; /* checks per status */
};

/* `text` into the file `path` through a temporary beside it, renamed when
 * complete (results/outfile.h).  0, or -1 with err. */
int suite_write_file(const char *path, const char *text, size_t len, char *err, size_t errlen);

/* Write the outcome as JUnit XML (a testsuite of one testcase per check: a
 * regression is a <failure>, an error an <error>, an undecided check
 * <skipped>) or as a Markdown table (one row per entry) to `path`, through
 * a temporary renamed when complete.  0, or -1 with err. */
int suite_report_junit(const struct suite_outcome *o, const char *path, char *err, size_t errlen);
int suite_report_markdown(const struct suite_outcome *o, const char *path, char *err,
                          size_t errlen);

#endif
