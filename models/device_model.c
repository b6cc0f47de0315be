/*
 * device_model.c - draws and byte accounting of a modelled VFIO device,
 * shared by the sim and real worlds (see device_model.h).
 */
#include "device_model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_randist.h>

#include "migration.h"
#include "rng.h"

int devmodel_init(struct devmodel *dm, struct device *d, const struct scenario *s, size_t index,
                  enum rt_side side, unsigned run)
{
	*dm = (struct devmodel){.s = s, .next_poisson = INFINITY};
	dm->g = scenario_device_group(s, index, &dm->in_group);
	dm->group = (int)(dm->g - s->groups);
	uint64_t id = (((uint64_t)dm->group << 24 | dm->in_group) << 1) | (uint64_t)side;
	int rc = rng_lazy_init(&dm->rng, s->seed, run, id);
	int wrc = rng_lazy_init(&dm->wrng, s->seed, run, RNG_STREAM_WORKLOAD + id);
	if (rc || wrc) {
		devmodel_free(dm);
		return -ENOMEM;
	}
	devmodel_identity(d, s, index, side);
	dm->dst_header_left = dm->g->header_bytes;
	dm->dst_image_left = dm->g->initial_bytes + dm->g->state_bytes;
	return 0;
}

void devmodel_identity(struct device *d, const struct scenario *s, size_t index, enum rt_side side)
{
	d->index = (int)index;
	d->side = side;
	const struct scn_device_group *g = scenario_device_group(s, index, NULL);
	d->caps = g->caps;
	d->state = side == RT_SIDE_SRC || g->destination_starts_running ? VFIO_STATE_RUNNING
	                                                                : VFIO_STATE_STOP;
	d->vm_stopped_at = -1;
	scenario_device_name(s, index, d->name, sizeof d->name);
	mig_qom_path(d->name, d->qom_path, sizeof d->qom_path);
}

void devmodel_free(struct devmodel *dm)
{
	rng_lazy_free(&dm->rng);
	rng_lazy_free(&dm->wrng);
}

/* Apply every workload event up to now (or up to the VM stop). */
static void advance(struct devmodel *dm, const struct device *d, double now)
{
	if (!vfio_fsm_is_precopy(d->state))
		return;
	double until = d->vm_stopped_at >= 0 && d->vm_stopped_at < now ? d->vm_stopped_at : now;
	/* One product since the last image, not a sum of truncated pieces:
	 * the stop-copy increment is exactly rate x time since that image. */
	if (until > dm->dirty_since)
		dm->dirty_left = (uint64_t)(dm->g->precopy_dirty_Bps * (until - dm->dirty_since));
	dm->dirty_until = until;
	double rel = until - dm->setup_t;
	for (;;) {
		double t_list = dm->next_time < dm->g->n_reinit_times
		                    ? dm->g->reinit_times[dm->next_time]
		                    : INFINITY;
		double t = fmin(t_list, dm->next_poisson);
		if (t > rel)
			break;
		if (t == t_list)
			dm->next_time++;
		else
			dm->next_poisson +=
			    gsl_ran_exponential(rng_lazy_get(&dm->wrng), dm->g->reinit_interval_s);
		uint64_t chunk = (uint64_t)dist_sample_lazy(&dm->g->reinit_chunk, &dm->wrng);
		if (dm->v2_enabled) {
			dm->initial_left += chunk;
			dm->reinit_flag = 1;
		} else {
			dm->hidden_initial += chunk;
		}
	}
}

/* Does an injected fault hit this arc now? */
static bool fault_hits(struct devmodel *dm, enum vfio_state from, enum vfio_state to)
{
	for (size_t i = 0; i < dm->s->n_faults; i++) {
		const struct scn_fault *f = &dm->s->faults[i];
		if (f->group == dm->group &&
		    (f->device < 0 || (unsigned)f->device == dm->in_group) && f->from == from &&
		    f->to == to && gsl_rng_uniform(rng_lazy_get(&dm->wrng)) < f->probability)
			return true;
	}
	return false;
}

int devmodel_enable_v2(struct devmodel *dm)
{
	switch (dm->g->precopy_info_v2) {
	case PRECOPY_V2_SUPPORTED:
		dm->v2_enabled = 1;
		return 0;
	case PRECOPY_V2_ERROR:
		return -EIO;
	default:
		return -ENOTTY;
	}
}

/* Source time to save `bytes` of image. */
static double save_cost(const struct devmodel *dm, uint64_t bytes)
{
	return dm->g->save_Bps > 0 ? (double)bytes / dm->g->save_Bps : 0;
}

/* What changed since the last image precopy read: the image taken and
 * unread (an image never read at all is no image: what changed is counted
 * from the one before it, in one product) and what changed since. */
