/*
 * scenario.c - the scenario model: names, defaults, device profiles,
 * validation, equality.  Nothing here knows YAML (scenario_yaml.c does).
 *
 * Every default and every profile number below is also in
 * docs/scenarios.md with its source; change both together.
 */
#include "scenario_yaml.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KiB (1024ull)
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

/* ---- scenario-level defaults ---- */

#define SCENARIO_DEFAULT_RAM_BYTES (1 * GiB)
/* 100 Gbit/s: the link of the published ConnectX-7 setup (DOMAIN §9). */
#define SCENARIO_DEFAULT_BANDWIDTH_BPS (100e9 / 8)
#define SCENARIO_DEFAULT_LATENCY_S     50e-6
/* QEMU's default downtime-limit (migration parameter, 300 ms). */
#define SCENARIO_DEFAULT_DOWNTIME_S 0.3
#define SCENARIO_DEFAULT_MAX_ITER   100
#define SCENARIO_DEFAULT_MAX_TIME_S 60.0
/* QEMU hw/vfio/migration.c: VFIO_MIG_DEFAULT_DATA_BUFFER_SIZE (1 MiB). */
#define SCENARIO_DEFAULT_CHUNK_BYTES (1 * MiB)
/*
 * Measured 2026-11-21 on the project's 2-core Debian 12 VM (gcc 12.2, glibc
 * 2.36) with bench/bench_threads (`build/bench/bench_threads 10000`): 10000
 * pairs of pthread_create + pthread_join of a thread that just returns, each
 * call timed alone with CLOCK_MONOTONIC; median per call over eight runs
 * (per-run medians: create 12.1-19 us, join 13.1-29.3 us; join includes
 * waiting for the new thread to be scheduled and exit).  docs/performance.md
 * keeps the numbers.
 */
#define SCENARIO_DEFAULT_THREAD_CREATE_S 13e-6
#define SCENARIO_DEFAULT_THREAD_JOIN_S   14e-6
#define SCENARIO_DEFAULT_RUNS            10
#define SCENARIO_DEFAULT_SEED            1

const struct scenario scenario_default = {
    .ram_bytes = SCENARIO_DEFAULT_RAM_BYTES,
    .ram_dirty_Bps = 0,
    .bandwidth_Bps = SCENARIO_DEFAULT_BANDWIDTH_BPS,
    .latency_s = SCENARIO_DEFAULT_LATENCY_S,
    .multifd_channels = 0,
    .downtime_limit_s = SCENARIO_DEFAULT_DOWNTIME_S,
    .strategy = STRATEGY_SEQUENTIAL,
    .max_iterations = SCENARIO_DEFAULT_MAX_ITER,
    .max_time_s = SCENARIO_DEFAULT_MAX_TIME_S,
    .chunk_bytes = SCENARIO_DEFAULT_CHUNK_BYTES,
    .thread_create_s = SCENARIO_DEFAULT_THREAD_CREATE_S,
    .thread_join_s = SCENARIO_DEFAULT_THREAD_JOIN_S,
    .runs = SCENARIO_DEFAULT_RUNS,
    .seed = SCENARIO_DEFAULT_SEED,
};

const struct scn_domain scenario_default_domain = {.capacity = 1};

/* A VFIO device behind one bridge; a plain handler at the root. */
const struct scn_device_group scenario_default_group = {
    .profile = "generic", .count = 1, .depth = 1, .domain = -1};

const struct scn_handler scenario_default_handler = {.depth = 0,
                                                     .pass = HANDLER_PASS_MAIN,
                                                     .side = HANDLER_SIDE_BOTH,
                                                     .cost = {DIST_FIXED, 0, 0, NULL, 0}};

const struct scenario_arc scenario_arcs[SCENARIO_ARC_COUNT] = {
#define ARC_ENTRY(f, t, key) {VFIO_STATE_##f, VFIO_STATE_##t, key},
    SCENARIO_ARCS(ARC_ENTRY)
#undef ARC_ENTRY
};

/* ---- device profiles ---- */

