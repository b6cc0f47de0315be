/*
 * test_scenario.c - scenario files: loading, defaults, profiles, --set,
 * errors, printing, robustness.
 *
 * - Good files load with exactly the values docs/scenarios.md promises.
 * - Every file under tests/data/bad/ is rejected; its first line says which
 *   message fragment (file:line: key: ...) the error must contain:
 *       # expect: bad_unit.yaml:7: devices[0].state_size: unknown unit
 * - Every scenarios/ file and every good file loads, prints with
 *   scenario_to_yaml() and loads back equal, and survives 2000 mutated
 *   variants of itself (the sanitizer build proves "no crash"; here every
 *   failure must come with a message, every success must round trip).
 * SWITCHOVER_SHOW_ERRORS=1 prints every bad file's message.
 */
#include <glob.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_yaml.h"
#include "test_util.h"
#include "vfio_fsm.h"

#define MiB (1024ull * 1024)
#define GiB (1024ull * MiB)

static char err[2048];

static struct scenario *load_text(const char *text, const char *const *sets, size_t n_sets)
{
	struct scenario *s = NULL;
	int rc =
	    scenario_load_text("t.yaml", text, strlen(text), sets, n_sets, &s, err, sizeof err);
	if (rc)
		fprintf(stderr, "unexpected error: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(rc == 0, s != NULL);
	return s;
}

static struct scenario *load_file(const char *rel)
{
	struct scenario *s = NULL;
	int rc = scenario_load_file(test_src_path(rel), NULL, 0, &s, err, sizeof err);
	if (rc)
		fprintf(stderr, "unexpected error: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	return s;
}

/* Loading must fail with a message containing `frag`, and give no scenario. */
static void load_fails(const char *text, const char *const *sets, size_t n_sets, const char *frag)
{
	struct scenario *s = (struct scenario *)&s;
	int rc =
	    scenario_load_text("t.yaml", text, strlen(text), sets, n_sets, &s, err, sizeof err);
	bool ok = rc == -1 && strstr(err, frag) != NULL;

	if (!ok)
		fprintf(stderr, "\nwant error containing '%s', got rc %d: '%s'\n", frag, rc, err);
	CU_ASSERT(ok);
	CU_ASSERT_PTR_NULL(s);
	if (rc == 0)
		scenario_free(s);
}

static bool is_fixed(const struct dist *d, double v)
{
	return d->kind == DIST_FIXED && d->a == v;
}

static const struct dist *arc(const struct scn_device_group *g, enum vfio_state f,
                              enum vfio_state t)
{
	return &g->arc_latency[f][t];
}

/* Every latency key of `g` is fixed(v), except those the caller checks. */
static int count_arcs_fixed(const struct scn_device_group *g, double v)
{
	int n = 0;
	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++)
		n += is_fixed(arc(g, scenario_arcs[i].from, scenario_arcs[i].to), v);
	return n;
}

/* ---- exact values ---- */

static void test_minimal_defaults(void)
{
	struct scenario *s = load_file("tests/data/good/minimal.yaml");
	const struct scn_device_group *g;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s->name, "minimal");
	CU_ASSERT_PTR_NULL(s->description);
	CU_ASSERT_PTR_NOT_NULL(strstr(s->file, "minimal.yaml"));
	CU_ASSERT_EQUAL(s->ram_bytes, 1 * GiB);
	CU_ASSERT_EQUAL(s->ram_dirty_Bps, 0);
	CU_ASSERT_EQUAL(s->bandwidth_Bps, 12.5e9);
	CU_ASSERT_EQUAL(s->latency_s, 50e-6);
	CU_ASSERT_EQUAL(s->multifd_channels, 0);
	CU_ASSERT_EQUAL(s->downtime_limit_s, 0.3);
	CU_ASSERT_EQUAL(s->strategy, STRATEGY_SEQUENTIAL);
	CU_ASSERT_EQUAL(s->max_iterations, 100);
	CU_ASSERT_EQUAL(s->max_time_s, 60);
	CU_ASSERT_EQUAL(s->chunk_bytes, 1 * MiB);
	CU_ASSERT_EQUAL(s->thread_create_s, scenario_default.thread_create_s);
	CU_ASSERT_EQUAL(s->thread_join_s, scenario_default.thread_join_s);
	CU_ASSERT(s->thread_create_s > 1e-6 && s->thread_create_s < 1e-3);
	CU_ASSERT(s->thread_join_s > 1e-6 && s->thread_join_s < 1e-3);
	CU_ASSERT_EQUAL(s->runs, 10);
	CU_ASSERT_EQUAL(s->seed, 1);
	CU_ASSERT_EQUAL(s->n_domains, 0);
	CU_ASSERT_EQUAL(s->n_handlers, 0);
	CU_ASSERT_EQUAL_FATAL(s->n_groups, 1);
	g = &s->groups[0];
	/* The generic profile. */
	CU_ASSERT_STRING_EQUAL(g->name, "d");
	CU_ASSERT_STRING_EQUAL(g->profile, "generic");
	CU_ASSERT_EQUAL(g->count, 1);
	CU_ASSERT_EQUAL(g->depth, 1);
	CU_ASSERT_EQUAL(g->caps, VFIO_CAP_ALL);
	CU_ASSERT_EQUAL(g->state_bytes, 16 * MiB);
	CU_ASSERT_EQUAL(g->initial_bytes, 0);
	CU_ASSERT_EQUAL(g->precopy_dirty_Bps, 0);
	CU_ASSERT_EQUAL(count_arcs_fixed(g, 1e-3), SCENARIO_ARC_COUNT);
	CU_ASSERT(is_fixed(&g->query_latency, 10e-6));
	CU_ASSERT_EQUAL(g->load_fixed_s, 0);
	CU_ASSERT_EQUAL(g->load_Bps, 0);
	CU_ASSERT_EQUAL(g->domain, -1);
	/* Pairs of states that are no arc carry nothing. */
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_RUNNING, VFIO_STATE_STOP_COPY), 0));
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_ERROR, VFIO_STATE_RUNNING), 0));
	scenario_free(s);
}

