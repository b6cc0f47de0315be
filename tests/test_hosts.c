/*
 * test_hosts.c - hosts with CPUs (docs/model.md "Hosts and CPUs"), against
 * exact simulated times: CPU work shares a host's cores max-min (SimGrid's
 * CPU model), a send's copy overlaps the link, a receive's copy follows the
 * frame, a frame's own CPU (send/recv_cpu_per_frame) joins its copy's, a
 * spawn's cost is CPU work that contends, so is each task's own
 * (task_cpu, half as it starts, half as it ends), a device data read's own
 * CPU (device_read_cpu) adds to the read and a write's (device_write_cpu)
 * runs inside the load's time, a read that finds no data costs
 * device_read_end_cpu instead, a sleep ends the host's wake latency late
 * and its CPU (sleep_cpu) is spent inside that lateness as it wakes, a
 * task that blocked spends unblock_cpu as it resumes, a host's thread_create
 * and thread_wake replace the runtime's and their waits follow them, a hand-off to a worker not
 * yet parked is free, a plain release that wakes
 * a parked task costs the releaser thread_wake (no wait); a host without the per-frame
 * and per-call keys computes what one with them at 0 does, bit for bit; a host with enough cores
 * changes nothing, bit for bit; 64 devices whose arcs are CPU work on 2 cores take at least their
 * CPU time over 2; host profiles load by name and their errors name their own file, line and key;
 * what `profile show` prints of a host profile (its keys as written, what each is).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "host_profile.h"
#include "migration.h"
#include "scenario_load.h"
#include "scenario_schema.h"
#include "sim_device.h"
#include "sim_runtime.h"
#include "sim_world.h"
#include "summary.h"
#include "test_util.h"

#define HDR ((double)RT_FRAME_HEADER_BYTES)

static struct rt *rt_of(const struct sim_runtime_config *cfg)
{
	CU_ASSERT_FATAL(sim_runtime_global_init() == 0);
	struct rt *rt = sim_runtime_new(cfg);
	CU_ASSERT_FATAL(rt != NULL);
	return rt;
}

static void run_ok(struct rt *rt, rt_task_fn fn, void *arg)
{
	char err[512];
	int rc = sim_runtime_run(rt, fn, arg, err, sizeof err);
	if (rc)
		fprintf(stderr, "sim_runtime_run: %d %s\n", rc, err);
	CU_ASSERT_EQUAL(rc, 0);
}

/* ---- the runtime ---- */

#define N_WORKERS 4

struct cpu_ctx {
	struct rt *rt;
	enum rt_side side;
	double cpu_s, sleep_s; /* each burner's CPU work, then its sleep */
	double end[N_WORKERS];
	int next;
	double joined; /* when the root had joined them all */
};

static void burner(void *arg)
{
	struct cpu_ctx *c = arg;
	int me = c->next++; /* actors run one at a time */
	rt_compute(c->rt, c->cpu_s);
	rt_sleep(c->rt, c->sleep_s);
	c->end[me] = rt_now(c->rt);
}

static void spawn_burners(void *arg)
{
	struct cpu_ctx *c = arg;
	struct rt_task *t[N_WORKERS];
	for (int i = 0; i < N_WORKERS; i++)
		t[i] = rt_spawn(c->rt, c->side, "burner", burner, c);
	for (int i = 0; i < N_WORKERS; i++)
		rt_join(c->rt, t[i]);
}

/* 4 tasks of 1 s of CPU: 2 cores take 2 s, 4 cores or unlimited 1 s; the
 * other host's cores do not help. */
static void test_cores_are_shared(void)
{
	static const struct {
		enum rt_side side;
		unsigned src_cores, dst_cores;
		double end;
	} cases[] = {
	    {RT_SIDE_SRC, 2, 0, 2.0}, {RT_SIDE_SRC, 4, 1, 1.0}, {RT_SIDE_SRC, 0, 1, 1.0},
	    {RT_SIDE_DST, 0, 2, 2.0}, {RT_SIDE_DST, 1, 1, 4.0}, {RT_SIDE_DST, 64, 8, 1.0},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 1e9};
		cfg.host[RT_SIDE_SRC].cores = cases[k].src_cores;
		cfg.host[RT_SIDE_DST].cores = cases[k].dst_cores;
		struct cpu_ctx c = {.rt = rt_of(&cfg), .side = cases[k].side, .cpu_s = 1.0};
		run_ok(c.rt, spawn_burners, &c);
		for (int i = 0; i < N_WORKERS; i++)
			CU_ASSERT_EQUAL(c.end[i], cases[k].end);
		sim_runtime_free(c.rt);
	}
}

/* Two burners on each end, 1 s of CPU each: on two hosts of 2 cores every
 * burner ends at 1 s; on one shared machine of 2 cores the four share them
 * and end at 2 s (the same as 4 burners on one end). */
static void spawn_both_ends(void *arg)
{
	struct cpu_ctx *c = arg;
	struct rt_task *t[N_WORKERS];
	for (int i = 0; i < N_WORKERS; i++)
		t[i] = rt_spawn(c->rt, i % 2 ? RT_SIDE_DST : RT_SIDE_SRC, "burner", burner, c);
	for (int i = 0; i < N_WORKERS; i++)
		rt_join(c->rt, t[i]);
}

static void test_shared_host(void)
{
	for (int shared = 0; shared < 2; shared++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 1e9, .shared_host = shared};
		cfg.host[RT_SIDE_SRC].cores = cfg.host[RT_SIDE_DST].cores = 2;
		struct cpu_ctx c = {.rt = rt_of(&cfg), .cpu_s = 1.0};
		run_ok(c.rt, spawn_both_ends, &c);
		for (int i = 0; i < N_WORKERS; i++)
			CU_ASSERT_EQUAL(c.end[i], shared ? 2.0 : 1.0);
		sim_runtime_free(c.rt);
	}
}

/* A spawn's thread_create_s is CPU work of the caller: on 1 core, burner i
 * (started when spawn i ends) shares the core with spawn i+1, so both take
 * 2 s; the last burner has the core alone.  Unlimited cores: spawns end at
 * 1, 2, 3, 4 s and each burner 1 s later. */
static void test_spawn_cost_contends(void)
{
	struct sim_runtime_config cfg = {.bandwidth_Bps = 1e9, .thread_create_s = 1.0};
	cfg.host[RT_SIDE_SRC].cores = 1;
	struct cpu_ctx c = {.rt = rt_of(&cfg), .side = RT_SIDE_SRC, .cpu_s = 1.0};
	run_ok(c.rt, spawn_burners, &c);
	static const double on_one_core[N_WORKERS] = {3, 5, 7, 8};
	for (int i = 0; i < N_WORKERS; i++)
		CU_ASSERT_EQUAL(c.end[i], on_one_core[i]);
	sim_runtime_free(c.rt);

	cfg.host[RT_SIDE_SRC].cores = 0;
	struct cpu_ctx u = {.rt = rt_of(&cfg), .side = RT_SIDE_SRC, .cpu_s = 1.0};
	run_ok(u.rt, spawn_burners, &u);
	for (int i = 0; i < N_WORKERS; i++)
		CU_ASSERT_EQUAL(u.end[i], 2.0 + i);
	sim_runtime_free(u.rt);
}

/* task_cpu: every task, the root too, spends half of it as it starts and
 * half as it ends, contending for the cores.  task_cpu 1 s, 4 burners of
 * 1 s on 1 core: the root's start takes 0.5 s alone; the burners then
 * share the core and each has had its 0.5 + 1 s at 0.5 + 4 x 1.5 = 6.5 s,
 * its last 0.5 s ends them all at 8.5 s, when the root's joins return.
 * Unlimited cores: 0.5 + 1.5 = 2 s and 2.5 s. */
static void spawn_and_time(void *arg)
{
	struct cpu_ctx *c = arg;
	spawn_burners(c);
	c->joined = rt_now(c->rt);
}

