/*
 * test_contract_real.c - the runtime contract (runtime_contract.c) in the
 * real world (pthreads, sockets, the emulated link): a time is asserted
 * only as the lower bound physics guarantees, spawn/join/wake cost what the
 * machine takes, and a tick is 20 ms.  The one upper bound is a hang
 * detector: a run that takes longer than TEST_HANG_S ends the process.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "rt_pthread.h"
#include "runtime_contract.h"
#include "test_util.h"

static struct rt *real_make(const struct contract_link *l)
{
	struct rtp_config cfg = {.bandwidth_Bps = l->bandwidth_Bps,
	                         .latency_s = l->latency_s,
	                         .io_timeout_s = RTP_DEFAULT_IO_TIMEOUT_S};
	char err[200];
	struct rt *rt = rtp_new(&cfg, err, sizeof err);
	if (!rt)
		fprintf(stderr, "rtp_new: %s\n", err);
	return rt;
}

static void hung(int sig)
{
	static const char msg[] = "test_contract_real: a run took longer than TEST_HANG_S (hung)\n";
	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(1);
}

static int real_run(struct rt *rt, rt_task_fn fn, void *arg, char *err, size_t errlen)
{
	signal(SIGALRM, hung);
	alarm((unsigned)TEST_HANG_S);
	int rc = rtp_run(rt, fn, arg, err, errlen);
	alarm(0);
	return rc;
}

/* Real transfers take their time and pass through sockets: fast links,
 * frames of a few MB. */
static const struct contract_sweep_link real_sweep[] = {
    {1e9, 1e-3}, {1.25e9, 5e-5}, {1e10, 1e-6}, {3e7, 0.1}};

static const struct contract_world real_world = {
    .name = "contract_real",
    .make = real_make,
    .run = real_run,
    .free = rtp_free,
    .task_host = NULL,
    .exact = false,
    .charges = false,
    .carries_data = 1,
    .tick = 0.02,
    .big_frame = 4e6,
    .sweep = real_sweep,
    .n_sweep = sizeof real_sweep / sizeof real_sweep[0],
};

void register_tests(void)
{
	contract_register(&real_world);
}
