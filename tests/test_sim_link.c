/*
 * test_sim_link.c - a channel transfer that has its link direction to
 * itself is carried as a timed wait instead of a SimGrid communication
 * (sim_runtime.c, struct link_dir).  This suite is the proof that the
 * shortcut changes nothing: every pattern is run twice, once through the
 * runtime's channels and once with the same transfers as bare
 * sg_host_sendto calls at the same instants, and the end dates are
 * compared.  Alone from start to end, the two must be bit-identical, and
 * so must transfers on several channels of one direction (never carried
 * alone); when a task cuts another's transfer on the same channel, the rest
 * of the first is rounded to a whole byte, and the dates may move by a
 * byte's time per cut.
 * The counters show that each pattern took the path it is meant to test.
 * A stream of frames sent with chan_send_ahead (one wait for them all) is
 * compared the same way with the same frames sent with chan_send: the
 * sender's end and every receive must be bit-identical.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <simgrid/host.h>

#include "sim_runtime.h"
#include "test_util.h"

#define HDR       ((double)RT_FRAME_HEADER_BYTES)
#define MAX_TASKS 4
#define MAX_SENDS 4

/* Task i sleeps start[i], then sends bytes[i][0..n[i]) one after another,
 * each task on a channel of its own, or all on one (one_channel: the tasks
 * are all on the source side). */
struct pattern {
	bool one_channel;
	int ntasks;
	enum rt_side side[MAX_TASKS];
	double start[MAX_TASKS];
	int n[MAX_TASKS];
	double bytes[MAX_TASKS][MAX_SENDS];
};

struct sender {
	struct rt *rt;
	const struct pattern *p;
	int i;
	bool bare;  /* bare sg_host_sendto instead of the channel */
	bool ahead; /* chan_send_ahead, and now() only after the last send */
	struct rt_chan *chan;
	double end[MAX_SENDS]; /* now() after each send (the last only, ahead) */
	unsigned end_seq;      /* g_seq when the last send returned */
};

struct drainer {
	struct rt *rt;
	struct rt_chan *chan;
	int n;
	double pause;                      /* sleep before each receive */
	double got[MAX_TASKS * MAX_SENDS]; /* now() after each receive */
	unsigned got_seq[MAX_TASKS * MAX_SENDS];
};

/* The order in which the tasks of a run come back from their sends and
 * receives (one run at a time). */
static unsigned g_seq;

static void send_all(void *arg)
{
	struct sender *s = arg;
	const struct pattern *p = s->p;
	rt_sleep(s->rt, p->start[s->i]);
	sg_host_t from = sg_host_by_name(p->side[s->i] == RT_SIDE_DST ? "dst" : "src");
	sg_host_t to = sg_host_by_name(p->side[s->i] == RT_SIDE_DST ? "src" : "dst");
	for (int k = 0; k < p->n[s->i]; k++) {
		if (s->bare) {
			sg_host_sendto(from, to, HDR + p->bytes[s->i][k]);
		} else {
			struct rt_frame f = {.kind = 1, .bytes = (uint64_t)p->bytes[s->i][k]};
			CU_ASSERT_EQUAL(s->ahead ? rt_chan_send_ahead(s->rt, s->chan, &f)
			                         : s->rt->ops->chan_send(s->chan, &f),
			                0);
		}
		if (!s->ahead || k == p->n[s->i] - 1)
			s->end[k] = rt_now(s->rt);
	}
	s->end_seq = ++g_seq;
}

static void drain(void *arg)
{
	struct drainer *d = arg;
	struct rt_frame f;
	for (int k = 0; k < d->n; k++) {
		rt_sleep(d->rt, d->pause);
		CU_ASSERT_EQUAL(d->rt->ops->chan_recv(d->chan, &f), 0);
		d->got[k] = rt_now(d->rt);
		d->got_seq[k] = ++g_seq;
	}
}

struct run_ctx {
	struct rt *rt;
	struct sender s[MAX_TASKS];
	struct drainer d[MAX_TASKS];
};

