/*
 * test_sim_runtime.c - the SimGrid runtime against exact expected times.
 *
 * Every expected time is derived by hand from the model the runtime
 * promises (sim_runtime.h): a transfer alone takes latency + bytes /
 * bandwidth, flows in one direction share the bandwidth equally, the two
 * directions do not share, spawn, join and wake cost their configured
 * charges.
 * All suites run in one process, so they also show that many runs (and a
 * deadlocked one) can follow each other.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <simgrid/host.h>

#include "sim_runtime.h"
#include "test_util.h"

#define EPS                    1e-9
#define NEAR(actual, expected) CU_ASSERT_DOUBLE_EQUAL((actual), (expected), EPS)
#define HDR                    ((double)RT_FRAME_HEADER_BYTES)

static struct rt *rt_with(double bw, double lat, double create, double join)
{
	struct sim_runtime_config cfg = {.bandwidth_Bps = bw,
	                                 .latency_s = lat,
	                                 .thread_create_s = create,
	                                 .thread_join_s = join};
	CU_ASSERT_FATAL(sim_runtime_global_init() == 0);
	struct rt *rt = sim_runtime_new(&cfg);
	CU_ASSERT_FATAL(rt != NULL);
	return rt;
}

/* Run and expect success; on failure, show SimGrid's or our message. */
static void run_ok(struct rt *rt, rt_task_fn fn, void *arg)
{
	char err[512];
	int rc = sim_runtime_run(rt, fn, arg, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "sim_runtime_run: %d %s\n", rc, err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
}

/* ---- clock, spawn, join ---- */

struct sleep_ctx {
	struct rt *rt;
	double t_start, t_after, t_zero;
};

static void sleep_root(void *arg)
{
	struct sleep_ctx *c = arg;
	c->t_start = rt_now(c->rt);
	rt_sleep(c->rt, 1.5);
	c->t_after = rt_now(c->rt);
	c->rt->ops->sleep(c->rt, 0);
	c->t_zero = rt_now(c->rt);
}

static void test_sleep(void)
{
	struct sleep_ctx c = {.rt = rt_with(1e9, 0, 0, 0)};
	run_ok(c.rt, sleep_root, &c);
	CU_ASSERT_EQUAL(c.t_start, 0.0);
	NEAR(c.t_after, 1.5);
	NEAR(c.t_zero, 1.5);
	CU_ASSERT_EQUAL(c.rt->carries_data, 0);
	sim_runtime_free(c.rt);
}

struct spawn_ctx {
	struct rt *rt;
	double child_start, spawn_ret, join_ret, spawn2_ret, join2_ret, join3_ret;
	char child_host[16], dst_host[16];
};

static void child_sleeps_1(void *arg)
{
	struct spawn_ctx *c = arg;
	c->child_start = rt_now(c->rt);
	snprintf(c->child_host, sizeof c->child_host, "%s", sg_host_self_get_name());
	rt_sleep(c->rt, 1.0);
}

static void child_returns(void *arg)
{
	(void)arg;
}

static void child_on_dst(void *arg)
{
	struct spawn_ctx *c = arg;
	snprintf(c->dst_host, sizeof c->dst_host, "%s", sg_host_self_get_name());
}

static void spawn_root(void *arg)
{
	struct spawn_ctx *c = arg;
	struct rt *rt = c->rt;
	struct rt_task *t = rt_spawn(rt, RT_SIDE_SRC, "sleeper", child_sleeps_1, c);
	c->spawn_ret = rt_now(rt);
	rt_join(rt, t);
	c->join_ret = rt_now(rt);
	/* Join of a task that ended long before. */
	t = rt_spawn(rt, RT_SIDE_SRC, "quick", child_returns, c);
	c->spawn2_ret = rt_now(rt);
	rt_sleep(rt, 3.0 - rt_now(rt));
	rt_join(rt, t);
	c->join2_ret = rt_now(rt);
	t = rt_spawn(rt, RT_SIDE_DST, "on-dst", child_on_dst, c);
	rt_join(rt, t);
	c->join3_ret = rt_now(rt);
}

static void test_spawn_join_charges(void)
{
	struct spawn_ctx c = {.rt = rt_with(1e9, 0, 0.25, 0.125)};
	run_ok(c.rt, spawn_root, &c);
	NEAR(c.spawn_ret, 0.25);
	NEAR(c.child_start, 0.25);
	NEAR(c.join_ret, 0.25 + 1.0 + 0.125);
	NEAR(c.spawn2_ret, 1.375 + 0.25);
	NEAR(c.join2_ret, 3.0 + 0.125);
	NEAR(c.join3_ret, 3.125 + 0.25 + 0.125);
	CU_ASSERT_STRING_EQUAL(c.child_host, "src");
	CU_ASSERT_STRING_EQUAL(c.dst_host, "dst");
	sim_runtime_free(c.rt);
}

/* A parked task woken twice: each wake costs the waker thread_wake_s
 * before the release, nothing else (the sleeper's acquire is free). */
struct wake_ctx {
	struct rt *rt;
	struct rt_sem *go;
	double woken[2], wake_ret[2];
};

static void parked(void *arg)
{
	struct wake_ctx *c = arg;
	for (int i = 0; i < 2; i++) {
		c->rt->ops->sem_acquire(c->go);
		c->woken[i] = rt_now(c->rt);
	}
}

static void wake_root(void *arg)
{
	struct wake_ctx *c = arg;
	struct rt *rt = c->rt;
	c->go = rt->ops->sem_new(rt, 0);
	struct rt_task *t = rt_spawn(rt, RT_SIDE_SRC, "parked", parked, c);
	rt_sleep(rt, 1.0);
	rt_wake(rt, c->go);
	c->wake_ret[0] = rt_now(rt);
	rt_wake(rt, c->go);
	c->wake_ret[1] = rt_now(rt);
	rt_join(rt, t);
	rt->ops->sem_free(c->go);
}

static void test_wake_charge(void)
{
	struct sim_runtime_config cfg = {.bandwidth_Bps = 1e9,
	                                 .thread_create_s = 0.25,
	                                 .thread_join_s = 0.125,
	                                 .thread_wake_s = 0.0625};
	struct wake_ctx c = {.rt = sim_runtime_new(&cfg)};
	CU_ASSERT_FATAL(c.rt != NULL);
	run_ok(c.rt, wake_root, &c);
	NEAR(c.wake_ret[0], 0.25 + 1.0 + 0.0625);
	NEAR(c.woken[0], c.wake_ret[0]);
	NEAR(c.wake_ret[1], c.wake_ret[0] + 0.0625);
	NEAR(c.woken[1], c.wake_ret[1]);
	sim_runtime_free(c.rt);
}

/* ---- channels ---- */

#define MAX_XFER 8

/* One task sending frames of the given sizes one after the other. */
struct sender {
	struct rt *rt;
	struct rt_chan *chan;
	int n;
	double bytes[MAX_XFER];
	double done[MAX_XFER]; /* now() after each send */
	int rc;
};

static void send_all(void *arg)
{
	struct sender *s = arg;
	for (int i = 0; i < s->n; i++) {
		struct rt_frame f = {.kind = 1, .device = i, .bytes = (uint64_t)s->bytes[i]};
		s->rc |= s->rt->ops->chan_send(s->chan, &f);
		s->done[i] = rt_now(s->rt);
	}
}

/* Drain `n` frames so that no frame is left queued at the end of a run. */
struct drainer {
	struct rt *rt;
	struct rt_chan *chan;
	int n;
	double got[8]; /* when each frame was received */
};

static void drain(void *arg)
{
	struct drainer *d = arg;
	struct rt_frame f;
	for (int i = 0; i < d->n; i++) {
		CU_ASSERT_EQUAL(d->rt->ops->chan_recv(d->chan, &f), 0);
		d->got[i] = rt_now(d->rt);
	}
}

/* Senders run concurrently from t=0, each on its own channel. */
struct xfer_ctx {
	struct rt *rt;
	int nsenders;
	enum rt_side side[2];
	struct sender s[2];
	struct drainer d[2];
	double t0;
};

static void xfer_root(void *arg)
{
	struct xfer_ctx *c = arg;
	struct rt *rt = c->rt;
	struct rt_task *t[4];
	struct drainer *d = c->d;
	c->t0 = rt_now(rt);
	for (int i = 0; i < c->nsenders; i++) {
		c->s[i].rt = rt;
		c->s[i].chan = rt->ops->chan_new(rt, c->side[i], i ? "second" : "first");
		d[i] = (struct drainer){.rt = rt, .chan = c->s[i].chan, .n = c->s[i].n};
	}
	for (int i = 0; i < c->nsenders; i++) {
		t[2 * i] = rt_spawn(rt, c->side[i], "sender", send_all, &c->s[i]);
		t[2 * i + 1] = rt_spawn(rt, !c->side[i], "drainer", drain, &d[i]);
	}
	for (int i = 0; i < 2 * c->nsenders; i++)
		rt_join(rt, t[i]);
	for (int i = 0; i < c->nsenders; i++)
		rt->ops->chan_free(c->s[i].chan);
}

static void test_transfer_alone(void)
{
	/* Several link settings, each its own run, with sizes from a header
	 * alone to a large state. */
	static const double links[][2] = {
	    {1e9, 1e-3}, {1e3, 0}, {1.25e9, 5e-5}, {1e10, 1e-6}, {3e7, 0.1}};
	for (size_t k = 0; k < sizeof links / sizeof links[0]; k++) {
		double bw = links[k][0], lat = links[k][1];
		struct xfer_ctx c = {.rt = rt_with(bw, lat, 0, 0), .nsenders = 1};
		c.s[0] = (struct sender){.n = 4, .bytes = {0, 1000, 1e6, 1e9}};
		if (bw < 1e6)
			c.s[0].bytes[3] = 1e5;
		run_ok(c.rt, xfer_root, &c);
		CU_ASSERT_EQUAL(c.t0, 0.0);
		CU_ASSERT_EQUAL(c.s[0].rc, 0);
		/* The sender is busy for the serialisation only; every record
		 * reaches the (waiting) receiver one latency after its last byte. */
		double t = 0;
		for (int i = 0; i < 4; i++) {
			t += (HDR + c.s[0].bytes[i]) / bw;
			NEAR(c.s[0].done[i], t);
			NEAR(c.d[0].got[i], t + lat);
		}
		sim_runtime_free(c.rt);
	}
}

static void test_transfers_share_bandwidth(void)
{
	const double bw = 1e8, lat = 1e-3, a = 1e6, b = 3e6;
	struct xfer_ctx c = {.rt = rt_with(bw, lat, 0, 0), .nsenders = 2};
	c.s[0] = (struct sender){.n = 1, .bytes = {a}};
	c.s[1] = (struct sender){.n = 1, .bytes = {b}};
	run_ok(c.rt, xfer_root, &c);
	/* Half the bandwidth each until the smaller ends, then all of it. */
	NEAR(c.s[0].done[0], 2 * (HDR + a) / bw);
	NEAR(c.s[1].done[0], (HDR + a + HDR + b) / bw);
	NEAR(c.d[1].got[0], (HDR + a + HDR + b) / bw + lat);
	sim_runtime_free(c.rt);
}

static void test_return_path_does_not_share(void)
{
	const double bw = 1e8, lat = 1e-3, a = 2e6;
	struct xfer_ctx c = {.rt = rt_with(bw, lat, 0, 0), .nsenders = 2};
	c.side[0] = RT_SIDE_SRC;
	c.side[1] = RT_SIDE_DST;
	c.s[0] = (struct sender){.n = 1, .bytes = {a}};
	c.s[1] = (struct sender){.n = 1, .bytes = {a}};
	run_ok(c.rt, xfer_root, &c);
	NEAR(c.s[0].done[0], (HDR + a) / bw);
	NEAR(c.s[1].done[0], (HDR + a) / bw);
	NEAR(c.d[1].got[0], (HDR + a) / bw + lat);
	sim_runtime_free(c.rt);
}

struct buffer_ctx {
	struct rt *rt;
	struct rt_chan *chan;
	double sent[3];
	struct rt_frame got[3];
	double got_at[3];
};

static void late_receiver(void *arg)
{
	struct buffer_ctx *c = arg;
	rt_sleep(c->rt, 10.0);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(c->rt->ops->chan_recv(c->chan, &c->got[i]), 0);
		c->got_at[i] = rt_now(c->rt);
	}
}