static void test_full_explicit(void)
{
	struct scenario *s = load_file("tests/data/good/full.yaml");
	const struct scn_device_group *g, *n;
	const struct dist *d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s->name, "full.test-1");
	CU_ASSERT_STRING_EQUAL(s->description, "every key, explicit: 'quoted' text with: colons");
	CU_ASSERT_EQUAL(s->ram_bytes, 8 * GiB);
	CU_ASSERT_EQUAL(s->ram_dirty_Bps, 512.0 * MiB);
	CU_ASSERT_EQUAL(s->bandwidth_Bps, 25e9 / 8);
	CU_ASSERT_EQUAL(s->latency_s, 120e-6);
	CU_ASSERT_EQUAL(s->multifd_channels, 4);
	CU_ASSERT_EQUAL(s->downtime_limit_s, 0.5);
	CU_ASSERT_EQUAL(s->strategy, STRATEGY_PARALLEL_BARRIER);
	CU_ASSERT_EQUAL(s->max_iterations, 7);
	CU_ASSERT_EQUAL(s->max_time_s, 90);
	CU_ASSERT_EQUAL(s->chunk_bytes, 4 * MiB);
	CU_ASSERT_EQUAL(s->thread_create_s, 30e-6);
	CU_ASSERT_EQUAL(s->thread_join_s, 10e-6);
	CU_ASSERT_EQUAL(s->runs, 3);
	CU_ASSERT_EQUAL(s->seed, UINT64_MAX);
	CU_ASSERT_EQUAL_FATAL(s->n_domains, 2);
	CU_ASSERT_STRING_EQUAL(s->domains[0].name, "pf0");
	CU_ASSERT_EQUAL(s->domains[0].capacity, 2);
	CU_ASSERT_STRING_EQUAL(s->domains[1].name, "pf1");
	CU_ASSERT_EQUAL(s->domains[1].capacity, 1);

	CU_ASSERT_EQUAL_FATAL(s->n_groups, 2);
	g = &s->groups[0];
	CU_ASSERT_EQUAL(g->count, 3);
	CU_ASSERT_EQUAL(g->depth, 2);
	CU_ASSERT_EQUAL(g->caps, VFIO_CAP_ALL);
	CU_ASSERT_EQUAL(g->state_bytes, 64 * MiB);
	CU_ASSERT_EQUAL(g->initial_bytes, 2 * MiB);
	CU_ASSERT_EQUAL(g->precopy_dirty_Bps, 1e7);
	CU_ASSERT_EQUAL(g->domain, 1);
	CU_ASSERT_EQUAL(g->load_fixed_s, 1e-3);
	CU_ASSERT_EQUAL(g->load_Bps, 2.0 * GiB);
	d = &g->query_latency;
	CU_ASSERT(d->kind == DIST_NORMAL && d->a == 50e-6 && d->b == 5e-6);
	d = arc(g, VFIO_STATE_RUNNING, VFIO_STATE_PRE_COPY);
	CU_ASSERT(d->kind == DIST_LOGNORMAL && d->a == 0.01 && d->b == 0.5);
	d = arc(g, VFIO_STATE_PRE_COPY, VFIO_STATE_PRE_COPY_P2P);
	CU_ASSERT(d->kind == DIST_GAMMA && d->a == 2 && d->b == 0.005);
	d = arc(g, VFIO_STATE_PRE_COPY_P2P, VFIO_STATE_STOP_COPY);
	CU_ASSERT_FATAL(d->kind == DIST_EMPIRICAL && d->n_samples == 3);
	CU_ASSERT(d->samples[0] == 0.07 && d->samples[1] == 0.08 && d->samples[2] == 0.095);
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_STOP, VFIO_STATE_RUNNING_P2P), 0.06));
	/* `default` covers every other arc (with its own copy of the dist). */
	d = arc(g, VFIO_STATE_STOP_COPY, VFIO_STATE_STOP);
	CU_ASSERT(d->kind == DIST_UNIFORM && d->a == 1e-3 && d->b == 3e-3);
	d = arc(g, VFIO_STATE_RUNNING, VFIO_STATE_STOP);
	CU_ASSERT(d->kind == DIST_UNIFORM && d->a == 1e-3 && d->b == 3e-3);

	n = &s->groups[1];
	CU_ASSERT_STRING_EQUAL(n->name, "nic");
	CU_ASSERT_STRING_EQUAL(n->profile, "generic");
	CU_ASSERT_EQUAL(n->depth, 0);
	CU_ASSERT_EQUAL(n->caps, VFIO_CAP_STOP_COPY | VFIO_CAP_P2P);
	CU_ASSERT_EQUAL(n->state_bytes, 1000);
	CU_ASSERT_EQUAL(n->domain, -1);

	CU_ASSERT_EQUAL_FATAL(s->n_handlers, 3);
	CU_ASSERT_STRING_EQUAL(s->handlers[0].name, "virtio-net");
	CU_ASSERT_EQUAL(s->handlers[0].depth, 2);
	CU_ASSERT_EQUAL(s->handlers[0].pass, HANDLER_PASS_BOTH);
	CU_ASSERT_EQUAL(s->handlers[0].side, HANDLER_SIDE_SRC);
	CU_ASSERT(is_fixed(&s->handlers[0].cost, 200e-6));
	CU_ASSERT_EQUAL(s->handlers[1].depth, -1);
	CU_ASSERT_EQUAL(s->handlers[1].pass, HANDLER_PASS_MAIN);
	CU_ASSERT_EQUAL(s->handlers[1].side, HANDLER_SIDE_DST);
	CU_ASSERT_EQUAL(s->handlers[1].cost.kind, DIST_UNIFORM);
	/* Handler defaults. */
	CU_ASSERT_EQUAL(s->handlers[2].depth, 0);
	CU_ASSERT_EQUAL(s->handlers[2].pass, HANDLER_PASS_MAIN);
	CU_ASSERT_EQUAL(s->handlers[2].side, HANDLER_SIDE_BOTH);
	CU_ASSERT(is_fixed(&s->handlers[2].cost, 0));
	scenario_free(s);
}

