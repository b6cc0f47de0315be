/*
 * test_strategy.c - each transition strategy on fixed-cost devices gives the
 * exact downtime its design implies (1e-9 s in sim):
 *   sequential        sum of every device's arcs;
 *   parallel-prio     per depth and pass: serial spawns, concurrent arcs,
 *                     serial joins (max + thread costs); depths add up;
 *   parallel-barrier  one thread per device for both steps, a rendezvous
 *                     after the P2P step, the main pass only joins.
 * With migration.threads: pool the same strategies hand each transition to
 * a persistent worker (wake, thread_wake each) and wait for it (free): the
 * downtime differs from per-pass by exactly the thread costs modelled.
 * Also: contention domains serialise, phases add up to the downtime, the
 * invariants hold or break where the designs say they do.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "migration.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "strategy.h"
#include "summary.h"
#include "test_threads.h"
#include "test_util.h"

#define TOL 1e-9

/* Arc costs of the fixed scenario below (seconds). */
static const double A = 0.010;  /* PRE_COPY -> PRE_COPY_P2P */
static const double B = 0.030;  /* PRE_COPY_P2P -> STOP_COPY */
static const double R1 = 0.005; /* RESUMING -> STOP */
static const double C = 0.020;  /* STOP -> RUNNING_P2P */
static const double D = 0.007;  /* RUNNING_P2P -> RUNNING */
static const double TC = 0.001; /* thread create */
static const double TJ = 0.0005; /* thread join */
static const double TW = 0.0002; /* pool hand-off (wake) */
/* The end-of-stream record (header only) crosses 100 Gbps during downtime. */
static const double EOS = RT_FRAME_HEADER_BYTES / 12.5e9;

static const char *fixed_yaml = "name: fixed\n"
				"vm: {ram: 0}\n"
				"network: {bandwidth: 100Gbps, latency: 0}\n"
				"migration: {strategy: sequential, thread_create: 1ms, thread_join: 500us}\n"
				"devices:\n"
				"  - name: d\n"
				"    profile: null\n"
				"    count: 4\n"
				"    depth: 2\n"
				"    latency:\n"
				"      pre_copy_to_pre_copy_p2p: 10ms\n"
				"      pre_copy_p2p_to_stop_copy: 30ms\n"
				"      resuming_to_stop: 5ms\n"
				"      stop_to_running_p2p: 20ms\n"
				"      running_p2p_to_running: 7ms\n"
				"runs: 1\n";

/* Load `yaml` with the --set overrides and run it once in sim; the trace
 * goes to `keep` (initialised here, freed by the caller) unless NULL. */
static void run_traced(const char *yaml, const char *const *sets, size_t n_sets,
		       struct run_summary *sum, struct trace *keep)
{
	struct scenario *s = NULL;
	char err[1024];
	int rc = scenario_load_text("fixed.yaml", yaml, strlen(yaml), sets, n_sets, &s, err,
				    sizeof err);
	if (rc)
		fprintf(stderr, "scenario: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	struct trace tr;
	struct mig_result res;
	trace_init(&tr);
	rc = sim_world_run(s, 0, &tr, &res, err, sizeof err);
	if (rc)
		fprintf(stderr, "run: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(res.status, 0);
	CU_ASSERT_EQUAL_FATAL(summary_from_trace(s, &tr, &res, sum), 0);
	if (keep)
		*keep = tr;
	else
		trace_free(&tr);
	scenario_free(s);
	double total = 0;
	for (int p = 0; p < PHASE_COUNT; p++) {
		CU_ASSERT(sum->phase_s[p] >= -TOL);
		total += sum->phase_s[p];
	}
	CU_ASSERT_DOUBLE_EQUAL(total, sum->downtime_s, TOL);
}

static void run_once(const char *yaml, const char *const *sets, size_t n_sets,
		     struct run_summary *sum)
{
	run_traced(yaml, sets, n_sets, sum, NULL);
}

/* One parallel-prio pass over n devices whose step takes x: the caller
 * launches n tasks one after another (`launch` each: a create, or a pool
 * hand-off), task k starts at k*launch, then collects them in launch order
 * (`collect` each, after the task ended: a join, or a free wait). */
static double prio_pass_with(int n, double x, double launch, double collect)
{
	double t = n * launch;
	for (int k = 1; k <= n; k++)
		t = fmax(t, k * launch + x) + collect;
	return t;
}

static double prio_pass(int n, double x) { return prio_pass_with(n, x, TC, TJ); }

/* parallel-barrier on one side: n launches; every task ends at
 * n*launch + x + y (the last to reach P2P releases the rendezvous); the
 * main pass collects. */
static double barrier_side_with(int n, double x, double y, double launch, double collect)
{
	return n * launch + x + y + n * collect;
}

static double barrier_side(int n, double x, double y)
{
	return barrier_side_with(n, x, y, TC, TJ);
}

static void test_sequential_is_sum(void)
{
	struct run_summary s;
	run_once(fixed_yaml, NULL, 0, &s);
	double n = 4;
	CU_ASSERT_DOUBLE_EQUAL(s.downtime_s, n * (A + B) + EOS + n * (R1 + C) + n * D, TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_PREPARE], n * A, TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_MAIN], n * B, TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_DST_PREPARE], n * (R1 + C), TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_DST_MAIN], n * D, TOL);
	CU_ASSERT_EQUAL(s.threads_spawned, 0);
	/* The ideal-parallel bound pays each step once; serial pays all of them. */
	CU_ASSERT_DOUBLE_EQUAL(s.bound_s, A + B + EOS + R1 + C + D, TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.serial_s, s.downtime_s, TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.efficiency, s.bound_s / s.downtime_s, 1e-12);
	for (int v = 0; v < INV_COUNT; v++)
		CU_ASSERT(s.inv[v].held);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_DOUBLE_EQUAL(s.dev[i].src_prepare_s, A, TOL);
		CU_ASSERT_DOUBLE_EQUAL(s.dev[i].src_main_s, B, TOL);
		CU_ASSERT_DOUBLE_EQUAL(s.dev[i].dst_prepare_s, R1 + C, TOL);
		CU_ASSERT_DOUBLE_EQUAL(s.dev[i].dst_main_s, D, TOL);
	}
	summary_free(&s);
}