static void buffer_root(void *arg)
{
	struct buffer_ctx *c = arg;
	struct rt *rt = c->rt;
	static char payload[16];
	c->chan = rt->ops->chan_new(rt, RT_SIDE_SRC, "stream");
	struct rt_task *t = rt_spawn(rt, RT_SIDE_DST, "late-receiver", late_receiver, c);
	for (int i = 0; i < 3; i++) {
		struct rt_frame f = {.kind = 7 + (uint32_t)i,
		                     .device = i - 1,
		                     .value = 1000u * (uint64_t)(i + 1) + 0x100000000ull,
		                     .bytes = 1000000u * (uint64_t)(i + 1),
		                     .data = payload};
		CU_ASSERT_EQUAL(rt->ops->chan_send(c->chan, &f), 0);
		c->sent[i] = rt_now(rt);
	}
	rt_join(rt, t);
	rt->ops->chan_free(c->chan);
}

static void test_send_buffers_in_order(void)
{
	const double bw = 1e8, lat = 2e-3;
	struct buffer_ctx c = {.rt = rt_with(bw, lat, 0, 0)};
	run_ok(c.rt, buffer_root, &c);
	double t = 0;
	for (int i = 0; i < 3; i++) {
		t += (HDR + 1e6 * (i + 1)) / bw;
		NEAR(c.sent[i], t); /* the receiver was asleep all along */
		NEAR(c.got_at[i], 10.0);
		CU_ASSERT_EQUAL(c.got[i].kind, 7u + (uint32_t)i);
		CU_ASSERT_EQUAL(c.got[i].device, i - 1);
		CU_ASSERT_EQUAL(c.got[i].value, 1000u * (uint64_t)(i + 1) + 0x100000000ull);
		CU_ASSERT_EQUAL(c.got[i].bytes, 1000000u * (uint64_t)(i + 1));
		CU_ASSERT_PTR_NULL(c.got[i].data);
	}
	sim_runtime_free(c.rt);
}

