/*
 * test_rt_pthread.c - the pthread runtime against the runtime contract
 * (models/runtime.h): clock, tasks, mutex, QEMU-style events, counting
 * semaphores, barriers, ordered channels carrying real bytes, the emulated
 * link (pacing and latency), and the bounded failure of every blocking
 * channel operation (timeout, closed peer, malformed or truncated stream).
 *
 * Real time is noisy on a shared machine, so time checks are lower bounds
 * (a sleep never returns early, a paced link is never faster) plus upper
 * bounds loose enough to catch only a missing bound or a hang.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rt_pthread.h"
#include "test_util.h"
#include "transport.h"

#define LOOSE 0.5 /* seconds a check may run late on a busy machine */

static struct rt *make(double bw, double lat, double timeout)
{
	struct rtp_config cfg = {.bandwidth_Bps = bw, .latency_s = lat, .io_timeout_s = timeout};
	char err[200];
	struct rt *rt = rtp_new(&cfg, err, sizeof err);
	if (!rt)
		fprintf(stderr, "rtp_new: %s\n", err);
	CU_ASSERT_FATAL(rt != NULL);
	return rt;
}

static void run(struct rt *rt, rt_task_fn fn, void *arg)
{
	char err[300];
	int rc = rtp_run(rt, fn, arg, err, sizeof err);
	if (rc)
		fprintf(stderr, "rtp_run: %d %s\n", rc, err);
	CU_ASSERT_EQUAL(rc, 0);
}

