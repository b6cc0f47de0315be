/*
 * sim_runtime.c - struct rt_ops on SimGrid 3.32 (C API only): tasks are
 * actors, time is SimGrid's clock, channel frames cross the platform's link
 * through SimGrid's network model.
 *
 * Facts about SimGrid 3.32 this file relies on (checked by
 * tests/test_sim_runtime.c and tests/runtime_contract.c through
 * tests/test_contract_sim.c, and in SimGrid's src/kernel/EngineImpl.cpp):
 *  - simgrid_init and simgrid_load_platform work once per process, but
 *    simgrid_run may be called again and again with new actors; the clock
 *    keeps going (it cannot be reset with the C API), so a run's now() is
 *    the clock minus the run's start; see run_start() for determinism.
 *  - When no actor can progress while some are still blocked, simgrid_run
 *    logs "Oops! Deadlock detected" (category ker_engine, CRITICAL, stderr),
 *    dumps the actors (INFO), kills them all (a C++ exception unwinds their
 *    stacks; code after the blocking call never runs) and returns normally.
 *    So a deadlock is recoverable: we silence ker_engine, and after
 *    simgrid_run any task of ours that has not reached the end of its
 *    function was blocked forever; each task records which operation it is
 *    blocked in, which makes a better report than SimGrid's dump.
 *  - Actors run one at a time (contexts/nthreads is 1), so plain C fields
 *    shared between tasks (event flags, channel queues) need no locking;
 *    only waiting needs SimGrid.
 */
#include "sim_runtime.h"
#include "cpu_phases.h"

#include <errno.h>
#include <glib.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <simgrid/actor.h>
#include <simgrid/barrier.h>
#include <simgrid/cond.h>
#include <simgrid/engine.h>
#include <simgrid/exec.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <simgrid/mutex.h>
#include <simgrid/semaphore.h>
#include <xbt/config.h>
#include <xbt/log.h>

#include "rt_config.h"

XBT_LOG_EXTERNAL_CATEGORY(ker_engine);

/*
 * The raw context factory (SimGrid's default and fastest) switches stacks
 * behind AddressSanitizer's back: as soon as an actor ends, ASan warns
 * "ignoring requested __asan_handle_no_return ... False positive error
 * reports may follow".  Under ASan every actor is a real thread instead, whose stack
 * ASan knows.  The factory can only be chosen before simgrid_init.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SIM_CONTEXT_FACTORY "thread"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_CONTEXT_FACTORY "thread"
#endif
#endif
#ifndef SIM_CONTEXT_FACTORY
#define SIM_CONTEXT_FACTORY "raw"
#endif

struct sim_rt;

struct rt_task {
	struct sim_rt *srt;
	sg_actor_t actor; /* referenced, so join works after the actor ended */
	rt_task_fn fn;
	void *arg;
	const char *op;              /* blocking operation in progress, NULL if none */
	const char *op_obj;          /* name of the object it waits on, or NULL */
	int ended;                   /* fn returned (a task killed by SimGrid never gets here) */
	double ahead;                /* SimGrid clock it ran ahead to (chan_send_ahead), or 0 */
	enum rt_side side;           /* the end it belongs to (its CPU costs) */
	double cpu_s;                /* CPU work it was charged (sim_runtime_cpu_hook) */
	struct rt_task *prev, *next; /* the run's tasks not yet joined */
	char name[];
};

struct rt_mutex {
	struct sim_rt *srt;
	sg_mutex_t m;
};

/*
 * QEMU's QemuEvent: set wakes everyone waiting at that moment, even if the
 * event is reset before they get to run (qemu_event_wait does not re-check),
 * hence the generation counter.
 */
struct rt_event {
	struct sim_rt *srt;
	sg_mutex_t m;
	sg_cond_t c;
	int set;
	unsigned gen;     /* incremented by each effective set */
	unsigned waiters; /* tasks past the fast path; set skips notify when 0 */
};

struct rt_sem {
	struct sim_rt *srt;
	sg_sem_t s;
	unsigned parked; /* tasks blocked in acquire that no release has woken yet */
};

struct rt_barrier {
	struct sim_rt *srt;
	sg_bar_t b;
};

/*
 * A frame crosses the link as a direct host-to-host transfer
 * (sg_host_sendto), which needs no receiving actor; when its last byte is
 * out the sender queues the header here, stamped with its arrival time (one
 * link latency later), and wakes a receiver blocked on the channel.  Hence
 * send costs exactly the serialisation whether or not anyone receives, a
 * stream of records pays the latency once (as a TCP stream does) rather than
 * once per record, and no daemon actor or mailbox outlives a run.  The
 * SimGrid link itself has zero latency; the latency is applied here.
 *
 * The queue is plain C (actors are not preempted), so SimGrid's semaphore
 * is used only to block and wake: a receiver that finds a frame queued takes
 * it without a simcall, and a sender wakes the semaphore only when a
 * receiver is blocked on it.  A receiver usually trails its sender (it
 * loads each record for longer than the link takes to carry it), and the
 * two semaphore simcalls per frame were a third of a run's simcalls.
 */
struct chan_slot {
	struct rt_frame f;
	double arrive; /* SimGrid clock at which the receiver may have it */
};

struct rt_chan {
	struct sim_rt *srt;
	sg_host_t from, to;
	int dir; /* the link direction it crosses: [RT_SIDE_SRC] src->dst, [RT_SIDE_DST] dst->src */
	sg_sem_t arrived;    /* released once per frame queued while receivers wait */
	unsigned waiting;    /* receivers blocked on `arrived` */
	struct chan_slot *q; /* ring buffer */
	size_t cap, head, count;
	char name[];
};

/*
 * A transfer carried alone on its link direction, without SimGrid's network
 * model: a timed wait of bytes / bandwidth on `cut`, which a transfer
 * starting on the same direction before `end` releases (link_cut).
 */
struct alone_xfer {
	struct sim_rt *srt;
	double start, end; /* SimGrid clock */
	double bytes;
	double cut_at; /* when another transfer began, if it did */
	bool was_cut;
};

/*
 * One direction of the link.  With CM02 without factors and a zero SimGrid
 * latency (configure_models, struct rt_chan), a transfer that has the
 * direction to itself from start to end lasts exactly bytes / bandwidth: a
 * timed wait gives the same end date, bit for bit (test_sim_link), at a
 * fraction of the cost of a SimGrid communication.  So a transfer that finds
 * the direction idle, on the only channel of that direction (the main
 * stream without multifd channels, the return path), is carried as a timed
 * wait.  A second transfer that begins before it ends (another task sending
 * on the same channel) cuts it: the first hands the bytes it has left to
 * SimGrid and both share the link from that instant, as they would have all
 * along, except that SimGrid takes whole bytes: the rest is rounded to the
 * nearest byte (half a byte's time at most, 40 ps at 100 Gbit/s).  With
 * several channels in one direction (multifd) every transfer goes through
 * SimGrid, so those runs are unchanged.
 */
struct link_dir {
	unsigned channels;        /* channels of this rt crossing this direction */
	unsigned flows;           /* SimGrid transfers in progress (cut ones included) */
	struct alone_xfer *alone; /* the transfer carried alone, or NULL */
	sg_sem_t cut;             /* released to cut `alone` */
	double ahead_end;         /* end of the last frame sent ahead (chan_send_ahead), or 0 */
};

