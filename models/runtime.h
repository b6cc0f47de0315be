/*
 * runtime.h - the contract a world (sim/ or real/) implements for the engine.
 *
 * The engine (models/) is ordinary blocking C code run by tasks: the source
 * migration thread, the destination load thread, the return-path thread, the
 * per-device transition threads of the parallel strategies, multifd channel
 * threads.  It never calls SimGrid or pthreads; it calls through this ops
 * table, the way fio's engines are called through struct ioengine_ops.
 *
 * Every entry below says who calls it, whether it may block, and what it
 * costs in each world:
 *   sim  - SimGrid S4U: tasks are actors (coroutines), time is simulated,
 *          only sleep/compute/wait/send/recv advance the clock;
 *   real - pthreads and CLOCK_MONOTONIC: costs are whatever the machine takes.
 *
 * All objects returned by a constructor belong to the caller, who frees them
 * with the matching *_free entry after every task using them has been joined.
 */
#ifndef SWITCHOVER_RUNTIME_H
#define SWITCHOVER_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

struct rt;
struct rt_task;
struct rt_mutex;
struct rt_event;
struct rt_sem;
struct rt_barrier;
struct rt_chan;

/*
 * One unit on a channel: a migration-stream record or a return-path message.
 * `bytes` is the payload size the transfer is charged for.  `data` points to
 * `bytes` real bytes in the real world; in sim it may be NULL (only the size
 * travels).  The other fields are the record header, which both worlds carry
 * verbatim (the real world frames them on the wire).
 */
struct rt_frame {
	uint32_t kind;  /* engine-defined record kind (migration.h MIG_REC_*) */
	int32_t device; /* device index, or -1 */
	uint64_t value; /* record-specific integer (flags, counts, round) */
	uint64_t bytes; /* payload bytes */
	void *data;     /* payload or NULL (sim) */
};

/* Size charged on the link for a frame header, both worlds. */
#define RT_FRAME_HEADER_BYTES 24u

typedef void (*rt_task_fn)(void *arg);

/* Which end of a migration a channel endpoint belongs to. */
enum rt_side { RT_SIDE_SRC = 0, RT_SIDE_DST = 1 };

/* "source" or "destination", for messages. */
const char *rt_side_name(enum rt_side s); /* "source", "destination" (names.c) */

struct rt_ops {
	/* Seconds since the start of the current run.  Any task; never blocks.
	 * sim: simulated clock.  real: CLOCK_MONOTONIC minus run start. */
	double (*now)(struct rt *rt);

	/* Block the calling task for `seconds` (>= 0).  Any task.
	 * sim: advances simulated time exactly, by `seconds` plus the task's
	 * host's wake_latency when seconds > 0 (a timer wakes its thread that
	 * late; docs/model.md "Hosts and CPUs").  So callers use rt_sleep only
	 * where the real world sleeps or blocks on a device, never for CPU work.
	 * real: clock_nanosleep, which ends late by itself. */
	void (*sleep)(struct rt *rt, double seconds);

	/* Spend `cpu_seconds` (>= 0) of CPU time on the calling task's machine:
	 * work that needs a core, as opposed to sleep, which waits.  Any task;
	 * blocks until the work is done.
	 * sim: an execution of that many seconds of one core on the task's host
	 * (SimGrid's CPU model, sg_actor_execute): it takes cpu_seconds when a
	 * core is free, longer while the host has more running executions than
	 * cores; on a host with unlimited cores, a sleep of cpu_seconds.
	 * real: spins until the calling thread's CPU clock
	 * (CLOCK_THREAD_CPUTIME_ID) has advanced by cpu_seconds, so that
	 * emulated work loads the machine's cores as the sim models it. */
	void (*compute)(struct rt *rt, double cpu_seconds);

	/* Start a task running fn(arg) on `side`'s machine.  Any task; does not
	 * wait for fn.  `name` is copied.
	 * sim: the caller is first charged the scenario's thread_create_s (the
	 * measured pthread_create cost) as CPU work on its host (as compute),
	 * then an actor is started.
	 * real: pthread_create; its real cost is what the strategies pay. */
	struct rt_task *(*spawn)(struct rt *rt, enum rt_side side, const char *name, rt_task_fn fn,
	                         void *arg);

	/* Wait until `task` has returned, then release it.  Called exactly once
	 * per spawned task, by any other task.  Blocks.
	 * sim: after the task ends the caller is charged thread_join_s, as CPU
	 * work on its host.
	 * real: pthread_join. */
	void (*join)(struct rt *rt, struct rt_task *task);

	/* Hand a task parked in sem_acquire(s) its next piece of work: release
	 * `s`, as a priced operation.  This is what a parallel strategy does
	 * instead of spawn when its transitions run on persistent workers
	 * (migration.threads: pool).  Any task; does not block.
	 * sim: the caller is first charged the scenario's thread_wake_s (the
	 * measured cost of waking a parked thread) as CPU work on its host,
	 * then s is released.
	 * real: sem_release; its real cost is what the strategies pay. */
	void (*wake)(struct rt *rt, struct rt_sem *s);

