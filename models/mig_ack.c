/*
 * mig_ack.c - switchover-ack accounting: the source's pending counter
 * (requests collected from the devices' queries, ACKs counted down by the
 * return-path task, underflow errors, the late-ACK rules) and the
 * destination's approvals (legacy one-shot or one ACK per device).  The
 * return-path task lives here because ACKs are most of what it reads.
 */
#include "mig_ack.h"

#include <errno.h>
#include <string.h>

#include "mig_fail.h"
#include "mig_stream.h"

void mig_ack_reset(struct mig *m)
{
	/* Legacy: one ACK for everything, counted from 1 on the source. */
	mig_lock(m);
	m->ack_pending = m->scn->ack_src == ACK_LEGACY ? 1 : 0;
	mig_unlock(m);
}

/* Collect the ACK requests devices made since the last query (QEMU: the
 * switchover_ack_pending reported by each handler's pending query).
 * Returns how many were collected. */
int mig_ack_collect(struct mig *m, int query_kind)
{
	int collected = 0;
	for (size_t i = 0; i < m->src.n; i++) {
		struct mig_device *md = &m->src.devs[i];
		if (!md->ack_request)
			continue;
		mig_lock(m);
		int now_pending = ++m->ack_pending;
		mig_unlock(m);
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_ACK_REQUEST,
		          .device = md->index, .value = now_pending, .text = md->ack_request);
		md->ack_request = NULL;
		collected++;
	}
	if (m->scn->ack_src != ACK_OFF) {
		mig_lock(m);
		int pending = m->ack_pending;
		mig_unlock(m);
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_ACK_PENDING,
		          .from = query_kind, .value = pending);
	}
	return collected;
}

int mig_ack_pending(struct mig *m)
{
	mig_lock(m);
	int n = m->ack_pending;
	mig_unlock(m);
	return n;
}

/* docs/domain.md section 6: each rule judges the requests the final query
 * found differently. */
void mig_ack_late_rule(struct mig *m, int saved, int now, int collected)
{
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

void mig_ack_return_path_task(void *arg)
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
			mig_lock(m);
			bool underflow = m->ack_pending == 0;
			if (!underflow)
				m->ack_pending--;
			int left = m->ack_pending;
			if (left == 0) /* nothing outstanding, REINIT's requests included */
				for (size_t i = 0; i < m->src.n; i++)
					m->src.devs[i].reinit_wait = false;
			mig_unlock(m);
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

void mig_ack_send(struct mig *m, int device, const char *why)
{
	mig_stream_return(m, MIG_RET_ACK, device, 0);
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK, .kind = TRACE_ACK_SENT,
	          .device = device, .side = RT_SIDE_DST, .text = why);
}

/* INIT_DATA_SENT loaded: the device's initial bytes are in (pre-allocation
 * done).  Legacy counts approvals down to one ACK; new ACKs each one. */
void mig_ack_approve(struct mig *m, struct mig_device *md, int *legacy_needed)
{
	switch (m->scn->ack_dst) {
	case ACK_NEW:
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK, .kind = TRACE_APPROVE,
		          .device = md->index, .side = RT_SIDE_DST);
		mig_ack_send(m, md->index, "new");
		break;
	case ACK_LEGACY:
		if (md->approved)
			break; /* one-shot */
		md->approved = true;
		--*legacy_needed;
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = DST_TASK, .kind = TRACE_APPROVE,
		          .device = md->index, .side = RT_SIDE_DST, .value = *legacy_needed);
		if (*legacy_needed == 0)
			mig_ack_send(m, -1, "legacy");
		break;
	case ACK_OFF:
		break;
	}
}
