/*
 * migration.c - the source migration thread, its return-path task, and the
 * destination load task.
 *
 * Source (task "migration"): setup opts PRE_COPY devices into
 * PRECOPY_INFOv2, moves them RUNNING -> PRE_COPY and sends their section
 * setup; precopy rounds send all dirty RAM and all device precopy data
 * available at the round's start (one round = one pass over everything
 * pending; see docs/model.md).  Before each round the pending bytes are
 * queried (estimate, then exact below the threshold); the queries also
 * collect switchover-ACK requests.  Switchover happens when pending <
 * measured bandwidth x downtime limit and no ACK is pending, or when
 * management forces it (max iterations / max time).  After the
 * decision-to-stop gap the VM stops: the change-state handlers run
 * (strategy.c; the prepare handler makes the final REINIT check), the final
 * exact query collects late ACK requests and applies the late-ACK rule, and
 * the remaining RAM and every device's stop-copy data are read and sent.
 * A failure anywhere runs the failure notifier (every device back to RUNNING,
 * one after another) and restarts the source VM if it was stopped.
 *
 * Return path (task "return-path", source side): ACKs decrement the
 * counter (an ACK with none pending fails the migration: "underflow"); the
 * destination's running / failed report ends the migration.
 *
 * Destination (task "load"): loads records in stream order (device setup
 * STOP -> RESUMING, device data written to the device, INIT_DATA_SENT flags
 * approved and acknowledged), and at end of stream starts the VM: the
 * handlers take every device RESUMING -> RUNNING_P2P -> RUNNING.  Downtime is
 * source VM stop to destination VM running.
 */
#include "migration.h"

#include <errno.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define SRC_TASK "migration"
#define DST_TASK "load"
#define RP_TASK  "return-path"

/* Random stream of the decision-to-stop gap (devices use their own). */
#define RNG_STREAM_STOP_GAP (RNG_STREAM_HANDLER - 1)

static void lock(struct mig *m)
{
	m->rt->ops->mutex_lock(m->lock);
}
static void unlock(struct mig *m)
{
	m->rt->ops->mutex_unlock(m->lock);
}
static bool failed(struct mig *m)
{
	return atomic_load(&m->failed) != 0;
}

void mig_fail(struct mig *m, int err, const char *task, const char *fmt, ...)
{
	char msg[sizeof m->res->error];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = TRACE_ERROR, .value = err,
	          .text = msg);
	lock(m);
	if (m->res->status == 0) {
		m->res->status = err < 0 ? err : -EIO;
		snprintf(m->res->error, sizeof m->res->error, "%s", msg);
	}
	atomic_store(&m->failed, 1);
	unlock(m);
}

/* ---- QMP events ------------------------------------------------------------ */

void mig_qom_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "/machine/peripheral/%s", name);
}

static void qmp_event(struct mig_device *md, int kind, const char *state, const char *task)
{
	TRACE_ADD(md->m->tr, .t = rt_now(md->m->rt), .task = task, .kind = TRACE_QMP_EVENT,
	          .device = md->index, .side = md->side->side, .from = kind, .text = state);
}

/* ---- device transitions -------------------------------------------------- */

int mig_device_goto(struct mig_device *md, enum vfio_state target, int step, const char *task,
                    const char *reason)
{
	struct mig *m = md->m;
	struct device *d = md->dev;
	enum event_design design = m->scn->event_design;
	if (d->state == target)
		return 0;
	if (design == EVENTS_PREPARE_BEFORE_P2P && d->state == VFIO_STATE_PRE_COPY &&
	    target == VFIO_STATE_PRE_COPY_P2P)
		qmp_event(md, TRACE_QMP_MIGRATION, "pre-copy-p2p-prepare", task);
	else if (design == EVENTS_PREPARE_EVERY)
		qmp_event(md, TRACE_QMP_MIGRATION_PREPARE, vfio_state_qmp_name(target), task);
	while (d->state != target) {
		enum vfio_state from = d->state;
		enum vfio_state next = vfio_fsm_next(from, target, d->caps);
		if (next == VFIO_STATE_ERROR) {
			mig_fail(m, -EINVAL, task, "%s device %s cannot go from %s to %s",
			         rt_side_name(md->side->side), d->name, vfio_state_name(from),
			         vfio_state_name(target));
			return -EINVAL;
		}
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = TRACE_ARC_BEGIN,
		          .device = md->index, .side = md->side->side, .pass = step, .from = from,
		          .to = next, .text = reason);
		d->last_work_s = 0;
		int rc = d->ops->set_state(d, next);
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = TRACE_ARC_END,
		          .device = md->index, .side = md->side->side, .pass = step, .from = from,
		          .to = next, .value = d->last_work_s, .text = rc ? strerror(-rc) : NULL);
		if (rc) {
			mig_fail(m, rc, task, "%s device %s: %s -> %s failed: %s%s",
			         rt_side_name(md->side->side), d->name, vfio_state_name(from),
			         vfio_state_name(next), strerror(-rc),
			         d->state == VFIO_STATE_ERROR ? " (device in ERROR)" : "");
			return rc;
		}
	}
	if (design != EVENTS_NONE)
		qmp_event(md, TRACE_QMP_MIGRATION, vfio_state_qmp_name(target), task);
	return 0;
}

