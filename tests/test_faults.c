/*
 * test_faults.c - the fault campaign (issue 17): an injected arc failure
 * (the scenario's `faults:`) at every arc a device takes, for every
 * capability set x strategy x thread mode, in the sim world and the real
 * world (emulated devices, in this process), ends the migration cleanly.
 *
 * The matrix is generated from the engine's own tables, so that a new arc,
 * capability, strategy or thread mode is covered without a new test:
 * capability sets are the subsets of scenario_caps with STOP_COPY,
 * strategies scenario_strategy_names, thread modes
 * scenario_thread_mode_names, arcs scenario_arcs.  Which arcs a device
 * takes, and on which side, comes from a fault-free run of the same
 * configuration (every arc the device's capabilities allow that the run
 * does not take must change nothing); the arcs the source takes while it
 * recovers from each failure get a second fault on top of the first.
 *
 * Each cell asserts exactly: the run's error is the one of the faulty
 * device on that side and arc; every device ends in RUNNING (through a
 * reset where an arc failed), except after a fault in the source's
 * cleanup, which comes after the destination VM runs; the source VM runs
 * again; every task ended (the world's run returned 0, every spawned
 * thread was joined, every pool worker ended before the run); and the
 * next fault-free run in the same process completes.
 */
#include <string.h>

#include "migration.h"
#include "real_world.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "summary.h"
#include "test_threads.h"
#include "test_util.h"

/* Two devices where the capabilities allow more than one (P2P: the kernel
 * uAPI allows one device without it), and the faults target the last, so
 * that the first shows a healthy device's recovery next to the faulty
 * one. */
static const char *const yaml = "name: faults\n"
                                "vm: {ram: 256KiB}\n"
                                "network: {bandwidth: 10Gbps, latency: 50us}\n"
                                "migration: {chunk_size: 64KiB}\n"
                                "devices:\n"
                                "  - name: vf\n"
                                "    profile: null\n"
                                "    count: 2\n"
                                "    state_size: 128KiB\n"
                                "    latency: {default: 1ms}\n"
                                "runs: 1\n";

#define NDEV 2

enum world { WORLD_SIM, WORLD_REAL };
static const char *const world_names[] = {"sim", "real"};

/* One configuration of the matrix: --set lines, and the faulty device
 * (its index and instance name). */
struct config {
	char caps[96], count[64], strategy[64], threads[64];
	int ndev, faulty;
	char faulty_name[48];
};

struct outcome {
	struct scenario *s;
	struct trace tr;
	struct mig_result res;
	struct run_summary sum;
};

/* What was run, for docs/reliability.md's table (printed at the end). */
static struct {
	unsigned configs, fault_cells[2], untaken_cells, recovery_cells, recovery_not_taken,
	    clean_runs;
} counts[2];

