/*
 * device_model.h - what a modelled VFIO device does, apart from how it
 * spends time and moves bytes: the draws (arc and query latencies, injected
 * faults, final-check failures, the REINIT workload) and the byte accounting
 * (initial, dirty, hidden and stop-copy bytes, and the hint of each chunk).
 *
 * Both worlds' modelled devices are built on it, so a scenario means the
 * same device in each: sim/sim_device.c spends the drawn times as simulated
 * time and counts bytes; real/devices/emu.c sleeps them and streams the
 * bytes through real file descriptors.  The calls mirror device.h: a device
 * calls *_begin before it spends a cost and *_end after, so that the random
 * draws happen in one order in both worlds and runs with one seed draw the
 * same numbers.
 *
 *
 * Device state moves as images, as the mlx5 driver moves it (docs/domain.md
 * section 11; docs/model.md, "Device state as images").  Entering PRE_COPY
 * saves a full image; precopy reads the header (which announces the
 * stop-copy size), the group's initial_bytes and the full image as initial
 * data.  While the guest runs the state changes at precopy_dirty_Bps; a
 * precopy-info query that finds every image so far read takes an
 * incremental image of what changed since the last one and reports it as
 * the dirty bytes precopy then reads.  Entering STOP_COPY from a precopy state
 * saves the header and the increment since the last image was taken: that,
 * after anything precopy left unread, is the stop-copy data.  Entering
 * STOP_COPY without precopy saves a full image.  Saving costs bytes /
 * save_Bps of source device time: inside the arc that saves, and for an
 * incremental image after the query that takes it, while the guest runs:
 * a precopy read of that image waits until its save is done (mlx5 saves it
 * asynchronously and its read waits for the saved data; docs/model.md,
 * "Device state as images").  The destination loads
 * each image as its data is written (load_fixed + bytes / load_Bps per
 * write) and pre-allocates for the announced size (init_load) in the write
 * that completes the header, and again for re-initialised initial data.
 *
 * The guest's workload runs from PRE_COPY entry to the VM stop
 * (device.vm_stopped_at).  It is evaluated lazily at every call, which
 * gives the same result as a generator task without one.  With
 * PRECOPY_INFOv2 enabled a re-initialisation adds its chunk to the initial
 * data precopy must (re-)read and raises DEVICE_PRECOPY_REINIT at the next
 * precopy-info query; without it the device cannot say so, and the chunk
 * travels with the stop-copy state.  Workload, fault and final-check draws
 * come from a stream of their own, so they leave the latency draws
 * unchanged.
 *
 * Not thread-safe: one device's calls are serialised by the engine.
 */
#ifndef SWITCHOVER_DEVICE_MODEL_H
#define SWITCHOVER_DEVICE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "device.h"
#include "rng.h"
#include "scenario.h"

struct devmodel {
	const struct scenario *s;
	const struct scn_device_group *g;
	int group;
	unsigned in_group;
	struct rng_lazy rng;  /* latencies */
	struct rng_lazy wrng; /* workload, faults, final-check failures */
	/* Source.  Initial data still to read (header, initial_bytes, full
	 * image, REINIT chunks); the incremental image taken and not yet
	 * read; state changed since dirty_since (when the last image was
	 * taken) up to dirty_until (the last workload update). */
	uint64_t initial_left, incr_left, dirty_left;
	uint64_t incr_taken;     /* the incremental image's size when taken */
	double incr_since;       /* when the image before it was taken */
	double incr_saved_at;    /* when the save of the image taken ends */
	uint64_t hidden_initial; /* re-initialised bytes the device could not report */
	uint64_t stopcopy_initial_left, state_left;
	double dirty_since, dirty_until;
	/* The save of an incremental image failed (precopy_save_error): no
	 * more images in precopy, a full image at STOP_COPY. */
	bool save_error;
	/* Destination: header bytes still to come before the pre-allocation,
	 * and initial data of the first image still to come (initial data
	 * beyond it is re-initialised, and pre-allocated again). */
	uint64_t dst_header_left, dst_image_left;
	bool dst_allocated;
	int v2_enabled;
	int reinit_flag;
	double setup_t;      /* PRE_COPY entry: the workload's time origin */
	size_t next_time;    /* next entry of reinit_times */
	double next_poisson; /* setup-relative time of the next Poisson event */
};

/*
 * The model of device instance `index` of `s` on `side` for run `run`, and
 * the identity of `d` (index, side, caps, initial state, name, QOM path).
 * Its streams are keyed by (seed, run, group, index in group, side): growing
 * one group leaves the draws of every other device unchanged.  0 or -ENOMEM.
 */
int devmodel_init(struct devmodel *dm, struct device *d, const struct scenario *s, size_t index,
                  enum rt_side side, unsigned run);
/* Only the identity of `d`, for devices without a model (the null device). */
void devmodel_identity(struct device *d, const struct scenario *s, size_t index, enum rt_side side);
void devmodel_free(struct devmodel *dm);

/* enable_precopy_info_v2: 0, -ENOTTY or -EIO as the group says. */
int devmodel_enable_v2(struct devmodel *dm);

/*
 * set_state to `to`, before the arc's work: -EINVAL when d->state -> to is
 * no direct arc of the device; else the workload is brought up to `now` and
 * *latency_s (the work: the drawn latency, plus saving the image the arc
 * saves) and *fail (an injected fault hits the arc) drawn.
 */
int devmodel_arc_begin(struct devmodel *dm, const struct device *d, double now, enum vfio_state to,
                       double *latency_s, bool *fail);
/* After the work, at `now`: the accounting of the arc d->state -> to (the
 * caller then sets d->state, or ERROR when *fail said so). */
void devmodel_arc_end(struct devmodel *dm, const struct device *d, double now, enum vfio_state to);

/* A precopy-info or data-size query, before its work: brings the workload
 * up to `now` and draws the query's latency. */
double devmodel_query_begin(struct devmodel *dm, const struct device *d, double now);
/* precopy_info after the query's work, at `now` (when an incremental image
 * it takes starts saving): -EIO when the final REINIT check (the query made
 * with the VM stopped) fails, else 0 and *out. */
int devmodel_precopy_info(struct devmodel *dm, const struct device *d, double now,
                          struct device_precopy_info *out);
/* stop_copy_size after the query's work. */
uint64_t devmodel_stop_copy_size(const struct devmodel *dm, const struct device *d);

/* Before a read() at `now`: how long it waits for the save of the
 * incremental image it would fetch (0 when it fetches other data or the
 * save is done).  Brings the workload up to `now`. */
double devmodel_read_wait(struct devmodel *dm, const struct device *d, double now);

/* read(): how many bytes (at most max) the data fd yields now, and their
 * DEVICE_DATA_* hint (a chunk never mixes kinds); -EINVAL outside the
 * saving states.  *got == 0: nothing now (PRE_COPY*) or end of state. */
int devmodel_read(struct devmodel *dm, const struct device *d, double now, uint64_t max,
                  uint64_t *got, uint32_t *hint);

/* write() of `bytes` of data of kind `hint` (destination): the cost of
 * loading them, and of the pre-allocation when they complete the header. */
double devmodel_load_cost(struct devmodel *dm, uint64_t bytes, uint32_t hint);

/* VFIO_DEVICE_RESET: its work (as long as STOP -> RUNNING_P2P), and after
 * it the accounting of a device back in RUNNING. */
double devmodel_reset_begin(struct devmodel *dm);
void devmodel_reset_end(struct devmodel *dm);

#endif