static void test_parallel_prio(void)
{
	const char *sets[] = {"migration.strategy=parallel-prio"};
	struct run_summary s;
	run_once(fixed_yaml, sets, 1, &s);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_PREPARE], prio_pass(4, A), TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_MAIN], prio_pass(4, B), TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_DST_PREPARE], prio_pass(4, R1 + C), TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_DST_MAIN], prio_pass(4, D), TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.downtime_s,
			       prio_pass(4, A) + prio_pass(4, B) + EOS + prio_pass(4, R1 + C) +
				   prio_pass(4, D),
			       TOL);
	CU_ASSERT_EQUAL(s.threads_spawned, 4 * 4); /* per device: 2 passes x 2 sides */
	for (int v = 0; v < INV_COUNT; v++)
		CU_ASSERT(s.inv[v].held);
	summary_free(&s);
}

static void test_parallel_prio_free_threads_reach_bound(void)
{
	const char *sets[] = {"migration.strategy=parallel-prio", "migration.thread_create=0",
			      "migration.thread_join=0"};
	struct run_summary s;
	run_once(fixed_yaml, sets, 3, &s);
	CU_ASSERT_DOUBLE_EQUAL(s.downtime_s, A + B + EOS + R1 + C + D, TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.efficiency, 1.0, 1e-9);
	summary_free(&s);
}

static void test_parallel_barrier(void)
{
	const char *sets[] = {"migration.strategy=parallel-barrier"};
	struct run_summary s;
	run_once(fixed_yaml, sets, 1, &s);
	/* The prepare pass only spawns; the main pass waits for both steps. */
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_PREPARE], 4 * TC, TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_PREPARE] + s.phase_s[PHASE_SRC_MAIN],
			       barrier_side(4, A, B), TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.downtime_s, barrier_side(4, A, B) + EOS + barrier_side(4, R1 + C, D),
			       TOL);
	CU_ASSERT_EQUAL(s.threads_spawned, 4 * 2); /* one per device per side */
	for (int v = 0; v < INV_COUNT; v++)
		CU_ASSERT(s.inv[v].held); /* no non-VFIO handler in this scenario */
	summary_free(&s);
}

static const char *const pool_sets[] = {"migration.threads=pool", "migration.thread_wake=200us"};

/* parallel-prio on pool workers: every pass pays n hand-offs instead of n
 * creations, and nothing to collect; the ordering is the same. */
