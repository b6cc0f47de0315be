/*
 * mig_multifd.c - the multifd channels: one sender task per channel on the
 * source, one receiver on the destination; RAM pages are split evenly over
 * them (over the main stream when there are none).
 */
#include "mig_multifd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "mig_stream.h"

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
			mig_stream_send(m, mf->chan, MIG_REC_EOS, -1, 0, 0, NULL, mf->name);
			return;
		}
		if (mf->bytes)
			mig_stream_send(m, mf->chan, MIG_REC_RAM, -1, 0, mf->bytes, NULL, mf->name);
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
int mig_multifd_send_ram(struct mig *m, uint64_t bytes)
{
	if (bytes == 0)
		return 0;
	int rc = 0;
	if (m->n_multifd == 0) {
		rc = mig_stream_send(m, m->stream, MIG_REC_RAM, -1, 0, bytes, NULL, SRC_TASK);
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

int mig_multifd_start(struct mig *m)
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
void mig_multifd_quit(struct mig *m)
{
	struct mig_multifd *mf = m->multifd;
	for (unsigned i = 0; i < m->n_multifd; i++) {
		if (!mf[i].sender || mf[i].quit)
			continue;
		mf[i].quit = 1;
		m->rt->ops->sem_release(mf[i].job);
	}
}

void mig_multifd_join(struct mig *m, enum rt_side side)
{
	struct mig_multifd *mf = m->multifd;
	for (unsigned i = 0; i < m->n_multifd; i++) {
		struct rt_task **t = side == RT_SIDE_SRC ? &mf[i].sender : &mf[i].receiver;
		if (*t)
			rt_join(m->rt, *t);
		*t = NULL;
	}
}

void mig_multifd_free(struct mig *m)
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