/* Precopy info of a source device, traced; `final` marks the REINIT check
 * of the prepare handler.  Applies DOMAIN.md section 6's request rule. */
static int query_precopy(struct mig_device *md, struct device_precopy_info *info, bool final,
                         const char *task)
{
	struct mig *m = md->m;
	struct device *d = md->dev;
	int rc = d->ops->precopy_info(d, info);
	bool reinit = rc == 0 && (info->flags & DEVICE_PRECOPY_REINIT);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = TRACE_PRECOPY_INFO,
	          .device = md->index, .value = rc ? 0 : (double)info->initial_bytes,
	          .from = reinit || (final && rc), .to = final, .text = rc ? strerror(-rc) : NULL);
	if (final && rc)
		reinit = true; /* a failed final check is assumed to be a REINIT */
	if (reinit && md->init_data_sent && m->scn->ack_src == ACK_NEW) {
		md->init_data_sent = false;
		md->ack_request = final ? "late" : "reinit";
		lock(m);
		md->reinit_wait = true;
		unlock(m);
	}
	if (rc == 0)
		md->init_left = info->initial_bytes;
	return final ? 0 : rc;
}

int mig_device_transition(struct mig_device *md, bool running, int pass, const char *task)
{
	struct device *d = md->dev;
	enum vfio_state target;
	if (pass == TRACE_PASS_PREPARE) {
		/* vfio_vmstate_change_prepare: the direction does not matter. */
		if (d->state == VFIO_STATE_PRE_COPY) {
			if (md->v2_enabled) {
				struct device_precopy_info info;
				query_precopy(md, &info, true, task);
			}
			target = VFIO_STATE_PRE_COPY_P2P;
		} else {
			target = VFIO_STATE_RUNNING_P2P;
		}
	} else {
		target = running ? VFIO_STATE_RUNNING : VFIO_STATE_STOP_COPY;
	}
	return mig_device_goto(md, target, pass, task, running ? "vm-start" : "vm-stop");
}

/* ---- non-VFIO handlers -------------------------------------------------- */

static void handler_cb(void *opaque, bool running)
{
	(void)running;
	struct mig_handler *mh = opaque;
	rt_sleep(mh->m->rt, dist_sample(&mh->h->cost, mh->rng));
}

static bool handler_on_side(const struct scn_handler *h, enum rt_side side)
{
	return h->side == HANDLER_SIDE_BOTH ||
	       (h->side == HANDLER_SIDE_SRC) == (side == RT_SIDE_SRC);
}

static int register_handlers(struct mig *m, struct mig_side *side)
{
	for (size_t i = 0; i < m->n_handlers; i++) {
		const struct scn_handler *h = m->handlers[i].h;
		if (!handler_on_side(h, side->side))
			continue;
		struct vmstate_entry e = {
		    .name = h->name,
		    .priority = h->depth < 0 ? 0 : vmstate_priority(h->depth, 0),
		    .depth = h->depth,
		    .device = -1,
		    .prepare_cb = h->pass != HANDLER_PASS_MAIN ? handler_cb : NULL,
		    .cb = h->pass != HANDLER_PASS_PREPARE ? handler_cb : NULL,
		    .opaque = &m->handlers[i],
		};
		int rc = vmstate_add(&side->reg, &e);
		if (rc)
			return rc;
	}
	return 0;
}

static void side_notify(struct mig_side *side, bool running)
{
	strategy_before_notify(side);
	vmstate_notify(&side->reg, running);
}

/* ---- stream ------------------------------------------------------------- */

static int send_frame(struct mig *m, struct rt_chan *c, uint32_t kind, int device, uint64_t value,
                      uint64_t bytes, void *data, const char *task)
{
	struct rt_frame f = {kind, device, value, bytes, data};
	int rc = m->rt->ops->chan_send(c, &f);
	if (rc)
		mig_fail(m, rc, task, "%s: sending a record failed: %s",
		         c == m->ret ? "return path" : "migration stream", strerror(-rc));
	return rc;
}

/* Read up to `limit` bytes of device data (to end of state for stop-copy)
 * and send them chunk by chunk.  Initial bytes read are deducted from
 * md->init_left.  Returns the bytes sent or -errno. */
static int64_t send_device_data(struct mig *m, struct mig_device *md, uint64_t limit, bool stopcopy)
{
	struct device *d = md->dev;
	uint64_t total = 0;
	while (total < limit) {
		uint64_t max =
		    limit - total < m->scn->chunk_bytes ? limit - total : m->scn->chunk_bytes;
		uint64_t got = 0;
		uint32_t hint = DEVICE_DATA_STATE;
		int rc = d->ops->read(d, m->buf, max, &got, &hint);
		if (rc) {
			mig_fail(m, rc, SRC_TASK, "source device %s: reading %s data failed: %s",
			         d->name, stopcopy ? "stop-copy" : "precopy", strerror(-rc));
			return rc;
		}
		if (got == 0)
			break;
		rc = send_frame(m, m->stream, MIG_REC_DEV_DATA, md->index, hint, got, m->buf,
		                SRC_TASK);
		if (rc)
			return rc;
		if (hint == DEVICE_DATA_INITIAL)
			md->init_left -= got < md->init_left ? got : md->init_left;
		total += got;
	}
	if (total)
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_SEND,
		          .device = md->index, .value = (double)total,
		          .text = stopcopy ? "stop-copy" : "precopy");
	return (int64_t)total;
}