static uint64_t increment(const struct devmodel *dm)
{
	if (dm->incr_left && dm->incr_left == dm->incr_taken)
		return (uint64_t)(dm->g->precopy_dirty_Bps * (dm->dirty_until - dm->incr_since));
	return dm->incr_left + dm->dirty_left;
}

/* The image a PRE_COPY device saves on entering STOP_COPY: the increment,
 * or after a failed incremental save the full image (mlx5 then saves with
 * inc = false: "the full device state will be read"). */
static uint64_t stopcopy_image(const struct devmodel *dm)
{
	return dm->save_error ? dm->g->state_bytes : increment(dm);
}

/* What entering STOP_COPY from d->state saves (and the stop-copy data
 * after precopy's unread initial data): the header, the increment and
 * re-initialised bytes precopy never heard of after precopy, else a full
 * image. */
static uint64_t stopcopy_saved(const struct devmodel *dm, const struct device *d)
{
	return vfio_fsm_is_precopy(d->state)
	           ? dm->g->header_bytes + stopcopy_image(dm) + dm->hidden_initial
	           : dm->g->state_bytes;
}

/* The full image and what precedes it, read in precopy. */
static uint64_t precopy_initial(const struct devmodel *dm)
{
	return dm->g->header_bytes + dm->g->initial_bytes + dm->g->state_bytes;
}

int devmodel_arc_begin(struct devmodel *dm, const struct device *d, double now, enum vfio_state to,
                       double *latency_s, bool *fail)
{
	if (!vfio_fsm_is_device_arc(d->state, to, d->caps))
		return -EINVAL;
	advance(dm, d, now);
	*latency_s = dist_sample_lazy(&dm->g->arc_latency[d->state][to], &dm->rng);
	*fail = fault_hits(dm, d->state, to);
	if (to == VFIO_STATE_PRE_COPY && d->state == VFIO_STATE_RUNNING)
		*latency_s += save_cost(dm, precopy_initial(dm));
	else if (to == VFIO_STATE_STOP_COPY)
		*latency_s += save_cost(dm, stopcopy_saved(dm, d));
	return 0;
}

void devmodel_arc_end(struct devmodel *dm, const struct device *d, double now, enum vfio_state to)
{
	if (to == VFIO_STATE_PRE_COPY && d->state == VFIO_STATE_RUNNING) {
		dm->initial_left = precopy_initial(dm);
		dm->incr_left = dm->dirty_left = dm->hidden_initial = 0;
		dm->save_error = false;
		dm->dirty_since = dm->setup_t = now;
		dm->next_time = 0;
		dm->next_poisson =
		    dm->g->reinit_interval_s > 0
		        ? gsl_ran_exponential(rng_lazy_get(&dm->wrng), dm->g->reinit_interval_s)
		        : INFINITY;
	} else if (to == VFIO_STATE_STOP_COPY) {
		/* Initial data first (what precopy left unread, re-initialised
		 * bytes it never heard of), then the header and the increment. */
		bool precopy = vfio_fsm_is_precopy(d->state);
		dm->stopcopy_initial_left = precopy ? dm->initial_left + dm->hidden_initial : 0;
		dm->state_left =
		    precopy ? dm->g->header_bytes + stopcopy_image(dm) : dm->g->state_bytes;
		dm->initial_left = dm->incr_left = dm->dirty_left = dm->hidden_initial = 0;
	}
}

double devmodel_query_begin(struct devmodel *dm, const struct device *d, double now)
{
	advance(dm, d, now);
	return dist_sample_lazy(&dm->g->query_latency, &dm->rng);
}

int devmodel_precopy_info(struct devmodel *dm, const struct device *d, double now,
                          struct device_precopy_info *out)
{
	/* The final REINIT check is the one query made with the VM stopped. */
	if (d->vm_stopped_at >= 0 && dm->g->final_check_failure > 0 &&
	    gsl_rng_uniform(rng_lazy_get(&dm->wrng)) < dm->g->final_check_failure)
		return -EIO;
	/* A query that finds every image so far read (and the guest running)
	 * takes an incremental image of what changed since the last one, and
	 * starts its save, which the read of it waits for (mlx5's precopy
	 * ioctl issues the save; the read finds the data once it is done); on
	 * a busy device that save fails, and none is taken after it. */
	if (d->vm_stopped_at < 0 && !dm->initial_left && !dm->incr_left && dm->dirty_left &&
	    !dm->save_error) {
		if (dm->g->precopy_save_error) {
			dm->save_error = true;
		} else {
			dm->incr_left = dm->incr_taken = dm->dirty_left;
			dm->incr_since = dm->dirty_since;
			dm->incr_saved_at = now + save_cost(dm, dm->incr_taken);
			dm->dirty_left = 0;
			dm->dirty_since = dm->dirty_until;
		}
	}
	*out = (struct device_precopy_info){dm->initial_left, dm->incr_left,
	                                    dm->reinit_flag ? DEVICE_PRECOPY_REINIT : 0};
	dm->reinit_flag = 0;
	return 0;
}