/* ---- synchronisation ---- */

#define NWORKERS 5

struct sync_ctx {
	struct rt *rt;
	struct rt_sem *sem;
	struct rt_mutex *mutex;
	struct rt_barrier *barrier;
	int inside, max_inside;
	double passed[NWORKERS][2];
};

struct worker {
	struct sync_ctx *c;
	int idx;
};

static void sem_worker(void *arg)
{
	struct sync_ctx *c = arg;
	c->rt->ops->sem_acquire(c->sem);
	rt_sleep(c->rt, 1.0);
	c->rt->ops->sem_release(c->sem);
}

static void sem_root(void *arg)
{
	struct sync_ctx *c = arg;
	struct rt_task *t[NWORKERS];
	c->sem = c->rt->ops->sem_new(c->rt, 2);
	for (int i = 0; i < NWORKERS; i++)
		t[i] = rt_spawn(c->rt, RT_SIDE_SRC, "sem-worker", sem_worker, c);
	for (int i = 0; i < NWORKERS; i++)
		rt_join(c->rt, t[i]);
	c->passed[0][0] = rt_now(c->rt);
	c->rt->ops->sem_free(c->sem);
}

static void test_semaphore_capacity(void)
{
	struct sync_ctx c = {.rt = rt_with(1e9, 0, 0, 0)};
	run_ok(c.rt, sem_root, &c);
	NEAR(c.passed[0][0], 3.0); /* 5 tasks, 2 at a time, 1 s each */
	sim_runtime_free(c.rt);
}

