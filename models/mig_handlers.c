/*
 * mig_handlers.c - the scenario's non-VFIO VM change-state handlers: each
 * one sleeps for a cost drawn from its own random stream when it runs.
 */
#include "mig_handlers.h"

#include <errno.h>
#include <stdlib.h>

#include "rng.h"

static void handler_cb(void *opaque, bool running)
{
	(void)running;
	struct mig_handler *mh = opaque;
	/* A sleep, not CPU work: the real world's handler sleeps its cost, so
	 * it ends the host's wake latency late there too. */
	rt_sleep(mh->m->rt, dist_sample_lazy(&mh->h->cost, &mh->rng));
}

static bool handler_on_side(const struct scn_handler *h, enum rt_side side)
{
	return h->side == HANDLER_SIDE_BOTH ||
	       (h->side == HANDLER_SIDE_SRC) == (side == RT_SIDE_SRC);
}

int mig_handlers_register(struct mig *m, struct mig_side *side)
{
	for (size_t i = 0; i < m->n_handlers; i++) {
		const struct scn_handler *h = m->handlers[i].h;
		if (!handler_on_side(h, side->side))
			continue;
		struct vmstate_entry e = {
		    .name = h->name,
		    .priority = h->depth < 0 ? 0 : vmstate_priority(h->depth, 0),
		    .depth = h->depth,
		    .device = -1,
		    .prepare_cb = h->pass != HANDLER_PASS_MAIN ? handler_cb : NULL,
		    .cb = h->pass != HANDLER_PASS_PREPARE ? handler_cb : NULL,
		    .opaque = &m->handlers[i],
		};
		int rc = vmstate_add(&side->reg, &e);
		if (rc)
			return rc;
	}
	return 0;
}

int mig_handlers_new(struct mig *m)
{
	const struct scenario *s = m->scn;
	m->n_handlers = s->n_handlers;
	m->handlers = calloc(s->n_handlers + 1, sizeof *m->handlers);
	if (!m->handlers)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_handlers; i++) {
		m->handlers[i].m = m;
		m->handlers[i].h = &s->handlers[i];
		if (rng_lazy_init(&m->handlers[i].rng, s->seed, m->cfg->run,
		                  RNG_STREAM_HANDLER + i))
			return -ENOMEM;
	}
	return 0;
}

void mig_handlers_free(struct mig *m)
{
	for (size_t i = 0; m->handlers && i < m->n_handlers; i++)
		rng_lazy_free(&m->handlers[i].rng);
	free(m->handlers);
	m->handlers = NULL;
}
