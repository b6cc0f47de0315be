/*
 * mig_multifd.c - the multifd channels: one sender task per channel on the
 * source, one receiver on the destination.  A channel takes one job at a
 * time (RAM bytes or a device-state packet); whoever has work waits for a
 * free channel and takes the next one round-robin, as QEMU's multifd_send
 * does.  RAM pages are split evenly over the channels (over the main stream
 * when there are none), or sent in QEMU's multifd packets when they share
 * the channels with device state; device-state packets go to
 * mig_devstate.c's receiving hook (m->load_state_buffer) on the destination.
 */
#include "mig_multifd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "mig_stream.h"

struct multifd_channel {
	struct mig *m;
	struct rt_chan *chan;
	struct rt_sem *job;      /* released once per job handed over, and once to quit */
	struct rt_frame f;       /* the job: a frame to send */
	bool has_job, busy;      /* busy: handed a job not yet sent (under the lock) */
	struct rt_sem *job_done; /* released after the job was sent, or NULL */
	void *data;              /* the channel's buffer (chunk_size bytes) in a data world */
	int quit;                /* the quit was handed over (mig_multifd_quit is idempotent) */
	struct rt_task *sender, *receiver;
	char name[32];
};

struct mig_multifd {
	struct rt_mutex *lock;
	struct rt_sem *free_channels; /* count of channels not busy */
	struct rt_sem *ram_done;
	unsigned next; /* where the round-robin search for a free channel starts */
	struct multifd_channel ch[];
};

static void multifd_sender(void *arg)
{
	struct multifd_channel *mf = arg;
	struct mig *m = mf->m;
	struct mig_multifd *sh = m->multifd;
	const struct rt_ops *o = m->rt->ops;
	for (;;) {
		o->sem_acquire(mf->job);
		if (!mf->has_job) {
			mig_stream_send(m, mf->chan, MIG_REC_EOS, -1, 0, 0, NULL, mf->name);
			return;
		}
		/* With fewer RAM bytes than channels some shares are empty:
		 * nothing to send.  A device-state packet always goes (the
		 * config state has no bytes). */
		if (mf->f.bytes || mf->f.kind != MIG_REC_RAM)
			mig_stream_send(m, mf->chan, mf->f.kind, mf->f.device, mf->f.value,
			                mf->f.bytes, mf->f.data, mf->name);
		struct rt_sem *done = mf->job_done;
		o->mutex_lock(sh->lock);
		mf->has_job = mf->busy = false;
		o->mutex_unlock(sh->lock);
		o->sem_release(sh->free_channels);
		if (done)
			o->sem_release(done);
	}
}

static void multifd_receiver(void *arg)
{
	struct multifd_channel *mf = arg;
	struct mig *m = mf->m;
	struct rt_frame f;
	int rc;
	while ((rc = m->rt->ops->chan_recv(mf->chan, &f)) == 0 && f.kind != MIG_REC_EOS) {
		if (f.kind == MIG_REC_DEV_STATE && m->load_state_buffer(m, &f, mf->name))
			return;
	}
	/* A channel lost before its end may have carried device state the
	 * destination still waits for. */
	if (rc)
		m->load_state_buffer(m, NULL, mf->name);
}

/* Wait for a free channel and mark it busy (round-robin from the last). */
static struct multifd_channel *take_channel(struct mig *m)
{
	struct mig_multifd *sh = m->multifd;
	const struct rt_ops *o = m->rt->ops;
	o->sem_acquire(sh->free_channels);
	o->mutex_lock(sh->lock);
	struct multifd_channel *mf = NULL;
	for (unsigned k = 0; k < m->n_multifd && !mf; k++) {
		unsigned i = (sh->next + k) % m->n_multifd;
		if (!sh->ch[i].busy) {
			mf = &sh->ch[i];
			sh->next = i + 1;
		}
	}
	mf->busy = true; /* free_channels counts the channels not busy: one is */
	o->mutex_unlock(sh->lock);
	return mf;
}

/* Give `mf` the job of sending `f` (with the channel's buffer as its data
 * when the frame carries data), then release `done` if not NULL. */
static void hand_over(struct mig *m, struct multifd_channel *mf, const struct rt_frame *f,
                      bool with_data, struct rt_sem *done)
{
	mf->f = *f;
	mf->f.data = with_data ? mf->data : NULL;
	mf->job_done = done;
	mf->has_job = true;
	m->rt->ops->sem_release(mf->job);
}

/* QEMU's MULTIFD_PACKET_SIZE (migration/multifd.h): 128 pages of 4 KiB per
 * multifd RAM packet. */
#define MULTIFD_RAM_PACKET_BYTES (512u * 1024u)

/* RAM pages go over the multifd channels when there are any, else on the
 * main stream.  Split evenly (one job per channel, in parallel) or, with
 * `packets`, in QEMU's packets, each to the next free channel. */
