/*
 * parallel_prio.c - the parallel-prio strategy: two handler entries per
 * device, at adj -1 and adj +1 of its depth.  Whichever runs first in a pass
 * (adj +1 on stop, adj -1 on start: the walk direction decides) starts a
 * task doing that pass's step; the second collects it.  Within one depth
 * and pass all VFIO transitions run concurrently with each other and with
 * that depth's ordinary handlers.
 */
#include <errno.h>
#include <stdlib.h>

#include "strategy.h"
#include "threads.h"

struct prio_dev;

/* The two entries of a device share its state; this tag tells them apart. */
struct prio_entry {
	struct prio_dev *pd;
	int adj;
};

struct prio_dev {
	struct strategy_dev *d;
	struct strategy_thread thread;
	struct rt_task *task[2]; /* the task carrying each pass's step, while outstanding */
	int pass;                /* pass the running task performs */
	bool running;            /* direction the running task performs */
	struct prio_entry entry[2];
};

static void prio_task(void *arg)
{
	struct prio_dev *pd = arg;
	strategy_transition(pd->d, pd->running, pd->pass, pd->thread.name[pd->pass]);
}

static void prio_step(struct prio_entry *pe, bool running, int pass)
{
	struct prio_dev *pd = pe->pd;
	bool first = running ? pe->adj < 0 : pe->adj > 0;
	if (first) {
		pd->pass = pass;
		pd->running = running;
		pd->task[pass] = strategy_thread_start(&pd->thread, pass, prio_task, pd);
	} else {
		strategy_thread_collect(&pd->thread, pass, &pd->task[pass]);
	}
}

static void prio_prepare(void *opaque, bool running)
{
	prio_step(opaque, running, TRACE_PASS_PREPARE);
}

static void prio_main(void *opaque, bool running)
{
	prio_step(opaque, running, TRACE_PASS_MAIN);
}

static int prio_setup(struct strategy_side *s)
{
	static const char *const suffix[2] = {"prepare", "main"};
	struct prio_dev *pds = calloc(s->n + 1, sizeof *pds);
	if (!pds)
		return -ENOMEM;
	s->priv = pds;
	for (size_t i = 0; i < s->n; i++) {
		struct strategy_dev *d = &s->devs[i];
		struct prio_dev *pd = &pds[i];
		pd->d = d;
		d->priv = pd;
		strategy_thread_init(&pd->thread, d, suffix);
		pd->entry[0] = (struct prio_entry){pd, -1};
		pd->entry[1] = (struct prio_entry){pd, +1};
		for (int k = 0; k < 2; k++) {
			struct vmstate_entry e = {
			    .name = d->name,
			    .priority = vmstate_priority(d->depth, pd->entry[k].adj),
			    .depth = d->depth,
			    .device = d->index,
			    .prepare_cb = d->p2p ? prio_prepare : NULL,
			    .cb = prio_main,
			    .opaque = &pd->entry[k],
			};
			int rc = vmstate_add(s->reg, &e);
			if (rc)
				return rc;
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		int rc = strategy_thread_pool_start(&pds[i].thread);
		if (rc)
			return rc;
	}
	return 0;
}

static void prio_end(struct strategy_side *s)
{
	struct prio_dev *pds = s->priv;
	for (size_t i = 0; pds && i < s->n; i++)
		strategy_thread_end(&pds[i].thread);
}

static void prio_release(struct strategy_side *s)
{
	struct prio_dev *pds = s->priv;
	for (size_t i = 0; pds && i < s->n; i++)
		strategy_thread_free(&pds[i].thread);
	free(pds);
}

const struct strategy_ops strategy_parallel_prio = {
    .setup = prio_setup,
    .end = prio_end,
    .release = prio_release,
};
