/*
 * sequential.c - the sequential strategy: one handler entry per device at
 * its depth (adj 0), both steps done inline by the task running the
 * notify.  The simplest strategy, and the reference for writing a new one.
 */
#include "strategy.h"

static void seq_prepare(void *opaque, bool running)
{
	struct strategy_dev *d = opaque;
	strategy_transition(d, running, TRACE_PASS_PREPARE, d->side->task);
}

static void seq_main(void *opaque, bool running)
{
	struct strategy_dev *d = opaque;
	strategy_transition(d, running, TRACE_PASS_MAIN, d->side->task);
}

static int seq_setup(struct strategy_side *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct strategy_dev *d = &s->devs[i];
		struct vmstate_entry e = {
		    .name = d->name,
		    .priority = vmstate_priority(d->depth, 0),
		    .depth = d->depth,
		    .device = d->index,
		    .prepare_cb = d->p2p ? seq_prepare : NULL, /* no P2P, no prepare step */
		    .cb = seq_main,
		    .opaque = d,
		};
		int rc = vmstate_add(s->reg, &e);
		if (rc)
			return rc;
	}
	return 0;
}

const struct strategy_ops strategy_sequential = {
    .setup = seq_setup,
};
