/*
 * real_world.c - one run of a scenario on real threads, in this process:
 * build the pthread runtime with the scenario's link, one semaphore per
 * contention domain per side, the devices of both sides, run the engine as
 * the root task, tear down.  The same shape as sim_world.c, so both worlds
 * run a scenario the same way.
 */
#include "real_world.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/emu.h"
#include "devices/null.h"
#include "scenario_yaml.h"

static const char *const device_names[] = {"auto", "emu", "null"};

const char *real_devices_name(enum real_devices d)
{
	return (unsigned)d < 3 ? device_names[d] : "?";
}

int real_devices_parse(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, device_names[i]))
			return i;
	return -1;
}

static bool is_zero(const struct dist *d)
{
	return d->kind == DIST_FIXED && d->a == 0;
}

bool real_world_group_is_free(const struct scenario *s, size_t group)
{
	const struct scn_device_group *g = &s->groups[group];
	if (g->state_bytes || g->initial_bytes || g->precopy_dirty_Bps > 0 || g->n_reinit_times ||
	    g->reinit_interval_s > 0 || g->final_check_failure > 0 ||
	    g->precopy_info_v2 != PRECOPY_V2_UNSUPPORTED || !is_zero(&g->query_latency))
		return false;
	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++)
		if (!is_zero(&g->arc_latency[scenario_arcs[i].from][scenario_arcs[i].to]))
			return false;
	for (size_t i = 0; i < s->n_faults; i++)
		if (s->faults[i].group == (int)group)
			return false;
	return true;
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

static struct device *device_new(struct rt *rt, const struct scenario *s,
                                 const struct real_world_config *cfg, size_t i, enum rt_side side,
                                 unsigned run, struct rt_sem *domain, double io_timeout_s)
{
	const struct scn_device_group *g = scenario_device_group(s, i, NULL);
	bool null = cfg->devices == REAL_DEVICES_NULL ||
	            (cfg->devices == REAL_DEVICES_AUTO &&
	             real_world_group_is_free(s, (size_t)(g - s->groups)));
	return null ? null_dev_new(s, i, side) : emu_new(rt, s, i, side, run, domain, io_timeout_s);
}

int real_world_run(const struct scenario *s, unsigned run, const struct real_world_config *cfg,
                   struct trace *trace, struct mig_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	double io_timeout_s = cfg->io_timeout_s > 0 ? cfg->io_timeout_s : RTP_DEFAULT_IO_TIMEOUT_S;
	struct rtp_config rc_cfg = {
	    .bandwidth_Bps = s->bandwidth_Bps,
	    .latency_s = s->latency_s,
	    .io_timeout_s = io_timeout_s,
	    /* A device record carries at most one chunk: a longer one is garbage. */
	    .max_data_bytes = s->chunk_bytes,
	};
	struct rt *rt = rtp_new(&rc_cfg, err, errlen);
	if (!rt)
		return -EINVAL;
	if (cfg->fault)
		rtp_set_fault(rt, cfg->fault);
	size_t n = scenario_device_count(s);
	struct device **devs = calloc(2 * n + 1, sizeof *devs);
	struct rt_sem **domains = calloc(2 * s->n_domains + 1, sizeof *domains);
	int rc = -ENOMEM;
	snprintf(err, errlen, "out of memory setting up run %u", run);
	if (!devs || !domains)
		goto out;
	/* Each side has its own PFs: one semaphore per domain per side. */
	for (size_t i = 0; i < 2 * s->n_domains; i++)
		if (!(domains[i] = rt->ops->sem_new(rt, s->domains[i % s->n_domains].capacity)))
			goto out;
	for (size_t i = 0; i < n; i++) {
		int d = scenario_device_group(s, i, NULL)->domain;
		for (int side = 0; side < 2; side++) {
			struct rt_sem *sem =
			    d >= 0 ? domains[side * s->n_domains + (size_t)d] : NULL;
			devs[side * n + i] =
			    device_new(rt, s, cfg, i, (enum rt_side)side, run, sem, io_timeout_s);
			if (!devs[side * n + i])
				goto out;
		}
	}
	struct root_ctx ctx = {
	    .cfg = {.rt = rt, .scn = s, .src = devs, .dst = devs + n, .run = run, .trace = trace},
	    .res = res,
	};
	rc = rtp_run(rt, root_task, &ctx, err, errlen);
	if (rc == -EDEADLK) {
		rt = NULL; /* tasks still use it: leaked on purpose */
		goto out;
	}
	if (rc == 0 && (rc = ctx.rc) != 0)
		snprintf(err, errlen, "%s", res->error);
	const char *why = rtp_last_error(rt);
	if (rc == 0 && res->status && why[0]) {
		size_t len = strlen(res->error);
		snprintf(res->error + len, sizeof res->error - len, " (%s)", why);
	}
out:
	for (size_t i = 0; devs && i < 2 * n && rt; i++)
		if (devs[i])
			devs[i]->ops->free(devs[i]);
	for (size_t i = 0; domains && i < 2 * s->n_domains && rt; i++)
		if (domains[i])
			rt->ops->sem_free(domains[i]);
	free(devs);
	free(domains);
	rtp_free(rt);
	return rc;
}
