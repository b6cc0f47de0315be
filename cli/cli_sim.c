/*
 * cli_sim.c - `switchover sim`: the run command in the SimGrid world.
 */
#include <signal.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"
#include "sim_world.h"

/* SIGINT/SIGTERM: a simulated run cannot be stopped half-way and is only
 * worth its complete result, so the process ends at once, after removing
 * the temporaries of -o and --events: no result file, nothing left
 * behind. */
static void on_interrupt(int sig)
{
	static const char msg[] = "\nswitchover sim: interrupted: no result file written\n";
	(void)sig;
	outfile_unlink_registered();
	ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)n;
	_exit(CLI_EXIT_ERROR);
}

static const struct cli_world sim_world = {
    .name = "sim",
    .describe = "the SimGrid world (simulated time, deterministic)",
    .run = sim_world_run,
    .memory = MEM_WORLD_SIM,
};

int cli_sim(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_interrupt};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return cli_run_world(&sim_world, argc, argv);
}

void cli_sim_help(FILE *out)
{
	cli_run_help(&sim_world, out);
}