/* ---- multifd channels ---------------------------------------------------- */

struct mig_multifd {
	struct mig *m;
	struct rt_chan *chan;
	struct rt_sem *job, *done;
	uint64_t bytes;
	int quit;
	struct rt_task *sender, *receiver;
	char name[32];
};

static void multifd_sender(void *arg)
{
	struct mig_multifd *mf = arg;
	struct mig *m = mf->m;
	for (;;) {
		m->rt->ops->sem_acquire(mf->job);
		if (mf->quit) {
			send_frame(m, mf->chan, MIG_REC_EOS, -1, 0, 0, NULL, mf->name);
			return;
		}
		if (mf->bytes)
			send_frame(m, mf->chan, MIG_REC_RAM, -1, 0, mf->bytes, NULL, mf->name);
		m->rt->ops->sem_release(mf->done);
	}
}

static void multifd_receiver(void *arg)
{
	struct mig_multifd *mf = arg;
	struct rt_frame f;
	while (mf->m->rt->ops->chan_recv(mf->chan, &f) == 0 && f.kind != MIG_REC_EOS)
		;
}

/* RAM pages go over the multifd channels (split evenly, in parallel) when
 * there are any, else on the main stream. */
static int send_ram(struct mig *m, uint64_t bytes)
{
	if (bytes == 0)
		return 0;
	int rc = 0;
	if (m->n_multifd == 0) {
		rc = send_frame(m, m->stream, MIG_REC_RAM, -1, 0, bytes, NULL, SRC_TASK);
	} else {
		struct mig_multifd *mf = m->multifd;
		for (unsigned i = 0; i < m->n_multifd; i++) {
			mf[i].bytes = bytes / m->n_multifd + (i < bytes % m->n_multifd);
			m->rt->ops->sem_release(mf[i].job);
		}
		for (unsigned i = 0; i < m->n_multifd; i++)
			m->rt->ops->sem_acquire(mf[i].done);
	}
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_SEND,
	          .value = (double)bytes, .text = "ram");
	return rc;
}

static int multifd_start(struct mig *m)
{
	unsigned n = m->scn->multifd_channels;
	if (!n)
		return 0;
	struct mig_multifd *mf = calloc(n, sizeof *mf);
	if (!mf)
		return -ENOMEM;
	m->multifd = mf;
	m->n_multifd = n;
	const struct rt_ops *o = m->rt->ops;
	for (unsigned i = 0; i < n; i++) {
		mf[i].m = m;
		snprintf(mf[i].name, sizeof mf[i].name, "multifd%u", i);
		mf[i].chan = o->chan_new(m->rt, RT_SIDE_SRC, mf[i].name);
		mf[i].job = o->sem_new(m->rt, 0);
		mf[i].done = o->sem_new(m->rt, 0);
		if (!mf[i].chan || !mf[i].job || !mf[i].done)
			return -ENOMEM;
		if (m->has_src)
			mf[i].sender =
			    rt_spawn(m->rt, RT_SIDE_SRC, mf[i].name, multifd_sender, &mf[i]);
		if (m->has_dst)
			mf[i].receiver =
			    rt_spawn(m->rt, RT_SIDE_DST, mf[i].name, multifd_receiver, &mf[i]);
	}
	return 0;
}

/* Senders end their channel (the receivers then return). */
static void multifd_quit(struct mig *m)
{
	struct mig_multifd *mf = m->multifd;
	for (unsigned i = 0; i < m->n_multifd; i++) {
		if (!mf[i].sender || mf[i].quit)
			continue;
		mf[i].quit = 1;
		m->rt->ops->sem_release(mf[i].job);
	}
}

static void multifd_join(struct mig *m, enum rt_side side)
{
	struct mig_multifd *mf = m->multifd;
	for (unsigned i = 0; i < m->n_multifd; i++) {
		struct rt_task **t = side == RT_SIDE_SRC ? &mf[i].sender : &mf[i].receiver;
		if (*t)
			rt_join(m->rt, *t);
		*t = NULL;
	}
}

static void multifd_free(struct mig *m)
{
	struct mig_multifd *mf = m->multifd;
	const struct rt_ops *o = m->rt->ops;
	for (unsigned i = 0; mf && i < m->n_multifd; i++) {
		if (mf[i].chan)
			o->chan_free(mf[i].chan);
		if (mf[i].job)
			o->sem_free(mf[i].job);
		if (mf[i].done)
			o->sem_free(mf[i].done);
	}
	free(mf);
	m->multifd = NULL;
}

/* ---- destination ------------------------------------------------------- */

static void dst_send(struct mig *m, uint32_t kind, int device, uint64_t value)
{
	send_frame(m, m->ret, kind, device, value, 0, NULL, DST_TASK);
}

static void dst_ack(struct mig *m, int device, const char *why)
{
	dst_send(m, MIG_RET_ACK, device, 0);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK, .kind = TRACE_ACK_SENT,
	          .device = device, .side = RT_SIDE_DST, .text = why);
}