/* Worker i arrives at i+1 s, twice: the barrier opens at 3 s, then 6 s. */
static void barrier_worker(void *arg)
{
	struct worker *w = arg;
	struct sync_ctx *c = w->c;
	for (int round = 0; round < 2; round++) {
		rt_sleep(c->rt, w->idx + 1.0);
		c->rt->ops->barrier_wait(c->barrier);
		c->passed[w->idx][round] = rt_now(c->rt);
	}
}

static void barrier_root(void *arg)
{
	struct sync_ctx *c = arg;
	struct rt_task *t[3];
	struct worker w[3];
	c->barrier = c->rt->ops->barrier_new(c->rt, 3);
	for (int i = 0; i < 3; i++) {
		w[i] = (struct worker){c, i};
		t[i] = rt_spawn(c->rt, i ? RT_SIDE_DST : RT_SIDE_SRC, "barrier-worker",
		                barrier_worker, &w[i]);
	}
	for (int i = 0; i < 3; i++)
		rt_join(c->rt, t[i]);
	c->rt->ops->barrier_free(c->barrier);
}

static void test_barrier(void)
{
	struct sync_ctx c = {.rt = rt_with(1e9, 0, 0, 0)};
	run_ok(c.rt, barrier_root, &c);
	for (int i = 0; i < 3; i++) {
		NEAR(c.passed[i][0], 3.0);
		NEAR(c.passed[i][1], 6.0);
	}
	CU_ASSERT_PTR_NULL(c.rt->ops->barrier_new(c.rt, 0));
	sim_runtime_free(c.rt);
}

