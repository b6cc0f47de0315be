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

#include <stdio.h>

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED_RUNS 1
#define CLI_EXIT_ERROR 2

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
	void (*help)(FILE *out);
};

extern const struct cli_command cli_commands[];

int cli_main(int argc, char **argv);
int cli_sim(int argc, char **argv);
void cli_sim_help(FILE *out);

#endif