static void test_profile_fill(void)
{
	struct scenario *s = load_file("tests/data/good/profile-mlx5.yaml");
	const struct scn_device_group *g;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(s->n_groups, 2);
	g = &s->groups[0];
	CU_ASSERT_STRING_EQUAL(g->profile, "mlx5-cx7");
	CU_ASSERT_EQUAL(g->caps, VFIO_CAP_ALL);
	CU_ASSERT_EQUAL(g->state_bytes, 32 * MiB);  /* own key */
	CU_ASSERT_EQUAL(g->initial_bytes, 1 * MiB); /* profile */
	CU_ASSERT(is_fixed(&g->query_latency, 100e-6));
	CU_ASSERT_EQUAL(g->load_fixed_s, 0.5e-3);
	CU_ASSERT_EQUAL(g->load_Bps, 1.0 * GiB);
	/* Key by key: own arc key, then the profile's arcs, then own default. */
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_STOP_COPY, VFIO_STATE_STOP), 3e-3));
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_RUNNING, VFIO_STATE_PRE_COPY), 10e-3));
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_PRE_COPY, VFIO_STATE_PRE_COPY_P2P), 20e-3));
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_PRE_COPY_P2P, VFIO_STATE_STOP_COPY), 80e-3));
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_STOP, VFIO_STATE_RESUMING), 5e-3));
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_RESUMING, VFIO_STATE_STOP), 5e-3));
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_STOP, VFIO_STATE_RUNNING_P2P), 60e-3));
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_RUNNING_P2P, VFIO_STATE_RUNNING), 10e-3));
	CU_ASSERT_EQUAL(count_arcs_fixed(g, 2e-3), SCENARIO_ARC_COUNT - 8);

	g = &s->groups[1];
	/* Without pre_copy the profile's initial bytes do not apply. */
	CU_ASSERT_EQUAL(g->caps, VFIO_CAP_STOP_COPY | VFIO_CAP_P2P);
	CU_ASSERT_EQUAL(g->initial_bytes, 0);
	CU_ASSERT_EQUAL(g->state_bytes, 100 * MiB);
	CU_ASSERT_EQUAL(g->load_Bps, 0);
	CU_ASSERT_EQUAL(g->load_fixed_s, 0.5e-3);
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_STOP_COPY, VFIO_STATE_STOP), 1e-3));
	/* The profile's default (5 ms), and its two 5 ms resume arcs. */
	CU_ASSERT_EQUAL(count_arcs_fixed(g, 5e-3), SCENARIO_ARC_COUNT - 8 + 2);
	scenario_free(s);

	/* The null profile costs nothing at all. */
	s = load_file("tests/data/good/single-no-p2p.yaml");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	g = &s->groups[0];
	CU_ASSERT_STRING_EQUAL(g->profile, "null");
	CU_ASSERT_EQUAL(g->caps, VFIO_CAP_STOP_COPY | VFIO_CAP_PRE_COPY);
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_PRE_COPY, VFIO_STATE_STOP_COPY), 0.04));
	CU_ASSERT_EQUAL(count_arcs_fixed(g, 0), SCENARIO_ARC_COUNT - 1);
	CU_ASSERT(is_fixed(&g->query_latency, 0));
	CU_ASSERT_EQUAL(g->state_bytes, 0);
	CU_ASSERT_EQUAL(g->initial_bytes, 0);
	CU_ASSERT_EQUAL(g->load_fixed_s, 0);
	CU_ASSERT_EQUAL(g->load_Bps, 0);
	scenario_free(s);
}