static void test_task_cpu(void)
{
	static const struct {
		unsigned cores;
		double end, joined;
	} cases[] = {{1, 6.5, 8.5}, {0, 2.0, 2.5}};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 1e9};
		cfg.host[RT_SIDE_SRC].cores = cases[k].cores;
		cfg.host[RT_SIDE_SRC].task_cpu_s = 1.0;
		struct cpu_ctx c = {.rt = rt_of(&cfg), .side = RT_SIDE_SRC, .cpu_s = 1.0};
		run_ok(c.rt, spawn_and_time, &c);
		for (int i = 0; i < N_WORKERS; i++)
			CU_ASSERT_EQUAL(c.end[i], cases[k].end);
		CU_ASSERT_EQUAL(c.joined, cases[k].joined);
		sim_runtime_free(c.rt);
	}
}

struct xfer_ctx {
	struct rt *rt;
	struct rt_chan *ch;
	double bytes;
	double sent, received;
};

static void receiver(void *arg)
{
	struct xfer_ctx *c = arg;
	struct rt_frame f;
	CU_ASSERT_EQUAL(c->rt->ops->chan_recv(c->ch, &f), 0);
	c->received = rt_now(c->rt);
}

static void xfer_root(void *arg)
{
	struct xfer_ctx *c = arg;
	struct rt_task *r = rt_spawn(c->rt, RT_SIDE_DST, "receiver", receiver, c);
	struct rt_frame f = {.kind = 1, .device = -1, .bytes = (uint64_t)(c->bytes - HDR)};
	CU_ASSERT_EQUAL(c->rt->ops->chan_send(c->ch, &f), 0);
	c->sent = rt_now(c->rt);
	rt_join(c->rt, r);
}

/* 2^20 bytes from source to destination under cfg: the sender's and the
 * receiver's end times, exactly. */
static void check_xfer(const struct sim_runtime_config *cfg, double sent, double received)
{
	struct xfer_ctx c = {.rt = rt_of(cfg), .bytes = 0x1p20};
	c.ch = c.rt->ops->chan_new(c.rt, RT_SIDE_SRC, "main");
	run_ok(c.rt, xfer_root, &c);
	CU_ASSERT_EQUAL(c.sent, sent);
	CU_ASSERT_EQUAL(c.received, received);
	c.rt->ops->chan_free(c.ch);
	sim_runtime_free(c.rt);
}

/* 2^20 bytes (header included) on a 2^30 B/s link: 2^-10 s on the wire.
 * The send lasts the longer of the wire and the copy, the receive ends the
 * receiver's copy after the frame arrived. */
static void test_copy_cpu(void)
{
	static const struct {
		unsigned cores;
		double send_per_byte, recv_per_byte, sent, received;
	} cases[] = {
	    {0, 0x1p-29, 0, 0x1p-9, 0x1p-9},                /* copy longer than the wire */
	    {1, 0x1p-29, 0, 0x1p-9, 0x1p-9},                /* the same on one core */
	    {2, 0x1p-31, 0, 0x1p-10, 0x1p-10},              /* the wire longer */
	    {1, 0, 0x1p-30, 0x1p-10, 0x1p-10 + 0x1p-10},    /* receive copy after arrival */
	    {0, 0x1p-29, 0x1p-29, 0x1p-9, 0x1p-9 + 0x1p-9}, /* both */
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 0x1p30};
		for (int h = 0; h < 2; h++)
			cfg.host[h] =
			    (struct sim_host_config){.cores = cases[k].cores,
			                             .send_cpu_s_per_byte = cases[k].send_per_byte,
			                             .recv_cpu_s_per_byte = cases[k].recv_per_byte};
		check_xfer(&cfg, cases[k].sent, cases[k].received);
	}
}

/* A frame's own CPU, besides its bytes: 2^20 bytes on a 2^30 B/s link are
 * 2^-10 s on the wire.  The sender's frame CPU joins its copy (the send
 * lasts the longer of it and the wire), the receiver's follows the
 * arrival with its copy; on one core as without a core limit. */
static void test_frame_cpu(void)
{
	static const struct {
		unsigned cores;
		double send_per_byte, send_per_frame, recv_per_byte, recv_per_frame, sent, received;
	} cases[] = {
	    {0, 0, 0x1p-9, 0, 0, 0x1p-9, 0x1p-9},                    /* longer than the wire */
	    {1, 0, 0x1p-11, 0, 0, 0x1p-10, 0x1p-10},                 /* the wire longer */
	    {1, 0x1p-30, 0x1p-10, 0, 0, 0x1p-9, 0x1p-9},             /* bytes + frame */
	    {1, 0, 0, 0, 0x1p-10, 0x1p-10, 0x1p-9},                  /* after arrival */
	    {0, 0, 0, 0x1p-31, 0x1p-11, 0x1p-10, 0x1p-10 + 0x1p-10}, /* bytes + frame */
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 0x1p30};
		for (int h = 0; h < 2; h++)
			cfg.host[h] = (struct sim_host_config){
			    .cores = cases[k].cores,
			    .send_cpu_s_per_byte = cases[k].send_per_byte,
			    .send_cpu_s_per_frame = cases[k].send_per_frame,
			    .recv_cpu_s_per_byte = cases[k].recv_per_byte,
			    .recv_cpu_s_per_frame = cases[k].recv_per_frame};
		check_xfer(&cfg, cases[k].sent, cases[k].received);
	}
}

/* The real world's channel sleeps too: the sender until its frame has left,
 * the receiver until it arrives; each ends the host's wake latency late.
 * 2^20 bytes, 2^-10 s on the wire, 2^-11 s of latency, 2^-12 s of wake
 * latency: sent at 2^-10 + 2^-12, received at 2^-10 + 2^-11 + 2^-12; a
 * copy longer than the wire (2^-9 s) and the latency: the sender does not
 * wait, the receiver does; no wake latency: as before. */
static void test_channel_wake_latency(void)
{
	static const struct {
		double send_per_byte, wake_s, sent, received;
	} cases[] = {
	    {0, 0x1p-12, 0x1p-10 + 0x1p-12, 0x1p-10 + 0x1p-11 + 0x1p-12},
	    {0x1p-29, 0x1p-12, 0x1p-9, 0x1p-9 + 0x1p-11 + 0x1p-12},
	    {0, 0, 0x1p-10, 0x1p-10 + 0x1p-11},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 0x1p30, .latency_s = 0x1p-11};
		for (int h = 0; h < 2; h++)
			cfg.host[h] =
			    (struct sim_host_config){.send_cpu_s_per_byte = cases[k].send_per_byte,
			                             .wake_latency_s = cases[k].wake_s};
		check_xfer(&cfg, cases[k].sent, cases[k].received);
	}
}

struct wake_ctx {
	struct rt *rt;
	double slept, computed;
};

static void sleeper(void *arg)
{
	struct wake_ctx *c = arg;
	for (int i = 0; i < 3; i++)
		rt_sleep(c->rt, 0x1p-10);
	rt_sleep(c->rt, 0);
	c->slept = rt_now(c->rt);
	rt_compute(c->rt, 0x1p-10);
	c->computed = rt_now(c->rt) - c->slept;
}

/* Each sleep > 0 ends the task's host's wake latency late: 3 sleeps of
 * 2^-10 s (about 1 ms) with 2^-15 s (about 31 us) end at 3 x (2^-10 + 2^-15)
 * s, exactly (powers of two: SimGrid rounds decimal times to 1 ns), a sleep
 * of 0 adds nothing, and CPU work (here
 * on unlimited cores, itself a wait of the sim) is no timer and adds
 * nothing; a latency of 0 (the default) changes nothing. */