struct sim_rt {
	struct rt rt;
	struct sim_runtime_config cfg;
	struct sim_runtime_stats stats;
	struct link_dir link[2];            /* [RT_SIDE_SRC] src->dst, [RT_SIDE_DST] dst->src */
	double t0;                          /* SimGrid clock at the start of the current run */
	struct rt_task *tasks, *tasks_tail; /* the run's tasks not yet joined, in start order */
	unsigned free_stacks[2]; /* free stacks in each host's stack cache ([0] when shared) */
	unsigned ahead;          /* tasks running ahead (settle_task) */
};

/* The platform, built once per process. */
static int g_init_state; /* 0 not tried, 1 ready, -1 failed */
static sg_host_t g_host[2];
static sg_link_t g_link[2]; /* [RT_SIDE_SRC]: src->dst, [RT_SIDE_DST]: dst->src */
static struct sim_rt *g_running;

/*
 * SimGrid keeps absolute dates, so the same run started at two clock values
 * rounds differently (1e-16 s apart after a few runs) and the engine's
 * traces would not be bit-identical from one run to the next.  Every run
 * therefore starts on a whole second inside the binade [2^16, 2^17) s:
 * there all doubles share one spacing (2^-36 s, 15 ps) and the start is a
 * multiple of it, so every date of the run is start + the same rounded
 * offset, and differences of dates are exact (Sterbenz).  Runs are thus
 * bit-identical wherever they fall, at a 15 ps resolution, until a process
 * has simulated 2^16 s (18 h) in total; later runs move to the next binades
 * (twice coarser each) and are identical among themselves only.
 */
#define SIM_EPOCH_S 65536.0

static double run_start(void)
{
	double t = ceil(simgrid_get_clock());
	return t < SIM_EPOCH_S ? SIM_EPOCH_S : t;
}

/*
 * CPU work as it is done (sim_runtime_cpu_progress_hook): each charge in
 * progress is a struct cpu_charge of the run's list, with the part of it
 * already reported.  An execution on a host with cores progresses as
 * SimGrid's CPU model shares the host: n executions on c cores, each
 * bounded to one core and of equal weight, each run at min(1, c / n) cores
 * (max-min fairness), a rate that changes only when an execution starts or
 * has done its work, so the progress is advanced from one such date to the
 * next at each start and end of a charge and at each flush.  SimGrid's own
 * query, sg_exec_get_remaining, cannot serve at a flush: an execution that
 * ended at the flush's date while its task has not yet returned from its
 * wait has no model action any more, and the query crashes.  At its end a
 * charge reports all that it has not, and the largest error of this
 * progress is kept, for tests: the work of an execution not yet counted
 * done at its end, or the time by which it was counted done before the end
 * of one its task waited for at once.  A charge on a host without cores is
 * done at one core's speed from its start (a wait of its length, or a
 * chan_send_ahead's copy that may start later than now).  None of this
 * exists while the hook is off.
 */
struct cpu_charge {
	struct rt_task *t;
	int host; /* the host whose cores the execution shares, or -1: done at one
	           * core's speed from start */
	double start, cpu;
	double done;     /* an execution's, by g_host_at[host] */
	double done_at;  /* when done reached cpu, or NAN */
	bool waited;     /* its task waits for it at once (its end is its end) */
	double reported; /* to the hook */
};
static void (*progress_hook)(const char *task, enum rt_side side, double cpu_s);
static GPtrArray *g_charges; /* the run's charges in progress */
static double g_host_at[2];  /* date their progress was last advanced to */
static double g_mirror_error;

void sim_runtime_cpu_progress_hook(void (*fn)(const char *task, enum rt_side side, double cpu_s))
{
	progress_hook = fn;
	if (fn)
		g_mirror_error = 0;
}

double sim_runtime_cpu_progress_error(void)
{
	return g_mirror_error;
}

/* The executions on host h, advanced to now: n unfinished ones share its c
 * cores at min(1, c / n) each, and one that has done all its work stops
 * sharing them (its task may wait for something else before it sees the
 * end, as chan_send's copy waits for the link first). */
static void host_advance(int h)
{
	double now = simgrid_get_clock(), t = g_host_at[h], left = now - t;
	g_host_at[h] = now;
	if (!g_running || !g_charges)
		return;
	unsigned cores = g_running->cfg.host[h].cores;
	while (left > 0) {
		unsigned n = 0;
		double first = INFINITY; /* the soonest end, at full share */
		for (guint i = 0; i < g_charges->len; i++) {
			const struct cpu_charge *c = g_ptr_array_index(g_charges, i);
			if (c->host == h && c->done < c->cpu) {
				n++;
				first = fmin(first, c->cpu - c->done);
			}
		}
		if (!n)
			return;
		double rate = n <= cores ? 1.0 : (double)cores / n;
		double step = fmin(left, first / rate);
		for (guint i = 0; i < g_charges->len; i++) {
			struct cpu_charge *c = g_ptr_array_index(g_charges, i);
			if (c->host == h && c->done < c->cpu)
				c->done = c->cpu - c->done <= rate * step ? c->cpu
				                                          : c->done + rate * step;
			if (c->host == h && c->done >= c->cpu && isnan(c->done_at))
				c->done_at = t + step;
		}
		t += step;
		left -= step;
	}
}

static struct cpu_charge *charge_begin(double cpu_s, double start, bool exec, bool waited)
{
	if (!progress_hook || !g_running)
		return NULL;
	if (!g_charges)
		g_charges = g_ptr_array_new();
	struct cpu_charge *c = g_new(struct cpu_charge, 1);
	*c = (struct cpu_charge){sg_actor_self_get_data(), -1, start, cpu_s, 0, NAN, waited, 0};
	if (exec) {
		c->host = sg_host_self() == g_host[RT_SIDE_DST];
		host_advance(c->host);
	}
	g_ptr_array_add(g_charges, c);
	return c;
}

/* Report what of c was done by now (all of it: done). */
static void charge_report(struct cpu_charge *c, bool all)
{
	double done = all ? c->cpu : c->host >= 0 ? c->done : simgrid_get_clock() - c->start;
	if (done > c->cpu)
		done = c->cpu;
	if (done > c->reported) {
		progress_hook(c->t ? c->t->name : "?", c->t ? c->t->side : RT_SIDE_SRC,
		              done - c->reported);
		c->reported = done;
	}
}

static void charge_end(struct cpu_charge *c)
{
	if (!c)
		return;
	if (c->host >= 0) {
		host_advance(c->host);
		/* Behind SimGrid: CPU not yet counted done; ahead of it: done
		 * before an execution whose task waited for it at once ended. */
		double behind = c->cpu - c->done, ahead = c->waited && !isnan(c->done_at)
		                                              ? simgrid_get_clock() - c->done_at
		                                              : 0;
		g_mirror_error = fmax(g_mirror_error, fmax(behind, ahead));
	}
	charge_report(c, true);
	g_ptr_array_remove_fast(g_charges, c);
	g_free(c);
}

/* Every charge of task t, ended by now (its run-ahead copies, once it
 * caught up with them). */
