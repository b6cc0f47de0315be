/*
 * cli.h - the `switchover` command's subcommands (perf-bench style table).
 *
 * Exit statuses shared by every subcommand:
 *   0  everything ran and every migration completed
 *   1  it ran, but at least one migration failed (the results say why)
 *   2  bad input: command line, scenario file, or the world could not run
 */
#ifndef SWITCHOVER_CLI_H
#define SWITCHOVER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mem_limit.h"
#include "migration.h"
#include "scenario.h"
#include "trace.h"

#define CLI_EXIT_OK          0
#define CLI_EXIT_FAILED_RUNS 1
#define CLI_EXIT_ERROR       2

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
	void (*help)(FILE *out);
};

extern const struct cli_command cli_commands[];

/* "switchover CMD: " and the message, on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An integer option value in [min, max] into *out; 0, or -1 after saying
 * "switchover CMD: OPT 'TEXT': expected an integer from MIN to MAX". */
int cli_parse_uint(const char *cmd, const char *opt, const char *text, unsigned long long min,
                   unsigned long long max, unsigned long long *out);

/* --strategy TEXT: a strategy, or STRATEGY_COUNT for "all", into *out; 0,
 * or -1 after saying what it expected. */
int cli_parse_strategy_or_all(const char *cmd, const char *text, int *out);

/* A command made of subcommands (`calibrate`, `suite`): run the one of
 * `table` that argv[1] names, `help` for --help (stdout) or none (stderr,
 * exit 2), else say which there are. */
int cli_subcommand(const char *cmd, const struct cli_command *table, void (*help)(FILE *out),
                   int argc, char **argv);
/* The end of such a command's --help: its subcommands with their summaries,
 * and how to get the help of one. */
void cli_subcommand_list(FILE *out, const char *cmd, const struct cli_command *table);

/* Wall-clock seconds (CLOCK_MONOTONIC), for progress lines. */
double cli_wall_now(void);
/* How long is left, as progress lines say it: "42 s", or "3m07s" from two
 * minutes on. */
void cli_format_left(double seconds, char *buf, size_t len);

/* A world a scenario can run in: `switchover NAME FILE ...` runs it. */
struct cli_world {
	const char *name;     /* the subcommand: "sim" */
	const char *describe; /* completes "Run the scenario FILE in ...": "the SimGrid world" */
	/* One run: append to `tr` (initialised), fill `res`; 0 when the engine
	 * ran (res->status says whether the migration completed), else a
	 * negative errno with a message in err. */
	int (*run)(const struct scenario *s, unsigned run, struct trace *tr, struct mig_result *res,
	           char *err, size_t errlen);
	/* Runs take real time and a signal ends them: say on stderr when the
	 * first one starts (unless --quiet), so that a script knows when the
	 * run is under way. */
	bool says_start;
	/* Runs on real clocks: --qemu-trace stamps them with the wall-clock
	 * time they started (else with a fixed epoch, deterministically). */
	bool wall_clock;
	/* What a run holds in memory besides its trace (mem_limit.h). */
	enum mem_world memory;
};

/* The run command of world `w` (argv[0] is the subcommand name). */
int cli_run_world(const struct cli_world *w, int argc, char **argv);
/* `switchover import` (cli_import.c). */
int cli_import(int argc, char **argv);
void cli_import_help(FILE *out);
void cli_run_help(const struct cli_world *w, FILE *out);

int cli_sim(int argc, char **argv);
void cli_sim_help(FILE *out);

/* `switchover real`: the run command in the real world (cli_real.c). */
int cli_real(int argc, char **argv);
void cli_real_help(FILE *out);

/* `switchover compare`: exit 0 no significant regression, 1 regression, 2 error. */
int cli_compare(int argc, char **argv);
void cli_compare_help(FILE *out);

int cli_report(int argc, char **argv);
void cli_report_help(FILE *out);

/* `switchover sweep`: a parameter study (cli_sweep.c, docs/sweep.md). */
int cli_sweep(int argc, char **argv);
void cli_sweep_help(FILE *out);

/* `switchover profile show|list` (cli_profile.c). */
int cli_profile(int argc, char **argv);
void cli_profile_help(FILE *out);
struct output_profile_note;
/* The device profiles of `s` with assumptions among their values, for
 * the output (free with cli_profile_notes_free).  0, or -1 with err. */
int cli_profile_notes(const struct scenario *s, struct output_profile_note **notes, size_t *n,
                      char *err, size_t errlen);
void cli_profile_notes_free(struct output_profile_note *notes, size_t n);
/* `switchover calibrate` (cli_calibrate.c) and its subcommands, one file
 * each: `traces` (cli_calibrate.c). */
int cli_calibrate(int argc, char **argv);
void cli_calibrate_help(FILE *out);
int cli_calibrate_traces(int argc, char **argv);
void cli_calibrate_traces_help(FILE *out);

/* `switchover suite run|compare`: regression suites for CI (cli_suite.c). */
int cli_suite(int argc, char **argv);
void cli_suite_help(FILE *out);

/* `switchover vfio info ADDR...` (cli_vfio.c). */
int cli_vfio(int argc, char **argv);
void cli_vfio_help(FILE *out);

#endif
