/*
 * sim_device.c - simulated VFIO device.
 *
 * Arcs take a latency drawn from the profile; devices of one contention
 * domain (a PF's firmware) hold the domain's semaphore while they work, so
 * at most `capacity` of them progress at once.  Data is counted, not carried:
 * PRE_COPY serves the initial bytes then the dirty bytes accumulated at the
 * profile's rate; STOP_COPY serves the state plus any precopy data left; the
 * destination's writes cost load_fixed + bytes / load_rate.
 */
#include "sim_device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"

struct sim_dev {
	struct device d;
	const struct scn_device_group *g;
	struct rt *rt;
	gsl_rng *rng;
	struct rt_sem *domain;
	uint64_t initial_left, dirty_left, state_left;
	double dirty_since;
};

static struct sim_dev *sd_of(struct device *d) { return (struct sim_dev *)d; }

/* Spend `seconds` of device work, holding the contention domain if any. */
static void work(struct sim_dev *sd, double seconds)
{
	const struct rt_ops *o = sd->rt->ops;
	if (sd->domain)
		o->sem_acquire(sd->domain);
	rt_sleep(sd->rt, seconds);
	if (sd->domain)
		o->sem_release(sd->domain);
}

static void accumulate_dirty(struct sim_dev *sd)
{
	double now = rt_now(sd->rt);
	sd->dirty_left += (uint64_t)(sd->g->precopy_dirty_Bps * (now - sd->dirty_since));
	sd->dirty_since = now;
}

static int sim_set_state(struct device *d, enum vfio_state to)
{
	struct sim_dev *sd = sd_of(d);
	enum vfio_state from = d->state;
	if (!vfio_fsm_is_device_arc(from, to, d->caps))
		return -EINVAL;
	double lat = dist_sample(&sd->g->arc_latency[from][to], sd->rng);
	work(sd, lat);
	d->last_work_s = lat;
	if (to == VFIO_STATE_PRE_COPY && from == VFIO_STATE_RUNNING) {
		sd->initial_left = sd->g->initial_bytes;
		sd->dirty_left = 0;
		sd->dirty_since = rt_now(sd->rt);
	} else if (to == VFIO_STATE_STOP_COPY) {
		if (vfio_fsm_is_saving(from))
			accumulate_dirty(sd);
		sd->state_left = sd->g->state_bytes + sd->initial_left + sd->dirty_left;
		sd->initial_left = sd->dirty_left = 0;
	}
	d->state = to;
	return 0;
}

static int sim_precopy_info(struct device *d, struct device_precopy_info *out)
{
	struct sim_dev *sd = sd_of(d);
	if (d->state != VFIO_STATE_PRE_COPY && d->state != VFIO_STATE_PRE_COPY_P2P)
		return -EINVAL;
	work(sd, dist_sample(&sd->g->query_latency, sd->rng));
	accumulate_dirty(sd);
	*out = (struct device_precopy_info){sd->initial_left, sd->dirty_left, 0};
	return 0;
}

static int sim_stop_copy_size(struct device *d, uint64_t *bytes)
{
	struct sim_dev *sd = sd_of(d);
	work(sd, dist_sample(&sd->g->query_latency, sd->rng));
	*bytes = d->state == VFIO_STATE_STOP_COPY
		     ? sd->state_left
		     : sd->g->state_bytes + sd->initial_left + sd->dirty_left;
	return 0;
}

static uint64_t take(uint64_t *left, uint64_t max)
{
	uint64_t n = *left < max ? *left : max;
	*left -= n;
	return n;
}

static int sim_read(struct device *d, void *buf, uint64_t max, uint64_t *got)
{
	(void)buf;
	struct sim_dev *sd = sd_of(d);
	if (d->state == VFIO_STATE_STOP_COPY) {
		*got = take(&sd->state_left, max);
	} else if (d->state == VFIO_STATE_PRE_COPY || d->state == VFIO_STATE_PRE_COPY_P2P) {
		accumulate_dirty(sd);
		*got = sd->initial_left ? take(&sd->initial_left, max) : take(&sd->dirty_left, max);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int sim_write(struct device *d, const void *buf, uint64_t bytes)
{
	(void)buf;
	struct sim_dev *sd = sd_of(d);
	if (d->state != VFIO_STATE_RESUMING)
		return -EINVAL;
	double cost = sd->g->load_fixed_s;
	if (sd->g->load_Bps > 0)
		cost += (double)bytes / sd->g->load_Bps;
	work(sd, cost);
	return 0;
}

static void sim_free(struct device *d)
{
	struct sim_dev *sd = sd_of(d);
	gsl_rng_free(sd->rng);
	free(sd);
}

static const struct device_ops sim_device_ops = {
    .kind = "sim",
    .enable_precopy_info_v2 = NULL,
    .set_state = sim_set_state,
    .precopy_info = sim_precopy_info,
    .stop_copy_size = sim_stop_copy_size,
    .read = sim_read,
    .write = sim_write,
    .reset = NULL,
    .free = sim_free,
};

struct device *sim_device_new(struct rt *rt, const struct scenario *s, size_t index,
			      enum rt_side side, unsigned run, struct rt_sem *domain)
{
	struct sim_dev *sd = calloc(1, sizeof *sd);
	if (!sd)
		return NULL;
	unsigned in_group;
	sd->g = scenario_device_group(s, index, &in_group);
	/* Keyed by (group, index in group, side): growing one group leaves the
	 * draws of every other device unchanged. */
	uint64_t group = (uint64_t)(sd->g - s->groups);
	sd->rng = rng_stream_new(s->seed, run, ((group << 24 | in_group) << 1) | (uint64_t)side);
	if (!sd->rng) {
		free(sd);
		return NULL;
	}
	sd->rt = rt;
	sd->domain = domain;
	sd->d.ops = &sim_device_ops;
	sd->d.priv = sd;
	sd->d.index = (int)index;
	sd->d.side = side;
	sd->d.caps = sd->g->caps;
	sd->d.state = side == RT_SIDE_SRC ? VFIO_STATE_RUNNING : VFIO_STATE_STOP;
	scenario_device_name(s, index, sd->d.name, sizeof sd->d.name);
	snprintf(sd->d.qom_path, sizeof sd->d.qom_path, "/machine/peripheral/%s", sd->d.name);
	return &sd->d;
}
