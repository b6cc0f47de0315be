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

#include "device.h"
#include "scenario.h"
#include "scenario_emit.h"
#include "scenario_load.h"
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
	CU_ASSERT_EQUAL(s->multifd_transfer, MULTIFD_TRANSFER_AUTO);
	CU_ASSERT_FALSE(scenario_multifd_transfer(s));
	CU_ASSERT_EQUAL(s->downtime_limit_s, 0.3);
	CU_ASSERT_EQUAL(s->strategy, STRATEGY_SEQUENTIAL);
	CU_ASSERT_EQUAL(s->max_iterations, 100);
	CU_ASSERT_EQUAL(s->max_time_s, 60);
	CU_ASSERT_EQUAL(s->chunk_bytes, 1 * MiB);
	CU_ASSERT_EQUAL(s->thread_create_s, scenario_default.thread_create_s);
	CU_ASSERT_EQUAL(s->thread_join_s, scenario_default.thread_join_s);
	/* The measured defaults (models/scenario.c, docs/performance.md). */
	CU_ASSERT_DOUBLE_EQUAL(s->thread_create_s, 13e-6, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(s->thread_join_s, 0.5e-6, 1e-15);
	CU_ASSERT_EQUAL(s->threads, THREADS_PER_PASS);
	CU_ASSERT_EQUAL(s->thread_wake_s, scenario_default.thread_wake_s);
	CU_ASSERT_DOUBLE_EQUAL(s->thread_wake_s, 5e-6, 1e-15);
	/* Switchover-ack, late-ACK rule, stop gap, events (docs/scenarios.md). */
	CU_ASSERT_EQUAL(s->ack_src, ACK_OFF);
	CU_ASSERT_EQUAL(s->ack_dst, ACK_OFF);
	CU_ASSERT_EQUAL(s->late_ack_rule, LATE_ACK_SETTLED);
	CU_ASSERT(is_fixed(&s->stop_gap, 100e-6));
	CU_ASSERT_EQUAL(s->stop_gap.unit, DIST_UNIT_SECONDS);
	CU_ASSERT_EQUAL(s->event_design, EVENTS_PREPARE_BEFORE_P2P);
	CU_ASSERT_EQUAL(s->rdma_timeout_s, 50e-3);
	CU_ASSERT_EQUAL(s->nonresponsive_from, NONRESPONSIVE_VM_STOP);
	CU_ASSERT_EQUAL(s->n_faults, 0);
	CU_ASSERT_PTR_NULL(s->faults);
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
	CU_ASSERT_EQUAL(g->load_image_s, 0);
	/* generic: no header, instant save and pre-allocation. */
	CU_ASSERT_EQUAL(g->header_bytes, 0);
	CU_ASSERT_EQUAL(g->save_Bps, 0);
	CU_ASSERT_EQUAL(g->init_load_fixed_s, 0);
	CU_ASSERT_EQUAL(g->init_load_Bps, 0);
	CU_ASSERT_EQUAL(g->precopy_info_v2, PRECOPY_V2_UNSUPPORTED);
	CU_ASSERT_EQUAL(g->n_reinit_times, 0);
	CU_ASSERT_PTR_NULL(g->reinit_times);
	CU_ASSERT_EQUAL(g->reinit_interval_s, 0);
	CU_ASSERT(g->reinit_chunk.kind == DIST_FIXED && g->reinit_chunk.a == 1.0 * MiB &&
	          g->reinit_chunk.unit == DIST_UNIT_BYTES);
	CU_ASSERT_EQUAL(g->final_check_failure, 0);
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
	CU_ASSERT_EQUAL(s->multifd_transfer, MULTIFD_TRANSFER_ON);
	CU_ASSERT_TRUE(scenario_multifd_transfer(s));
	CU_ASSERT_EQUAL(s->downtime_limit_s, 0.5);
	CU_ASSERT_EQUAL(s->strategy, STRATEGY_PARALLEL_BARRIER);
	CU_ASSERT_EQUAL(s->max_iterations, 7);
	CU_ASSERT_EQUAL(s->max_time_s, 90);
	CU_ASSERT_EQUAL(s->chunk_bytes, 4 * MiB);
	CU_ASSERT_EQUAL(s->thread_create_s, 30e-6);
	CU_ASSERT_EQUAL(s->thread_join_s, 10e-6);
	CU_ASSERT_EQUAL(s->threads, THREADS_POOL);
	CU_ASSERT_EQUAL(s->thread_wake_s, 7e-6);
	CU_ASSERT_EQUAL(s->vcpus, 16);
	/* The source's profile fills what its own keys leave out. */
	CU_ASSERT_STRING_EQUAL(s->hosts[0].profile, "ci-2core");
	CU_ASSERT_EQUAL(s->hosts[0].cores, 8);
	CU_ASSERT(s->hosts[0].send_cpu_s_per_byte > 0);
	CU_ASSERT_EQUAL(s->hosts[0].vcpu_pause_s, 12e-6);
	CU_ASSERT(s->hosts[0].vcpu_resume_s > 0);
	CU_ASSERT_PTR_NULL(s->hosts[1].profile);
	CU_ASSERT_EQUAL(s->hosts[1].cores, 32);
	CU_ASSERT_EQUAL(s->hosts[1].send_cpu_s_per_byte, 0.5e-9);
	CU_ASSERT_EQUAL(s->hosts[1].recv_cpu_s_per_byte, 0.25e-9);
	CU_ASSERT_EQUAL(s->hosts[1].vcpu_pause_s, 1e-6);
	CU_ASSERT_EQUAL(s->hosts[1].vcpu_resume_s, 3e-6);
	CU_ASSERT_EQUAL(s->hosts[1].thread_create_new_stack_s, 9e-6);
	CU_ASSERT_EQUAL(s->hosts[1].thread_stack_cache, 40);
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
	CU_ASSERT_EQUAL(g->arc_cpu_fraction, 0.375);
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
	CU_ASSERT_EQUAL(g->state_bytes, 32 * MiB); /* own key */
	/* Profile: the full image is the precopy data, after a 16-byte
	 * header (the old 1 MiB of initial bytes stood in for both). */
	CU_ASSERT_EQUAL(g->initial_bytes, 0);
	CU_ASSERT_EQUAL(g->header_bytes, 16);
	/* The values fitted to docs/domain.md §9 and §6
	 * (calibration/mlx5-cx7.csv): save and load rates, the per-image load
	 * and the pre-allocation rate (it was an assumed 2 GiB/s before the
	 * §6 REINIT pair could be fitted with the §9 rows). */
	CU_ASSERT_DOUBLE_EQUAL(g->save_Bps, 2.28504 * GiB, 1);
	CU_ASSERT(is_fixed(&g->query_latency, 100e-6));
	/* 10 us, not 0.5 ms: a write's fixed cost; the image's load is load.image. */
	CU_ASSERT_EQUAL(g->load_fixed_s, 10e-6);
	CU_ASSERT_DOUBLE_EQUAL(g->load_Bps, 3.5746 * GiB, 1);
	CU_ASSERT_DOUBLE_EQUAL(g->load_image_s, 135.357e-3, 1e-9);
	/* init_load pre-allocates a full image (not 1 MiB of initial bytes). */
	CU_ASSERT_EQUAL(g->init_load_fixed_s, 500e-6);
	CU_ASSERT_DOUBLE_EQUAL(g->init_load_Bps, 447.748 * MiB, 1);
	CU_ASSERT_EQUAL(g->precopy_info_v2, PRECOPY_V2_UNSUPPORTED);
	/* Key by key: own arc key, then the profile's arcs, then own default. */
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_STOP_COPY, VFIO_STATE_STOP), 3e-3));
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_RUNNING, VFIO_STATE_PRE_COPY), 10e-3));
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_PRE_COPY, VFIO_STATE_PRE_COPY_P2P), 20e-3));
	/* 20 ms, not 80: saving the image is now save_rate's cost. */
	CU_ASSERT(is_fixed(arc(g, VFIO_STATE_PRE_COPY_P2P, VFIO_STATE_STOP_COPY), 20e-3));
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
	CU_ASSERT_EQUAL(g->load_fixed_s, 10e-6);
	/* ... nor does its load of initial bytes. */
	CU_ASSERT_EQUAL(g->init_load_fixed_s, 0);
	CU_ASSERT_EQUAL(g->init_load_Bps, 0);
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
	CU_ASSERT_EQUAL(g->init_load_fixed_s, 0);
	CU_ASSERT_EQUAL(g->init_load_Bps, 0);
	scenario_free(s);
}