static void charges_end_task(const struct rt_task *t)
{
	for (guint i = 0; g_charges && i < g_charges->len;) {
		struct cpu_charge *c = g_ptr_array_index(g_charges, i);
		if (c->t == t && c->host < 0)
			charge_end(c); /* moves the last one to i */
		else
			i++;
	}
}

void sim_runtime_cpu_flush(void)
{
	if (!g_running || !g_charges)
		return;
	host_advance(0);
	host_advance(1);
	for (guint i = 0; i < g_charges->len; i++)
		charge_report(g_ptr_array_index(g_charges, i), false);
}

static struct sim_rt *srt_of(struct rt *rt)
{
	return rt->priv;
}

/* Record what the calling task is about to block in, for the deadlock report. */
static struct rt_task *task_enter(const char *op, const char *obj)
{
	struct rt_task *t = sg_actor_self_get_data();
	if (t) {
		t->op = op;
		t->op_obj = obj;
	}
	return t;
}

static void task_leave(struct rt_task *t)
{
	if (t)
		t->op = NULL;
}

/*
 * Running ahead.  A task that sent with chan_send_ahead has not waited for
 * its frames: its own time is t->ahead, later than SimGrid's clock.  Every
 * op a task calls first catches up (settle): one wait until t->ahead, the
 * date at which it would have returned from its last send, so that what it
 * does next happens at that date, in a round of its own as before.
 */
static void settle_task(struct sim_rt *s, struct rt_task *t)
{
	if (!t || !(t->ahead > 0))
		return;
	double until = t->ahead;
	t->ahead = 0;
	s->ahead--;
	if (until > simgrid_get_clock()) {
		s->stats.sleeps++;
		sg_actor_sleep_until(until);
	}
	if (g_charges)
		charges_end_task(t);
}

/* Outside a run (no actor to ask) nobody is ahead; asking SimGrid which
 * task calls is left out too while nobody is. */
static void settle(struct sim_rt *s)
{
	if (s->ahead && g_running)
		settle_task(s, sg_actor_self_get_data());
}

static void sim_sleep(struct sim_rt *s, double seconds)
{
	settle(s);
	if (!(seconds > 0))
		return;
	s->stats.sleeps++;
	sg_actor_sleep_for(seconds);
}

/* The configuration of the calling task's end (its CPU costs); with a
 * shared host the cores are the source host's, where every task runs. */
static const struct sim_host_config *self_host(const struct sim_rt *s)
{
	const struct rt_task *t = sg_actor_self_get_data();
	return &s->cfg.host[t ? t->side : sg_host_self() == g_host[RT_SIDE_DST]];
}

/*
 * An execution of `cpu_s` seconds of one core on the calling actor's host,
 * started.  Each host's speed is cores x SIM_CORE_FLOPS (its pstate, set per
 * run) and every execution is bounded to SIM_CORE_FLOPS: this is how
 * SimGrid's CPU model (Cas01) itself treats a multicore host, a capacity of
 * cores x speed shared max-min fairly among executions each bounded to one
 * core's speed, with the core count per run rather than fixed by the
 * platform file.  Powers of two keep cpu_s x speed / speed exact.
 */
static void (*cpu_hook)(const char *task, double cpu_s);

void sim_runtime_cpu_hook(void (*fn)(const char *task, double cpu_s))
{
	cpu_hook = fn;
}

/* Count `cpu_s` of CPU work to the calling task. */
static void count_cpu(double cpu_s)
{
	struct rt_task *t = sg_actor_self_get_data();
	if (t)
		t->cpu_s += cpu_s;
}

static struct cpu_phases *g_phases;

static void phases_progress(const char *task, enum rt_side side, double cpu_s)
{
	char kind[64];
	cpu_task_name(side == RT_SIDE_DST, task, kind, sizeof kind);
	if (g_phases)
		cpu_phases_charge(g_phases, g_phases->phase, kind, cpu_s);
}

void sim_runtime_cpu_phases(struct cpu_phases *cp)
{
	g_phases = cp;
	sim_runtime_cpu_progress_hook(cp ? phases_progress : NULL);
}

void sim_runtime_cpu_phases_flush(struct cpu_phases *cp, int next)
{
	(void)cp;
	(void)next;
	sim_runtime_cpu_flush();
}

static sg_exec_t exec_start(struct sim_rt *s, double cpu_s, bool waited, struct cpu_charge **c)
{
	s->stats.computes++;
	count_cpu(cpu_s);
	sg_exec_t e = sg_actor_exec_init(cpu_s * SIM_CORE_FLOPS);
	sg_exec_set_bound(e, SIM_CORE_FLOPS);
	sg_exec_start(e);
	*c = charge_begin(cpu_s, simgrid_get_clock(), true, waited);
	return e;
}

/* CPU work of the calling task; a sleep on a host with unlimited cores. */
static void sim_compute(struct sim_rt *s, double cpu_s)
{
	settle(s);
	if (!(cpu_s > 0))
		return;
	struct cpu_charge *c;
	if (!self_host(s)->cores) {
		count_cpu(cpu_s);
		c = charge_begin(cpu_s, simgrid_get_clock(), false, false);
		sim_sleep(s, cpu_s);
	} else
		sg_exec_wait(exec_start(s, cpu_s, true, &c));
	charge_end(c);
}

/* ---- clock and tasks ---- */

static double op_now(struct rt *rt)
{
	settle(srt_of(rt));
	return simgrid_get_clock() - srt_of(rt)->t0;
}

/*
 * A sleep ends the host's wake latency late, as a real timer does; CPU work
 * on a host with unlimited cores (sim_compute) is not a timer and does not.
 * The timer also costs the sleeping task CPU (sleep_cpu: the system call
 * arming it, the wake-up switching the thread back in), spent as it wakes,
 * inside the lateness: alone on a core the sleep still ends when it did
 * without it (or after its CPU, if that is longer than the whole sleep),
 * but tasks whose sleeps end together wait for the cores to wake up, as
 * the real world's threads do.
 */
static void op_sleep(struct rt *rt, double seconds)
{
	struct sim_rt *s = srt_of(rt);
	settle(s);
	if (!(seconds > 0))
		return;
	const struct sim_host_config *h = self_host(s);
	double wait = seconds + h->wake_latency_s, cpu = h->sleep_cpu_s;
	if (!(cpu > 0)) {
		sim_sleep(s, wait);
		return;
	}
	sim_sleep(s, wait - cpu);
	sim_compute(s, cpu);
}

static void op_compute(struct rt *rt, double cpu_seconds)
{
	sim_compute(srt_of(rt), cpu_seconds);
}

static void task_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct rt_task *t = sg_actor_self_get_data();
	/* The task's own CPU (task_cpu): starting it, its bookkeeping, ending
	 * it.  Half before its work and half after, so that tasks started one
	 * after another contend with each other as they start, and tasks
	 * whose work ends at once (parallel transitions of equal arcs)
	 * contend as they end, as threads do on a real host. */
	double own = self_host(t->srt)->task_cpu_s / 2;
	sim_compute(t->srt, own);
	t->fn(t->arg);
	sim_compute(t->srt, own); /* settles a task that ran ahead */
	t->ended = 1;
	if (cpu_hook)
		cpu_hook(t->name, t->cpu_s);
}