/*
 * mlx5-cx7: a ConnectX-7 VF.  Order-of-magnitude guesses, NOT fitted: the
 * state size is the "~100 MiB of device state per VF" of the published setup
 * (DOMAIN §9); the arc latencies put the expensive work where the mlx5
 * driver does it (saving the state on entering STOP_COPY, restoring it on
 * leaving RESUMING / entering RUNNING_P2P) so that one VF costs a few hundred
 * ms as in the 1-VF row of DOMAIN §9.  Calibration against that table is a
 * later issue; until then treat every number here as a placeholder.
 */
static const struct scenario_profile_arc mlx5_cx7_arcs[] = {
    {VFIO_STATE_RUNNING, VFIO_STATE_PRE_COPY, 10e-3},
    {VFIO_STATE_PRE_COPY, VFIO_STATE_PRE_COPY_P2P, 20e-3},
    {VFIO_STATE_PRE_COPY_P2P, VFIO_STATE_STOP_COPY, 80e-3},
    {VFIO_STATE_STOP_COPY, VFIO_STATE_STOP, 1e-3},
    {VFIO_STATE_STOP, VFIO_STATE_RESUMING, 5e-3},
    {VFIO_STATE_RESUMING, VFIO_STATE_STOP, 5e-3},
    {VFIO_STATE_STOP, VFIO_STATE_RUNNING_P2P, 60e-3},
    {VFIO_STATE_RUNNING_P2P, VFIO_STATE_RUNNING, 10e-3},
};

static const struct scenario_profile profiles[] = {
    /* A plausible device that is not any real one: 16 MiB of state, 1 ms
     * per arc, 10 us per query, instant destination load. */
    {
        .name = "generic",
        .caps = VFIO_CAP_ALL,
        .state_bytes = 16 * MiB,
        .initial_bytes = 0,
        .latency_default_s = 1e-3,
        .query_s = 10e-6,
    },
    {
        .name = "mlx5-cx7",
        .caps = VFIO_CAP_ALL,
        .state_bytes = 100 * MiB,
        .initial_bytes = 1 * MiB,
        .latency_default_s = 5e-3,
        .query_s = 100e-6,
        .arcs = mlx5_cx7_arcs,
        .n_arcs = sizeof(mlx5_cx7_arcs) / sizeof(mlx5_cx7_arcs[0]),
        .load_fixed_s = 0.5e-3,
        .load_Bps = (double)(1 * GiB),
    },
    /* The zero-cost device (fio's null engine): every cost 0, so tests can
     * check exact times and benchmarks measure the harness alone. */
    {
        .name = "null",
        .caps = VFIO_CAP_ALL,
    },
};

const char scenario_profile_names[] = "generic, mlx5-cx7 or null";

const struct scenario_profile *scenario_profile_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(name, profiles[i].name) == 0)
			return &profiles[i];
	return NULL;
}

bool scenario_profile_arc(const struct scenario_profile *p, enum vfio_state from,
                          enum vfio_state to, double *latency_s)
{
	for (size_t i = 0; i < p->n_arcs; i++) {
		if (p->arcs[i].from == from && p->arcs[i].to == to) {
			*latency_s = p->arcs[i].latency_s;
			return true;
		}
	}
	return false;
}

/* ---- strategies ---- */

static const char *const strategy_names[STRATEGY_COUNT] = {
    [STRATEGY_SEQUENTIAL] = "sequential",
    [STRATEGY_PARALLEL_PRIO] = "parallel-prio",
    [STRATEGY_PARALLEL_BARRIER] = "parallel-barrier",
};

const char *strategy_name(enum strategy_kind s)
{
	return (unsigned)s < STRATEGY_COUNT ? strategy_names[s] : "?";
}

int strategy_parse(const char *name)
{
	for (int i = 0; name && i < STRATEGY_COUNT; i++)
		if (strcmp(name, strategy_names[i]) == 0)
			return i;
	return -1;
}

/* ---- device instances ---- */

size_t scenario_device_count(const struct scenario *s)
{
	size_t n = 0;
	for (size_t g = 0; g < s->n_groups; g++)
		n += s->groups[g].count;
	return n;
}