static void test_wake_latency(void)
{
	static const struct {
		double wake_s, slept;
	} cases[] = {{0x1p-15, 3 * 0x1p-10 + 3 * 0x1p-15}, {0, 3 * 0x1p-10}};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 0x1p30};
		for (int h = 0; h < 2; h++)
			cfg.host[h].wake_latency_s = cases[k].wake_s;
		struct wake_ctx c = {.rt = rt_of(&cfg)};
		run_ok(c.rt, sleeper, &c);
		CU_ASSERT_EQUAL(c.slept, cases[k].slept);
		CU_ASSERT_EQUAL(c.computed, 0x1p-10);
		sim_runtime_free(c.rt);
	}
}

/* sleep_cpu: a sleep's CPU is spent as the task wakes, inside its wake
 * latency.  4 tasks sleep 2^-8 s at once with a wake latency of 2^-10 s
 * and 2^-12 s of CPU each: alone on a core (4 cores, or unlimited) each
 * ends at 2^-8 + 2^-10 s, as without the CPU; on 2 cores the 4 wake-ups
 * share them and end at 2^-8 + 2^-10 - 2^-12 + 2 x 2^-12, on 1 core at
 * ... + 4 x 2^-12.  A sleep shorter than its CPU lasts its CPU; 0 CPU (the
 * default) changes nothing. */
static void test_sleep_cpu(void)
{
	static const struct {
		unsigned cores;
		double sleep_s, wake_s, cpu_s, end;
	} cases[] = {
	    {1, 0x1p-8, 0x1p-10, 0x1p-12, 0x1p-8 + 0x1p-10 + 3 * 0x1p-12},
	    {2, 0x1p-8, 0x1p-10, 0x1p-12, 0x1p-8 + 0x1p-10 + 0x1p-12},
	    {4, 0x1p-8, 0x1p-10, 0x1p-12, 0x1p-8 + 0x1p-10},
	    {0, 0x1p-8, 0x1p-10, 0x1p-12, 0x1p-8 + 0x1p-10},
	    {4, 0x1p-14, 0, 0x1p-12, 0x1p-12}, /* shorter than its CPU */
	    {1, 0x1p-8, 0x1p-10, 0, 0x1p-8 + 0x1p-10},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 0x1p30};
		cfg.host[RT_SIDE_SRC].cores = cases[k].cores;
		cfg.host[RT_SIDE_SRC].wake_latency_s = cases[k].wake_s;
		cfg.host[RT_SIDE_SRC].sleep_cpu_s = cases[k].cpu_s;
		struct cpu_ctx x = {
		    .rt = rt_of(&cfg), .side = RT_SIDE_SRC, .sleep_s = cases[k].sleep_s};
		run_ok(x.rt, spawn_burners, &x);
		for (int i = 0; i < N_WORKERS; i++)
			CU_ASSERT_EQUAL(x.end[i], cases[k].end);
		sim_runtime_free(x.rt);
	}
}

/* unblock_cpu: a task that blocked on a semaphore, a lock or an event
 * spends it as it resumes; one that did not block spends nothing.  The
 * root holds the lock, sleeps 2^-8 s, then releases 4 semaphore tokens,
 * the lock and the event (3 waiters) at once: 8 tasks each resume with
 * 2^-12 s of CPU, on 8 cores at 2^-8 + 2^-12 s, on 4 cores sharing them
 * at 2^-8 + 2 x 2^-12 s, without the key at 2^-8 s.  A task that takes a
 * token already there ends at once. */
#define EVENT_WAITERS (N_WORKERS - 1)

struct unblock_ctx {
	struct rt *rt;
	struct rt_sem *sem;
	struct rt_mutex *lock;
	struct rt_event *ev;
	double end[N_WORKERS + 1 + EVENT_WAITERS], free_at;
	int next;
};

/* Waiter i (they start in spawn order) waits on the semaphore, the lock
 * (i == N_WORKERS) or the event. */
static void waiter(void *arg)
{
	struct unblock_ctx *c = arg;
	int me = c->next++;
	if (me < N_WORKERS)
		c->rt->ops->sem_acquire(c->sem);
	else if (me == N_WORKERS)
		c->rt->ops->mutex_lock(c->lock);
	else
		c->rt->ops->event_wait(c->ev);
	c->end[me] = rt_now(c->rt);
	if (me == N_WORKERS)
		c->rt->ops->mutex_unlock(c->lock);
}

static void unblock_root(void *arg)
{
	struct unblock_ctx *c = arg;
	enum { N = N_WORKERS + 1 + EVENT_WAITERS };
	struct rt_task *t[N];
	c->rt->ops->mutex_lock(c->lock);
	for (int i = 0; i < N; i++)
		t[i] = rt_spawn(c->rt, RT_SIDE_SRC, "waiter", waiter, c);
	rt_sleep(c->rt, 0x1p-8);
	for (int i = 0; i < N_WORKERS; i++)
		c->rt->ops->sem_release(c->sem);
	c->rt->ops->mutex_unlock(c->lock);
	c->rt->ops->event_set(c->ev);
	for (int i = 0; i < N; i++)
		rt_join(c->rt, t[i]);
	/* No waiting: a token already there costs nothing. */
	c->rt->ops->sem_release(c->sem);
	double t0 = rt_now(c->rt);
	c->rt->ops->sem_acquire(c->sem);
	c->free_at = rt_now(c->rt) - t0;
}

static void test_unblock_cpu(void)
{
	static const struct {
		unsigned cores;
		double cpu_s, end;
	} cases[] = {{8, 0x1p-12, 0x1p-8 + 0x1p-12},
	             {4, 0x1p-12, 0x1p-8 + 2 * 0x1p-12},
	             {0, 0x1p-12, 0x1p-8 + 0x1p-12},
	             {4, 0, 0x1p-8}};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 0x1p30};
		cfg.host[RT_SIDE_SRC].cores = cases[k].cores;
		cfg.host[RT_SIDE_SRC].unblock_cpu_s = cases[k].cpu_s;
		struct unblock_ctx c = {.rt = rt_of(&cfg)};
		c.sem = c.rt->ops->sem_new(c.rt, 0);
		c.lock = c.rt->ops->mutex_new(c.rt);
		c.ev = c.rt->ops->event_new(c.rt);
		run_ok(c.rt, unblock_root, &c);
		for (int i = 0; i < N_WORKERS + 1 + EVENT_WAITERS; i++)
			CU_ASSERT_EQUAL(c.end[i], cases[k].end);
		CU_ASSERT_EQUAL(c.free_at, 0);
		c.rt->ops->sem_free(c.sem);
		c.rt->ops->mutex_free(c.lock);
		c.rt->ops->event_free(c.ev);
		sim_runtime_free(c.rt);
	}
}

/* A host's thread_create / thread_wake replace the runtime's for the
 * tasks on that host (has_*), and the caller then waits the host's
 * thread_create_wait / thread_wake_wait, no CPU.  Unlimited cores, spawns
 * from the source: spawn i's CPU ends at 0.25 + 0.75 i s, when burner i
 * starts (1 s of CPU: ends 1.25 + 0.75 i s); the root's joins return when
 * the last burner ends.  Without has_thread_create the runtime's 1 s
 * applies and the wait still follows: burner i ends at 2 + 1.5 i s.  Costs
 * set on the other end only change nothing: 2 + i s. */
static void test_host_thread_create(void)
{
	static const struct {
		bool has;
		enum rt_side side; /* the end whose host gets the keys */
		double end0, step;
	} cases[] = {{true, RT_SIDE_SRC, 1.25, 0.75},
	             {false, RT_SIDE_SRC, 2.0, 1.5},
	             {true, RT_SIDE_DST, 2.0, 1.0}};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 1e9, .thread_create_s = 1.0};
		struct sim_host_config *h = &cfg.host[cases[k].side];
		h->has_thread_create = cases[k].has;
		h->thread_create_s = 0.25;
		h->thread_create_wait_s = 0.5;
		struct cpu_ctx c = {.rt = rt_of(&cfg), .side = RT_SIDE_SRC, .cpu_s = 1.0};
		run_ok(c.rt, spawn_and_time, &c);
		for (int i = 0; i < N_WORKERS; i++)
			CU_ASSERT_EQUAL(c.end[i], cases[k].end0 + cases[k].step * i);
		CU_ASSERT_EQUAL(c.joined, cases[k].end0 + cases[k].step * (N_WORKERS - 1));
		sim_runtime_free(c.rt);
	}
}

