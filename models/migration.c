/*
 * migration.c - the source migration thread and the destination load task.
 *
 * Source (task "migration"): setup moves every PRE_COPY device RUNNING ->
 * PRE_COPY and sends its section setup; precopy rounds send all dirty RAM and
 * all device precopy data available at the round's start (one round = one
 * pass over everything pending; see docs/model.md); before each round the
 * pending bytes are queried (estimate, then exact below the threshold) and
 * switchover happens when pending < measured bandwidth x downtime limit, or
 * when management forces it (max iterations / max time).  Then the VM stops:
 * the change-state handlers run (strategy.c), the final exact query runs,
 * the remaining RAM and every device's stop-copy data are read and sent.
 *
 * Destination (task "load"): loads records in stream order (device setup
 * STOP -> RESUMING, device data written to the device), and at end of stream
 * starts the VM: the handlers take every device RESUMING -> RUNNING_P2P ->
 * RUNNING.  Downtime is source VM stop to destination VM running.
 */
#include "migration.h"

#include <errno.h>
#include <gsl/gsl_rng.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define SRC_TASK "migration"
#define DST_TASK "load"

static const char *side_label(enum rt_side s) { return s == RT_SIDE_SRC ? "source" : "destination"; }

void mig_fail(struct mig *m, int err, const char *task, const char *fmt, ...)
{
	char msg[sizeof m->res->error];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = TRACE_ERROR, .value = err,
		  .text = msg);
	if (m->res->status == 0) {
		m->res->status = err < 0 ? err : -EIO;
		snprintf(m->res->error, sizeof m->res->error, "%s", msg);
	}
}

