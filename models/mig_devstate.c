/*
 * mig_devstate.c - device state over the multifd channels at switchover, as
 * QEMU 10 does it with x-migration-multifd-transfer (hw/vfio/
 * migration-multifd.c, migration/multifd-device-state.c): on the source one
 * save task per device reads its stop-copy state and queues it as packets
 * numbered from 0, its config state last; the channels carry them in any
 * order; on the destination the receivers file each packet under its
 * device and index, and one load task per device writes the buffers to the
 * device in index order, then loads the config state.  The destination
 * starts its VM only after every load task has finished.  Only the devices
 * whose own x-migration-multifd-transfer resolves on (devices[].multifd_transfer,
 * else migration.multifd_transfer) send packets and have a load task; the
 * others' state stays on the main stream (mig_source.c).  Every device has a
 * save task whenever the run has multifd channels, on or off, even with
 * every device off: QEMU 10's qemu_savevm_state_complete_precopy_iterable
 * starts the save_live_complete_precopy_thread of every VFIO device whenever
 * multifd_device_state_supported() (multifd on, no mapped-ram, no
 * compression: here, channels), and vfio_multifd_save_complete_precopy_thread
 * returns at once for a device whose transfer is off; so that device costs
 * a thread's creation and join and sends nothing.
 */
#include "mig_devstate.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mig_fail.h"
#include "mig_multifd.h"
#include "mig_stream.h"

/* Task names: "vfio-<device>-save", "vfio-<device>-load". */
#define TASK_NAME_LEN (DEVICE_NAME_LEN + 16)

struct devstate_save {
	struct mig *m;
	struct mig_device *md;
	bool on;   /* the device's state goes over the channels (else its task returns) */
	void *buf; /* chunk_size bytes in a data world; swapped with a channel's */
	struct rt_task *task;
	char name[TASK_NAME_LEN];
};

/* One received packet, waiting for its device's load task. */
struct state_buffer {
	bool present, config;
	uint32_t hint;
	uint64_t bytes;
	void *data; /* a copy of the packet's data, or NULL (sim) */
};

struct devstate_load {
	struct mig *m;
	struct mig_device *md;
	bool on;                /* the device's state comes over the channels */
	struct rt_sem *arrived; /* released once per packet filed for this device */
	GArray *bufs;           /* struct state_buffer by index */
	uint32_t next;          /* the next index to load */
	bool complete;          /* config state loaded */
	struct rt_task *task;
	char name[TASK_NAME_LEN];
};

struct mig_devstate {
	struct rt_mutex *lock; /* the load side: bufs, next, complete, cancel */
	bool cancel;
	bool load_started;
	struct devstate_save *save; /* m->src.n, or NULL */
	struct devstate_load *load; /* m->dst.n, or NULL (also when no device is on) */
};

bool mig_devstate_on(const struct mig *m)
{
	return scenario_multifd_transfer(m->scn);
}

bool mig_devstate_device_on(const struct mig *m, size_t i)
{
	return scenario_device_multifd_transfer(m->scn, i);
}

/* Whether the source starts a save task per device at all, on or off
 * (QEMU's multifd_device_state_supported(): multifd channels). */
static bool save_threads(const struct mig *m)
{
	return m->scn->multifd_channels > 0;
}

/* ---- source ------------------------------------------------------------- */

static void save_task(void *arg)
{
	struct devstate_save *sv = arg;
	struct mig *m = sv->m;
	struct device *d = sv->md->dev;
	uint64_t total = 0;
	for (uint32_t idx = 0; sv->on && !mig_failed(m); idx++) {
		uint64_t got = 0;
		uint32_t hint = DEVICE_DATA_STATE;
		int rc = d->ops->read(d, sv->buf, m->scn->chunk_bytes, &got, &hint);
		if (rc) {
			mig_fail(m, rc, sv->name,
			         "source device %s: reading stop-copy data failed: %s", d->name,
			         strerror(-rc));
			break;
		}
		struct rt_frame f = {.kind = MIG_REC_DEV_STATE,
		                     .device = sv->md->index,
		                     .value = MIG_DEVSTATE_VALUE(idx, hint, got == 0),
		                     .bytes = got};
		mig_multifd_queue(m, &f, &sv->buf);
		if (got == 0)
			break; /* that was the config state */
		mig_stream_count_initial(sv->md, got, hint);
		total += got;
	}
	if (total)
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = sv->name, .kind = TRACE_SEND,
		          .device = sv->md->index, .value = (double)total, .text = "stop-copy");
}

void mig_devstate_save_start(struct mig *m)
{
	struct mig_devstate *ds = m->devstate;
	for (size_t i = 0; ds && ds->save && i < m->src.n && !mig_failed(m); i++) {
		struct devstate_save *sv = &ds->save[i];
		sv->task = rt_spawn(m->rt, RT_SIDE_SRC, sv->name, save_task, sv);
		if (!sv->task)
			mig_fail(m, -EAGAIN, SRC_TASK,
			         "source device %s: cannot create its save thread",
			         sv->md->dev->name);
	}
}

