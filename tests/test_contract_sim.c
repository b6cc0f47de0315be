/*
 * test_contract_sim.c - the runtime contract (runtime_contract.c) in the
 * SimGrid world: simulated time, so every time is asserted exactly, and
 * spawn, join and wake cost exactly their configured charges.
 */
#include <simgrid/host.h>

#include "runtime_contract.h"
#include "sim_runtime.h"

static struct rt *sim_make(const struct contract_link *l)
{
	struct sim_runtime_config cfg = {.bandwidth_Bps = l->bandwidth_Bps,
	                                 .latency_s = l->latency_s,
	                                 .thread_create_s = l->create_s,
	                                 .thread_join_s = l->join_s,
	                                 .thread_wake_s = l->wake_s};
	if (sim_runtime_global_init() != 0)
		return NULL;
	return sim_runtime_new(&cfg);
}

static const char *sim_task_host(void)
{
	return sg_host_self_get_name();
}

/* Simulated transfers cost nothing to run: slow links and a 1 GB state. */
static const struct contract_sweep_link sim_sweep[] = {
    {1e9, 1e-3}, {1e3, 0}, {1.25e9, 5e-5}, {1e10, 1e-6}, {3e7, 0.1}};

static const struct contract_world sim_world = {
    .name = "contract_sim",
    .make = sim_make,
    .run = sim_runtime_run,
    .free = sim_runtime_free,
    .task_host = sim_task_host,
    .exact = true,
    .charges = true,
    .carries_data = 0,
    .tick = 1.0,
    .big_frame = 1e9,
    .sweep = sim_sweep,
    .n_sweep = sizeof sim_sweep / sizeof sim_sweep[0],
};

void register_tests(void)
{
	contract_register(&sim_world);
}