static void mutex_worker(void *arg)
{
	struct sync_ctx *c = arg;
	c->rt->ops->mutex_lock(c->mutex);
	if (++c->inside > c->max_inside)
		c->max_inside = c->inside;
	rt_sleep(c->rt, 1.0);
	c->inside--;
	c->rt->ops->mutex_unlock(c->mutex);
}

static void mutex_root(void *arg)
{
	struct sync_ctx *c = arg;
	struct rt_task *t[3];
	c->mutex = c->rt->ops->mutex_new(c->rt);
	for (int i = 0; i < 3; i++)
		t[i] = rt_spawn(c->rt, RT_SIDE_SRC, "mutex-worker", mutex_worker, c);
	for (int i = 0; i < 3; i++)
		rt_join(c->rt, t[i]);
	c->passed[0][0] = rt_now(c->rt);
	c->rt->ops->mutex_free(c->mutex);
}

static void test_mutex_exclusion(void)
{
	struct sync_ctx c = {.rt = rt_with(1e9, 0, 0, 0)};
	run_ok(c.rt, mutex_root, &c);
	CU_ASSERT_EQUAL(c.max_inside, 1);
	NEAR(c.passed[0][0], 3.0);
	sim_runtime_free(c.rt);
}

#define NEVWAIT 5

struct event_ctx {
	struct rt *rt;
	struct rt_event *ev;
	double woke[NEVWAIT];
	int n;
};

static void event_waiter(void *arg)
{
	struct event_ctx *c = arg;
	int i = c->n++;
	c->rt->ops->event_wait(c->ev);
	c->woke[i] = rt_now(c->rt);
}

static void event_root(void *arg)
{
	struct event_ctx *c = arg;
	struct rt *rt = c->rt;
	const struct rt_ops *o = rt->ops;
	struct rt_task *t[NEVWAIT];
	c->ev = o->event_new(rt);
	t[0] = rt_spawn(rt, RT_SIDE_SRC, "waits-for-set", event_waiter, c);
	rt_sleep(rt, 2.0);
	o->event_set(c->ev);
	o->event_set(c->ev); /* already set: no effect */
	rt_sleep(rt, 1.0);
	/* Still set: returns at once. */
	t[1] = rt_spawn(rt, RT_SIDE_DST, "finds-it-set", event_waiter, c);
	rt_sleep(rt, 1.0);
	o->event_reset(c->ev);
	t[2] = rt_spawn(rt, RT_SIDE_SRC, "woken-then-reset", event_waiter, c);
	t[3] = rt_spawn(rt, RT_SIDE_DST, "woken-then-reset-2", event_waiter, c);
	rt_sleep(rt, 1.0);
	/* QEMU semantics: a set wakes every waiter even if reset before they
	 * run (the second waiter only gets the event's mutex after the reset). */
	o->event_set(c->ev);
	o->event_reset(c->ev);
	t[4] = rt_spawn(rt, RT_SIDE_SRC, "waits-after-reset", event_waiter, c);
	rt_sleep(rt, 2.0);
	o->event_set(c->ev);
	for (int i = 0; i < NEVWAIT; i++)
		rt_join(rt, t[i]);
	o->event_free(c->ev);
}

static void test_event_semantics(void)
{
	struct event_ctx c = {.rt = rt_with(1e9, 0, 0, 0)};
	run_ok(c.rt, event_root, &c);
	NEAR(c.woke[0], 2.0);
	NEAR(c.woke[1], 3.0);
	NEAR(c.woke[2], 5.0);
	NEAR(c.woke[3], 5.0);
	NEAR(c.woke[4], 7.0);
	sim_runtime_free(c.rt);
}

/* The sim world makes its devices' objects before the run starts. */
struct outside_ctx {
	struct rt *rt;
	struct rt_mutex *mutex;
	struct rt_event *ev;
	struct rt_sem *sem;
	struct rt_barrier *barrier;
	struct rt_chan *chan;
	double peer_got, peer_woke, root_passed;
};

static void outside_peer(void *arg)
{
	struct outside_ctx *c = arg;
	const struct rt_ops *o = c->rt->ops;
	struct rt_frame f;
	o->chan_recv(c->chan, &f);
	c->peer_got = rt_now(c->rt);
	o->event_wait(c->ev);
	c->peer_woke = rt_now(c->rt);
	o->mutex_lock(c->mutex);
	o->sem_release(c->sem);
	o->mutex_unlock(c->mutex);
	o->barrier_wait(c->barrier);
}

