/*
 * parallel_barrier.c - the parallel-barrier strategy: one handler entry per
 * device.  Its prepare_cb starts a task doing both steps with an all-device
 * rendezvous between them (an atomic count; the last device to reach P2P
 * sets an event the others wait on); its cb only collects the task, so the
 * prepare pass returns before the P2P transitions finish.  A device without
 * P2P has no prepare_cb and does its one step inline in the main pass.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "strategy.h"
#include "threads.h"

struct barrier_side;

struct barrier_dev {
	struct strategy_dev *d;
	struct barrier_side *bs;
	struct strategy_thread thread;
	struct rt_task *task; /* the task doing both steps, while outstanding */
	bool running;         /* direction it performs */
};

struct barrier_side {
	struct strategy_side *s;
	unsigned n_rendezvous; /* devices taking part (the P2P ones) */
	atomic_uint arrived;
	struct rt_event *all_p2p;
	struct barrier_dev devs[];
};

/* Count one device at the rendezvous; the last one releases everybody.
 * Returns whether this was the last. */
static bool barrier_arrive(struct barrier_dev *bd)
{
	struct barrier_side *bs = bd->bs;
	if (atomic_fetch_add(&bs->arrived, 1) + 1 != bs->n_rendezvous)
		return false;
	bs->s->rt->ops->event_set(bs->all_p2p);
	return true;
}

static void barrier_task(void *arg)
{
	struct barrier_dev *bd = arg;
	const char *task = bd->thread.name[TRACE_PASS_PREPARE];
	bool running = bd->running;

	strategy_transition(bd->d, running, TRACE_PASS_PREPARE, task);
	/* Arrive even after a failed step, or the others would wait forever. */
	if (!barrier_arrive(bd))
		bd->bs->s->rt->ops->event_wait(bd->bs->all_p2p);
	strategy_transition(bd->d, running, TRACE_PASS_MAIN, task);
}

static void barrier_prepare(void *opaque, bool running)
{
	struct barrier_dev *bd = opaque;
	bd->running = running;
	bd->task = strategy_thread_start(&bd->thread, TRACE_PASS_PREPARE, barrier_task, bd);
	if (!bd->task)
		barrier_arrive(bd); /* on its behalf: the others must not wait for it */
}

static void barrier_main(void *opaque, bool running)
{
	struct barrier_dev *bd = opaque;
	if (bd->task)
		strategy_thread_collect(&bd->thread, TRACE_PASS_MAIN, &bd->task);
	else if (!bd->d->p2p)
		/* no prepare_cb, so no task: its one step runs here */
		strategy_transition(bd->d, running, TRACE_PASS_MAIN, bd->d->side->task);
	/* else its task could not be started: the migration has failed */
}

static int barrier_setup(struct strategy_side *s)
{
	static const char *const suffix[2] = {"both", "both"};
	struct barrier_side *bs = calloc(1, sizeof *bs + (s->n + 1) * sizeof bs->devs[0]);
	if (!bs)
		return -ENOMEM;
	s->priv = bs;
	bs->s = s;
	for (size_t i = 0; i < s->n; i++) {
		struct strategy_dev *d = &s->devs[i];
		struct barrier_dev *bd = &bs->devs[i];
		bd->d = d;
		bd->bs = bs;
		d->priv = bd;
		strategy_thread_init(&bd->thread, d, suffix);
		struct vmstate_entry e = {
		    .name = d->name,
		    .priority = vmstate_priority(d->depth, 0),
		    .depth = d->depth,
		    .device = d->index,
		    .prepare_cb = d->p2p ? barrier_prepare : NULL,
		    .cb = barrier_main,
		    .opaque = bd,
		};
		bs->n_rendezvous += d->p2p;
		int rc = vmstate_add(s->reg, &e);
		if (rc)
			return rc;
	}
	if (bs->n_rendezvous && !(bs->all_p2p = s->rt->ops->event_new(s->rt)))
		return -ENOMEM;
	/* Only the P2P-capable devices run on tasks. */
	for (size_t i = 0; i < s->n; i++) {
		int rc = s->devs[i].p2p ? strategy_thread_pool_start(&bs->devs[i].thread) : 0;
		if (rc)
			return rc;
	}
	return 0;
}

static void barrier_before_notify(struct strategy_side *s)
{
	struct barrier_side *bs = s->priv;
	if (!bs)
		return;
	atomic_store(&bs->arrived, 0);
	if (bs->all_p2p)
		s->rt->ops->event_reset(bs->all_p2p);
}

static void barrier_end(struct strategy_side *s)
{
	struct barrier_side *bs = s->priv;
	for (size_t i = 0; bs && i < s->n; i++)
		strategy_thread_end(&bs->devs[i].thread);
}

static void barrier_release(struct strategy_side *s)
{
	struct barrier_side *bs = s->priv;
	if (!bs)
		return;
	for (size_t i = 0; i < s->n; i++)
		strategy_thread_free(&bs->devs[i].thread);
	if (bs->all_p2p)
		s->rt->ops->event_free(bs->all_p2p);
	free(bs);
}

const struct strategy_ops strategy_parallel_barrier = {
    .setup = barrier_setup,
    .before_notify = barrier_before_notify,
    .end = barrier_end,
    .release = barrier_release,
    .collects_in_main_pass = true,
};
