/*
 * test_summary.c - what the summary refuses and what it is derived from: a
 * trace that lost events to an out-of-memory append gives an error, not a
 * downtime; and the device arcs are paired once, by device and side, in the
 * order of their ends (trace_arcs, which summary, store and plots share);
 * and the strings a trace interns are pooled by content.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "scenario_load.h"
#include "sim_world.h"
#include "summary.h"
#include "test_util.h"

static const char *yaml = "name: s\n"
                          "vm: {ram: 0}\n"
                          "network: {bandwidth: 100Gbps, latency: 0}\n"
                          "migration: {strategy: parallel-prio}\n"
                          "devices:\n"
                          "  - name: d\n"
                          "    profile: null\n"
                          "    count: 2\n"
                          "runs: 1\n";

/* An append that failed (tr->oom) means events are missing: the summary
 * fails with -ENOMEM and says so, where it used to print a downtime. */
static void test_incomplete_trace_is_an_error(void)
{
	struct scenario *s = NULL;
	char err[1024];
	CU_ASSERT_EQUAL_FATAL(
	    scenario_load_text("s.yaml", yaml, strlen(yaml), NULL, 0, &s, err, sizeof err), 0);
	struct trace tr;
	struct mig_result res;
	trace_init(&tr);
	CU_ASSERT_EQUAL_FATAL(sim_world_run(s, 0, &tr, &res, err, sizeof err), 0);
	struct run_summary sum;
	CU_ASSERT_EQUAL(summary_from_trace(s, &tr, &res, &sum), 0);
	summary_free(&sum);
	tr.oom = 1; /* what trace_add sets when it cannot grow the event array */
	CU_ASSERT_EQUAL(summary_from_trace(s, &tr, &res, &sum), -ENOMEM);
	CU_ASSERT_EQUAL(sum.status, -ENOMEM);
	CU_ASSERT_PTR_NOT_NULL(strstr(sum.error, "trace is incomplete"));
	CU_ASSERT_PTR_NULL(sum.dev);
	trace_free(&tr);
	scenario_free(s);
}

/* A thread-spawn or handler depth the walk cannot index (a peer's trace
 * reaches the summary): below -1 the summary wrote at a negative index, NaN
 * and 1e300 were cast to int (undefined).  Refused with the event named;
 * -1 and 32767, the range's ends, are depths. */
