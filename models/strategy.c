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
 *
 * Under both parallel strategies the task carrying a transition is a thread
 * created for it and joined after it (migration.threads: per-pass, the
 * patch's design), or the device's persistent worker, created at migration
 * setup, woken with the transition and waited for (pool): the same handler
 * entries launch and collect it at the same points, so the ordering of each
 * strategy is unchanged and only the cost of a launch differs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "migration.h"

static bool pooled(const struct mig *m)
{
	return m->scn->threads == THREADS_POOL;
}

/* Thread events say "pool" when a pool worker is concerned; pass -1 is the
 * worker's own creation (setup) and end (teardown). */
static void trace_thread(struct mig_device *md, enum trace_kind kind, int pass, const char *task)
{
	struct mig *m = md->m;
	TRACE_ADD(m->tr, .t = rt_now(m->rt), .task = task, .kind = kind, .device = md->index,
	          .side = md->side->side, .pass = pass, .value = md->depth,
	          .text = pooled(m) ? "pool" : NULL);
}

/* Start fn(md) for `pass` on a task of its own: a new thread, or the
 * device's pool worker woken.  A thread that cannot be created fails the
 * migration (its transition never happens); the caller keeps going so the
 * notify still completes.  Without a worker (its creation failed at setup,
 * which failed the migration) nothing starts.  Returns the task or NULL. */
static struct rt_task *start_traced(struct mig_device *md, int pass, rt_task_fn fn)
{
	struct mig *m = md->m;
	trace_thread(md, TRACE_THREAD_SPAWN, pass, md->side->task);
	if (pooled(m)) {
		if (md->worker) {
			md->job = fn;
			rt_wake(m->rt, md->go);
		}
		return md->worker;
	}
	struct rt_task *t = rt_spawn(m->rt, md->side->side, md->task_name[pass], fn, md);
	if (!t)
		mig_fail(m, -EAGAIN, md->side->task,
		         "%s device %s: cannot create its transition thread",
		         rt_side_name(md->side->side), md->dev->name);
	return t;
}

/* Wait for the transition started in `slot` (join its thread, or wait for
 * the worker to report it done). */
static void join_traced(struct mig_device *md, int pass, int slot)
{
	struct mig *m = md->m;
	if (!md->thread[slot])
		return;
	if (pooled(m))
		m->rt->ops->sem_acquire(md->done);
	else
		rt_join(m->rt, md->thread[slot]);
	md->thread[slot] = NULL;
	trace_thread(md, TRACE_THREAD_JOIN, pass, md->side->task);
}

/* A pool worker: one transition per wake-up until handed no job. */
static void pool_worker(void *arg)
{
	struct mig_device *md = arg;
	const struct rt_ops *o = md->m->rt->ops;
	for (;;) {
		o->sem_acquire(md->go);
		if (!md->job)
			return;
		md->job(md);
		o->sem_release(md->done);
	}
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
		md->thread[pass] = start_traced(md, pass, prio_thread);
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
	md->thread[TRACE_PASS_PREPARE] = start_traced(md, TRACE_PASS_PREPARE, barrier_thread);
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

/* ---- pool workers ------------------------------------------------------ */

/* Give every device that the strategy runs on threads a worker of its own
 * (parallel-prio: all, parallel-barrier: the P2P-capable ones), before the
 * migration starts, as a device realize or migration setup hook would.
 * Returns 0 or -ENOMEM; a worker that cannot be created fails the
 * migration instead. */
static int pool_start(struct mig *m, struct mig_side *side)
{
	const struct rt_ops *o = m->rt->ops;
	for (size_t i = 0; i < side->n; i++) {
		struct mig_device *md = &side->devs[i];
		if (m->scn->strategy == STRATEGY_PARALLEL_BARRIER &&
		    !(md->dev->caps & VFIO_CAP_P2P))
			continue;
		md->go = o->sem_new(m->rt, 0);
		md->done = o->sem_new(m->rt, 0);
		if (!md->go || !md->done)
			return -ENOMEM;
		trace_thread(md, TRACE_THREAD_SPAWN, -1, m->task);
		md->worker = rt_spawn(m->rt, side->side, md->task_name[0], pool_worker, md);
		if (!md->worker)
			mig_fail(m, -EAGAIN, m->task,
			         "%s device %s: cannot create its transition worker",
			         rt_side_name(side->side), md->dev->name);
	}
	return 0;
}

void strategy_end(struct mig_side *side)
{
	for (size_t i = 0; side->devs && i < side->n; i++) {
		struct mig_device *md = &side->devs[i];
		if (!md->worker)
			continue;
		struct mig *m = md->m;
		md->job = NULL;
		m->rt->ops->sem_release(md->go);
		rt_join(m->rt, md->worker);
		md->worker = NULL;
		trace_thread(md, TRACE_THREAD_JOIN, -1, m->task);
	}
}

/* ---- registration ----------------------------------------------------- */

void strategy_release(struct mig_side *side)
{
	strategy_end(side);
	for (size_t i = 0; side->devs && i < side->n; i++) {
		struct mig_device *md = &side->devs[i];
		if (md->go)
			side->reg.rt->ops->sem_free(md->go);
		if (md->done)
			side->reg.rt->ops->sem_free(md->done);
		md->go = md->done = NULL;
	}
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
			         pooled(m)                               ? "pool"
			         : strategy == STRATEGY_PARALLEL_BARRIER ? "both"
			                                                 : pass_suffix[p]);
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
	return strategy != STRATEGY_SEQUENTIAL && pooled(m) ? pool_start(m, side) : 0;
}
