/*
 * sim_device.c - simulated VFIO device.
 *
 * Arcs take a latency drawn from the profile; devices of one contention
 * domain (a PF's firmware) hold the domain's semaphore while they work, so
 * at most `capacity` of them progress at once.  Data is counted, not carried:
 * PRE_COPY serves the initial bytes (DEVICE_DATA_INITIAL) then the dirty
 * bytes accumulated at the profile's rate; STOP_COPY serves any initial bytes
 * never sent, then the state.  The destination's writes cost load_fixed +
 * bytes / load_rate, or the init_load pair for initial bytes.
 *
 * The REINIT workload (reinit times / Poisson interval, chunk sizes) runs
 * while the guest runs: from PRE_COPY entry to the VM stop.  It is evaluated
 * lazily at every call, which gives the same result as a generator task
 * without one.  With PRECOPY_INFOv2 enabled a re-initialisation adds its
 * chunk to the initial bytes and raises DEVICE_PRECOPY_REINIT at the next
 * precopy-info query; without it the device cannot say so, and the chunk
 * travels with the stop-copy state (its pre-allocation then happens inside
 * the downtime).  Workload, fault and final-check draws come from a stream of
 * their own, so they leave the latency draws unchanged.
 */
#include "sim_device.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "migration.h"
#include "rng.h"