static struct rt_task *task_start(struct sim_rt *s, enum rt_side side, const char *name,
                                  rt_task_fn fn, void *arg)
{
	size_t len = strlen(name);
	struct rt_task *t = calloc(1, sizeof *t + len + 1);
	if (!t)
		return NULL;
	memcpy(t->name, name, len + 1);
	t->srt = s;
	t->fn = fn;
	t->arg = arg;
	t->side = side;
	t->actor = sg_actor_init(t->name, g_host[side == RT_SIDE_DST && !s->cfg.shared_host]);
	sg_actor_ref(t->actor);
	sg_actor_set_data(t->actor, t);
	t->prev = s->tasks_tail;
	if (s->tasks_tail)
		s->tasks_tail->next = t;
	else
		s->tasks = t;
	s->tasks_tail = t;
	s->stats.spawns++;
	sg_actor_start(t->actor, task_main, 0, NULL);
	return t;
}

static void task_release(struct sim_rt *s, struct rt_task *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		s->tasks = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		s->tasks_tail = t->prev;
	sg_actor_unref(t->actor);
	free(t);
}

/* The host whose stack cache a task of `side` takes its stack from and
 * returns it to: one process, one cache, on a shared host. */
static int stack_host(const struct sim_rt *s, enum rt_side side)
{
	return s->cfg.shared_host ? RT_SIDE_SRC : (int)side;
}

static struct rt_task *op_spawn(struct rt *rt, enum rt_side side, const char *name, rt_task_fn fn,
                                void *arg)
{
	struct sim_rt *s = srt_of(rt);
	const struct sim_host_config *h = self_host(s);
	double cpu = h->has_thread_create ? h->thread_create_s : s->cfg.thread_create_s;
	/* The new task's stack: a free one from its host's stack cache, else
	 * a new mapping, which costs the caller more (docs/model.md, "Hosts
	 * and CPUs"). */
	unsigned *free_stacks = &s->free_stacks[stack_host(s, side)];
	bool reused = *free_stacks > 0;
	if (reused) {
		--*free_stacks;
	} else {
		s->stats.new_stacks++;
		cpu += h->thread_create_new_stack_s;
	}
	sim_compute(s, cpu);
	struct rt_task *t = task_start(s, side, name, fn, arg);
	/* A spawn that failed (out of memory) keeps no stack: the cache
	 * gets its stack back, or no new one was mapped. */
	if (!t && reused)
		++*free_stacks;
	else if (!t)
		s->stats.new_stacks--;
	/* The wall time a spawn costs its caller beyond its CPU: on a real
	 * host the new thread runs before the caller gets its core back
	 * (docs/model.md, "Hosts and CPUs"). */
	if (t && h->thread_create_wait_s > 0)
		sim_sleep(s, h->thread_create_wait_s);
	return t;
}

static void op_join(struct rt *rt, struct rt_task *task)
{
	struct sim_rt *s = srt_of(rt);
	settle(s);
	struct rt_task *self = task_enter("join of task", task->name);
	s->stats.joins++;
	sg_actor_join(task->actor, -1);
	task_leave(self);
	sim_compute(s, s->cfg.thread_join_s);
	/* Its stack goes to its host's cache, if the cache has room. */
	int sh = stack_host(s, task->side);
	if (s->free_stacks[sh] < s->cfg.host[sh].thread_stack_cache)
		s->free_stacks[sh]++;
	task_release(s, task);
}

/* ---- mutex ---- */

static struct rt_mutex *op_mutex_new(struct rt *rt)
{
	struct rt_mutex *m = malloc(sizeof *m);
	if (!m)
		return NULL;
	m->srt = srt_of(rt);
	m->m = sg_mutex_init();
	return m;
}

/*
 * A task that blocked (a semaphore with nothing to take, a lock held, an
 * event not set) spends the host's unblock_cpu as it resumes: the real
 * world's thread slept in the kernel and is switched back in.  One that
 * did not block spends nothing.
 */
static void unblocked(struct sim_rt *s)
{
	sim_compute(s, self_host(s)->unblock_cpu_s);
}

static void op_mutex_lock(struct rt_mutex *m)
{
	settle(m->srt);
	struct rt_task *self = task_enter("mutex_lock", NULL);
	m->srt->stats.sync_ops++;
	if (!(self_host(m->srt)->unblock_cpu_s > 0)) {
		sg_mutex_lock(m->m);
	} else if (!sg_mutex_try_lock(m->m)) {
		sg_mutex_lock(m->m);
		unblocked(m->srt);
	}
	task_leave(self);
}

static void op_mutex_unlock(struct rt_mutex *m)
{
	settle(m->srt);
	m->srt->stats.sync_ops++;
	sg_mutex_unlock(m->m);
}

static void op_mutex_free(struct rt_mutex *m)
{
	if (!m)
		return;
	sg_mutex_destroy(m->m);
	free(m);
}

/* ---- event ---- */

static struct rt_event *op_event_new(struct rt *rt)
{
	struct rt_event *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->srt = srt_of(rt);
	e->m = sg_mutex_init();
	e->c = sg_cond_init();
	return e;
}

/*
 * Without a waiter there is nothing for SimGrid to do.  A task that has
 * passed the fast path of wait but not yet entered sg_cond_wait cannot miss
 * this set: it re-checks under the mutex, and no other task runs between
 * that check and its cond_wait (actors are not preempted).
 */
static void op_event_set(struct rt_event *e)
{
	settle(e->srt);
	if (e->set)
		return;
	e->set = 1;
	e->gen++;
	if (e->waiters) {
		e->srt->stats.sync_ops++;
		sg_cond_notify_all(e->c);
	}
}

static void op_event_reset(struct rt_event *e)
{
	settle(e->srt);
	e->set = 0;
}

static void op_event_wait(struct rt_event *e)
{
	settle(e->srt);
	if (e->set)
		return;
	unsigned gen = e->gen;
	struct rt_task *self = task_enter("event_wait", NULL);
	e->waiters++;
	e->srt->stats.sync_ops += 2;
	sg_mutex_lock(e->m);
	while (!e->set && e->gen == gen) {
		e->srt->stats.sync_ops++;
		sg_cond_wait(e->c, e->m);
	}
	sg_mutex_unlock(e->m);
	e->waiters--;
	unblocked(e->srt);
	task_leave(self);
}

static void op_event_free(struct rt_event *e)
{
	if (!e)
		return;
	sg_cond_destroy(e->c);
	sg_mutex_destroy(e->m);
	free(e);
}

/* ---- semaphore ---- */

static struct rt_sem *op_sem_new(struct rt *rt, unsigned initial)
{
	struct rt_sem *s = malloc(sizeof *s);
	if (!s)
		return NULL;
	s->srt = srt_of(rt);
	s->s = sg_sem_init((int)initial);
	s->parked = 0;
	return s;
}

static void op_sem_acquire(struct rt_sem *s)
{
	settle(s->srt);
	struct rt_task *self = task_enter("sem_acquire", NULL);
	s->srt->stats.sync_ops++;
	bool blocks = sg_sem_would_block(s->s);
	if (blocks)
		s->parked++;
	sg_sem_acquire(s->s);
	if (blocks)
		unblocked(s->srt);
	task_leave(self);
}

/* The release itself; `claimed`: the caller already took one parked task
 * off the count (it is the one this release wakes). */