static void test_config_checked(void)
{
	struct rtp_config cfg = {.io_timeout_s = 0};
	char err[200];
	CU_ASSERT_PTR_NULL(rtp_new(&cfg, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "io_timeout_s"));
	cfg = (struct rtp_config){.bandwidth_Bps = -1, .io_timeout_s = 1};
	CU_ASSERT_PTR_NULL(rtp_new(&cfg, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bandwidth_Bps"));
}

/* ---- clock and tasks ---- */

struct clock_ctx {
	struct rt *rt;
	double t_start, t_after, child_ran_at, t_joined;
};

static void child_sleeps(void *arg)
{
	struct clock_ctx *c = arg;
	rt_sleep(c->rt, 0.03);
	c->child_ran_at = rt_now(c->rt);
}

static void clock_root(void *arg)
{
	struct clock_ctx *c = arg;
	c->t_start = rt_now(c->rt);
	rt_sleep(c->rt, 0.02);
	c->t_after = rt_now(c->rt);
	struct rt_task *t = rt_spawn(c->rt, RT_SIDE_DST, "child", child_sleeps, c);
	CU_ASSERT_FATAL(t != NULL);
	rt_join(c->rt, t);
	c->t_joined = rt_now(c->rt);
}

static void test_clock_spawn_join(void)
{
	struct clock_ctx c = {.rt = make(0, 0, 1)};
	CU_ASSERT_EQUAL(c.rt->carries_data, 1);
	run(c.rt, clock_root, &c);
	CU_ASSERT(c.t_start >= 0 && c.t_start < LOOSE);
	CU_ASSERT(c.t_after - c.t_start >= 0.02 && c.t_after - c.t_start < 0.02 + LOOSE);
	CU_ASSERT(c.child_ran_at >= c.t_after + 0.03);
	CU_ASSERT(c.t_joined >= c.child_ran_at);
	rtp_free(c.rt);
}

/* A task the root forgot to join is joined by rtp_run. */
static void spawn_and_forget(void *arg)
{
	struct clock_ctx *c = arg;
	CU_ASSERT(rt_spawn(c->rt, RT_SIDE_SRC, "forgotten", child_sleeps, c) != NULL);
}

static void test_unjoined_task_is_joined(void)
{
	struct clock_ctx c = {.rt = make(0, 0, 1)};
	run(c.rt, spawn_and_forget, &c);
	CU_ASSERT(c.child_ran_at >= 0.03); /* rtp_run waited for it */
	rtp_free(c.rt);
}

/* ---- synchronisation ---- */

#define N_TASKS 8

struct sync_ctx {
	struct rt *rt;
	struct rt_mutex *m;
	struct rt_event *e;
	struct rt_sem *s;
	struct rt_barrier *b;
	long counter;
	atomic_int inside, max_inside, woke, passed, arrived;
	atomic_int early;
};

static void mutex_task(void *arg)
{
	struct sync_ctx *c = arg;
	const struct rt_ops *o = c->rt->ops;
	for (int i = 0; i < 10000; i++) {
		o->mutex_lock(c->m);
		c->counter++;
		o->mutex_unlock(c->m);
	}
}

static void spawn_all(struct sync_ctx *c, rt_task_fn fn)
{
	struct rt_task *t[N_TASKS];
	for (int i = 0; i < N_TASKS; i++)
		CU_ASSERT_FATAL((t[i] = rt_spawn(c->rt, RT_SIDE_SRC, "worker", fn, c)) != NULL);
	for (int i = 0; i < N_TASKS; i++)
		rt_join(c->rt, t[i]);
}

static void mutex_root(void *arg)
{
	spawn_all(arg, mutex_task);
}

static void event_waiter(void *arg)
{
	struct sync_ctx *c = arg;
	c->rt->ops->event_wait(c->e);
	atomic_fetch_add(&c->woke, 1);
}

/* Set wakes every waiter, even those that have not run again before the
 * reset; a set event lets waits through until reset. */
static void event_root(void *arg)
{
	struct sync_ctx *c = arg;
	const struct rt_ops *o = c->rt->ops;
	struct rt_task *t[N_TASKS];
	for (int i = 0; i < N_TASKS; i++)
		t[i] = rt_spawn(c->rt, RT_SIDE_SRC, "waiter", event_waiter, c);
	rt_sleep(c->rt, 0.05); /* let them block */
	CU_ASSERT_EQUAL(atomic_load(&c->woke), 0);
	o->event_set(c->e);
	o->event_reset(c->e);
	for (int i = 0; i < N_TASKS; i++)
		rt_join(c->rt, t[i]);
	CU_ASSERT_EQUAL(atomic_load(&c->woke), N_TASKS);
	o->event_set(c->e);
	o->event_wait(c->e); /* returns at once while set */
	o->event_set(c->e);  /* setting twice is harmless */
	o->event_wait(c->e);
}

static void sem_task(void *arg)
{
	struct sync_ctx *c = arg;
	const struct rt_ops *o = c->rt->ops;
	o->sem_acquire(c->s);
	int now = atomic_fetch_add(&c->inside, 1) + 1;
	int max = atomic_load(&c->max_inside);
	while (now > max && !atomic_compare_exchange_weak(&c->max_inside, &max, now))
		;
	rt_sleep(c->rt, 0.01);
	atomic_fetch_sub(&c->inside, 1);
	o->sem_release(c->s);
}

static void sem_root(void *arg)
{
	spawn_all(arg, sem_task);
}

static void barrier_task(void *arg)
{
	struct sync_ctx *c = arg;
	int me = atomic_fetch_add(&c->arrived, 1);
	rt_sleep(c->rt, 0.002 * me);
	c->rt->ops->barrier_wait(c->b);
	if (atomic_load(&c->arrived) != N_TASKS)
		atomic_store(&c->early, 1);
	atomic_fetch_add(&c->passed, 1);
}

static void barrier_root(void *arg)
{
	spawn_all(arg, barrier_task);
}

static void test_sync_objects(void)
{
	struct rt *rt = make(0, 0, 1);
	const struct rt_ops *o = rt->ops;
	struct sync_ctx c = {.rt = rt};
	c.m = o->mutex_new(rt);
	c.e = o->event_new(rt);
	c.s = o->sem_new(rt, 2);
	c.b = o->barrier_new(rt, N_TASKS);
	CU_ASSERT_FATAL(c.m && c.e && c.s && c.b);
	CU_ASSERT_PTR_NULL(o->barrier_new(rt, 0));
	run(rt, mutex_root, &c);
	CU_ASSERT_EQUAL(c.counter, N_TASKS * 10000L);
	run(rt, event_root, &c);
	run(rt, sem_root, &c);
	CU_ASSERT_EQUAL(atomic_load(&c.max_inside), 2);
	run(rt, barrier_root, &c);
	CU_ASSERT_EQUAL(atomic_load(&c.passed), N_TASKS);
	CU_ASSERT_EQUAL(atomic_load(&c.early), 0);
	o->mutex_free(c.m);
	o->event_free(c.e);
	o->sem_free(c.s);
	o->barrier_free(c.b);
	rtp_free(rt);
}

/* ---- channels ---- */

#define N_FRAMES 20

struct chan_ctx {
	struct rt *rt;
	struct rt_chan *ch;
	uint64_t size;     /* payload per frame */
	int null_data;     /* send filler */
	double recv_delay; /* receiver starts this late */
	double t_sent[N_FRAMES], t_got[N_FRAMES];
	double t_send_done;
	int send_rc, recv_rc, bad_content, n_got;
	struct rt_frame got[N_FRAMES];
	int sends; /* frames to send; 0: N_FRAMES */
};

static void chan_sender(void *arg)
{
	struct chan_ctx *c = arg;
	uint8_t *buf = c->size ? malloc(c->size) : NULL;
	int n = c->sends ? c->sends : N_FRAMES;
	for (int i = 0; i < n && c->send_rc == 0; i++) {
		for (uint64_t k = 0; buf && k < c->size; k++)
			buf[k] = (uint8_t)(i * 31 + k);
		struct rt_frame f = {100 + i, i - 5, (uint64_t)i << 40, c->size,
		                     c->null_data ? NULL : buf};
		if (i < N_FRAMES)
			c->t_sent[i] = rt_now(c->rt);
		c->send_rc = c->rt->ops->chan_send(c->ch, &f);
	}
	c->t_send_done = rt_now(c->rt);
	free(buf);
}

static void chan_receiver(void *arg)
{
	struct chan_ctx *c = arg;
	rt_sleep(c->rt, c->recv_delay);
	int n = c->sends ? c->sends : N_FRAMES;
	for (int i = 0; i < n; i++) {
		struct rt_frame f;
		c->recv_rc = c->rt->ops->chan_recv(c->ch, &f);
		if (c->recv_rc || i >= N_FRAMES)
			return;
		c->t_got[i] = rt_now(c->rt);
		c->got[i] = f;
		c->n_got++;
		for (uint64_t k = 0; f.data && k < f.bytes; k++)
			if (((uint8_t *)f.data)[k] != (uint8_t)(i * 31 + k))
				c->bad_content = 1;
		c->got[i].data = f.data ? (void *)1 : NULL; /* valid only until the next recv */
	}
}

static void chan_root(void *arg)
{
	struct chan_ctx *c = arg;
	struct rt_task *r = rt_spawn(c->rt, RT_SIDE_DST, "receiver", chan_receiver, c);
	chan_sender(c);
	rt_join(c->rt, r);
}

static void chan_run(struct chan_ctx *c)
{
	c->ch = c->rt->ops->chan_new(c->rt, RT_SIDE_SRC, "main");
	CU_ASSERT_FATAL(c->ch != NULL);
	run(c->rt, chan_root, c);
	c->rt->ops->chan_free(c->ch);
}

static void test_channel_order_and_bytes(void)
{
	struct chan_ctx c = {.rt = make(0, 0, 2), .size = 100000};
	chan_run(&c);
	CU_ASSERT_EQUAL(c.send_rc, 0);
	CU_ASSERT_EQUAL(c.recv_rc, 0);
	CU_ASSERT_EQUAL(c.n_got, N_FRAMES);
	CU_ASSERT_EQUAL(c.bad_content, 0);
	for (int i = 0; i < N_FRAMES; i++) {
		CU_ASSERT_EQUAL(c.got[i].kind, 100u + i);
		CU_ASSERT_EQUAL(c.got[i].device, i - 5);
		CU_ASSERT_EQUAL(c.got[i].value, (uint64_t)i << 40);
		CU_ASSERT_EQUAL(c.got[i].bytes, 100000u);
		CU_ASSERT_PTR_NOT_NULL(c.got[i].data);
	}
	/* Filler: sizes travel, no buffer is handed over. */
	struct chan_ctx d = {.rt = c.rt, .size = 100000, .null_data = 1};
	chan_run(&d);
	CU_ASSERT_EQUAL(d.n_got, N_FRAMES);
	CU_ASSERT_PTR_NULL(d.got[N_FRAMES - 1].data);
	CU_ASSERT_EQUAL(d.got[N_FRAMES - 1].bytes, 100000u);
	rtp_free(c.rt);
}

/* The far end buffers: 5 MiB (beyond any socket buffer) go out while
 * nobody receives. */
static void test_channel_buffers_without_receiver(void)
{
	struct chan_ctx c = {.rt = make(0, 0, 5), .size = 256 << 10, .recv_delay = 1.0};
	chan_run(&c);
	CU_ASSERT_EQUAL(c.n_got, N_FRAMES);
	CU_ASSERT(c.t_send_done < 1.0); /* the sender did not wait for the receiver */
	rtp_free(c.rt);
}

static void test_link_pacing_and_latency(void)
{
	/* 100 MB/s: 20 frames of 1 MB take 0.2 s on the sender; each arrives
	 * 30 ms after it left; the stream pays the latency once.  Filler, so
	 * the test's own byte loops do not slow a sanitizer build down. */
	double bw = 100e6, lat = 0.03, size = 1e6;
	struct chan_ctx c = {.rt = make(bw, lat, 2), .size = (uint64_t)size, .null_data = 1};
	chan_run(&c);
	CU_ASSERT_EQUAL(c.n_got, N_FRAMES);
	double per = (size + RT_FRAME_HEADER_BYTES) / bw;
	CU_ASSERT(c.t_send_done >= N_FRAMES * per);
	CU_ASSERT(c.t_send_done < N_FRAMES * per + LOOSE);
	for (int i = 0; i < N_FRAMES; i++)
		CU_ASSERT(c.t_got[i] >= (i + 1) * per + lat);
	CU_ASSERT(c.t_got[N_FRAMES - 1] < N_FRAMES * per + lat + LOOSE);
	rtp_free(c.rt);
}

/* ---- failures ---- */

/* t_got[0]: how long the recv took; t_got[1]: when it returned (run time,
 * which does not depend on when this task got a CPU). */
static void recv_only(void *arg)
{
	struct chan_ctx *c = arg;
	struct rt_frame f;
	double t0 = rt_now(c->rt);
	c->recv_rc = c->rt->ops->chan_recv(c->ch, &f);
	c->t_got[1] = rt_now(c->rt);
	c->t_got[0] = c->t_got[1] - t0;
}

/* One frame after `recv_delay`; the receiver waits from the start. */
static void late_sender_root(void *arg)
{
	struct chan_ctx *c = arg;
	struct rt_task *r = rt_spawn(c->rt, RT_SIDE_SRC, "receiver", recv_only, c);
	rt_sleep(c->rt, c->recv_delay);
	struct rt_frame f = {1, -1, 0, 0, NULL};
	c->send_rc = c->rt->ops->chan_send(c->ch, &f);
	rt_join(c->rt, r);
}

/* A silent but live peer is not dead: keepalives carry the wait past the
 * I/O timeout.  A hung one (a stall: not even keepalives) is, after it. */
static void test_recv_timeout_is_for_dead_peers(void)
{
	struct chan_ctx c = {.rt = make(0, 0, 0.2), .recv_delay = 0.7};
	c.ch = c.rt->ops->chan_new(c.rt, RT_SIDE_DST, "rp");
	run(c.rt, late_sender_root, &c);
	CU_ASSERT_EQUAL(c.recv_rc, 0);
	CU_ASSERT(c.t_got[1] >= 0.7);
	c.rt->ops->chan_free(c.ch);

	struct rtp_fault stall = {.action = RTP_FAULT_STALL, .chan = "rp"};
	rtp_set_fault(c.rt, &stall);
	c.ch = c.rt->ops->chan_new(c.rt, RT_SIDE_DST, "rp");
	c.recv_delay = 0;
	run(c.rt, late_sender_root, &c);
	CU_ASSERT_EQUAL(c.recv_rc, -ETIMEDOUT);
	CU_ASSERT(c.t_got[1] >= 0.2 && c.t_got[1] < 0.2 + LOOSE);
	if (!strstr(rtp_last_error(c.rt), "channel 'rp': "))
		fprintf(stderr, "stalled peer: error '%s'\n", rtp_last_error(c.rt));
	CU_ASSERT_PTR_NOT_NULL(strstr(rtp_last_error(c.rt), "channel 'rp': "));
	c.rt->ops->chan_free(c.ch);
	rtp_free(c.rt);
}

/* Inject `action` on frame 3 and expect the receiver to end with `rc`
 * and `what` in the runtime's error, after frames 0..2 were delivered. */
static void expect_fault(enum rtp_fault_action action, int rc, const char *what)
{
	struct chan_ctx c = {.rt = make(0, 0, 0.3), .size = 1000};
	struct rtp_fault f = {.action = action, .chan = "main", .nth = 3};
	rtp_set_fault(c.rt, &f);
	double t0 = transport_now();
	chan_run(&c);
	CU_ASSERT(transport_now() - t0 < 0.3 + 2 * LOOSE);
	CU_ASSERT_EQUAL(c.n_got, 3);
	CU_ASSERT_EQUAL(c.recv_rc, rc);
	const char *e = rtp_last_error(c.rt);
	if (!strstr(e, what))
		fprintf(stderr, "fault %d: error '%s' lacks '%s'\n", (int)action, e, what);
	CU_ASSERT_PTR_NOT_NULL(strstr(e, what));
	rtp_free(c.rt);
}

static void test_injected_faults(void)
{
	expect_fault(RTP_FAULT_DISCONNECT, -EPIPE,
	             "channel 'main': the peer closed the connection");
	expect_fault(RTP_FAULT_TRUNCATE, -EPROTO, "truncated frame");
	expect_fault(RTP_FAULT_GARBAGE, -EPROTO, "malformed frame: magic a5 a5");
	expect_fault(RTP_FAULT_BAD_VERSION, -EPROTO, "transport version 2, expected 1");
	/* Whichever notices first: recv's timeout or the pump's, mid-header. */
	expect_fault(RTP_FAULT_STALL, -ETIMEDOUT, "channel 'main': ");
}

/* After the receiving end broke, the sender learns it: -EPIPE, no hang. */
static void test_sender_learns_of_broken_receiver(void)
{
	struct chan_ctx c = {.rt = make(0, 0, 0.3), .size = 1000, .sends = 2000};
	struct rtp_fault f = {.action = RTP_FAULT_GARBAGE, .chan = "main", .nth = 0};
	rtp_set_fault(c.rt, &f);
	chan_run(&c);
	CU_ASSERT_EQUAL(c.recv_rc, -EPROTO);
	CU_ASSERT_EQUAL(c.send_rc, -EPIPE);
	rtp_free(c.rt);
}

void register_tests(void)
{
	TEST_SUITE("rt_pthread", TEST(test_config_checked), TEST(test_clock_spawn_join),
	           TEST(test_unjoined_task_is_joined), TEST(test_sync_objects),
	           TEST(test_channel_order_and_bytes), TEST(test_channel_buffers_without_receiver),
	           TEST(test_link_pacing_and_latency), TEST(test_recv_timeout_is_for_dead_peers),
	           TEST(test_injected_faults), TEST(test_sender_learns_of_broken_receiver));
}
