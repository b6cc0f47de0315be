/*
 * test_ack.c - switchover-ack (legacy, re-usable, mismatched), REINIT and
 * its final check, the late-ACK rules, failure and recovery, and the QMP
 * migration events, on fixed-cost scenarios with exact expected counts and
 * outcomes (docs/domain.md sections 5-7).
 */
#include <math.h>
#include <string.h>

#include "migration.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "summary.h"
#include "test_util.h"

/*
 * Two devices, fixed costs: a 1 MiB image, read in precopy; the
 * destination pre-allocates for it at 1 MiB/s (1 s each), no RAM,
 * 10 Gbps.  (Was 1 MiB of initial bytes and 2 MiB of state: the
 * pre-allocation now scales with the announced image, so the image is
 * 1 MiB to keep the 1 s the tests reason with.)  `extra` adds YAML lines (keys of the migration: /
 * events: mappings and top-level keys) and sets are --set overrides.
 */
static const char *base_yaml =
    "name: ack\n"
    "vm: {ram: 0}\n"
    "network: {bandwidth: 10Gbps, latency: 100us}\n"
    "migration: {strategy: sequential, stop_gap: 1ms, max_iterations: 50}\n"
    "devices:\n"
    "  - name: vf\n"
    "    profile: null\n"
    "    count: 2\n"
    "    state_size: 1MiB\n"
    "    latency: {default: 1ms}\n"
    "    init_load: {fixed: 0, rate: 1MiB/s}\n"
    "runs: 1\n";

struct outcome {
	struct mig_result res;
	struct run_summary sum;
	struct trace tr;
	struct scenario *s;
};