static void test_switchover_explicit(void)
{
	struct scenario *s = load_file("tests/data/good/switchover.yaml");
	const struct scn_device_group *g;
	const struct scn_fault *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->ack_src, ACK_NEW);
	CU_ASSERT_EQUAL(s->ack_dst, ACK_LEGACY);
	CU_ASSERT_EQUAL(s->late_ack_rule, LATE_ACK_SAVED_COUNT);
	CU_ASSERT(s->stop_gap.kind == DIST_UNIFORM && s->stop_gap.a == 50e-6 &&
	          s->stop_gap.b == 200e-6 && s->stop_gap.unit == DIST_UNIT_SECONDS);
	CU_ASSERT_EQUAL(s->event_design, EVENTS_PREPARE_EVERY);
	CU_ASSERT_EQUAL(s->rdma_timeout_s, 30e-3);
	CU_ASSERT_EQUAL(s->nonresponsive_from, NONRESPONSIVE_TRANSITION);

	CU_ASSERT_EQUAL_FATAL(s->n_groups, 3);
	g = &s->groups[0];
	CU_ASSERT_EQUAL(g->precopy_info_v2, PRECOPY_V2_SUPPORTED);
	CU_ASSERT_EQUAL(g->init_load_fixed_s, 15e-3);
	CU_ASSERT_EQUAL(g->init_load_Bps, 512.0 * MiB);
	CU_ASSERT_EQUAL_FATAL(g->n_reinit_times, 3);
	CU_ASSERT(g->reinit_times[0] == 1 && g->reinit_times[1] == 2.5 &&
	          g->reinit_times[2] == 2.5);
	CU_ASSERT_EQUAL(g->reinit_interval_s, 0.5);
	CU_ASSERT(g->reinit_chunk.kind == DIST_LOGNORMAL && g->reinit_chunk.a == 4.0 * MiB &&
	          g->reinit_chunk.b == 0.5 && g->reinit_chunk.unit == DIST_UNIT_BYTES);
	CU_ASSERT_EQUAL(g->final_check_failure, 0.05);
	g = &s->groups[1];
	CU_ASSERT_EQUAL(g->precopy_info_v2, PRECOPY_V2_ERROR);
	/* The profile's init_load, no REINIT times or interval, own chunk. */
	CU_ASSERT_EQUAL(g->init_load_fixed_s, 500e-6);
	CU_ASSERT_DOUBLE_EQUAL(g->init_load_Bps, 447.748 * MiB,
	                       1); /* fitted (was an assumed 2 GiB/s) */
	CU_ASSERT_EQUAL(g->n_reinit_times, 0);
	CU_ASSERT_EQUAL(g->reinit_interval_s, 0);
	CU_ASSERT(g->reinit_chunk.kind == DIST_UNIFORM && g->reinit_chunk.a == 1.0 * MiB &&
	          g->reinit_chunk.b == 8.0 * MiB && g->reinit_chunk.unit == DIST_UNIT_BYTES);
	CU_ASSERT_EQUAL(g->final_check_failure, 0);
	CU_ASSERT_EQUAL(s->groups[2].precopy_info_v2, PRECOPY_V2_UNSUPPORTED);

	CU_ASSERT_EQUAL_FATAL(s->n_faults, 4);
	f = &s->faults[0]; /* vf1: one instance */
	CU_ASSERT(f->group == 0 && f->device == 1);
	CU_ASSERT(f->from == VFIO_STATE_PRE_COPY_P2P && f->to == VFIO_STATE_STOP_COPY);
	CU_ASSERT_EQUAL(f->probability, 0.25);
	f = &s->faults[1]; /* vf: the whole group, probability 1 by default */
	CU_ASSERT(f->group == 0 && f->device == -1);
	CU_ASSERT(f->from == VFIO_STATE_STOP && f->to == VFIO_STATE_RUNNING_P2P);
	CU_ASSERT_EQUAL(f->probability, 1);
	f = &s->faults[2];
	CU_ASSERT(f->group == 2 && f->device == -1 && f->probability == 0);
	CU_ASSERT(f->from == VFIO_STATE_RUNNING_P2P && f->to == VFIO_STATE_STOP);
	f = &s->faults[3];
	CU_ASSERT(f->group == 1 && f->device == -1 && f->probability == 1);
	scenario_free(s);

	s = load_file("tests/data/good/reinit-single-no-p2p.yaml");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT(s->ack_src == ACK_LEGACY && s->ack_dst == ACK_LEGACY); /* same */
	CU_ASSERT_EQUAL(s->late_ack_rule, LATE_ACK_V2);
	CU_ASSERT(is_fixed(&s->stop_gap, 0));
	CU_ASSERT_EQUAL(s->event_design, EVENTS_NONE);
	CU_ASSERT_EQUAL(s->rdma_timeout_s, 50e-3);
	g = &s->groups[0];
	CU_ASSERT_EQUAL(g->n_reinit_times, 0);
	CU_ASSERT_EQUAL(g->reinit_interval_s, 2);
	CU_ASSERT_EQUAL_FATAL(g->reinit_chunk.n_samples, 3);
	CU_ASSERT(g->reinit_chunk.kind == DIST_EMPIRICAL && g->reinit_chunk.samples[0] == 4096 &&
	          g->reinit_chunk.samples[1] == 65536 && g->reinit_chunk.samples[2] == 1.0 * MiB);
	/* The no-P2P arcs can fail too. */
	CU_ASSERT_EQUAL_FATAL(s->n_faults, 2);
	CU_ASSERT(s->faults[0].from == VFIO_STATE_PRE_COPY &&
	          s->faults[0].to == VFIO_STATE_STOP_COPY);
	CU_ASSERT_EQUAL(s->faults[0].probability, 0.5);
	CU_ASSERT(s->faults[1].from == VFIO_STATE_RUNNING && s->faults[1].to == VFIO_STATE_STOP);
	CU_ASSERT(s->faults[1].group == 0 && s->faults[1].device == -1);
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
}

