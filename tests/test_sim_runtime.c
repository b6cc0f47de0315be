/*
 * test_sim_runtime.c - what only the SimGrid world promises, against exact
 * expected times; the runtime contract itself (clock, tasks, sync objects,
 * channels) is runtime_contract.c, run here by test_contract_sim.c.
 *
 * Every expected time is derived by hand from the model the runtime
 * promises (sim_runtime.h): flows in one direction share the bandwidth
 * equally (max-min), the two directions do not share, each run has its own
 * clock and link.  Also: deadlocks are reported and survived, bad
 * configurations and nested runs refused, operations counted, times
 * bit-identical wherever a run falls on SimGrid's clock.  All suites run in
 * one process, so they also show that many runs (and a deadlocked one) can
 * follow each other.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

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

/* ---- a run ---- */

struct sleep_ctx {
	struct rt *rt;
	double t_start, t_after;
};

static void sleep_root(void *arg)
{
	struct sleep_ctx *c = arg;
	c->t_start = rt_now(c->rt);
	rt_sleep(c->rt, 1.5);
	c->t_after = rt_now(c->rt);
}

static void child_returns(void *arg)
{
	(void)arg;
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
	    {{.bandwidth_Bps = 0}, "bandwidth_Bps"},
	    {{.bandwidth_Bps = 1e9, .latency_s = -1}, "latency_s"},
	    {{.bandwidth_Bps = 1e9, .thread_create_s = -1}, "thread_create_s"},
	    {{.bandwidth_Bps = 1e9, .thread_join_s = INFINITY}, "thread_join_s"},
	    {{.bandwidth_Bps = 1e9, .thread_wake_s = NAN}, "thread_wake_s"},
	    {{.bandwidth_Bps = 1e9, .host = {{.cores = SIM_MAX_CORES + 1}}}, "host[0].cores"},
	    {{.bandwidth_Bps = 1e9, .host = {{0}, {.recv_cpu_s_per_byte = -1}}},
	     "host[1].recv_cpu_s_per_byte"},
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
	TEST_SUITE("sim_runtime", TEST(test_transfers_share_bandwidth),
	           TEST(test_return_path_does_not_share), TEST(test_three_runs_own_clock_and_link),
	           TEST(test_deadlock_reported), TEST(test_bad_config_and_nesting),
	           TEST(test_stats_counts), TEST(test_determinism));
}