/* INIT_DATA_SENT loaded: the device's initial bytes are in (pre-allocation
 * done).  Legacy counts approvals down to one ACK; new ACKs each one. */
static void dst_approve(struct mig *m, struct mig_device *md, int *legacy_needed)
{
	switch (m->scn->ack_dst) {
	case ACK_NEW:
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK, .kind = TRACE_APPROVE,
		          .device = md->index, .side = RT_SIDE_DST);
		dst_ack(m, md->index, "new");
		break;
	case ACK_LEGACY:
		if (md->approved)
			break; /* one-shot */
		md->approved = true;
		--*legacy_needed;
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK, .kind = TRACE_APPROVE,
		          .device = md->index, .side = RT_SIDE_DST, .value = *legacy_needed);
		if (*legacy_needed == 0)
			dst_ack(m, -1, "legacy");
		break;
	case ACK_OFF:
		break;
	}
}

/* Returns 0 at end of stream, or -errno (failure or abort, already recorded
 * unless it was the source's abort). */
static int dst_load(struct mig *m)
{
	const struct rt_ops *o = m->rt->ops;
	int legacy_needed = 0;
	for (;;) {
		struct rt_frame f;
		int rc = o->chan_recv(m->stream, &f);
		if (rc) {
			mig_fail(m, rc, DST_TASK, "migration stream: receive failed: %s",
			         strerror(-rc));
			return rc;
		}
		bool is_dev = f.kind == MIG_REC_SETUP || f.kind == MIG_REC_DEV_DATA ||
		              f.kind == MIG_REC_DEV_FLAG;
		if (is_dev && (f.device < 0 || (size_t)f.device >= m->dst.n)) {
			mig_fail(m, -EPROTO, DST_TASK,
			         "migration stream: record for device %d, but the scenario has %zu",
			         (int)f.device, m->dst.n);
			return -EPROTO;
		}
		struct mig_device *md = is_dev ? &m->dst.devs[f.device] : NULL;
		switch (f.kind) {
		case MIG_REC_SETUP:
			rc = mig_device_goto(md, VFIO_STATE_RESUMING, -1, DST_TASK, "load-setup");
			if (rc)
				return rc;
			break;
		case MIG_REC_SETUP_DONE:
			if (m->scn->ack_dst != ACK_LEGACY)
				break;
			for (size_t i = 0; i < m->dst.n; i++)
				legacy_needed +=
				    (m->dst.devs[i].dev->caps & VFIO_CAP_PRE_COPY) != 0;
			if (legacy_needed == 0)
				dst_ack(m, -1, "no-users");
			break;
		case MIG_REC_RAM:
			break;
		case MIG_REC_DEV_DATA: {
			struct device *d = md->dev;
			double t0 = rt_now(m->rt);
			TRACE_ADD(m->tr, .t = t0, .task = DST_TASK, .kind = TRACE_LOAD_BEGIN,
			          .device = f.device, .side = RT_SIDE_DST, .value = (double)f.bytes,
			          .from = (int)f.value);
			rc = d->ops->write(d, f.data, f.bytes, (uint32_t)f.value);
			double t1 = rt_now(m->rt);
			TRACE_ADD(m->tr, .t = t1, .task = DST_TASK, .kind = TRACE_LOAD_END,
			          .device = f.device, .side = RT_SIDE_DST, .value = t1 - t0,
			          .from = (int)f.value);
			if (rc) {
				mig_fail(m, rc, DST_TASK,
				         "destination device %s: loading %llu bytes failed: %s",
				         d->name, (unsigned long long)f.bytes, strerror(-rc));
				return rc;
			}
			break;
		}
		case MIG_REC_DEV_FLAG:
			if (f.value == MIG_FLAG_INIT_DATA_SENT)
				dst_approve(m, md, &legacy_needed);
			break;
		case MIG_REC_EOS:
			return 0;
		case MIG_REC_ABORT:
			return -ECANCELED;
		default:
			mig_fail(m, -EPROTO, DST_TASK, "migration stream: unknown record kind %u",
			         (unsigned)f.kind);
			return -EPROTO;
		}
	}
}

static void dst_run(struct mig *m)
{
	int rc = dst_load(m);
	if (rc == 0) {
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK, .kind = TRACE_VM_START,
		          .side = RT_SIDE_DST);
		side_notify(&m->dst, true);
		if (failed(m)) {
			rc = -EIO;
		} else {
			TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK,
			          .kind = TRACE_VM_RUNNING, .side = RT_SIDE_DST);
		}
	}
	dst_send(m, rc == 0 ? MIG_RET_RUNNING : MIG_RET_FAILED, -1, (uint64_t)(int64_t)rc);
	multifd_join(m, RT_SIDE_DST);
}

static void dst_load_task(void *arg)
{
	dst_run(arg);
}

/* ---- source: return path ------------------------------------------------- */