static void sem_post(struct rt_sem *s, bool claimed)
{
	s->srt->stats.sync_ops++;
	if (!claimed && s->parked)
		s->parked--; /* this release wakes the longest parked task */
	sg_sem_release(s->s);
}

/* The release of op_sem_release and op_wake, caught up (settle) first:
 * when `pays` and a task is parked, that task is claimed (a second
 * releaser meanwhile finds it taken) and the releaser is charged cost_s
 * before the release.  Whether a parked task was claimed. */
static bool wake_parked(struct rt_sem *s, bool pays, double cost_s)
{
	bool claim = pays && s->parked;
	if (claim) {
		s->parked--;
		sim_compute(s->srt, cost_s);
	}
	sem_post(s, claim);
	return claim;
}

/*
 * A release that wakes a parked task costs the releaser, on a host whose
 * profile measured it, that host's thread_wake: on the real world the
 * release is the same call as a pool hand-off (rt_wake), and with a task
 * parked its signal is a futex wake-up of another thread.  A release
 * nobody waits for costs nothing (the signal finds no waiter).  Without a
 * host's thread_wake (every shipped scenario) a release is free, as before.
 */
static void op_sem_release(struct rt_sem *s)
{
	/* Caught up first (a task that ran ahead sees the tasks parked by its
	 * present date), and the parked task claimed before the charge, which
	 * yields: a second releaser meanwhile finds it taken and pays nothing
	 * for it. */
	settle(s->srt);
	const struct sim_host_config *h = self_host(s->srt);
	wake_parked(s, h->has_thread_wake, h->thread_wake_s);
}

/*
 * A pool hand-off that wakes the parked worker: the waker pays the wake
 * (the host's thread_wake when it sets one, else the runtime's), as
 * spawn's caller pays the create, and then the host's wait beyond that
 * CPU, as spawn's.  The real world's hand-off is op_sem_release's call (a
 * condition signal): it costs a futex wake-up only when the worker is
 * parked, so a hand-off to a worker not yet parked (still starting, or
 * still finishing its last job) is free, as such a release is.  The worker
 * is claimed before the charge, as op_sem_release does.
 */
static void op_wake(struct rt *rt, struct rt_sem *sem)
{
	struct sim_rt *s = srt_of(rt);
	settle(s);
	const struct sim_host_config *h = self_host(s);
	bool claim =
	    wake_parked(sem, true, h->has_thread_wake ? h->thread_wake_s : s->cfg.thread_wake_s);
	if (claim && h->thread_wake_wait_s > 0)
		sim_sleep(s, h->thread_wake_wait_s);
}

static void op_sem_free(struct rt_sem *s)
{
	if (!s)
		return;
	sg_sem_destroy(s->s);
	free(s);
}

/* ---- barrier ---- */

/* NULL when count is 0 (SimGrid would abort) or on ENOMEM. */
static struct rt_barrier *op_barrier_new(struct rt *rt, unsigned count)
{
	if (count == 0)
		return NULL;
	struct rt_barrier *b = malloc(sizeof *b);
	if (!b)
		return NULL;
	b->srt = srt_of(rt);
	b->b = sg_barrier_init(count);
	return b;
}

static void op_barrier_wait(struct rt_barrier *b)
{
	settle(b->srt);
	struct rt_task *self = task_enter("barrier_wait", NULL);
	b->srt->stats.sync_ops++;
	sg_barrier_wait(b->b);
	task_leave(self);
}

static void op_barrier_free(struct rt_barrier *b)
{
	if (!b)
		return;
	sg_barrier_destroy(b->b);
	free(b);
}

/* ---- channels ---- */

static struct rt_chan *op_chan_new(struct rt *rt, enum rt_side from, const char *name)
{
	size_t len = strlen(name);
	struct rt_chan *c = calloc(1, sizeof *c + len + 1);
	if (!c)
		return NULL;
	memcpy(c->name, name, len + 1);
	c->srt = srt_of(rt);
	c->dir = from == RT_SIDE_DST;
	c->srt->link[c->dir].channels++;
	if (simgrid_get_clock() < c->srt->link[c->dir].ahead_end)
		c->srt->stats.ahead_overlaps++;
	c->from = g_host[c->dir];
	c->to = g_host[!c->dir];
	c->arrived = sg_sem_init(0);
	return c;
}

/* Queue `f` (reserved by chan_reserve), for the receiver at SimGrid clock `arrive`. */
static void chan_push(struct rt_chan *c, const struct rt_frame *f, double arrive)
{
	struct chan_slot *slot = &c->q[(c->head + c->count) % c->cap];
	slot->f = *f;
	slot->f.data = NULL; /* sizes travel in sim, not bytes */
	slot->arrive = arrive;
	c->count++;
	if (c->waiting)
		sg_sem_release(c->arrived);
}

/* Room for one more frame, made before the transfer so that a failure costs no time. */
static int chan_reserve(struct rt_chan *c)
{
	if (c->count < c->cap)
		return 0;
	size_t cap = c->cap ? 2 * c->cap : 16;
	struct chan_slot *q = malloc(cap * sizeof *q);
	if (!q)
		return -ENOMEM;
	for (size_t i = 0; i < c->count; i++)
		q[i] = c->q[(c->head + i) % c->cap];
	free(c->q);
	c->q = q;
	c->cap = cap;
	c->head = 0;
	return 0;
}

/* A transfer begins on `l` while the one carried alone is still under way:
 * from now on both go through SimGrid (the cut one counted as of now, so
 * that a third transfer at this instant sees the link shared). */
static void link_cut(struct link_dir *l)
{
	l->alone->cut_at = simgrid_get_clock();
	l->alone->was_cut = true;
	l->alone->srt->stats.cut++;
	l->alone = NULL;
	l->flows++;
	sg_sem_release(l->cut);
}

/* `bytes` from c->from to c->to; returns when the last byte is out. */
static void link_transfer(struct sim_rt *s, struct rt_chan *c, double bytes)
{
	struct link_dir *l = &s->link[c->dir];
	double now = simgrid_get_clock();
	if (now < l->ahead_end)
		s->stats.ahead_overlaps++; /* another sender during a run ahead: see
		                              op_chan_send_ahead */
	if (l->alone && now < l->alone->end)
		link_cut(l);
	else if (l->alone)
		l->alone = NULL; /* ended at this instant; its task has not run yet */
	if (l->flows || l->channels > 1) {
		l->flows++;
		sg_host_sendto(c->from, c->to, bytes);
		l->flows--;
		return;
	}
	double dt = bytes / s->cfg.bandwidth_Bps;
	struct alone_xfer x = {.srt = s, .start = now, .end = now + dt, .bytes = bytes};
	l->alone = &x;
	s->stats.alone++;
	/* A token no cut of this transfer left (none is expected: a cut
	 * happens only before `end`, while this task waits) is consumed and
	 * the wait resumed, so that the end date never depends on one. */
	for (double wait = dt; sg_sem_acquire_timeout(l->cut, wait) == 0 && !x.was_cut;)
		wait = x.end - simgrid_get_clock();
	if (!x.was_cut) {
		if (l->alone == &x)
			l->alone = NULL;
		return;
	}
	/* Cut: the rest shares the link with the transfer that cut it
	 * (link_cut counted it in l->flows). */
	double left = round(x.bytes - (x.cut_at - x.start) * s->cfg.bandwidth_Bps);
	if (left > 0)
		sg_host_sendto(c->from, c->to, left);
	l->flows--;
}

