/*
 * threads.h - the task carrying one device's transition under a parallel
 * strategy, shared by parallel-prio and parallel-barrier.
 *
 * migration.threads: per-pass creates a thread for each launch and joins it
 * (the patch's design); pool gives the device one persistent worker,
 * created at migration setup, woken with each transition and waited for.
 * Either way the strategy's handler entries launch and collect at the same
 * points, so its ordering is unchanged and only the cost of a launch
 * differs.  Every launch, collection, worker start and end is traced
 * (TRACE_THREAD_SPAWN/JOIN, text "pool" for a pool's).
 */
#ifndef SWITCHOVER_STRATEGY_THREADS_H
#define SWITCHOVER_STRATEGY_THREADS_H

#include "strategy.h"

/* One device's transition task; embedded in a strategy's per-device state. */
struct strategy_thread {
	struct strategy_dev *d;
	/* Task name per pass ("vfio-<dev>-<suffix>", "vfio-<dev>-pool" with a
	 * pool); the name of the transitions it runs. */
	char name[2][64];
	/* pool: the worker waits on `go`, runs job(job_arg) (NULL: ends),
	 * posts `done`.  worker is NULL when it is not running. */
	struct rt_task *worker;
	struct rt_sem *go, *done;
	rt_task_fn job;
	void *job_arg;
};

/* Name the task of each pass `suffix[pass]` (a pool's is "pool").  Called
 * by the strategy's setup; no allocation. */
void strategy_thread_init(struct strategy_thread *t, struct strategy_dev *d,
                          const char *const suffix[2]);

/* pool: create the device's worker, before the migration starts, as a
 * device realize or migration setup hook would (traced by the side's
 * run_task, pass -1).  A worker that cannot be created fails the migration.
 * Returns 0 or -ENOMEM.  Nothing to do per-pass. */
int strategy_thread_pool_start(struct strategy_thread *t);

/* Start fn(arg) for `pass` on a task of its own: a new thread, or the pool
 * worker woken.  Called by side->task from a handler entry; does not block
 * beyond the launch (sim: thread_create, or thread_wake with a pool).  A
 * thread that cannot be created fails the migration; without a worker
 * (its creation failed, which failed the migration) nothing starts.
 * Returns the task or NULL. */
struct rt_task *strategy_thread_start(struct strategy_thread *t, int pass, rt_task_fn fn,
                                      void *arg);

/* Wait for the transition started as *task for `pass`, if any (join the
 * thread, or wait for the worker's done), and clear *task.  Called by
 * side->task; blocks until the transition ended (sim: thread_join after a
 * thread, free for a worker). */
void strategy_thread_collect(struct strategy_thread *t, int pass, struct rt_task **task);

/* pool: end and join the worker, if running (traced by run_task, pass -1).
 * Idempotent. */
void strategy_thread_end(struct strategy_thread *t);

/* Free the pool's semaphores (after end). */
void strategy_thread_free(struct strategy_thread *t);

#endif
