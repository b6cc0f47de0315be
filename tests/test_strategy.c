/*
 * test_strategy.c - each transition strategy on fixed-cost devices gives the
 * exact downtime its design implies (1e-9 s in sim):
 *   sequential        sum of every device's arcs;
 *   parallel-prio     per depth and pass: serial spawns, concurrent arcs,
 *                     serial joins (max + thread costs); depths add up;
 *   parallel-barrier  one thread per device for both steps, a rendezvous
 *                     after the P2P step, the main pass only joins.
 * Also: contention domains serialise, phases add up to the downtime, the
 * invariants hold or break where the designs say they do.
 */
#include <math.h>
#include <string.h>

#include "migration.h"
#include "scenario_yaml.h"
#include "sim_world.h"
#include "summary.h"
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

/* Load `yaml` with the --set overrides and run it once in sim. */
static void run_once(const char *yaml, const char *const *sets, size_t n_sets,
		     struct run_summary *sum)
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
	trace_free(&tr);
	scenario_free(s);
	double total = 0;
	for (int p = 0; p < PHASE_COUNT; p++) {
		CU_ASSERT(sum->phase_s[p] >= -TOL);
		total += sum->phase_s[p];
	}
	CU_ASSERT_DOUBLE_EQUAL(total, sum->downtime_s, TOL);
}

/* One parallel-prio pass over n devices whose step takes x: the caller
 * spawns n threads one after another (TC each), thread k starts at k*TC,
 * then joins them in spawn order (TJ each, after the thread ended). */
static double prio_pass(int n, double x)
{
	double t = n * TC;
	for (int k = 1; k <= n; k++)
		t = fmax(t, k * TC + x) + TJ;
	return t;
}

/* parallel-barrier on one side: n spawns; every thread ends at n*TC + x + y
 * (the last to reach P2P releases the rendezvous); the main pass joins. */
static double barrier_side(int n, double x, double y) { return n * TC + x + y + n * TJ; }

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

/* Two depths: under parallel-prio each depth is its own spawn/join round. */
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
	for (int k = 0; k < 3; k++) {
		char set[64];
		snprintf(set, sizeof set, "migration.strategy=%s", strategies[k]);
		const char *sets[] = {set};
		struct run_summary s;
		run_once(yaml, sets, 1, &s);
		bool barrier = k == 2;
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

/* A single device without P2P (or without PRE_COPY) migrates under every
 * strategy: the FSM gives it the direct steps its driver implements. */
static void test_device_without_p2p_or_precopy(void)
{
	static const char *const caps[] = {"[stop_copy]", "[stop_copy, pre_copy]",
					   "[stop_copy, p2p]"};
	static const char *const strategies[] = {"sequential", "parallel-prio", "parallel-barrier"};
	for (int c = 0; c < 3; c++) {
		for (int k = 0; k < 3; k++) {
			char yaml[512];
			snprintf(yaml, sizeof yaml,
				 "name: caps\nvm: {ram: 0}\nnetwork: {latency: 0}\n"
				 "migration: {strategy: %s}\n"
				 "devices: [{name: d, profile: null, capabilities: %s, "
				 "latency: {default: 1ms}}]\nruns: 1\n",
				 strategies[k], caps[c]);
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

void register_tests(void)
{
	TEST_SUITE("strategy", TEST(test_sequential_is_sum), TEST(test_parallel_prio),
		   TEST(test_parallel_prio_free_threads_reach_bound), TEST(test_parallel_barrier),
		   TEST(test_depth_barriers_add_up), TEST(test_contention_domain),
		   TEST(test_non_vfio_ordering_invariant), TEST(test_device_without_p2p_or_precopy));
}