static void outside_root(void *arg)
{
	struct outside_ctx *c = arg;
	const struct rt_ops *o = c->rt->ops;
	struct rt_task *t = rt_spawn(c->rt, RT_SIDE_DST, "peer", outside_peer, c);
	struct rt_frame f = {.bytes = 1000};
	o->chan_send(c->chan, &f);
	rt_sleep(c->rt, 1.0);
	o->event_set(c->ev);
	o->sem_acquire(c->sem);
	o->barrier_wait(c->barrier);
	c->root_passed = rt_now(c->rt);
	rt_join(c->rt, t);
}

static void test_objects_made_outside_run(void)
{
	const double bw = 1e6, lat = 0.01;
	struct outside_ctx c = {.rt = rt_with(bw, lat, 0, 0)};
	const struct rt_ops *o = c.rt->ops;
	c.mutex = o->mutex_new(c.rt);
	c.ev = o->event_new(c.rt);
	c.sem = o->sem_new(c.rt, 0);
	c.barrier = o->barrier_new(c.rt, 2);
	c.chan = o->chan_new(c.rt, RT_SIDE_SRC, "made-before");
	run_ok(c.rt, outside_root, &c);
	double ser = (HDR + 1000) / bw;
	NEAR(c.peer_got, ser + lat);
	NEAR(c.peer_woke, ser + 1.0);
	NEAR(c.root_passed, ser + 1.0);
	o->chan_free(c.chan);
	o->barrier_free(c.barrier);
	o->sem_free(c.sem);
	o->event_free(c.ev);
	o->mutex_free(c.mutex);
	sim_runtime_free(c.rt);
}

/* ---- runs ---- */

static void test_three_runs_own_clock_and_link(void)
{
	static const double links[3][2] = {{1e9, 1e-3}, {1e6, 0.5}, {5e8, 0}};
	const double a = 4e6;
	for (int k = 0; k < 3; k++) {
		struct xfer_ctx c = {.rt = rt_with(links[k][0], links[k][1], 0, 0), .nsenders = 1};
		c.s[0] = (struct sender){.n = 1, .bytes = {a}};
		run_ok(c.rt, xfer_root, &c);
		CU_ASSERT_EQUAL(c.t0, 0.0);
		NEAR(c.s[0].done[0], (HDR + a) / links[k][0]);
		NEAR(c.d[0].got[0], (HDR + a) / links[k][0] + links[k][1]);
		sim_runtime_free(c.rt);
	}
}

struct deadlock_ctx {
	struct rt *rt;
	struct rt_chan *chan;
	struct rt_sem *sem;
	struct rt_event *ev;
	struct rt_mutex *mutex;
	struct rt_barrier *barrier;
	int after_block;
};

static void stuck_reader(void *arg)
{
	struct deadlock_ctx *c = arg;
	struct rt_frame f;
	c->rt->ops->chan_recv(c->chan, &f);
	c->after_block = 1;
}

static void stuck_on_sem(void *arg)
{
	struct deadlock_ctx *c = arg;
	c->rt->ops->sem_acquire(c->sem);
	c->after_block = 1;
}

static void stuck_on_event(void *arg)
{
	struct deadlock_ctx *c = arg;
	c->rt->ops->event_wait(c->ev);
	c->after_block = 1;
}

static void stuck_on_mutex(void *arg)
{
	struct deadlock_ctx *c = arg;
	c->rt->ops->mutex_lock(c->mutex);
	c->after_block = 1;
}

static void stuck_on_barrier(void *arg)
{
	struct deadlock_ctx *c = arg;
	c->rt->ops->barrier_wait(c->barrier);
	c->after_block = 1;
}

static void deadlock_root(void *arg)
{
	struct deadlock_ctx *c = arg;
	struct rt *rt = c->rt;
	const struct rt_ops *o = rt->ops;
	c->chan = o->chan_new(rt, RT_SIDE_SRC, "return-path");
	c->sem = o->sem_new(rt, 0);
	c->ev = o->event_new(rt);
	c->mutex = o->mutex_new(rt);
	c->barrier = o->barrier_new(rt, 2);
	o->mutex_lock(c->mutex); /* never unlocked: the root blocks first */
	struct rt_task *reader = rt_spawn(rt, RT_SIDE_DST, "stuck-reader", stuck_reader, c);
	rt_spawn(rt, RT_SIDE_SRC, "stuck-sem", stuck_on_sem, c);
	rt_spawn(rt, RT_SIDE_SRC, "stuck-event", stuck_on_event, c);
	rt_spawn(rt, RT_SIDE_SRC, "stuck-mutex", stuck_on_mutex, c);
	rt_spawn(rt, RT_SIDE_SRC, "stuck-barrier", stuck_on_barrier, c);
	rt_sleep(rt, 1.0);
	rt_join(rt, reader);
	c->after_block = 1;
}