/* A pool hand-off (rt_wake): the waker's CPU is the host's thread_wake
 * when it sets one (else the runtime's), the worker resumes when it ends,
 * and the waker goes on thread_wake_wait later.  2^-2 s of CPU and 2^-1 s
 * of wait: the worker at 2^-2 s, the waker at 3 x 2^-2 s; without
 * has_thread_wake, the runtime's 1 s: 1 s and 1.5 s. */
struct handoff_ctx {
	struct rt *rt;
	struct rt_sem *go;
	double worker_at, waker_at;
	double first, second; /* test_release_wakes_cost: what each release took */
	bool busy; /* the worker sleeps 1 s before it waits for its job */
};

static void woken(void *arg)
{
	struct handoff_ctx *c = arg;
	if (c->busy)
		rt_sleep(c->rt, 1.0);
	c->rt->ops->sem_acquire(c->go);
	c->worker_at = rt_now(c->rt);
}

static void waker(void *arg)
{
	struct handoff_ctx *c = arg;
	struct rt_task *t = rt_spawn(c->rt, RT_SIDE_SRC, "worker", woken, c);
	rt_wake(c->rt, c->go);
	c->waker_at = rt_now(c->rt);
	rt_join(c->rt, t);
}

/* Run `root` on a source host of 2 cores whose thread_wake (2^-2 s, wait
 * 2^-1 s) is set when `has` (the runtime's is 1 s); `busy`: the worker
 * sleeps 1 s before it waits. */
static struct handoff_ctx run_handoff(int has, bool busy, rt_task_fn root)
{
	struct sim_runtime_config cfg = {.bandwidth_Bps = 1e9, .thread_wake_s = 1.0};
	cfg.host[RT_SIDE_SRC].cores = 2;
	cfg.host[RT_SIDE_SRC].has_thread_wake = has;
	cfg.host[RT_SIDE_SRC].thread_wake_s = 0x1p-2;
	cfg.host[RT_SIDE_SRC].thread_wake_wait_s = 0x1p-1;
	struct handoff_ctx c = {.rt = rt_of(&cfg), .busy = busy};
	c.go = c.rt->ops->sem_new(c.rt, 0);
	run_ok(c.rt, root, &c);
	c.rt->ops->sem_free(c.go);
	sim_runtime_free(c.rt);
	c.rt = NULL;
	return c;
}

static void test_host_thread_wake(void)
{
	for (int has = 0; has < 2; has++) {
		struct handoff_ctx c = run_handoff(has, false, waker);
		CU_ASSERT_EQUAL(c.worker_at, has ? 0x1p-2 : 1.0);
		CU_ASSERT_EQUAL(c.waker_at, has ? 3 * 0x1p-2 : 1.5);
	}
}

/* A hand-off to a worker that is not parked yet (still busy: it sleeps
 * 1 s before it waits for its job) wakes nobody, and is free, as a plain
 * release nobody waits for is and as the real world's (rt_wake there is
 * that release: a condition signal without a waiter is no futex wake-up):
 * the waker goes on at 0, with or without the host's thread_wake and its
 * wait, and the worker finds its job at 1 s without waiting.  (Charged
 * as if the worker were parked, the waker went on at 3 x 2^-2 s, or 1.5 s
 * with the runtime's 1 s.) */
static void test_handoff_to_busy_worker_free(void)
{
	for (int has = 0; has < 2; has++) {
		struct handoff_ctx c = run_handoff(has, true, waker);
		CU_ASSERT_EQUAL(c.waker_at, 0);
		CU_ASSERT_EQUAL(c.worker_at, 1.0);
	}
}

/* A plain semaphore release that wakes a parked task costs the releaser
 * the host's thread_wake as CPU (the real world's release is the same call
 * as rt_wake), without thread_wake_wait; only one release per parked task
 * pays, and a release nobody waits for is free.  The worker parks at 0,
 * the root releases at 1 s: with has_thread_wake (2^-2 s) the release
 * returns and the worker resumes at 1 + 2^-2 s, the second release costs
 * nothing; without it, both are free and the worker resumes at 1 s. */
static void releaser(void *arg)
{
	struct handoff_ctx *c = arg;
	struct rt_task *t = rt_spawn(c->rt, RT_SIDE_SRC, "worker", woken, c);
	rt_sleep(c->rt, 1.0);
	double t0 = rt_now(c->rt);
	c->rt->ops->sem_release(c->go);
	double t1 = rt_now(c->rt);
	c->rt->ops->sem_release(c->go);
	c->first = t1 - t0;
	c->second = rt_now(c->rt) - t1;
	rt_join(c->rt, t);
}

static void test_release_wakes_cost(void)
{
	for (int has = 0; has < 2; has++) {
		struct handoff_ctx c = run_handoff(has, false, releaser);
		CU_ASSERT_EQUAL(c.first, has ? 0x1p-2 : 0);
		CU_ASSERT_EQUAL(c.second, 0);
		CU_ASSERT_EQUAL(c.worker_at, has ? 1 + 0x1p-2 : 1.0);
	}
}

/* One parked task, two releases at the same date: the first releaser
 * claims the task and pays the wake (1 s); the second finds none parked and
 * pays nothing (it releases the task, the first one's token stays). */
struct releaser {
	struct handoff_ctx *c;
	double at;
};

static void release_once(void *arg)
{
	struct releaser *r = arg;
	r->c->rt->ops->sem_release(r->c->go);
	r->at = rt_now(r->c->rt);
}

struct two_rel_ctx {
	struct handoff_ctx h;
	struct releaser b, c;
};

static void two_rel_root(void *arg)
{
	struct two_rel_ctx *x = arg;
	struct rt *rt = x->h.rt;
	struct rt_task *a = rt_spawn(rt, RT_SIDE_SRC, "a", woken, &x->h);
	rt_sleep(rt, 0.5);
	struct rt_task *b = rt_spawn(rt, RT_SIDE_SRC, "b", release_once, &x->b);
	struct rt_task *c = rt_spawn(rt, RT_SIDE_SRC, "c", release_once, &x->c);
	rt_join(rt, a);
	rt_join(rt, b);
	rt_join(rt, c);
}

static void test_release_wake_charged_once(void)
{
	struct sim_runtime_config cfg = {.bandwidth_Bps = 1e9};
	cfg.host[RT_SIDE_SRC].has_thread_wake = true;
	cfg.host[RT_SIDE_SRC].thread_wake_s = 1.0;
	struct two_rel_ctx x = {.h = {.rt = rt_of(&cfg)}};
	x.h.go = x.h.rt->ops->sem_new(x.h.rt, 0);
	x.b.c = x.c.c = &x.h;
	run_ok(x.h.rt, two_rel_root, &x);
	CU_ASSERT_EQUAL(x.b.at, 1.5);
	CU_ASSERT_EQUAL(x.c.at, 0.5);
	CU_ASSERT_EQUAL(x.h.worker_at, 0.5);
	x.h.rt->ops->sem_free(x.h.go);
	sim_runtime_free(x.h.rt);
}

/* A releaser that ran ahead (a stream sent with chan_send_ahead) catches up
 * before it looks for parked tasks: the task that parked meanwhile is seen,
 * and the wake is charged from the releaser's present date. */
struct ahead_rel_ctx {
	struct rt *rt;
	struct rt_sem *go;
	struct rt_chan *ch;
	double a_at, b_at;
};

static void ahead_rel_wait(void *arg)
{
	struct ahead_rel_ctx *c = arg;
	rt_sleep(c->rt, 0.5);
	c->rt->ops->sem_acquire(c->go);
	c->a_at = rt_now(c->rt);
}

