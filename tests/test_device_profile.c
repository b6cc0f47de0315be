/*
 * test_device_profile.c - device profiles as data files
 * (frontend/device_profile.c): the shipped profiles load to exactly the
 * values the engine used when they were C tables; a group's keys and its
 * profile's combine key by key; a profile that does not carry the
 * provenance of every key it sets, and only of those, or has a bad value,
 * is refused with its file, line and key.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_profile.h"
#include "scenario_load.h"
#include "test_util.h"

#define MiB (1024.0 * 1024.0)
#define GiB (1024.0 * MiB)

/* A fixed distribution of `v`. */
static void check_fixed(const struct dist *d, double v)
{
	CU_ASSERT_EQUAL(d->kind, DIST_FIXED);
	CU_ASSERT_EQUAL(d->a, v);
}

static void test_mlx5_cx7_values(void)
{
	static const struct {
		enum vfio_state from, to;
		double s;
	} arcs[] = {
	    {VFIO_STATE_RUNNING, VFIO_STATE_PRE_COPY, 10e-3},
	    {VFIO_STATE_PRE_COPY, VFIO_STATE_PRE_COPY_P2P, 20e-3},
	    {VFIO_STATE_PRE_COPY_P2P, VFIO_STATE_STOP_COPY, 20e-3},
	    {VFIO_STATE_STOP_COPY, VFIO_STATE_STOP, 1e-3},
	    {VFIO_STATE_STOP, VFIO_STATE_RESUMING, 5e-3},
	    {VFIO_STATE_RESUMING, VFIO_STATE_STOP, 5e-3},
	    {VFIO_STATE_STOP, VFIO_STATE_RUNNING_P2P, 60e-3},
	    {VFIO_STATE_RUNNING_P2P, VFIO_STATE_RUNNING, 10e-3},
	};
	struct device_profile p;
	char err[1024];
	size_t n_set = 0;

	CU_ASSERT_EQUAL_FATAL(device_profile_load("mlx5-cx7", NULL, &p, err, sizeof err), 0);
	const struct scenario_profile *v = &p.values;
	CU_ASSERT_STRING_EQUAL(p.name, "mlx5-cx7");
	CU_ASSERT_EQUAL(v->caps, VFIO_CAP_ALL);
	CU_ASSERT_EQUAL(v->state_bytes, 100 * 1024 * 1024);
	CU_ASSERT_EQUAL(v->header_bytes, 16);
	CU_ASSERT_EQUAL(v->initial_bytes, 0);
	CU_ASSERT_EQUAL(v->precopy_dirty_Bps, 0);
	/* Fitted to docs/domain.md §9 and §6 (calibration/mlx5-cx7.csv). */
	CU_ASSERT_DOUBLE_EQUAL(v->save_Bps, 2.28504 * GiB, 1);
	check_fixed(&v->latency_default, 5e-3);
	check_fixed(&v->query, 100e-6);
	for (int f = 0; f < VFIO_STATE_COUNT; f++)
		for (int t = 0; t < VFIO_STATE_COUNT; t++)
			n_set += v->arc_set[f][t];
	CU_ASSERT_EQUAL(n_set, sizeof(arcs) / sizeof(arcs[0]));
	for (size_t i = 0; i < sizeof(arcs) / sizeof(arcs[0]); i++) {
		CU_ASSERT(v->arc_set[arcs[i].from][arcs[i].to]);
		check_fixed(&v->arc[arcs[i].from][arcs[i].to], arcs[i].s);
	}
	CU_ASSERT_EQUAL(v->load_fixed_s, 10e-6);
	CU_ASSERT_DOUBLE_EQUAL(v->load_Bps, 3.5746 * GiB, 1);
	CU_ASSERT_DOUBLE_EQUAL(v->load_image_s, 135.357e-3, 1e-9);
	CU_ASSERT_EQUAL(v->init_load_fixed_s, 500e-6);
	CU_ASSERT_DOUBLE_EQUAL(v->init_load_Bps, 447.748 * MiB, 1);
	CU_ASSERT_EQUAL(v->precopy_info_v2, PRECOPY_V2_UNSUPPORTED);
	CU_ASSERT_EQUAL(v->arc_cpu_fraction, 0);
	/* Six values have a source (state size: a publication; header: the
	 * driver's code; save and load rates, the per-image load and the
	 * pre-allocation rate: fitted); every other one is an assumption.
	 * (18 and 14 before load.image existed and the §6 pair was fitted.) */
	CU_ASSERT_EQUAL(p.n_entries, 19);
	CU_ASSERT_EQUAL(p.n_assumptions, 13);
	CU_ASSERT_STRING_EQUAL(p.entries[1].key, "state_size");
	CU_ASSERT_STRING_EQUAL(p.entries[1].source, "publication");
	CU_ASSERT_STRING_EQUAL(p.entries[2].key, "header_size");
	CU_ASSERT_STRING_EQUAL(p.entries[2].source, "code");
	device_profile_free(&p);
}

