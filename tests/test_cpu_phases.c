/*
 * test_cpu_phases.c - the CPU of a run by downtime phase (models/cpu_phases.h,
 * bench_agreement --window-cpu), sim side: a tiny run with known charges, the
 * phase marks added to a trace at known times, and the CPU each task spent
 * in each phase against what SimGrid's CPU model makes of it, exactly.
 *
 * Five tasks on one host: a burns 1.5 s of CPU from 0.5 s; b and c 1 s each
 * and d and e 0.25 s each, all four from 2.5 s.  The marks: VM stop at 1 s,
 * final query end at 2 s, stop-copy sent at 3 s, VM start at 4 s, VM running
 * at 5.5 s.  On one core the four from 2.5 s get a quarter of it each
 * until d and e end at 3.5 s, then b and c half each until 5 s: b spends
 * 0.125 s in stopcopy, 0.125 + 0.25 in load and 0.5 in start, which a split
 * of its 2.5 s by time alone would get wrong (0.2, 0.4, 0.4).  On a host
 * with unlimited cores each works alone at one core's speed.
 */
#include <math.h>
#include <string.h>

#include "cpu_phases.h"
#include "migration.h"
#include "scenario_load.h"
#include "sim_runtime.h"
#include "sim_world.h"
#include "test_util.h"
#include "trace.h"

struct ctx {
	struct rt *rt;
	struct trace tr;
};

struct burn {
	struct ctx *c;
	double from, cpu_s;
	double end; /* when its work ended: SimGrid's sharing of the cores */
};

static void sleep_until(struct rt *rt, double t)
{
	rt_sleep(rt, t - rt_now(rt));
}

static void burner(void *arg)
{
	struct burn *b = arg;
	sleep_until(b->c->rt, b->from);
	rt_compute(b->c->rt, b->cpu_s);
	b->end = rt_now(b->c->rt);
}

static void mark(struct ctx *c, double at, enum trace_kind kind, int from)
{
	sleep_until(c->rt, at);
	TRACE_ADD(&c->tr, .t = rt_now(c->rt), .task = "marker", .kind = kind, .from = (int8_t)from);
}

static void marker(void *arg)
{
	struct ctx *c = arg;
	mark(c, 1, TRACE_VM_STOP, 0);
	mark(c, 2, TRACE_MARK, TRACE_MARK_FINAL_QUERY_END);
	mark(c, 3, TRACE_MARK, TRACE_MARK_STOPCOPY_SENT);
	mark(c, 4, TRACE_VM_START, 0);
	mark(c, 5.5, TRACE_VM_RUNNING, 0);
}

static struct burn burns[5];
static const char *const names[5] = {"a", "b", "c", "d", "e"};

static void root(void *arg)
{
	struct ctx *c = arg;
	static const double from[5] = {0.5, 2.5, 2.5, 2.5, 2.5}, cpu[5] = {1.5, 1, 1, 0.25, 0.25};
	struct rt_task *t[6];
	t[0] = rt_spawn(c->rt, RT_SIDE_SRC, "marker", marker, c);
	for (int i = 0; i < 5; i++) {
		burns[i] = (struct burn){c, from[i], cpu[i], 0};
		t[i + 1] = rt_spawn(c->rt, RT_SIDE_SRC, names[i], burner, &burns[i]);
	}
	for (int i = 0; i < 6; i++)
		rt_join(c->rt, t[i]);
}

static const double *cpu_of(const struct cpu_phases *cp, const char *kind)
{
	for (size_t i = 0; i < cp->n; i++)
		if (!strcmp(cp->kinds[i].kind, kind))
			return cp->kinds[i].cpu_s;
	return NULL;
}

/* The run on a host of `cores`, its table in cp. */
static void run(unsigned cores, struct cpu_phases *cp)
{
	CU_ASSERT_FATAL(sim_runtime_global_init() == 0);
	struct sim_runtime_config cfg = {.bandwidth_Bps = 1e9};
	cfg.host[RT_SIDE_SRC].cores = cores;
	struct ctx c = {.rt = sim_runtime_new(&cfg)};
	CU_ASSERT_FATAL(c.rt != NULL);
	trace_init(&c.tr);
	CU_ASSERT_FATAL(cpu_phases_init(cp, sim_runtime_cpu_phases_flush, NULL) == 0);
	trace_on_add(&c.tr, cpu_phases_event, cp);
	sim_runtime_cpu_phases(cp);
	char err[256];
	CU_ASSERT_EQUAL(sim_runtime_run(c.rt, root, &c, err, sizeof err), 0);
	sim_runtime_cpu_phases(NULL);
	trace_free(&c.tr);
	sim_runtime_free(c.rt);
	CU_ASSERT_EQUAL(cp->phase, CPU_PHASE_AFTER);
	CU_ASSERT_EQUAL(cp->late_marks, 0);
	CU_ASSERT_EQUAL(cpu_phases_length(cp, CPU_PHASE_STOP), 1.0);
	CU_ASSERT_EQUAL(cpu_phases_length(cp, CPU_PHASE_STOPCOPY), 1.0);
	CU_ASSERT_EQUAL(cpu_phases_length(cp, CPU_PHASE_LOAD), 1.0);
	CU_ASSERT_EQUAL(cpu_phases_length(cp, CPU_PHASE_START), 1.5);
	CU_ASSERT(isnan(cpu_phases_length(cp, CPU_PHASE_AFTER)));
}

