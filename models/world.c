/*
 * world.c - devices of both ends and the root task, shared by every world.
 */
#include "world.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int world_devices_new(struct world_devices *w, struct rt *rt, const struct scenario *s,
		      world_device_fn make, void *ctx)
{
	memset(w, 0, sizeof *w);
	w->rt = rt;
	w->n = scenario_device_count(s);
	w->n_domains = s->n_domains;
	w->devs = calloc(2 * w->n + 1, sizeof *w->devs);
	w->domains = calloc(2 * w->n_domains + 1, sizeof *w->domains);
	if (!w->devs || !w->domains)
		return -ENOMEM;
	for (size_t i = 0; i < 2 * w->n_domains; i++)
		if (!(w->domains[i] = rt->ops->sem_new(rt, s->domains[i % w->n_domains].capacity)))
			return -ENOMEM;
	for (size_t i = 0; i < w->n; i++) {
		int d = scenario_device_group(s, i, NULL)->domain;
		for (int side = 0; side < 2; side++) {
			struct rt_sem *sem = d >= 0 ? w->domains[side * w->n_domains + (size_t)d] : NULL;
			if (!(w->devs[side * w->n + i] = make(ctx, i, (enum rt_side)side, sem)))
				return -ENOMEM;
		}
	}
	return 0;
}

void world_devices_free(struct world_devices *w)
{
	for (size_t i = 0; w->devs && i < 2 * w->n; i++)
		if (w->devs[i])
			w->devs[i]->ops->free(w->devs[i]);
	for (size_t i = 0; w->domains && i < 2 * w->n_domains; i++)
		if (w->domains[i])
			w->rt->ops->sem_free(w->domains[i]);
	free(w->devs);
	free(w->domains);
	memset(w, 0, sizeof *w);
}

void world_root_task(void *arg)
{
	struct world_root *root = arg;
	root->rc = migration_run(&root->cfg, root->res);
}

struct world_root world_root_of(struct world_devices *w, const struct scenario *s, unsigned run,
				struct trace *trace, struct mig_result *res)
{
	return (struct world_root){
	    .cfg = {.rt = w->rt,
		    .scn = s,
		    .src = w->devs,
		    .dst = w->devs + w->n,
		    .run = run,
		    .trace = trace},
	    .res = res,
	};
}