static void test_parallel_prio_pool(void)
{
	const char *per_pass[] = {"migration.strategy=parallel-prio"};
	const char *pool[] = {per_pass[0], pool_sets[0], pool_sets[1]};
	struct run_summary pp, s;
	struct trace tr;
	run_once(fixed_yaml, per_pass, 1, &pp);
	run_traced(fixed_yaml, pool, 3, &s, &tr);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_PREPARE], prio_pass_with(4, A, TW, 0), TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_MAIN], prio_pass_with(4, B, TW, 0), TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_DST_PREPARE], prio_pass_with(4, R1 + C, TW, 0), TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_DST_MAIN], prio_pass_with(4, D, TW, 0), TOL);
	/* Every step outlasts 4 creations, so each pass of per-pass costs
	 * 4 TC + step + TJ and each pool pass 4 TW + step: the difference is
	 * the modelled thread costs, 4 passes x (4 (TC - TW) + TJ). */
	CU_ASSERT_DOUBLE_EQUAL(pp.downtime_s - s.downtime_s, 4 * (4 * (TC - TW) + TJ), TOL);
	CU_ASSERT_DOUBLE_EQUAL(pp.bound_s, s.bound_s, TOL);
	CU_ASSERT_EQUAL(s.threads_spawned, 4 * 2); /* one worker per device per side */
	for (int v = 0; v < INV_COUNT; v++)
		CU_ASSERT(s.inv[v].held);
	struct thread_counts c = count_threads(&tr);
	CU_ASSERT_EQUAL(c.worker_spawns, 4 * 2);
	CU_ASSERT_EQUAL(c.worker_joins, 4 * 2);
	CU_ASSERT_EQUAL(c.launches, 4 * 4); /* as many hand-offs as per-pass threads */
	CU_ASSERT_EQUAL(c.collects, 4 * 4);
	CU_ASSERT_EQUAL(c.pool_texts, 2 * (4 * 2 + 4 * 4));
	CU_ASSERT(c.workers_end_before_run_end);
	trace_free(&tr);
	summary_free(&pp);
	summary_free(&s);
}

static void test_parallel_barrier_pool(void)
{
	const char *per_pass[] = {"migration.strategy=parallel-barrier"};
	const char *pool[] = {per_pass[0], pool_sets[0], pool_sets[1]};
	struct run_summary pp, s;
	struct trace tr;
	run_once(fixed_yaml, per_pass, 1, &pp);
	run_traced(fixed_yaml, pool, 3, &s, &tr);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_PREPARE], 4 * TW, TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.downtime_s,
			       barrier_side_with(4, A, B, TW, 0) + EOS +
				   barrier_side_with(4, R1 + C, D, TW, 0),
			       TOL);
	/* Per side: 4 creations become 4 hand-offs, 4 joins free waits. */
	CU_ASSERT_DOUBLE_EQUAL(pp.downtime_s - s.downtime_s, 2 * (4 * (TC - TW) + 4 * TJ), TOL);
	CU_ASSERT_EQUAL(s.threads_spawned, 4 * 2);
	for (int v = 0; v < INV_COUNT; v++)
		CU_ASSERT(s.inv[v].held);
	struct thread_counts c = count_threads(&tr);
	CU_ASSERT_EQUAL(c.worker_spawns, 4 * 2);
	CU_ASSERT_EQUAL(c.worker_joins, 4 * 2);
	CU_ASSERT_EQUAL(c.launches, 4 * 2);
	CU_ASSERT_EQUAL(c.collects, 4 * 2);
	CU_ASSERT(c.workers_end_before_run_end);
	trace_free(&tr);
	summary_free(&pp);
	summary_free(&s);
}

/* Sequential has no threads: the pool changes nothing, not even the trace's
 * thread events. */
static void test_sequential_ignores_pool(void)
{
	struct run_summary pp, s;
	struct trace tr;
	run_once(fixed_yaml, NULL, 0, &pp);
	run_traced(fixed_yaml, pool_sets, 2, &s, &tr);
	CU_ASSERT_EQUAL(s.downtime_s, pp.downtime_s);
	CU_ASSERT_EQUAL(s.threads_spawned, 0);
	struct thread_counts c = count_threads(&tr);
	CU_ASSERT_EQUAL(c.worker_spawns + c.worker_joins + c.launches + c.collects, 0);
	trace_free(&tr);
	summary_free(&pp);
	summary_free(&s);
}

/* Two depths: under parallel-prio each depth is its own spawn/join round,
 * with either thread mode. */