static void expect(const struct cpu_phases *cp, const char *kind,
                   const double want[CPU_PHASE_COUNT])
{
	const double *got = cpu_of(cp, kind);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	for (int p = 0; p < CPU_PHASE_COUNT; p++) {
		if (got[p] != want[p])
			fprintf(stderr, "%s %s: %.17g, expected %.17g\n", kind,
			        cpu_phase_name((enum cpu_phase)p), got[p], want[p]);
		CU_ASSERT_EQUAL(got[p], want[p]);
	}
}

/* Run on a host of `cores` and check each task's CPU per phase (rows a to
 * e; columns run, stop, stopcopy, load, start, after). */
static void check_run(unsigned cores, const double want[5][CPU_PHASE_COUNT], const double end[5])
{
	struct cpu_phases cp;
	run(cores, &cp);
	/* SimGrid shared the cores as the attribution assumes: the tasks'
	 * work ended when that sharing says, and it followed every execution
	 * to its end without error. */
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(burns[i].end, end[i]);
	CU_ASSERT_EQUAL(sim_runtime_cpu_progress_error(), 0);
	for (int i = 0; i < 5; i++) {
		char kind[16];
		snprintf(kind, sizeof kind, "src %s", names[i]);
		expect(&cp, kind, want[i]);
	}
	CU_ASSERT_PTR_NULL(cpu_of(&cp, "src marker")); /* sleeps only */
	CU_ASSERT_EQUAL(cp.n, 5);
	cpu_phases_free(&cp);
}

/* One core: SimGrid's sharing decides each phase's part. */
static void test_one_core(void)
{
	static const double want[5][CPU_PHASE_COUNT] = {{0.5, 1.0, 0, 0, 0, 0},
	                                                {0, 0, 0.125, 0.375, 0.5, 0},
	                                                {0, 0, 0.125, 0.375, 0.5, 0},
	                                                {0, 0, 0.125, 0.125, 0, 0},
	                                                {0, 0, 0.125, 0.125, 0, 0}};
	static const double end[5] = {2.0, 5.0, 5.0, 3.5, 3.5};
	check_run(1, want, end);
}

/* Unlimited cores: CPU work is a wait at one core's speed, cut by time. */
static void test_unlimited_cores(void)
{
	static const double want[5][CPU_PHASE_COUNT] = {{0.5, 1.0, 0, 0, 0, 0},
	                                                {0, 0, 0.5, 0.5, 0, 0},
	                                                {0, 0, 0.5, 0.5, 0, 0},
	                                                {0, 0, 0.25, 0, 0, 0},
	                                                {0, 0, 0.25, 0, 0, 0}};
	static const double end[5] = {2.0, 3.5, 3.5, 2.75, 2.75};
	check_run(0, want, end);
}

/* Marks out of order (the real world's two ends add theirs on different
 * threads): phases only move forward, a phase jumped over is empty, a late
 * mark is counted; names with digits share a kind. */
static void test_marks_out_of_order(void)
{
	struct cpu_phases cp;
	CU_ASSERT_FATAL(cpu_phases_init(&cp, NULL, NULL) == 0);
	cpu_phases_event(&cp, &(struct trace_event){.t = 1, .kind = TRACE_VM_STOP});
	cpu_phases_charge(&cp, cp.phase, "vfio-vf1-save", 0.25);
	cpu_phases_charge(&cp, cp.phase, "vfio-vf12-save", 0.5);
	cpu_phases_event(&cp, &(struct trace_event){
	                          .t = 2, .kind = TRACE_MARK, .from = TRACE_MARK_FINAL_QUERY_END});
	cpu_phases_event(&cp, &(struct trace_event){.t = 3, .kind = TRACE_VM_START});
	cpu_phases_event(&cp, &(struct trace_event){
	                          .t = 3.5, .kind = TRACE_MARK, .from = TRACE_MARK_STOPCOPY_SENT});
	cpu_phases_event(&cp, &(struct trace_event){.t = 3.5,
	                                            .kind = TRACE_MARK,
	                                            .from = TRACE_MARK_READY}); /* not a phase */
	CU_ASSERT_EQUAL(cp.phase, CPU_PHASE_START);
	CU_ASSERT_EQUAL(cp.late_marks, 1);
	CU_ASSERT_EQUAL(cpu_phases_length(&cp, CPU_PHASE_STOPCOPY), 1.0);
	CU_ASSERT_EQUAL(cpu_phases_length(&cp, CPU_PHASE_LOAD), 0.0);
	CU_ASSERT(isnan(cpu_phases_length(&cp, CPU_PHASE_START)));
	CU_ASSERT_EQUAL(cp.n, 1);
	CU_ASSERT_STRING_EQUAL(cp.kinds[0].kind, "vfio-vfN-save");
	CU_ASSERT_EQUAL(cp.kinds[0].cpu_s[CPU_PHASE_STOP], 0.75);
	cpu_phases_free(&cp);
}