static void root(void *arg)
{
	struct run_ctx *c = arg;
	struct rt *rt = c->rt;
	struct rt_task *t[2 * MAX_TASKS];
	int nt = 0;
	const struct pattern *p = c->s[0].p;
	struct rt_chan *shared = NULL;
	if (p->one_channel && !c->s[0].bare) {
		shared = rt->ops->chan_new(rt, RT_SIDE_SRC, "shared");
		c->d[0] = (struct drainer){.rt = rt, .chan = shared, .pause = c->d[0].pause};
		for (int i = 0; i < p->ntasks; i++)
			c->d[0].n += p->n[i];
		t[nt++] = rt_spawn(rt, RT_SIDE_DST, "drainer", drain, &c->d[0]);
	}
	/* Every channel exists before any task runs (spawning yields). */
	for (int i = 0; i < p->ntasks; i++)
		if (shared)
			c->s[i].chan = shared;
		else if (!c->s[i].bare)
			c->s[i].chan = rt->ops->chan_new(rt, p->side[i], "chan");
	for (int i = 0; i < p->ntasks; i++) {
		struct sender *s = &c->s[i];
		if (s->chan && !shared) {
			c->d[i] = (struct drainer){.rt = rt, .chan = s->chan, .n = p->n[i]};
			t[nt++] = rt_spawn(rt, !p->side[i], "drainer", drain, &c->d[i]);
		}
		t[nt++] = rt_spawn(rt, p->side[i], "sender", send_all, s);
	}
	for (int k = 0; k < nt; k++)
		rt_join(rt, t[k]);
	if (shared)
		rt->ops->chan_free(shared);
	else
		for (int i = 0; i < p->ntasks; i++)
			rt->ops->chan_free(c->s[i].chan);
}

/* Run pattern p; end dates into end[task][send]; the runtime's counters. */
static void run(const struct pattern *p, double bw, bool bare, double end[MAX_TASKS][MAX_SENDS],
                struct sim_runtime_stats *st)
{
	struct sim_runtime_config cfg = {.bandwidth_Bps = bw, .latency_s = 1e-4};
	CU_ASSERT_FATAL(sim_runtime_global_init() == 0);
	struct run_ctx c = {.rt = sim_runtime_new(&cfg)};
	CU_ASSERT_FATAL(c.rt != NULL);
	for (int i = 0; i < p->ntasks; i++)
		c.s[i] = (struct sender){.rt = c.rt, .p = p, .i = i, .bare = bare};
	char err[256];
	CU_ASSERT_EQUAL(sim_runtime_run(c.rt, root, &c, err, sizeof err), 0);
	for (int i = 0; i < p->ntasks; i++)
		memcpy(end[i], c.s[i].end, sizeof c.s[i].end);
	sim_runtime_get_stats(c.rt, st);
	sim_runtime_free(c.rt);
}

/* The channel run against the bare one: the largest difference of an end
 * date, seconds; the channel run's counters in *st. */
static double compare(const struct pattern *p, double bw, struct sim_runtime_stats *st)
{
	double a[MAX_TASKS][MAX_SENDS], b[MAX_TASKS][MAX_SENDS];
	struct sim_runtime_stats bare_st;
	run(p, bw, false, a, st);
	run(p, bw, true, b, &bare_st);
	CU_ASSERT_EQUAL(bare_st.sends, 0);
	double worst = 0;
	for (int i = 0; i < p->ntasks; i++)
		for (int k = 0; k < p->n[i]; k++) {
			CU_ASSERT(b[i][k] > 0);
			double d = fabs(a[i][k] - b[i][k]);
			if (d > worst)
				worst = d;
		}
	return worst;
}

/* Alone from start to end, over sizes and bandwidths of many binades
 * (odd ones, whose quotients round): bit-identical. */
static void test_alone_is_exact(void)
{
	static const double bws[] = {12.5e9, 1.25e9, 3.3e7, 1e6 / 3, 987654321.123};
	static const double sizes[] = {0, 1, 4093, 1048576, 3e6 + 7, 104857600, 1e9 + 11};
	for (size_t b = 0; b < sizeof bws / sizeof bws[0]; b++) {
		struct pattern p = {.ntasks = 2, .side = {RT_SIDE_SRC, RT_SIDE_DST}, .n = {4, 3}};
		for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
			p.bytes[k % 2][k / 2] = sizes[k];
		struct sim_runtime_stats st;
		CU_ASSERT_EQUAL(compare(&p, bws[b], &st), 0.0);
		CU_ASSERT_EQUAL(st.alone, 7);
		CU_ASSERT_EQUAL(st.cut, 0);
	}
}