static void src_return_path_task(void *arg)
{
	struct mig *m = arg;
	for (;;) {
		struct rt_frame f;
		int rc = m->rt->ops->chan_recv(m->ret, &f);
		if (rc) {
			mig_fail(m, rc, RP_TASK, "return path: receive failed: %s", strerror(-rc));
			return;
		}
		switch (f.kind) {
		case MIG_RET_ACK: {
			lock(m);
			bool underflow = m->ack_pending == 0;
			if (!underflow)
				m->ack_pending--;
			int left = m->ack_pending;
			if (left == 0) /* nothing outstanding, REINIT's requests included */
				for (size_t i = 0; i < m->src.n; i++)
					m->src.devs[i].reinit_wait = false;
			unlock(m);
			TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = RP_TASK,
			          .kind = TRACE_ACK_RECV, .device = f.device,
			          .value = underflow ? -1 : left);
			if (underflow)
				mig_fail(
				    m, -EINVAL, RP_TASK,
				    "switchover ACK pending num underflowed: an ACK arrived "
				    "with none pending (switchover-ack %s on the source, %s on "
				    "the destination)",
				    ack_mode_name(m->scn->ack_src), ack_mode_name(m->scn->ack_dst));
			break;
		}
		case MIG_RET_RUNNING:
			return;
		case MIG_RET_FAILED: {
			int e = (int)(int64_t)f.value;
			if (e == -ECANCELED) /* our own abort, echoed */
				return;
			mig_fail(m, e < 0 ? e : -EIO, RP_TASK, "the destination failed: %s",
			         strerror(e < 0 ? -e : EIO));
			return;
		}
		default:
			mig_fail(m, -EPROTO, RP_TASK, "return path: unknown message kind %u",
			         (unsigned)f.kind);
			return;
		}
	}
}

/* ---- source: queries and switchover-ack accounting ---------------------------- */

static int query_fail(struct mig *m, struct device *d, const char *what, int rc)
{
	mig_fail(m, rc, SRC_TASK, "source device %s: %s query failed: %s", d->name, what,
	         strerror(-rc));
	return rc;
}

/* Collect the ACK requests devices made since the last query (QEMU: the
 * switchover_ack_pending reported by each handler's pending query).
 * Returns how many were collected. */
static int collect_ack_requests(struct mig *m, int query_kind)
{
	int collected = 0;
	for (size_t i = 0; i < m->src.n; i++) {
		struct mig_device *md = &m->src.devs[i];
		if (!md->ack_request)
			continue;
		lock(m);
		int now_pending = ++m->ack_pending;
		unlock(m);
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_ACK_REQUEST,
		          .device = md->index, .value = now_pending, .text = md->ack_request);
		md->ack_request = NULL;
		collected++;
	}
	if (m->scn->ack_src != ACK_OFF) {
		lock(m);
		int pending = m->ack_pending;
		unlock(m);
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_ACK_PENDING,
		          .from = query_kind, .value = pending);
	}
	return collected;
}

/* Precopy data each device has now (initial + dirty), into avail[]. */
static int query_estimate(struct mig *m, uint64_t *avail, uint64_t *total)
{
	for (size_t i = 0; i < m->src.n; i++) {
		struct mig_device *md = &m->src.devs[i];
		struct device *d = md->dev;
		avail[i] = 0;
		if (d->state != VFIO_STATE_PRE_COPY && d->state != VFIO_STATE_PRE_COPY_P2P)
			continue;
		struct device_precopy_info info;
		int rc = query_precopy(md, &info, false, SRC_TASK);
		if (rc)
			return query_fail(m, d, "precopy-info", rc);
		/* VFIO asks for an ACK on its first query after setup. */
		if (!md->queried && m->scn->ack_src == ACK_NEW)
			md->ack_request = "initial";
		md->queried = true;
		avail[i] = info.initial_bytes + info.dirty_bytes;
		*total += avail[i];
	}
	collect_ack_requests(m, TRACE_QUERY_ESTIMATE);
	return 0;
}

/* Stop-copy sizes of every device, added to *total. */
static int query_exact(struct mig *m, uint64_t *total)
{
	for (size_t i = 0; i < m->src.n; i++) {
		struct device *d = m->src.devs[i].dev;
		uint64_t sz = 0;
		int rc = d->ops->stop_copy_size(d, &sz);
		if (rc)
			return query_fail(m, d, "stop-copy size", rc);
		*total += sz;
	}
	return 0;
}

static void trace_query(struct mig *m, int kind, uint64_t bytes)
{
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_QUERY, .from = kind,
	          .value = (double)bytes);
}

static int ack_pending(struct mig *m)
{
	lock(m);
	int n = m->ack_pending;
	unlock(m);
	return n;
}

/* After a device's round: its initial bytes all read -> INIT_DATA_SENT. */
static int maybe_init_data_sent(struct mig *m, struct mig_device *md)
{
	if (m->scn->ack_src == ACK_OFF || md->init_data_sent || md->init_left ||
	    !(md->dev->caps & VFIO_CAP_PRE_COPY))
		return 0;
	int rc = send_frame(m, m->stream, MIG_REC_DEV_FLAG, md->index, MIG_FLAG_INIT_DATA_SENT, 0,
	                    NULL, SRC_TASK);
	if (rc)
		return rc;
	md->init_data_sent = true;
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_INIT_DATA_SENT,
	          .device = md->index);
	return 0;
}

static bool reinit_outstanding(struct mig *m)
{
	bool any = false;
	lock(m);
	for (size_t i = 0; i < m->src.n && !any; i++)
		any = m->src.devs[i].reinit_wait;
	unlock(m);
	return any;
}

/* ---- source: setup and precopy ----------------------------------------------- */

