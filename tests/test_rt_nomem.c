/*
 * test_rt_nomem.c - a channel send that runs out of memory is a channel
 * failure like any other: it returns -ENOMEM and records its time, the
 * time real_world.c's first-cause logic holds against the trace
 * (rtp_chan_failed_t).  The binary is linked with --wrap=g_try_malloc, so
 * the test can make the one allocation a local send makes (the frame's
 * departure stamp) fail.
 */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdatomic.h>

#include "rt_pthread.h"
#include "test_util.h"

static atomic_bool fail_next;

gpointer __real_g_try_malloc(gsize n);
gpointer __wrap_g_try_malloc(gsize n);
gpointer __wrap_g_try_malloc(gsize n)
{
	if (atomic_exchange(&fail_next, false))
		return NULL;
	return __real_g_try_malloc(n);
}

struct ctx {
	struct rt *rt;
	struct rt_chan *ch;
	int send_rc;
};

static void sender(void *arg)
{
	struct ctx *c = arg;
	struct rt_frame f = {.kind = 100, .device = -1, .bytes = 0};
	atomic_store(&fail_next, true);
	c->send_rc = c->rt->ops->chan_send(c->ch, &f);
	atomic_store(&fail_next, false);
}

static void test_send_out_of_memory_is_recorded(void)
{
	struct rtp_config cfg = {.io_timeout_s = 1.0};
	char err[300];
	struct ctx c = {.rt = rtp_new(&cfg, err, sizeof err)};
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.rt);
	c.ch = c.rt->ops->chan_new(c.rt, RT_SIDE_SRC, "main");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.ch);
	rtp_run(c.rt, sender, &c, err, sizeof err);
	CU_ASSERT_EQUAL(c.send_rc, -ENOMEM);
	double t = rtp_chan_failed_t(c.rt);
	CU_ASSERT(isfinite(t) && t >= 0);
	c.rt->ops->chan_free(c.ch);
	rtp_free(c.rt);
}

void register_tests(void)
{
	TEST_SUITE("rt_nomem", TEST(test_send_out_of_memory_is_recorded));
}