/* A transfer that starts at the instant the previous one ends does not cut
 * it (SimGrid ends the first before the second shares anything). */
static void test_back_to_back_is_exact(void)
{
	const double bw = 1e8, a = 1e6;
	struct pattern p = {.one_channel = true, .ntasks = 2, .n = {1, 1}, .bytes = {{a}, {2 * a}}};
	p.start[1] = (HDR + a) / bw;
	struct sim_runtime_stats st;
	CU_ASSERT_EQUAL(compare(&p, bw, &st), 0.0);
	CU_ASSERT_EQUAL(st.alone, 2);
	CU_ASSERT_EQUAL(st.cut, 0);
}

/* Two channels in one direction (multifd): every transfer goes through
 * SimGrid, none is carried alone, and the ends are SimGrid's own. */
static void test_two_channels_use_simgrid(void)
{
	struct pattern p = {
	    .ntasks = 3,
	    .start = {0, 1e-4, 3.3e-4},
	    .n = {3, 1, 2},
	    .bytes = {{1e6, 2e5, 5e6}, {3e5}, {7e4, 1e8}},
	};
	struct sim_runtime_stats st;
	CU_ASSERT_EQUAL(compare(&p, 1.25e9, &st), 0.0);
	CU_ASSERT_EQUAL(st.alone, 0);
}

/* Tasks sending on one channel at once: the second and third cut the
 * transfer carried alone, the flows share the link, and a transfer that
 * starts when the others are done is alone again.  The cut transfer's rest
 * is rounded to a whole byte, so each cut may move the ends by the time of
 * a byte at the share it then gets (3 flows at most here). */
static void test_cut_shares_as_simgrid(void)
{
	const double bw = 1.25e9;
	struct pattern p = {
	    .one_channel = true,
	    .ntasks = 4,
	    .start = {0, 1e-4, 3.3e-4, 0.2},
	    .n = {3, 1, 2, 1},
	    .bytes = {{1e6, 2e5, 5e6}, {3e5}, {7e4, 1e8}, {1e6}},
	};
	struct sim_runtime_stats st;
	double worst = compare(&p, bw, &st);
	CU_ASSERT(st.cut >= 1);
	CU_ASSERT(st.alone > st.cut);
	CU_ASSERT(worst <= (double)st.cut * 3 / bw);
	printf("\n  %llu cut of %llu alone, ends at most %.3g s from SimGrid's ",
	       (unsigned long long)st.cut, (unsigned long long)st.alone, worst);
}

/* The return path is the other direction: it never cuts the stream. */
static void test_directions_do_not_cut(void)
{
	const double bw = 1e8;
	struct pattern p = {.ntasks = 2,
	                    .side = {RT_SIDE_SRC, RT_SIDE_DST},
	                    .start = {0, 1e-3},
	                    .n = {1, 2},
	                    .bytes = {{1e7}, {0, 0}}};
	struct sim_runtime_stats st;
	CU_ASSERT_EQUAL(compare(&p, bw, &st), 0.0);
	CU_ASSERT_EQUAL(st.alone, 3);
	CU_ASSERT_EQUAL(st.cut, 0);
}

/* The pattern's single sender with chan_send and with chan_send_ahead, on
 * one channel to a receiver that pauses `pause` before each receive: the
 * receive dates and the sender's end, compared bit for bit, and the order
 * in which the two tasks came back from them (a trace's order); the ahead
 * run's counters in *st. */
static void compare_ahead(const struct pattern *p, const struct sim_runtime_config *cfg,
                          double pause, struct sim_runtime_stats *st)
{
	struct run_ctx c[2];
	for (int a = 0; a < 2; a++) {
		CU_ASSERT_FATAL(sim_runtime_global_init() == 0);
		c[a] = (struct run_ctx){.rt = sim_runtime_new(cfg)};
		CU_ASSERT_FATAL(c[a].rt != NULL);
		g_seq = 0;
		for (int i = 0; i < p->ntasks; i++)
			c[a].s[i] = (struct sender){.rt = c[a].rt, .p = p, .i = i, .ahead = a};
		c[a].d[0].pause = pause;
		char err[256];
		CU_ASSERT_EQUAL(sim_runtime_run(c[a].rt, root, &c[a], err, sizeof err), 0);
		struct sim_runtime_stats s;
		sim_runtime_get_stats(c[a].rt, &s);
		if (a)
			*st = s;
		else
			CU_ASSERT_EQUAL(s.ahead, 0);
		sim_runtime_free(c[a].rt);
	}
	int n = p->n[0];
	CU_ASSERT(c[0].s[0].end[n - 1] > 0);
	CU_ASSERT_EQUAL(c[1].s[0].end[n - 1], c[0].s[0].end[n - 1]);
	CU_ASSERT_EQUAL(c[1].s[0].end_seq, c[0].s[0].end_seq);
	for (int k = 0; k < n; k++) {
		CU_ASSERT(c[0].d[0].got[k] > 0);
		CU_ASSERT_EQUAL(c[1].d[0].got[k], c[0].d[0].got[k]);
		CU_ASSERT_EQUAL(c[1].d[0].got_seq[k], c[0].d[0].got_seq[k]);
	}
}

