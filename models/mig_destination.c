/*
 * mig_destination.c - the destination (task "load"): loads the records in
 * stream order (device setup STOP -> RESUMING, device data written to the
 * device, INIT_DATA_SENT approved), and at end of stream starts the VM: the
 * handlers take every device RESUMING -> RUNNING_P2P -> RUNNING.  Its
 * running or failed report on the return path ends the migration; after a
 * failure its devices are reset.
 */
#include "mig_destination.h"

#include <errno.h>
#include <string.h>

#include "mig_ack.h"
#include "mig_device.h"
#include "mig_devstate.h"
#include "mig_fail.h"
#include "mig_multifd.h"
#include "mig_side.h"
#include "mig_stream.h"

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
				mig_ack_send(m, -1, "no-users");
			break;
		case MIG_REC_RAM:
			break;
		case MIG_REC_DEV_DATA:
			rc = mig_stream_load(m, md, f.data, f.bytes, MIG_DATA_HINT(f.value),
			                     DST_TASK);
			if (rc)
				return rc;
			break;
		case MIG_REC_DEV_FLAG:
			if (f.value == MIG_FLAG_INIT_DATA_SENT)
				mig_ack_approve(m, md, &legacy_needed);
			break;
		case MIG_REC_SWITCHOVER_START:
			rc = mig_devstate_load_start(m);
			if (rc)
				return rc;
			break;
		case MIG_REC_EOS:
			return 0;
		case MIG_REC_ABORT:
			/* In one process the source's failure is already the run's;
			 * a destination process learns of it here. */
			if (!mig_failed(m))
				mig_fail(m, -ECANCELED, DST_TASK,
				         "migration stream: the source aborted the migration");
			return -ECANCELED;
		default:
			mig_fail(m, -EPROTO, DST_TASK, "migration stream: unknown record kind %u",
			         (unsigned)f.kind);
			return -EPROTO;
		}
	}
}

void mig_destination_run(struct mig *m)
{
	int rc = dst_load(m);
	/* The device state that came over multifd is loaded before the VM
	 * starts (QEMU joins its load threads at the end of loadvm). */
	int rc_state = mig_devstate_load_end(m, rc == 0);
	if (rc == 0)
		rc = rc_state;
	if (rc == 0) {
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK, .kind = TRACE_VM_START,
		          .side = RT_SIDE_DST);
		mig_side_notify(&m->dst, true);
		if (mig_failed(m)) {
			rc = -EIO;
		} else {
			/* QEMU's vm_start: the handlers, then resume_all_vcpus(). */
			rt_compute(m->rt, m->scn->vcpus * m->scn->hosts[RT_SIDE_DST].vcpu_resume_s);
			TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK,
			          .kind = TRACE_VM_RUNNING, .side = RT_SIDE_DST);
		}
	}
	mig_stream_return(m, rc == 0 ? MIG_RET_RUNNING : MIG_RET_FAILED, -1, (uint64_t)(int64_t)rc);
	mig_multifd_join(m, RT_SIDE_DST);
	/* A failed incoming migration ends the destination QEMU, whose devices
	 * are reset when released: none is left in ERROR or holding part of a
	 * state.  After the failed report, so the source's recovery does not
	 * wait for it. */
	if (rc)
		for (size_t i = 0; i < m->dst.n; i++)
			mig_device_reset(&m->dst.devs[i], DST_TASK, "failed migration");
}

void mig_destination_task(void *arg)
{
	mig_destination_run(arg);
}