static int src_setup(struct mig *m)
{
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_SETUP);
	for (size_t i = 0; i < m->src.n; i++) {
		struct mig_device *md = &m->src.devs[i];
		struct device *d = md->dev;
		if (d->caps & VFIO_CAP_PRE_COPY) {
			int rc = d->ops->enable_precopy_info_v2 ? d->ops->enable_precopy_info_v2(d)
			                                        : -ENOTTY;
			if (rc && rc != -ENOTTY) {
				mig_fail(m, rc, SRC_TASK,
				         "source device %s cannot migrate: opting into "
				         "PRECOPY_INFOv2 failed: %s",
				         d->name, strerror(-rc));
				return rc;
			}
			md->v2_enabled = rc == 0;
			rc = mig_device_goto(md, VFIO_STATE_PRE_COPY, -1, SRC_TASK, "setup");
			if (rc)
				return rc;
		}
		int rc = send_frame(m, m->stream, MIG_REC_SETUP, (int)i, 0, 0, NULL, SRC_TASK);
		if (rc)
			return rc;
	}
	/* Legacy: one ACK for everything, counted from 1 on the source. */
	lock(m);
	m->ack_pending = m->scn->ack_src == ACK_LEGACY ? 1 : 0;
	unlock(m);
	return send_frame(m, m->stream, MIG_REC_SETUP_DONE, -1, 0, 0, NULL, SRC_TASK);
}

/* Precopy rounds until switchover; returns RAM still dirty, or -errno. */
static int64_t src_precopy(struct mig *m)
{
	const struct scenario *s = m->scn;
	uint64_t *avail = calloc(m->src.n + 1, sizeof *avail);
	if (!avail)
		return -ENOMEM;
	uint64_t ram_pending = s->ram_bytes;
	/* Like QEMU's threshold_size, the threshold is 0 until a round has
	 * measured the bandwidth: only an empty pending set switches over before. */
	double bw = 0;
	double t_begin = rt_now(m->rt);
	bool was_ready = false;
	unsigned round = 0;
	const char *reason = NULL;
	uint64_t pending = 0;
	int rc = 0;
	while (!failed(m)) {
		pending = ram_pending;
		if ((rc = query_estimate(m, avail, &pending)))
			break;
		trace_query(m, TRACE_QUERY_ESTIMATE, pending);
		double threshold = bw * s->downtime_limit_s;
		if ((double)pending <= threshold) {
			pending = ram_pending;
			if ((rc = query_exact(m, &pending)))
				break;
			trace_query(m, TRACE_QUERY_EXACT, pending);
			collect_ack_requests(m, TRACE_QUERY_EXACT);
		}
		bool ready = pending == 0 || (double)pending < threshold;
		if (ready && !was_ready) {
			was_ready = true;
			TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
			          .from = TRACE_MARK_READY);
		}
		/* Switchover only with no ACK pending (checked after the queries). */
		if (ready && (s->ack_src == ACK_OFF || ack_pending(m) == 0)) {
			reason = "converged";
			break;
		}
		if (round >= s->max_iterations) {
			reason = "forced: max iterations";
			break;
		}
		if (rt_now(m->rt) - t_begin >= s->max_time_s) {
			reason = "forced: max time";
			break;
		}
		round++;
		/* A round while ready is one waiting for a switchover ACK. */
		const char *wait = !ready ? NULL : reinit_outstanding(m) ? "reinit" : "ack";
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_ROUND,
		          .value = round, .text = wait);
		double t_round = rt_now(m->rt);
		uint64_t sent = 0;
		for (size_t i = 0; i < m->src.n && rc == 0; i++) {
			struct mig_device *md = &m->src.devs[i];
			if (avail[i]) {
				int64_t n = send_device_data(m, md, avail[i], false);
				if (n < 0) {
					rc = (int)n;
					break;
				}
				sent += (uint64_t)n;
			}
			if (md->dev->state == VFIO_STATE_PRE_COPY)
				rc = maybe_init_data_sent(m, md);
		}
		if (rc || (rc = send_ram(m, ram_pending)))
			break;
		sent += ram_pending;
		/* Waiting for an ACK, QEMU's loop sends what little is dirty and
		 * waits out its rate-limit window: such a round lasts one window. */
		if (wait || sent == 0)
			rt_sleep(m->rt, MIG_IDLE_ROUND_S - (rt_now(m->rt) - t_round));
		double dt = rt_now(m->rt) - t_round;
		/* QEMU uses the measured bandwidth; a round that moved nothing
		 * measures nothing, so the link's nominal bandwidth stands in. */
		bw = dt > 0 && sent > 0 ? (double)sent / dt : s->bandwidth_Bps;
		double dirtied = s->ram_dirty_Bps * dt;
		ram_pending = dirtied < (double)s->ram_bytes ? (uint64_t)dirtied : s->ram_bytes;
	}
	free(avail);
	if (rc)
		return rc;
	if (failed(m))
		return -ECANCELED;
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_SWITCHOVER,
	          .value = (double)pending, .text = reason);
	return (int64_t)ram_pending;
}

/* ---- source: switchover -------------------------------------------------- */

static void set_vm_stopped(struct mig *m, double at)
{
	for (size_t i = 0; i < m->src.n; i++)
		m->src.devs[i].dev->vm_stopped_at = at;
}

