/*
 * device.h - the contract a migratable device implements (one file per kind:
 * sim/sim_device.c, real/devices/emu, real/devices/null, real/devices/vfio).
 *
 * It is the Linux VFIO migration uAPI seen through an ops table: one call per
 * ioctl the migration driver would make.  The engine walks multi-arc paths
 * itself (vfio_fsm_next) and asks the device for one direct arc at a time, so
 * every arc's latency is observable.
 *
 * All entries are called from engine tasks and may block.  Costs:
 *   sim  - drawn from the device's profile (scenario), taken as simulated
 *          time; a contention domain serialises (or caps the concurrency of)
 *          the arc work of devices sharing one PF firmware;
 *   real - whatever the device or the kernel takes.
 * Errors are negative errno values; a failing set_state may leave the device
 * in VFIO_STATE_ERROR (the device records that in `state`).
 */
#ifndef SWITCHOVER_DEVICE_H
#define SWITCHOVER_DEVICE_H

#include <stdint.h>

#include "runtime.h"
#include "vfio_fsm.h"

/* Bytes of a device name (its id, "vf3"), NUL included: struct device's
 * name and every buffer a name is formatted into (scenario_device_name). */
#define DEVICE_NAME_LEN 48

/* VFIO_PRECOPY_INFO_REINIT: initial bytes were re-initialised (PRECOPY_INFOv2). */
#define DEVICE_PRECOPY_REINIT (1u << 0)

/*
 * What a chunk of device data is, as the source device says it (read) and
 * the engine carries it to the destination device (write).  A real device
 * knows what it loads and may ignore the hint; a modelled device uses it to
 * pick the load cost (initial bytes drive mlx5's slow pre-allocation).
 */
#define DEVICE_DATA_STATE   0u /* ordinary state (dirty precopy data, stop-copy state) */
#define DEVICE_DATA_INITIAL 1u /* precopy initial bytes */
/* A flag beside the kind: this chunk completes an image.  mlx5's
 * destination learns where an image ends from the record header before
 * it, and loads the image with one firmware command in the write() that
 * completes it; a modelled destination charges its per-image load cost
 * there (load.image).  A real device never sets it. */
#define DEVICE_DATA_IMAGE_END  0x80u
#define DEVICE_DATA_KIND(hint) ((hint) & ~DEVICE_DATA_IMAGE_END)

struct device_precopy_info {
	uint64_t initial_bytes; /* critical data still to read before STOP_COPY */
	uint64_t dirty_bytes;   /* other precopy data available now */
	uint32_t flags;         /* DEVICE_PRECOPY_* (only after opting into v2) */
};

struct device;

struct device_ops {
	const char *kind; /* "sim", "emu", "null", "vfio" */

	/* Opt into VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 at init.  Called once
	 * by the engine at setup for PRE_COPY-capable source devices.  Returns
	 * 0 (precopy_info then reports DEVICE_PRECOPY_REINIT), -ENOTTY (not
	 * supported: carry on without REINIT) or another negative errno (the
	 * device cannot migrate).  May be NULL (= -ENOTTY). */
	int (*enable_precopy_info_v2)(struct device *d);

	/* VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE for one step from d->state to
	 * `to`, as vfio_fsm_next gives it (vfio_fsm_is_device_arc holds: a
	 * device without P2P also gets RUNNING <-> STOP and PRE_COPY ->
	 * STOP_COPY).  Called by the migration thread, a
	 * transition task, or the failure notifier.  Blocks for the arc's cost.
	 * On success the device sets d->state = to. */
	int (*set_state)(struct device *d, enum vfio_state to);

	/* VFIO_MIG_GET_PRECOPY_INFO on the data fd; only in PRE_COPY*.  Cheap
	 * (sim: query_s of the profile). */
	int (*precopy_info)(struct device *d, struct device_precopy_info *out);

	/* VFIO_DEVICE_FEATURE_MIG_DATA_SIZE: the (estimated) stop-copy size. */
	int (*stop_copy_size)(struct device *d, uint64_t *bytes);

	/* read() on the saving data fd: up to `max` bytes into buf (buf may be
	 * NULL when the world carries no data).  *got == 0 means: nothing left
	 * now (PRE_COPY*) or end of state (STOP_COPY).  *hint: DEVICE_DATA_* of
	 * the chunk (a chunk never mixes kinds; real devices say STATE). */
	int (*read)(struct device *d, void *buf, uint64_t max, uint64_t *got, uint32_t *hint);

	/* write() on the resuming data fd (destination, RESUMING): `bytes` of
	 * state, buf NULL in sim, hint as the source device read it.  Blocks for
	 * the load cost (fixed + per byte; initial bytes cost the pre-allocation
	 * of mlx5, a different profile). */
	int (*write)(struct device *d, const void *buf, uint64_t bytes, uint32_t hint);

	/* VFIO_DEVICE_RESET: leave ERROR, back to RUNNING.  May be NULL. */
	int (*reset)(struct device *d);

	/* Release the device (the engine never calls it mid-run). */
	void (*free)(struct device *d);
};

struct device {
	const struct device_ops *ops;
	void *priv;
	int index;         /* position in the scenario's device list */
	enum rt_side side; /* source or destination instance */
	uint32_t caps;     /* VFIO_CAP_* */
	enum vfio_state state;
	/* Cost of the last set_state, excluding time spent waiting for a shared
	 * resource (sim: the drawn latency; real: the measured call). */
	double last_work_s;
	/* Set by the engine: when the source VM stopped (run seconds), < 0
	 * while it runs.  Modelled devices consult it (the guest's workload
	 * stops with the VM; a final REINIT check may fail); real ones ignore it. */
	double vm_stopped_at;
	char name[DEVICE_NAME_LEN]; /* device id, e.g. "vf3" */
	char qom_path[96];          /* e.g. "/machine/peripheral/vf3" */
};

#endif
