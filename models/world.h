/*
 * world.h - what every world does around one run, written once: the devices
 * of both ends (one semaphore per contention domain per side: each side has
 * its own PFs), and the root task that runs the engine.  A world supplies
 * its runtime and a device constructor (sim/sim_world.c, real/real_world.c).
 */
#ifndef SWITCHOVER_WORLD_H
#define SWITCHOVER_WORLD_H

#include <stddef.h>

#include "device.h"
#include "migration.h"
#include "runtime.h"
#include "scenario.h"

/* Make device instance `index` of `side`, in contention domain `domain`
 * (NULL: none).  NULL on failure. */
typedef struct device *(*world_device_fn)(void *ctx, size_t index, enum rt_side side,
					  struct rt_sem *domain);

struct world_devices {
	struct rt *rt;
	size_t n, n_domains;
	struct device **devs;    /* [side * n + index] */
	struct rt_sem **domains; /* [side * n_domains + domain] */
};

/* Build every device of both sides.  Returns 0 or -ENOMEM (then
 * world_devices_free still applies). */
int world_devices_new(struct world_devices *w, struct rt *rt, const struct scenario *s,
		      world_device_fn make, void *ctx);
void world_devices_free(struct world_devices *w);

/* The root task of a run with both ends in one process: migration_run. */
struct world_root {
	struct mig_config cfg;
	struct mig_result *res;
	int rc;
};
void world_root_task(void *arg);
/* The root context for `w`'s devices. */
struct world_root world_root_of(struct world_devices *w, const struct scenario *s, unsigned run,
				struct trace *trace, struct mig_result *res);

#endif