static int op_chan_send(struct rt_chan *c, const struct rt_frame *f)
{
	settle(c->srt);
	int rc = chan_reserve(c);
	if (rc)
		return rc;
	struct rt_task *self = task_enter("send on channel", c->name);
	struct sim_rt *s = c->srt;
	double bytes = (double)RT_FRAME_HEADER_BYTES + (double)f->bytes;
	/* The copy into the socket (its bytes, and the frame's own system
	 * calls) runs while the link carries the bytes, as the real world's
	 * write then wait for the link: the send lasts as long as the longer
	 * of the two. */
	double cpu_s =
	    bytes * self_host(s)->send_cpu_s_per_byte + self_host(s)->send_cpu_s_per_frame;
	sg_exec_t copy = NULL;
	struct cpu_charge *charge = NULL;
	double copied_at = 0;
	if (cpu_s > 0 && self_host(s)->cores)
		copy = exec_start(s, cpu_s, false, &charge);
	else if (cpu_s > 0) {
		copied_at = simgrid_get_clock() + cpu_s;
		count_cpu(cpu_s);
		charge = charge_begin(cpu_s, simgrid_get_clock(), false, false);
	}
	s->stats.sends++;
	link_transfer(s, c, bytes);
	double departed = simgrid_get_clock();
	if (copy)
		sg_exec_wait(copy);
	else if (copied_at > simgrid_get_clock()) {
		s->stats.sleeps++;
		sg_actor_sleep_until(copied_at);
	}
	charge_end(charge);
	task_leave(self);
	chan_push(c, f, simgrid_get_clock() + c->srt->cfg.latency_s);
	/* The real world's sender sleeps until its frame has left (the link's
	 * pace): a timer, which wakes it the host's wake latency late, unless
	 * its copy ran past the departure (then it does not wait). */
	double late = departed + self_host(s)->wake_latency_s;
	if (self_host(s)->wake_latency_s > 0 && late > simgrid_get_clock()) {
		s->stats.sleeps++;
		sg_actor_sleep_until(late);
	}
	return 0;
}

/*
 * chan_send's frame, carried as a run ahead (see settle_task) when it would
 * be alone on its direction: the only channel of the direction, no transfer
 * on it, none carried alone still under way, the copy a wait (no cores), and
 * no wake latency on either host (chan_send's sender then sleeps past the
 * departure, and a receiver that sees a frame in flight wakes late), and a
 * link latency above 0 (with none, the receiver's wake at the arrival and
 * the sender's catch-up fall on one date, and SimGrid runs the two in
 * another order than chan_send's: the same dates, the trace in another
 * order).
 * Then the frame's end is computed as SimGrid would reach it, exactly: the
 * transfer's timed wait ends at start + bytes / bandwidth (start + its
 * duration is the date SimGrid's lazy CPU model keeps for it, and the clock
 * moves to that date exactly, differences of dates in one binade being
 * exact), and the copy's wait at start + cpu, the send at the later of the
 * two.  The frame is queued at once with that end plus the latency as its
 * arrival: a receiver that takes it waits until then, as it would have
 * after being woken at the end (op_chan_recv).  So the frame's dates and
 * the receiver's are chan_send's; the sender's next op waits for the end.
 */
static int op_chan_send_ahead(struct rt_chan *c, const struct rt_frame *f)
{
	struct sim_rt *s = c->srt;
	struct rt_task *t = sg_actor_self_get_data();
	struct link_dir *l = &s->link[c->dir];
	const struct sim_host_config *h = self_host(s);
	double bytes = (double)RT_FRAME_HEADER_BYTES + (double)f->bytes;
	double cpu_s = bytes * h->send_cpu_s_per_byte + h->send_cpu_s_per_frame;
	double start = t && t->ahead > 0 ? t->ahead : simgrid_get_clock();
	if (!t || l->channels != 1 || l->flows || (cpu_s > 0 && h->cores) ||
	    !(s->cfg.latency_s > 0) || s->cfg.host[RT_SIDE_SRC].wake_latency_s > 0 ||
	    s->cfg.host[RT_SIDE_DST].wake_latency_s > 0 || (l->alone && start < l->alone->end))
		return op_chan_send(c, f);
	int rc = chan_reserve(c);
	if (rc)
		return rc;
	l->alone = NULL; /* ended by `start` */
	s->stats.sends++;
	s->stats.alone++;
	s->stats.ahead++;
	double end = start + bytes / s->cfg.bandwidth_Bps;
	if (cpu_s > 0) {
		count_cpu(cpu_s); /* as chan_send's copy on a host without cores */
		charge_begin(cpu_s, start, false, false); /* ended as t catches up */
	}
	if (cpu_s > 0 && start + cpu_s > end)
		end = start + cpu_s;
	if (!(t->ahead > 0))
		s->ahead++;
	t->ahead = end;
	l->ahead_end = end;
	chan_push(c, f, end + s->cfg.latency_s);
	return 0;
}

static int op_chan_recv(struct rt_chan *c, struct rt_frame *f)
{
	settle(c->srt);
	struct rt_task *self = task_enter("recv on channel", c->name);
	c->srt->stats.recvs++;
	/* A release may wake this task after another receiver took the frame
	 * (or leave a token a later wait consumes): check again. */
	while (!c->count) {
		c->waiting++;
		sg_sem_acquire(c->arrived);
		c->waiting--;
	}
	/* Waiting for the frame's arrival is a timer in the real world too:
	 * it ends the host's wake latency late. */
	double arrive = c->q[c->head].arrive;
	if (arrive > simgrid_get_clock()) {
		c->srt->stats.sleeps++;
		sg_actor_sleep_until(arrive + self_host(c->srt)->wake_latency_s);
	}
	task_leave(self);
	*f = c->q[c->head].f;
	c->head = (c->head + 1) % c->cap;
	c->count--;
	const struct sim_host_config *h = self_host(c->srt);
	sim_compute(c->srt,
	            ((double)RT_FRAME_HEADER_BYTES + (double)f->bytes) * h->recv_cpu_s_per_byte +
	                h->recv_cpu_s_per_frame);
	return 0;
}

static void op_chan_free(struct rt_chan *c)
{
	if (!c)
		return;
	c->srt->link[c->dir].channels--;
	sg_sem_destroy(c->arrived);
	free(c->q);
	free(c);
}

static const struct rt_ops sim_ops = {
    .now = op_now,
    .sleep = op_sleep,
    .compute = op_compute,
    .spawn = op_spawn,
    .join = op_join,
    .wake = op_wake,
    .mutex_new = op_mutex_new,
    .mutex_lock = op_mutex_lock,
    .mutex_unlock = op_mutex_unlock,
    .mutex_free = op_mutex_free,
    .event_new = op_event_new,
    .event_set = op_event_set,
    .event_reset = op_event_reset,
    .event_wait = op_event_wait,
    .event_free = op_event_free,
    .sem_new = op_sem_new,
    .sem_acquire = op_sem_acquire,
    .sem_release = op_sem_release,
    .sem_free = op_sem_free,
    .barrier_new = op_barrier_new,
    .barrier_wait = op_barrier_wait,
    .barrier_free = op_barrier_free,
    .chan_new = op_chan_new,
    .chan_send = op_chan_send,
    .chan_recv = op_chan_recv,
    .chan_free = op_chan_free,
    .chan_send_ahead = op_chan_send_ahead,
};

