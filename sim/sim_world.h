/*
 * sim_world.h - one run of a scenario in the SimGrid world: build the
 * runtime and the simulated devices, run the engine, tear down.
 */
#ifndef SWITCHOVER_SIM_WORLD_H
#define SWITCHOVER_SIM_WORLD_H

#include <stddef.h>

#include "migration.h"
#include "scenario.h"
#include "trace.h"

/*
 * Run `s` once (run index `run`, which selects the random streams) and
 * append its events to `trace` (initialised by the caller).  Returns 0 when
 * the engine ran (res->status tells whether the migration completed), or a
 * negative errno with a message in err when the world could not run it
 * (out of memory, SimGrid failure, tasks deadlocked).
 */
int sim_world_run(const struct scenario *s, unsigned run, struct trace *trace,
		  struct mig_result *res, char *err, size_t errlen);

/* SimGrid operations performed by every sim_world_run of this process (the
 * benchmark replays the same amount on bare SimGrid). */
struct sim_runtime_stats;
void sim_world_total_stats(struct sim_runtime_stats *out);

#endif