/* The whole engine: bench/agreement.yaml with 16 devices, their state over
 * two multifd channels, on this machine's host profile (2 cores shared).
 * Watching the phases changes nothing in the run (the trace is the same,
 * event for event, bit for bit), and the CPU found in the phases adds up to
 * what the tasks were charged in all (sim_runtime_cpu_hook). */
static double charged_s;

static void count_charged(const char *task, double cpu_s)
{
	(void)task;
	charged_s += cpu_s;
}

static void test_engine_run_unchanged(void)
{
	static const char *const sets[] = {"devices[0].count=16",
	                                   "migration.strategy=parallel-prio",
	                                   "network.multifd_channels=2",
	                                   "migration.multifd_transfer=on",
	                                   "hosts.source.profile=ci-2core",
	                                   "hosts.destination.profile=ci-2core",
	                                   "hosts.shared=true",
	                                   "runs=1"};
	struct scenario *s = NULL;
	char err[1024];
	CU_ASSERT_FATAL(scenario_load_file(test_src_path("bench/agreement.yaml"), sets,
	                                   sizeof sets / sizeof sets[0], &s, err, sizeof err) == 0);
	struct trace plain, watched;
	struct mig_result res;
	trace_init(&plain);
	CU_ASSERT_EQUAL_FATAL(sim_world_run(s, 0, &plain, &res, err, sizeof err), 0);
	CU_ASSERT_EQUAL(res.status, 0);

	struct cpu_phases cp;
	CU_ASSERT_FATAL(cpu_phases_init(&cp, sim_runtime_cpu_phases_flush, NULL) == 0);
	trace_init(&watched);
	trace_on_add(&watched, cpu_phases_event, &cp);
	sim_runtime_cpu_phases(&cp);
	charged_s = 0;
	sim_runtime_cpu_hook(count_charged);
	CU_ASSERT_EQUAL_FATAL(sim_world_run(s, 0, &watched, &res, err, sizeof err), 0);
	sim_runtime_cpu_hook(NULL);
	sim_runtime_cpu_phases(NULL);

	CU_ASSERT_EQUAL_FATAL(plain.n, watched.n);
	size_t differ = 0;
	for (size_t k = 0; k < plain.n; k++) {
		const struct trace_event *a = &plain.ev[k], *b = &watched.ev[k];
		differ += a->t != b->t || a->kind != b->kind || a->device != b->device ||
		          a->side != b->side || a->value != b->value || strcmp(a->task, b->task);
	}
	CU_ASSERT_EQUAL(differ, 0);
	CU_ASSERT_EQUAL(cp.phase, CPU_PHASE_AFTER);
	CU_ASSERT_EQUAL(cp.late_marks, 0);
	double in_phases = 0, stopcopy = 0;
	for (size_t i = 0; i < cp.n; i++)
		for (int p = 0; p < CPU_PHASE_COUNT; p++) {
			in_phases += cp.kinds[i].cpu_s[p];
			if (p == CPU_PHASE_STOPCOPY)
				stopcopy += cp.kinds[i].cpu_s[p];
		}
	CU_ASSERT(charged_s > 0);
	/* Its progress followed SimGrid's sharing to every execution's end,
	 * within the clock's rounding (2e-11 s here, the clock's step 1.5e-11). */
	CU_ASSERT(sim_runtime_cpu_progress_error() < 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(in_phases, charged_s, 1e-12 * charged_s);
	/* Two cores cannot do more than twice the phase's length of work. */
	CU_ASSERT(stopcopy > 0);
	CU_ASSERT(stopcopy <= 2 * cpu_phases_length(&cp, CPU_PHASE_STOPCOPY) * (1 + 1e-12));
	cpu_phases_free(&cp);
	trace_free(&plain);
	trace_free(&watched);
	scenario_free(s);
}

void register_tests(void)
{
	TEST_SUITE("cpu_phases", TEST(test_one_core), TEST(test_unlimited_cores),
	           TEST(test_marks_out_of_order), TEST(test_engine_run_unchanged));
}
