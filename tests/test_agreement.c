/*
 * test_agreement.c - the two worlds agree.  Scenarios with emulated devices
 * (fixed arcs of 5 to 50 ms, 1, 4 and 16 devices, every strategy) run in
 * the SimGrid world and in the real world; the real median downtime and
 * the median of every phase must be within 5% or 3 ms of the simulated
 * one, whichever is larger.  Where they disagree, the model or the code is
 * wrong, not the tolerance.
 *
 * Each case prints one line (stderr) with both medians and the largest
 * phase deviation, the numbers docs/real.md quotes.  SWITCHOVER_AGREE_RUNS
 * sets the runs per case (default 5: the median of five shrugs off two
 * runs disturbed by whatever else the machine does).  Sanitizer builds
 * run every case but only print: their instrumentation is real time the
 * simulation does not have.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "real_world.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "summary.h"
#include "test_util.h"

#define TOL_REL 0.05
#define TOL_ABS 0.003

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TIMING_ASSERT(x) (void)(x)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TIMING_ASSERT(x) (void)(x)
#endif
#endif
#ifndef TIMING_ASSERT
#define TIMING_ASSERT(x) CU_ASSERT(x)
#endif

static const char *agree_yaml = "name: agree\n"
                                "vm: {ram: 1MiB}\n"
                                "network: {bandwidth: 10Gbps, latency: 50us}\n"
                                "migration: {chunk_size: 256KiB}\n"
                                "devices:\n"
                                "  - name: vf\n"
                                "    profile: null\n"
                                "    depth: 1\n"
                                "    state_size: 512KiB\n"
                                "    initial_bytes: 128KiB\n"
                                "    latency:\n"
                                "      default: 5ms\n"
                                "      running_to_pre_copy: 20ms\n"
                                "      pre_copy_to_pre_copy_p2p: 10ms\n"
                                "      pre_copy_p2p_to_stop_copy: 50ms\n"
                                "      stop_to_resuming: 10ms\n"
                                "      resuming_to_stop: 5ms\n"
                                "      stop_to_running_p2p: 30ms\n"
                                "      running_p2p_to_running: 15ms\n"
                                "      query: 100us\n"
                                "    load: {fixed: 1ms, rate: 1GiB/s}\n"
                                "handlers:\n"
                                "  - {name: virtio-net, depth: 1, cost: 2ms}\n"
                                "runs: 3\n";

typedef int (*world_run_fn)(const struct scenario *s, unsigned run, struct trace *tr,
                            struct mig_result *res, char *err, size_t errlen);

static int real_run(const struct scenario *s, unsigned run, struct trace *tr,
                    struct mig_result *res, char *err, size_t errlen)
{
	struct real_world_config cfg = {.devices = REAL_DEVICES_EMU};
	return real_world_run(s, run, &cfg, tr, res, err, errlen);
}

/* Median downtime and phases of s->runs runs in one world. */
static void medians(const struct scenario *s, world_run_fn run, double *downtime,
                    double phase[PHASE_COUNT])
{
	struct run_summary *sums = calloc(s->runs, sizeof *sums);
	CU_ASSERT_FATAL(sums != NULL);
	for (unsigned r = 0; r < s->runs; r++) {
		struct trace tr;
		struct mig_result res;
		char err[512];
		trace_init(&tr);
		int rc = run(s, r, &tr, &res, err, sizeof err);
		if (rc || res.status)
			fprintf(stderr, "run %u: %d %s %s\n", r, rc, err, res.error);
		CU_ASSERT_FATAL(rc == 0);
		CU_ASSERT(res.status == 0);
		CU_ASSERT_FATAL(summary_from_trace(s, &tr, &res, &sums[r]) == 0);
		trace_free(&tr);
	}
	struct aggregate a;
	CU_ASSERT_FATAL(aggregate_runs(sums, s->runs, &a) == 0);
	*downtime = a.downtime.median;
	for (int p = 0; p < PHASE_COUNT; p++)
		phase[p] = a.phase[p].median;
	aggregate_free(&a);
	for (unsigned r = 0; r < s->runs; r++)
		summary_free(&sums[r]);
	free(sums);
}

static bool agrees(double real, double sim)
{
	double tol = fmax(TOL_REL * fabs(sim), TOL_ABS);
	return fabs(real - sim) <= tol;
}

static void agree_case(enum strategy_kind k, unsigned count)
{
	char strategy[64], devices[64], runs[32];
	snprintf(strategy, sizeof strategy, "migration.strategy=%s", strategy_name(k));
	snprintf(devices, sizeof devices, "devices[0].count=%u", count);
	const char *env = getenv("SWITCHOVER_AGREE_RUNS");
	snprintf(runs, sizeof runs, "runs=%s", env && *env ? env : "5");
	const char *sets[] = {strategy, devices, runs};
	struct scenario *s = NULL;
	char err[1024];
	int rc = scenario_load_text("agree.yaml", agree_yaml, strlen(agree_yaml), sets, 3, &s, err,
	                            sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_FATAL(rc == 0);

	double sim_dt, real_dt, sim_ph[PHASE_COUNT], real_ph[PHASE_COUNT];
	medians(s, sim_world_run, &sim_dt, sim_ph);
	medians(s, real_run, &real_dt, real_ph);

	int worst = 0;
	for (int p = 1; p < PHASE_COUNT; p++)
		if (fabs(real_ph[p] - sim_ph[p]) > fabs(real_ph[worst] - sim_ph[worst]))
			worst = p;
	fprintf(stderr,
	        "agreement %-16s %2u devices: sim %9.3f ms, real %9.3f ms, %+7.3f ms (%+.2f%%); "
	        "largest phase deviation %s %+.3f ms\n",
	        strategy_name(k), count, sim_dt * 1e3, real_dt * 1e3, (real_dt - sim_dt) * 1e3,
	        100 * (real_dt - sim_dt) / sim_dt, phase_name(worst),
	        (real_ph[worst] - sim_ph[worst]) * 1e3);
	TIMING_ASSERT(agrees(real_dt, sim_dt));
	for (int p = 0; p < PHASE_COUNT; p++) {
		if (!agrees(real_ph[p], sim_ph[p]))
			fprintf(stderr, "  phase %s: sim %.3f ms, real %.3f ms\n", phase_name(p),
			        sim_ph[p] * 1e3, real_ph[p] * 1e3);
		TIMING_ASSERT(agrees(real_ph[p], sim_ph[p]));
	}
	scenario_free(s);
}

static void test_sequential(void)
{
	agree_case(STRATEGY_SEQUENTIAL, 1);
	agree_case(STRATEGY_SEQUENTIAL, 4);
	agree_case(STRATEGY_SEQUENTIAL, 16);
}

static void test_parallel_prio(void)
{
	agree_case(STRATEGY_PARALLEL_PRIO, 1);
	agree_case(STRATEGY_PARALLEL_PRIO, 4);
	agree_case(STRATEGY_PARALLEL_PRIO, 16);
}

static void test_parallel_barrier(void)
{
	agree_case(STRATEGY_PARALLEL_BARRIER, 1);
	agree_case(STRATEGY_PARALLEL_BARRIER, 4);
	agree_case(STRATEGY_PARALLEL_BARRIER, 16);
}

void register_tests(void)
{
	TEST_SUITE("agreement", TEST(test_sequential), TEST(test_parallel_prio),
	           TEST(test_parallel_barrier));
}