void mig_devstate_save_end(struct mig *m)
{
	struct mig_devstate *ds = m->devstate;
	for (size_t i = 0; ds && ds->save && i < m->src.n; i++) {
		if (ds->save[i].task)
			rt_join(m->rt, ds->save[i].task);
		ds->save[i].task = NULL;
	}
	if (mig_devstate_on(m))
		mig_multifd_sync(m);
}

/* ---- destination -------------------------------------------------------- */

static void load_task(void *arg)
{
	struct devstate_load *dl = arg;
	struct mig *m = dl->m;
	struct mig_devstate *ds = m->devstate;
	const struct rt_ops *o = m->rt->ops;
	o->mutex_lock(ds->lock);
	while (!ds->cancel) {
		struct state_buffer *b =
		    dl->next < dl->bufs->len
		        ? &g_array_index(dl->bufs, struct state_buffer, dl->next)
		        : NULL;
		if (!b || !b->present) {
			o->mutex_unlock(ds->lock);
			o->sem_acquire(dl->arrived);
			o->mutex_lock(ds->lock);
			continue;
		}
		if (b->config) {
			TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = dl->name,
			          .kind = TRACE_CONFIG_LOAD, .device = dl->md->index,
			          .side = RT_SIDE_DST, .value = (double)b->bytes);
			dl->complete = true;
			break;
		}
		/* The array may grow (and move) while the lock is dropped. */
		struct state_buffer take = *b;
		b->data = NULL;
		o->mutex_unlock(ds->lock);
		int rc = mig_stream_load(m, dl->md, take.data, take.bytes, take.hint, dl->name);
		free(take.data);
		o->mutex_lock(ds->lock);
		if (rc)
			break;
		dl->next++;
	}
	o->mutex_unlock(ds->lock);
}

/* Release every load task that waits for a packet: they return. */
static void cancel_loads(struct mig *m)
{
	struct mig_devstate *ds = m->devstate;
	m->rt->ops->mutex_lock(ds->lock);
	ds->cancel = true;
	m->rt->ops->mutex_unlock(ds->lock);
	for (size_t i = 0; i < m->dst.n; i++)
		m->rt->ops->sem_release(ds->load[i].arrived);
}

/* File one packet under its device and index (called with ds->lock). */
static int file_packet(struct mig *m, const struct rt_frame *f, const char *task)
{
	struct devstate_load *dl = &m->devstate->load[f->device];
	uint32_t idx = MIG_DEVSTATE_IDX(f->value);
	if (idx >= dl->bufs->len)
		g_array_set_size(dl->bufs, idx + 1);
	struct state_buffer *b = &g_array_index(dl->bufs, struct state_buffer, idx);
	if (b->present || idx < dl->next) {
		mig_fail(m, -EPROTO, task, "destination device %s: state buffer %u already filled",
		         dl->md->dev->name, idx);
		return -EPROTO;
	}
	void *copy = NULL;
	if (f->data && f->bytes) {
		if (!(copy = malloc(f->bytes))) {
			mig_fail(m, -ENOMEM, task,
			         "destination device %s: no memory for state buffer %u",
			         dl->md->dev->name, idx);
			return -ENOMEM;
		}
		memcpy(copy, f->data, f->bytes);
	}
	*b = (struct state_buffer){.present = true,
	                           .config = (f->value & MIG_DEVSTATE_CONFIG) != 0,
	                           .hint = MIG_DEVSTATE_HINT(f->value),
	                           .bytes = f->bytes,
	                           .data = copy};
	return 0;
}

/* m->load_state_buffer: a multifd receiver's packet, or NULL when its
 * channel broke. */
static int load_state_buffer(struct mig *m, const struct rt_frame *f, const char *task)
{
	struct mig_devstate *ds = m->devstate;
	if (!f) {
		if (ds && ds->load)
			cancel_loads(m);
		return 0;
	}
	if (!ds || !ds->load) {
		mig_fail(m, -EPROTO, task,
		         "%s: got a device state packet but not doing multifd transfer", task);
		return -EPROTO;
	}
	if (f->device < 0 || (size_t)f->device >= m->dst.n) {
		mig_fail(m, -EPROTO, task,
		         "%s: device state packet for device %d, but the scenario has %zu", task,
		         (int)f->device, m->dst.n);
		return -EPROTO;
	}
	if (!ds->load[f->device].on) {
		mig_fail(m, -EPROTO, task,
		         "%s: device state packet for device %s, whose multifd transfer is off",
		         task, ds->load[f->device].md->dev->name);
		return -EPROTO;
	}
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = TRACE_STATE_BUFFER,
	          .device = f->device, .side = RT_SIDE_DST,
	          .value = (double)MIG_DEVSTATE_IDX(f->value),
	          .from = (f->value & MIG_DEVSTATE_CONFIG) != 0);
	m->rt->ops->mutex_lock(ds->lock);
	int rc = file_packet(m, f, task);
	m->rt->ops->mutex_unlock(ds->lock);
	if (rc == 0)
		m->rt->ops->sem_release(ds->load[f->device].arrived);
	return rc;
}