/* The final exact query and the late-ACK rule (DOMAIN.md section 6). */
static void final_query(struct mig *m, uint64_t ram_pending)
{
	int saved = ack_pending(m);
	uint64_t final = ram_pending;
	if (query_exact(m, &final) == 0)
		trace_query(m, TRACE_QUERY_FINAL, final);
	int collected = collect_ack_requests(m, TRACE_QUERY_FINAL);
	int now = ack_pending(m);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
	          .from = TRACE_MARK_FINAL_QUERY_END);
	if (m->scn->ack_src == ACK_OFF)
		return;
	switch (m->scn->late_ack_rule) {
	case LATE_ACK_V2:
		if (now)
			mig_fail(m, -EBUSY, SRC_TASK,
			         "switchover ACK still pending for %d request%s after the final "
			         "query (late-ACK rule v2)",
			         now, now == 1 ? "" : "s");
		break;
	case LATE_ACK_SAVED_COUNT:
		if (now > saved)
			mig_fail(m, -EBUSY, SRC_TASK,
			         "switchover ACK count grew from %d to %d during the final query "
			         "(late-ACK rule saved-count)",
			         saved, now);
		break;
	case LATE_ACK_SETTLED:
		if (collected)
			mig_fail(m, -EBUSY, SRC_TASK,
			         "Switchover ACK was requested by %d device%s during switchover "
			         "(late-ACK rule settled)",
			         collected, collected == 1 ? "" : "s");
		break;
	}
}

static void src_stop_and_copy(struct mig *m, uint64_t ram_pending)
{
	/* The last decision and the VM stop are not atomic: the guest runs on. */
	rt_sleep(m->rt, dist_sample(&m->scn->stop_gap, m->stop_gap_rng));
	double t_stop = rt_now(m->rt);
	set_vm_stopped(m, t_stop);
	TRACE_ADD(m->tr, .t = t_stop, .task = SRC_TASK, .kind = TRACE_VM_STOP);
	side_notify(&m->src, false);
	if (failed(m))
		return; /* a prepare_cb failure marked the stream failed */
	final_query(m, ram_pending);
	if (failed(m))
		return;
	if (send_ram(m, ram_pending) == 0) {
		multifd_quit(m);
		for (size_t i = 0; i < m->src.n && !failed(m); i++)
			if (send_device_data(m, &m->src.devs[i], UINT64_MAX, true) < 0)
				break;
	}
	multifd_quit(m);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
	          .from = TRACE_MARK_STOPCOPY_SENT);
}

/* Failure notifier (every device back to RUNNING, one after another, a
 * device in ERROR through a reset), then restart the source VM if it was
 * stopped. */
static void src_recover(struct mig *m, bool vm_was_stopped)
{
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
	          .from = TRACE_MARK_RECOVERY_BEGIN);
	for (size_t i = 0; i < m->src.n; i++) {
		struct mig_device *md = &m->src.devs[i];
		struct device *d = md->dev;
		if (d->state == VFIO_STATE_ERROR && d->ops->reset) {
			TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK,
			          .kind = TRACE_ARC_BEGIN, .device = md->index,
			          .from = VFIO_STATE_ERROR, .to = VFIO_STATE_RUNNING,
			          .text = "reset");
			int rc = d->ops->reset(d);
			TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK,
			          .kind = TRACE_ARC_END, .device = md->index,
			          .from = VFIO_STATE_ERROR, .to = VFIO_STATE_RUNNING,
			          .value = d->last_work_s, .text = rc ? strerror(-rc) : NULL);
		}
		if (d->state != VFIO_STATE_ERROR)
			mig_device_goto(md, VFIO_STATE_RUNNING, -1, SRC_TASK, "recovery");
	}
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
	          .from = TRACE_MARK_RECOVERY_END);
	if (vm_was_stopped) {
		set_vm_stopped(m, -1);
		side_notify(&m->src, true);
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
		          .from = TRACE_MARK_SRC_RUNNING);
	}
}

/* ---- run ----------------------------------------------------------------- */

static int side_init(struct mig *m, struct mig_side *side, enum rt_side which, struct device **devs,
                     const char *task)
{
	side->side = which;
	side->task = task;
	side->n = scenario_device_count(m->scn);
	side->devs = calloc(side->n + 1, sizeof *side->devs);
	if (!side->devs)
		return -ENOMEM;
	vmstate_init(&side->reg, m->rt, m->tr, which, task);
	for (size_t i = 0; i < side->n; i++) {
		struct mig_device *md = &side->devs[i];
		md->m = m;
		md->side = side;
		md->dev = devs[i];
		md->index = (int)i;
		md->depth = scenario_device_group(m->scn, i, NULL)->depth;
		md->dev->vm_stopped_at = -1;
	}
	/* VFIO devices register first (device realize), other handlers after;
	 * it only matters for ties at equal priority. */
	int rc = strategy_register(m, side);
	return rc ? rc : register_handlers(m, side);
}

static void side_free(struct mig_side *side)
{
	if (!side->devs)
		return;
	strategy_release(side);
	vmstate_free(&side->reg);
	free(side->devs);
}