const struct scn_device_group *scenario_device_group(const struct scenario *s, size_t i,
                                                     unsigned *index_in_group)
{
	for (size_t g = 0; g < s->n_groups; g++) {
		if (i < s->groups[g].count) {
			if (index_in_group)
				*index_in_group = (unsigned)i;
			return &s->groups[g];
		}
		i -= s->groups[g].count;
	}
	return NULL;
}

void scenario_device_name(const struct scenario *s, size_t i, char *buf, size_t len)
{
	unsigned k;
	const struct scn_device_group *g = scenario_device_group(s, i, &k);

	if (!g)
		snprintf(buf, len, "?");
	else if (g->count == 1)
		snprintf(buf, len, "%s", g->name);
	else
		snprintf(buf, len, "%s%u", g->name, k);
}

/* ---- freeing ---- */

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->description);
	free(s->file);
	for (size_t i = 0; i < s->n_domains; i++)
		free(s->domains[i].name);
	free(s->domains);
	for (size_t i = 0; i < s->n_groups; i++) {
		struct scn_device_group *g = &s->groups[i];
		free(g->name);
		free(g->profile);
		for (int f = 0; f < VFIO_STATE_COUNT; f++)
			for (int t = 0; t < VFIO_STATE_COUNT; t++)
				dist_free(&g->arc_latency[f][t]);
		dist_free(&g->query_latency);
	}
	free(s->groups);
	for (size_t i = 0; i < s->n_handlers; i++) {
		free(s->handlers[i].name);
		dist_free(&s->handlers[i].cost);
	}
	free(s->handlers);
	free(s);
}

/* ---- validation ---- */

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(path, pathlen, __VA_ARGS__);                                              \
		goto fail;                                                                         \
	} while (0)

/* Non-empty and made only of letters, digits and the characters in `extra`. */
static bool name_ok(const char *name, const char *extra)
{
	if (!name || !*name)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(extra, *p)))
			return false;
	return true;
}

/* A name and where it came from, for finding duplicates by sorting. */
struct owned_name {
	const char *name;
	size_t owner;
};

static int owned_name_cmp(const void *a, const void *b)
{
	const struct owned_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return (x->owner > y->owner) - (x->owner < y->owner);
}

/*
 * Sort `v` and find a name that occurs twice: returns the later owner in
 * *dup and the earlier in *first.  Sorting keeps 65536 devices fast.
 */
static bool find_duplicate(struct owned_name *v, size_t n, size_t *first, size_t *dup,
                           const char **name)
{
	bool found = false;

	qsort(v, n, sizeof(*v), owned_name_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(v[i - 1].name, v[i].name) != 0)
			continue;
		/* Report the earliest clash in file order. */
		if (!found || v[i].owner < *dup) {
			*first = v[i - 1].owner;
			*dup = v[i].owner;
			*name = v[i].name;
			found = true;
		}
	}
	return found;
}

static bool seconds_ok(double s)
{
	return isfinite(s) && s >= 0;
}