static void run(enum world w, const struct config *c, const char *faults, struct outcome *o)
{
	const char *sets[5] = {c->caps, c->count, c->strategy, c->threads, faults};
	char err[1024];
	o->s = NULL;
	int rc = scenario_load_text("faults.yaml", yaml, strlen(yaml), sets, faults ? 5 : 4, &o->s,
	                            err, sizeof err);
	if (rc)
		fprintf(stderr, "scenario (%s, %s): %s\n", c->caps, faults ? faults : "-", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	trace_init(&o->tr);
	if (w == WORLD_SIM) {
		rc = sim_world_run(o->s, 0, &o->tr, &o->res, err, sizeof err);
	} else {
		/* Long enough that no keepalive is missed on a loaded machine;
		 * nothing here waits for it. */
		struct real_world_config cfg = {.devices = REAL_DEVICES_EMU, .io_timeout_s = 10};
		rc = real_world_run(o->s, 0, &cfg, &o->tr, &o->res, err, sizeof err);
	}
	/* 0: every task of the run ended (a task left running is -EDEADLK). */
	if (rc)
		fprintf(stderr, "%s run: %s\n", world_names[w], err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(summary_from_trace(o->s, &o->tr, &o->res, &o->sum), 0);
}

static void done(struct outcome *o)
{
	summary_free(&o->sum);
	trace_free(&o->tr);
	scenario_free(o->s);
}

static bool has(const struct trace *tr, enum trace_kind k, int mark)
{
	for (size_t i = 0; i < tr->n; i++)
		if (tr->ev[i].kind == k && (mark < 0 || tr->ev[i].from == mark))
			return true;
	return false;
}

/* Every thread spawned was joined and every pool worker ended before the
 * run did. */
static void expect_tasks_ended(const struct outcome *o, const char *label)
{
	struct thread_counts t = count_threads(&o->tr);
	if (t.worker_spawns != t.worker_joins || t.launches != t.collects)
		fprintf(stderr, "%s: workers %d/%d, transitions %d/%d\n", label, t.worker_spawns,
		        t.worker_joins, t.launches, t.collects);
	CU_ASSERT_EQUAL(t.worker_spawns, t.worker_joins);
	CU_ASSERT_EQUAL(t.launches, t.collects);
	CU_ASSERT(t.workers_end_before_run_end);
	CU_ASSERT(o->sum.inv[INV_THREADS_JOINED].held);
}

/* The state each device of each side ended in: its last arc's target, or
 * ERROR when that arc failed; `initial` for a device that took no arc. */
static void final_states(const struct trace *tr, int ndev, enum vfio_state last[2][NDEV])
{
	for (int sd = 0; sd < 2; sd++)
		for (int d = 0; d < ndev; d++)
			last[sd][d] = sd == RT_SIDE_SRC ? VFIO_STATE_RUNNING : VFIO_STATE_STOP;
	for (size_t k = 0; k < tr->n; k++) {
		const struct trace_event *e = &tr->ev[k];
		if (e->kind == TRACE_ARC_END && e->device >= 0 && e->device < ndev)
			last[e->side & 1][e->device] = e->text ? VFIO_STATE_ERROR : e->to;
	}
}

static void expect_clean_end(const struct config *c, const struct outcome *o,
                             const char *want_error, const char *label)
{
	if (o->res.status == 0 || strcmp(o->res.error, want_error))
		fprintf(stderr, "%s: status %d, error '%s', expected '%s'\n", label, o->res.status,
		        o->res.error, want_error);
	CU_ASSERT(o->res.status < 0);
	CU_ASSERT_STRING_EQUAL(o->res.error, want_error);
	enum vfio_state last[2][NDEV];
	final_states(&o->tr, c->ndev, last);
	/* A fault in the source's cleanup comes after the destination VM
	 * runs: the migration happened, the healthy source device is in STOP
	 * (QEMU's cleanup), the faulty one was reset. */
	bool dst_ran = has(&o->tr, TRACE_VM_RUNNING, -1);
	for (int sd = 0; sd < 2; sd++)
		for (int d = 0; d < c->ndev; d++) {
			enum vfio_state want = dst_ran && sd == RT_SIDE_SRC && d != c->faulty
			                           ? VFIO_STATE_STOP
			                           : VFIO_STATE_RUNNING;
			if (last[sd][d] != want)
				fprintf(stderr, "%s: %s device %d ended in %s, expected %s\n",
				        label, rt_side_name((enum rt_side)sd), d,
				        vfio_state_name(last[sd][d]), vfio_state_name(want));
			CU_ASSERT_EQUAL(last[sd][d], want);
		}
	if (!dst_ran) {
		/* The source recovered, and its VM runs again if it was stopped. */
		CU_ASSERT(has(&o->tr, TRACE_MARK, TRACE_MARK_RECOVERY_END));
		CU_ASSERT_EQUAL(has(&o->tr, TRACE_VM_STOP, -1),
		                has(&o->tr, TRACE_MARK, TRACE_MARK_SRC_RUNNING));
	}
	/* The recovery's VM start is no second stop: its prepare pass comes
	 * after the stop's main pass without breaking that invariant. */
	CU_ASSERT(o->sum.inv[INV_PREPARE_BEFORE_MAIN].held);
	expect_tasks_ended(o, label);
}

/* The arcs of device `faulty` in a trace, in order: side and arc. */
struct taken {
	int side;
	enum vfio_state from, to;
	bool recovery;
};

static size_t arcs_of_faulty(const struct trace *tr, int faulty, struct taken *out, size_t max)
{
	size_t n = 0;
	for (size_t k = 0; k < tr->n && n < max; k++) {
		const struct trace_event *e = &tr->ev[k];
		if (e->kind != TRACE_ARC_BEGIN || e->device != faulty || !e->text ||
		    !strcmp(e->text, "reset"))
			continue;
		out[n++] = (struct taken){e->side & 1, (enum vfio_state)e->from,
		                          (enum vfio_state)e->to, !strcmp(e->text, "recovery")};
	}
	return n;
}

/* The side on which the first of `arcs` is from -> to, or -1. */
static int first_side(const struct taken *arcs, size_t n, enum vfio_state from, enum vfio_state to)
{
	for (size_t i = 0; i < n; i++)
		if (arcs[i].from == from && arcs[i].to == to)
			return arcs[i].side;
	return -1;
}

static void expected_error(const struct config *c, char *buf, size_t len, int side,
                           enum vfio_state from, enum vfio_state to)
{
	snprintf(buf, len, "%s device %s: %s -> %s failed: Input/output error (device in ERROR)",
	         rt_side_name((enum rt_side)side), c->faulty_name, vfio_state_name(from),
	         vfio_state_name(to));
}

/* Do two traces hold the same arcs (from, to, failed) for each device of
 * each side, in the same order?  A fault on an arc the run never takes
 * must leave them as they were.  Per device: the real world interleaves
 * the devices of a parallel strategy differently from run to run. */
static bool same_arcs(const struct trace *a, const struct trace *b, int ndev)
{
	for (int key = 0; key < 2 * ndev; key++) {
		size_t i = 0, j = 0;
		for (;;) {
#define SKIP(t, k)                                                                                 \
	while (k < (t)->n && ((t)->ev[k].kind != TRACE_ARC_END ||                                  \
	                      (t)->ev[k].device * 2 + ((t)->ev[k].side & 1) != key))               \
	k++
			SKIP(a, i);
			SKIP(b, j);
#undef SKIP
			if (i == a->n || j == b->n) {
				if (i != a->n || j != b->n)
					return false;
				break;
			}
			const struct trace_event *x = &a->ev[i++], *y = &b->ev[j++];
			if (x->from != y->from || x->to != y->to || !x->text != !y->text)
				return false;
		}
	}
	return true;
}

/* The latency key of the arc from -> to. */
static const char *arc_key(enum vfio_state from, enum vfio_state to)
{
	for (size_t a = 0; a < SCENARIO_ARC_COUNT; a++)
		if (scenario_arcs[a].from == from && scenario_arcs[a].to == to)
			return scenario_arcs[a].key;
	CU_FAIL("an arc without a latency key");
	return "?";
}

/* The second fault of a recovery cell: the first fault's arc and one the
 * source takes while recovering from it. */
static void recovery_cells(enum world w, const struct config *c, const struct taken *first,
                           const struct outcome *o, const char *label)
{
	struct taken arcs[64];
	size_t n = arcs_of_faulty(&o->tr, c->faulty, arcs, 64);
	for (size_t i = 0; i < n; i++) {
		if (!arcs[i].recovery || first_side(arcs, i, arcs[i].from, arcs[i].to) >= 0)
			continue; /* not a recovery arc, or one seen already */
		char faults[192], want[256], sub[400];
		snprintf(faults, sizeof faults,
		         "faults=[{device: %s, arc: %s}, {device: %s, arc: %s}]", c->faulty_name,
		         arc_key(first->from, first->to), c->faulty_name,
		         arc_key(arcs[i].from, arcs[i].to));
		expected_error(c, want, sizeof want, first->side, first->from, first->to);
		snprintf(sub, sizeof sub, "%s, then %s -> %s in recovery", label,
		         vfio_state_name(arcs[i].from), vfio_state_name(arcs[i].to));
		struct outcome f;
		run(w, c, faults, &f);
		expect_clean_end(c, &f, want, sub);
		/* The recovery arc failed (and expect_clean_end saw the device
		 * reset after it). */
		bool failed_in_recovery = false;
		for (size_t k = 0; k < f.tr.n; k++) {
			const struct trace_event *e = &f.tr.ev[k];
			failed_in_recovery |= e->kind == TRACE_ARC_END && e->device == c->faulty &&
			                      e->side == RT_SIDE_SRC &&
			                      e->from == (int)arcs[i].from &&
			                      e->to == (int)arcs[i].to && e->text;
		}
		/* Sim: exactly where the first run recovered.  Real: where the
		 * other device of a parallel strategy was when the first fault
		 * struck depends on the threads' timing, and so may the
		 * recovery's arcs; the end is as clean either way. */
		if (w == WORLD_SIM) {
			CU_ASSERT(failed_in_recovery);
		} else if (!failed_in_recovery) {
			counts[w].recovery_not_taken++;
		}
		done(&f);
		counts[w].recovery_cells++;
	}
}

/* Every cell of one configuration, then a fault-free run. */
static void run_config(enum world w, struct config *c)
{
	struct outcome base;
	run(w, c, NULL, &base);
	CU_ASSERT_EQUAL_FATAL(base.res.status, 0);
	expect_tasks_ended(&base, "fault-free");
	scenario_device_name(base.s, (size_t)c->faulty, c->faulty_name, sizeof c->faulty_name);
	struct taken arcs[64];
	size_t n = arcs_of_faulty(&base.tr, c->faulty, arcs, 64);
	CU_ASSERT_FATAL(n > 0);
	uint32_t caps = base.s->groups[0].caps;
	for (size_t a = 0; a < SCENARIO_ARC_COUNT; a++) {
		const struct scenario_arc *arc = &scenario_arcs[a];
		if (!vfio_fsm_is_device_arc(arc->from, arc->to, caps))
			continue;
		char faults[128], label[320];
		snprintf(faults, sizeof faults, "faults=[{device: %s, arc: %s}]", c->faulty_name,
		         arc->key);
		snprintf(label, sizeof label, "%s, %s, %s, %s, %s", world_names[w], c->caps,
		         c->strategy, c->threads, arc->key);
		int side = first_side(arcs, n, arc->from, arc->to);
		struct outcome o;
		run(w, c, faults, &o);
		if (side < 0) {
			/* Never taken: the fault never fires. */
			if (o.res.status)
				fprintf(stderr, "%s: not taken, yet: %s\n", label, o.res.error);
			CU_ASSERT_EQUAL(o.res.status, 0);
			CU_ASSERT(same_arcs(&base.tr, &o.tr, c->ndev));
			counts[w].untaken_cells++;
		} else {
			char want[256];
			expected_error(c, want, sizeof want, side, arc->from, arc->to);
			expect_clean_end(c, &o, want, label);
			counts[w].fault_cells[side]++;
			struct taken first = {side, arc->from, arc->to, false};
			recovery_cells(w, c, &first, &o, label);
		}
		done(&o);
	}
	/* The next run in the same process works. */
	struct outcome next;
	run(w, c, NULL, &next);
	CU_ASSERT_EQUAL(next.res.status, 0);
	CU_ASSERT(same_arcs(&base.tr, &next.tr, c->ndev));
	expect_tasks_ended(&next, "next run");
	done(&next);
	done(&base);
	counts[w].configs++;
	counts[w].clean_runs += 2;
}

/* Capability sets: every subset of scenario_caps holding STOP_COPY,
 * spelled as `capabilities:` takes them. */
static void caps_set(uint32_t bits, char *buf, size_t len)
{
	size_t k = (size_t)snprintf(buf, len, "devices[0].capabilities=[");
	const char *sep = "";
	for (size_t i = 0; i < SCENARIO_CAP_COUNT && k < len; i++)
		if (bits & scenario_caps[i].bit) {
			k += (size_t)snprintf(buf + k, len - k, "%s%s", sep, scenario_caps[i].name);
			sep = ", ";
		}
	if (k < len)
		snprintf(buf + k, len - k, "]");
}

static void run_matrix(enum world w)
{
	uint32_t all = 0;
	for (size_t i = 0; i < SCENARIO_CAP_COUNT; i++)
		all |= scenario_caps[i].bit;
	for (uint32_t bits = 0; bits <= all; bits++) {
		if ((bits & ~all) || !(bits & VFIO_CAP_STOP_COPY))
			continue;
		for (size_t k = 0; k < scenario_strategy_names.count; k++)
			for (size_t t = 0; t < scenario_thread_mode_names.count; t++) {
				struct config c;
				caps_set(bits, c.caps, sizeof c.caps);
				c.ndev = bits & VFIO_CAP_P2P ? NDEV : 1;
				c.faulty = c.ndev - 1;
				snprintf(c.count, sizeof c.count, "devices[0].count=%d", c.ndev);
				snprintf(c.strategy, sizeof c.strategy, "migration.strategy=%s",
				         scenario_strategy_names.name[k]);
				snprintf(c.threads, sizeof c.threads, "migration.threads=%s",
				         scenario_thread_mode_names.name[t]);
				run_config(w, &c);
			}
	}
	fprintf(stderr,
	        "\n%s world: %u configurations, %u source and %u destination fault cells, %u "
	        "arcs not taken, %u recovery cells (%u where the run recovered otherwise), %u "
	        "fault-free runs\n",
	        world_names[w], counts[w].configs, counts[w].fault_cells[RT_SIDE_SRC],
	        counts[w].fault_cells[RT_SIDE_DST], counts[w].untaken_cells,
	        counts[w].recovery_cells, counts[w].recovery_not_taken, counts[w].clean_runs);
	/* Both sides are in the matrix (a change that moved every arc to
	 * one side would hide the other). */
	CU_ASSERT(counts[w].fault_cells[RT_SIDE_SRC] > 0);
	CU_ASSERT(counts[w].fault_cells[RT_SIDE_DST] > 0);
}

static void test_sim_matrix(void)
{
	run_matrix(WORLD_SIM);
}

static void test_real_matrix(void)
{
	run_matrix(WORLD_REAL);
}

void register_tests(void)
{
	TEST_SUITE("faults", TEST(test_sim_matrix), TEST(test_real_matrix));
}
