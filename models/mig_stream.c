/*
 * mig_stream.c - records on the migration stream and messages on the
 * return path: sending one, and a device's data read and sent chunk by
 * chunk.  A send that fails fails the migration.
 */
#include "mig_stream.h"

#include <string.h>

#include "mig_fail.h"

static int stream_send(struct mig *m, struct rt_chan *c, const struct rt_frame *f, bool ahead,
                       const char *task)
{
	int rc = ahead ? rt_chan_send_ahead(m->rt, c, f) : m->rt->ops->chan_send(c, f);
	if (rc)
		mig_fail(m, rc, task, "%s: sending a record failed: %s",
		         c == m->ret ? "return path" : "migration stream", strerror(-rc));
	return rc;
}

int mig_stream_send(struct mig *m, struct rt_chan *c, uint32_t kind, int device, uint64_t value,
                    uint64_t bytes, void *data, const char *task)
{
	struct rt_frame f = {kind, device, value, bytes, data};
	return stream_send(m, c, &f, false, task);
}

void mig_stream_count_initial(struct mig_device *md, uint64_t got, uint32_t hint)
{
	if (DEVICE_DATA_KIND(hint) == DEVICE_DATA_INITIAL)
		md->init_left -= got < md->init_left ? got : md->init_left;
}

/* Read up to `limit` bytes of device data (to end of state for stop-copy)
 * and send them chunk by chunk.  Initial bytes read are deducted from
 * md->init_left.  Returns the bytes sent or -errno.
 *
 * The chunks go with rt_chan_send_ahead: between two of them this task
 * reads only its device (which no other task touches while the migration
 * thread reads its data: its transitions are over) and its own counts, the
 * main stream has no other sender, and the trace append after the loop
 * takes rt_now first, so the sim world may carry the chunks as one wait. */
int64_t mig_stream_device_data(struct mig *m, struct mig_device *md, uint64_t limit, bool stopcopy)
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
		struct rt_frame f = {MIG_REC_DEV_DATA, md->index,
		                     hint | (stopcopy ? MIG_DATA_STOPCOPY : 0), got, m->buf};
		rc = stream_send(m, m->stream, &f, true, SRC_TASK);
		if (rc)
			return rc;
		mig_stream_count_initial(md, got, hint);
		total += got;
	}
	if (total)
		TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_SEND,
		          .device = md->index, .value = (double)total,
		          .text = stopcopy ? "stop-copy" : "precopy");
	return (int64_t)total;
}

int mig_stream_load(struct mig *m, struct mig_device *md, const void *data, uint64_t bytes,
                    uint32_t hint, const char *task)
{
	struct device *d = md->dev;
	double t0 = rt_now(m->rt);
	TRACE_ADD(m->tr, .t = t0, .task = task, .kind = TRACE_LOAD_BEGIN, .device = md->index,
	          .side = RT_SIDE_DST, .value = (double)bytes, .from = (int)DEVICE_DATA_KIND(hint));
	int rc = d->ops->write(d, data, bytes, hint);
	double t1 = rt_now(m->rt);
	TRACE_ADD(m->tr, .t = t1, .task = task, .kind = TRACE_LOAD_END, .device = md->index,
	          .side = RT_SIDE_DST, .value = t1 - t0, .from = (int)DEVICE_DATA_KIND(hint));
	if (rc)
		mig_fail(m, rc, task, "destination device %s: loading %llu bytes failed: %s",
		         d->name, (unsigned long long)bytes, strerror(-rc));
	return rc;
}

void mig_stream_return(struct mig *m, uint32_t kind, int device, uint64_t value)
{
	mig_stream_send(m, m->ret, kind, device, value, 0, NULL, DST_TASK);
}