static void test_depth_barriers_add_up(void)
{
	const char *yaml = "name: depths\n"
			   "vm: {ram: 0}\n"
			   "network: {bandwidth: 100Gbps, latency: 0}\n"
			   "migration: {strategy: parallel-prio, thread_create: 1ms, thread_join: "
			   "500us}\n"
			   "devices:\n"
			   "  - {name: deep, profile: null, count: 2, depth: 3, latency: "
			   "{pre_copy_to_pre_copy_p2p: 10ms}}\n"
			   "  - {name: root, profile: null, count: 3, depth: 1, latency: "
			   "{pre_copy_to_pre_copy_p2p: 40ms}}\n"
			   "runs: 1\n";
	struct run_summary s;
	run_once(yaml, NULL, 0, &s);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_PREPARE], prio_pass(2, A) + prio_pass(3, 0.040),
			       TOL);
	/* Main pass and destination: zero-cost arcs, only thread costs. */
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_MAIN], prio_pass(2, 0) + prio_pass(3, 0), TOL);
	for (int v = 0; v < INV_COUNT; v++)
		CU_ASSERT(s.inv[v].held);
	summary_free(&s);
	/* On pool workers: the same rounds, hand-offs instead of creations. */
	run_once(yaml, pool_sets, 2, &s);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_PREPARE],
			       prio_pass_with(2, A, TW, 0) + prio_pass_with(3, 0.040, TW, 0), TOL);
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_MAIN],
			       prio_pass_with(2, 0, TW, 0) + prio_pass_with(3, 0, TW, 0), TOL);
	for (int v = 0; v < INV_COUNT; v++)
		CU_ASSERT(s.inv[v].held);
	summary_free(&s);
}

/* A contention domain of capacity 1 serialises the arcs of its devices. */
static void test_contention_domain(void)
{
	const char *yaml = "name: domain\n"
			   "vm: {ram: 0}\n"
			   "network: {bandwidth: 100Gbps, latency: 0}\n"
			   "migration: {strategy: parallel-prio, thread_create: 1ms, thread_join: "
			   "500us}\n"
			   "domains: [{name: pf0, capacity: 1}]\n"
			   "devices:\n"
			   "  - {name: d, profile: null, count: 4, depth: 2, domain: pf0, latency: "
			   "{pre_copy_to_pre_copy_p2p: 10ms}}\n"
			   "runs: 1\n";
	struct run_summary s;
	run_once(yaml, NULL, 0, &s);
	/* Thread k starts at k*TC and queues for the firmware. */
	double end = 0, t = 4 * TC;
	for (int k = 1; k <= 4; k++) {
		end = fmax(k * TC, end) + A;
		t = fmax(t, end) + TJ;
	}
	CU_ASSERT_DOUBLE_EQUAL(s.phase_s[PHASE_SRC_PREPARE], t, TOL);
	/* The bound knows the domain: 4 arcs of A through capacity 1. */
	double fixed = s.phase_s[PHASE_FINAL_QUERY] + s.phase_s[PHASE_STOPCOPY] +
		       s.phase_s[PHASE_DST_LOAD];
	CU_ASSERT_DOUBLE_EQUAL(s.bound_s, fixed + 4 * A, TOL);
	summary_free(&s);
}

/* A non-VFIO main-pass handler at the devices' depth: parallel-barrier lets
 * it run while devices are still on their way to P2P; the others do not. */
static void test_non_vfio_ordering_invariant(void)
{
	const char *yaml = "name: ordering\n"
			   "vm: {ram: 0}\n"
			   "network: {bandwidth: 100Gbps, latency: 0}\n"
			   "migration: {thread_create: 1ms, thread_join: 500us}\n"
			   "devices:\n"
			   "  - {name: d, profile: null, count: 2, depth: 2, latency: "
			   "{pre_copy_to_pre_copy_p2p: 10ms}}\n"
			   "handlers:\n"
			   "  - {name: virtio-net, depth: 2, pass: main, cost: 1ms}\n"
			   "runs: 1\n";
	static const char *const strategies[] = {"sequential", "parallel-prio", "parallel-barrier"};
	for (int k = 0; k < 3 * 2; k++) {
		char set[64];
		snprintf(set, sizeof set, "migration.strategy=%s", strategies[k % 3]);
		const char *sets[] = {set, k < 3 ? "migration.threads=per-pass" : pool_sets[0]};
		struct run_summary s;
		run_once(yaml, sets, 2, &s);
		bool barrier = k % 3 == 2;
		CU_ASSERT_EQUAL(s.inv[INV_P2P_BEFORE_NON_VFIO_MAIN].held, !barrier);
		if (barrier) {
			CU_ASSERT_PTR_NOT_NULL(strstr(s.inv[INV_P2P_BEFORE_NON_VFIO_MAIN].first_violation,
						      "virtio-net"));
		}
		CU_ASSERT(s.inv[INV_P2P_BEFORE_LEAVING].held);
		CU_ASSERT(s.inv[INV_PREPARE_BEFORE_MAIN].held);
		CU_ASSERT(s.inv[INV_THREADS_JOINED].held);
		summary_free(&s);
	}
}

