/*
 * runtime_contract.c - the runtime contract (models/runtime.h) as one CUnit
 * suite, written once against struct rt and run by each world's adapter
 * (test_contract_sim.c, test_contract_real.c).
 *
 * Every expected time is derived by hand from the contract: sleep(dt) takes
 * dt, a frame alone on its link leaves the sender (header + bytes) /
 * bandwidth after the previous one and reaches a waiting receiver one
 * latency after its last byte, compute(c) takes c of CPU time,
 * spawn/join/wake cost their charges in a world that models them.  ct_at()
 * asserts such a time exactly in a simulated world and as a lower bound in
 * a real one: no case has an upper bound on wall time (a hang is the
 * adapter's to catch).  Sleeps are counted in the world's ticks, so a real
 * world spends milliseconds where the simulated one spends its exact
 * seconds.
 *
 * Tasks only record what they saw; every assertion runs in the test
 * function after the run, so CUnit is never called from two threads.
 */
#include "runtime_contract.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static const struct contract_world *W;

/* Simulated times have a resolution of 2^-36 s; real ones are doubles from
 * CLOCK_MONOTONIC, which a lower bound must not trip over. */
#define CT_EPS 1e-9
#define HDR    ((double)RT_FRAME_HEADER_BYTES)

/* `units` ticks of the world, in seconds. */
static double T(double units)
{
	return units * W->tick;
}

/* A charge of the link's, as the world pays it: exactly (sim) or at least
 * nothing (real: the machine's own cost). */
static double charge(double seconds)
{
	return W->charges ? seconds : 0;
}

static void ct_at_(double actual, double expected, const char *what, unsigned line)
{
	bool ok = W->exact ? fabs(actual - expected) <= CT_EPS : actual >= expected - CT_EPS;
	char msg[256];
	snprintf(msg, sizeof msg, "%s = %.9f, expected %s%.9f", what, actual,
	         W->exact ? "" : "at least ", expected);
	CU_assertImplementation(ok, line, msg, __FILE__, "", CU_FALSE);
}

/* A clock reading the contract predicts: exact, or not earlier. */
#define ct_at(actual, expected) ct_at_((actual), (expected), #actual, __LINE__)

static struct rt *make(double bw, double lat, double create, double join, double wake)
{
	struct contract_link link = {bw, lat, create, join, wake};
	struct rt *rt = W->make(&link);
	CU_ASSERT_FATAL(rt != NULL);
	return rt;
}