/* The latency keys are exactly the kernel's arcs, spelled <from>_to_<to>. */
static void test_arc_keys(void)
{
	int full = 0;

	for (int f = 0; f < VFIO_STATE_COUNT; f++)
		for (int t = 0; t < VFIO_STATE_COUNT; t++)
			full += vfio_fsm_is_arc((enum vfio_state)f, (enum vfio_state)t);
	CU_ASSERT_EQUAL(full, 15);
	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++) {
		const struct scenario_arc *a = &scenario_arcs[i];
		char want[64];
		size_t n;

		/* The first 15 are the full-capability arcs, the rest the no-P2P ones. */
		bool is_arc =
		    i < 15 ? vfio_fsm_is_arc(a->from, a->to)
		           : !vfio_fsm_is_arc(a->from, a->to) &&
		                 vfio_fsm_is_device_arc(a->from, a->to,
		                                        VFIO_CAP_STOP_COPY | VFIO_CAP_PRE_COPY);
		CU_ASSERT(is_arc);
		n = (size_t)snprintf(want, sizeof want, "%s_to_%s", vfio_state_name(a->from),
		                     vfio_state_name(a->to));
		for (size_t k = 0; k < n; k++)
			want[k] = (char)(want[k] >= 'A' && want[k] <= 'Z' ? want[k] + 32 : want[k]);
		CU_ASSERT_STRING_EQUAL(a->key, want);
		for (size_t j = 0; j < i; j++)
			CU_ASSERT(a->from != scenario_arcs[j].from || a->to != scenario_arcs[j].to);
	}
	/* Every arc any device can take has a key. */
	for (int f = 0; f < VFIO_STATE_COUNT; f++)
		for (int t = 0; t < VFIO_STATE_COUNT; t++) {
			bool any = false, keyed = false;
			for (uint32_t caps = 0; caps <= VFIO_CAP_ALL; caps++)
				if (caps & VFIO_CAP_STOP_COPY)
					any =
					    any || vfio_fsm_is_device_arc((enum vfio_state)f,
					                                  (enum vfio_state)t, caps);
			for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++)
				keyed = keyed || (scenario_arcs[i].from == (enum vfio_state)f &&
				                  scenario_arcs[i].to == (enum vfio_state)t);
			CU_ASSERT_EQUAL(any, keyed);
		}
}

static void test_strategy_names(void)
{
	for (int k = 0; k < STRATEGY_COUNT; k++)
		CU_ASSERT_EQUAL(strategy_parse(strategy_name((enum strategy_kind)k)), k);
	CU_ASSERT_STRING_EQUAL(strategy_name(STRATEGY_SEQUENTIAL), "sequential");
	CU_ASSERT_STRING_EQUAL(strategy_name(STRATEGY_PARALLEL_PRIO), "parallel-prio");
	CU_ASSERT_STRING_EQUAL(strategy_name(STRATEGY_PARALLEL_BARRIER), "parallel-barrier");
	CU_ASSERT_STRING_EQUAL(strategy_name((enum strategy_kind)7), "?");
	CU_ASSERT_EQUAL(strategy_parse("parallel"), -1);
	CU_ASSERT_EQUAL(strategy_parse(NULL), -1);
	CU_ASSERT_PTR_NULL(scenario_profile_find("mlx5"));
	CU_ASSERT_PTR_NOT_NULL(scenario_profile_find("null"));
}

