/*
 * test_determinism.c - a sim run is a pure function of (scenario, seed, run):
 * identical traces bit for bit; another seed draws differently; adding a
 * device leaves every other device's draws unchanged; and a golden trace of
 * a small scenario (SimGrid .tesh style) makes behaviour changes show up as
 * diffs.  SWITCHOVER_UPDATE_GOLDEN=1 rewrites the golden file.
 */
#include <stdlib.h>
#include <string.h>

#include "migration.h"
#include "scenario_load.h"
#include "sim_world.h"
#include "test_util.h"

static struct scenario *load(const char *rel, const char *const *sets, size_t n_sets)
{
	struct scenario *s = NULL;
	char err[1024];
	int rc = scenario_load_file(test_src_path(rel), sets, n_sets, &s, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return s;
}

static void run(const struct scenario *s, unsigned r, struct trace *tr)
{
	struct mig_result res;
	char err[512];
	trace_init(tr);
	CU_ASSERT_EQUAL_FATAL(sim_world_run(s, r, tr, &res, err, sizeof err), 0);
	CU_ASSERT_EQUAL(res.status, 0);
}

static bool same_trace(const struct trace *a, const struct trace *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct trace_event *x = &a->ev[i], *y = &b->ev[i];
		if (memcmp(&x->t, &y->t, sizeof x->t) ||
		    memcmp(&x->value, &y->value, sizeof x->value) || x->kind != y->kind ||
		    x->device != y->device || x->from != y->from || x->to != y->to ||
		    x->side != y->side || x->pass != y->pass)
			return false;
	}
	return true;
}

static void test_same_seed_same_trace(void)
{
	static const char *const strategies[] = {"migration.strategy=sequential",
	                                         "migration.strategy=parallel-prio",
	                                         "migration.strategy=parallel-barrier"};
	for (int k = 0; k < 3; k++) {
		struct scenario *s =
		    load("scenarios/demo/depths-stragglers.yaml", &strategies[k], 1);
		struct trace a, b, c;
		run(s, 3, &a);
		run(s, 3, &b);
		run(s, 4, &c);
		CU_ASSERT(same_trace(&a, &b));
		CU_ASSERT(!same_trace(&a, &c)); /* another run index draws anew */
		trace_free(&a);
		trace_free(&b);
		trace_free(&c);
		scenario_free(s);
	}
}

static void test_other_seed_differs(void)
{
	struct scenario *s = load("scenarios/demo/depths-stragglers.yaml", NULL, 0);
	struct trace a, b;
	run(s, 0, &a);
	s->seed += 1;
	run(s, 0, &b);
	CU_ASSERT(!same_trace(&a, &b));
	trace_free(&a);
	trace_free(&b);
	scenario_free(s);
}

/* Work of device `name`'s arcs, in order, from trace `tr` of scenario `s`. */
static size_t arc_works(const struct scenario *s, const struct trace *tr, const char *name,
                        double *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < tr->n && n < max; i++) {
		const struct trace_event *e = &tr->ev[i];
		if (e->kind != TRACE_ARC_END || e->device < 0)
			continue;
		char dn[DEVICE_NAME_LEN];
		scenario_device_name(s, (size_t)e->device, dn, sizeof dn);
		if (!strcmp(dn, name))
			out[n++] = e->value * (e->side ? -1 : 1);
	}
	return n;
}

static void test_adding_a_device_keeps_other_draws(void)
{
	const char *grow[] = {"devices[0].count=5"};
	struct scenario *s4 = load("scenarios/demo/depths-stragglers.yaml", NULL, 0);
	struct scenario *s5 = load("scenarios/demo/depths-stragglers.yaml", grow, 1);
	struct trace a, b;
	run(s4, 0, &a);
	run(s5, 0, &b);
	static const char *const names[] = {"deep0", "deep3", "root0", "root3"};
	for (int k = 0; k < 4; k++) {
		double wa[64], wb[64];
		size_t na = arc_works(s4, &a, names[k], wa, 64);
		size_t nb = arc_works(s5, &b, names[k], wb, 64);
		CU_ASSERT(na > 4);
		CU_ASSERT_EQUAL(na, nb);
		CU_ASSERT(memcmp(wa, wb, na * sizeof *wa) == 0);
	}
	trace_free(&a);
	trace_free(&b);
	scenario_free(s4);
	scenario_free(s5);
}

static const char *golden_yaml =
    "name: golden\n"
    "vm: {ram: 64MiB, dirty_rate: 64MiB/s}\n"
    "network: {bandwidth: 10Gbps, latency: 100us}\n"
    "migration: {strategy: parallel-prio, thread_create: 50us, thread_join: 20us, "
    "chunk_size: 4MiB}\n"
    "devices:\n"
    "  - name: vf\n"
    "    profile: null\n"
    "    count: 2\n"
    "    depth: 1\n"
    "    state_size: 6MiB\n"
    "    initial_bytes: 1MiB\n"
    "    load: {fixed: 1ms, rate: 1GiB/s}\n"
    "    latency: {default: 2ms, pre_copy_p2p_to_stop_copy: 8ms, query: 10us}\n"
    "handlers:\n"
    "  - {name: virtio-net, depth: 1, pass: main, cost: 500us}\n"
    "runs: 1\n";

static void test_golden_trace(void)
{
	struct scenario *s = NULL;
	char err[1024];
	CU_ASSERT_EQUAL_FATAL(scenario_load_text("golden.yaml", golden_yaml, strlen(golden_yaml),
	                                         NULL, 0, &s, err, sizeof err),
	                      0);
	struct trace tr;
	run(s, 0, &tr);
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	const char *names[] = {"vf0", "vf1"};
	trace_print(&tr, mem, names);
	fclose(mem);
	const char *path = test_src_path("tests/golden/parallel-prio-2vf.trace");
	if (getenv("SWITCHOVER_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fwrite(text, 1, len, f);
		fclose(f);
	}
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char *want = calloc(1, len + 65536);
	size_t got = fread(want, 1, len + 65535, f);
	fclose(f);
	bool same = got == len && memcmp(want, text, len) == 0;
	if (!same) {
		FILE *o = fopen("parallel-prio-2vf.trace.actual", "w");
		if (o) {
			fwrite(text, 1, len, o);
			fclose(o);
		}
		fprintf(stderr,
		        "golden trace differs: diff %s parallel-prio-2vf.trace.actual "
		        "(SWITCHOVER_UPDATE_GOLDEN=1 accepts the new trace)\n",
		        path);
	}
	CU_ASSERT(same);
	free(want);
	free(text);
	trace_free(&tr);
	scenario_free(s);
}

void register_tests(void)
{
	TEST_SUITE("determinism", TEST(test_same_seed_same_trace), TEST(test_other_seed_differs),
	           TEST(test_adding_a_device_keeps_other_draws), TEST(test_golden_trace));
}
