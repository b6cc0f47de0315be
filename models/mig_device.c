/*
 * mig_device.c - device transitions: moving one device to a target state
 * one direct arc at a time (traced, with the QMP events of the scenario's
 * event design), and the transition a VFIO change-state handler performs.
 */
#include "mig_device.h"

#include <errno.h>
#include <string.h>

#include "mig_events.h"
#include "mig_fail.h"
#include "mig_precopy.h"

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
		mig_qmp_event(md, TRACE_QMP_MIGRATION, "pre-copy-p2p-prepare", task);
	else if (design == EVENTS_PREPARE_EVERY)
		mig_qmp_event(md, TRACE_QMP_MIGRATION_PREPARE, vfio_state_qmp_name(target), task);
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
		mig_qmp_event(md, TRACE_QMP_MIGRATION, vfio_state_qmp_name(target), task);
	return 0;
}

int mig_device_reset(struct mig_device *md, const char *task, const char *reason)
{
	struct mig *m = md->m;
	struct device *d = md->dev;
	if (d->state == VFIO_STATE_RUNNING || !d->ops->reset)
		return 0;
	enum vfio_state from = d->state;
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = TRACE_ARC_BEGIN,
	          .device = md->index, .side = md->side->side, .from = from,
	          .to = VFIO_STATE_RUNNING, .text = "reset");
	d->last_work_s = 0;
	int rc = d->ops->reset(d);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = TRACE_ARC_END,
	          .device = md->index, .side = md->side->side, .from = from,
	          .to = VFIO_STATE_RUNNING, .value = d->last_work_s,
	          .text = rc ? strerror(-rc) : NULL);
	if (rc)
		mig_fail(m, rc, task, "%s device %s: reset (%s) failed: %s",
		         rt_side_name(md->side->side), d->name, reason, strerror(-rc));
	return rc;
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
				mig_precopy_query(md, &info, true, task);
			}
			target = VFIO_STATE_PRE_COPY_P2P;
		} else {
			target = VFIO_STATE_RUNNING_P2P;
		}
	} else {
		target = running ? VFIO_STATE_RUNNING : VFIO_STATE_STOP_COPY;
	}
	int rc = mig_device_goto(md, target, pass, task, running ? "vm-start" : "vm-stop");
	/* QEMU's vfio_vmstate_change resets a device whose arc failed: after
	 * a failed VM start nothing else would (the source's restart after its
	 * recovery; the destination's report goes out after it).  A failed VM
	 * stop leaves the device in ERROR for the source's recovery. */
	if (rc && running)
		mig_device_reset(md, task, "VM start");
	return rc;
}