static void test_device_instances(void)
{
	struct scenario *s = load_file("tests/data/good/full.yaml");
	static const char *const names[] = {"vf0", "vf1", "vf2", "nic"};
	char buf[48];
	unsigned k;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(scenario_device_count(s), 4);
	for (size_t i = 0; i < 4; i++) {
		scenario_device_name(s, i, buf, sizeof buf);
		CU_ASSERT_STRING_EQUAL(buf, names[i]);
	}
	CU_ASSERT_PTR_EQUAL(scenario_device_group(s, 2, &k), &s->groups[0]);
	CU_ASSERT_EQUAL(k, 2);
	CU_ASSERT_PTR_EQUAL(scenario_device_group(s, 3, &k), &s->groups[1]);
	CU_ASSERT_EQUAL(k, 0);
	CU_ASSERT_PTR_NULL(scenario_device_group(s, 4, &k));
	scenario_free(s);
	scenario_free(NULL);
}

/* ---- --set ---- */

static const char *base = "name: base\n"
                          "devices:\n"
                          "  - name: a\n"
                          "    count: 2\n"
                          "  - name: b\n"
                          "    latency:\n"
                          "      query: 1ms\n";

static void test_set_forms(void)
{
	struct scenario *s;

	{
		const char *sets[] = {"runs=5", "seed=9"};
		s = load_text(base, sets, 2);
		CU_ASSERT_EQUAL(s->runs, 5);
		CU_ASSERT_EQUAL(s->seed, 9);
		scenario_free(s);
	}
	{
		/* Nested, into a mapping the file does not have (created). */
		const char *sets[] = {"migration.strategy=parallel-prio", "vm.ram=8GiB"};
		s = load_text(base, sets, 2);
		CU_ASSERT_EQUAL(s->strategy, STRATEGY_PARALLEL_PRIO);
		CU_ASSERT_EQUAL(s->ram_bytes, 8 * GiB);
		scenario_free(s);
	}
	{
		const char *sets[] = {"devices[1].count=8", "devices[0].load.rate=2GiB/s",
		                      "devices[1].latency.query=normal(mean=1ms, sd=0.1ms)"};
		s = load_text(base, sets, 3);
		CU_ASSERT_EQUAL(s->groups[0].count, 2);
		CU_ASSERT_EQUAL(s->groups[1].count, 8);
		CU_ASSERT_EQUAL(s->groups[0].load_Bps, 2.0 * GiB);
		CU_ASSERT_EQUAL(s->groups[1].query_latency.kind, DIST_NORMAL);
		scenario_free(s);
	}
	{
		/* No [i]: every entry of the list. */
		const char *sets[] = {"devices.count=3", "devices.depth=4"};
		s = load_text(base, sets, 2);
		CU_ASSERT(s->groups[0].count == 3 && s->groups[1].count == 3);
		CU_ASSERT(s->groups[0].depth == 4 && s->groups[1].depth == 4);
		scenario_free(s);
	}
	{
		/* Flow YAML values, indexed list entries, and later --set wins. */
		const char *sets[] = {"devices[0].capabilities=[stop_copy, p2p]",
		                      "devices[0].capabilities[1]=p2p",
		                      "runs=2",
		                      "runs=3",
		                      "handlers=[{name: h, cost: 1ms}]",
		                      "description=a: b # c"};
		s = load_text(base, sets, 6);
		CU_ASSERT_EQUAL(s->groups[0].caps, VFIO_CAP_STOP_COPY | VFIO_CAP_P2P);
		CU_ASSERT_EQUAL(s->runs, 3);
		CU_ASSERT_EQUAL_FATAL(s->n_handlers, 1);
		CU_ASSERT(is_fixed(&s->handlers[0].cost, 1e-3));
		CU_ASSERT_STRING_EQUAL(s->description, "a: b # c");
		scenario_free(s);
	}
	{
		/* An empty file plus --set can make a whole scenario. */
		const char *sets[] = {"name=fromset", "devices=[{name: d, profile: null}]"};
		s = load_text("", sets, 2);
		CU_ASSERT_STRING_EQUAL(s->name, "fromset");
		CU_ASSERT_STRING_EQUAL(s->groups[0].profile, "null");
		scenario_free(s);
	}
}

