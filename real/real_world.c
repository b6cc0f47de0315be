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
#include "world.h"

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

struct device_ctx {
	struct rt *rt;
	const struct scenario *s;
	const struct real_world_config *cfg;
	unsigned run;
	double io_timeout_s;
};

static struct device *make_device(void *arg, size_t i, enum rt_side side, struct rt_sem *domain)
{
	struct device_ctx *c = arg;
	const struct scenario *s = c->s;
	const struct scn_device_group *g = scenario_device_group(s, i, NULL);
	bool null = c->cfg->devices == REAL_DEVICES_NULL ||
	            (c->cfg->devices == REAL_DEVICES_AUTO &&
	             real_world_group_is_free(s, (size_t)(g - s->groups)));
	return null ? null_dev_new(s, i, side)
	            : emu_new(c->rt, s, i, side, c->run, domain, c->io_timeout_s);
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
	struct device_ctx dc = {rt, s, cfg, run, io_timeout_s};
	struct world_devices w;
	int rc = world_devices_new(&w, rt, s, make_device, &dc);
	if (rc) {
		snprintf(err, errlen, "out of memory setting up run %u", run);
		goto out;
	}
	struct world_root root = world_root_of(&w, s, run, trace, res);
	rc = rtp_run(rt, world_root_task, &root, err, errlen);
	if (rc == -EDEADLK) {
		/* Tasks still use the runtime and the devices: leaked on purpose. */
		free(w.devs);
		free(w.domains);
		return rc;
	}
	if (rc == 0 && (rc = root.rc) != 0)
		snprintf(err, errlen, "%s", res->error);
	const char *why = rtp_last_error(rt);
	if (rc == 0 && res->status && why[0]) {
		size_t len = strlen(res->error);
		snprintf(res->error + len, sizeof res->error - len, " (%s)", why);
	}
out:
	world_devices_free(&w);
	rtp_free(rt);
	return rc;
}