/* The words of each enum are the files' words, and print back the same. */
static void test_enum_names(void)
{
	CU_ASSERT_STRING_EQUAL(ack_mode_name(ACK_OFF), "off");
	CU_ASSERT_STRING_EQUAL(ack_mode_name(ACK_LEGACY), "legacy");
	CU_ASSERT_STRING_EQUAL(ack_mode_name(ACK_NEW), "new");
	CU_ASSERT_STRING_EQUAL(ack_mode_name((enum ack_mode)3), "?");
	CU_ASSERT_STRING_EQUAL(late_ack_rule_name(LATE_ACK_V2), "v2");
	CU_ASSERT_STRING_EQUAL(late_ack_rule_name(LATE_ACK_SAVED_COUNT), "saved-count");
	CU_ASSERT_STRING_EQUAL(late_ack_rule_name(LATE_ACK_SETTLED), "settled");
	CU_ASSERT_STRING_EQUAL(late_ack_rule_name((enum late_ack_rule) - 1), "?");
	CU_ASSERT_STRING_EQUAL(thread_mode_name(THREADS_PER_PASS), "per-pass");
	CU_ASSERT_STRING_EQUAL(thread_mode_name(THREADS_POOL), "pool");
	CU_ASSERT_STRING_EQUAL(thread_mode_name((enum thread_mode)2), "?");
	CU_ASSERT_STRING_EQUAL(event_design_name(EVENTS_NONE), "none");
	CU_ASSERT_STRING_EQUAL(event_design_name(EVENTS_AFTER_ONLY), "after-only");
	CU_ASSERT_STRING_EQUAL(event_design_name(EVENTS_PREPARE_BEFORE_P2P), "prepare-before-p2p");
	CU_ASSERT_STRING_EQUAL(event_design_name(EVENTS_PREPARE_EVERY), "prepare-every-transition");
	CU_ASSERT_STRING_EQUAL(event_design_name((enum event_design)4), "?");
	CU_ASSERT_STRING_EQUAL(nonresponsive_from_name(NONRESPONSIVE_VM_STOP), "vm-stop");
	CU_ASSERT_STRING_EQUAL(nonresponsive_from_name(NONRESPONSIVE_TRANSITION), "transition");
	CU_ASSERT_STRING_EQUAL(nonresponsive_from_name((enum nonresponsive_from)2), "?");
	CU_ASSERT_STRING_EQUAL(precopy_v2_name(PRECOPY_V2_UNSUPPORTED), "unsupported");
	CU_ASSERT_STRING_EQUAL(precopy_v2_name(PRECOPY_V2_SUPPORTED), "supported");
	CU_ASSERT_STRING_EQUAL(precopy_v2_name(PRECOPY_V2_ERROR), "error");
	CU_ASSERT_STRING_EQUAL(precopy_v2_name((enum precopy_v2)3), "?");
	/* Every word is accepted by the loader and comes back as the same value. */
	for (int k = 0; k < (int)scenario_event_design_names.count; k++) {
		char set[96];
		const char *sets[] = {set};
		struct scenario *s;

		snprintf(set, sizeof set, "events.design=%s", scenario_event_design_names.name[k]);
		s = load_text("name: n\ndevices: [{name: d}]\n", sets, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT_EQUAL(s->event_design, (enum event_design)k);
		scenario_free(s);
	}
}

/* Faults name devices by group ("vf": all) or instance ("vf3"). */
static void test_device_lookup(void)
{
	struct scenario *s = load_file("tests/data/good/full.yaml");
	int g = 9, d = 9;
	char buf[64];
	struct scn_fault f = scenario_default_fault;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(scenario_device_lookup(s, "vf", &g, &d), 1);
	CU_ASSERT(g == 0 && d == -1);
	CU_ASSERT_EQUAL(scenario_device_lookup(s, "vf2", &g, &d), 1);
	CU_ASSERT(g == 0 && d == 2);
	CU_ASSERT_EQUAL(scenario_device_lookup(s, "nic", &g, &d), 1);
	CU_ASSERT(g == 1 && d == -1);
	/* Only canonical instance names of existing instances. */
	CU_ASSERT_EQUAL(scenario_device_lookup(s, "vf3", &g, &d), 0);
	CU_ASSERT_EQUAL(scenario_device_lookup(s, "vf02", &g, &d), 0);
	CU_ASSERT_EQUAL(scenario_device_lookup(s, "vf+1", &g, &d), 0);
	CU_ASSERT_EQUAL(scenario_device_lookup(s, "vf99999999999", &g, &d), 0);
	CU_ASSERT_EQUAL(scenario_device_lookup(s, "nic0", &g, &d), 0);
	CU_ASSERT_EQUAL(scenario_device_lookup(s, "", &g, &d), 0);
	CU_ASSERT_EQUAL(scenario_device_lookup(s, NULL, &g, &d), 0);
	f.group = 0;
	f.device = 1;
	scenario_fault_target(s, &f, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "vf1");
	f.device = -1;
	scenario_fault_target(s, &f, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "vf");
	f.group = 1;
	f.device = 0; /* a group of one: its only device is the group */
	scenario_fault_target(s, &f, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "nic");
	f.group = 5;
	scenario_fault_target(s, &f, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "?");
	scenario_free(s);
}

static void test_device_instances(void)
{
	struct scenario *s = load_file("tests/data/good/full.yaml");
	static const char *const names[] = {"vf0", "vf1", "vf2", "nic"};
	char buf[DEVICE_NAME_LEN];
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
	/* The loader's index (a binary search) gives what the walk gives. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->group_end);
	size_t *end = s->group_end;
	for (size_t i = 0; i < 5; i++) {
		unsigned k_walk = 7, k_index = 7;
		s->group_end = NULL;
		const struct scn_device_group *walk = scenario_device_group(s, i, &k_walk);
		s->group_end = end;
		CU_ASSERT_PTR_EQUAL(scenario_device_group(s, i, &k_index), walk);
		CU_ASSERT_EQUAL(k_index, k_walk);
	}
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
		/* The switchover-ack, REINIT, event and fault keys. */
		const char *sets[] = {"migration.switchover_ack=legacy",
		                      "migration.late_ack_rule=v2",
		                      "migration.stop_gap=normal(mean=1ms, sd=0.1ms)",
		                      "events.design=after-only",
		                      "events.rdma_timeout=10ms",
		                      "events.nonresponsive_from=transition",
		                      "devices.precopy_info_v2=supported",
		                      "devices[0].reinit={times: [1s, 2s], chunk: 64KiB}",
		                      "devices[0].reinit.interval=250ms",
		                      "devices[1].init_load={fixed: 2ms}",
		                      "devices[1].final_check_failure=0.125",
		                      ("faults=[{device: a1, arc: stop_copy_to_stop}, {device: b, "
		                       "arc: running_to_running_p2p, probability: 0.5}]")};
		s = load_text(base, sets, sizeof sets / sizeof sets[0]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT(s->ack_src == ACK_LEGACY && s->ack_dst == ACK_LEGACY);
		CU_ASSERT_EQUAL(s->late_ack_rule, LATE_ACK_V2);
		CU_ASSERT(s->stop_gap.kind == DIST_NORMAL && s->stop_gap.a == 1e-3);
		CU_ASSERT_EQUAL(s->event_design, EVENTS_AFTER_ONLY);
		CU_ASSERT_EQUAL(s->rdma_timeout_s, 10e-3);
		CU_ASSERT_EQUAL(s->nonresponsive_from, NONRESPONSIVE_TRANSITION);
		CU_ASSERT(s->groups[0].precopy_info_v2 == PRECOPY_V2_SUPPORTED &&
		          s->groups[1].precopy_info_v2 == PRECOPY_V2_SUPPORTED);
		CU_ASSERT_EQUAL_FATAL(s->groups[0].n_reinit_times, 2);
		CU_ASSERT_EQUAL(s->groups[0].reinit_times[1], 2);
		CU_ASSERT_EQUAL(s->groups[0].reinit_interval_s, 0.25);
		CU_ASSERT(s->groups[0].reinit_chunk.a == 65536 &&
		          s->groups[0].reinit_chunk.unit == DIST_UNIT_BYTES);
		CU_ASSERT(s->groups[1].init_load_fixed_s == 2e-3 &&
		          s->groups[1].init_load_Bps == 0);
		CU_ASSERT_EQUAL(s->groups[1].final_check_failure, 0.125);
		CU_ASSERT_EQUAL_FATAL(s->n_faults, 2);
		CU_ASSERT(s->faults[0].group == 0 && s->faults[0].device == 1);
		CU_ASSERT(s->faults[1].group == 1 && s->faults[1].device == -1 &&
		          s->faults[1].probability == 0.5);
		scenario_free(s);
	}
	{
		/* same follows the source whichever --set wrote it. */
		const char *sets[] = {"migration.switchover_ack_destination=same",
		                      "migration.switchover_ack=new"};
		s = load_text(base, sets, 2);
		CU_ASSERT(s->ack_src == ACK_NEW && s->ack_dst == ACK_NEW);
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
	{
		/* load.image: a duration >= 0, a key of load only. */
		const char *neg[] = {"devices[0].load.image=-1ms"};
		const char *init[] = {"devices[0].init_load={image: 1ms}"};
		load_fails(base, neg, 1,
		           "--set devices[0].load.image=-1ms: devices[0].load.image: negative "
		           "duration '-1ms'");
		load_fails(base, init, 1,
		           "--set devices[0].init_load={image: 1ms}: devices[0].init_load.image: "
		           "unknown key 'image': expected one of fixed or rate");
	}
	{
		/* The mismatch check blames the destination key, even when the
		 * source key written by another --set made it. */
		const char *sets[] = {"migration.switchover_ack_destination=new",
		                      "migration.switchover_ack=off"};
		load_fails(base, sets, 2,
		           "--set migration.switchover_ack_destination=new: "
		           "migration.switchover_ack_destination: switchover_ack is off on the "
		           "source but new on the destination: the capability is negotiated");
	}
	{
		const char *sets[] = {"faults=[{device: a2, arc: stop_to_resuming}]"};
		load_fails(
		    base, sets, 1,
		    "--set faults=[{device: a2, arc: stop_to_resuming}]: faults[0].device: "
		    "unknown device 'a2': expected a device group (every device of it) or one "
		    "device of a group: a (a0 to a1), b");
	}
	{
		const char *sets[] = {"devices[1].capabilities=[stop_copy, p2p]",
		                      "faults=[{device: b, arc: running_to_pre_copy}]"};
		load_fails(
		    base, sets, 2,
		    "faults[0].arc: device group 'b' (capabilities stop_copy, p2p) never takes "
		    "the arc running_to_pre_copy: expected one of running_to_running_p2p, "
		    "running_p2p_to_stop, running_p2p_to_running, stop_to_running_p2p, "
		    "stop_to_stop_copy, stop_to_resuming, stop_copy_to_stop, resuming_to_stop");
	}
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

	CU_ASSERT(n >= 90);
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

/* A host profile's wait overridden with 0 by the scenario stays 0 through
 * the printed form (which names the profile again). */
static void test_profile_zero_override_round_trips(void)
{
	static const char *const sets[] = {
	    "hosts.source.profile=ci-2core", "hosts.source.thread_create_wait=0s",
	    "hosts.source.thread_wake_wait=0s", "hosts.source.thread_create_new_stack=0s",
	    "hosts.source.thread_stack_cache=0"};
	struct scenario *s = load_text("name: p\ndevices: [{name: vf}]\n", sets, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->hosts[0].thread_create_wait_s, 0);
	CU_ASSERT_EQUAL(s->hosts[0].thread_wake_wait_s, 0);
	CU_ASSERT_EQUAL(s->hosts[0].thread_create_new_stack_s, 0);
	CU_ASSERT_EQUAL(s->hosts[0].thread_stack_cache, 0);
	CU_ASSERT(round_trips(s));
	scenario_free(s);
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
	/* Two parameters in full precision print longer than 64 characters. */
	s->groups[0].arc_latency[VFIO_STATE_STOP_COPY][VFIO_STATE_STOP] = (struct dist){
	    .kind = DIST_LOGNORMAL, .a = 8.345737101510167e-3, .b = 0.24472036077640952};
	CU_ASSERT(round_trips(s));
	y = scenario_to_yaml(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(y);
	/* The resolved form spells every default out. */
	CU_ASSERT_PTR_NOT_NULL(strstr(y, "thread_create: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(y, "pre_copy_p2p_to_stop_copy: 1ms"));
	CU_ASSERT_PTR_NOT_NULL(strstr(y, "capabilities: [stop_copy, p2p, pre_copy]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(y, "ram: 123456789\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(y,
	                              "  switchover_ack: off\n  switchover_ack_destination: same\n"
	                              "  late_ack_rule: settled\n  stop_gap: 100us\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(y, "events:\n  design: prepare-before-p2p\n"
	                                 "  rdma_timeout: 50ms\n  nonresponsive_from: vm-stop\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(y, "  precopy_info_v2: unsupported\n"
	                                 "  init_load: {fixed: 0, rate: 0}\n  reinit:\n"
	                                 "    times: []\n    interval: 0\n    chunk: 1MiB\n"
	                                 "  final_check_failure: 0\n  precopy_save_error: false\n"
	                                 "  destination_starts_running: false\n"));
	CU_ASSERT_PTR_NULL(strstr(y, "faults:"));
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

/* scenario_equal() sees every new field, and the printed form keeps it. */
static void test_equal_new_fields(void)
{
	enum { N_CHANGES = 24 };
	const char *sets[] = {"faults=[{device: a, arc: stop_to_resuming, probability: 0.5}]",
	                      "devices[0].reinit={times: [1s, 2s], interval: 1s, chunk: 2MiB}",
	                      "migration.switchover_ack=new"};
	struct scenario *ref = load_text(base, sets, 3);

	CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
	CU_ASSERT(round_trips(ref));
	for (int k = 0; k < N_CHANGES; k++) {
		struct scenario *t = load_text(base, sets, 3);
		struct scn_device_group *g = &t->groups[0];

		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT(scenario_equal(ref, t));
		switch (k) {
		case 0:
			t->ack_src = ACK_LEGACY;
			break;
		case 1:
			t->ack_dst = ACK_LEGACY;
			break;
		case 2:
			t->late_ack_rule = LATE_ACK_V2;
			break;
		case 3:
			t->stop_gap.a = 1e-6;
			break;
		case 4:
			t->stop_gap.unit = DIST_UNIT_BYTES;
			break;
		case 5:
			t->event_design = EVENTS_NONE;
			break;
		case 6:
			t->rdma_timeout_s = 1;
			break;
		case 7:
			t->nonresponsive_from = NONRESPONSIVE_TRANSITION;
			break;
		case 8:
			g->init_load_fixed_s = 1;
			break;
		case 9:
			g->init_load_Bps = 1;
			break;
		case 10:
			g->precopy_info_v2 = PRECOPY_V2_SUPPORTED;
			break;
		case 11:
			g->reinit_times[1] = 3;
			break;
		case 12:
			g->n_reinit_times = 1;
			break;
		case 13:
			g->reinit_interval_s = 2;
			break;
		case 14:
			g->reinit_chunk.a = 1;
			break;
		case 15:
			g->final_check_failure = 0.5;
			break;
		case 16:
			t->faults[0].probability = 1;
			break;
		case 17:
			t->faults[0].device = 1;
			break;
		case 19:
			t->threads = THREADS_POOL;
			break;
		case 20:
			t->thread_wake_s = 1e-6;
			break;
		case 21:
			g->destination_starts_running = true;
			break;
		case 22: /* the migration's mode, but the group's own */
			g->multifd_transfer_set = true;
			break;
		case 23:
			t->groups[1].multifd_transfer_set = true;
			t->groups[1].multifd_transfer = MULTIFD_TRANSFER_OFF;
			break;
		default:
			t->faults[0].to = VFIO_STATE_RUNNING_P2P;
			break;
		}
		if (scenario_equal(ref, t))
			fprintf(stderr, "\nchange %d not seen by scenario_equal\n", k);
		CU_ASSERT(!scenario_equal(ref, t));
		scenario_free(t);
	}
	scenario_free(ref);
}

/* devices[].multifd_transfer: absent, the group takes the migration's mode
 * (and the printed form leaves it out); set, the group's own, printed and
 * resolved per device instance against the channels. */
static void test_device_multifd_transfer(void)
{
	const char *sets[] = {"network.multifd_channels=2", "devices[1].multifd_transfer=off"};
	struct scenario *s = load_text(base, sets, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_FALSE(s->groups[0].multifd_transfer_set);
	CU_ASSERT_TRUE(s->groups[1].multifd_transfer_set);
	CU_ASSERT_EQUAL(s->groups[1].multifd_transfer, MULTIFD_TRANSFER_OFF);
	CU_ASSERT_TRUE(scenario_multifd_transfer(s));
	CU_ASSERT_TRUE(scenario_device_multifd_transfer(s, 0));  /* a0 */
	CU_ASSERT_TRUE(scenario_device_multifd_transfer(s, 1));  /* a1 */
	CU_ASSERT_FALSE(scenario_device_multifd_transfer(s, 2)); /* b */
	CU_ASSERT(round_trips(s));
	char *y = scenario_to_yaml(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(y);
	const char *a = strstr(y, "- name: a\n"), *b = strstr(y, "- name: b\n");
	CU_ASSERT_FATAL(a && b && a < b);
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "  multifd_transfer: off\n"));
	const char *in_a = strstr(a, "multifd_transfer");
	CU_ASSERT(in_a && in_a > b); /* group a has none of its own */
	free(y);
	scenario_free(s);
	/* Every group off: no multifd device-state transfer at all. */
	const char *off[] = {"network.multifd_channels=2", "devices.multifd_transfer=off"};
	s = load_text(base, off, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_FALSE(scenario_multifd_transfer(s));
	scenario_free(s);
	/* The migration's off, one group's own on. */
	const char *on[] = {"network.multifd_channels=2", "migration.multifd_transfer=off",
	                    "devices[0].multifd_transfer=on"};
	s = load_text(base, on, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_TRUE(scenario_multifd_transfer(s));
	CU_ASSERT_TRUE(scenario_device_multifd_transfer(s, 0));
	CU_ASSERT_FALSE(scenario_device_multifd_transfer(s, 2));
	scenario_free(s);
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

/* Hand-built scenarios (the engine's tests build them) are held to the
 * same rules as loaded ones: one expected culprit per broken field. */
static void test_validate_new_fields(void)
{
	struct scenario *s = load_text(base, NULL, 0);
	char path[128];
	struct scn_fault f = scenario_default_fault;
	double times[] = {1, 0.5};

#define EXPECT_PATH(want)                                                                          \
	do {                                                                                       \
		CU_ASSERT_EQUAL(scenario_validate(s, path, sizeof path, err, sizeof err), -1);     \
		if (strcmp(path, want) != 0)                                                       \
			fprintf(stderr, "\nwant %s, got %s: %s\n", want, path, err);               \
		CU_ASSERT_STRING_EQUAL(path, want);                                                \
	} while (0)
#define EXPECT_OK()                                                                                \
	do {                                                                                       \
		int rc_ = scenario_validate(s, path, sizeof path, err, sizeof err);                \
		if (rc_)                                                                           \
			fprintf(stderr, "\nunexpected: %s: %s\n", path, err);                      \
		CU_ASSERT_EQUAL(rc_, 0);                                                           \
	} while (0)

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* Forgetting ack_dst when turning the source on is caught. */
	s->ack_src = ACK_NEW;
	EXPECT_PATH("migration.switchover_ack_destination");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "both ends have it or neither"));
	s->ack_dst = ACK_LEGACY; /* a mismatch is a valid experiment */
	EXPECT_OK();
	s->ack_dst = (enum ack_mode)3;
	EXPECT_PATH("migration.switchover_ack_destination");
	s->ack_src = s->ack_dst = ACK_OFF;
	s->late_ack_rule = (enum late_ack_rule)3;
	EXPECT_PATH("migration.late_ack_rule");
	s->late_ack_rule = LATE_ACK_SETTLED;
	s->threads = (enum thread_mode)2;
	EXPECT_PATH("migration.threads");
	s->threads = THREADS_POOL;
	s->thread_wake_s = -1e-6;
	EXPECT_PATH("migration.thread_wake");
	s->thread_wake_s = 0;
	EXPECT_OK();
	s->stop_gap.unit = DIST_UNIT_BYTES;
	EXPECT_PATH("migration.stop_gap");
	s->stop_gap.unit = DIST_UNIT_SECONDS;
	s->event_design = (enum event_design)7;
	EXPECT_PATH("events.design");
	s->event_design = EVENTS_NONE;
	s->rdma_timeout_s = NAN;
	EXPECT_PATH("events.rdma_timeout");
	s->rdma_timeout_s = 0;
	EXPECT_PATH("events.rdma_timeout");
	s->rdma_timeout_s = 1e-3;
	s->nonresponsive_from = (enum nonresponsive_from)2;
	EXPECT_PATH("events.nonresponsive_from");
	s->nonresponsive_from = NONRESPONSIVE_VM_STOP;
	EXPECT_OK();

	/* Devices. */
	s->groups[1].init_load_Bps = -1;
	EXPECT_PATH("devices[1].init_load.rate");
	s->groups[1].init_load_Bps = 0;
	s->groups[1].init_load_fixed_s = INFINITY;
	EXPECT_PATH("devices[1].init_load.fixed");
	s->groups[1].init_load_fixed_s = 0.001;
	s->groups[1].caps = VFIO_CAP_STOP_COPY | VFIO_CAP_P2P;
	EXPECT_PATH("devices[1].init_load");
	s->groups[1].init_load_fixed_s = 0;
	s->groups[1].precopy_info_v2 = PRECOPY_V2_ERROR;
	EXPECT_PATH("devices[1].precopy_info_v2");
	s->groups[1].precopy_info_v2 = PRECOPY_V2_UNSUPPORTED;
	s->groups[1].reinit_chunk.a = 2;
	EXPECT_PATH("devices[1].reinit");
	s->groups[1].caps = VFIO_CAP_ALL;
	EXPECT_OK();
	s->groups[1].reinit_chunk.unit = DIST_UNIT_SECONDS;
	EXPECT_PATH("devices[1].reinit.chunk");
	s->groups[1].reinit_chunk.unit = DIST_UNIT_BYTES;
	s->groups[1].precopy_info_v2 = (enum precopy_v2)5;
	EXPECT_PATH("devices[1].precopy_info_v2");
	s->groups[1].precopy_info_v2 = PRECOPY_V2_SUPPORTED;
	s->groups[0].reinit_times = times;
	s->groups[0].n_reinit_times = 2;
	EXPECT_PATH("devices[0].reinit.times[1]");
	times[1] = -1;
	EXPECT_PATH("devices[0].reinit.times[1]");
	times[1] = 1;
	EXPECT_OK();
	s->groups[0].reinit_interval_s = -1;
	EXPECT_PATH("devices[0].reinit.interval");
	s->groups[0].reinit_interval_s = 0;
	s->groups[0].final_check_failure = NAN;
	EXPECT_PATH("devices[0].final_check_failure");
	s->groups[0].final_check_failure = 1;
	EXPECT_OK();
	s->groups[0].precopy_save_error = true; /* no dirty rate: no incremental save */
	EXPECT_PATH("devices[0].precopy_save_error");
	s->groups[0].precopy_dirty_Bps = 1e6;
	EXPECT_OK();
	s->groups[0].precopy_save_error = false;
	s->groups[0].precopy_dirty_Bps = 0;
	s->groups[0].reinit_times = NULL;
	s->groups[0].n_reinit_times = 0;

	/* Faults. */
	s->faults = &f;
	s->n_faults = 1;
	f.from = VFIO_STATE_STOP;
	f.to = VFIO_STATE_RESUMING;
	EXPECT_PATH("faults[0].device"); /* group -1 */
	f.group = 0;
	f.device = 2; /* group a has 2 devices */
	EXPECT_PATH("faults[0].device");
	f.device = 1;
	EXPECT_OK();
	f.probability = 1.5;
	EXPECT_PATH("faults[0].probability");
	f.probability = NAN;
	EXPECT_PATH("faults[0].probability");
	f.probability = 0;
	f.to = VFIO_STATE_PRE_COPY; /* STOP -> PRE_COPY is no arc */
	EXPECT_PATH("faults[0].arc");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "STOP -> PRE_COPY is not an arc"));
	f.from = VFIO_STATE_RUNNING; /* an arc a full-capability device does not take */
	f.to = VFIO_STATE_STOP;
	EXPECT_PATH("faults[0].arc");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "device 'a1' (capabilities stop_copy, p2p, pre_copy) "
	                                   "never takes the arc running_to_stop"));
	f.to = VFIO_STATE_PRE_COPY;
	EXPECT_OK();
	/* In a group of one, device 0 is the group: it prints as the group's
	 * name, loads back as -1, and counts as equal. */
	{
		struct scenario *t = NULL;
		char *y;

		f.group = 1;
		f.device = 0;
		EXPECT_OK();
		y = scenario_to_yaml(s);
		CU_ASSERT_PTR_NOT_NULL_FATAL(y);
		CU_ASSERT_PTR_NOT_NULL(strstr(y, "- {device: b, arc: running_to_pre_copy"));
		CU_ASSERT_EQUAL_FATAL(
		    scenario_load_text("p", y, strlen(y), NULL, 0, &t, err, sizeof err), 0);
		CU_ASSERT_EQUAL(t->faults[0].device, -1);
		CU_ASSERT(scenario_equal(s, t));
		f.device = -1;
		CU_ASSERT(scenario_equal(s, t));
		f.group = 0; /* but in a group of two, -1 is not device 0 */
		t->faults[0].group = 0;
		t->faults[0].device = 0;
		CU_ASSERT(!scenario_equal(s, t));
		scenario_free(t);
		free(y);
	}
	s->faults = NULL;
	s->n_faults = 0;
	scenario_free(s);
#undef EXPECT_PATH
#undef EXPECT_OK
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
	    "migration={switchover_ack: new, switchover_ack_destination: legacy, stop_gap: 1ms}",
	    "events={design: none, rdma_timeout: 20ms}",
	    "devices[0].reinit={times: [1s, 2s], interval: 1s, chunk: 2MiB}",
	    "faults=[{device: a1, arc: stop_to_resuming, probability: 0.5}]",
	    "devices.init_load={fixed: 1ms, rate: 1GiB/s}",
	};
	size_t loaded = 0;

	rng_state = 7;
	/* About 360 mutants per seed (as many as when there were 6 seeds). */
	for (int m = 0; m < 4000; m++) {
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
	           TEST(test_profile_fill), TEST(test_switchover_explicit), TEST(test_arc_keys),
	           TEST(test_strategy_names), TEST(test_enum_names), TEST(test_device_instances),
	           TEST(test_device_lookup), TEST(test_set_forms), TEST(test_set_errors),
	           TEST(test_bad_files), TEST(test_file_errors), TEST(test_good_files_round_trip),
	           TEST(test_profile_zero_override_round_trips), TEST(test_to_yaml_text),
	           TEST(test_equal_new_fields), TEST(test_device_multifd_transfer),
	           TEST(test_validate), TEST(test_validate_new_fields), TEST(test_mutations),
	           TEST(test_set_mutations));
}
