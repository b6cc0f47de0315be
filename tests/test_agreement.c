/*
 * test_agreement.c - the two worlds run the same migration.  The agreement
 * scenario (bench/agreement.yaml: emulated devices with fixed arcs) runs
 * once in the SimGrid world and once in the real world for every strategy,
 * thread mode and 1 or 4 devices, and the two runs must agree in everything
 * that does not depend on how fast this machine is: every device's arcs in
 * the same order, the same handlers and threads, the same bytes sent and
 * loaded, the same QMP events, the same invariants.  Real time is only
 * bounded from below, by what physics guarantees: the downtime is never
 * shorter than the ideal-parallel bound built from the run's own arc times.
 *
 * How close the real downtime comes to the simulated one is a measurement,
 * not a verdict: bench/bench_agreement prints it (docs/performance.md).
 */
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "real_world.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "summary.h"
#include "test_util.h"

struct world_run {
	struct trace tr;
	struct mig_result res;
	struct run_summary sum;
};

static void run_in(const struct scenario *s, bool real, struct world_run *w)
{
	char err[1024] = "";
	trace_init(&w->tr);
	struct real_world_config cfg = {.devices = REAL_DEVICES_EMU};
	int rc = real ? real_world_run(s, 0, &cfg, &w->tr, &w->res, err, sizeof err)
	              : sim_world_run(s, 0, &w->tr, &w->res, err, sizeof err);
	if (rc || w->res.status)
		fprintf(stderr, "%s: %d %s %s\n", real ? "real" : "sim", rc, err, w->res.error);
	CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT_EQUAL(w->res.status, 0);
	CU_ASSERT_FATAL(summary_from_trace(s, &w->tr, &w->res, &w->sum) == 0);
}

static void world_run_free(struct world_run *w)
{
	summary_free(&w->sum);
	trace_free(&w->tr);
}

/* Which ordered stream of the structure both worlds share event e is in:
 * 1 what happens to a device (its arcs, QMP events and loads, in the order
 * its transitions make them), 2 what the handlers do (calls, thread
 * launches and joins, passes, the VM stopping and starting, in the order of
 * the notify), 0 neither: queries, rounds and marks depend on how long the
 * precopy took, which is the machine's business.  The two streams are
 * compared separately: a transition thread runs beside the notify that
 * launched it, so how their events interleave is the machine's business
 * too. */
static int stream_kind(const struct trace_event *e)
{
	switch (e->kind) {
	case TRACE_ARC_BEGIN:
	case TRACE_ARC_END:
	case TRACE_QMP_EVENT:
	case TRACE_LOAD_BEGIN:
		return 1;
	case TRACE_HANDLER_BEGIN:
	case TRACE_HANDLER_END:
	case TRACE_THREAD_SPAWN:
	case TRACE_THREAD_JOIN:
	case TRACE_PASS_BEGIN:
	case TRACE_PASS_END:
	case TRACE_VM_STOP:
	case TRACE_VM_START:
	case TRACE_VM_RUNNING:
		return 2;
	default:
		return 0;
	}
}

/* The events of one stream (`kind`) of one side and device (-1: of no
 * device) in trace order, as comparable text ("arc-end 6>7 pass 0 ..."). */
static char *stream_of(const struct trace *tr, int kind, int side, int device)
{
	GString *out = g_string_new(NULL);
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		if (stream_kind(e) != kind || e->side != side || e->device != device)
			continue;
		g_string_append_printf(
		    out, "%s %d>%d pass %d %s %.0f\n", trace_kind_name((enum trace_kind)e->kind),
		    e->from, e->to, e->pass,
		    e->kind == TRACE_QMP_EVENT || e->kind == TRACE_HANDLER_BEGIN ||
		            e->kind == TRACE_ARC_END
		        ? (e->text ? e->text : "")
		        : "",
		    e->kind == TRACE_LOAD_BEGIN ? e->value : 0.0);
	}
	return g_string_free(out, FALSE);
}

/* Run `s` (`count` devices) in both worlds into *sim and *real and check
 * that they agree; `what` names the case in messages. */