/* A subsystem handler (priority 0) runs first in the destination's main
 * pass, while parallel-barrier's threads (or its pool workers' transitions)
 * are still outstanding: threads_joined_in_depth_and_pass catches it in
 * either thread mode; parallel-prio has collected its own by then. */
static void test_threads_joined_invariant_with_pool(void)
{
	const char *yaml = "name: subsystem\n"
			   "vm: {ram: 0}\n"
			   "network: {bandwidth: 100Gbps, latency: 0}\n"
			   "devices:\n"
			   "  - {name: d, profile: null, count: 2, depth: 2, latency: {default: 1ms}}\n"
			   "handlers:\n"
			   "  - {name: ram, subsystem: true, pass: main, cost: 1ms}\n"
			   "runs: 1\n";
	for (int k = 0; k < 4; k++) {
		bool barrier = k & 1;
		const char *sets[] = {barrier ? "migration.strategy=parallel-barrier"
					      : "migration.strategy=parallel-prio",
				      k < 2 ? "migration.threads=per-pass" : pool_sets[0]};
		struct run_summary s;
		run_once(yaml, sets, 2, &s);
		CU_ASSERT_EQUAL(s.inv[INV_THREADS_JOINED].held, !barrier);
		if (barrier)
			CU_ASSERT_PTR_NOT_NULL(
			    strstr(s.inv[INV_THREADS_JOINED].first_violation, "handler ram"));
		summary_free(&s);
	}
}

/* A single device without P2P (or without PRE_COPY) migrates under every
 * strategy and thread mode: the FSM gives it the direct steps its driver
 * implements. */
static void test_device_without_p2p_or_precopy(void)
{
	static const char *const caps[] = {"[stop_copy]", "[stop_copy, pre_copy]",
					   "[stop_copy, p2p]"};
	static const char *const strategies[] = {"sequential", "parallel-prio", "parallel-barrier"};
	for (int c = 0; c < 3; c++) {
		for (int k = 0; k < 3 * 2; k++) {
			char yaml[512];
			snprintf(yaml, sizeof yaml,
				 "name: caps\nvm: {ram: 0}\nnetwork: {latency: 0}\n"
				 "migration: {strategy: %s, threads: %s}\n"
				 "devices: [{name: d, profile: null, capabilities: %s, "
				 "latency: {default: 1ms}}]\nruns: 1\n",
				 strategies[k % 3], k < 3 ? "per-pass" : "pool", caps[c]);
			struct run_summary s;
			run_once(yaml, NULL, 0, &s);
			CU_ASSERT_EQUAL(s.status, 0);
			CU_ASSERT(s.downtime_s > 0);
			for (int v = 0; v < INV_COUNT; v++)
				CU_ASSERT(s.inv[v].held);
			summary_free(&s);
		}
	}
}

/* Every strategy of STRATEGY_LIST has an ops table with a setup; a value
 * outside the list has none, and a side without ops cannot be set up. */
static void test_strategy_table(void)
{
	for (int k = 0; k < STRATEGY_COUNT; k++) {
		const struct strategy_ops *ops = strategy_ops_of((enum strategy_kind)k);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
		CU_ASSERT_PTR_NOT_NULL(ops->setup);
	}
	CU_ASSERT_PTR_NULL(strategy_ops_of(STRATEGY_COUNT));
	CU_ASSERT_PTR_NULL(strategy_ops_of((enum strategy_kind)-1));
	struct strategy_side none = {0};
	CU_ASSERT_EQUAL(strategy_setup(&none), -EINVAL);
	strategy_release(&none); /* nothing to free */
}

void register_tests(void)
{
	TEST_SUITE("strategy", TEST(test_sequential_is_sum), TEST(test_parallel_prio),
		   TEST(test_parallel_prio_free_threads_reach_bound), TEST(test_parallel_barrier),
		   TEST(test_parallel_prio_pool), TEST(test_parallel_barrier_pool),
		   TEST(test_sequential_ignores_pool),
		   TEST(test_depth_barriers_add_up), TEST(test_contention_domain),
		   TEST(test_non_vfio_ordering_invariant),
		   TEST(test_threads_joined_invariant_with_pool),
		   TEST(test_device_without_p2p_or_precopy), TEST(test_strategy_table));
}