int mig_device_goto(struct mig_device *md, enum vfio_state target, int step, const char *task)
{
	struct mig *m = md->m;
	struct device *d = md->dev;
	while (d->state != target) {
		enum vfio_state from = d->state;
		enum vfio_state next = vfio_fsm_next(from, target, d->caps);
		if (next == VFIO_STATE_ERROR) {
			mig_fail(m, -EINVAL, task, "%s device %s cannot go from %s to %s",
				 side_label(md->side->side), d->name, vfio_state_name(from),
				 vfio_state_name(target));
			return -EINVAL;
		}
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = TRACE_ARC_BEGIN,
			  .device = md->index, .side = md->side->side, .pass = step, .from = from,
			  .to = next);
		d->last_work_s = 0;
		int rc = d->ops->set_state(d, next);
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = TRACE_ARC_END,
			  .device = md->index, .side = md->side->side, .pass = step, .from = from,
			  .to = next, .value = d->last_work_s, .text = rc ? strerror(-rc) : NULL);
		if (rc) {
			mig_fail(m, rc, task, "%s device %s: %s -> %s failed: %s",
				 side_label(md->side->side), d->name, vfio_state_name(from),
				 vfio_state_name(next), strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int mig_device_transition(struct mig_device *md, bool running, int pass, const char *task)
{
	enum vfio_state target;
	if (pass == TRACE_PASS_PREPARE)
		target = !running && md->dev->state == VFIO_STATE_PRE_COPY ? VFIO_STATE_PRE_COPY_P2P
									     : VFIO_STATE_RUNNING_P2P;
	else
		target = running ? VFIO_STATE_RUNNING : VFIO_STATE_STOP_COPY;
	return mig_device_goto(md, target, pass, task);
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
	return h->side == HANDLER_SIDE_BOTH || (h->side == HANDLER_SIDE_SRC) == (side == RT_SIDE_SRC);
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
		      uint64_t bytes, void *data)
{
	struct rt_frame f = {kind, device, value, bytes, data};
	int rc = m->rt->ops->chan_send(c, &f);
	if (rc)
		mig_fail(m, rc, SRC_TASK, "migration stream: sending a record failed: %s",
			 strerror(-rc));
	return rc;
}

/* Read up to `limit` bytes of device data (to end of state for stop-copy)
 * and send them chunk by chunk.  Returns the bytes sent or -errno. */
static int64_t send_device_data(struct mig *m, struct mig_device *md, uint64_t limit,
				unsigned what)
{
	struct device *d = md->dev;
	uint64_t total = 0;
	while (total < limit) {
		uint64_t max = limit - total < m->scn->chunk_bytes ? limit - total : m->scn->chunk_bytes;
		uint64_t got = 0;
		int rc = d->ops->read(d, m->buf, max, &got);
		if (rc) {
			mig_fail(m, rc, SRC_TASK, "source device %s: reading %s data failed: %s",
				 d->name, what == MIG_DATA_STOPCOPY ? "stop-copy" : "precopy",
				 strerror(-rc));
			return rc;
		}
		if (got == 0)
			break;
		rc = send_frame(m, m->stream, MIG_REC_DEV_DATA, md->index, what, got, m->buf);
		if (rc)
			return rc;
		total += got;
	}
	if (total)
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_SEND,
			  .device = md->index, .value = (double)total,
			  .text = what == MIG_DATA_STOPCOPY ? "stop-copy" : "precopy");
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
			send_frame(m, mf->chan, MIG_REC_EOS, -1, 0, 0, NULL);
			return;
		}
		if (mf->bytes)
			send_frame(m, mf->chan, MIG_REC_RAM, -1, 0, mf->bytes, NULL);
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

static struct mig_multifd *multifd_of(struct mig *m) { return m->multifd; }

/* RAM pages go over the multifd channels (split evenly, in parallel) when
 * there are any, else on the main stream. */
static int send_ram(struct mig *m, uint64_t bytes)
{
	if (bytes == 0)
		return 0;
	int rc = 0;
	if (m->n_multifd == 0) {
		rc = send_frame(m, m->stream, MIG_REC_RAM, -1, 0, bytes, NULL);
	} else {
		struct mig_multifd *mf = multifd_of(m);
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
	for (unsigned i = 0; i < m->n_multifd; i++) {
		mf[i].m = m;
		snprintf(mf[i].name, sizeof mf[i].name, "multifd%u", i);
		mf[i].chan = o->chan_new(m->rt, RT_SIDE_SRC, mf[i].name);
		mf[i].job = o->sem_new(m->rt, 0);
		mf[i].done = o->sem_new(m->rt, 0);
		if (!mf[i].chan || !mf[i].job || !mf[i].done)
			return -ENOMEM;
		mf[i].sender = rt_spawn(m->rt, RT_SIDE_SRC, mf[i].name, multifd_sender, &mf[i]);
		mf[i].receiver = rt_spawn(m->rt, RT_SIDE_DST, mf[i].name, multifd_receiver, &mf[i]);
	}
	return 0;
}

/* Senders end their channel (the receivers then return). */
static void multifd_quit(struct mig *m)
{
	struct mig_multifd *mf = multifd_of(m);
	for (unsigned i = 0; i < m->n_multifd; i++) {
		if (!mf[i].sender || mf[i].quit)
			continue;
		mf[i].quit = 1;
		m->rt->ops->sem_release(mf[i].job);
	}
}

static void multifd_join(struct mig *m, enum rt_side side)
{
	struct mig_multifd *mf = multifd_of(m);
	for (unsigned i = 0; i < m->n_multifd; i++) {
		struct rt_task **t = side == RT_SIDE_SRC ? &mf[i].sender : &mf[i].receiver;
		if (*t)
			rt_join(m->rt, *t);
		*t = NULL;
	}
}

static void multifd_free(struct mig *m)
{
	struct mig_multifd *mf = multifd_of(m);
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

static void dst_load_task(void *arg)
{
	struct mig *m = arg;
	const struct rt_ops *o = m->rt->ops;
	for (;;) {
		struct rt_frame f;
		int rc = o->chan_recv(m->stream, &f);
		if (rc) {
			mig_fail(m, rc, DST_TASK, "migration stream: receive failed: %s",
				 strerror(-rc));
			return;
		}
		bool is_dev = f.kind == MIG_REC_SETUP || f.kind == MIG_REC_DEV_DATA;
		if (is_dev && (f.device < 0 || (size_t)f.device >= m->dst.n)) {
			mig_fail(m, -EPROTO, DST_TASK,
				 "migration stream: record for device %d, but the scenario has %zu",
				 (int)f.device, m->dst.n);
			return;
		}
		switch (f.kind) {
		case MIG_REC_SETUP:
			mig_device_goto(&m->dst.devs[f.device], VFIO_STATE_RESUMING, -1, DST_TASK);
			break;
		case MIG_REC_RAM:
			break;
		case MIG_REC_DEV_DATA: {
			struct device *d = m->dst.devs[f.device].dev;
			double t0 = rt_now(m->rt);
			TRACE_ADD(m->tr, .t = t0, .task = DST_TASK, .kind = TRACE_LOAD_BEGIN,
				  .device = f.device, .side = RT_SIDE_DST, .value = (double)f.bytes);
			rc = d->ops->write(d, f.data, f.bytes);
			double t1 = rt_now(m->rt);
			TRACE_ADD(m->tr, .t = t1, .task = DST_TASK, .kind = TRACE_LOAD_END,
				  .device = f.device, .side = RT_SIDE_DST, .value = t1 - t0);
			if (rc)
				mig_fail(m, rc, DST_TASK,
					 "destination device %s: loading %llu bytes failed: %s", d->name,
					 (unsigned long long)f.bytes, strerror(-rc));
			break;
		}
		case MIG_REC_EOS:
			goto start;
		default:
			mig_fail(m, -EPROTO, DST_TASK, "migration stream: unknown record kind %u",
				 (unsigned)f.kind);
			return;
		}
	}
start:
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK, .kind = TRACE_VM_START,
		  .side = RT_SIDE_DST);
	side_notify(&m->dst, true);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK, .kind = TRACE_VM_RUNNING,
		  .side = RT_SIDE_DST);
	multifd_join(m, RT_SIDE_DST);
}

/* ---- source ------------------------------------------------------------ */

static int src_setup(struct mig *m)
{
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_SETUP);
	for (size_t i = 0; i < m->src.n; i++) {
		struct mig_device *md = &m->src.devs[i];
		if (md->dev->caps & VFIO_CAP_PRE_COPY) {
			int rc = mig_device_goto(md, VFIO_STATE_PRE_COPY, -1, SRC_TASK);
			if (rc)
				return rc;
		}
		int rc = send_frame(m, m->stream, MIG_REC_SETUP, (int)i, 0, 0, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static int query_fail(struct mig *m, struct device *d, const char *what, int rc)
{
	mig_fail(m, rc, SRC_TASK, "source device %s: %s query failed: %s", d->name, what,
		 strerror(-rc));
	return rc;
}

/* Precopy data each device has now (initial + dirty), into avail[]. */
static int query_estimate(struct mig *m, uint64_t *avail, uint64_t *total)
{
	for (size_t i = 0; i < m->src.n; i++) {
		struct device *d = m->src.devs[i].dev;
		avail[i] = 0;
		if (!vfio_fsm_is_saving(d->state) || d->state == VFIO_STATE_STOP_COPY)
			continue;
		struct device_precopy_info info;
		int rc = d->ops->precopy_info(d, &info);
		if (rc)
			return query_fail(m, d, "precopy-info", rc);
		avail[i] = info.initial_bytes + info.dirty_bytes;
		*total += avail[i];
	}
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
	unsigned round = 0;
	const char *reason;
	uint64_t pending;
	int rc = 0;
	for (;;) {
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
		}
		if (pending == 0 || (double)pending < threshold) {
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
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_ROUND,
			  .value = round);
		double t_round = rt_now(m->rt);
		uint64_t sent = 0;
		for (size_t i = 0; i < m->src.n && rc == 0; i++) {
			if (!avail[i])
				continue;
			int64_t n = send_device_data(m, &m->src.devs[i], avail[i], MIG_DATA_PRECOPY);
			if (n < 0)
				rc = (int)n;
			else
				sent += (uint64_t)n;
		}
		if (rc || (rc = send_ram(m, ram_pending)))
			break;
		sent += ram_pending;
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
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_SWITCHOVER,
		  .value = (double)pending, .text = reason);
	return (int64_t)ram_pending;
}

static void src_stop_and_copy(struct mig *m, uint64_t ram_pending)
{
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_VM_STOP);
	side_notify(&m->src, false);

	uint64_t final = ram_pending;
	if (query_exact(m, &final) == 0)
		trace_query(m, TRACE_QUERY_FINAL, final);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
		  .from = TRACE_MARK_FINAL_QUERY_END);

	if (send_ram(m, ram_pending) == 0) {
		multifd_quit(m);
		for (size_t i = 0; i < m->src.n; i++)
			if (send_device_data(m, &m->src.devs[i], UINT64_MAX, MIG_DATA_STOPCOPY) < 0)
				break;
	} else {
		multifd_quit(m);
	}
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
		  .from = TRACE_MARK_STOPCOPY_SENT);
}