static void test_deadlock_reported(void)
{
	struct deadlock_ctx c = {.rt = rt_with(1e9, 0, 0, 0)};
	char err[1024];
	int rc = sim_runtime_run(c.rt, deadlock_root, &c, err, sizeof err);
	CU_ASSERT_EQUAL(rc, -EDEADLK);
	CU_ASSERT_EQUAL(c.after_block, 0);
	CU_ASSERT_STRING_EQUAL(
	    err, "deadlock at t=1.000000000 s: 6 task(s) blocked forever: "
	         "'root' in join of task 'stuck-reader', "
	         "'stuck-reader' in recv on channel 'return-path', 'stuck-sem' in sem_acquire, "
	         "'stuck-event' in event_wait, 'stuck-mutex' in mutex_lock, "
	         "'stuck-barrier' in barrier_wait");
	/* The objects outlive the killed tasks and are freed as usual. */
	const struct rt_ops *o = c.rt->ops;
	o->chan_free(c.chan);
	o->sem_free(c.sem);
	o->event_free(c.ev);
	o->mutex_free(c.mutex);
	o->barrier_free(c.barrier);
	/* A short message buffer truncates without overflowing. */
	char small[16];
	c.after_block = 0;
	CU_ASSERT_EQUAL(sim_runtime_run(c.rt, deadlock_root, &c, small, sizeof small), -EDEADLK);
	CU_ASSERT_EQUAL(strlen(small), sizeof small - 1);
	o->chan_free(c.chan);
	o->sem_free(c.sem);
	o->event_free(c.ev);
	o->mutex_free(c.mutex);
	o->barrier_free(c.barrier);
	sim_runtime_free(c.rt);

	/* The next run is unaffected. */
	struct sleep_ctx s = {.rt = rt_with(1e9, 0, 0, 0)};
	run_ok(s.rt, sleep_root, &s);
	CU_ASSERT_EQUAL(s.t_start, 0.0);
	NEAR(s.t_after, 1.5);
	sim_runtime_free(s.rt);
}

struct nested_ctx {
	struct rt *rt;
	int rc;
	char err[256];
};

static void nested_root(void *arg)
{
	struct nested_ctx *c = arg;
	c->rc = sim_runtime_run(c->rt, nested_root, c, c->err, sizeof c->err);
}

static void test_bad_config_and_nesting(void)
{
	char err[256];
	static const struct {
		struct sim_runtime_config cfg;
		const char *field;
	} bad[] = {
	    {{0, 0, 0, 0, 0}, "bandwidth_Bps"},      {{1e9, -1, 0, 0, 0}, "latency_s"},
	    {{1e9, 0, -1, 0, 0}, "thread_create_s"}, {{1e9, 0, 0, INFINITY, 0}, "thread_join_s"},
	    {{1e9, 0, 0, 0, NAN}, "thread_wake_s"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct rt *rt = sim_runtime_new(&bad[i].cfg);
		CU_ASSERT_EQUAL(sim_runtime_run(rt, child_returns, NULL, err, sizeof err), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].field));
		sim_runtime_free(rt);
	}
	struct nested_ctx c = {.rt = rt_with(1e9, 0, 0, 0)};
	run_ok(c.rt, nested_root, &c);
	CU_ASSERT_EQUAL(c.rc, -EBUSY);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.err, "already in progress"));
	sim_runtime_free(c.rt);
}

/* ---- stats and determinism ---- */

struct mixed_ctx {
	struct rt *rt;
	struct rt_chan *chan;
	struct rt_sem *sem;
	struct rt_event *ev;
	double times[8];
};

static void mixed_peer(void *arg)
{
	struct mixed_ctx *c = arg;
	const struct rt_ops *o = c->rt->ops;
	struct rt_frame f;
	o->chan_recv(c->chan, &f);
	o->chan_recv(c->chan, &f);
	c->times[0] = rt_now(c->rt);
	o->event_wait(c->ev); /* blocks: lock, cond_wait, unlock */
	o->sem_release(c->sem);
	c->times[1] = rt_now(c->rt);
}

