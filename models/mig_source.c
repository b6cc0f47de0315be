/*
 * mig_source.c - the source migration thread (task "migration"): setup,
 * precopy rounds, the switchover decision, VM stop with the change-state
 * handlers, the final query and the stop-copy transfer, and recovery after
 * a failure (every device back to RUNNING, the VM restarted if stopped).
 * See docs/model.md for the flow and its simplifications.
 */
#include "mig_source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mig_ack.h"
#include "mig_device.h"
#include "mig_devstate.h"
#include "mig_fail.h"
#include "mig_multifd.h"
#include "mig_precopy.h"
#include "mig_side.h"
#include "mig_stream.h"

/* QEMU's migration rate-limit window (BUFFER_DELAY): a precopy round run
 * while waiting for a switchover ACK (or with nothing to send) lasts at
 * least this long. */
#define MIG_IDLE_ROUND_S 0.1

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
		int rc = mig_stream_send(m, m->stream, MIG_REC_SETUP, (int)i, 0, 0, NULL, SRC_TASK);
		if (rc)
			return rc;
	}
	mig_ack_reset(m);
	return mig_stream_send(m, m->stream, MIG_REC_SETUP_DONE, -1, 0, 0, NULL, SRC_TASK);
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
	while (!mig_failed(m)) {
		pending = ram_pending;
		if ((rc = mig_precopy_estimate(m, avail, &pending)))
			break;
		mig_precopy_trace_query(m, TRACE_QUERY_ESTIMATE, pending);
		double threshold = bw * s->downtime_limit_s;
		if ((double)pending <= threshold) {
			pending = ram_pending;
			if ((rc = mig_precopy_exact(m, &pending)))
				break;
			mig_precopy_trace_query(m, TRACE_QUERY_EXACT, pending);
			mig_ack_collect(m, TRACE_QUERY_EXACT);
		}
		bool ready = pending == 0 || (double)pending < threshold;
		if (ready && !was_ready) {
			was_ready = true;
			TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
			          .from = TRACE_MARK_READY);
		}
		/* Switchover only with no ACK pending (checked after the queries). */
		if (ready && (s->ack_src == ACK_OFF || mig_ack_pending(m) == 0)) {
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
		const char *wait = !ready                              ? NULL
		                   : mig_precopy_reinit_outstanding(m) ? "reinit"
		                                                       : "ack";
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_ROUND,
		          .value = round, .text = wait);
		double t_round = rt_now(m->rt);
		uint64_t sent = 0;
		for (size_t i = 0; i < m->src.n && rc == 0; i++) {
			struct mig_device *md = &m->src.devs[i];
			if (avail[i]) {
				int64_t n = mig_stream_device_data(m, md, avail[i], false);
				if (n < 0) {
					rc = (int)n;
					break;
				}
				sent += (uint64_t)n;
			}
			if (md->dev->state == VFIO_STATE_PRE_COPY)
				rc = mig_precopy_init_data_sent(m, md);
		}
		if (rc || (rc = mig_multifd_send_ram(m, ram_pending, false, false)))
			break;
		sent += ram_pending;
		/* Waiting for an ACK, QEMU's loop sends what little is dirty and
		 * waits out its rate-limit window: such a round lasts one window
		 * (a sleep in the real world as in QEMU, so it ends late too). */
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
	if (mig_failed(m))
		return -ECANCELED;
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_SWITCHOVER,
	          .value = (double)pending, .text = reason);
	return (int64_t)ram_pending;
}

static void set_vm_stopped(struct mig *m, double at)
{
	for (size_t i = 0; i < m->src.n; i++)
		m->src.devs[i].dev->vm_stopped_at = at;
}

/* The final exact query and the late-ACK rule (docs/domain.md section 6). */
static void final_query(struct mig *m, uint64_t ram_pending)
{
	int saved = mig_ack_pending(m);
	uint64_t final = ram_pending;
	if (mig_precopy_exact(m, &final) == 0)
		mig_precopy_trace_query(m, TRACE_QUERY_FINAL, final);
	int collected = mig_ack_collect(m, TRACE_QUERY_FINAL);
	int now = mig_ack_pending(m);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
	          .from = TRACE_MARK_FINAL_QUERY_END);
	mig_ack_late_rule(m, saved, now, collected);
}

