/*
 * strategy.c - how VFIO devices register their VM change-state handlers
 * under each transition strategy.  Nothing here computes a downtime: the
 * strategies are handler registrations that drive tasks through the runtime,
 * exactly as the QEMU designs do, and the time they take is whatever those
 * tasks take in the world they run in.
 *
 *   sequential        one entry per device at its depth; both steps inline.
 *   parallel-prio     two entries per device at adj -1 and adj +1 of its
 *                     depth; whichever runs first in a pass (it depends on the
 *                     direction) spawns a task doing that pass's step, the
 *                     second joins it.
 *   parallel-barrier  one entry per device; the prepare_cb spawns a task doing
 *                     both steps with an all-device rendezvous between them;
 *                     the cb only joins.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "migration.h"

static void trace_thread(struct mig_device *md, enum trace_kind kind, int pass)
{
	struct mig *m = md->m;
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = md->side->task, .kind = kind,
	          .device = md->index, .side = md->side->side, .pass = pass, .value = md->depth);
}

/* A thread that cannot be created fails the migration (its transition
 * never happens); the caller keeps going so the notify still completes. */
static struct rt_task *spawn_traced(struct mig_device *md, int pass, rt_task_fn fn)
{
	trace_thread(md, TRACE_THREAD_SPAWN, pass);
	struct rt_task *t = rt_spawn(md->m->rt, md->side->side, md->task_name[pass], fn, md);
	if (!t)
		mig_fail(md->m, -EAGAIN, md->side->task,
			 "%s device %s: cannot create its transition thread",
			 rt_side_name(md->side->side), md->dev->name);
	return t;
}

static void join_traced(struct mig_device *md, int pass, int slot)
{
	if (!md->thread[slot])
		return;
	rt_join(md->m->rt, md->thread[slot]);
	md->thread[slot] = NULL;
	trace_thread(md, TRACE_THREAD_JOIN, pass);
}

/* ---- sequential ------------------------------------------------------- */

static void seq_prepare(void *opaque, bool running)
{
	struct mig_device *md = opaque;
	mig_device_transition(md, running, TRACE_PASS_PREPARE, md->side->task);
}

static void seq_main(void *opaque, bool running)
{
	struct mig_device *md = opaque;
	mig_device_transition(md, running, TRACE_PASS_MAIN, md->side->task);
}

/* ---- parallel-prio ---------------------------------------------------- */

/* The two entries of a device share its mig_device; this tag tells them
 * apart.  The entry at adj -1 runs first on start (ascending order), the one
 * at adj +1 runs first on stop (descending order). */
struct prio_entry {
	struct mig_device *md;
	int adj;
};

static void prio_thread(void *arg)
{
	struct mig_device *md = arg;
	mig_device_transition(md, md->thread_running, md->thread_pass,
	                      md->task_name[md->thread_pass]);
}