static void test_generic_and_null_values(void)
{
	struct device_profile p;
	char err[1024];

	CU_ASSERT_EQUAL_FATAL(device_profile_load("generic", NULL, &p, err, sizeof err), 0);
	CU_ASSERT_EQUAL(p.values.caps, VFIO_CAP_ALL);
	CU_ASSERT_EQUAL(p.values.state_bytes, 16 * 1024 * 1024);
	CU_ASSERT_EQUAL(p.values.header_bytes + p.values.initial_bytes, 0);
	CU_ASSERT_EQUAL(p.values.save_Bps + p.values.load_Bps + p.values.init_load_Bps, 0);
	CU_ASSERT_EQUAL(p.values.load_fixed_s + p.values.init_load_fixed_s, 0);
	check_fixed(&p.values.latency_default, 1e-3);
	check_fixed(&p.values.query, 10e-6);
	for (int f = 0; f < VFIO_STATE_COUNT; f++)
		for (int t = 0; t < VFIO_STATE_COUNT; t++)
			CU_ASSERT(!p.values.arc_set[f][t]);
	CU_ASSERT_EQUAL(p.n_entries, 4);
	CU_ASSERT_EQUAL(p.n_assumptions, 4);
	device_profile_free(&p);

	CU_ASSERT_EQUAL_FATAL(device_profile_load("null", NULL, &p, err, sizeof err), 0);
	CU_ASSERT_EQUAL(p.values.caps, VFIO_CAP_ALL);
	CU_ASSERT_EQUAL(p.values.state_bytes, 0);
	check_fixed(&p.values.latency_default, 0);
	check_fixed(&p.values.query, 0);
	CU_ASSERT_EQUAL(p.n_entries, 0);
	device_profile_free(&p);
}

/* A group's own keys win over its profile's, key by key; an arc neither
 * sets takes the group's default if it has one, else the profile's. */
static void test_group_over_profile(void)
{
	static const char text[] =
	    "name: t\ndevices:\n  - {name: vf, profile: mlx5-cx7, state_size: 1MiB,\n"
	    "     latency: {default: 7ms, stop_copy_to_stop: 2ms}}\n";
	struct scenario *s;
	char err[1024];

	CU_ASSERT_EQUAL_FATAL(
	    scenario_load_text("t.yaml", text, strlen(text), NULL, 0, &s, err, sizeof err), 0);
	const struct scn_device_group *g = &s->groups[0];
	CU_ASSERT_EQUAL(g->state_bytes, 1 * 1024 * 1024);
	CU_ASSERT_EQUAL(g->header_bytes, 16);
	check_fixed(&g->arc_latency[VFIO_STATE_STOP_COPY][VFIO_STATE_STOP], 2e-3);
	check_fixed(&g->arc_latency[VFIO_STATE_RUNNING][VFIO_STATE_PRE_COPY], 10e-3);
	check_fixed(&g->arc_latency[VFIO_STATE_STOP][VFIO_STATE_STOP_COPY], 7e-3);
	check_fixed(&g->query_latency, 100e-6);
	/* The fitted pre-allocation rate (an assumed 2 GiB/s before the §6
	 * pair was in the fit). */
	CU_ASSERT_DOUBLE_EQUAL(g->init_load_Bps, 447.748 * MiB, 1);
	scenario_free(s);
}