static void agree(const struct scenario *s, const char *what, unsigned count,
                  struct world_run *sim_out, struct world_run *real_out)
{
	struct world_run sim, real;
	run_in(s, false, &sim);
	run_in(s, true, &real);

	for (int kind = 1; kind <= 2; kind++)
		for (int side = 0; side < 2; side++)
			for (int d = -1; d < (int)count; d++) {
				char *a = stream_of(&sim.tr, kind, side, d);
				char *b = stream_of(&real.tr, kind, side, d);
				if (strcmp(a, b))
					fprintf(stderr,
					        "%s, %u devices, stream %d, side %d, device %d:\n"
					        "--- sim\n%s--- real\n%s",
					        what, count, kind, side, d, a, b);
				CU_ASSERT_STRING_EQUAL(a, b);
				g_free(a);
				g_free(b);
			}

	/* The same bytes, threads and guarantees. */
	CU_ASSERT_EQUAL(real.sum.stopcopy_bytes, sim.sum.stopcopy_bytes);
	CU_ASSERT_EQUAL(real.sum.precopy_bytes, sim.sum.precopy_bytes);
	CU_ASSERT_EQUAL(real.sum.threads_spawned, sim.sum.threads_spawned);
	CU_ASSERT_EQUAL(real.sum.qmp_events, sim.sum.qmp_events);
	CU_ASSERT_EQUAL(real.sum.n_devices, sim.sum.n_devices);
	for (size_t i = 0; i < real.sum.n_devices && i < sim.sum.n_devices; i++)
		CU_ASSERT_EQUAL(real.sum.dev[i].stopcopy_bytes, sim.sum.dev[i].stopcopy_bytes);
	for (int i = 0; i < INV_COUNT; i++)
		CU_ASSERT_EQUAL(real.sum.inv[i].held, sim.sum.inv[i].held);
	/* With device state over multifd channels every device's stop-copy
	 * state left from its own save task, in both worlds. */
	for (int w = 0; w < 2; w++) {
		const struct trace *tr = w ? &real.tr : &sim.tr;
		unsigned saved = 0;
		for (size_t k = 0; k < tr->n; k++)
			saved += tr->ev[k].kind == TRACE_SEND && tr->ev[k].task &&
			         g_str_has_suffix(tr->ev[k].task, "-save");
		CU_ASSERT_EQUAL(saved, scenario_multifd_transfer(s) ? count : 0);
	}
	/* The same phase boundaries were marked (how long each phase took is
	 * the machine's business), and every phase is a real interval. */
	unsigned marks[2][TRACE_MARK_COUNT] = {{0}};
	for (int w = 0; w < 2; w++) {
		const struct trace *tr = w ? &real.tr : &sim.tr;
		for (size_t k = 0; k < tr->n; k++)
			if (tr->ev[k].kind == TRACE_MARK &&
			    (unsigned)tr->ev[k].from < TRACE_MARK_COUNT)
				marks[w][tr->ev[k].from]++;
	}
	for (int m = 0; m < TRACE_MARK_COUNT; m++)
		CU_ASSERT_EQUAL(marks[1][m], marks[0][m]);
	for (int p = 0; p < PHASE_COUNT; p++)
		CU_ASSERT(real.sum.phase_s[p] >= 0);
	/* Physics: no run beats the ideal-parallel bound of its own arc times,
	 * and the bound is at least the arcs the scenario fixes (the fixed
	 * costs are sleeps in the real world, exact in sim). */
	CU_ASSERT(real.sum.downtime_s >= real.sum.bound_s - 1e-9);
	CU_ASSERT(sim.sum.downtime_s >= sim.sum.bound_s - 1e-9);
	*sim_out = sim;
	*real_out = real;
}