static void prio_step(struct prio_entry *pe, bool running, int pass)
{
	struct mig_device *md = pe->md;
	bool first = running ? pe->adj < 0 : pe->adj > 0;
	if (first) {
		md->thread_pass = pass;
		md->thread_running = running;
		md->thread[pass] = spawn_traced(md, pass, prio_thread);
	} else {
		join_traced(md, pass, pass);
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

/* ---- parallel-barrier ------------------------------------------------- */

/* Count one device at the rendezvous; the last one releases everybody.
 * Returns whether this was the last. */
static bool barrier_arrive(struct mig_device *md)
{
	struct mig_side *side = md->side;
	if (atomic_fetch_add(&side->arrived, 1) + 1 != side->n_rendezvous)
		return false;
	md->m->rt->ops->event_set(side->all_p2p);
	return true;
}

static void barrier_thread(void *arg)
{
	struct mig_device *md = arg;
	struct mig_side *side = md->side;
	const char *task = md->task_name[TRACE_PASS_PREPARE];
	bool running = md->thread_running;

	mig_device_transition(md, running, TRACE_PASS_PREPARE, task);
	/* Arrive even after a failed step, or the others would wait forever. */
	if (!barrier_arrive(md))
		md->m->rt->ops->event_wait(side->all_p2p);
	mig_device_transition(md, running, TRACE_PASS_MAIN, task);
}

static void barrier_prepare(void *opaque, bool running)
{
	struct mig_device *md = opaque;
	md->thread_running = running;
	md->thread[TRACE_PASS_PREPARE] = spawn_traced(md, TRACE_PASS_PREPARE, barrier_thread);
	if (!md->thread[TRACE_PASS_PREPARE])
		barrier_arrive(md); /* on its behalf: the others must not wait for it */
}

static void barrier_main(void *opaque, bool running)
{
	struct mig_device *md = opaque;
	if (md->thread[TRACE_PASS_PREPARE])
		join_traced(md, TRACE_PASS_MAIN, TRACE_PASS_PREPARE);
	else if (!(md->dev->caps & VFIO_CAP_P2P))
		/* no prepare_cb, so no thread: its one step runs here */
		mig_device_transition(md, running, TRACE_PASS_MAIN, md->side->task);
	/* else its thread could not be created: the migration has failed */
}

/* ---- registration ----------------------------------------------------- */

void strategy_release(struct mig_side *side)
{
	free(side->strategy_priv);
	side->strategy_priv = NULL;
	if (side->all_p2p)
		side->reg.rt->ops->event_free(side->all_p2p);
	side->all_p2p = NULL;
}

void strategy_before_notify(struct mig_side *side)
{
	atomic_store(&side->arrived, 0);
	if (side->all_p2p)
		side->reg.rt->ops->event_reset(side->all_p2p);
}

int strategy_register(struct mig *m, struct mig_side *side)
{
	enum strategy_kind strategy = m->scn->strategy;
	side->n_rendezvous = 0;
	if (strategy == STRATEGY_PARALLEL_PRIO) {
		/* The two tagged entries of every device live as long as the side. */
		side->strategy_priv = calloc(2 * side->n + 1, sizeof(struct prio_entry));
		if (!side->strategy_priv)
			return -ENOMEM;
	}
	for (size_t i = 0; i < side->n; i++) {
		struct mig_device *md = &side->devs[i];
		bool p2p = md->dev->caps & VFIO_CAP_P2P;
		const char *pass_suffix[2] = {"prepare", "main"};
		for (int p = 0; p < 2; p++)
			snprintf(md->task_name[p], sizeof md->task_name[p], "vfio-%s-%s",
			         md->dev->name,
			         strategy == STRATEGY_PARALLEL_BARRIER ? "both" : pass_suffix[p]);
		struct vmstate_entry e = {
		    .name = md->dev->name,
		    .depth = md->depth,
		    .device = md->index,
		    .opaque = md,
		};
		int rc = 0;
		switch (strategy) {
		case STRATEGY_SEQUENTIAL:
			e.priority = vmstate_priority(md->depth, 0);
			e.prepare_cb = p2p ? seq_prepare : NULL;
			e.cb = seq_main;
			rc = vmstate_add(&side->reg, &e);
			break;
		case STRATEGY_PARALLEL_BARRIER:
			e.priority = vmstate_priority(md->depth, 0);
			e.prepare_cb = p2p ? barrier_prepare : NULL;
			e.cb = barrier_main;
			side->n_rendezvous += p2p;
			rc = vmstate_add(&side->reg, &e);
			break;
		case STRATEGY_PARALLEL_PRIO: {
			struct prio_entry *pe = (struct prio_entry *)side->strategy_priv + 2 * i;
			pe[0] = (struct prio_entry){md, -1};
			pe[1] = (struct prio_entry){md, +1};
			for (int k = 0; k < 2 && rc == 0; k++) {
				e.priority = vmstate_priority(md->depth, pe[k].adj);
				e.prepare_cb = p2p ? prio_prepare : NULL;
				e.cb = prio_main;
				e.opaque = &pe[k];
				rc = vmstate_add(&side->reg, &e);
			}
			break;
		}
		}
		if (rc)
			return rc;
	}
	if (strategy == STRATEGY_PARALLEL_BARRIER && side->n_rendezvous) {
		side->all_p2p = m->rt->ops->event_new(m->rt);
		if (!side->all_p2p)
			return -ENOMEM;
	}
	return 0;
}