uint64_t devmodel_stop_copy_size(const struct devmodel *dm, const struct device *d)
{
	if (d->state == VFIO_STATE_STOP_COPY)
		return dm->stopcopy_initial_left + dm->state_left;
	/* What entering STOP_COPY now would leave to read (emu's feeder
	 * relies on this being exact inside the arc). */
	return vfio_fsm_is_precopy(d->state) ? dm->initial_left + stopcopy_saved(dm, d)
	                                     : dm->g->state_bytes;
}

static uint64_t take(uint64_t *left, uint64_t max)
{
	uint64_t n = *left < max ? *left : max;
	*left -= n;
	return n;
}

/* Take up to max bytes of the image whose unread part is *left: the hint
 * `kind`, with DEVICE_DATA_IMAGE_END when this read completes the image. */
static uint64_t take_image(uint64_t *left, uint64_t max, uint32_t kind, uint32_t *hint)
{
	uint64_t n = take(left, max);
	*hint = kind | (n && !*left ? DEVICE_DATA_IMAGE_END : 0);
	return n;
}

double devmodel_read_wait(struct devmodel *dm, const struct device *d, double now)
{
	if (!vfio_fsm_is_precopy(d->state))
		return 0;
	advance(dm, d, now);
	return !dm->initial_left && dm->incr_left && dm->incr_saved_at > now
	           ? dm->incr_saved_at - now
	           : 0;
}

/* Images, as the reads complete them: the initial data read in one go (the
 * header, initial bytes and full image; later, each batch of re-initialised
 * bytes), each incremental image, and the stop-copy data (what precopy left
 * of the initial data, then the header and the image saved at STOP_COPY). */
int devmodel_read(struct devmodel *dm, const struct device *d, double now, uint64_t max,
                  uint64_t *got, uint32_t *hint)
{
	if (d->state == VFIO_STATE_STOP_COPY) {
		*got = dm->stopcopy_initial_left
		           ? take_image(&dm->stopcopy_initial_left, max, DEVICE_DATA_INITIAL, hint)
		           : take_image(&dm->state_left, max, DEVICE_DATA_STATE, hint);
	} else if (vfio_fsm_is_precopy(d->state)) {
		advance(dm, d, now);
		*got = dm->initial_left
		           ? take_image(&dm->initial_left, max, DEVICE_DATA_INITIAL, hint)
		           : take_image(&dm->incr_left, max, DEVICE_DATA_STATE, hint);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* The destination's pre-allocation for `bytes`. */
static double prealloc_cost(const struct scn_device_group *g, uint64_t bytes)
{
	return g->init_load_fixed_s + (g->init_load_Bps > 0 ? (double)bytes / g->init_load_Bps : 0);
}

double devmodel_load_cost(struct devmodel *dm, uint64_t bytes, uint32_t hint)
{
	const struct scn_device_group *g = dm->g;
	double cost = g->load_fixed_s + (g->load_Bps > 0 ? (double)bytes / g->load_Bps : 0);
	/* The write that completes an image loads it (one firmware command
	 * per image in mlx5vf_resume_write). */
	if (hint & DEVICE_DATA_IMAGE_END)
		cost += g->load_image_s;
	if (DEVICE_DATA_KIND(hint) != DEVICE_DATA_INITIAL)
		return cost;
	/* Initial data opens with the header: the write that completes it
	 * pre-allocates for the announced size, a full image.  Initial data
	 * beyond the first image is re-initialised: pre-allocated again. */
	uint64_t h = bytes < dm->dst_header_left ? bytes : dm->dst_header_left;
	dm->dst_header_left -= h;
	if (!dm->dst_allocated && dm->dst_header_left == 0) {
		dm->dst_allocated = true;
		cost += prealloc_cost(g, g->state_bytes);
	}
	uint64_t rest = bytes - h;
	uint64_t image = rest < dm->dst_image_left ? rest : dm->dst_image_left;
	dm->dst_image_left -= image;
	if (rest > image)
		cost += prealloc_cost(g, rest - image);
	return cost;
}

double devmodel_reset_begin(struct devmodel *dm)
{
	return dist_sample_lazy(&dm->g->arc_latency[VFIO_STATE_STOP][VFIO_STATE_RUNNING_P2P],
	                        &dm->rng);
}

void devmodel_reset_end(struct devmodel *dm)
{
	dm->initial_left = dm->incr_left = dm->dirty_left = dm->state_left = 0;
	dm->hidden_initial = dm->stopcopy_initial_left = 0;
}