/* A stream sent ahead: frames of odd sizes at odd bandwidths, the copy
 * shorter and longer than the transfer (per-byte and per-frame CPU), with a
 * receiver that waits for each frame and with one that trails the sender;
 * and with two channels of the direction, where nothing is sent ahead. */
static void test_ahead_is_exact(void)
{
	static const double bws[] = {12.5e9, 1e6 / 3, 987654321.123};
	static const double cpu_frame[] = {0, 3e-5};
	static const double pauses[] = {0, 7.7e-4};
	struct pattern p = {
	    .one_channel = true, .ntasks = 1, .n = {4}, .bytes = {{1048576, 0, 3e6 + 7, 4093}}};
	for (size_t b = 0; b < sizeof bws / sizeof bws[0]; b++)
		for (size_t f = 0; f < 2; f++)
			for (size_t q = 0; q < 2; q++) {
				struct sim_runtime_config cfg = {.bandwidth_Bps = bws[b],
				                                 .latency_s = 1e-4};
				cfg.host[RT_SIDE_SRC].send_cpu_s_per_frame = cpu_frame[f];
				cfg.host[RT_SIDE_SRC].send_cpu_s_per_byte = f ? 1.1 / bws[b] : 0;
				struct sim_runtime_stats st;
				compare_ahead(&p, &cfg, pauses[q], &st);
				CU_ASSERT_EQUAL(st.ahead, 4);
				CU_ASSERT_EQUAL(st.ahead_overlaps, 0);
			}
	/* A wake latency on either host: chan_send's sender sleeps past the
	 * departure and a receiver that finds a frame in flight wakes late, so
	 * nothing is sent ahead and the dates are chan_send's. */
	for (int side = 0; side < 2; side++)
		for (size_t q = 0; q < 2; q++) {
			struct sim_runtime_config cfg = {.bandwidth_Bps = 987654321.123,
			                                 .latency_s = side ? 0 : 1e-4};
			cfg.host[side].wake_latency_s = 1.8e-5;
			struct sim_runtime_stats st;
			compare_ahead(&p, &cfg, pauses[q], &st);
			CU_ASSERT_EQUAL(st.ahead, 0);
		}
	/* No link latency: the receiver's wake at a frame's arrival and the
	 * sender's catch-up would fall on one date and run in another order than
	 * chan_send's (the same dates, a trace in another order), so nothing is
	 * sent ahead. */
	for (size_t q = 0; q < 2; q++) {
		struct sim_runtime_config cfg = {.bandwidth_Bps = 987654321.123};
		struct sim_runtime_stats st;
		compare_ahead(&p, &cfg, pauses[q], &st);
		CU_ASSERT_EQUAL(st.ahead, 0);
	}
	/* A second channel on the direction: chan_send_ahead is chan_send. */
	struct pattern two = {
	    .ntasks = 2, .start = {0, 1e-4}, .n = {3, 1}, .bytes = {{1e6, 2e5, 5e6}, {3e5}}};
	double a[MAX_TASKS][MAX_SENDS];
	struct sim_runtime_stats st;
	run(&two, 1.25e9, false, a, &st);
	CU_ASSERT_EQUAL(st.ahead, 0);
}

void register_tests(void)
{
	TEST_SUITE("sim_link", TEST(test_alone_is_exact), TEST(test_back_to_back_is_exact),
	           TEST(test_two_channels_use_simgrid), TEST(test_cut_shares_as_simgrid),
	           TEST(test_directions_do_not_cut), TEST(test_ahead_is_exact));
}
