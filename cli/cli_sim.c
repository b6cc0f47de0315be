/*
 * cli_sim.c - `switchover sim`: the run command in the SimGrid world.
 */
#include "cli.h"
#include "sim_world.h"

static const struct cli_world sim_world = {
    .name = "sim",
    .describe = "the SimGrid world (simulated time, deterministic)",
    .run = sim_world_run,
};

int cli_sim(int argc, char **argv) { return cli_run_world(&sim_world, argc, argv); }

void cli_sim_help(FILE *out) { cli_run_help(&sim_world, out); }