/* Run and expect success; on failure, show the world's message. */
static void run_ok(struct rt *rt, rt_task_fn fn, void *arg)
{
	char err[512] = "";
	int rc = W->run(rt, fn, arg, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "%s run: %d %s\n", W->name, rc, err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
}

/* ---- clock, spawn, join, wake ---- */

struct sleep_ctx {
	struct rt *rt;
	double t_start, t_after, t_zero;
};

static void sleep_root(void *arg)
{
	struct sleep_ctx *c = arg;
	c->t_start = rt_now(c->rt);
	rt_sleep(c->rt, T(1.5));
	c->t_after = rt_now(c->rt);
	c->rt->ops->sleep(c->rt, 0);
	c->t_zero = rt_now(c->rt);
}

static void test_clock_and_sleep(void)
{
	struct sleep_ctx c = {.rt = make(1e9, 0, 0, 0, 0)};
	CU_ASSERT_EQUAL(c.rt->carries_data, W->carries_data);
	run_ok(c.rt, sleep_root, &c);
	ct_at(c.t_start, 0.0);
	ct_at(c.t_after, T(1.5));
	CU_ASSERT(c.t_after - c.t_start >= T(1.5) - CT_EPS); /* a sleep never returns early */
	ct_at(c.t_zero, T(1.5));
	CU_ASSERT(c.t_zero >= c.t_after);
	W->free(c.rt);
}

struct compute_ctx {
	struct rt *rt;
	double t_after, t_zero;
};

static void compute_root(void *arg)
{
	struct compute_ctx *c = arg;
	rt_compute(c->rt, T(1.0));
	c->t_after = rt_now(c->rt);
	c->rt->ops->compute(c->rt, 0);
	c->t_zero = rt_now(c->rt);
}

/* CPU work takes at least its CPU time (exactly, on a host of unlimited
 * cores in sim); none takes none. */
static void test_compute(void)
{
	struct compute_ctx c = {.rt = make(1e9, 0, 0, 0, 0)};
	run_ok(c.rt, compute_root, &c);
	ct_at(c.t_after, T(1.0));
	ct_at(c.t_zero, T(1.0));
	W->free(c.rt);
}

struct spawn_ctx {
	struct rt *rt;
	double child_start, child_end, spawn_ret, join_ret, spawn2_ret, join2_ret, join3_ret;
	char child_host[16], dst_host[16];
};

static void note_host(char *buf, size_t len)
{
	snprintf(buf, len, "%s", W->task_host ? W->task_host() : "");
}

static void child_sleeps_1(void *arg)
{
	struct spawn_ctx *c = arg;
	c->child_start = rt_now(c->rt);
	note_host(c->child_host, sizeof c->child_host);
	rt_sleep(c->rt, T(1.0));
	c->child_end = rt_now(c->rt);
}

static void child_returns(void *arg)
{
	(void)arg;
}

static void child_on_dst(void *arg)
{
	struct spawn_ctx *c = arg;
	note_host(c->dst_host, sizeof c->dst_host);
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
	rt_sleep(rt, T(3.0) - rt_now(rt));
	rt_join(rt, t);
	c->join2_ret = rt_now(rt);
	t = rt_spawn(rt, RT_SIDE_DST, "on-dst", child_on_dst, c);
	rt_join(rt, t);
	c->join3_ret = rt_now(rt);
}

static void test_spawn_join(void)
{
	const double create = 0.25, join = 0.125;
	struct spawn_ctx c = {.rt = make(1e9, 0, create, join, 0)};
	run_ok(c.rt, spawn_root, &c);
	double cr = charge(create), jn = charge(join);
	ct_at(c.spawn_ret, cr);
	ct_at(c.child_start, cr);
	ct_at(c.join_ret, cr + T(1.0) + jn);
	CU_ASSERT(c.join_ret >= c.child_end); /* join waits for the task */
	CU_ASSERT(c.child_end - c.child_start >= T(1.0) - CT_EPS);
	ct_at(c.spawn2_ret, cr + T(1.0) + jn + cr);
	ct_at(c.join2_ret, T(3.0) + jn);
	ct_at(c.join3_ret, T(3.0) + jn + cr + jn);
	if (W->task_host) {
		CU_ASSERT_STRING_EQUAL(c.child_host, "src");
		CU_ASSERT_STRING_EQUAL(c.dst_host, "dst");
	}
	W->free(c.rt);
}

/* A task the root forgot to join is waited for by the run. */
static void spawn_and_forget(void *arg)
{
	struct spawn_ctx *c = arg;
	c->spawn_ret = rt_spawn(c->rt, RT_SIDE_SRC, "forgotten", child_sleeps_1, c) != NULL;
}

static void test_unjoined_task_is_waited_for(void)
{
	const double create = 0.25;
	struct spawn_ctx c = {.rt = make(1e9, 0, create, 0, 0)};
	run_ok(c.rt, spawn_and_forget, &c);
	CU_ASSERT_EQUAL(c.spawn_ret, 1);
	ct_at(c.child_end, charge(create) + T(1.0)); /* the run waited for it */
	W->free(c.rt);
}

/* A parked task woken twice: each wake costs the waker its charge before
 * the release, nothing else (the sleeper's acquire is free). */
struct wake_ctx {
	struct rt *rt;
	struct rt_sem *go;
	double woken[2], wake_call[2], wake_ret[2];
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
	rt_sleep(rt, T(1.0));
	for (int i = 0; i < 2; i++) {
		c->wake_call[i] = rt_now(rt);
		rt_wake(rt, c->go);
		c->wake_ret[i] = rt_now(rt);
	}
	rt_join(rt, t);
	rt->ops->sem_free(c->go);
}

static void test_wake(void)
{
	const double create = 0.25, join = 0.125, wake = 0.0625;
	struct wake_ctx c = {.rt = make(1e9, 0, create, join, wake)};
	run_ok(c.rt, wake_root, &c);
	double wk = charge(wake);
	ct_at(c.wake_ret[0], charge(create) + T(1.0) + wk);
	ct_at(c.wake_ret[1], c.wake_ret[0] + wk);
	for (int i = 0; i < 2; i++) {
		/* Not before the wake (in sim: the moment it returns). */
		ct_at(c.woken[i], c.wake_call[i] + wk);
		ct_at(c.wake_ret[i], c.wake_call[i] + wk);
	}
	W->free(c.rt);
}

/* ---- channels ---- */

#define MAX_FRAMES 20

/* One stream: a sender task on `from` sends frames of the given sizes one
 * after the other on one channel; a receiver task on the other side,
 * started `recv_after` seconds late and (if `gate`) only once the sender
 * has sent everything, receives them all. */
struct stream {
	struct rt *rt;
	struct rt_chan *chan;
	enum rt_side from;
	int n;
	double bytes[MAX_FRAMES];
	bool with_data; /* real payloads (a pattern), else NULL: filler */
	double recv_after;
	bool gated;
	struct rt_event *gate;
	/* what the tasks saw */
	double sent[MAX_FRAMES];   /* now() after each send */
	double got_at[MAX_FRAMES]; /* now() after each recv */
	double t0, send_done, recv_start;
	struct rt_frame got[MAX_FRAMES];
	bool had_data[MAX_FRAMES];
	int send_rc, recv_rc, n_got, bad_content;
};

static uint8_t pattern(int frame, uint64_t k)
{
	return (uint8_t)(frame * 31 + (int)k);
}

static void stream_send(void *arg)
{
	struct stream *s = arg;
	for (int i = 0; i < s->n; i++) {
		uint64_t bytes = (uint64_t)s->bytes[i];
		uint8_t *buf = s->with_data && bytes ? malloc(bytes) : NULL;
		for (uint64_t k = 0; buf && k < bytes; k++)
			buf[k] = pattern(i, k);
		struct rt_frame f = {.kind = 100u + (uint32_t)i,
		                     .device = i - 5,
		                     .value = (uint64_t)i << 40,
		                     .bytes = bytes,
		                     .data = buf};
		s->send_rc |= s->rt->ops->chan_send(s->chan, &f);
		s->sent[i] = rt_now(s->rt);
		free(buf);
	}
	s->send_done = rt_now(s->rt);
	if (s->gate)
		s->rt->ops->event_set(s->gate);
}

static void stream_recv(void *arg)
{
	struct stream *s = arg;
	rt_sleep(s->rt, s->recv_after);
	if (s->gate)
		s->rt->ops->event_wait(s->gate);
	s->recv_start = rt_now(s->rt);
	for (int i = 0; i < s->n; i++) {
		struct rt_frame f;
		s->recv_rc = s->rt->ops->chan_recv(s->chan, &f);
		if (s->recv_rc)
			return;
		s->got_at[i] = rt_now(s->rt);
		s->got[i] = f;
		s->had_data[i] = f.data != NULL;
		s->got[i].data = NULL; /* valid only until the next recv */
		for (uint64_t k = 0; f.data && k < f.bytes; k++)
			if (((const uint8_t *)f.data)[k] != pattern(i, k))
				s->bad_content = 1;
		s->n_got++;
	}
}

static void stream_root(void *arg)
{
	struct stream *s = arg;
	s->t0 = rt_now(s->rt);
	struct rt_task *tx = rt_spawn(s->rt, s->from, "sender", stream_send, s);
	struct rt_task *rx = rt_spawn(s->rt, !s->from, "receiver", stream_recv, s);
	rt_join(s->rt, tx);
	rt_join(s->rt, rx);
}

/* One run of stream `s` on `rt`, on a channel made for it. */
static void stream_run(struct rt *rt, struct stream *s)
{
	const struct rt_ops *o = rt->ops;
	s->rt = rt;
	s->chan = o->chan_new(rt, s->from, "main");
	CU_ASSERT_FATAL(s->chan != NULL);
	s->gate = s->gated ? o->event_new(rt) : NULL;
	run_ok(rt, stream_root, s);
	ct_at(s->t0, 0.0); /* every run's clock starts at 0 */
	CU_ASSERT_EQUAL(s->send_rc, 0);
	CU_ASSERT_EQUAL(s->recv_rc, 0);
	CU_ASSERT_EQUAL(s->n_got, s->n);
	if (s->gate)
		o->event_free(s->gate);
	o->chan_free(s->chan);
}

/* The sender is busy for the serialisation only; every frame reaches the
 * (waiting) receiver one latency after its last byte. */
static void check_alone_on_link(const struct stream *s, double bw, double lat)
{
	double t = 0;
	for (int i = 0; i < s->n; i++) {
		t += (HDR + s->bytes[i]) / bw;
		ct_at(s->sent[i], t);
		ct_at(s->got_at[i], t + lat);
	}
}

static void test_transfer_sweep(void)
{
	/* Each link setting of the world its own run, with sizes from a
	 * header alone to a large state. */
	for (size_t k = 0; k < W->n_sweep; k++) {
		double bw = W->sweep[k].bandwidth_Bps, lat = W->sweep[k].latency_s;
		struct stream s = {.n = 4, .bytes = {0, 1000, 1e6, W->big_frame}};
		if (bw < 1e6)
			s.bytes[3] = 1e5;
		struct rt *rt = make(bw, lat, 0, 0, 0);
		stream_run(rt, &s);
		check_alone_on_link(&s, bw, lat);
		W->free(rt);
	}
}

static void test_link_pacing_and_latency(void)
{
	/* 100 MB/s: 20 frames of 1 MB take 0.2 s on the sender; each arrives
	 * 30 ms after it left; the stream pays the latency once.  Filler, so
	 * the test's own byte loops do not slow a sanitizer build down. */
	const double bw = 100e6, lat = 0.03, size = 1e6;
	struct stream s = {.n = MAX_FRAMES};
	for (int i = 0; i < MAX_FRAMES; i++)
		s.bytes[i] = size;
	struct rt *rt = make(bw, lat, 0, 0, 0);
	stream_run(rt, &s);
	double per = (HDR + size) / bw;
	ct_at(s.send_done, MAX_FRAMES * per);
	check_alone_on_link(&s, bw, lat); /* frame i: (i + 1) * per, then + lat */
	W->free(rt);
}

/* Frames keep their order, header fields and (in a world that carries
 * data) their bytes; filler frames carry their size and no buffer. */
static void test_channel_order_and_bytes(void)
{
	struct rt *rt = make(1e9, 0, 0, 0, 0);
	for (int filler = 0; filler < 2; filler++) {
		struct stream s = {.n = MAX_FRAMES, .with_data = !filler};
		for (int i = 0; i < MAX_FRAMES; i++)
			s.bytes[i] = 100000;
		stream_run(rt, &s);
		CU_ASSERT_EQUAL(s.bad_content, 0);
		for (int i = 0; i < MAX_FRAMES; i++) {
			CU_ASSERT_EQUAL(s.got[i].kind, 100u + (uint32_t)i);
			CU_ASSERT_EQUAL(s.got[i].device, i - 5);
			CU_ASSERT_EQUAL(s.got[i].value, (uint64_t)i << 40);
			CU_ASSERT_EQUAL(s.got[i].bytes, 100000u);
			CU_ASSERT_EQUAL(s.had_data[i], !filler && W->carries_data);
		}
	}
	W->free(rt);
}

/* The far end buffers: 6 MB (beyond any socket buffer) go out while the
 * receiver sleeps, and it only starts once the sender has sent them all
 * (a sender that waited for the receiver would never get there). */
static void test_send_buffers_in_order(void)
{
	const double bw = 1e8, lat = 2e-3;
	struct stream s = {.n = 3,
	                   .bytes = {1e6, 2e6, 3e6},
	                   .with_data = true,
	                   .recv_after = T(10.0),
	                   .gated = true};
	struct rt *rt = make(bw, lat, 0, 0, 0);
	stream_run(rt, &s);
	CU_ASSERT(s.recv_start >= s.send_done);
	CU_ASSERT_EQUAL(s.bad_content, 0);
	double t = 0;
	for (int i = 0; i < 3; i++) {
		t += (HDR + 1e6 * (i + 1)) / bw;
		ct_at(s.sent[i], t); /* the receiver was asleep all along */
		ct_at(s.got_at[i], T(10.0));
		CU_ASSERT_EQUAL(s.got[i].kind, 100u + (uint32_t)i);
		CU_ASSERT_EQUAL(s.got[i].device, i - 5);
		CU_ASSERT_EQUAL(s.got[i].value, (uint64_t)i << 40);
		CU_ASSERT_EQUAL(s.got[i].bytes, 1000000u * (uint64_t)(i + 1));
		CU_ASSERT_EQUAL(s.had_data[i], W->carries_data);
	}
	W->free(rt);
}

/* ---- synchronisation ---- */

#define NSEM 5

struct sem_ctx {
	struct rt *rt;
	struct rt_sem *sem;
	atomic_int inside, max_inside, done;
	double end;
};

static void sem_worker(void *arg)
{
	struct sem_ctx *c = arg;
	const struct rt_ops *o = c->rt->ops;
	o->sem_acquire(c->sem);
	int now = atomic_fetch_add(&c->inside, 1) + 1;
	int max = atomic_load(&c->max_inside);
	while (now > max && !atomic_compare_exchange_weak(&c->max_inside, &max, now))
		;
	rt_sleep(c->rt, T(1.0));
	/* A real world may start the second task after the first has had its
	 * tick: wait for it, so that the full capacity is seen in use.  A
	 * world that has them both inside at once never gets here. */
	while (atomic_load(&c->max_inside) < 2 && atomic_load(&c->done) < NSEM - 1)
		rt_sleep(c->rt, T(0.05));
	atomic_fetch_sub(&c->inside, 1);
	o->sem_release(c->sem);
	atomic_fetch_add(&c->done, 1);
}

static void sem_root(void *arg)
{
	struct sem_ctx *c = arg;
	struct rt_task *t[NSEM];
	c->sem = c->rt->ops->sem_new(c->rt, 2);
	for (int i = 0; i < NSEM; i++)
		t[i] = rt_spawn(c->rt, RT_SIDE_SRC, "sem-worker", sem_worker, c);
	for (int i = 0; i < NSEM; i++)
		rt_join(c->rt, t[i]);
	c->end = rt_now(c->rt);
	c->rt->ops->sem_free(c->sem);
}

static void test_semaphore_capacity(void)
{
	struct sem_ctx c = {.rt = make(1e9, 0, 0, 0, 0)};
	run_ok(c.rt, sem_root, &c);
	ct_at(c.end, T(3.0)); /* 5 tasks, 2 at a time, 1 tick each */
	CU_ASSERT_EQUAL(atomic_load(&c.max_inside), 2);
	CU_ASSERT_EQUAL(atomic_load(&c.done), NSEM);
	W->free(c.rt);
}

#define NBARRIER 3

struct barrier_ctx {
	struct rt *rt;
	struct rt_barrier *barrier;
	atomic_int arrived[2], passed, early;
	double passed_at[NBARRIER][2];
};

struct barrier_worker {
	struct barrier_ctx *c;
	int idx;
};

/* Worker i arrives at i+1 ticks, twice: the barrier opens at 3, then 6;
 * nobody passes before the last has arrived. */
static void barrier_worker(void *arg)
{
	struct barrier_worker *w = arg;
	struct barrier_ctx *c = w->c;
	for (int round = 0; round < 2; round++) {
		rt_sleep(c->rt, T(w->idx + 1.0));
		atomic_fetch_add(&c->arrived[round], 1);
		c->rt->ops->barrier_wait(c->barrier);
		if (atomic_load(&c->arrived[round]) != NBARRIER)
			atomic_store(&c->early, 1);
		atomic_fetch_add(&c->passed, 1);
		c->passed_at[w->idx][round] = rt_now(c->rt);
	}
}

static void barrier_root(void *arg)
{
	struct barrier_ctx *c = arg;
	struct rt_task *t[NBARRIER];
	struct barrier_worker w[NBARRIER];
	c->barrier = c->rt->ops->barrier_new(c->rt, NBARRIER);
	for (int i = 0; i < NBARRIER; i++) {
		w[i] = (struct barrier_worker){c, i};
		t[i] = rt_spawn(c->rt, i ? RT_SIDE_DST : RT_SIDE_SRC, "barrier-worker",
		                barrier_worker, &w[i]);
	}
	for (int i = 0; i < NBARRIER; i++)
		rt_join(c->rt, t[i]);
	c->rt->ops->barrier_free(c->barrier);
}

static void test_barrier(void)
{
	struct barrier_ctx c = {.rt = make(1e9, 0, 0, 0, 0)};
	run_ok(c.rt, barrier_root, &c);
	for (int i = 0; i < NBARRIER; i++) {
		ct_at(c.passed_at[i][0], T(3.0));
		ct_at(c.passed_at[i][1], T(6.0));
	}
	CU_ASSERT_EQUAL(atomic_load(&c.passed), 2 * NBARRIER);
	CU_ASSERT_EQUAL(atomic_load(&c.early), 0);
	CU_ASSERT_PTR_NULL(c.rt->ops->barrier_new(c.rt, 0));
	W->free(c.rt);
}

#define NMUTEX   3
#define NCOUNTER 8

struct mutex_ctx {
	struct rt *rt;
	struct rt_mutex *mutex;
	int inside, max_inside; /* under the mutex */
	long counter;           /* under the mutex */
	double end;
};

static void mutex_worker(void *arg)
{
	struct mutex_ctx *c = arg;
	c->rt->ops->mutex_lock(c->mutex);
	if (++c->inside > c->max_inside)
		c->max_inside = c->inside;
	rt_sleep(c->rt, T(1.0));
	c->inside--;
	c->rt->ops->mutex_unlock(c->mutex);
}

static void counter_worker(void *arg)
{
	struct mutex_ctx *c = arg;
	const struct rt_ops *o = c->rt->ops;
	for (int i = 0; i < 10000; i++) {
		o->mutex_lock(c->mutex);
		c->counter++;
		o->mutex_unlock(c->mutex);
	}
}

/* `n` tasks running fn(c) at once, joined. */
static void spawn_all(struct mutex_ctx *c, int n, rt_task_fn fn)
{
	struct rt_task *t[NCOUNTER];
	for (int i = 0; i < n; i++)
		t[i] = rt_spawn(c->rt, RT_SIDE_SRC, "mutex-worker", fn, c);
	for (int i = 0; i < n; i++)
		rt_join(c->rt, t[i]);
	c->end = rt_now(c->rt);
}

static void mutex_root(void *arg)
{
	spawn_all(arg, NMUTEX, mutex_worker);
}

static void counter_root(void *arg)
{
	spawn_all(arg, NCOUNTER, counter_worker);
}

static void test_mutex_exclusion(void)
{
	struct mutex_ctx c = {.rt = make(1e9, 0, 0, 0, 0)};
	c.mutex = c.rt->ops->mutex_new(c.rt);
	run_ok(c.rt, mutex_root, &c);
	CU_ASSERT_EQUAL(c.max_inside, 1);
	ct_at(c.end, T(3.0));
	run_ok(c.rt, counter_root, &c);
	CU_ASSERT_EQUAL(c.counter, NCOUNTER * 10000L);
	c.rt->ops->mutex_free(c.mutex);
	W->free(c.rt);
}

#define NEVWAIT 5

struct event_ctx {
	struct rt *rt;
	struct rt_event *ev;
	double woke[NEVWAIT], end;
	atomic_int woken;
	int woken_before_set;
};

struct event_waiter {
	struct event_ctx *c;
	int idx;
};

static void event_waiter(void *arg)
{
	struct event_waiter *w = arg;
	w->c->rt->ops->event_wait(w->c->ev);
	w->c->woke[w->idx] = rt_now(w->c->rt);
	atomic_fetch_add(&w->c->woken, 1);
}

static struct rt_task *spawn_waiter(struct event_ctx *c, struct event_waiter *w, int idx,
                                    enum rt_side side, const char *name)
{
	*w = (struct event_waiter){c, idx};
	return rt_spawn(c->rt, side, name, event_waiter, w);
}

static void event_root(void *arg)
{
	struct event_ctx *c = arg;
	struct rt *rt = c->rt;
	const struct rt_ops *o = rt->ops;
	struct rt_task *t[NEVWAIT];
	struct event_waiter w[NEVWAIT];
	c->ev = o->event_new(rt);
	t[0] = spawn_waiter(c, &w[0], 0, RT_SIDE_SRC, "waits-for-set");
	rt_sleep(rt, T(2.0));
	c->woken_before_set = atomic_load(&c->woken);
	o->event_set(c->ev);
	o->event_set(c->ev); /* already set: no effect */
	rt_sleep(rt, T(1.0));
	/* Still set: returns at once. */
	t[1] = spawn_waiter(c, &w[1], 1, RT_SIDE_DST, "finds-it-set");
	rt_sleep(rt, T(1.0));
	o->event_reset(c->ev);
	t[2] = spawn_waiter(c, &w[2], 2, RT_SIDE_SRC, "woken-then-reset");
	t[3] = spawn_waiter(c, &w[3], 3, RT_SIDE_DST, "woken-then-reset-2");
	rt_sleep(rt, T(1.0));
	/* QEMU semantics: a set wakes every waiter even if reset before they
	 * run (the second waiter only gets the event's mutex after the reset). */
	o->event_set(c->ev);
	o->event_reset(c->ev);
	t[4] = spawn_waiter(c, &w[4], 4, RT_SIDE_SRC, "waits-after-reset");
	rt_sleep(rt, T(2.0));
	o->event_set(c->ev);
	for (int i = 0; i < NEVWAIT; i++)
		rt_join(rt, t[i]);
	o->event_wait(c->ev); /* returns at once while set */
	o->event_set(c->ev);  /* setting twice is harmless */
	o->event_wait(c->ev);
	c->end = rt_now(rt);
	o->event_free(c->ev);
}

static void test_event_semantics(void)
{
	struct event_ctx c = {.rt = make(1e9, 0, 0, 0, 0)};
	run_ok(c.rt, event_root, &c);
	CU_ASSERT_EQUAL(c.woken_before_set, 0);
	CU_ASSERT_EQUAL(atomic_load(&c.woken), NEVWAIT);
	ct_at(c.woke[0], T(2.0));
	ct_at(c.woke[1], T(3.0));
	ct_at(c.woke[2], T(5.0));
	ct_at(c.woke[3], T(5.0));
	ct_at(c.woke[4], T(7.0));
	ct_at(c.end, T(7.0));
	W->free(c.rt);
}

/* Objects made before the first run serve two runs, each with its own
 * clock from 0. */
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
	o->event_reset(c->ev); /* set by the previous run */
	struct rt_task *t = rt_spawn(c->rt, RT_SIDE_DST, "peer", outside_peer, c);
	struct rt_frame f = {.bytes = 1000};
	o->chan_send(c->chan, &f);
	rt_sleep(c->rt, T(1.0));
	o->event_set(c->ev);
	o->sem_acquire(c->sem);
	o->barrier_wait(c->barrier);
	c->root_passed = rt_now(c->rt);
	rt_join(c->rt, t);
}