struct sim_dev {
	struct device d;
	const struct scenario *s;
	const struct scn_device_group *g;
	int group;
	unsigned in_group;
	struct rt *rt;
	gsl_rng *rng;  /* latencies */
	gsl_rng *wrng; /* workload, faults, final-check failures */
	struct rt_sem *domain;
	uint64_t initial_left, dirty_left, state_left;
	uint64_t hidden_initial; /* re-initialised bytes the device could not report */
	uint64_t stopcopy_initial_left;
	double dirty_since;
	int v2_enabled;
	int reinit_flag;
	double setup_t;     /* PRE_COPY entry: the workload's time origin */
	size_t next_time;   /* next entry of reinit_times */
	double next_poisson; /* setup-relative time of the next Poisson event */
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

static bool guest_running_precopy(const struct sim_dev *sd)
{
	return sd->d.state == VFIO_STATE_PRE_COPY || sd->d.state == VFIO_STATE_PRE_COPY_P2P;
}

/* Apply every workload event up to now (or up to the VM stop). */
static void advance(struct sim_dev *sd)
{
	if (!guest_running_precopy(sd))
		return;
	double now = rt_now(sd->rt);
	double until = sd->d.vm_stopped_at >= 0 && sd->d.vm_stopped_at < now ? sd->d.vm_stopped_at
									     : now;
	sd->dirty_left += (uint64_t)(sd->g->precopy_dirty_Bps * fmax(0, until - sd->dirty_since));
	sd->dirty_since = fmax(sd->dirty_since, until);
	double rel = until - sd->setup_t;
	for (;;) {
		double t_list = sd->next_time < sd->g->n_reinit_times ? sd->g->reinit_times[sd->next_time]
								      : INFINITY;
		double t = fmin(t_list, sd->next_poisson);
		if (t > rel)
			break;
		if (t == t_list)
			sd->next_time++;
		else
			sd->next_poisson += gsl_ran_exponential(sd->wrng, sd->g->reinit_interval_s);
		uint64_t chunk = (uint64_t)dist_sample(&sd->g->reinit_chunk, sd->wrng);
		if (sd->v2_enabled) {
			sd->initial_left += chunk;
			sd->reinit_flag = 1;
		} else {
			sd->hidden_initial += chunk;
		}
	}
}

/* Does an injected fault hit this arc now? */
static bool fault_hits(struct sim_dev *sd, enum vfio_state from, enum vfio_state to)
{
	for (size_t i = 0; i < sd->s->n_faults; i++) {
		const struct scn_fault *f = &sd->s->faults[i];
		if (f->group == sd->group && (f->device < 0 || (unsigned)f->device == sd->in_group) &&
		    f->from == from && f->to == to && gsl_rng_uniform(sd->wrng) < f->probability)
			return true;
	}
	return false;
}

static int sim_set_state(struct device *d, enum vfio_state to)
{
	struct sim_dev *sd = sd_of(d);
	enum vfio_state from = d->state;
	if (!vfio_fsm_is_device_arc(from, to, d->caps))
		return -EINVAL;
	advance(sd);
	double lat = dist_sample(&sd->g->arc_latency[from][to], sd->rng);
	bool fail = fault_hits(sd, from, to);
	work(sd, lat);
	d->last_work_s = lat;
	if (fail) {
		d->state = VFIO_STATE_ERROR;
		return -EIO;
	}
	if (to == VFIO_STATE_PRE_COPY && from == VFIO_STATE_RUNNING) {
		sd->initial_left = sd->g->initial_bytes;
		sd->dirty_left = sd->hidden_initial = 0;
		sd->dirty_since = sd->setup_t = rt_now(sd->rt);
		sd->next_time = 0;
		sd->next_poisson = sd->g->reinit_interval_s > 0
				       ? gsl_ran_exponential(sd->wrng, sd->g->reinit_interval_s)
				       : INFINITY;
	} else if (to == VFIO_STATE_STOP_COPY) {
		sd->stopcopy_initial_left = sd->initial_left + sd->hidden_initial;
		sd->state_left = sd->g->state_bytes + sd->dirty_left;
		sd->initial_left = sd->dirty_left = sd->hidden_initial = 0;
	}
	d->state = to;
	return 0;
}

static int sim_enable_v2(struct device *d)
{
	struct sim_dev *sd = sd_of(d);
	switch (sd->g->precopy_info_v2) {
	case PRECOPY_V2_SUPPORTED:
		sd->v2_enabled = 1;
		return 0;
	case PRECOPY_V2_ERROR:
		return -EIO;
	default:
		return -ENOTTY;
	}
}

static int sim_precopy_info(struct device *d, struct device_precopy_info *out)
{
	struct sim_dev *sd = sd_of(d);
	if (!guest_running_precopy(sd))
		return -EINVAL;
	advance(sd);
	work(sd, dist_sample(&sd->g->query_latency, sd->rng));
	/* The final REINIT check is the one query made with the VM stopped. */
	if (d->vm_stopped_at >= 0 && sd->g->final_check_failure > 0 &&
	    gsl_rng_uniform(sd->wrng) < sd->g->final_check_failure)
		return -EIO;
	*out = (struct device_precopy_info){sd->initial_left, sd->dirty_left,
					    sd->reinit_flag ? DEVICE_PRECOPY_REINIT : 0};
	sd->reinit_flag = 0;
	return 0;
}

static int sim_stop_copy_size(struct device *d, uint64_t *bytes)
{
	struct sim_dev *sd = sd_of(d);
	advance(sd);
	work(sd, dist_sample(&sd->g->query_latency, sd->rng));
	*bytes = d->state == VFIO_STATE_STOP_COPY
		     ? sd->stopcopy_initial_left + sd->state_left
		     : sd->g->state_bytes + sd->initial_left + sd->dirty_left + sd->hidden_initial;
	return 0;
}

static uint64_t take(uint64_t *left, uint64_t max)
{
	uint64_t n = *left < max ? *left : max;
	*left -= n;
	return n;
}

static int sim_read(struct device *d, void *buf, uint64_t max, uint64_t *got, uint32_t *hint)
{
	(void)buf;
	struct sim_dev *sd = sd_of(d);
	if (d->state == VFIO_STATE_STOP_COPY) {
		*hint = sd->stopcopy_initial_left ? DEVICE_DATA_INITIAL : DEVICE_DATA_STATE;
		*got = sd->stopcopy_initial_left ? take(&sd->stopcopy_initial_left, max)
						 : take(&sd->state_left, max);
	} else if (guest_running_precopy(sd)) {
		advance(sd);
		*hint = sd->initial_left ? DEVICE_DATA_INITIAL : DEVICE_DATA_STATE;
		*got = sd->initial_left ? take(&sd->initial_left, max) : take(&sd->dirty_left, max);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int sim_write(struct device *d, const void *buf, uint64_t bytes, uint32_t hint)
{
	(void)buf;
	struct sim_dev *sd = sd_of(d);
	if (d->state != VFIO_STATE_RESUMING)
		return -EINVAL;
	bool initial = hint == DEVICE_DATA_INITIAL;
	double fixed = initial ? sd->g->init_load_fixed_s : sd->g->load_fixed_s;
	double rate = initial ? sd->g->init_load_Bps : sd->g->load_Bps;
	work(sd, fixed + (rate > 0 ? (double)bytes / rate : 0));
	return 0;
}

/* VFIO_DEVICE_RESET: back to RUNNING; modelled as long as STOP -> RUNNING_P2P. */
static int sim_reset(struct device *d)
{
	struct sim_dev *sd = sd_of(d);
	double lat = dist_sample(&sd->g->arc_latency[VFIO_STATE_STOP][VFIO_STATE_RUNNING_P2P], sd->rng);
	work(sd, lat);
	d->last_work_s = lat;
	d->state = VFIO_STATE_RUNNING;
	sd->initial_left = sd->dirty_left = sd->state_left = 0;
	sd->hidden_initial = sd->stopcopy_initial_left = 0;
	return 0;
}

static void sim_free(struct device *d)
{
	struct sim_dev *sd = sd_of(d);
	gsl_rng_free(sd->rng);
	gsl_rng_free(sd->wrng);
	free(sd);
}

static const struct device_ops sim_device_ops = {
    .kind = "sim",
    .enable_precopy_info_v2 = sim_enable_v2,
    .set_state = sim_set_state,
    .precopy_info = sim_precopy_info,
    .stop_copy_size = sim_stop_copy_size,
    .read = sim_read,
    .write = sim_write,
    .reset = sim_reset,
    .free = sim_free,
};

struct device *sim_device_new(struct rt *rt, const struct scenario *s, size_t index,
			      enum rt_side side, unsigned run, struct rt_sem *domain)
{
	struct sim_dev *sd = calloc(1, sizeof *sd);
	if (!sd)
		return NULL;
	sd->s = s;
	sd->g = scenario_device_group(s, index, &sd->in_group);
	sd->group = (int)(sd->g - s->groups);
	/* Keyed by (group, index in group, side): growing one group leaves the
	 * draws of every other device unchanged. */
	uint64_t id = (((uint64_t)sd->group << 24 | sd->in_group) << 1) | (uint64_t)side;
	sd->rng = rng_stream_new(s->seed, run, id);
	sd->wrng = rng_stream_new(s->seed, run, RNG_STREAM_WORKLOAD + id);
	if (!sd->rng || !sd->wrng) {
		gsl_rng_free(sd->rng);
		gsl_rng_free(sd->wrng);
		free(sd);
		return NULL;
	}
	sd->rt = rt;
	sd->domain = domain;
	sd->next_poisson = INFINITY;
	sd->d.ops = &sim_device_ops;
	sd->d.priv = sd;
	sd->d.index = (int)index;
	sd->d.side = side;
	sd->d.caps = sd->g->caps;
	sd->d.state = side == RT_SIDE_SRC ? VFIO_STATE_RUNNING : VFIO_STATE_STOP;
	sd->d.vm_stopped_at = -1;
	scenario_device_name(s, index, sd->d.name, sizeof sd->d.name);
	mig_qom_path(sd->d.name, sd->d.qom_path, sizeof sd->d.qom_path);
	return &sd->d;
}
