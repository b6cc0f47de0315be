/*
 * test_vmstate.c - VM change-state handler order: priorities with the
 * depth/adjustment encoding, subsystem handlers at priority 0, ties, the
 * prepare pass before the main pass, descending on stop, ascending on start.
 */
#include <string.h>

#include "test_util.h"
#include "vmstate.h"

static double zero_now(struct rt *rt)
{
	(void)rt;
	return 0;
}

static const struct rt_ops clock_only = {.now = zero_now};
static struct rt rt0 = {.ops = &clock_only};

static char log_buf[1024];

static void log_call(const char *name, const char *pass)
{
	strcat(log_buf, name);
	strcat(log_buf, pass);
	strcat(log_buf, " ");
}

static void prep(void *opaque, bool running)
{
	(void)running;
	log_call(opaque, ".p");
}

static void main_cb(void *opaque, bool running)
{
	(void)running;
	log_call(opaque, ".m");
}

/* name, depth (-1 subsystem), adj, has_prepare, has_cb */
struct spec {
	const char *name;
	int depth, adj;
	bool prepare, cb;
};

static void build(struct vmstate_registry *r, struct trace *tr, const struct spec *s, size_t n)
{
	trace_init(tr);
	vmstate_init(r, &rt0, tr, RT_SIDE_SRC, "test");
	for (size_t i = 0; i < n; i++) {
		struct vmstate_entry e = {
		    .name = s[i].name,
		    .priority = s[i].depth < 0 ? 0 : vmstate_priority(s[i].depth, s[i].adj),
		    .depth = s[i].depth,
		    .device = -1,
		    .prepare_cb = s[i].prepare ? prep : NULL,
		    .cb = s[i].cb ? main_cb : NULL,
		    .opaque = (void *)s[i].name,
		};
		CU_ASSERT_EQUAL_FATAL(vmstate_add(r, &e), 0);
	}
}

static const struct spec mixed[] = {
    {"sys", -1, 0, false, true},  /* subsystem: priority 0 */
    {"a1", 1, 0, true, true},     /* depth 1 ordinary */
    {"v2lo", 2, -1, true, true},  /* VFIO entry just before depth 2 ordinary */
    {"n2", 2, 0, false, true},    /* depth 2 ordinary, main only */
    {"v2hi", 2, +1, true, true},  /* VFIO entry just after depth 2 ordinary */
    {"b1", 1, 0, true, false},    /* depth 1, prepare only; tie with a1 */
    {"d0", 0, 0, true, true},     /* depth 0 ordinary: above subsystems */
    {"x3", 3, -32768, false, true}, /* lowest adj of depth 3 still above depth 2 */
};

static void test_priority_encoding(void)
{
	CU_ASSERT_EQUAL(vmstate_priority(0, 0), 32768);
	CU_ASSERT_EQUAL(vmstate_priority(2, -1), (2 << 16) + 32767);
	CU_ASSERT_EQUAL(vmstate_priority(2, 1), (2 << 16) + 32769);
	CU_ASSERT(vmstate_priority(3, VMSTATE_ADJ_MIN) > vmstate_priority(2, VMSTATE_ADJ_MAX));
	CU_ASSERT(vmstate_priority(0, VMSTATE_ADJ_MIN) == 0);
}

static void test_order_on_stop(void)
{
	struct vmstate_registry r;
	struct trace tr;
	build(&r, &tr, mixed, sizeof mixed / sizeof mixed[0]);
	log_buf[0] = 0;
	vmstate_notify(&r, false);
	/* Descending priority, ties in reverse registration order (b1 before a1),
	 * every prepare_cb before any cb. */
	CU_ASSERT_STRING_EQUAL(log_buf, "v2hi.p v2lo.p b1.p a1.p d0.p "
					"x3.m v2hi.m n2.m v2lo.m a1.m d0.m sys.m ");
	vmstate_free(&r);
	trace_free(&tr);
}

static void test_order_on_start(void)
{
	struct vmstate_registry r;
	struct trace tr;
	build(&r, &tr, mixed, sizeof mixed / sizeof mixed[0]);
	log_buf[0] = 0;
	vmstate_notify(&r, true);
	CU_ASSERT_STRING_EQUAL(log_buf, "d0.p a1.p b1.p v2lo.p v2hi.p "
					"sys.m d0.m a1.m v2lo.m n2.m v2hi.m x3.m ");
	vmstate_free(&r);
	trace_free(&tr);
}

static void test_trace_of_notify(void)
{
	struct vmstate_registry r;
	struct trace tr;
	build(&r, &tr, mixed, 3);
	vmstate_notify(&r, false);
	/* pass-begin, 2 prepare handlers x2 events, pass-end, pass-begin, 3 main x2, pass-end */
	CU_ASSERT_EQUAL(tr.n, 2 + 4 + 2 + 6);
	CU_ASSERT_EQUAL(tr.ev[0].kind, TRACE_PASS_BEGIN);
	CU_ASSERT_EQUAL(tr.ev[0].pass, TRACE_PASS_PREPARE);
	CU_ASSERT_EQUAL(tr.ev[1].kind, TRACE_HANDLER_BEGIN);
	CU_ASSERT_STRING_EQUAL(tr.ev[1].text, "v2lo");
	CU_ASSERT_EQUAL(tr.ev[1].value, 2);
	CU_ASSERT_EQUAL(tr.ev[tr.n - 1].kind, TRACE_PASS_END);
	CU_ASSERT_EQUAL(tr.ev[tr.n - 1].pass, TRACE_PASS_MAIN);
	vmstate_free(&r);
	trace_free(&tr);
}

void register_tests(void)
{
	TEST_SUITE("vmstate", TEST(test_priority_encoding), TEST(test_order_on_stop),
		   TEST(test_order_on_start), TEST(test_trace_of_notify));
}