int mig_multifd_send_ram(struct mig *m, uint64_t bytes, bool packets, bool stopcopy)
{
	if (bytes == 0)
		return 0;
	int rc = 0;
	uint64_t value = stopcopy ? MIG_DATA_STOPCOPY : 0;
	if (m->n_multifd == 0) {
		rc = mig_stream_send(m, m->stream, MIG_REC_RAM, -1, value, bytes, NULL, SRC_TASK);
	} else {
		struct mig_multifd *sh = m->multifd;
		unsigned n = m->n_multifd;
		uint64_t jobs =
		    packets ? (bytes + MULTIFD_RAM_PACKET_BYTES - 1) / MULTIFD_RAM_PACKET_BYTES : n;
		for (uint64_t i = 0; i < jobs; i++) {
			uint64_t left = bytes - i * MULTIFD_RAM_PACKET_BYTES;
			uint64_t share = !packets ? bytes / n + (i < bytes % n)
			                 : left < MULTIFD_RAM_PACKET_BYTES
			                     ? left
			                     : MULTIFD_RAM_PACKET_BYTES;
			struct rt_frame f = {
			    .kind = MIG_REC_RAM, .device = -1, .value = value, .bytes = share};
			hand_over(m, take_channel(m), &f, false, sh->ram_done);
		}
		for (uint64_t i = 0; i < jobs; i++)
			m->rt->ops->sem_acquire(sh->ram_done);
	}
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = SRC_TASK, .kind = TRACE_SEND,
	          .value = (double)bytes, .text = "ram");
	return rc;
}

void mig_multifd_queue(struct mig *m, const struct rt_frame *f, void **buf)
{
	struct multifd_channel *mf = take_channel(m);
	void *free_buf = mf->data;
	mf->data = *buf;
	*buf = free_buf;
	hand_over(m, mf, f, true, NULL);
}

void mig_multifd_sync(struct mig *m)
{
	struct mig_multifd *sh = m->multifd;
	for (unsigned i = 0; i < m->n_multifd; i++)
		m->rt->ops->sem_acquire(sh->free_channels);
	for (unsigned i = 0; i < m->n_multifd; i++)
		m->rt->ops->sem_release(sh->free_channels);
}

int mig_multifd_start(struct mig *m)
{
	unsigned n = m->scn->multifd_channels;
	if (!n)
		return 0;
	struct mig_multifd *sh = calloc(1, sizeof *sh + n * sizeof sh->ch[0]);
	if (!sh)
		return -ENOMEM;
	m->multifd = sh;
	m->n_multifd = n;
	struct multifd_channel *mf = sh->ch;
	const struct rt_ops *o = m->rt->ops;
	sh->lock = o->mutex_new(m->rt);
	sh->free_channels = o->sem_new(m->rt, n);
	sh->ram_done = o->sem_new(m->rt, 0);
	if (!sh->lock || !sh->free_channels || !sh->ram_done)
		return -ENOMEM;
	bool buffers = m->rt->carries_data && m->has_src && scenario_multifd_transfer(m->scn);
	for (unsigned i = 0; i < n; i++) {
		mf[i].m = m;
		snprintf(mf[i].name, sizeof mf[i].name, "multifd%u", i);
		mf[i].chan = o->chan_new(m->rt, RT_SIDE_SRC, mf[i].name);
		mf[i].job = o->sem_new(m->rt, 0);
		if (!mf[i].chan || !mf[i].job)
			return -ENOMEM;
		if (buffers && !(mf[i].data = malloc(m->scn->chunk_bytes)))
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
void mig_multifd_quit(struct mig *m)
{
	struct multifd_channel *mf = m->multifd ? m->multifd->ch : NULL;
	for (unsigned i = 0; i < m->n_multifd; i++) {
		if (!mf[i].sender || mf[i].quit)
			continue;
		mf[i].quit = 1;
		m->rt->ops->sem_release(mf[i].job);
	}
}

void mig_multifd_join(struct mig *m, enum rt_side side)
{
	struct multifd_channel *mf = m->multifd ? m->multifd->ch : NULL;
	for (unsigned i = 0; i < m->n_multifd; i++) {
		struct rt_task **t = side == RT_SIDE_SRC ? &mf[i].sender : &mf[i].receiver;
		if (*t)
			rt_join(m->rt, *t);
		*t = NULL;
	}
}

void mig_multifd_free(struct mig *m)
{
	struct mig_multifd *sh = m->multifd;
	if (!sh)
		return;
	struct multifd_channel *mf = sh->ch;
	const struct rt_ops *o = m->rt->ops;
	for (unsigned i = 0; i < m->n_multifd; i++) {
		if (mf[i].chan)
			o->chan_free(mf[i].chan);
		if (mf[i].job)
			o->sem_free(mf[i].job);
		free(mf[i].data);
	}
	if (sh->lock)
		o->mutex_free(sh->lock);
	if (sh->free_channels)
		o->sem_free(sh->free_channels);
	if (sh->ram_done)
		o->sem_free(sh->ram_done);
	free(sh);
	m->multifd = NULL;
}