static void src_stop_and_copy(struct mig *m, uint64_t ram_pending)
{
	/* The last decision and the VM stop are not atomic: the guest runs on
	 * (a sleep in the real world, so it ends the wake latency late). */
	rt_sleep(m->rt, dist_sample_lazy(&m->scn->stop_gap, &m->stop_gap_rng));
	double t_stop = rt_now(m->rt);
	set_vm_stopped(m, t_stop);
	TRACE_ADD(m->tr, .t = t_stop, .task = SRC_TASK, .kind = TRACE_VM_STOP);
	/* QEMU's do_vm_stop: pause_all_vcpus(), then the change-state handlers. */
	rt_compute(m->rt, m->scn->vcpus * m->scn->hosts[RT_SIDE_SRC].vcpu_pause_s);
	mig_side_notify(&m->src, false);
	if (mig_failed(m))
		return; /* a prepare_cb failure marked the stream failed */
	final_query(m, ram_pending);
	if (mig_failed(m))
		return;
	if (mig_devstate_on(m)) {
		/* QEMU: the switchover-start command, then the device save threads
		 * run while the migration thread sends the rest of RAM and then,
		 * on the main stream, the state of each device whose multifd
		 * transfer is off (its save_live_complete_precopy); all of it has
		 * left before the end of the stream. */
		if (mig_stream_send(m, m->stream, MIG_REC_SWITCHOVER_START, -1, 0, 0, NULL,
		                    SRC_TASK) == 0) {
			mig_devstate_save_start(m);
			if (mig_multifd_send_ram(m, ram_pending, true, true) == 0)
				for (size_t i = 0; i < m->src.n && !mig_failed(m); i++)
					if (!mig_devstate_device_on(m, i) &&
					    mig_stream_device_data(m, &m->src.devs[i], UINT64_MAX,
					                           true) < 0)
						break;
			mig_devstate_save_end(m);
		}
	} else {
		/* Every device's on the main stream; with channels QEMU still
		 * starts each one's save thread, which returns at once. */
		mig_devstate_save_start(m);
		if (mig_multifd_send_ram(m, ram_pending, false, true) == 0) {
			mig_multifd_quit(m);
			for (size_t i = 0; i < m->src.n && !mig_failed(m); i++)
				if (mig_stream_device_data(m, &m->src.devs[i], UINT64_MAX, true) <
				    0)
					break;
		}
		mig_devstate_save_end(m);
	}
	mig_multifd_quit(m);
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
		if (md->dev->state == VFIO_STATE_ERROR)
			mig_device_reset(md, SRC_TASK, "recovery");
		/* A recovery arc that fails leaves ERROR through a reset too. */
		if (mig_device_goto(md, VFIO_STATE_RUNNING, -1, SRC_TASK, "recovery"))
			mig_device_reset(md, SRC_TASK, "recovery");
	}
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
	          .from = TRACE_MARK_RECOVERY_END);
	if (vm_was_stopped) {
		set_vm_stopped(m, -1);
		/* QEMU's vm_start: the handlers, then resume_all_vcpus(). */
		mig_side_notify(&m->src, true);
		rt_compute(m->rt, m->scn->vcpus * m->scn->hosts[RT_SIDE_SRC].vcpu_resume_s);
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_MARK,
		          .from = TRACE_MARK_SRC_RUNNING);
	}
}

/* The source's part: everything up to the destination's answer. */
void mig_source_run(struct mig *m)
{
	struct rt_task *rp = rt_spawn(m->rt, RT_SIDE_SRC, RP_TASK, mig_ack_return_path_task, m);
	bool vm_stopped = false;
	int rc = src_setup(m);
	int64_t ram_pending = rc ? rc : src_precopy(m);
	if (ram_pending >= 0 && !mig_failed(m)) {
		vm_stopped = true;
		src_stop_and_copy(m, (uint64_t)ram_pending);
	}
	mig_multifd_quit(m);
	/* End of stream, or abort: either way the destination never waits forever. */
	mig_stream_send(m, m->stream, mig_failed(m) ? MIG_REC_ABORT : MIG_REC_EOS, -1, 0, 0, NULL,
	                SRC_TASK);
	rt_join(m->rt, rp); /* returns on the destination's running or failed report */
	mig_multifd_join(m, RT_SIDE_SRC);
	if (mig_failed(m)) {
		src_recover(m, vm_stopped);
		return;
	}
	/* Migration completed: source devices leave STOP_COPY (QEMU cleanup). */
	for (size_t i = 0; i < m->src.n; i++)
		if (mig_device_goto(&m->src.devs[i], VFIO_STATE_STOP, -1, SRC_TASK, "cleanup"))
			mig_device_reset(&m->src.devs[i], SRC_TASK, "cleanup");
}