/* ---- engine and platform ---- */

/*
 * SimGrid's default network model (LV08) multiplies latency by 13.01 and
 * bandwidth by 0.97 and weighs flows by route; CM02 without factors is the
 * plain fluid model: one transfer of B bytes takes latency + B / bandwidth,
 * concurrent flows share max-min fairly (equal latency gives equal shares).
 * Cross-traffic would charge 5% of every flow to the reverse direction.  The
 * TCP window bounds a flow to TCP-gamma / (2 latency), 2 GB/s at 1 ms with
 * the default 4 MiB: made large enough never to bind.
 */
static void configure_models(void)
{
	sg_cfg_set_string("network/model", "CM02");
	sg_cfg_set_double("network/latency-factor", 1.0);
	sg_cfg_set_double("network/bandwidth-factor", 1.0);
	sg_cfg_set_double("network/weight-S", 0.0);
	sg_cfg_set_boolean("network/crosstraffic", "no");
	sg_cfg_set_double("network/TCP-gamma", 1e30);
}

/*
 * SPLITDUPLEX makes "wire" two links, wire_UP (src->dst) and wire_DOWN
 * (dst->src), so the return path never shares the forward bandwidth.  The
 * link's values are placeholders: every run sets its own.  Each host has
 * one pstate per core count, pstate k running at (k + 1) x SIM_CORE_FLOPS
 * (see exec_start); a run selects its hosts' pstates.
 */
static GString *platform_xml(void)
{
	GString *speeds = g_string_new(NULL);
	for (unsigned k = 1; k <= SIM_MAX_CORES; k++)
		g_string_append_printf(speeds, "%s%.0ff", k > 1 ? "," : "",
		                       (double)k * SIM_CORE_FLOPS);
	GString *x = g_string_new(NULL);
	g_string_printf(
	    x,
	    "<?xml version='1.0'?>\n"
	    "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
	    "<platform version=\"4.1\">\n"
	    "  <zone id=\"switchover\" routing=\"Full\">\n"
	    "    <host id=\"src\" speed=\"%s\"/>\n"
	    "    <host id=\"dst\" speed=\"%s\"/>\n"
	    "    <link id=\"wire\" bandwidth=\"1GBps\" latency=\"0\" "
	    "sharing_policy=\"SPLITDUPLEX\"/>\n"
	    "    <route src=\"src\" dst=\"dst\"><link_ctn id=\"wire\" direction=\"UP\"/></route>\n"
	    "  </zone>\n"
	    "</platform>\n",
	    speeds->str, speeds->str);
	g_string_free(speeds, TRUE);
	return x;
}

static int load_platform(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	if (!dir || !*dir)
		dir = "/tmp";
	if (snprintf(path, sizeof path, "%s/switchover-platform-XXXXXX", dir) >= (int)sizeof path)
		return -1;
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	GString *xml = platform_xml();
	ssize_t n = write(fd, xml->str, xml->len);
	bool written = n == (ssize_t)xml->len;
	g_string_free(xml, TRUE);
	if (close(fd) != 0 || !written) {
		unlink(path);
		return -1;
	}
	simgrid_load_platform(path);
	unlink(path);
	g_host[RT_SIDE_SRC] = sg_host_by_name("src");
	g_host[RT_SIDE_DST] = sg_host_by_name("dst");
	g_link[RT_SIDE_SRC] = sg_link_by_name("wire_UP");
	g_link[RT_SIDE_DST] = sg_link_by_name("wire_DOWN");
	return g_host[0] && g_host[1] && g_link[0] && g_link[1] ? 0 : -1;
}

int sim_runtime_global_init(void)
{
	if (g_init_state)
		return g_init_state > 0 ? 0 : -1;
	/* simgrid_init removes the options it parses from argv, which must
	 * therefore be writable.  Logging is set first so that the
	 * configuration changes are not reported on stderr. */
	static char arg0[] = "switchover";
	static char arg_log[] = "--log=root.thres:critical";
	static char arg_ctx[] = "--cfg=contexts/factory:" SIM_CONTEXT_FACTORY;
	/* No guard page under each actor's stack: mprotect splits every stack
	 * into two mappings, and vm.max_map_count (65530 by default) then ran
	 * out between 16,000 and 24,000 devices ("Failed to protect stack",
	 * issue 17, defect 6) although 65,536 are valid.  Unguarded stacks are
	 * plain allocations the kernel merges; the actors' frames are small. */
	static char arg_guard[] = "--cfg=contexts/guard-size:0";
	/* Unguarded, each actor's stack is calloc'd.  glibc serves a block
	 * that large from fresh zero pages of its own mapping (nothing to
	 * clear, and only the pages a task touches are memory) until the
	 * first such block is freed; then it raises its mmap threshold above
	 * that size and serves the next ones from the heap, cleared by a
	 * memset of the whole stack: 8 MiB (SimGrid's default) per task was
	 * 90% of a 4-VF run's instructions, and 20,000 parallel devices took
	 * 11 GiB.  A fixed threshold keeps every stack a mapping of its own
	 * (the kernel merges neighbours, so vm.max_map_count is not the
	 * limit), and the stacks are the 256 KiB of the real world's threads
	 * (DEFAULT_STACK_BYTES in real/rt_pthread.c), which run the same
	 * engine code. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	static char arg_stack[] = "--cfg=contexts/stack-size:256";
	static char *argv[] = {arg0, arg_log, arg_ctx, arg_guard, arg_stack, NULL};
	int argc = 5;
	/* SimGrid's SIGINT handler prints the actors and calls exit(1): the
	 * caller's Ctrl-C handling (or the default) is kept instead. */
	struct sigaction old_int;
	sigaction(SIGINT, NULL, &old_int);
	simgrid_init(&argc, argv);
	sigaction(SIGINT, &old_int, NULL);
	/* Deadlocks are reported by sim_runtime_run, with task names.  The
	 * category must be initialised (ISENABLED does it) or its first use
	 * would reset the threshold to the inherited one. */
	(void)XBT_LOG_ISENABLED(ker_engine, xbt_log_priority_critical);
	xbt_log_threshold_set(&_XBT_LOGV(ker_engine), xbt_log_priority_infinite);
	configure_models();
	g_init_state = load_platform() == 0 ? 1 : -1;
	return g_init_state > 0 ? 0 : -1;
}

/* ---- runs ---- */