/* `channels` multifd channels (device state over them, as by default). */
static void agree_case(const char *strategy, const char *threads, unsigned count, unsigned channels)
{
	char strategy_set[64], threads_set[64], devices_set[64], channels_set[64], what[128];
	snprintf(strategy_set, sizeof strategy_set, "migration.strategy=%s", strategy);
	snprintf(threads_set, sizeof threads_set, "migration.threads=%s", threads);
	snprintf(devices_set, sizeof devices_set, "devices[0].count=%u", count);
	snprintf(channels_set, sizeof channels_set, "network.multifd_channels=%u", channels);
	snprintf(what, sizeof what, "%s/%s, %u channels", strategy, threads, channels);
	const char *sets[] = {strategy_set, threads_set, devices_set, channels_set, "runs=1"};
	struct scenario *s = NULL;
	char err[1024];
	int rc =
	    scenario_load_file(test_src_path("bench/agreement.yaml"), sets, 5, &s, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_FATAL(rc == 0);
	struct world_run sim, real;
	agree(s, what, count, &sim, &real);
	world_run_free(&sim);
	world_run_free(&real);
	scenario_free(s);
}

/*
 * Device state as images, for real: two devices with PRE_COPY (their full
 * image streamed in precopy, after a 4 KiB header; at stop only the header,
 * nothing having changed) beside two without it (the full image at stop).
 * Each world moves exactly these bytes, and the emulated destination
 * devices checked every byte they loaded (a wrong one fails the run).
 */
static const char *images_yaml = "name: images\n"
                                 "vm: {ram: 0}\n"
                                 "network: {bandwidth: 10Gbps, latency: 50us}\n"
                                 "migration: {strategy: parallel-prio, chunk_size: 64KiB}\n"
                                 "devices:\n"
                                 "  - name: img\n"
                                 "    profile: null\n"
                                 "    count: 2\n"
                                 "    state_size: 256KiB\n"
                                 "    header_size: 4KiB\n"
                                 "    save_rate: 1GiB/s\n"
                                 "    latency: {default: 5ms}\n"
                                 "    load: {fixed: 1ms, rate: 1GiB/s}\n"
                                 "    init_load: {fixed: 1ms, rate: 1GiB/s}\n"
                                 "  - name: full\n"
                                 "    profile: null\n"
                                 "    count: 2\n"
                                 "    capabilities: [stop_copy, p2p]\n"
                                 "    state_size: 256KiB\n"
                                 "    save_rate: 1GiB/s\n"
                                 "    latency: {default: 5ms}\n"
                                 "    load: {fixed: 1ms, rate: 1GiB/s}\n"
                                 "runs: 1\n";

static void test_images(void)
{
	struct scenario *s = NULL;
	char err[1024];
	int rc = scenario_load_text("images.yaml", images_yaml, strlen(images_yaml), NULL, 0, &s,
	                            err, sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_FATAL(rc == 0);
	struct world_run w[2];
	agree(s, "images", 4, &w[0], &w[1]);
	for (int k = 0; k < 2; k++) {
		CU_ASSERT_EQUAL(w[k].res.status, 0);
		CU_ASSERT_EQUAL(w[k].sum.precopy_bytes, 2 * (4 + 256) * 1024);
		CU_ASSERT_EQUAL(w[k].sum.stopcopy_bytes, 2 * 4 * 1024 + 2 * 256 * 1024);
		CU_ASSERT_EQUAL_FATAL(w[k].sum.n_devices, 4);
		for (size_t i = 0; i < 4; i++)
			CU_ASSERT_EQUAL(w[k].sum.dev[i].stopcopy_bytes, (i < 2 ? 4 : 256) * 1024);
		world_run_free(&w[k]);
	}
	scenario_free(s);
}

static void each_count(const char *strategy, const char *threads)
{
	agree_case(strategy, threads, 1, 0);
	agree_case(strategy, threads, 4, 0);
}

/* Device state over 2 multifd channels: each device's buffers loaded in
 * the same order, by its own load task, in both worlds. */
static void test_multifd_device_state(void)
{
	agree_case("parallel-prio", "per-pass", 4, 2);
	agree_case("sequential", "per-pass", 1, 2);
}

static void test_sequential(void)
{
	each_count("sequential", "per-pass");
}

static void test_parallel_prio(void)
{
	each_count("parallel-prio", "per-pass");
	each_count("parallel-prio", "pool");
}

static void test_parallel_barrier(void)
{
	each_count("parallel-barrier", "per-pass");
	each_count("parallel-barrier", "pool");
}

void register_tests(void)
{
	TEST_SUITE("agreement", TEST(test_sequential), TEST(test_parallel_prio),
	           TEST(test_parallel_barrier), TEST(test_images), TEST(test_multifd_device_state));
}