/* Load a profile file with `body`; its error must contain `want`. */
static void check_refused(const char *body, const char *want)
{
	char *dir = g_dir_make_tmp("devprof-XXXXXX", NULL);
	char *path = g_build_filename(dir, "p.yaml", NULL);
	struct device_profile p;
	char err[1024];

	CU_ASSERT_FATAL(g_file_set_contents(path, body, -1, NULL));
	CU_ASSERT_EQUAL(device_profile_load(path, NULL, &p, err, sizeof err), -1);
	if (!strstr(err, want))
		printf("\n  error '%s'\n  lacks '%s'\n", err, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	remove(path);
	remove(dir);
	g_free(path);
	g_free(dir);
}

static void test_refused(void)
{
	check_refused("name: x\ndevice:\n  state_size: 1MiB\nprovenance: {}\n",
	              "p.yaml:3: device.state_size: no provenance");
	check_refused(
	    "name: x\ndevice: {state_size: 1MiB}\nprovenance:\n"
	    "  state_size: {source: assumption, reason: r}\n"
	    "  save_rate: {source: assumption, reason: r}\n",
	    "p.yaml:5: provenance.save_rate: provenance for a key the profile does not set");
	check_refused("name: x\ndevice: {state_size: 1MiB}\nprovenance:\n"
	              "  state_size: {source: guess, reason: r}\n",
	              "p.yaml:4: provenance.state_size.source: unknown source 'guess'");
	check_refused("name: x\ndevice:\n  state_size: lots\nprovenance:\n"
	              "  state_size: {source: assumption, reason: r}\n",
	              "p.yaml:3: device.state_size:");
	check_refused("name: x\ndevice:\n  latency: {query: 3 parsecs}\nprovenance:\n"
	              "  latency.query: {source: assumption, reason: r}\n",
	              "p.yaml:3: device.latency.query:");
	check_refused("name: x\ndevice: {state_size: 1MiB}\nprovenance:\n"
	              "  state_size: {source: assumption}\n",
	              "p.yaml:4: provenance.state_size: source: assumption needs reason");
	check_refused(
	    "name: x\ndevice: {state_size: 1MiB}\nprovenance:\n"
	    "  state_size: {source: publication, ref: r, reason: r}\n",
	    "p.yaml:4: provenance.state_size.reason: source: publication takes no reason");
	check_refused("name: x\ndevice: {state_size: 1MiB}\nprovenance:\n"
	              "  state_size: {source: measurement, files: [a.h5], samples: many, fit: f}\n",
	              "p.yaml:4: provenance.state_size.samples: 'many' is not a whole number");
	check_refused("name: x\ndevice: {state_size: 1MiB}\nprovenance:\n"
	              "  state_size: {source: assumption, reason: \"\"}\n",
	              "p.yaml:4: provenance.state_size.reason: reason is empty");
	check_refused("name: x\ndevice: {state_size: 1MiB}\nprovenance:\n"
	              "  state_size: {source: measurement, files: [], samples: 3, fit: f}\n",
	              "p.yaml:4: provenance.state_size: source: measurement needs files");
	check_refused("name: x\ndevice: {count: 2}\nprovenance: {}\n", "device.count");
	check_refused("name: x\ndevice: {}\nprovenance:\n  latency.bogus: {source: code, ref: r}\n",
	              "latency.bogus");
}

void register_tests(void)
{
	TEST_SUITE("device_profile", TEST(test_mlx5_cx7_values), TEST(test_generic_and_null_values),
	           TEST(test_group_over_profile), TEST(test_refused));
}
