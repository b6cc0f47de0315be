/*
 * main.c - the `switchover` command: its table of subcommands, top-level
 * help and version.  Add a subcommand with one line in cli_commands.
 */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef SWITCHOVER_VERSION
#define SWITCHOVER_VERSION "0"
#endif
#ifndef SWITCHOVER_GIT_REV
#define SWITCHOVER_GIT_REV "unknown"
#endif

const struct cli_command cli_commands[] = {
    {"sim", "run a scenario in the SimGrid world (simulated downtime)", cli_sim, cli_sim_help},
    {"real", "run a scenario for real: threads, clocks, bytes (measured)", cli_real, cli_real_help},
    {"sweep", "a parameter study: points x strategies x runs, in parallel", cli_sweep,
     cli_sweep_help},
    {"compare", "did NEW.h5 regress against BASE.h5?", cli_compare, cli_compare_help},
    {"suite", "regression suites for CI: run a suite, compare two (JUnit, Markdown)", cli_suite,
     cli_suite_help},
    {"report", "draw plots of result files", cli_report, cli_report_help},
    {"import", "a real QEMU migration's trace logs as a result file", cli_import,
     cli_import_help},
    {"profile", "a device or host profile's values and sources; the profiles found",
     cli_profile, cli_profile_help},
    {"calibrate", "fit the model to measurements (traces, published tables)", cli_calibrate,
     cli_calibrate_help},
    {"vfio", "what the kernel says of VFIO devices (driver, flags, state)", cli_vfio,
     cli_vfio_help},
    {NULL, NULL, NULL, NULL},
};

static void main_help(FILE *out)
{
	fprintf(out, "usage: switchover COMMAND [OPTIONS] ...\n\n"
	             "Downtime of VMs with VFIO devices during live migration: simulate it,\n"
	             "measure it, and find where it goes.\n\ncommands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out,
	        "\n`switchover COMMAND --help` explains a command.\n"
	        "  --version  print the version\n"
	        "exit status: 0 all migrations completed, 1 some migration failed,\n"
	        "             2 bad input (command line, scenario) or the world could not run\n");
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		main_help(stderr);
		return CLI_EXIT_ERROR;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		if (argc > 2 && strcmp(cmd, "help") == 0) {
			for (const struct cli_command *c = cli_commands; c->name; c++)
				if (!strcmp(c->name, argv[2])) {
					c->help(stdout);
					return CLI_EXIT_OK;
				}
		}
		main_help(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("switchover %s (%s)\n", SWITCHOVER_VERSION, SWITCHOVER_GIT_REV);
		return CLI_EXIT_OK;
	}
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, cmd))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "switchover: unknown command '%s'; commands are:", cmd);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(stderr, " %s", c->name);
	fprintf(stderr, " (see switchover --help)\n");
	return CLI_EXIT_ERROR;
}

int main(int argc, char **argv)
{
	/* GSL's default error handler aborts the process; every GSL call of
	 * the project checks the status or the value it returns instead, and
	 * a bad input must end in a message, never a crash. */
	gsl_set_error_handler_off();
	return cli_main(argc, argv);
}