	/* Mutual exclusion.  lock blocks; unlock never blocks.  Free cost in sim. */
	struct rt_mutex *(*mutex_new)(struct rt *rt);
	void (*mutex_lock)(struct rt_mutex *m);
	void (*mutex_unlock)(struct rt_mutex *m);
	void (*mutex_free)(struct rt_mutex *m);

	/* QEMU-event semantics: set wakes every waiter and stays set until
	 * reset; wait returns at once while set.  wait blocks. */
	struct rt_event *(*event_new)(struct rt *rt);
	void (*event_set)(struct rt_event *e);
	void (*event_reset)(struct rt_event *e);
	void (*event_wait)(struct rt_event *e);
	void (*event_free)(struct rt_event *e);

	/* Counting semaphore (contention domains, channel readiness).
	 * acquire blocks while the count is zero. */
	struct rt_sem *(*sem_new)(struct rt *rt, unsigned initial);
	void (*sem_acquire)(struct rt_sem *s);
	void (*sem_release)(struct rt_sem *s);
	void (*sem_free)(struct rt_sem *s);

	/* Barrier for `count` tasks; wait blocks until all have arrived. */
	struct rt_barrier *(*barrier_new)(struct rt *rt, unsigned count);
	void (*barrier_wait)(struct rt_barrier *b);
	void (*barrier_free)(struct rt_barrier *b);

	/* An ordered, reliable, one-way channel of frames from `from` to the
	 * other side (the migration stream, a multifd channel, or the return
	 * path).  One sending and one receiving task at a time.
	 *   send: blocks while the frame is transmitted (sim: bytes / share
	 *         of bandwidth, flows sharing the link through SimGrid's network
	 *         model, while the sender's host spends the copy's CPU, see
	 *         sim_runtime.h; real: written to the socket).  The receiver need not be
	 *         waiting: the far end buffers.  The frame reaches the receiver
	 *         one link latency after its last byte left, so a stream of
	 *         records pays the latency once, not once per record.
	 *   recv: blocks until a frame arrives (sim: then the receiver's host
	 *         spends the copy's CPU); the frame's data (if any) stays
	 *         valid until the next recv on the channel.
	 * Both return 0, or a negative errno when the channel broke or (recv)
	 * the peer closed it (-EPIPE). */
	struct rt_chan *(*chan_new)(struct rt *rt, enum rt_side from, const char *name);
	int (*chan_send)(struct rt_chan *c, const struct rt_frame *f);
	int (*chan_recv)(struct rt_chan *c, struct rt_frame *f);
	void (*chan_free)(struct rt_chan *c);

	/* chan_send for a caller that promises that, until its next call of
	 * any op, it reads nothing another task changes and starts nothing
	 * another task sees (no trace append without rt_now before it), and
	 * that no other task sends on the channel meanwhile.  The frame, its
	 * costs and its arrival are chan_send's.
	 * sim: when the frame would be alone on its link direction, the caller
	 * does not wait: it runs ahead in simulated time, and its next call of
	 * any op (now included) first waits until the frame's end, so that a
	 * device's stream of records is one wait instead of one per record
	 * (sim_runtime.c, "Running ahead").  Otherwise chan_send.
	 * real: NULL (rt_chan_send_ahead calls chan_send). */
	int (*chan_send_ahead)(struct rt_chan *c, const struct rt_frame *f);
};

/* A world instance: the ops plus the backend's private state. */
struct rt {
	const struct rt_ops *ops;
	void *priv;
	int carries_data; /* frames and device reads move real bytes (real world) */
};

/* Thin inline wrappers so engine code reads as ordinary calls. */
static inline double rt_now(struct rt *rt)
{
	return rt->ops->now(rt);
}
static inline void rt_sleep(struct rt *rt, double s)
{
	if (s > 0)
		rt->ops->sleep(rt, s);
}
static inline void rt_compute(struct rt *rt, double cpu_s)
{
	if (cpu_s > 0)
		rt->ops->compute(rt, cpu_s);
}
static inline struct rt_task *rt_spawn(struct rt *rt, enum rt_side side, const char *name,
                                       rt_task_fn fn, void *arg)
{
	return rt->ops->spawn(rt, side, name, fn, arg);
}
static inline void rt_join(struct rt *rt, struct rt_task *t)
{
	rt->ops->join(rt, t);
}
static inline void rt_wake(struct rt *rt, struct rt_sem *s)
{
	rt->ops->wake(rt, s);
}
static inline int rt_chan_send_ahead(struct rt *rt, struct rt_chan *c, const struct rt_frame *f)
{
	return rt->ops->chan_send_ahead ? rt->ops->chan_send_ahead(c, f) : rt->ops->chan_send(c, f);
}

#endif