/* Load `yaml` with the --set overrides, run it once in sim, summarise. */
static void run_yaml(const char *name, const char *yaml, const char *const *sets, size_t n_sets,
                     struct outcome *o)
{
	char err[1024];
	int rc = scenario_load_text(name, yaml, strlen(yaml), sets, n_sets, &o->s, err, sizeof err);
	if (rc)
		fprintf(stderr, "scenario: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	trace_init(&o->tr);
	rc = sim_world_run(o->s, 0, &o->tr, &o->res, err, sizeof err);
	if (rc)
		fprintf(stderr, "run: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(summary_from_trace(o->s, &o->tr, &o->res, &o->sum), 0);
}

static void run_case(const char *const *sets, size_t n_sets, struct outcome *o)
{
	run_yaml("ack.yaml", base_yaml, sets, n_sets, o);
}

static void done(struct outcome *o)
{
	summary_free(&o->sum);
	trace_free(&o->tr);
	scenario_free(o->s);
}

static unsigned count_kind(const struct trace *tr, enum trace_kind k, const char *text)
{
	unsigned n = 0;
	for (size_t i = 0; i < tr->n; i++)
		n += tr->ev[i].kind == k &&
		     (!text || (tr->ev[i].text && !strcmp(tr->ev[i].text, text)));
	return n;
}

/* Final state of every source device, from the trace's last arcs. */
static bool all_source_devices_end(const struct outcome *o, enum vfio_state want)
{
	int last[64];
	size_t n = scenario_device_count(o->s);
	for (size_t i = 0; i < n; i++)
		last[i] = VFIO_STATE_RUNNING;
	for (size_t k = 0; k < o->tr.n; k++) {
		const struct trace_event *e = &o->tr.ev[k];
		if (e->kind == TRACE_ARC_END && e->side == RT_SIDE_SRC && e->device >= 0)
			last[e->device] = e->text ? VFIO_STATE_ERROR : e->to;
	}
	for (size_t i = 0; i < n; i++)
		if (last[i] != (int)want)
			return false;
	return true;
}

static void test_off_no_acks(void)
{
	struct outcome o;
	run_case(NULL, 0, &o);
	CU_ASSERT_EQUAL(o.res.status, 0);
	CU_ASSERT_EQUAL(o.sum.acks_requested, 0);
	CU_ASSERT_EQUAL(o.sum.acks_received, 0);
	CU_ASSERT_EQUAL(count_kind(&o.tr, TRACE_INIT_DATA_SENT, NULL), 0);
	done(&o);
}

/* Re-usable ACK: one request per device on its first query, one ACK per
 * approval; switchover waits for both, so both pre-allocations (1 s each)
 * happen before the VM stops, not inside the downtime. */
static void test_new_ack_moves_preallocation_out_of_downtime(void)
{
	const char *with[] = {"migration.switchover_ack=new"};
	struct outcome off, on;
	run_case(NULL, 0, &off);
	run_case(with, 1, &on);
	CU_ASSERT_EQUAL(on.res.status, 0);
	CU_ASSERT_EQUAL(on.sum.acks_requested, 2);
	CU_ASSERT_EQUAL(on.sum.acks_received, 2);
	CU_ASSERT_EQUAL(on.sum.acks_sent, 2);
	CU_ASSERT_EQUAL(count_kind(&on.tr, TRACE_INIT_DATA_SENT, NULL), 2);
	CU_ASSERT_EQUAL(count_kind(&on.tr, TRACE_APPROVE, NULL), 2);
	CU_ASSERT(on.sum.inv[INV_ACK_NO_UNDERFLOW].held);
	CU_ASSERT(on.sum.inv[INV_ACK_PER_DEVICE].held);
	CU_ASSERT(on.sum.rounds_waiting_ack > 0);
	CU_ASSERT(on.sum.ack_delay_s > 1.0); /* both pre-allocations, 1 s each, one after another */
	/* Without the ACK the precopy loads are still queued at switchover
	 * (switchover happens after one round, long before 2 s of loading). */
	CU_ASSERT(off.sum.downtime_s > 1.5);
	CU_ASSERT(on.sum.downtime_s < 0.1);
	done(&off);
	done(&on);
}

/* Legacy: source counts from 1, destination sends one ACK when both
 * devices approved. */
static void test_legacy_single_ack(void)
{
	const char *with[] = {"migration.switchover_ack=legacy"};
	struct outcome o;
	run_case(with, 1, &o);
	CU_ASSERT_EQUAL(o.res.status, 0);
	CU_ASSERT_EQUAL(o.sum.acks_requested, 0);
	CU_ASSERT_EQUAL(o.sum.acks_sent, 1);
	CU_ASSERT_EQUAL(o.sum.acks_received, 1);
	CU_ASSERT_EQUAL(count_kind(&o.tr, TRACE_ACK_SENT, "legacy"), 1);
	CU_ASSERT_EQUAL(count_kind(&o.tr, TRACE_APPROVE, NULL), 2);
	CU_ASSERT(o.sum.inv[INV_ACK_NO_UNDERFLOW].held);
	CU_ASSERT(o.sum.downtime_s < 0.1);
	done(&o);
}

/* Legacy with no precopy device: "no users", ACKed when the return path opens. */
static void test_legacy_no_users(void)
{
	const char *with[] = {"migration.switchover_ack=legacy",
	                      "devices[0].capabilities=[stop_copy, p2p]",
	                      "devices[0].initial_bytes=0", "devices[0].init_load.rate=0"};
	struct outcome o;
	run_case(with, 4, &o);
	CU_ASSERT_EQUAL(o.res.status, 0);
	CU_ASSERT_EQUAL(count_kind(&o.tr, TRACE_ACK_SENT, "no-users"), 1);
	CU_ASSERT_EQUAL(o.sum.acks_received, 1);
	done(&o);
}

/* Mismatch, legacy source / new destination: the second ACK underflows. */
static void test_mismatch_legacy_source_underflows(void)
{
	const char *with[] = {"migration.switchover_ack=legacy",
	                      "migration.switchover_ack_destination=new"};
	struct outcome o;
	run_case(with, 2, &o);
	CU_ASSERT_NOT_EQUAL(o.res.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(o.res.error, "underflowed"));
	CU_ASSERT(!o.sum.inv[INV_ACK_NO_UNDERFLOW].held);
	CU_ASSERT(isnan(o.sum.downtime_s));
	CU_ASSERT(!isnan(o.sum.recovery_s));
	CU_ASSERT(all_source_devices_end(&o, VFIO_STATE_RUNNING));
	done(&o);
}

/* Mismatch, new source / legacy destination: one ACK for two requests, so
 * the counter never reaches zero and management forces the switchover; the
 * v2 rule then fails it, the others let it through. */
static void test_mismatch_new_source_never_switches(void)
{
	static const char *const rules[] = {"v2", "saved-count", "settled"};
	for (int r = 0; r < 3; r++) {
		char rule[64];
		snprintf(rule, sizeof rule, "migration.late_ack_rule=%s", rules[r]);
		const char *with[] = {"migration.switchover_ack=new",
		                      "migration.switchover_ack_destination=legacy",
		                      "migration.max_iterations=20", rule};
		struct outcome o;
		run_case(with, 4, &o);
		CU_ASSERT(o.sum.forced_switchover);
		CU_ASSERT_EQUAL(o.sum.acks_requested, 2);
		CU_ASSERT_EQUAL(o.sum.acks_received, 1);
		CU_ASSERT_EQUAL(o.res.status != 0, r == 0);
		if (r == 0)
			CU_ASSERT_PTR_NOT_NULL(strstr(o.res.error, "v2"));
		done(&o);
	}
}

/* Two groups: a (REINIT at `reinit_at` seconds after setup) and b (idle).
 * The destination pre-allocates for a's image (1 s), then for b's (1 s). */
static void run_two_groups(const char *reinit_at, struct outcome *o)
{
	char yaml[1024];
	snprintf(yaml, sizeof yaml,
	         "name: reinit\nvm: {ram: 0}\nnetwork: {bandwidth: 10Gbps, latency: 100us}\n"
	         "migration: {strategy: sequential, stop_gap: 1ms, switchover_ack: new}\n"
	         "devices:\n"
	         "  - {name: a, profile: null, state_size: 1MiB, "
	         "latency: {default: 1ms}, init_load: {rate: 1MiB/s}, precopy_info_v2: supported, "
	         "reinit: {times: [%s], chunk: 1MiB}}\n"
	         "  - {name: b, profile: null, state_size: 1MiB, "
	         "latency: {default: 1ms}, init_load: {rate: 1MiB/s}}\n"
	         "runs: 1\n",
	         reinit_at);
	run_yaml("reinit.yaml", yaml, NULL, 0, o);
}

/* A REINIT of a after its ACK (about 1 s) while b still holds switchover
 * (its ACK comes at about 2 s): exactly one more request and ACK round, and
 * requests minus ACKs stays 0 or 1 per device. */
static void test_reinit_one_more_ack_round(void)
{
	struct outcome o;
	run_two_groups("1500ms", &o);
	CU_ASSERT_EQUAL(o.res.status, 0);
	CU_ASSERT_EQUAL(o.sum.reinits_seen, 1);
	CU_ASSERT_EQUAL(o.sum.acks_requested, 3);
	CU_ASSERT_EQUAL(o.sum.acks_received, 3);
	CU_ASSERT_EQUAL(count_kind(&o.tr, TRACE_ACK_REQUEST, "reinit"), 1);
	CU_ASSERT_EQUAL(count_kind(&o.tr, TRACE_INIT_DATA_SENT, NULL), 3);
	CU_ASSERT(o.sum.rounds_added_by_reinit > 0);
	CU_ASSERT(o.sum.inv[INV_ACK_PER_DEVICE].held);
	CU_ASSERT(o.sum.inv[INV_ACK_NO_UNDERFLOW].held);
	done(&o);
}

/* A REINIT between a's INIT_DATA_SENT and its ACK: docs/domain.md §6's request rule
 * asks again while the first request is still outstanding, so requests
 * minus ACKs reaches 2 for a: the invariant breaks and is reported (the
 * migration itself completes: the counter stays consistent). */
static void test_reinit_before_its_ack_breaks_per_device_invariant(void)
{
	struct outcome o;
	run_two_groups("500ms", &o);
	CU_ASSERT_EQUAL(o.res.status, 0);
	CU_ASSERT_EQUAL(o.sum.acks_requested, 3);
	CU_ASSERT_EQUAL(o.sum.acks_received, 3);
	CU_ASSERT(!o.sum.inv[INV_ACK_PER_DEVICE].held);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(o.sum.inv[INV_ACK_PER_DEVICE].first_violation, "a requested"));
	CU_ASSERT(o.sum.inv[INV_ACK_NO_UNDERFLOW].held);
	done(&o);
}

/* A REINIT before INIT_DATA_SENT needs no new request. */
static void test_reinit_before_init_data_sent(void)
{
	const char *with[] = {
	    "migration.switchover_ack=new", "devices[0].precopy_info_v2=supported",
	    "devices[0].reinit.times=[0s]", "devices[0].reinit.chunk=1MiB", "devices[0].count=1"};
	struct outcome o;
	run_case(with, 5, &o);
	CU_ASSERT_EQUAL(o.res.status, 0);
	CU_ASSERT_EQUAL(o.sum.acks_requested, 1);
	CU_ASSERT_EQUAL(o.sum.acks_received, 1);
	done(&o);
}

/* A REINIT inside the decision-to-stop gap: the final check in the prepare
 * handler sees it, the final query collects the late request, and every
 * rule fails the migration; devices come back to RUNNING. */
static void test_reinit_in_gap_aborts_under_every_rule(void)
{
	static const char *const rules[] = {"v2", "saved-count", "settled"};
	/* With one device, ACKed at about 1.0 s, switchover is decided right
	 * after; the gap is 500 ms and the REINIT is placed inside it. */
	struct outcome probe;
	const char *probe_sets[] = {"migration.switchover_ack=new", "devices[0].count=1",
	                            "devices[0].precopy_info_v2=supported",
	                            "migration.stop_gap=500ms"};
	run_case(probe_sets, 4, &probe);
	CU_ASSERT_EQUAL_FATAL(probe.res.status, 0);
	double t_switch = NAN;
	for (size_t k = 0; k < probe.tr.n; k++)
		if (probe.tr.ev[k].kind == TRACE_SWITCHOVER)
			t_switch = probe.tr.ev[k].t;
	double t_setup = 0;
	for (size_t k = 0; k < probe.tr.n; k++)
		if (probe.tr.ev[k].kind == TRACE_ARC_END &&
		    probe.tr.ev[k].to == VFIO_STATE_PRE_COPY) {
			t_setup = probe.tr.ev[k].t;
			break;
		}
	done(&probe);
	char at[64];
	snprintf(at, sizeof at, "devices[0].reinit.times=[%.6fs]", t_switch - t_setup + 0.25);
	for (int r = 0; r < 3; r++) {
		char rule[64];
		snprintf(rule, sizeof rule, "migration.late_ack_rule=%s", rules[r]);
		const char *with[] = {"migration.switchover_ack=new",
		                      "devices[0].count=1",
		                      "devices[0].precopy_info_v2=supported",
		                      "migration.stop_gap=500ms",
		                      at,
		                      rule};
		struct outcome o;
		run_case(with, 6, &o);
		CU_ASSERT_NOT_EQUAL(o.res.status, 0);
		CU_ASSERT_EQUAL(count_kind(&o.tr, TRACE_ACK_REQUEST, "late"), 1);
		CU_ASSERT(all_source_devices_end(&o, VFIO_STATE_RUNNING));
		if (r == 2)
			CU_ASSERT_PTR_NOT_NULL(
			    strstr(o.res.error, "requested by 1 device during switchover"));
		done(&o);
	}
}

/* A failing final check counts as REINIT. */
static void test_failed_final_check_counts_as_reinit(void)
{
	const char *with[] = {"migration.switchover_ack=new", "devices[0].count=1",
	                      "devices[0].precopy_info_v2=supported",
	                      "devices[0].final_check_failure=1"};
	struct outcome o;
	run_case(with, 4, &o);
	CU_ASSERT_NOT_EQUAL(o.res.status, 0);
	CU_ASSERT_EQUAL(count_kind(&o.tr, TRACE_ACK_REQUEST, "late"), 1);
	done(&o);
}

/* A forced switchover with ACKs pending fails under v2 only. */
static void test_forced_switchover_with_pending_acks(void)
{
	static const char *const rules[] = {"v2", "saved-count", "settled"};
	for (int r = 0; r < 3; r++) {
		char rule[64];
		snprintf(rule, sizeof rule, "migration.late_ack_rule=%s", rules[r]);
		/* Pre-allocation far slower than management's patience. */
		const char *with[] = {"migration.switchover_ack=new",
		                      "devices[0].init_load.rate=1KiB/s",
		                      "migration.max_iterations=3", rule};
		struct outcome o;
		run_case(with, 4, &o);
		CU_ASSERT(o.sum.forced_switchover);
		CU_ASSERT_EQUAL(o.res.status != 0, r == 0);
		done(&o);
	}
}

/* PRECOPY_INFOv2 unsupported: carry on without REINIT; another error: the
 * device cannot migrate. */
static void test_precopy_v2_fallback_and_error(void)
{
	const char *unsup[] = {"migration.switchover_ack=new",
	                       "devices[0].precopy_info_v2=unsupported",
	                       "devices[0].reinit.times=[1500ms]", "devices[0].count=1"};
	struct outcome o;
	run_case(unsup, 4, &o);
	CU_ASSERT_EQUAL(o.res.status, 0);
	CU_ASSERT_EQUAL(o.sum.reinits_seen, 0);
	CU_ASSERT_EQUAL(o.sum.acks_requested, 1);
	done(&o);
	const char *err[] = {"devices[0].precopy_info_v2=error"};
	run_case(err, 1, &o);
	CU_ASSERT_NOT_EQUAL(o.res.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(o.res.error, "PRECOPY_INFOv2"));
	CU_ASSERT(all_source_devices_end(&o, VFIO_STATE_RUNNING));
	done(&o);
}

/* An injected arc failure: ERROR, reset, every device back to RUNNING, the
 * VM restarted; the error names the device and the arc. */
static void test_arc_failure_and_recovery(void)
{
	for (int k = 0; k < 3; k++) {
		static const char *const strategies[] = {"sequential", "parallel-prio",
		                                         "parallel-barrier"};
		char strat[64];
		snprintf(strat, sizeof strat, "migration.strategy=%s", strategies[k]);
		const char *with[] = {strat,
		                      "faults=[{device: vf1, arc: pre_copy_p2p_to_stop_copy}]"};
		struct outcome o;
		run_case(with, 2, &o);
		CU_ASSERT_NOT_EQUAL(o.res.status, 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(o.res.error, "vf1"));
		CU_ASSERT_PTR_NOT_NULL(strstr(o.res.error, "PRE_COPY_P2P -> STOP_COPY"));
		CU_ASSERT(o.sum.recovery_s > 0);
		/* vf1 on the source; on the destination both devices, which the
		 * failed incoming migration leaves in RESUMING. */
		unsigned resets[2] = {0, 0};
		for (size_t i = 0; i < o.tr.n; i++)
			resets[o.tr.ev[i].side & 1] += o.tr.ev[i].kind == TRACE_ARC_BEGIN &&
			                               o.tr.ev[i].text &&
			                               !strcmp(o.tr.ev[i].text, "reset");
		CU_ASSERT_EQUAL(resets[RT_SIDE_SRC], 1);
		CU_ASSERT_EQUAL(resets[RT_SIDE_DST], 2);
		CU_ASSERT(all_source_devices_end(&o, VFIO_STATE_RUNNING));
		CU_ASSERT_EQUAL(count_kind(&o.tr, TRACE_VM_RUNNING, NULL), 0);
		done(&o);
	}
}

/* Events: order per device, and lead times sequential vs parallel. */
static void test_events_order_and_lead_times(void)
{
	const char *seq[] = {"events.design=prepare-before-p2p",
	                     "events.nonresponsive_from=vm-stop", "devices[0].count=3",
	                     "devices[0].latency.pre_copy_to_pre_copy_p2p=20ms",
	                     "events.rdma_timeout=30ms"};
	struct outcome o;
	run_case(seq, 5, &o);
	CU_ASSERT_EQUAL(o.res.status, 0);
	/* Source device vf0: setup, prepare, P2P, stop-copy; in that order. */
	static const char *const want[] = {"pre-copy", "pre-copy-p2p-prepare", "pre-copy-p2p",
	                                   "stop-copy"};
	size_t w = 0;
	for (size_t k = 0; k < o.tr.n && w < 4; k++) {
		const struct trace_event *e = &o.tr.ev[k];
		if (e->kind == TRACE_QMP_EVENT && e->side == RT_SIDE_SRC && e->device == 0 &&
		    !strcmp(e->text, want[w]))
			w++;
	}
	CU_ASSERT_EQUAL(w, 4);
	/* Sequential on stop runs the devices from the last registered: vf2's
	 * prepare event comes first, vf1 waits 20 ms, vf0 40 ms (the 1 ms
	 * arcs of the others' main steps come after the prepare pass). */
	CU_ASSERT_DOUBLE_EQUAL(o.sum.dev[2].event_lead_s, 0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(o.sum.dev[1].event_lead_s, -0.020, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(o.sum.dev[0].event_lead_s, -0.040, 1e-9);
	CU_ASSERT_EQUAL(o.sum.rdma_misses, 1); /* only vf0 is past 30 ms */
	CU_ASSERT_EQUAL(o.sum.rdma_guards, 3);
	done(&o);
	/* parallel-prio: all prepare events within the thread creations. */
	const char *par[] = {"events.design=prepare-before-p2p",
	                     "events.nonresponsive_from=vm-stop",
	                     "devices[0].count=3",
	                     "devices[0].latency.pre_copy_to_pre_copy_p2p=20ms",
	                     "events.rdma_timeout=30ms",
	                     "migration.strategy=parallel-prio"};
	run_case(par, 6, &o);
	CU_ASSERT_EQUAL(o.sum.rdma_misses, 0);
	for (int i = 0; i < 3; i++)
		CU_ASSERT(o.sum.dev[i].event_lead_s > -0.001);
	done(&o);
	/* after-only: the guard is the P2P event, a transition late. */
	const char *after[] = {"events.design=after-only", "events.nonresponsive_from=transition",
	                       "devices[0].count=1",
	                       "devices[0].latency.pre_copy_to_pre_copy_p2p=20ms",
	                       "events.rdma_timeout=10ms"};
	run_case(after, 5, &o);
	CU_ASSERT_DOUBLE_EQUAL(o.sum.dev[0].event_lead_s, -0.020, 1e-9);
	CU_ASSERT_EQUAL(o.sum.rdma_misses, 1);
	done(&o);
	const char *none[] = {"events.design=none", "devices[0].count=1"};
	run_case(none, 2, &o);
	CU_ASSERT_EQUAL(o.sum.qmp_events, 0);
	CU_ASSERT_EQUAL(o.sum.rdma_misses, 1);
	done(&o);
}

void register_tests(void)
{
	TEST_SUITE(
	    "ack", TEST(test_off_no_acks), TEST(test_new_ack_moves_preallocation_out_of_downtime),
	    TEST(test_legacy_single_ack), TEST(test_legacy_no_users),
	    TEST(test_mismatch_legacy_source_underflows),
	    TEST(test_mismatch_new_source_never_switches), TEST(test_reinit_one_more_ack_round),
	    TEST(test_reinit_before_its_ack_breaks_per_device_invariant),
	    TEST(test_reinit_before_init_data_sent),
	    TEST(test_reinit_in_gap_aborts_under_every_rule),
	    TEST(test_failed_final_check_counts_as_reinit),
	    TEST(test_forced_switchover_with_pending_acks),
	    TEST(test_precopy_v2_fallback_and_error), TEST(test_arc_failure_and_recovery),
	    TEST(test_events_order_and_lead_times));
}
