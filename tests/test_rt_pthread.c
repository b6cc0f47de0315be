/*
 * test_rt_pthread.c - what only the pthread world promises: its
 * configuration is checked, and every blocking channel operation fails in
 * bounded time (timeout, closed peer, malformed or truncated stream) while a
 * silent but live peer is waited for; with CPU windows on (bench_agreement
 * --window-cpu), each thread's CPU lands in the window it was spent in.  The runtime contract
 * itself (clock, tasks, sync objects, channels, the emulated link) is runtime_contract.c, run here
 * by test_contract_real.c.
 *
 * Real time is noisy on a shared machine, so a time is checked only as a
 * lower bound (a timeout does not fire early) or against TEST_HANG_S,
 * which only a hang exceeds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rt_pthread.h"
#include "test_util.h"
#include "transport.h"

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

/* ---- failures ---- */

/* One stream "main" from src to dst with frames of `size` bytes, the
 * receiver checking their pattern, or (recv_only) one frame on a channel
 * the test made. */
struct chan_ctx {
	struct rt *rt;
	struct rt_chan *ch;
	uint64_t size;     /* payload per frame */
	double recv_delay; /* late_sender_root: the frame leaves this late */
	double recv_at;    /* recv_only: when the recv returned (run time) */
	int send_rc, recv_rc, bad_content, n_got;
	int sends; /* frames to send */
};

static void chan_sender(void *arg)
{
	struct chan_ctx *c = arg;
	uint8_t *buf = malloc(c->size);
	CU_ASSERT_FATAL(buf != NULL);
	for (int i = 0; i < c->sends && c->send_rc == 0; i++) {
		for (uint64_t k = 0; k < c->size; k++)
			buf[k] = (uint8_t)(i * 31 + k);
		struct rt_frame f = {100 + i, i - 5, (uint64_t)i << 40, c->size, buf};
		c->send_rc = c->rt->ops->chan_send(c->ch, &f);
	}
	free(buf);
}

