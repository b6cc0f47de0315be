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

static struct sim_runtime_stats total_stats;

void sim_world_total_stats(struct sim_runtime_stats *out) { *out = total_stats; }

static void add_stats(const struct rt *rt)
{
	struct sim_runtime_stats st;
	sim_runtime_get_stats(rt, &st);
	total_stats.spawns += st.spawns;
	total_stats.joins += st.joins;
	total_stats.sleeps += st.sleeps;
	total_stats.sends += st.sends;
	total_stats.recvs += st.recvs;
	total_stats.sync_ops += st.sync_ops;
}

struct root_ctx {
	struct mig_config cfg;
	struct mig_result *res;
	int rc;
};

static void root_task(void *arg)
{
	struct root_ctx *ctx = arg;
	ctx->rc = migration_run(&ctx->cfg, ctx->res);
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
	};
	size_t n = scenario_device_count(s);
	struct rt *rt = sim_runtime_new(&cfg);
	struct device **devs = calloc(2 * n + 1, sizeof *devs);
	struct rt_sem **domains = calloc(2 * s->n_domains + 1, sizeof *domains);
	int rc = -ENOMEM;
	snprintf(err, errlen, "out of memory setting up run %u", run);
	if (!rt || !devs || !domains)
		goto out;
	/* Each side has its own PFs: one semaphore per domain per side. */
	for (size_t i = 0; i < 2 * s->n_domains; i++)
		if (!(domains[i] = rt->ops->sem_new(rt, s->domains[i % s->n_domains].capacity)))
			goto out;
	for (size_t i = 0; i < n; i++) {
		int d = scenario_device_group(s, i, NULL)->domain;
		for (int side = 0; side < 2; side++) {
			struct rt_sem *sem = d >= 0 ? domains[side * s->n_domains + (size_t)d] : NULL;
			devs[side * n + i] = sim_device_new(rt, s, i, (enum rt_side)side, run, sem);
			if (!devs[side * n + i])
				goto out;
		}
	}
	struct root_ctx ctx = {
	    .cfg = {.rt = rt, .scn = s, .src = devs, .dst = devs + n, .run = run, .trace = trace},
	    .res = res,
	};
	rc = sim_runtime_run(rt, root_task, &ctx, err, errlen);
	add_stats(rt);
	if (rc == 0) {
		rc = ctx.rc;
		if (rc)
			snprintf(err, errlen, "%s", res->error);
	}
out:
	for (size_t i = 0; devs && i < 2 * n; i++)
		if (devs[i])
			devs[i]->ops->free(devs[i]);
	for (size_t i = 0; domains && i < 2 * s->n_domains; i++)
		if (domains[i])
			rt->ops->sem_free(domains[i]);
	free(devs);
	free(domains);
	if (rt)
		sim_runtime_free(rt);
	return rc;
}
