/*
 * threads.c - start and collect the task carrying a device's transition:
 * a thread per launch (migration.threads: per-pass) or the device's pool
 * worker (pool).  See threads.h.
 */
#include "threads.h"

#include <errno.h>
#include <stdio.h>

/* Thread events say "pool" when a pool worker is concerned; pass -1 is the
 * worker's own creation (setup) and end (teardown). */
static void trace_thread(struct strategy_thread *t, enum trace_kind kind, int pass,
                         const char *task)
{
	struct strategy_side *s = t->d->side;
	TRACE_ADD(s->tr, .t = rt_now(s->rt), .task = task, .kind = kind, .device = t->d->index,
	          .side = s->side, .pass = pass, .value = t->d->depth,
	          .text = s->pooled ? "pool" : NULL);
}

void strategy_thread_init(struct strategy_thread *t, struct strategy_dev *d,
                          const char *const suffix[2])
{
	t->d = d;
	for (int p = 0; p < 2; p++)
		snprintf(t->name[p], sizeof t->name[p], "vfio-%s-%s", d->name,
		         d->side->pooled ? "pool" : suffix[p]);
}

/* A pool worker: one transition per wake-up until handed no job. */
static void pool_worker(void *arg)
{
	struct strategy_thread *t = arg;
	const struct rt_ops *o = t->d->side->rt->ops;
	for (;;) {
		o->sem_acquire(t->go);
		if (!t->job)
			return;
		t->job(t->job_arg);
		o->sem_release(t->done);
	}
}

int strategy_thread_pool_start(struct strategy_thread *t)
{
	struct strategy_side *s = t->d->side;
	const struct rt_ops *o = s->rt->ops;
	if (!s->pooled)
		return 0;
	t->go = o->sem_new(s->rt, 0);
	t->done = o->sem_new(s->rt, 0);
	if (!t->go || !t->done)
		return -ENOMEM;
	trace_thread(t, TRACE_THREAD_SPAWN, -1, s->run_task);
	t->worker = rt_spawn(s->rt, s->side, t->name[0], pool_worker, t);
	if (!t->worker)
		strategy_fail(t->d, -EAGAIN, s->run_task,
		              "%s device %s: cannot create its transition worker",
		              rt_side_name(s->side), t->d->name);
	return 0;
}

struct rt_task *strategy_thread_start(struct strategy_thread *t, int pass, rt_task_fn fn, void *arg)
{
	struct strategy_side *s = t->d->side;
	trace_thread(t, TRACE_THREAD_SPAWN, pass, s->task);
	if (s->pooled) {
		if (t->worker) {
			t->job = fn;
			t->job_arg = arg;
			rt_wake(s->rt, t->go);
		}
		return t->worker;
	}
	struct rt_task *task = rt_spawn(s->rt, s->side, t->name[pass], fn, arg);
	if (!task)
		strategy_fail(t->d, -EAGAIN, s->task,
		              "%s device %s: cannot create its transition thread",
		              rt_side_name(s->side), t->d->name);
	return task;
}

void strategy_thread_collect(struct strategy_thread *t, int pass, struct rt_task **task)
{
	struct strategy_side *s = t->d->side;
	if (!*task)
		return;
	if (s->pooled)
		s->rt->ops->sem_acquire(t->done);
	else
		rt_join(s->rt, *task);
	*task = NULL;
	trace_thread(t, TRACE_THREAD_JOIN, pass, s->task);
}

void strategy_thread_end(struct strategy_thread *t)
{
	if (!t->worker)
		return;
	struct strategy_side *s = t->d->side;
	t->job = NULL;
	s->rt->ops->sem_release(t->go);
	rt_join(s->rt, t->worker);
	t->worker = NULL;
	trace_thread(t, TRACE_THREAD_JOIN, -1, s->run_task);
}

void strategy_thread_free(struct strategy_thread *t)
{
	if (!t->d)
		return; /* never set up */
	const struct rt_ops *o = t->d->side->rt->ops;
	if (t->go)
		o->sem_free(t->go);
	if (t->done)
		o->sem_free(t->done);
	t->go = t->done = NULL;
}