static void test_depth_out_of_range_is_an_error(void)
{
	struct scenario *s = NULL;
	char err[1024];
	CU_ASSERT_EQUAL_FATAL(
	    scenario_load_text("s.yaml", yaml, strlen(yaml), NULL, 0, &s, err, sizeof err), 0);
	static const struct {
		int kind;
		double depth;
		const char *why; /* NULL: a depth */
	} cases[] = {
	    {TRACE_THREAD_SPAWN, -100, "thread-spawn depth -100 out of range -1..32767"},
	    {TRACE_THREAD_SPAWN, NAN, "thread-spawn depth nan out of range -1..32767"},
	    {TRACE_THREAD_SPAWN, 1e300, "thread-spawn depth 1e+300 out of range -1..32767"},
	    {TRACE_THREAD_SPAWN, 2.5, "thread-spawn depth 2.5 out of range -1..32767"},
	    {TRACE_HANDLER_BEGIN, -2, "handler depth -2 out of range -1..32767"},
	    {TRACE_HANDLER_BEGIN, 32768, "handler depth 32768 out of range -1..32767"},
	    {TRACE_THREAD_SPAWN, -1, NULL},
	    {TRACE_THREAD_SPAWN, 32767, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct trace tr;
		struct mig_result res;
		trace_init(&tr);
		CU_ASSERT_EQUAL_FATAL(sim_world_run(s, 0, &tr, &res, err, sizeof err), 0);
		size_t k = tr.n;
		TRACE_ADD(&tr, .t = tr.ev[k - 1].t, .kind = cases[i].kind, .device = 0, .side = 0,
		          .pass = TRACE_PASS_MAIN, .value = cases[i].depth);
		struct run_summary sum;
		int rc = summary_from_trace(s, &tr, &res, &sum);
		if (cases[i].why) {
			char want[200];
			snprintf(want, sizeof want, "trace event %zu: %s", k, cases[i].why);
			CU_ASSERT_EQUAL(rc, -EINVAL);
			CU_ASSERT_EQUAL(sum.status, -EINVAL);
			CU_ASSERT_STRING_EQUAL(sum.error, want);
			CU_ASSERT_PTR_NULL(sum.dev);
		} else {
			CU_ASSERT_EQUAL(rc, 0);
		}
		summary_free(&sum);
		trace_free(&tr);
	}
	scenario_free(s);
}

static void arc(struct trace *tr, double t, int kind, int device, int side)
{
	TRACE_ADD(tr, .t = t, .kind = kind, .device = device, .side = side);
}

/* Ends pair with the latest unpaired begin of their device and side,
 * interleaved or not; an end without a begin has none; device -1 is no arc. */
static void test_arcs_pair_by_device_and_side(void)
{
	struct trace tr;
	trace_init(&tr);
	arc(&tr, 1, TRACE_ARC_BEGIN, 0, 0);
	arc(&tr, 2, TRACE_ARC_BEGIN, 0, 1);
	arc(&tr, 3, TRACE_ARC_BEGIN, 1, 0);
	arc(&tr, 4, TRACE_ARC_END, 1, 0);
	arc(&tr, 5, TRACE_ARC_END, 0, 0);
	arc(&tr, 6, TRACE_ARC_BEGIN, -1, 0);
	arc(&tr, 7, TRACE_ARC_END, 0, 1);
	arc(&tr, 8, TRACE_ARC_END, 0, 0); /* its begin was taken by t=5 */
	GArray *arcs = trace_arcs(&tr);
	CU_ASSERT_EQUAL_FATAL(arcs->len, 4);
	static const double begin[] = {3, 1, 2, -1}, end[] = {4, 5, 7, 8};
	for (guint k = 0; k < arcs->len; k++) {
		const struct trace_arc *a = &g_array_index(arcs, struct trace_arc, k);
		CU_ASSERT_EQUAL(a->end->t, end[k]);
		if (begin[k] < 0) {
			CU_ASSERT_PTR_NULL(a->begin);
		} else {
			CU_ASSERT(a->begin && a->begin->t == begin[k]);
		}
	}
	g_array_unref(arcs);
	trace_free(&tr);
}

/* Appends intern their task and text: one pooled copy per distinct string,
 * found again by address or by content; a caller's buffer reused for other
 * text gets that text, not the copy pooled for the buffer's earlier use. */
static void test_trace_interns_by_content(void)
{
	struct trace tr;
	trace_init(&tr);
	char buf[32];
	strcpy(buf, "worker-a");
	TRACE_ADD(&tr, .t = 0, .task = buf, .kind = TRACE_MARK, .text = "x");
	strcpy(buf, "worker-b");
	TRACE_ADD(&tr, .t = 1, .task = buf, .kind = TRACE_MARK, .text = "x");
	char other[] = "worker-a";
	TRACE_ADD(&tr, .t = 2, .task = other, .kind = TRACE_MARK, .text = NULL);
	CU_ASSERT_EQUAL_FATAL(tr.n, 3);
	CU_ASSERT_STRING_EQUAL(tr.ev[0].task, "worker-a");
	CU_ASSERT_STRING_EQUAL(tr.ev[1].task, "worker-b");
	CU_ASSERT_PTR_EQUAL(tr.ev[2].task, tr.ev[0].task);
	CU_ASSERT_PTR_NOT_EQUAL(tr.ev[0].task, buf);
	CU_ASSERT_PTR_EQUAL(tr.ev[0].text, tr.ev[1].text);
	CU_ASSERT_PTR_NULL(tr.ev[2].text);
	trace_free(&tr);
}

void register_tests(void)
{
	TEST_SUITE("summary", TEST(test_incomplete_trace_is_an_error),
	           TEST(test_depth_out_of_range_is_an_error),
	           TEST(test_arcs_pair_by_device_and_side), TEST(test_trace_interns_by_content));
}