struct rt *sim_runtime_new(const struct sim_runtime_config *cfg)
{
	struct sim_rt *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->cfg = *cfg;
	s->rt.ops = &sim_ops;
	s->rt.priv = s;
	s->rt.carries_data = 0;
	return &s->rt;
}

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int rc,
                                                      const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static bool config_ok(const struct sim_runtime_config *c, char *why, size_t len)
{
	const struct rt_config_number v[] = {
	    {"bandwidth_Bps", c->bandwidth_Bps, true, NULL},
	    {"latency_s", c->latency_s, false, NULL},
	    {"thread_create_s", c->thread_create_s, false, NULL},
	    {"thread_join_s", c->thread_join_s, false, NULL},
	    {"thread_wake_s", c->thread_wake_s, false, NULL},
	    {"host[0].send_cpu_s_per_byte", c->host[0].send_cpu_s_per_byte, false, NULL},
	    {"host[0].recv_cpu_s_per_byte", c->host[0].recv_cpu_s_per_byte, false, NULL},
	    {"host[1].send_cpu_s_per_byte", c->host[1].send_cpu_s_per_byte, false, NULL},
	    {"host[1].recv_cpu_s_per_byte", c->host[1].recv_cpu_s_per_byte, false, NULL},
	    {"host[0].wake_latency_s", c->host[0].wake_latency_s, false, NULL},
	    {"host[1].wake_latency_s", c->host[1].wake_latency_s, false, NULL},
	    {"host[0].task_cpu_s", c->host[0].task_cpu_s, false, NULL},
	    {"host[1].task_cpu_s", c->host[1].task_cpu_s, false, NULL},
	    {"host[0].sleep_cpu_s", c->host[0].sleep_cpu_s, false, NULL},
	    {"host[1].sleep_cpu_s", c->host[1].sleep_cpu_s, false, NULL},
	    {"host[0].unblock_cpu_s", c->host[0].unblock_cpu_s, false, NULL},
	    {"host[1].unblock_cpu_s", c->host[1].unblock_cpu_s, false, NULL},
	    {"host[0].send_cpu_s_per_frame", c->host[0].send_cpu_s_per_frame, false, NULL},
	    {"host[1].send_cpu_s_per_frame", c->host[1].send_cpu_s_per_frame, false, NULL},
	    {"host[0].recv_cpu_s_per_frame", c->host[0].recv_cpu_s_per_frame, false, NULL},
	    {"host[1].recv_cpu_s_per_frame", c->host[1].recv_cpu_s_per_frame, false, NULL},
	    {"host[0].thread_create_s", c->host[0].thread_create_s, false, NULL},
	    {"host[1].thread_create_s", c->host[1].thread_create_s, false, NULL},
	    {"host[0].thread_wake_s", c->host[0].thread_wake_s, false, NULL},
	    {"host[1].thread_wake_s", c->host[1].thread_wake_s, false, NULL},
	    {"host[0].thread_create_wait_s", c->host[0].thread_create_wait_s, false, NULL},
	    {"host[1].thread_create_wait_s", c->host[1].thread_create_wait_s, false, NULL},
	    {"host[0].thread_wake_wait_s", c->host[0].thread_wake_wait_s, false, NULL},
	    {"host[1].thread_wake_wait_s", c->host[1].thread_wake_wait_s, false, NULL},
	    {"host[0].thread_create_new_stack_s", c->host[0].thread_create_new_stack_s, false,
	     NULL},
	    {"host[1].thread_create_new_stack_s", c->host[1].thread_create_new_stack_s, false,
	     NULL},
	};
	for (int h = 0; h < 2; h++)
		if (c->host[h].cores > SIM_MAX_CORES) {
			snprintf(why, len, "host[%d].cores is %u: expected 0 (unlimited) to %u", h,
			         c->host[h].cores, SIM_MAX_CORES);
			return false;
		}
	return rt_config_ok(v, sizeof(v) / sizeof(v[0]), why, len);
}

/* "deadlock at t=...: N task(s) blocked forever: 'a' in recv on channel 'x', ..." */
static void report_deadlock(const struct sim_rt *s, unsigned blocked, char *err, size_t errlen)
{
	if (!err || !errlen)
		return;
	GString *msg = g_string_new(NULL);
	g_string_printf(msg, "deadlock at t=%.9f s: %u task(s) blocked forever:",
	                simgrid_get_clock() - s->t0, blocked);
	const char *sep = " ";
	for (const struct rt_task *t = s->tasks; t; t = t->next) {
		if (t->ended)
			continue;
		g_string_append_printf(msg, "%s'%s' in %s", sep, t->name,
		                       t->op ? t->op : "a wait outside this runtime");
		if (t->op && t->op_obj)
			g_string_append_printf(msg, " '%s'", t->op_obj);
		sep = ", ";
	}
	g_strlcpy(err, msg->str, errlen);
	g_string_free(msg, TRUE);
}

int sim_runtime_run(struct rt *rt, rt_task_fn fn, void *arg, char *err, size_t errlen)
{
	struct sim_rt *s = srt_of(rt);
	if (err && errlen)
		err[0] = '\0';
	if (sim_runtime_global_init() != 0)
		return fail(err, errlen, -EIO,
		            "SimGrid could not be initialised: the platform file could not be "
		            "written (check TMPDIR)");
	if (g_running)
		return fail(err, errlen, -EBUSY,
		            "a SimGrid run is already in progress in this process; runs cannot "
		            "nest or overlap");
	char bad[128];
	if (!config_ok(&s->cfg, bad, sizeof(bad)))
		return fail(err, errlen, -EINVAL, "invalid sim runtime configuration: %s", bad);
	for (int d = 0; d < 2; d++) {
		sg_link_set_bandwidth(g_link[d], s->cfg.bandwidth_Bps);
		sg_link_set_latency(g_link[d], 0); /* applied per channel: see struct rt_chan */
		unsigned cores = s->cfg.host[d].cores;
		sg_host_set_pstate(g_host[d], cores ? cores - 1 : 0);
	}
	for (int d = 0; d < 2; d++) {
		s->link[d].flows = 0;
		s->link[d].alone = NULL;
		s->link[d].ahead_end = 0;
		if (!s->link[d].cut)
			s->link[d].cut = sg_sem_init(0);
	}
	simgrid_run_until(run_start()); /* no actors: only moves the clock */
	s->t0 = simgrid_get_clock();
	s->ahead = 0;
	s->free_stacks[0] = s->free_stacks[1] = 0; /* a process that has joined no thread */
	if (!task_start(s, RT_SIDE_SRC, "root", fn, arg))
		return fail(err, errlen, -ENOMEM, "out of memory starting the root task");
	g_host_at[0] = g_host_at[1] = simgrid_get_clock();
	g_running = s;
	simgrid_run();
	/* Charges left are those of tasks SimGrid killed: what they did until
	 * the last flush was reported, the rest was never done. */
	while (g_charges && g_charges->len) {
		g_free(g_ptr_array_index(g_charges, 0));
		g_ptr_array_remove_index_fast(g_charges, 0);
	}
	g_running = NULL;

	/* Tasks never joined (the root, or ended ones the engine did not join)
	 * are released here; any that did not end were killed by SimGrid. */
	unsigned blocked = 0;
	for (const struct rt_task *t = s->tasks; t; t = t->next)
		blocked += !t->ended;
	if (blocked)
		report_deadlock(s, blocked, err, errlen);
	while (s->tasks)
		task_release(s, s->tasks);
	return blocked ? -EDEADLK : 0;
}

void sim_runtime_get_stats(const struct rt *rt, struct sim_runtime_stats *out)
{
	*out = ((const struct sim_rt *)rt->priv)->stats;
}

void sim_runtime_free(struct rt *rt)
{
	if (!rt)
		return;
	struct sim_rt *s = srt_of(rt);
	for (int d = 0; d < 2; d++)
		if (s->link[d].cut)
			sg_sem_destroy(s->link[d].cut);
	free(s);
}