static void ahead_rel_send(void *arg)
{
	struct ahead_rel_ctx *c = arg;
	struct rt_frame f = {.bytes = 1000000000};
	CU_ASSERT_EQUAL(rt_chan_send_ahead(c->rt, c->ch, &f), 0);
	c->rt->ops->sem_release(c->go);
	c->b_at = rt_now(c->rt);
}

static void ahead_rel_recv(void *arg)
{
	struct ahead_rel_ctx *c = arg;
	struct rt_frame f;
	CU_ASSERT_EQUAL(c->rt->ops->chan_recv(c->ch, &f), 0);
}

static void ahead_rel_root(void *arg)
{
	struct ahead_rel_ctx *c = arg;
	c->ch = c->rt->ops->chan_new(c->rt, RT_SIDE_SRC, "ch");
	struct rt_task *a = rt_spawn(c->rt, RT_SIDE_SRC, "a", ahead_rel_wait, c);
	struct rt_task *r = rt_spawn(c->rt, RT_SIDE_DST, "r", ahead_rel_recv, c);
	struct rt_task *b = rt_spawn(c->rt, RT_SIDE_SRC, "b", ahead_rel_send, c);
	rt_join(c->rt, a);
	rt_join(c->rt, b);
	rt_join(c->rt, r);
	c->rt->ops->chan_free(c->ch);
}

static void test_release_after_ahead(void)
{
	struct sim_runtime_config cfg = {.bandwidth_Bps = 1e9, .latency_s = 1e-3};
	cfg.host[RT_SIDE_SRC].has_thread_wake = true;
	cfg.host[RT_SIDE_SRC].thread_wake_s = 0.25;
	struct ahead_rel_ctx c = {.rt = rt_of(&cfg)};
	c.go = c.rt->ops->sem_new(c.rt, 0);
	run_ok(c.rt, ahead_rel_root, &c);
	double sent = (1e9 + RT_FRAME_HEADER_BYTES) / 1e9;
	/* Within SimGrid's clock rounding (4e-12 here); without the catch-up
	 * first the release was free: 1.000000024. */
	CU_ASSERT_DOUBLE_EQUAL(c.b_at, sent + 0.25, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.a_at, sent + 0.25, 1e-9);
	c.rt->ops->sem_free(c.go);
	sim_runtime_free(c.rt);
}

/* A host's stack cache: a spawn that finds no free stack (none joined, or
 * all taken again) costs its caller thread_create + thread_create_new_stack
 * of CPU, one that finds one thread_create; a join returns its task's
 * stack while the cache holds fewer than thread_stack_cache.  The root
 * spawns A (new: 0.25 + 0.5 s), joins it, spawns B and C (B takes A's
 * stack: 0.25 s; C new: 0.75 s), joins both, spawns D, E, F: with room for
 * 2 stacks, D and E cached and F new; for 1, D cached; for 0, none; with
 * the key at 0, every spawn costs thread_create alone (today's model).  On
 * a shared host the destination's tasks share the source's cache: a
 * destination task joined first leaves a stack for a source spawn. */
struct stack_ctx {
	struct rt *rt;
	enum rt_side first; /* the side of A */
	double at[6];       /* after each spawn: A B C D E F */
};

static void stackless(void *arg)
{
	(void)arg;
}

static void stack_spawns(void *arg)
{
	struct stack_ctx *c = arg;
	struct rt_task *t[6];
	int n = 0;
	t[n] = rt_spawn(c->rt, c->first, "a", stackless, c);
	c->at[n++] = rt_now(c->rt);
	rt_join(c->rt, t[0]);
	for (; n < 3; n++) {
		t[n] = rt_spawn(c->rt, RT_SIDE_SRC, "bc", stackless, c);
		c->at[n] = rt_now(c->rt);
	}
	rt_join(c->rt, t[1]);
	rt_join(c->rt, t[2]);
	for (; n < 6; n++) {
		t[n] = rt_spawn(c->rt, RT_SIDE_SRC, "def", stackless, c);
		c->at[n] = rt_now(c->rt);
	}
	for (int i = 3; i < 6; i++)
		rt_join(c->rt, t[i]);
}

static void test_new_stack_cost(void)
{
	static const struct {
		double new_stack;
		unsigned cache;
		bool shared;
		enum rt_side first;
		double at[6];
		uint64_t new_stacks;
	} cases[] = {
	    {0.5, 2, false, RT_SIDE_SRC, {0.75, 1.0, 1.75, 2.0, 2.25, 3.0}, 3},
	    {0.5, 1, false, RT_SIDE_SRC, {0.75, 1.0, 1.75, 2.0, 2.75, 3.5}, 4},
	    {0.5, 0, false, RT_SIDE_SRC, {0.75, 1.5, 2.25, 3.0, 3.75, 4.5}, 6},
	    {0.0, 2, false, RT_SIDE_SRC, {0.25, 0.5, 0.75, 1.0, 1.25, 1.5}, 3},
	    /* A on the destination: its stack is the destination host's, apart
	     * from the source's, unless the host is shared. */
	    {0.5, 2, false, RT_SIDE_DST, {0.75, 1.5, 2.25, 2.5, 2.75, 3.5}, 4},
	    {0.5, 2, true, RT_SIDE_DST, {0.75, 1.0, 1.75, 2.0, 2.25, 3.0}, 3},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 1e9,
		                                 .shared_host = cases[k].shared};
		for (int h = 0; h < 2; h++) {
			cfg.host[h].has_thread_create = true;
			cfg.host[h].thread_create_s = 0.25;
			cfg.host[h].thread_create_new_stack_s = cases[k].new_stack;
			cfg.host[h].thread_stack_cache = cases[k].cache;
		}
		struct stack_ctx c = {.rt = rt_of(&cfg), .first = cases[k].first};
		run_ok(c.rt, stack_spawns, &c);
		for (int i = 0; i < 6; i++)
			CU_ASSERT_EQUAL(c.at[i], cases[k].at[i]);
		struct sim_runtime_stats st;
		sim_runtime_get_stats(c.rt, &st);
		CU_ASSERT_EQUAL(st.new_stacks, cases[k].new_stacks);
		sim_runtime_free(c.rt);
	}
}

/* ---- whole migrations ---- */