/* ---- run ----------------------------------------------------------------- */

static int side_init(struct mig *m, struct mig_side *side, enum rt_side which,
		     struct device **devs, const char *task)
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
	}
	/* VFIO devices register first (device realize), other handlers after;
	 * it only matters for ties at equal priority. */
	int rc = strategy_register(m, side);
	return rc ? rc : register_handlers(m, side);
}

static void side_free(struct mig_side *side)
{
	strategy_release(side);
	vmstate_free(&side->reg);
	free(side->devs);
}

static int mig_init(struct mig *m)
{
	const struct scenario *s = m->scn;
	m->n_handlers = s->n_handlers;
	m->handlers = calloc(s->n_handlers + 1, sizeof *m->handlers);
	if (!m->handlers)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_handlers; i++) {
		m->handlers[i].m = m;
		m->handlers[i].h = &s->handlers[i];
		m->handlers[i].rng = rng_stream_new(s->seed, m->cfg->run, RNG_STREAM_HANDLER + i);
		if (!m->handlers[i].rng)
			return -ENOMEM;
	}
	int rc = side_init(m, &m->src, RT_SIDE_SRC, m->cfg->src, SRC_TASK);
	if (!rc)
		rc = side_init(m, &m->dst, RT_SIDE_DST, m->cfg->dst, DST_TASK);
	if (rc)
		return rc;
	if (m->rt->carries_data && !(m->buf = malloc(s->chunk_bytes)))
		return -ENOMEM;
	m->stream = m->rt->ops->chan_new(m->rt, RT_SIDE_SRC, "main");
	if (!m->stream)
		return -ENOMEM;
	return multifd_start(m);
}