/* Counted operations: spawns 2 (root, peer), joins 1, sleeps 5 (one, the two
 * charges, and the peer waiting out the latency of each frame), sends 2,
 * recvs 2, sync 6 (event wait 3 + set 1 + sem 2). */
static void mixed_root(void *arg)
{
	struct mixed_ctx *c = arg;
	struct rt *rt = c->rt;
	const struct rt_ops *o = rt->ops;
	c->chan = o->chan_new(rt, RT_SIDE_SRC, "stream");
	c->sem = o->sem_new(rt, 0);
	c->ev = o->event_new(rt);
	struct rt_task *t = rt_spawn(rt, RT_SIDE_DST, "peer", mixed_peer, c);
	struct rt_frame f = {.bytes = 123456};
	o->chan_send(c->chan, &f);
	o->chan_send(c->chan, &f);
	rt_sleep(rt, 0.3);
	o->event_set(c->ev);
	o->sem_acquire(c->sem);
	c->times[2] = rt_now(rt);
	rt_join(rt, t);
	c->times[3] = rt_now(rt);
	o->event_wait(c->ev); /* set: free */
	o->chan_free(c->chan);
	o->sem_free(c->sem);
	o->event_free(c->ev);
}

static void run_mixed(double out[8], struct sim_runtime_stats *st)
{
	struct mixed_ctx c = {.rt = rt_with(1.1e8, 3.3e-4, 7e-5, 3e-5)};
	run_ok(c.rt, mixed_root, &c);
	memcpy(out, c.times, sizeof c.times);
	sim_runtime_get_stats(c.rt, st);
	sim_runtime_free(c.rt);
}

static void test_stats_counts(void)
{
	double t[8];
	struct sim_runtime_stats st;
	run_mixed(t, &st);
	CU_ASSERT_EQUAL(st.spawns, 2);
	CU_ASSERT_EQUAL(st.joins, 1);
	CU_ASSERT_EQUAL(st.sleeps, 5);
	CU_ASSERT_EQUAL(st.sends, 2);
	CU_ASSERT_EQUAL(st.recvs, 2);
	CU_ASSERT_EQUAL(st.sync_ops, 6);
	double ser = (HDR + 123456) / 1.1e8;
	NEAR(t[0], 7e-5 + 2 * ser + 3.3e-4); /* second frame: sent, then one latency */
	NEAR(t[1], 7e-5 + 2 * ser + 0.3);    /* the root's set */
	NEAR(t[2], t[1]);
	NEAR(t[3], t[1] + 3e-5);
}

struct idle_ctx {
	struct rt *rt;
	double seconds;
};

static void idle_root(void *arg)
{
	struct idle_ctx *c = arg;
	rt_sleep(c->rt, c->seconds);
}

/*
 * The same calls give bit-identical times wherever the run falls on
 * SimGrid's clock: after runs ending at odd times and far later (where a
 * plain offset from the clock would round differently).
 */
static void test_determinism(void)
{
	static const double gaps[] = {1.5, 10.25, 100.125, 1000.0625};
	double a[8], b[8];
	struct sim_runtime_stats st;
	run_mixed(a, &st);
	for (size_t k = 0; k < sizeof gaps / sizeof gaps[0]; k++) {
		struct idle_ctx c = {.rt = rt_with(1e9, 0, 0, 0), .seconds = gaps[k]};
		run_ok(c.rt, idle_root, &c);
		sim_runtime_free(c.rt);
		run_mixed(b, &st);
		CU_ASSERT_EQUAL(memcmp(a, b, sizeof a), 0);
	}
}

void register_tests(void)
{
	TEST_SUITE("sim_runtime", TEST(test_sleep), TEST(test_spawn_join_charges),
	           TEST(test_wake_charge), TEST(test_transfer_alone),
	           TEST(test_transfers_share_bandwidth), TEST(test_return_path_does_not_share),
	           TEST(test_send_buffers_in_order), TEST(test_semaphore_capacity),
	           TEST(test_barrier), TEST(test_event_semantics), TEST(test_mutex_exclusion),
	           TEST(test_objects_made_outside_run), TEST(test_three_runs_own_clock_and_link),
	           TEST(test_deadlock_reported), TEST(test_bad_config_and_nesting),
	           TEST(test_stats_counts), TEST(test_determinism));
}
