/*
 * mig_side.c - one side's devices and change-state handlers: the strategy
 * registers the VFIO entries (through its ops table), the scenario's other
 * handlers follow, and a notify runs them for a VM stop or start.
 */
#include "mig_side.h"

#include <errno.h>
#include <stdlib.h>

#include "mig_handlers.h"

/* What the strategy sees of the side: its own copy of what it may use,
 * so that it never reaches into struct mig. */
static int side_strategy_init(struct mig *m, struct mig_side *side)
{
	struct strategy_side *s = &side->strat;
	*s = (struct strategy_side){
	    .rt = m->rt,
	    .tr = m->tr,
	    .side = side->side,
	    .task = side->task,
	    .run_task = m->task,
	    .reg = &side->reg,
	    .pooled = m->scn->threads == THREADS_POOL,
	    .devs = calloc(side->n + 1, sizeof *s->devs),
	    .n = side->n,
	    .ops = strategy_ops_of(m->scn->strategy),
	};
	if (!s->devs)
		return -ENOMEM;
	for (size_t i = 0; i < side->n; i++) {
		struct mig_device *md = &side->devs[i];
		s->devs[i] = (struct strategy_dev){
		    .side = s,
		    .md = md,
		    .name = md->dev->name,
		    .index = md->index,
		    .depth = md->depth,
		    .p2p = md->dev->caps & VFIO_CAP_P2P,
		};
	}
	return 0;
}

int mig_side_init(struct mig *m, struct mig_side *side, enum rt_side which, struct device **devs,
                  const char *task)
{
	side->side = which;
	side->task = task;
	side->n = scenario_device_count(m->scn);
	side->devs = calloc(side->n + 1, sizeof *side->devs);
	if (!side->devs)
		return -ENOMEM;
	vmstate_init(&side->reg, m->rt, m->tr, which, task);
	for (size_t i = 0; i < side->n; i++) {
		struct mig_device *md = &side->devs[i];
		md->m = m;
		md->side = side;
		md->dev = devs[i];
		md->index = (int)i;
		md->depth = scenario_device_group(m->scn, i, NULL)->depth;
		md->dev->vm_stopped_at = -1;
	}
	int rc = side_strategy_init(m, side);
	if (rc)
		return rc;
	/* VFIO devices register first (device realize), other handlers after;
	 * it only matters for ties at equal priority. */
	rc = strategy_setup(&side->strat);
	return rc ? rc : mig_handlers_register(m, side);
}

void mig_side_free(struct mig_side *side)
{
	if (!side->devs)
		return;
	strategy_release(&side->strat);
	vmstate_free(&side->reg);
	free(side->strat.devs);
	free(side->devs);
}

void mig_side_notify(struct mig_side *side, bool running)
{
	strategy_before_notify(&side->strat);
	vmstate_notify(&side->reg, running);
}