static int validate_names(const struct scenario *s, char *path, size_t pathlen, char *err,
                          size_t errlen)
{
	size_t total = scenario_device_count(s), first, dup, k = 0;
	struct owned_name *v = malloc((s->n_groups + total + s->n_domains + 1) * sizeof(*v));
	char *inst = NULL;
	const char *name;
	int rc = -1;

	if (!v) {
		snprintf(path, pathlen, "devices");
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n_domains; i++)
		v[i] = (struct owned_name){s->domains[i].name, i};
	if (find_duplicate(v, s->n_domains, &first, &dup, &name)) {
		snprintf(path, pathlen, "domains[%zu].name", dup);
		snprintf(err, errlen, "duplicate domain name '%s' (domains[%zu] has it already)",
		         name, first);
		goto out;
	}
	for (size_t i = 0; i < s->n_groups; i++)
		v[i] = (struct owned_name){s->groups[i].name, i};
	if (find_duplicate(v, s->n_groups, &first, &dup, &name)) {
		snprintf(path, pathlen, "devices[%zu].name", dup);
		snprintf(err, errlen, "duplicate device name '%s' (devices[%zu] has it already)",
		         name, first);
		goto out;
	}
	/* Instances are "<name><index>": group "vf" x2 and group "vf1" clash. */
	inst = malloc(total * (SCENARIO_MAX_NAME + 12));
	if (!inst) {
		snprintf(path, pathlen, "devices");
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	for (size_t g = 0, off = 0; g < s->n_groups; g++) {
		const struct scn_device_group *grp = &s->groups[g];
		if (grp->count == 1) {
			v[k++] = (struct owned_name){grp->name, g};
			continue;
		}
		for (unsigned idx = 0; idx < grp->count; idx++) {
			int len =
			    snprintf(inst + off, SCENARIO_MAX_NAME + 12, "%s%u", grp->name, idx);
			v[k++] = (struct owned_name){inst + off, g};
			off += (size_t)len + 1;
		}
	}
	if (find_duplicate(v, k, &first, &dup, &name) && first != dup) {
		snprintf(path, pathlen, "devices[%zu].name", dup);
		snprintf(err, errlen,
		         "device instance name '%s' is used by devices[%zu] and devices[%zu] "
		         "(the instances of a group with count > 1 are named <name>0, <name>1, "
		         "...): rename one group",
		         name, first, dup);
		goto out;
	}
	rc = 0;
out:
	free(inst);
	free(v);
	return rc;
}

int scenario_validate(const struct scenario *s, char *path, size_t pathlen, char *err,
                      size_t errlen)
{
	size_t total = 0;
	int rc;

	if (!name_ok(s->name, "._-")) {
		snprintf(err, errlen,
		         "'%s' is not a valid scenario name: use letters, digits, '.', '_' and '-'",
		         s->name ? s->name : "");
		FAIL("name");
	}
	if (!(isfinite(s->ram_dirty_Bps) && s->ram_dirty_Bps >= 0)) {
		snprintf(err, errlen, "the dirty rate must be a rate >= 0");
		FAIL("vm.dirty_rate");
	}
	if (!(isfinite(s->bandwidth_Bps) && s->bandwidth_Bps > 0)) {
		snprintf(err, errlen, "the bandwidth must be > 0, such as 100Gbps");
		FAIL("network.bandwidth");
	}
	if (!seconds_ok(s->latency_s)) {
		snprintf(err, errlen, "the latency must be a duration >= 0");
		FAIL("network.latency");
	}
	if (s->multifd_channels > SCENARIO_MAX_MULTIFD) {
		snprintf(err, errlen,
		         "%u multifd channels: expected 0 (RAM on the main stream) to %d",
		         s->multifd_channels, SCENARIO_MAX_MULTIFD);
		FAIL("network.multifd_channels");
	}
	if (!seconds_ok(s->downtime_limit_s)) {
		snprintf(err, errlen, "the downtime limit must be a duration >= 0");
		FAIL("migration.downtime_limit");
	}
	if (strategy_name(s->strategy)[0] == '?') {
		snprintf(
		    err, errlen,
		    "unknown strategy: expected sequential, parallel-prio or parallel-barrier");
		FAIL("migration.strategy");
	}
	if (s->max_iterations < 1 || s->max_iterations > SCENARIO_MAX_ITERATIONS) {
		snprintf(err, errlen, "%u: expected 1 to %d precopy rounds", s->max_iterations,
		         SCENARIO_MAX_ITERATIONS);
		FAIL("migration.max_iterations");
	}
	if (!(isfinite(s->max_time_s) && s->max_time_s > 0)) {
		snprintf(err, errlen, "the precopy time limit must be > 0, such as 60s");
		FAIL("migration.max_time");
	}
	if (s->chunk_bytes == 0) {
		snprintf(err, errlen, "the chunk size must be > 0, such as 1MiB");
		FAIL("migration.chunk_size");
	}
	if (!seconds_ok(s->thread_create_s)) {
		snprintf(err, errlen, "must be a duration >= 0");
		FAIL("migration.thread_create");
	}
	if (!seconds_ok(s->thread_join_s)) {
		snprintf(err, errlen, "must be a duration >= 0");
		FAIL("migration.thread_join");
	}
	for (size_t i = 0; i < s->n_domains; i++) {
		const struct scn_domain *d = &s->domains[i];
		if (!name_ok(d->name, "_-")) {
			snprintf(
			    err, errlen,
			    "'%s' is not a valid domain name: use letters, digits, '_' and '-'",
			    d->name ? d->name : "");
			FAIL("domains[%zu].name", i);
		}
		if (d->capacity < 1 || d->capacity > SCENARIO_MAX_DOMAIN_CAP) {
			snprintf(err, errlen, "capacity %u: expected 1 to %d arcs at a time",
			         d->capacity, SCENARIO_MAX_DOMAIN_CAP);
			FAIL("domains[%zu].capacity", i);
		}
	}
	if (s->n_groups == 0) {
		snprintf(err, errlen, "no devices: at least one device group is required");
		FAIL("devices");
	}
	for (size_t i = 0; i < s->n_groups; i++) {
		const struct scn_device_group *g = &s->groups[i];
		if (!name_ok(g->name, "_-") || strlen(g->name) > SCENARIO_MAX_NAME) {
			snprintf(
			    err, errlen,
			    "'%s' is not a valid device name: use 1 to %d letters, digits, '_' "
			    "and '-'",
			    g->name ? g->name : "", SCENARIO_MAX_NAME);
			FAIL("devices[%zu].name", i);
		}
		if (g->count < 1 || g->count > SCENARIO_MAX_DEVICES) {
			snprintf(err, errlen, "count %u: expected 1 to %d", g->count,
			         SCENARIO_MAX_DEVICES);
			FAIL("devices[%zu].count", i);
		}
		total += g->count;
		if (total > SCENARIO_MAX_DEVICES) {
			snprintf(err, errlen, "%zu devices in total up to this group: at most %d",
			         total, SCENARIO_MAX_DEVICES);
			FAIL("devices[%zu].count", i);
		}
		if (g->depth < 0 || g->depth > SCENARIO_MAX_DEPTH) {
			snprintf(err, errlen, "depth %d: expected 0 to %d", g->depth,
			         SCENARIO_MAX_DEPTH);
			FAIL("devices[%zu].depth", i);
		}
		if (!(g->caps & VFIO_CAP_STOP_COPY) || (g->caps & ~VFIO_CAP_ALL)) {
			snprintf(err, errlen,
			         "stop_copy is missing: every VFIO migration driver "
			         "supports it (it is mandatory in the kernel uAPI)");
			FAIL("devices[%zu].capabilities", i);
		}
		if (g->initial_bytes && !(g->caps & VFIO_CAP_PRE_COPY)) {
			snprintf(err, errlen,
			         "initial bytes without pre_copy: add pre_copy to "
			         "capabilities or remove initial_bytes");
			FAIL("devices[%zu].initial_bytes", i);
		}
		if (!(isfinite(g->precopy_dirty_Bps) && g->precopy_dirty_Bps >= 0)) {
			snprintf(err, errlen, "must be a rate >= 0");
			FAIL("devices[%zu].precopy_dirty_rate", i);
		}
		if (g->precopy_dirty_Bps > 0 && !(g->caps & VFIO_CAP_PRE_COPY)) {
			snprintf(err, errlen,
			         "precopy dirty data without pre_copy: add pre_copy to "
			         "capabilities or remove precopy_dirty_rate");
			FAIL("devices[%zu].precopy_dirty_rate", i);
		}
		if (!seconds_ok(g->load_fixed_s)) {
			snprintf(err, errlen, "must be a duration >= 0");
			FAIL("devices[%zu].load.fixed", i);
		}
		if (!(isfinite(g->load_Bps) && g->load_Bps >= 0)) {
			snprintf(err, errlen, "must be a rate >= 0 (0 = instant)");
			FAIL("devices[%zu].load.rate", i);
		}
		if (g->domain < -1 || g->domain >= (int)s->n_domains) {
			snprintf(err, errlen, "no such domain (index %d of %zu)", g->domain,
			         s->n_domains);
			FAIL("devices[%zu].domain", i);
		}
	}
	for (size_t i = 0; total > 1 && i < s->n_groups; i++) {
		if (!(s->groups[i].caps & VFIO_CAP_P2P)) {
			snprintf(
			    err, errlen,
			    "device '%s' lacks p2p but the scenario has %zu devices: more than "
			    "one VFIO device may be migrated only if all support P2P (kernel "
			    "uAPI); add p2p or migrate a single device",
			    s->groups[i].name, total);
			FAIL("devices[%zu].capabilities", i);
		}
	}
	for (size_t i = 0; i < s->n_handlers; i++) {
		const struct scn_handler *h = &s->handlers[i];
		if (!h->name || !*h->name) {
			snprintf(err, errlen, "a handler needs a name");
			FAIL("handlers[%zu].name", i);
		}
		if (h->depth < -1 || h->depth > SCENARIO_MAX_DEPTH) {
			snprintf(err, errlen, "depth %d: expected 0 to %d (or subsystem: true)",
			         h->depth, SCENARIO_MAX_DEPTH);
			FAIL("handlers[%zu].depth", i);
		}
		if ((unsigned)h->pass > HANDLER_PASS_BOTH) {
			snprintf(err, errlen, "expected main, prepare or both");
			FAIL("handlers[%zu].pass", i);
		}
		if ((unsigned)h->side > HANDLER_SIDE_DST) {
			snprintf(err, errlen, "expected both, source or destination");
			FAIL("handlers[%zu].side", i);
		}
	}
	rc = validate_names(s, path, pathlen, err, errlen);
	return rc;
fail:
	return -1;
}

/* ---- equality ---- */

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool dist_eq(const struct dist *a, const struct dist *b)
{
	if (a->kind != b->kind || a->a != b->a || a->b != b->b || a->n_samples != b->n_samples)
		return false;
	for (size_t i = 0; i < a->n_samples; i++)
		if (a->samples[i] != b->samples[i])
			return false;
	return true;
}

static bool group_eq(const struct scn_device_group *a, const struct scn_device_group *b)
{
	if (!str_eq(a->name, b->name) || !str_eq(a->profile, b->profile) || a->count != b->count ||
	    a->depth != b->depth || a->caps != b->caps || a->state_bytes != b->state_bytes ||
	    a->initial_bytes != b->initial_bytes || a->precopy_dirty_Bps != b->precopy_dirty_Bps ||
	    !dist_eq(&a->query_latency, &b->query_latency) || a->load_fixed_s != b->load_fixed_s ||
	    a->load_Bps != b->load_Bps || a->domain != b->domain)
		return false;
	for (int f = 0; f < VFIO_STATE_COUNT; f++)
		for (int t = 0; t < VFIO_STATE_COUNT; t++)
			if (!dist_eq(&a->arc_latency[f][t], &b->arc_latency[f][t]))
				return false;
	return true;
}

bool scenario_equal(const struct scenario *a, const struct scenario *b)
{
	if (!str_eq(a->name, b->name) || !str_eq(a->description, b->description) ||
	    a->ram_bytes != b->ram_bytes || a->ram_dirty_Bps != b->ram_dirty_Bps ||
	    a->bandwidth_Bps != b->bandwidth_Bps || a->latency_s != b->latency_s ||
	    a->multifd_channels != b->multifd_channels ||
	    a->downtime_limit_s != b->downtime_limit_s || a->strategy != b->strategy ||
	    a->max_iterations != b->max_iterations || a->max_time_s != b->max_time_s ||
	    a->chunk_bytes != b->chunk_bytes || a->thread_create_s != b->thread_create_s ||
	    a->thread_join_s != b->thread_join_s || a->n_domains != b->n_domains ||
	    a->n_groups != b->n_groups || a->n_handlers != b->n_handlers || a->runs != b->runs ||
	    a->seed != b->seed)
		return false;
	for (size_t i = 0; i < a->n_domains; i++)
		if (!str_eq(a->domains[i].name, b->domains[i].name) ||
		    a->domains[i].capacity != b->domains[i].capacity)
			return false;
	for (size_t i = 0; i < a->n_groups; i++)
		if (!group_eq(&a->groups[i], &b->groups[i]))
			return false;
	for (size_t i = 0; i < a->n_handlers; i++) {
		const struct scn_handler *x = &a->handlers[i], *y = &b->handlers[i];
		if (!str_eq(x->name, y->name) || x->depth != y->depth || x->pass != y->pass ||
		    x->side != y->side || !dist_eq(&x->cost, &y->cost))
			return false;
	}
	return true;
}