int mig_devstate_load_start(struct mig *m)
{
	struct mig_devstate *ds = m->devstate;
	if (!ds || !ds->load) {
		mig_fail(m, -EPROTO, DST_TASK,
		         "migration stream: switchover start, but not doing multifd transfer");
		return -EPROTO;
	}
	ds->load_started = true;
	for (size_t i = 0; i < m->dst.n; i++) {
		struct devstate_load *dl = &ds->load[i];
		if (!dl->on)
			continue;
		dl->task = rt_spawn(m->rt, RT_SIDE_DST, dl->name, load_task, dl);
		if (!dl->task) {
			mig_fail(m, -EAGAIN, DST_TASK,
			         "destination device %s: cannot create its load thread",
			         dl->md->dev->name);
			return -EAGAIN;
		}
	}
	return 0;
}

int mig_devstate_load_end(struct mig *m, bool ok)
{
	struct mig_devstate *ds = m->devstate;
	if (!ds || !ds->load_started)
		return 0;
	ds->load_started = false;
	if (!ok)
		cancel_loads(m);
	for (size_t i = 0; i < m->dst.n; i++) {
		if (ds->load[i].task)
			rt_join(m->rt, ds->load[i].task);
		ds->load[i].task = NULL;
	}
	for (size_t i = 0; ok && i < m->dst.n && !mig_failed(m); i++) {
		struct devstate_load *dl = &ds->load[i];
		if (dl->on && !dl->complete)
			mig_fail(m, -EIO, DST_TASK,
			         "destination device %s: its device state over multifd stopped at "
			         "buffer %u, before its config state",
			         dl->md->dev->name, dl->next);
	}
	return mig_failed(m) ? -EIO : 0;
}

/* ---- set-up ------------------------------------------------------------- */

static void clear_buffer(gpointer p)
{
	struct state_buffer *b = p;
	free(b->data);
	b->data = NULL;
}

int mig_devstate_new(struct mig *m)
{
	m->load_state_buffer = load_state_buffer;
	if (!save_threads(m))
		return 0;
	struct mig_devstate *ds = calloc(1, sizeof *ds);
	if (!ds)
		return -ENOMEM;
	m->devstate = ds;
	const struct rt_ops *o = m->rt->ops;
	if (!(ds->lock = o->mutex_new(m->rt)))
		return -ENOMEM;
	if (m->has_src) {
		if (!(ds->save = calloc(m->src.n ? m->src.n : 1, sizeof *ds->save)))
			return -ENOMEM;
		for (size_t i = 0; i < m->src.n; i++) {
			struct devstate_save *sv = &ds->save[i];
			sv->m = m;
			sv->md = &m->src.devs[i];
			sv->on = mig_devstate_device_on(m, i);
			snprintf(sv->name, sizeof sv->name, "vfio-%s-save", sv->md->dev->name);
			if (sv->on && m->rt->carries_data &&
			    !(sv->buf = malloc(m->scn->chunk_bytes)))
				return -ENOMEM;
		}
	}
	if (m->has_dst && mig_devstate_on(m)) {
		if (!(ds->load = calloc(m->dst.n ? m->dst.n : 1, sizeof *ds->load)))
			return -ENOMEM;
		for (size_t i = 0; i < m->dst.n; i++) {
			struct devstate_load *dl = &ds->load[i];
			dl->m = m;
			dl->md = &m->dst.devs[i];
			dl->on = mig_devstate_device_on(m, i);
			snprintf(dl->name, sizeof dl->name, "vfio-%s-load", dl->md->dev->name);
			dl->bufs = g_array_new(FALSE, TRUE, sizeof(struct state_buffer));
			g_array_set_clear_func(dl->bufs, clear_buffer);
			if (!(dl->arrived = o->sem_new(m->rt, 0)))
				return -ENOMEM;
		}
	}
	return 0;
}

void mig_devstate_free(struct mig *m)
{
	struct mig_devstate *ds = m->devstate;
	if (!ds)
		return;
	const struct rt_ops *o = m->rt->ops;
	for (size_t i = 0; ds->save && i < m->src.n; i++)
		free(ds->save[i].buf);
	for (size_t i = 0; ds->load && i < m->dst.n; i++) {
		if (ds->load[i].bufs)
			g_array_unref(ds->load[i].bufs);
		if (ds->load[i].arrived)
			o->sem_free(ds->load[i].arrived);
	}
	free(ds->save);
	free(ds->load);
	if (ds->lock)
		o->mutex_free(ds->lock);
	free(ds);
	m->devstate = NULL;
}