static int mig_init(struct mig *m)
{
	const struct scenario *s = m->scn;
	const struct rt_ops *o = m->rt->ops;
	if (!(m->lock = o->mutex_new(m->rt)))
		return -ENOMEM;
	m->n_handlers = s->n_handlers;
	m->handlers = calloc(s->n_handlers + 1, sizeof *m->handlers);
	m->stop_gap_rng = rng_stream_new(s->seed, m->cfg->run, RNG_STREAM_STOP_GAP);
	if (!m->handlers || !m->stop_gap_rng)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_handlers; i++) {
		m->handlers[i].m = m;
		m->handlers[i].h = &s->handlers[i];
		m->handlers[i].rng = rng_stream_new(s->seed, m->cfg->run, RNG_STREAM_HANDLER + i);
		if (!m->handlers[i].rng)
			return -ENOMEM;
	}
	int rc = 0;
	if (m->has_src)
		rc = side_init(m, &m->src, RT_SIDE_SRC, m->cfg->src, SRC_TASK);
	if (!rc && m->has_dst)
		rc = side_init(m, &m->dst, RT_SIDE_DST, m->cfg->dst, DST_TASK);
	if (rc)
		return rc;
	if (m->rt->carries_data && !(m->buf = malloc(s->chunk_bytes)))
		return -ENOMEM;
	m->stream = o->chan_new(m->rt, RT_SIDE_SRC, "main");
	m->ret = o->chan_new(m->rt, RT_SIDE_DST, "return-path");
	if (!m->stream || !m->ret)
		return -ENOMEM;
	return multifd_start(m);
}

static void mig_release(struct mig *m)
{
	multifd_free(m);
	if (m->stream)
		m->rt->ops->chan_free(m->stream);
	if (m->ret)
		m->rt->ops->chan_free(m->ret);
	side_free(&m->src);
	side_free(&m->dst);
	for (size_t i = 0; m->handlers && i < m->n_handlers; i++)
		gsl_rng_free(m->handlers[i].rng);
	free(m->handlers);
	gsl_rng_free(m->stop_gap_rng);
	free(m->buf);
	if (m->lock)
		m->rt->ops->mutex_free(m->lock);
}

/* The source's part: everything up to the destination's answer. */
static void src_run(struct mig *m)
{
	struct rt_task *rp = rt_spawn(m->rt, RT_SIDE_SRC, RP_TASK, src_return_path_task, m);
	bool vm_stopped = false;
	int rc = src_setup(m);
	int64_t ram_pending = rc ? rc : src_precopy(m);
	if (ram_pending >= 0 && !failed(m)) {
		vm_stopped = true;
		src_stop_and_copy(m, (uint64_t)ram_pending);
	}
	multifd_quit(m);
	/* End of stream, or abort: either way the destination never waits forever. */
	send_frame(m, m->stream, failed(m) ? MIG_REC_ABORT : MIG_REC_EOS, -1, 0, 0, NULL, SRC_TASK);
	rt_join(m->rt, rp); /* returns on the destination's running or failed report */
	multifd_join(m, RT_SIDE_SRC);
	if (failed(m)) {
		src_recover(m, vm_stopped);
		return;
	}
	/* Migration completed: source devices leave STOP_COPY (QEMU cleanup). */
	for (size_t i = 0; i < m->src.n; i++)
		mig_device_goto(&m->src.devs[i], VFIO_STATE_STOP, -1, SRC_TASK, "cleanup");
}

static int run(const struct mig_config *cfg, struct mig_result *res, bool src, bool dst)
{
	struct mig m = {.cfg = cfg,
	                .rt = cfg->rt,
	                .scn = cfg->scn,
	                .tr = cfg->trace,
	                .res = res,
	                .has_src = src,
	                .has_dst = dst};
	memset(res, 0, sizeof *res);
	const char *task = src ? SRC_TASK : DST_TASK;
	m.task = task;
	TRACE_ADD(m.tr, .t = rt_now(m.rt), .task = task, .kind = TRACE_RUN_BEGIN);
	int rc = mig_init(&m);
	if (rc) {
		snprintf(res->error, sizeof res->error, "cannot set up the migration: %s",
		         strerror(-rc));
		res->status = rc;
		multifd_quit(&m);
		multifd_join(&m, RT_SIDE_SRC);
		multifd_join(&m, RT_SIDE_DST);
		mig_release(&m);
		return rc;
	}
	struct rt_task *load = NULL;
	if (src && dst)
		load = rt_spawn(m.rt, RT_SIDE_DST, DST_TASK, dst_load_task, &m);
	if (src)
		src_run(&m);
	else
		dst_run(&m);
	if (load)
		rt_join(m.rt, load);
	strategy_end(&m.src);
	strategy_end(&m.dst);
	TRACE_ADD(m.tr, .t = rt_now(m.rt), .task = task, .kind = TRACE_RUN_END,
	          .value = res->status, .text = res->status ? res->error : NULL);
	mig_release(&m);
	return 0;
}

int migration_run(const struct mig_config *cfg, struct mig_result *res)
{
	return run(cfg, res, true, true);
}

int migration_run_source(const struct mig_config *cfg, struct mig_result *res)
{
	return run(cfg, res, true, false);
}

int migration_run_destination(const struct mig_config *cfg, struct mig_result *res)
{
	return run(cfg, res, false, true);
}