static void test_objects_made_outside_run(void)
{
	const double bw = 1e6, lat = 0.01;
	struct outside_ctx c = {.rt = make(bw, lat, 0, 0, 0)};
	const struct rt_ops *o = c.rt->ops;
	c.mutex = o->mutex_new(c.rt);
	c.ev = o->event_new(c.rt);
	c.sem = o->sem_new(c.rt, 0);
	c.barrier = o->barrier_new(c.rt, 2);
	c.chan = o->chan_new(c.rt, RT_SIDE_SRC, "made-before");
	CU_ASSERT_FATAL(c.mutex && c.ev && c.sem && c.barrier && c.chan);
	for (int k = 0; k < 2; k++) {
		run_ok(c.rt, outside_root, &c);
		double ser = (HDR + 1000) / bw;
		ct_at(c.peer_got, ser + lat);
		ct_at(c.peer_woke, ser + T(1.0));
		ct_at(c.root_passed, ser + T(1.0));
		CU_ASSERT(c.peer_woke >= c.peer_got);
	}
	o->chan_free(c.chan);
	o->barrier_free(c.barrier);
	o->sem_free(c.sem);
	o->event_free(c.ev);
	o->mutex_free(c.mutex);
	W->free(c.rt);
}

void contract_register(const struct contract_world *w)
{
	W = w;
	TEST_SUITE(w->name, TEST(test_clock_and_sleep), TEST(test_compute), TEST(test_spawn_join),
	           TEST(test_unjoined_task_is_waited_for), TEST(test_wake),
	           TEST(test_transfer_sweep), TEST(test_link_pacing_and_latency),
	           TEST(test_channel_order_and_bytes), TEST(test_send_buffers_in_order),
	           TEST(test_semaphore_capacity), TEST(test_barrier), TEST(test_mutex_exclusion),
	           TEST(test_event_semantics), TEST(test_objects_made_outside_run));
}