static void test_set_errors(void)
{
	const char *s1[] = {"devices[5].count=1"};
	const char *s2[] = {"vm.ram=lots"};
	const char *s3[] = {"migration.strategy=fast"};
	const char *s4[] = {"vm.rom=1GiB"};
	const char *s5[] = {"noequals"};
	const char *s6[] = {"=1"};
	const char *s7[] = {"devices[x].count=1"};
	const char *s8[] = {"name.first=a"};
	const char *s9[] = {"devices.count=0"};
	const char *s10[] = {"devices[0].capabilities=[stop_copy"};
	const char *s11[] = {"runs=5", "devices[0].capabilities=[stop_copy]"};
	const char *s12[] = {"a..b=1"};
	const char *s13[] = {"name[0]=x"};
	const char *s14[] = {"devices[0]=x"};

	load_fails(base, s1, 1, "--set devices[5].count=1: devices: has 2 entries");
	load_fails(base, s2, 1, "--set vm.ram=lots: vm.ram: 'lots' is not a size");
	load_fails(base, s3, 1,
	           "--set migration.strategy=fast: migration.strategy: unknown strategy 'fast': "
	           "expected sequential, parallel-prio or parallel-barrier");
	load_fails(base, s4, 1,
	           "--set vm.rom=1GiB: vm.rom: unknown key 'rom': expected one of ram");
	load_fails(base, s5, 1, "--set noequals: expected KEY=VALUE");
	load_fails(base, s6, 1, "--set =1: expected KEY=VALUE");
	load_fails(base, s7, 1, "--set devices[x].count=1: bad index");
	load_fails(base, s8, 1, "--set name.first=a: name: is a single value, not a mapping");
	load_fails(base, s9, 1, "--set devices.count=0: devices[0].count: 0 is out of range");
	load_fails(base, s10, 1,
	           "--set devices[0].capabilities=[stop_copy: devices[0].capabilities: "
	           "the value is not valid YAML");
	/* Blame goes to the --set that wrote the culprit key. */
	load_fails(base, s11, 2,
	           "--set devices[0].capabilities=[stop_copy]: devices[0].capabilities: device "
	           "'a' lacks p2p");
	load_fails(base, s12, 1, "--set a..b=1: empty or invalid key");
	load_fails(base, s13, 1, "--set name[0]=x: name: is not a list");
	load_fails(base, s14, 1, "--set devices[0]=x: devices[0]: expected a mapping");
	/* An error the --set did not cause still points into the file. */
	load_fails("name: x\ndevices:\n  - name: d\n    count: 0\n", s1 + 0, 0,
	           "t.yaml:4: devices[0].count: 0 is out of range");
	{
		const char *ok[] = {"runs=4"};
		load_fails("name: x\ndevices:\n  - name: d\n    count: 0\n", ok, 1,
		           "t.yaml:4: devices[0].count: 0 is out of range");
	}
}

/* ---- bad files ---- */

static size_t glob_paths(const char *rel_pattern, glob_t *g, int flags)
{
	int rc = glob(test_src_path(rel_pattern), flags, NULL, g);
	CU_ASSERT(rc == 0 || rc == GLOB_NOMATCH);
	return g->gl_pathc;
}

/* The fragment after "# expect: " on the first line of `path`. */
static bool read_expectation(const char *path, char *frag, size_t len)
{
	FILE *f = fopen(path, "rb");
	char line[512];
	bool ok = f && fgets(line, sizeof line, f) && strncmp(line, "# expect: ", 10) == 0;

	if (f)
		fclose(f);
	if (!ok)
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	snprintf(frag, len, "%s", line + 10);
	return true;
}

static void test_bad_files(void)
{
	glob_t g;
	size_t n = glob_paths("tests/data/bad/*.yaml", &g, 0);
	bool show = getenv("SWITCHOVER_SHOW_ERRORS") != NULL;

	CU_ASSERT(n >= 25);
	for (size_t i = 0; i < n; i++) {
		struct scenario *s = (struct scenario *)&n;
		char frag[512];
		int rc;
		bool ok;

		if (!read_expectation(g.gl_pathv[i], frag, sizeof frag)) {
			fprintf(stderr, "\n%s: first line must be '# expect: FRAGMENT'\n",
			        g.gl_pathv[i]);
			CU_FAIL("bad file without # expect:");
			continue;
		}
		rc = scenario_load_file(g.gl_pathv[i], NULL, 0, &s, err, sizeof err);
		ok = rc == -1 && strstr(err, frag) != NULL;
		if (!ok)
			fprintf(stderr, "\n%s: want '%s', got rc %d: '%s'\n", g.gl_pathv[i], frag,
			        rc, err);
		if (show)
			printf("\n  %s", strrchr(err, '/') ? strrchr(err, '/') + 1 : err);
		CU_ASSERT(ok);
		CU_ASSERT_PTR_NULL(s);
		if (rc == 0)
			scenario_free(s);
	}
	globfree(&g);
}