static void chan_receiver(void *arg)
{
	struct chan_ctx *c = arg;
	for (int i = 0; i < c->sends; i++) {
		struct rt_frame f;
		c->recv_rc = c->rt->ops->chan_recv(c->ch, &f);
		if (c->recv_rc)
			return;
		c->n_got++;
		for (uint64_t k = 0; f.data && k < f.bytes; k++)
			if (((uint8_t *)f.data)[k] != (uint8_t)(i * 31 + k))
				c->bad_content = 1;
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

static void recv_only(void *arg)
{
	struct chan_ctx *c = arg;
	struct rt_frame f;
	c->recv_rc = c->rt->ops->chan_recv(c->ch, &f);
	c->recv_at = rt_now(c->rt);
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

/* A silent but live peer is not dead: keepalives (every quarter of the 1 s
 * I/O timeout: a loaded machine still runs the heartbeat that often) carry
 * the wait past the I/O timeout.  A hung one (a stall: not even keepalives)
 * is, after it. */
static void test_recv_timeout_is_for_dead_peers(void)
{
	struct chan_ctx c = {.rt = make(0, 0, 1.0), .recv_delay = 3.5};
	c.ch = c.rt->ops->chan_new(c.rt, RT_SIDE_DST, "rp");
	run(c.rt, late_sender_root, &c);
	CU_ASSERT_EQUAL(c.recv_rc, 0);
	CU_ASSERT(c.recv_at >= 3.5);
	c.rt->ops->chan_free(c.ch);

	struct rtp_fault stall = {.action = RTP_FAULT_STALL, .chan = "rp"};
	rtp_set_fault(c.rt, &stall);
	c.ch = c.rt->ops->chan_new(c.rt, RT_SIDE_DST, "rp");
	c.recv_delay = 0;
	run(c.rt, late_sender_root, &c);
	CU_ASSERT_EQUAL(c.recv_rc, -ETIMEDOUT);
	CU_ASSERT(c.recv_at >= 1.0 && c.recv_at < TEST_HANG_S);
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
	struct chan_ctx c = {.rt = make(0, 0, 1.0), .size = 1000, .sends = 20};
	struct rtp_fault f = {.action = action, .chan = "main", .nth = 3};
	rtp_set_fault(c.rt, &f);
	double t0 = transport_now();
	chan_run(&c);
	CU_ASSERT(transport_now() - t0 < TEST_HANG_S);
	CU_ASSERT_EQUAL(c.n_got, 3);
	CU_ASSERT_EQUAL(c.bad_content, 0);
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
	expect_fault(RTP_FAULT_BAD_VERSION, -EPROTO, "transport version 3, expected 2");
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

/* ---- CPU per window (rtp_cpu_windows, bench_agreement --window-cpu) ---- */

/* What the registry charged: per window, the named kinds' CPU and the
 * threads that ended. */
struct win_ctx {
	struct rt *rt;
	struct rt_sem *burned, *go;
	double burn[3], late[3], root[3];
	unsigned ended[3], read_at_mark;
	double probe_s;
};

static void win_charge(void *arg, int window, const char *name, double cpu_s, bool ended)
{
	struct win_ctx *c = arg;
	CU_ASSERT(window >= 0 && window < 3);
	if (window < 0 || window >= 3)
		return;
	CU_ASSERT(cpu_s >= 0);
	if (!strcmp(name, "src burn"))
		c->burn[window] += cpu_s;
	else if (!strcmp(name, "dst late"))
		c->late[window] += cpu_s;
	else if (!strcmp(name, "src root"))
		c->root[window] += cpu_s;
	c->ended[window] += ended;
}

static void win_burn(void *arg)
{
	struct win_ctx *c = arg;
	rt_compute(c->rt, 0.02); /* 20 ms of its own CPU clock */
	c->rt->ops->sem_release(c->burned);
	c->rt->ops->sem_acquire(c->go);
}

static void win_late(void *arg)
{
	struct win_ctx *c = arg;
	rt_compute(c->rt, 0.005);
}

static void win_root(void *arg)
{
	struct win_ctx *c = arg;
	struct rt_task *burn = rt_spawn(c->rt, RT_SIDE_SRC, "burn", win_burn, c);
	c->rt->ops->sem_acquire(c->burned);
	c->probe_s = rtp_cpu_mark(1, &c->read_at_mark);
	struct rt_task *late = rt_spawn(c->rt, RT_SIDE_DST, "late", win_late, c);
	rt_join(c->rt, late);
	c->rt->ops->sem_release(c->go);
	rt_join(c->rt, burn);
	c->probe_s += rtp_cpu_mark(2, NULL);
}

/* A thread's CPU lands in the window it was spent in: what it burnt before
 * a mark in the window that the mark ends, a thread born after the mark
 * nothing before it, a thread's end in the window it ends in.  Bounds only
 * (CPU clocks, not wall time): each thread spent at least what it spun. */
static void test_cpu_windows(void)
{
	struct win_ctx c = {.rt = make(0, 0, 5)};
	c.burned = c.rt->ops->sem_new(c.rt, 0);
	c.go = c.rt->ops->sem_new(c.rt, 0);
	rtp_cpu_windows(win_charge, &c);
	run(c.rt, win_root, &c);
	rtp_cpu_windows(NULL, NULL);
	CU_ASSERT(c.burn[0] >= 0.02);
	CU_ASSERT(c.late[0] == 0);
	CU_ASSERT(c.late[1] >= 0.005);
	CU_ASSERT(c.late[2] == 0);
	CU_ASSERT(c.burn[2] == 0);      /* it ended before the second mark */
	CU_ASSERT(c.ended[0] == 0);     /* nothing ended before the first mark */
	CU_ASSERT(c.ended[1] == 2);     /* burn and late */
	CU_ASSERT(c.ended[2] >= 1);     /* the root, the heartbeat */
	CU_ASSERT(c.read_at_mark >= 2); /* at least the root and burn */
	CU_ASSERT(c.root[2] > 0); /* the root's join and end are in window 2 */
	/* Off: a run charges nothing. */
	struct win_ctx before = c;
	run(c.rt, win_late, &c);
	CU_ASSERT_EQUAL(memcmp(&before, &c, sizeof c), 0);
	c.rt->ops->sem_free(c.burned);
	c.rt->ops->sem_free(c.go);
	rtp_free(c.rt);
}

void register_tests(void)
{
	TEST_SUITE("rt_pthread", TEST(test_config_checked),
	           TEST(test_recv_timeout_is_for_dead_peers), TEST(test_injected_faults),
	           TEST(test_sender_learns_of_broken_receiver), TEST(test_cpu_windows));
}
