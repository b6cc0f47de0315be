/*
 * mig_precopy.c - the source's pending-data queries (precopy info with its
 * REINIT detection, the estimate and exact queries), INIT_DATA_SENT, and
 * whether a REINIT still waits for its ACK.
 */
#include "mig_precopy.h"

#include <string.h>

#include "mig_ack.h"
#include "mig_fail.h"
#include "mig_stream.h"

/* Precopy info of a source device, traced; `final` marks the REINIT check
 * of the prepare handler.  Applies docs/domain.md section 6's request rule. */
int mig_precopy_query(struct mig_device *md, struct device_precopy_info *info, bool final,
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
		mig_lock(m);
		md->reinit_wait = true;
		mig_unlock(m);
	}
	if (rc == 0)
		md->init_left = info->initial_bytes;
	return final ? 0 : rc;
}

static int query_fail(struct mig *m, struct device *d, const char *what, int rc)
{
	mig_fail(m, rc, SRC_TASK, "source device %s: %s query failed: %s", d->name, what,
	         strerror(-rc));
	return rc;
}

/* Precopy data each device has now (initial + dirty), into avail[]. */
int mig_precopy_estimate(struct mig *m, uint64_t *avail, uint64_t *total)
{
	for (size_t i = 0; i < m->src.n; i++) {
		struct mig_device *md = &m->src.devs[i];
		struct device *d = md->dev;
		avail[i] = 0;
		if (d->state != VFIO_STATE_PRE_COPY && d->state != VFIO_STATE_PRE_COPY_P2P)
			continue;
		struct device_precopy_info info;
		int rc = mig_precopy_query(md, &info, false, SRC_TASK);
		if (rc)
			return query_fail(m, d, "precopy-info", rc);
		/* VFIO asks for an ACK on its first query after setup. */
		if (!md->queried && m->scn->ack_src == ACK_NEW)
			md->ack_request = "initial";
		md->queried = true;
		avail[i] = info.initial_bytes + info.dirty_bytes;
		*total += avail[i];
	}
	mig_ack_collect(m, TRACE_QUERY_ESTIMATE);
	return 0;
}

/* Stop-copy sizes of every device, added to *total. */
int mig_precopy_exact(struct mig *m, uint64_t *total)
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

void mig_precopy_trace_query(struct mig *m, int kind, uint64_t bytes)
{
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_QUERY, .from = kind,
	          .value = (double)bytes);
}

/* After a device's round: its initial bytes all read -> INIT_DATA_SENT. */
int mig_precopy_init_data_sent(struct mig *m, struct mig_device *md)
{
	if (m->scn->ack_src == ACK_OFF || md->init_data_sent || md->init_left ||
	    !(md->dev->caps & VFIO_CAP_PRE_COPY))
		return 0;
	int rc = mig_stream_send(m, m->stream, MIG_REC_DEV_FLAG, md->index, MIG_FLAG_INIT_DATA_SENT,
	                         0, NULL, SRC_TASK);
	if (rc)
		return rc;
	md->init_data_sent = true;
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_INIT_DATA_SENT,
	          .device = md->index);
	return 0;
}

bool mig_precopy_reinit_outstanding(struct mig *m)
{
	bool any = false;
	mig_lock(m);
	for (size_t i = 0; i < m->src.n && !any; i++)
		any = m->src.devs[i].reinit_wait;
	mig_unlock(m);
	return any;
}