static struct scenario *load_text(const char *text, const char *const *sets, size_t n_sets)
{
	struct scenario *s = NULL;
	char err[1024];
	int rc = scenario_load_text("hosts-test.yaml", text, strlen(text), sets, n_sets, &s, err,
	                            sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return s;
}

static void run_scenario(const struct scenario *s, struct trace *tr, struct run_summary *sum)
{
	struct mig_result res;
	char err[512];
	trace_init(tr);
	CU_ASSERT_EQUAL_FATAL(sim_world_run(s, 0, tr, &res, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(res.status, 0);
	CU_ASSERT_EQUAL_FATAL(summary_from_trace(s, tr, &res, sum), 0);
}

static bool same_trace(const struct trace *a, const struct trace *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (memcmp(&a->ev[i].t, &b->ev[i].t, sizeof a->ev[i].t) ||
		    a->ev[i].kind != b->ev[i].kind || a->ev[i].device != b->ev[i].device)
			return false;
	return true;
}

/* ---- a device's data calls ---- */

struct io_ctx {
	struct rt *rt;
	const struct scenario *s;
	double read_took, write_took, end_took;
};

static void io_root(void *arg)
{
	struct io_ctx *c = arg;
	struct device *src = sim_device_new(c->rt, c->s, 0, RT_SIDE_SRC, 0, NULL);
	struct device *dst = sim_device_new(c->rt, c->s, 0, RT_SIDE_DST, 0, NULL);
	CU_ASSERT_FATAL(src && dst);
	CU_ASSERT_EQUAL(src->ops->set_state(src, VFIO_STATE_PRE_COPY), 0);
	CU_ASSERT_EQUAL(dst->ops->set_state(dst, VFIO_STATE_RESUMING), 0);
	uint64_t got = 0;
	uint32_t hint = DEVICE_DATA_STATE;
	double t0 = rt_now(c->rt);
	CU_ASSERT_EQUAL(src->ops->read(src, NULL, 4096, &got, &hint), 0);
	CU_ASSERT_EQUAL(got, 4096);
	double t1 = rt_now(c->rt);
	CU_ASSERT_EQUAL(dst->ops->write(dst, NULL, 0, DEVICE_DATA_STATE), 0);
	c->read_took = t1 - t0;
	c->write_took = rt_now(c->rt) - t1;
	/* The image was read whole and nothing changed since: the stop-copy
	 * state's first read finds its end. */
	CU_ASSERT_EQUAL(src->ops->set_state(src, VFIO_STATE_PRE_COPY_P2P), 0);
	CU_ASSERT_EQUAL(src->ops->set_state(src, VFIO_STATE_STOP_COPY), 0);
	t0 = rt_now(c->rt);
	CU_ASSERT_EQUAL(src->ops->read(src, NULL, 4096, &got, &hint), 0);
	CU_ASSERT_EQUAL(got, 0);
	c->end_took = rt_now(c->rt) - t0;
	src->ops->free(src);
	dst->ops->free(dst);
}

/* A device whose arcs take no time and whose load costs 2^-8 s a write: a
 * read takes the source host's device_read_cpu, a write the longer of its
 * load and the destination host's device_write_cpu (the call's CPU runs
 * inside the load's time, as the emulated device's deadlines do), a read
 * that finds no data (the end of the stop-copy state) device_read_end_cpu,
 * not device_read_cpu; on one core as without a core limit; 0 (no key)
 * costs nothing. */
static void test_device_io_cpu(void)
{
	static const char text[] =
	    "name: io\n"
	    "vm: {ram: 0}\n"
	    "devices:\n"
	    "  - {name: vf, profile: null, state_size: 4KiB, header_size: 0,\n"
	    "     latency: {default: 0}}\n";
	static const struct {
		unsigned cores;
		double read_cpu, write_cpu, end_cpu, read_took, write_took, end_took;
	} cases[] = {
	    {0, 0, 0, 0, 0, 0x1p-8, 0},                   /* the defaults */
	    {0, 0x1p-10, 0x1p-10, 0, 0x1p-10, 0x1p-8, 0}, /* the write's CPU inside its load */
	    {1, 0x1p-10, 0x1p-7, 0x1p-12, 0x1p-10, 0x1p-7, 0x1p-12}, /* longer than the load */
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct scenario *s = load_text(text, NULL, 0);
		s->groups[0].load_fixed_s = 0x1p-8;
		s->groups[0].load_Bps = 0;
		s->hosts[RT_SIDE_SRC].device_read_cpu_s = cases[k].read_cpu;
		s->hosts[RT_SIDE_DST].device_write_cpu_s = cases[k].write_cpu;
		s->hosts[RT_SIDE_SRC].device_read_end_cpu_s = cases[k].end_cpu;
		struct sim_runtime_config cfg = {.bandwidth_Bps = 0x1p30};
		for (int h = 0; h < 2; h++)
			cfg.host[h].cores = cases[k].cores;
		struct io_ctx c = {.rt = rt_of(&cfg), .s = s};
		run_ok(c.rt, io_root, &c);
		CU_ASSERT_EQUAL(c.read_took, cases[k].read_took);
		CU_ASSERT_EQUAL(c.write_took, cases[k].write_took);
		CU_ASSERT_EQUAL(c.end_took, cases[k].end_took);
		sim_runtime_free(c.rt);
		scenario_free(s);
	}
}

/* The per-frame and per-call keys absent (every host before they existed)
 * and present at 0 give the same migration, bit for bit; at the ci-2core
 * profile's order of magnitude they cost time. */
static void test_frame_and_io_keys_default_to_nothing(void)
{
	static const char text[] = "name: keys\n"
	                           "vm: {ram: 16MiB}\n"
	                           "network: {bandwidth: 10Gbps, multifd_channels: 2}\n"
	                           "migration: {strategy: parallel-prio}\n"
	                           "hosts:\n"
	                           "  shared: true\n"
	                           "  source: {cores: 2, send_cpu_per_byte: 0.125ns,\n"
	                           "           recv_cpu_per_byte: 0.125ns}\n"
	                           "  destination: {cores: 2, send_cpu_per_byte: 0.125ns,\n"
	                           "                recv_cpu_per_byte: 0.125ns}\n"
	                           "devices:\n"
	                           "  - {name: vf, count: 16, state_size: 1MiB}\n";
	static const char *const zero[] = {"hosts.source.send_cpu_per_frame=0",
	                                   "hosts.source.recv_cpu_per_frame=0",
	                                   "hosts.source.device_read_cpu=0",
	                                   "hosts.source.device_write_cpu=0",
	                                   "hosts.destination.send_cpu_per_frame=0",
	                                   "hosts.destination.recv_cpu_per_frame=0",
	                                   "hosts.destination.device_read_cpu=0",
	                                   "hosts.destination.device_write_cpu=0",
	                                   "hosts.source.sleep_cpu=0",
	                                   "hosts.destination.sleep_cpu=0",
	                                   "hosts.source.device_read_end_cpu=0",
	                                   "hosts.destination.device_read_end_cpu=0"};
	static const char *const some[] = {"hosts.source.send_cpu_per_frame=10us",
	                                   "hosts.source.recv_cpu_per_frame=10us",
	                                   "hosts.source.device_read_cpu=20us",
	                                   "hosts.source.device_write_cpu=20us",
	                                   "hosts.destination.send_cpu_per_frame=10us",
	                                   "hosts.destination.recv_cpu_per_frame=10us",
	                                   "hosts.destination.device_read_cpu=20us",
	                                   "hosts.destination.device_write_cpu=20us",
	                                   "hosts.source.sleep_cpu=20us",
	                                   "hosts.destination.sleep_cpu=20us",
	                                   "hosts.source.device_read_end_cpu=5us",
	                                   "hosts.destination.device_read_end_cpu=5us"};
	struct scenario *absent = load_text(text, NULL, 0);
	struct scenario *zeros = load_text(text, zero, sizeof zero / sizeof zero[0]);
	struct scenario *costly = load_text(text, some, sizeof some / sizeof some[0]);
	CU_ASSERT(scenario_equal(absent, zeros));
	struct trace a, b, c;
	struct run_summary sa, sb, sc;
	run_scenario(absent, &a, &sa);
	run_scenario(zeros, &b, &sb);
	run_scenario(costly, &c, &sc);
	CU_ASSERT(same_trace(&a, &b));
	CU_ASSERT_EQUAL(sa.downtime_s, sb.downtime_s);
	CU_ASSERT(sc.downtime_s > sa.downtime_s);
	summary_free(&sa);
	summary_free(&sb);
	summary_free(&sc);
	trace_free(&a);
	trace_free(&b);
	trace_free(&c);
	scenario_free(absent);
	scenario_free(zeros);
	scenario_free(costly);
}

/* 16 devices whose arcs are half CPU, a stream whose bytes cost CPU, vCPUs
 * to pause and resume: every CPU cost of the model is spent. */
static const char busy_vm[] =
    "name: busy\n"
    "vm: {ram: 64MiB, vcpus: 8}\n"
    "network: {bandwidth: 10Gbps, multifd_channels: 2}\n"
    "migration: {strategy: parallel-prio}\n"
    "hosts:\n"
    "  source: {send_cpu_per_byte: 0.25ns, recv_cpu_per_byte: 0.125ns, vcpu_pause: 20us,\n"
    "           vcpu_resume: 10us}\n"
    "  destination: {send_cpu_per_byte: 0.25ns, recv_cpu_per_byte: 0.125ns,\n"
    "                vcpu_pause: 20us, vcpu_resume: 10us}\n"
    "devices:\n"
    "  - {name: vf, count: 16, state_size: 4MiB, arc_cpu_fraction: 0.5}\n";

/* Enough cores (more than the tasks that ever compute at once) give the
 * same trace, bit for bit, as unlimited cores; and with every CPU cost 0,
 * so does a host of one core: what a scenario without hosts: computed
 * before hosts had CPUs. */
static void test_enough_cores_change_nothing(void)
{
	static const char *const cores64[] = {"hosts.source.cores=64",
	                                      "hosts.destination.cores=64"};
	static const char *const no_cpu[] = {"hosts.source.cores=1",
	                                     "hosts.destination.cores=1",
	                                     "hosts.source.send_cpu_per_byte=0",
	                                     "hosts.source.recv_cpu_per_byte=0",
	                                     "hosts.source.vcpu_pause=0",
	                                     "hosts.destination.send_cpu_per_byte=0",
	                                     "hosts.destination.recv_cpu_per_byte=0",
	                                     "hosts.destination.vcpu_resume=0",
	                                     "devices.arc_cpu_fraction=0",
	                                     "migration.thread_create=0",
	                                     "migration.thread_join=0"};
	static const char *const no_cpu_unlimited[] = {"devices.arc_cpu_fraction=0",
	                                               "migration.thread_create=0",
	                                               "migration.thread_join=0",
	                                               "hosts.source.send_cpu_per_byte=0",
	                                               "hosts.source.recv_cpu_per_byte=0",
	                                               "hosts.source.vcpu_pause=0",
	                                               "hosts.destination.send_cpu_per_byte=0",
	                                               "hosts.destination.recv_cpu_per_byte=0",
	                                               "hosts.destination.vcpu_resume=0"};
	struct scenario *unl = load_text(busy_vm, NULL, 0);
	struct scenario *many = load_text(busy_vm, cores64, 2);
	struct scenario *one = load_text(busy_vm, no_cpu, sizeof no_cpu / sizeof no_cpu[0]);
	struct scenario *free_unl = load_text(busy_vm, no_cpu_unlimited,
	                                      sizeof no_cpu_unlimited / sizeof no_cpu_unlimited[0]);
	struct trace a, b, c, d;
	struct run_summary sa, sb, sc, sd;
	run_scenario(unl, &a, &sa);
	run_scenario(many, &b, &sb);
	run_scenario(one, &c, &sc);
	run_scenario(free_unl, &d, &sd);
	CU_ASSERT(same_trace(&a, &b));
	CU_ASSERT_EQUAL(sa.downtime_s, sb.downtime_s);
	CU_ASSERT(same_trace(&c, &d));
	CU_ASSERT_EQUAL(sc.downtime_s, sd.downtime_s);
	/* The CPU costs are there: spending them takes time. */
	CU_ASSERT(sa.downtime_s > sd.downtime_s);
	summary_free(&sa);
	summary_free(&sb);
	summary_free(&sc);
	summary_free(&sd);
	trace_free(&a);
	trace_free(&b);
	trace_free(&c);
	trace_free(&d);
	scenario_free(unl);
	scenario_free(many);
	scenario_free(one);
	scenario_free(free_unl);
}

/* 64 devices whose source arcs are all CPU (1 ms each; the stop window
 * holds two of them per device: PRE_COPY -> PRE_COPY_P2P and
 * PRE_COPY_P2P -> STOP_COPY) on a 2-core source: the downtime is at least
 * that CPU over 2 cores, 64 ms, where unlimited cores take about 2 ms. */
static void test_64_devices_on_2_cores(void)
{
	static const char text[] = "name: many\n"
	                           "vm: {ram: 0}\n"
	                           "migration: {strategy: parallel-prio, thread_create: 0,\n"
	                           "            thread_join: 0}\n"
	                           "devices:\n"
	                           "  - {name: vf, profile: null, count: 64, arc_cpu_fraction: 1,\n"
	                           "     latency: {default: 0, pre_copy_to_pre_copy_p2p: 1ms,\n"
	                           "               pre_copy_p2p_to_stop_copy: 1ms}}\n";
	static const char *const two[] = {"hosts.source.cores=2"};
	struct scenario *unl = load_text(text, NULL, 0);
	struct scenario *s2 = load_text(text, two, 1);
	struct trace a, b;
	struct run_summary su, s;
	run_scenario(unl, &a, &su);
	run_scenario(s2, &b, &s);
	double cpu = 64 * 2 * 1e-3;
	CU_ASSERT(s.downtime_s >= cpu / 2);
	CU_ASSERT(su.downtime_s >= 2e-3);
	CU_ASSERT(su.downtime_s < cpu / 2);
	summary_free(&su);
	summary_free(&s);
	trace_free(&a);
	trace_free(&b);
	scenario_free(unl);
	scenario_free(s2);
}

/* ---- host profiles ---- */

static void test_profile_by_name(void)
{
	static const char text[] = "name: p\n"
	                           "hosts:\n"
	                           "  source: {profile: ci-2core}\n"
	                           "  destination: {profile: ci-2core, cores: 64}\n"
	                           "devices: [{name: vf}]\n";
	struct scenario *s = load_text(text, NULL, 0);
	CU_ASSERT_STRING_EQUAL(s->hosts[0].profile, "ci-2core");
	CU_ASSERT_EQUAL(s->hosts[0].cores, 2);
	CU_ASSERT(s->hosts[0].send_cpu_s_per_byte > 0);
	CU_ASSERT(s->hosts[0].recv_cpu_s_per_byte > 0);
	CU_ASSERT(s->hosts[0].wake_latency_s > 0);
	CU_ASSERT(s->hosts[0].sleep_cpu_s > 0);
	CU_ASSERT(s->hosts[0].unblock_cpu_s > 0);
	CU_ASSERT(s->hosts[0].device_read_end_cpu_s > 0);
	CU_ASSERT(s->hosts[0].has_thread_create && s->hosts[0].thread_create_s > 0);
	CU_ASSERT(s->hosts[0].has_thread_wake && s->hosts[0].thread_wake_s > 0);
	CU_ASSERT(s->hosts[0].thread_create_wait_s > 0);
	CU_ASSERT(s->hosts[0].thread_wake_wait_s > 0);
	CU_ASSERT(s->hosts[0].thread_create_new_stack_s > 0);
	CU_ASSERT(s->hosts[0].thread_stack_cache > 0);
	/* The scenario's own key wins over the profile's. */
	CU_ASSERT_EQUAL(s->hosts[1].cores, 64);
	CU_ASSERT_EQUAL(s->hosts[1].send_cpu_s_per_byte, s->hosts[0].send_cpu_s_per_byte);
	scenario_free(s);
}

/* hosts.<side>.thread_create / thread_wake: set (by the host's own key or
 * its profile) they replace migration.thread_create / thread_wake for that
 * host, which keeps its own value; unset, the host has none. */
static void test_host_thread_keys(void)
{
	static const char text[] = "name: p\n"
	                           "migration: {thread_create: 40us, thread_wake: 9us}\n"
	                           "hosts:\n"
	                           "  source: {thread_create: 20us, thread_create_wait: 3us}\n"
	                           "  destination: {thread_wake: 2us, thread_wake_wait: 4us}\n"
	                           "devices: [{name: vf}]\n";
	struct scenario *s = load_text(text, NULL, 0);
	CU_ASSERT_EQUAL(s->thread_create_s, 40e-6);
	CU_ASSERT_EQUAL(s->thread_wake_s, 9e-6);
	CU_ASSERT(s->hosts[0].has_thread_create && !s->hosts[0].has_thread_wake);
	CU_ASSERT_EQUAL(s->hosts[0].thread_create_s, 20e-6);
	CU_ASSERT_EQUAL(s->hosts[0].thread_create_wait_s, 3e-6);
	CU_ASSERT(!s->hosts[1].has_thread_create && s->hosts[1].has_thread_wake);
	CU_ASSERT_EQUAL(s->hosts[1].thread_wake_s, 2e-6);
	CU_ASSERT_EQUAL(s->hosts[1].thread_wake_wait_s, 4e-6);
	scenario_free(s);

	/* A profile's value, then the scenario's own over it. */
	static const char *const sets[] = {"hosts.source.profile=ci-2core",
	                                   "hosts.source.thread_create=1ms"};
	s = load_text("name: p\ndevices: [{name: vf}]\n", sets, 2);
	CU_ASSERT(s->hosts[0].has_thread_create);
	CU_ASSERT_EQUAL(s->hosts[0].thread_create_s, 1e-3);
	CU_ASSERT(!s->hosts[1].has_thread_create && !s->hosts[1].has_thread_wake);
	scenario_free(s);

	struct scenario *bad = NULL;
	char err[1024];
	static const char neg[] = "name: p\nhosts: {source: {thread_create_wait: -1us}}\n"
	                          "devices: [{name: vf}]\n";
	CU_ASSERT_EQUAL(
	    scenario_load_text("z.yaml", neg, strlen(neg), NULL, 0, &bad, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "z.yaml:2: hosts.source.thread_create_wait: "));

	/* The stack cache's keys: a duration and a count of stacks. */
	static const char stacks[] =
	    "name: p\n"
	    "hosts:\n"
	    "  source: {thread_create_new_stack: 14us, thread_stack_cache: 157}\n"
	    "devices: [{name: vf}]\n";
	s = load_text(stacks, NULL, 0);
	CU_ASSERT_EQUAL(s->hosts[0].thread_create_new_stack_s, 14e-6);
	CU_ASSERT_EQUAL(s->hosts[0].thread_stack_cache, 157);
	CU_ASSERT_EQUAL(s->hosts[1].thread_create_new_stack_s, 0);
	CU_ASSERT_EQUAL(s->hosts[1].thread_stack_cache, 0);
	scenario_free(s);
	static const char many[] = "name: p\n"
	                           "hosts:\n"
	                           "  destination: {thread_stack_cache: 2000000}\n"
	                           "devices: [{name: vf}]\n";
	CU_ASSERT_EQUAL(
	    scenario_load_text("w.yaml", many, strlen(many), NULL, 0, &bad, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "w.yaml:3: hosts.destination.thread_stack_cache: "));
}

/* A profile that is not there says where it was looked for; a bad value in
 * a profile names the profile's file, line and key. */
static void test_profile_errors(void)
{
	static const char missing[] = "name: p\n"
	                              "hosts: {source: {profile: no-such-host}}\n"
	                              "devices: [{name: vf}]\n";
	struct scenario *s = NULL;
	char err[2048];
	CU_ASSERT_EQUAL(
	    scenario_load_text("x.yaml", missing, strlen(missing), NULL, 0, &s, err, sizeof err),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "x.yaml:2: hosts.source.profile: host profile "
	                                   "'no-such-host' not found (looked for"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "(looked for <built-in>/hosts/no-such-host.yaml, "));

	char path[1024];
	snprintf(path, sizeof path, "%s",
	         test_src_path("tests/data/profiles/host-profile-bad.yaml"));
	char text[2048];
	snprintf(text, sizeof text,
	         "name: p\nhosts: {destination: {profile: %s}}\ndevices: [{name: vf}]\n", path);
	CU_ASSERT_EQUAL(
	    scenario_load_text("y.yaml", text, strlen(text), NULL, 0, &s, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "y.yaml:2: hosts.destination.profile: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "host-profile-bad.yaml:5: host.cores: "));
}

/* What `profile show` prints of a host profile: every key host: sets, in
 * the file's order, with its text as written and what it is; the
 * converted values are those a scenario gets from it; every host key has a
 * meaning, none else does. */
static void test_profile_info(void)
{
	struct host_profile_info info;
	struct scenario *s = load_text("name: p\nhosts: {source: {profile: ci-2core}}\n"
	                               "devices: [{name: vf}]\n",
	                               NULL, 0);
	char err[1024];

	CU_ASSERT_EQUAL_FATAL(host_profile_info_load("ci-2core", NULL, &info, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(info.name, "ci-2core");
	CU_ASSERT_STRING_EQUAL(info.file, "<built-in>/hosts/ci-2core.yaml");
	CU_ASSERT_STRING_EQUAL(info.origin, "built-in");
	CU_ASSERT_PTR_NOT_NULL(info.command);
	CU_ASSERT_PTR_NOT_NULL(info.date);
	CU_ASSERT(info.n_measurements > 0);
	CU_ASSERT_FATAL(info.n_keys >= 2);
	CU_ASSERT_STRING_EQUAL(info.keys[0], "cores");
	CU_ASSERT_STRING_EQUAL(info.values[0], "2");
	CU_ASSERT_STRING_EQUAL(info.keys[1], "send_cpu_per_byte");
	CU_ASSERT(g_str_has_suffix(info.values[1], "ns"));
	CU_ASSERT_PTR_NULL(info.host.profile);
	const struct scn_host *a = &info.host, *b = &s->hosts[0];
#define SAME(f) CU_ASSERT_EQUAL(a->f, b->f)
	SAME(cores);
	SAME(send_cpu_s_per_byte);
	SAME(recv_cpu_s_per_byte);
	SAME(vcpu_pause_s);
	SAME(vcpu_resume_s);
	SAME(wake_latency_s);
	SAME(task_cpu_s);
	SAME(sleep_cpu_s);
	SAME(unblock_cpu_s);
	SAME(send_cpu_s_per_frame);
	SAME(recv_cpu_s_per_frame);
	SAME(device_read_cpu_s);
	SAME(device_read_end_cpu_s);
	SAME(device_write_cpu_s);
	SAME(has_thread_create);
	SAME(has_thread_wake);
	SAME(thread_create_s);
	SAME(thread_wake_s);
	SAME(thread_create_wait_s);
	SAME(thread_wake_wait_s);
#undef SAME
	for (size_t i = 0; i < info.n_keys; i++)
		CU_ASSERT_PTR_NOT_NULL(host_profile_key_meaning(info.keys[i]));
	host_profile_info_free(&info);
	scenario_free(s);

	size_t n = 0;
	for (const cyaml_schema_field_t *f = scenario_schema_host_fields; f->key; f++, n++)
		CU_ASSERT((host_profile_key_meaning(f->key) != NULL) ==
		          !!strcmp(f->key, "profile"));
	CU_ASSERT_EQUAL(n, 21);
	CU_ASSERT_PTR_NULL(host_profile_key_meaning("host"));

	CU_ASSERT_EQUAL(host_profile_info_load("no-such-host", NULL, &info, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "host profile 'no-such-host' not found"));
}

void register_tests(void)
{
	TEST_SUITE("hosts", TEST(test_cores_are_shared), TEST(test_shared_host),
	           TEST(test_spawn_cost_contends), TEST(test_task_cpu), TEST(test_copy_cpu),
	           TEST(test_frame_cpu), TEST(test_wake_latency), TEST(test_channel_wake_latency),
	           TEST(test_sleep_cpu), TEST(test_unblock_cpu), TEST(test_host_thread_create),
	           TEST(test_host_thread_wake), TEST(test_handoff_to_busy_worker_free),
	           TEST(test_release_wakes_cost),
	           TEST(test_release_wake_charged_once), TEST(test_release_after_ahead),
	           TEST(test_host_thread_keys), TEST(test_new_stack_cost),

	           TEST(test_enough_cores_change_nothing), TEST(test_device_io_cpu),
	           TEST(test_frame_and_io_keys_default_to_nothing),
	           TEST(test_64_devices_on_2_cores), TEST(test_profile_by_name),
	           TEST(test_profile_errors), TEST(test_profile_info));
}