static void test_file_errors(void)
{
	struct scenario *s = NULL;

	CU_ASSERT_EQUAL(scenario_load_file("/nonexistent/x.yaml", NULL, 0, &s, err, sizeof err),
	                -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/x.yaml: cannot open"));
	CU_ASSERT_EQUAL(scenario_load_file(test_src_path("tests"), NULL, 0, &s, err, sizeof err),
	                -1);
	CU_ASSERT(err[0] != '\0');
	CU_ASSERT_PTR_NULL(s);
	/* NULL text is an empty scenario, not a crash. */
	CU_ASSERT_EQUAL(scenario_load_text("n", NULL, 0, NULL, 0, &s, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "n:1: empty scenario"));
	/* A tiny buffer truncates the message, never overflows it. */
	CU_ASSERT_EQUAL(scenario_load_text("n", "x: 1", 4, NULL, 0, &s, err, 8), -1);
	CU_ASSERT_EQUAL(strlen(err), 7);
}

/* ---- printing and round trip ---- */

/* scenario_to_yaml(s) loads back to a scenario equal to s. */
static bool round_trips(const struct scenario *s)
{
	char *text = scenario_to_yaml(s), e[1024];
	struct scenario *back = NULL;
	bool ok;

	if (!text)
		return false;
	ok = scenario_load_text("printed", text, strlen(text), NULL, 0, &back, e, sizeof e) == 0 &&
	     scenario_equal(s, back);
	if (!ok)
		fprintf(stderr, "\nround trip failed (%s):\n%s\n", back ? "not equal" : e, text);
	scenario_free(back);
	free(text);
	return ok;
}

/* The good files and every scenarios/ file, in one list. */
static size_t all_good_files(glob_t *g)
{
	glob_paths("tests/data/good/*.yaml", g, 0);
	glob_paths("scenarios/*.yaml", g, GLOB_APPEND);
	return glob_paths("scenarios/*/*.yaml", g, GLOB_APPEND);
}

static void test_good_files_round_trip(void)
{
	glob_t g;
	size_t n = all_good_files(&g);

	CU_ASSERT(n >= 4);
	for (size_t i = 0; i < n; i++) {
		struct scenario *s = NULL;
		int rc = scenario_load_file(g.gl_pathv[i], NULL, 0, &s, err, sizeof err);
		if (rc)
			fprintf(stderr, "\n%s\n", err);
		CU_ASSERT_EQUAL(rc, 0);
		if (rc)
			continue;
		CU_ASSERT(round_trips(s));
		scenario_free(s);
	}
	globfree(&g);
}

static void test_to_yaml_text(void)
{
	struct scenario *s = load_text(base, NULL, 0), *t;
	char *y;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* Strings that need quoting, and awkward numbers, survive. */
	free(s->description);
	s->description = strdup("line one\nline two: \"quoted\" # not a comment \xc3\xa9 \t");
	s->bandwidth_Bps = 1e9 / 3;
	s->latency_s = 1.0 / 3;
	s->ram_bytes = 123456789;
	s->seed = UINT64_MAX;
	dist_free(&s->groups[0].query_latency);
	CU_ASSERT_EQUAL_FATAL(
	    dist_parse("empirical(1ms, 0.1ns, 2.5s)", &s->groups[0].query_latency, err, sizeof err),
	    0);
	CU_ASSERT(round_trips(s));
	y = scenario_to_yaml(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(y);
	/* The resolved form spells every default out. */
	CU_ASSERT_PTR_NOT_NULL(strstr(y, "thread_create: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(y, "pre_copy_p2p_to_stop_copy: 1ms"));
	CU_ASSERT_PTR_NOT_NULL(strstr(y, "capabilities: [stop_copy, p2p, pre_copy]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(y, "ram: 123456789\n"));
	free(y);
	/* scenario_equal notices a difference. */
	t = load_text(base, NULL, 0);
	CU_ASSERT(!scenario_equal(s, t));
	scenario_free(s);
	s = load_text(base, NULL, 0);
	CU_ASSERT(scenario_equal(s, t));
	t->groups[1].arc_latency[VFIO_STATE_STOP][VFIO_STATE_RESUMING].a = 2e-3;
	CU_ASSERT(!scenario_equal(s, t));
	scenario_free(s);
	scenario_free(t);
}

static void test_validate(void)
{
	struct scenario *s = load_text(base, NULL, 0);
	char path[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(scenario_validate(s, path, sizeof path, err, sizeof err), 0);
	s->groups[1].caps = VFIO_CAP_P2P;
	CU_ASSERT_EQUAL(scenario_validate(s, path, sizeof path, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(path, "devices[1].capabilities");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "stop_copy is missing"));
	s->groups[1].caps = VFIO_CAP_ALL;
	s->groups[1].domain = 0;
	CU_ASSERT_EQUAL(scenario_validate(s, path, sizeof path, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(path, "devices[1].domain");
	s->groups[1].domain = -1;
	s->strategy = (enum strategy_kind)9;
	CU_ASSERT_EQUAL(scenario_validate(s, path, sizeof path, err, sizeof err), -1);
	CU_ASSERT_STRING_EQUAL(path, "migration.strategy");
	scenario_free(s);
}

/* ---- robustness ---- */

/* splitmix64: a fixed, portable stream so failures reproduce. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Flip, insert, delete bytes or truncate; YAML's special characters are
 * favoured so that mutants reach past the parser into the schema. */
static size_t mutate(char *buf, size_t len, size_t cap)
{
	static const char special[] = ":-[]{},#&*!|>'\"%@`\t\n ~?0123456789.eE";
	int ops = 1 + (int)(rng_next() % 4);

	for (int k = 0; k < ops; k++) {
		size_t at = len ? (size_t)(rng_next() % len) : 0;
		char c = rng_next() % 3 ? special[rng_next() % (sizeof special - 1)]
		                        : (char)(rng_next() & 0xff);
		switch (rng_next() % 5) {
		case 0:
			if (len)
				buf[at] ^= (char)(1u << (rng_next() % 8));
			break;
		case 1:
			if (len < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = c;
				len++;
			}
			break;
		case 2:
			if (len) {
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
			}
			break;
		case 3:
			if (len)
				buf[at] = c;
			break;
		default:
			if (rng_next() % 4 == 0)
				len = at;
			break;
		}
	}
	return len;
}

static void test_mutations(void)
{
	glob_t g;
	size_t n = all_good_files(&g), loaded = 0, rejected = 0;

	rng_state = 20261121;
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		char *orig = read_all(g.gl_pathv[i], &len);
		size_t cap = len + 64;
		char *buf = malloc(cap);

		CU_ASSERT_PTR_NOT_NULL_FATAL(orig);
		CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
		for (int m = 0; m < 2000; m++) {
			struct scenario *s = NULL;
			size_t mlen;
			int rc;

			memcpy(buf, orig, len);
			mlen = mutate(buf, len, cap);
			err[0] = '\0';
			rc = scenario_load_text("mutant.yaml", buf, mlen, NULL, 0, &s, err,
			                        sizeof err);
			CU_ASSERT(rc == 0 || rc == -1);
			if (rc) {
				rejected++;
				CU_ASSERT(err[0] != '\0');
				CU_ASSERT_PTR_NULL(s);
				if (!err[0])
					fprintf(stderr, "\nno message for mutant %d of %s\n", m,
					        g.gl_pathv[i]);
				continue;
			}
			loaded++;
			CU_ASSERT_PTR_NOT_NULL_FATAL(s);
			CU_ASSERT(round_trips(s));
			scenario_free(s);
		}
		free(buf);
		free(orig);
	}
	/* Both outcomes must be exercised, or the mutator is useless. */
	CU_ASSERT(loaded > 100);
	CU_ASSERT(rejected > 1000);
	globfree(&g);
}

/* Mutated --set arguments: never a crash, always a message on failure. */
static void test_set_mutations(void)
{
	static const char *const seeds[] = {
	    "devices[1].latency.query=normal(mean=1ms, sd=0.1ms)",
	    "devices.capabilities=[stop_copy, p2p, pre_copy]",
	    "handlers=[{name: h, depth: 1, cost: 1ms}]",
	    "migration.strategy=parallel-barrier",
	    "domains=[{name: pf0}]",
	    "vm={ram: 1GiB}",
	};
	size_t loaded = 0;

	rng_state = 7;
	for (int m = 0; m < 2000; m++) {
		char buf[160];
		const char *seed = seeds[m % (sizeof seeds / sizeof seeds[0])];
		size_t len = strlen(seed);
		const char *sets[2] = {buf, seeds[(m + 1) % (sizeof seeds / sizeof seeds[0])]};
		struct scenario *s = NULL;
		int rc;

		memcpy(buf, seed, len);
		len = mutate(buf, len, sizeof buf - 1);
		buf[len] = '\0';
		err[0] = '\0';
		rc = scenario_load_text("t.yaml", base, strlen(base), sets, 2, &s, err, sizeof err);
		CU_ASSERT(rc == 0 || rc == -1);
		if (rc) {
			CU_ASSERT(err[0] != '\0');
			continue;
		}
		loaded++;
		CU_ASSERT(round_trips(s));
		scenario_free(s);
	}
	CU_ASSERT(loaded > 100);
}

void register_tests(void)
{
	TEST_SUITE("scenario", TEST(test_minimal_defaults), TEST(test_full_explicit),
	           TEST(test_profile_fill), TEST(test_arc_keys), TEST(test_strategy_names),
	           TEST(test_device_instances), TEST(test_set_forms), TEST(test_set_errors),
	           TEST(test_bad_files), TEST(test_file_errors), TEST(test_good_files_round_trip),
	           TEST(test_to_yaml_text), TEST(test_validate), TEST(test_mutations),
	           TEST(test_set_mutations));
}