static void mig_release(struct mig *m)
{
	multifd_free(m);
	if (m->stream)
		m->rt->ops->chan_free(m->stream);
	side_free(&m->src);
	side_free(&m->dst);
	for (size_t i = 0; m->handlers && i < m->n_handlers; i++)
		gsl_rng_free(m->handlers[i].rng);
	free(m->handlers);
	free(m->buf);
}

int migration_run(const struct mig_config *cfg, struct mig_result *res)
{
	struct mig m = {.cfg = cfg, .rt = cfg->rt, .scn = cfg->scn, .tr = cfg->trace, .res = res};
	memset(res, 0, sizeof *res);
	TRACE_ADD(m.tr, .t = rt_now(m.rt), .task = SRC_TASK, .kind = TRACE_RUN_BEGIN);
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
	struct rt_task *load = rt_spawn(m.rt, RT_SIDE_DST, DST_TASK, dst_load_task, &m);

	rc = src_setup(&m);
	int64_t ram_pending = rc ? rc : src_precopy(&m);
	if (ram_pending >= 0)
		src_stop_and_copy(&m, (uint64_t)ram_pending);
	else
		multifd_quit(&m);
	/* End of stream either way, so the destination never waits forever. */
	send_frame(&m, m.stream, MIG_REC_EOS, -1, 0, 0, NULL);
	rt_join(m.rt, load);
	multifd_join(&m, RT_SIDE_SRC);

	/* Migration completed: source devices leave STOP_COPY (QEMU cleanup). */
	for (size_t i = 0; res->status == 0 && i < m.src.n; i++)
		mig_device_goto(&m.src.devs[i], VFIO_STATE_STOP, -1, SRC_TASK);

	TRACE_ADD(m.tr, .t = rt_now(m.rt), .task = SRC_TASK, .kind = TRACE_RUN_END,
		  .value = res->status, .text = res->status ? res->error : NULL);
	mig_release(&m);
	return 0;
}
