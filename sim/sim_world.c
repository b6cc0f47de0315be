/*
 * sim_world.c - one run of a scenario on SimGrid, in this process.  Runs
 * follow each other on SimGrid's one clock; sim_runtime starts each on a
 * whole second of the same binade so that it is bit-identical wherever it
 * falls in a sequence (see sim_runtime.c).
 */
#include "sim_world.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_device.h"
#include "sim_runtime.h"
#include "world.h"

_Static_assert(SCENARIO_MAX_CORES <= SIM_MAX_CORES, "the platform has a pstate per core count");

static struct sim_runtime_stats total_stats;

void sim_world_total_stats(struct sim_runtime_stats *out)
{
	*out = total_stats;
}

static void add_stats(const struct rt *rt)
{
	struct sim_runtime_stats st;
	sim_runtime_get_stats(rt, &st);
	total_stats.spawns += st.spawns;
	total_stats.new_stacks += st.new_stacks;
	total_stats.joins += st.joins;
	total_stats.sleeps += st.sleeps;
	total_stats.computes += st.computes;
	total_stats.sends += st.sends;
	total_stats.recvs += st.recvs;
	total_stats.sync_ops += st.sync_ops;
	total_stats.alone += st.alone;
	total_stats.cut += st.cut;
	total_stats.ahead += st.ahead;
	total_stats.ahead_overlaps += st.ahead_overlaps;
}

struct sim_device_ctx {
	struct rt *rt;
	const struct scenario *s;
	unsigned run;
};

static struct device *make_device(void *arg, size_t index, enum rt_side side, struct rt_sem *domain)
{
	struct sim_device_ctx *c = arg;
	return sim_device_new(c->rt, c->s, index, side, c->run, domain);
}

int sim_world_run(const struct scenario *s, unsigned run, struct trace *trace,
                  struct mig_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	if (sim_runtime_global_init()) {
		snprintf(err, errlen, "cannot initialise SimGrid");
		return -EIO;
	}
	struct sim_runtime_config cfg = {
	    .bandwidth_Bps = s->bandwidth_Bps,
	    .latency_s = s->latency_s,
	    .thread_create_s = s->thread_create_s,
	    .thread_join_s = s->thread_join_s,
	    .thread_wake_s = s->thread_wake_s,
	    .shared_host = s->hosts_shared,
	};
	for (int h = 0; h < 2; h++)
		cfg.host[h] = (struct sim_host_config){
		    .cores = s->hosts[h].cores,
		    .send_cpu_s_per_byte = s->hosts[h].send_cpu_s_per_byte,
		    .recv_cpu_s_per_byte = s->hosts[h].recv_cpu_s_per_byte,
		    .wake_latency_s = s->hosts[h].wake_latency_s,
		    .task_cpu_s = s->hosts[h].task_cpu_s,
		    .sleep_cpu_s = s->hosts[h].sleep_cpu_s,
		    .unblock_cpu_s = s->hosts[h].unblock_cpu_s,
		    .send_cpu_s_per_frame = s->hosts[h].send_cpu_s_per_frame,
		    .recv_cpu_s_per_frame = s->hosts[h].recv_cpu_s_per_frame,
		    .has_thread_create = s->hosts[h].has_thread_create,
		    .has_thread_wake = s->hosts[h].has_thread_wake,
		    .thread_create_s = s->hosts[h].thread_create_s,
		    .thread_wake_s = s->hosts[h].thread_wake_s,
		    .thread_create_wait_s = s->hosts[h].thread_create_wait_s,
		    .thread_wake_wait_s = s->hosts[h].thread_wake_wait_s,
		    .thread_create_new_stack_s = s->hosts[h].thread_create_new_stack_s,
		    .thread_stack_cache = s->hosts[h].thread_stack_cache,
		};
	struct rt *rt = sim_runtime_new(&cfg);
	if (!rt) {
		snprintf(err, errlen, "out of memory setting up run %u", run);
		return -ENOMEM;
	}
	struct sim_device_ctx dc = {rt, s, run};
	struct world_devices w;
	int rc = world_devices_new(&w, rt, s, make_device, &dc);
	if (rc) {
		snprintf(err, errlen, "out of memory setting up run %u", run);
	} else {
		struct world_root root = world_root_of(&w, s, run, trace, res);
		rc = sim_runtime_run(rt, world_root_task, &root, err, errlen);
		add_stats(rt);
		if (rc == 0 && (rc = root.rc) != 0)
			snprintf(err, errlen, "%s", res->error);
	}
	world_devices_free(&w);
	sim_runtime_free(rt);
	return rc;
}
