/*
 * scenario.c - the scenario model: names, defaults, validation, equality.
 * Nothing here knows YAML (frontend/ does); device profiles are data files
 * (profiles/devices/, loaded by frontend/device_profile.c).
 *
 * Every default below is also in docs/scenarios.md with its source; change
 * both together.
 */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "units.h"

#define KiB (1024ull)
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

/* ---- scenario-level defaults ---- */

#define SCENARIO_DEFAULT_RAM_BYTES (1 * GiB)
/* QEMU's default -smp: one vCPU. */
#define SCENARIO_DEFAULT_VCPUS 1
/* 100 Gbit/s: the link of the published ConnectX-7 setup (docs/domain.md §9). */
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
 * 2.36).  create: `build/bench/bench_threads 10000` (pthread_create of a
 * thread that returns at once, each call timed alone with CLOCK_MONOTONIC;
 * per-run medians 12.1-19 us over eleven runs), and what the engine pays per
 * spawn in the real world, 11.7-14.2 us (`build/bench/bench_real`).
 * join: a strategy joins a thread that ended with its arc long before, which
 * costs the engine 0.3-0.7 us per join in the real world (`bench_real`);
 * 0.5 us is the middle of that range (the bare call, bench_threads'
 * join_ended, is 0.08-0.09 us).  docs/performance.md keeps the numbers.
 */
#define SCENARIO_DEFAULT_THREAD_CREATE_S 13e-6
#define SCENARIO_DEFAULT_THREAD_JOIN_S   0.5e-6
/* The patch's design (docs/domain.md section 4): a thread per device per pass. */
#define SCENARIO_DEFAULT_THREADS THREADS_PER_PASS
/*
 * Measured 2026-11-21 on the same VM.  wake (migration.threads: pool): the
 * hand-off of a transition to a parked pool worker, rt_wake on the real
 * world's semaphore timed on the waker's side, per-run medians 4.8-6.0 us
 * (`build/bench/bench_threads 10000`), and what the engine pays per
 * hand-off in the real world, 4.0-5.9 us (`build/bench/bench_real`).
 * docs/performance.md keeps the numbers.
 */
#define SCENARIO_DEFAULT_THREAD_WAKE_S 5e-6
#define SCENARIO_DEFAULT_RUNS          10
#define SCENARIO_DEFAULT_SEED          1
/* QEMU's switchover-ack capability is off unless management enables it. */
#define SCENARIO_DEFAULT_ACK ACK_OFF
/* The rule settled in review (docs/domain.md §6): fail only when the final query
 * itself collected a new ACK request. */
#define SCENARIO_DEFAULT_LATE_ACK LATE_ACK_SETTLED
/*
 * ASSUMPTION, not measured: the time from the last switchover check to
 * vm_stop() holding the BQL.  In QEMU both happen on the migration thread a
 * few calls apart, so the order is tens of microseconds to a few hundred;
 * 100 us is a round middle value.
 */
#define SCENARIO_DEFAULT_STOP_GAP_S 100e-6
/* The final upstream design (docs/domain.md §7): VFIO_MIGRATION after each
 * transition plus pre-copy-p2p-prepare before PRE_COPY -> PRE_COPY_P2P. */
#define SCENARIO_DEFAULT_EVENTS EVENTS_PREPARE_BEFORE_P2P
/* docs/domain.md §7: management's RDMA timeouts are "tens of ms". */
#define SCENARIO_DEFAULT_RDMA_TIMEOUT_S 50e-3
/* Harness choice, the conservative reading: once the vCPUs stop, the
 * guest's driver no longer answers for the device, whatever the device
 * itself still does. */
#define SCENARIO_DEFAULT_NONRESPONSIVE NONRESPONSIVE_VM_STOP
/*
 * ASSUMPTION, not measured: one REINIT chunk is 1 MiB, the initial bytes of
 * the mlx5-cx7 profile (itself a guess); the published REINIT setup
 * (docs/domain.md §6) gives no chunk size.
 */
#define SCENARIO_DEFAULT_REINIT_CHUNK_BYTES (1 * MiB)
/* A fault injected without a probability always fires. */
#define SCENARIO_DEFAULT_FAULT_PROBABILITY 1.0

const struct scenario scenario_default = {
    .ram_bytes = SCENARIO_DEFAULT_RAM_BYTES,
    .ram_dirty_Bps = 0,
    .vcpus = SCENARIO_DEFAULT_VCPUS,
    /* Hosts (docs/model.md "Hosts and CPUs"), harness choice: unlimited cores
     * and free copies and vCPU pause/resume, the model before hosts had
     * CPUs, so that a scenario without `hosts:` keeps its results.  A
     * measured host profile (profiles/hosts/) gives real numbers. */
    .hosts = {{.cores = 0}, {.cores = 0}},
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
    .threads = SCENARIO_DEFAULT_THREADS,
    .multifd_transfer = MULTIFD_TRANSFER_AUTO,
    .thread_wake_s = SCENARIO_DEFAULT_THREAD_WAKE_S,
    .ack_src = SCENARIO_DEFAULT_ACK,
    .ack_dst = SCENARIO_DEFAULT_ACK,
    .late_ack_rule = SCENARIO_DEFAULT_LATE_ACK,
    .stop_gap = {.kind = DIST_FIXED, .a = SCENARIO_DEFAULT_STOP_GAP_S, .unit = DIST_UNIT_SECONDS},
    .event_design = SCENARIO_DEFAULT_EVENTS,
    .rdma_timeout_s = SCENARIO_DEFAULT_RDMA_TIMEOUT_S,
    .nonresponsive_from = SCENARIO_DEFAULT_NONRESPONSIVE,
    .runs = SCENARIO_DEFAULT_RUNS,
    .seed = SCENARIO_DEFAULT_SEED,
};

const struct scn_domain scenario_default_domain = {.capacity = 1};

/* A VFIO device behind one bridge, without a REINIT workload; a plain
 * handler at the root. */
const struct scn_device_group scenario_default_group = {
    .profile = "generic",
    .count = 1,
    .depth = 1,
    .reinit_chunk = {.kind = DIST_FIXED,
                     .a = (double)SCENARIO_DEFAULT_REINIT_CHUNK_BYTES,
                     .unit = DIST_UNIT_BYTES},
    /* Harness choice: the final REINIT check fails only when a study asks. */
    .final_check_failure = 0,
    .domain = -1};

const struct scn_handler scenario_default_handler = {
    .depth = 0,
    .pass = HANDLER_PASS_MAIN,
    .side = HANDLER_SIDE_BOTH,
    .cost = {.kind = DIST_FIXED, .a = 0, .unit = DIST_UNIT_SECONDS}};

const struct scn_fault scenario_default_fault = {
    .group = -1, .device = -1, .probability = SCENARIO_DEFAULT_FAULT_PROBABILITY};

const struct scenario_cap scenario_caps[SCENARIO_CAP_COUNT] = {
    {VFIO_CAP_STOP_COPY, "stop_copy"},
    {VFIO_CAP_P2P, "p2p"},
    {VFIO_CAP_PRE_COPY, "pre_copy"},
};

const struct scenario_arc scenario_arcs[SCENARIO_ARC_COUNT] = {
#define ARC_ENTRY(f, t, key) {VFIO_STATE_##f, VFIO_STATE_##t, key},
    SCENARIO_ARCS(ARC_ENTRY)
#undef ARC_ENTRY
};

/* ---- names of enum values ---- */

/* The words scenario files use, which the loader looks up and the
 * *_name() functions print. */
static const char *const strategy_words[] = {
#define STRATEGY_NAME_ENTRY(kind, word, ops) [kind] = word,
    STRATEGY_LIST(STRATEGY_NAME_ENTRY)
#undef STRATEGY_NAME_ENTRY
};
const struct names scenario_strategy_names = NAMES(strategy_words);
static const char *const thread_mode_words[] = {
    [THREADS_PER_PASS] = "per-pass", [THREADS_POOL] = "pool"};
const struct names scenario_thread_mode_names = NAMES(thread_mode_words);
static const char *const ack_mode_words[] = {
    [ACK_OFF] = "off", [ACK_LEGACY] = "legacy", [ACK_NEW] = "new"};
const struct names scenario_ack_mode_names = NAMES(ack_mode_words);
static const char *const multifd_transfer_words[] = {
    [MULTIFD_TRANSFER_AUTO] = "auto", [MULTIFD_TRANSFER_ON] = "on", [MULTIFD_TRANSFER_OFF] = "off"};
const struct names scenario_multifd_transfer_names = NAMES(multifd_transfer_words);
static const char *const late_ack_rule_words[] = {
    [LATE_ACK_V2] = "v2", [LATE_ACK_SAVED_COUNT] = "saved-count", [LATE_ACK_SETTLED] = "settled"};
const struct names scenario_late_ack_rule_names = NAMES(late_ack_rule_words);
static const char *const event_design_words[] = {[EVENTS_NONE] = "none",
                                                 [EVENTS_AFTER_ONLY] = "after-only",
                                                 [EVENTS_PREPARE_BEFORE_P2P] = "prepare-before-p2p",
                                                 [EVENTS_PREPARE_EVERY] =
                                                     "prepare-every-transition"};
const struct names scenario_event_design_names = NAMES(event_design_words);
static const char *const nonresponsive_from_words[] = {
    [NONRESPONSIVE_VM_STOP] = "vm-stop", [NONRESPONSIVE_TRANSITION] = "transition"};
const struct names scenario_nonresponsive_from_names = NAMES(nonresponsive_from_words);
static const char *const precopy_v2_words[] = {[PRECOPY_V2_UNSUPPORTED] = "unsupported",
                                               [PRECOPY_V2_SUPPORTED] = "supported",
                                               [PRECOPY_V2_ERROR] = "error"};
const struct names scenario_precopy_v2_names = NAMES(precopy_v2_words);
static const char *const backend_words[] = {[BACKEND_MODEL] = "model", [BACKEND_VFIO] = "vfio"};
const struct names scenario_backend_names = NAMES(backend_words);
static const char *const vfio_interface_words[] = {
    [VFIO_IFACE_AUTO] = "auto", [VFIO_IFACE_CDEV] = "cdev", [VFIO_IFACE_GROUP] = "group"};
const struct names scenario_vfio_interface_names = NAMES(vfio_interface_words);
static const char *const handler_pass_words[] = {
    [HANDLER_PASS_MAIN] = "main", [HANDLER_PASS_PREPARE] = "prepare", [HANDLER_PASS_BOTH] = "both"};
const struct names scenario_handler_pass_names = NAMES(handler_pass_words);
static const char *const handler_side_words[] = {[HANDLER_SIDE_BOTH] = "both",
                                                 [HANDLER_SIDE_SRC] = "source",
                                                 [HANDLER_SIDE_DST] = "destination"};
const struct names scenario_handler_side_names = NAMES(handler_side_words);

const char *strategy_name(enum strategy_kind s)
{
	return names_name(&scenario_strategy_names, s);
}

int strategy_parse(const char *name)
{
	return names_parse(&scenario_strategy_names, name);
}

const char *device_backend_name(enum device_backend b)
{
	return names_name(&scenario_backend_names, b);
}

const char *vfio_interface_name(enum vfio_interface i)
{
	return names_name(&scenario_vfio_interface_names, i);
}

int vfio_interface_parse(const char *name)
{
	return names_parse(&scenario_vfio_interface_names, name);
}

static bool hex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool scenario_vfio_address_ok(const char *a)
{
	if (!a)
		return false;
	size_t n = strlen(a);
	/* mdev UUID: 8-4-4-4-12 hex digits */
	if (n == 36 && a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-')
		return hex_run(a, 8) && hex_run(a + 9, 4) && hex_run(a + 14, 4) &&
		       hex_run(a + 19, 4) && hex_run(a + 24, 12);
	/* PCI: [DDDD:]BB:DD.F, device 0-1f, function 0-7 */
	if (n == 12 && a[4] == ':' && hex_run(a, 4))
		a += 5, n -= 5;
	if (n != 7 || a[2] != ':' || a[5] != '.' || !hex_run(a, 2) || !hex_run(a + 3, 2) ||
	    a[6] < '0' || a[6] > '7')
		return false;
	return strtoul((char[]){a[3], a[4], 0}, NULL, 16) < 0x20;
}

const char *ack_mode_name(enum ack_mode m)
{
	return names_name(&scenario_ack_mode_names, m);
}

const char *multifd_transfer_name(enum multifd_transfer t)
{
	return names_name(&scenario_multifd_transfer_names, t);
}

/* A group's multifd transfer mode: its own, else the migration's. */
static enum multifd_transfer group_multifd_transfer(const struct scenario *s,
                                                    const struct scn_device_group *g)
{
	return g->multifd_transfer_set ? g->multifd_transfer : s->multifd_transfer;
}

bool scenario_multifd_transfer(const struct scenario *s)
{
	if (s->multifd_channels == 0)
		return false;
	for (size_t i = 0; i < s->n_groups; i++)
		if (group_multifd_transfer(s, &s->groups[i]) != MULTIFD_TRANSFER_OFF)
			return true;
	return false;
}

bool scenario_device_multifd_transfer(const struct scenario *s, size_t i)
{
	return s->multifd_channels > 0 &&
	       group_multifd_transfer(s, scenario_device_group(s, i, NULL)) != MULTIFD_TRANSFER_OFF;
}

const char *thread_mode_name(enum thread_mode t)
{
	return names_name(&scenario_thread_mode_names, t);
}

const char *late_ack_rule_name(enum late_ack_rule r)
{
	return names_name(&scenario_late_ack_rule_names, r);
}

const char *event_design_name(enum event_design d)
{
	return names_name(&scenario_event_design_names, d);
}

const char *nonresponsive_from_name(enum nonresponsive_from n)
{
	return names_name(&scenario_nonresponsive_from_names, n);
}

const char *precopy_v2_name(enum precopy_v2 v)
{
	return names_name(&scenario_precopy_v2_names, v);
}

/* ---- device instances ---- */

size_t scenario_device_count(const struct scenario *s)
{
	if (s->group_end && s->n_groups)
		return s->group_end[s->n_groups - 1];
	size_t n = 0;
	for (size_t g = 0; g < s->n_groups; g++)
		n += s->groups[g].count;
	return n;
}

int scenario_index_devices(struct scenario *s)
{
	free(s->group_end);
	s->group_end = NULL;
	if (!s->n_groups)
		return 0;
	size_t *end = malloc(s->n_groups * sizeof(*end));
	if (!end)
		return -1;
	for (size_t g = 0, n = 0; g < s->n_groups; g++)
		end[g] = n += s->groups[g].count;
	s->group_end = end;
	return 0;
}

const struct scn_device_group *scenario_device_group(const struct scenario *s, size_t i,
                                                     unsigned *index_in_group)
{
	if (s->group_end) {
		/* The first group whose end is past i (groups of count 0 end
		 * where the one before them does, so they are never it). */
		size_t lo = 0, hi = s->n_groups;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (s->group_end[mid] > i)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (lo == s->n_groups)
			return NULL;
		if (index_in_group)
			*index_in_group = (unsigned)(i - (lo ? s->group_end[lo - 1] : 0));
		return &s->groups[lo];
	}
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

/* Is `name` "<group><index>" with index the canonical decimal of an
 * instance of g (count > 1)?  Sets *index. */
static bool instance_of(const struct scn_device_group *g, const char *name, unsigned *index)
{
	size_t n = strlen(g->name);
	const char *d = name + n;
	unsigned long v = 0;

	if (g->count < 2 || strncmp(name, g->name, n) != 0 || !*d ||
	    strspn(d, "0123456789") != strlen(d) || (d[0] == '0' && d[1]) || strlen(d) > 9)
		return false;
	v = strtoul(d, NULL, 10);
	if (v >= g->count)
		return false;
	*index = (unsigned)v;
	return true;
}

size_t scenario_device_lookup(const struct scenario *s, const char *name, int *group, int *device)
{
	size_t found = 0;
	unsigned k;

	for (size_t g = 0; name && g < s->n_groups; g++) {
		const struct scn_device_group *grp = &s->groups[g];
		int dev;

		if (grp->name && strcmp(grp->name, name) == 0)
			dev = -1;
		else if (grp->name && instance_of(grp, name, &k))
			dev = (int)k;
		else
			continue;
		if (!found++) {
			*group = (int)g;
			*device = dev;
		}
	}
	return found;
}

void scenario_fault_target(const struct scenario *s, const struct scn_fault *f, char *buf,
                           size_t len)
{
	const struct scn_device_group *g =
	    f->group >= 0 && (size_t)f->group < s->n_groups ? &s->groups[f->group] : NULL;

	if (!g)
		snprintf(buf, len, "?");
	else if (f->device < 0 || g->count == 1)
		snprintf(buf, len, "%s", g->name ? g->name : "");
	else
		snprintf(buf, len, "%s%d", g->name ? g->name : "", f->device);
}

/* ---- freeing ---- */

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->description);
	free(s->file);
	free(s->hosts[0].profile);
	free(s->hosts[1].profile);
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
		free(g->reinit_times);
		dist_free(&g->reinit_chunk);
		for (size_t k = 0; k < g->n_vfio_source; k++)
			free(g->vfio_source[k]);
		for (size_t k = 0; k < g->n_vfio_destination; k++)
			free(g->vfio_destination[k]);
		free(g->vfio_source);
		free(g->vfio_destination);
	}
	free(s->groups);
	free(s->group_end);
	for (size_t i = 0; i < s->n_handlers; i++) {
		free(s->handlers[i].name);
		dist_free(&s->handlers[i].cost);
	}
	free(s->handlers);
	free(s->faults);
	dist_free(&s->stop_gap);
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

/* A rate in bytes per second: finite, >= 0 (0 = instant). */
static bool rate_ok(double r)
{
	return isfinite(r) && r >= 0;
}

static bool dist_eq(const struct dist *a, const struct dist *b)
{
	if (a->kind != b->kind || a->unit != b->unit || a->a != b->a || a->b != b->b ||
	    a->n_samples != b->n_samples)
		return false;
	for (size_t i = 0; i < a->n_samples; i++)
		if (a->samples[i] != b->samples[i])
			return false;
	return true;
}

/* NaN fails both comparisons. */
static bool probability_ok(double p)
{
	return p >= 0 && p <= 1;
}

/* "stop_copy, pre_copy": the capability names of `caps`. */
static void caps_text(uint32_t caps, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < SCENARIO_CAP_COUNT && used < len; i++)
		if (caps & scenario_caps[i].bit)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			                         scenario_caps[i].name);
}

/* The latency key of arc from -> to, or NULL when it has none. */
static const char *arc_key(enum vfio_state from, enum vfio_state to)
{
	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++)
		if (scenario_arcs[i].from == from && scenario_arcs[i].to == to)
			return scenario_arcs[i].key;
	return NULL;
}

/* The arc keys a device with `caps` can take, for messages. */
static void device_arcs_text(uint32_t caps, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < SCENARIO_ARC_COUNT && used < len; i++)
		if (vfio_fsm_is_device_arc(scenario_arcs[i].from, scenario_arcs[i].to, caps))
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			                         scenario_arcs[i].key);
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

/* The two ends' switchover-ack settings (docs/domain.md §5). */
static int validate_ack(const struct scenario *s, char *path, size_t pathlen, char *err,
                        size_t errlen)
{
	char words[64];

	names_list(&scenario_ack_mode_names, words, sizeof(words));
	if (ack_mode_name(s->ack_src)[0] == '?') {
		snprintf(err, errlen, "unknown switchover-ack mode: expected %s", words);
		FAIL("migration.switchover_ack");
	}
	if (ack_mode_name(s->ack_dst)[0] == '?') {
		snprintf(err, errlen, "unknown switchover-ack mode: expected same or %s", words);
		FAIL("migration.switchover_ack_destination");
	}
	if ((s->ack_src == ACK_OFF) != (s->ack_dst == ACK_OFF)) {
		snprintf(err, errlen,
		         "switchover_ack is %s on the source but %s on the destination: the "
		         "capability is negotiated, so both ends have it or neither; a mismatch "
		         "is legacy on one end and new on the other (or write same)",
		         ack_mode_name(s->ack_src), ack_mode_name(s->ack_dst));
		FAIL("migration.switchover_ack_destination");
	}
	return 0;
fail:
	return -1;
}

/* The keys that only a device with pre_copy can use. */
/* Has the address at devices[gi].vfio.<side>[k] been named before it (in
 * file order: groups, then source before destination, then list order)?
 * Then fill path and err and return 1. */
static int vfio_repeat(const struct scenario *s, size_t gi, int side, size_t k, char *path,
                       size_t pathlen, char *err, size_t errlen)
{
	static const char *const key[] = {"source", "destination"};
	const struct scn_device_group *g = &s->groups[gi];
	const char *a = (side ? g->vfio_destination : g->vfio_source)[k];
	for (size_t j = 0; j <= gi; j++) {
		const struct scn_device_group *h = &s->groups[j];
		for (int sd = 0; sd < 2; sd++) {
			char **list = sd ? h->vfio_destination : h->vfio_source;
			size_t n = sd ? h->n_vfio_destination : h->n_vfio_source;
			if (j == gi && sd > side)
				break;
			if (j == gi && sd == side)
				n = k;
			for (size_t m = 0; m < n; m++)
				if (strcasecmp(list[m], a) == 0) {
					snprintf(
					    err, errlen,
					    "'%s' is already devices[%zu].vfio.%s[%zu]: a device "
					    "plays one part in a run",
					    a, j, key[sd], m);
					snprintf(path, pathlen, "devices[%zu].vfio.%s[%zu]", gi,
					         key[side], k);
					return 1;
				}
		}
	}
	return 0;
}

static int validate_group_vfio(const struct scenario *s, size_t i, char *path, size_t pathlen,
                               char *err, size_t errlen)
{
	const struct scn_device_group *g = &s->groups[i];
	if (g->backend != BACKEND_VFIO) {
		if (g->n_vfio_source || g->n_vfio_destination) {
			snprintf(err, errlen,
			         "device addresses need backend: vfio (this group is '%s')",
			         device_backend_name(g->backend));
			FAIL("devices[%zu].vfio", i);
		}
		return 0;
	}
	if (!g->n_vfio_source && !g->n_vfio_destination) {
		snprintf(err, errlen,
		         "backend vfio needs the devices: vfio: {source: [...], destination: "
		         "[...]}, %u PCI address(es) or mdev UUID(s) each",
		         g->count);
		FAIL("devices[%zu].vfio", i);
	}
	for (int side = 0; side < 2; side++) {
		char **list = side ? g->vfio_destination : g->vfio_source;
		size_t n = side ? g->n_vfio_destination : g->n_vfio_source;
		const char *key = side ? "destination" : "source";
		if (n && n != g->count) {
			snprintf(err, errlen,
			         "%zu address(es) for %u device(s): list one per device (count), "
			         "or none when this host plays only the other end",
			         n, g->count);
			FAIL("devices[%zu].vfio.%s", i, key);
		}
		for (size_t k = 0; k < n; k++) {
			if (!scenario_vfio_address_ok(list[k])) {
				snprintf(err, errlen,
				         "'%s' is not a device address: expected a PCI address "
				         "(0000:3b:00.2) or an mdev UUID",
				         list[k]);
				FAIL("devices[%zu].vfio.%s[%zu]", i, key, k);
			}
			if (vfio_repeat(s, i, side, k, path, pathlen, err, errlen))
				return -1;
		}
	}
	return 0;
fail:
	return -1;
}

static int validate_group_precopy(const struct scn_device_group *g, size_t i, char *path,
                                  size_t pathlen, char *err, size_t errlen)
{
	bool pre_copy = g->caps & VFIO_CAP_PRE_COPY;

	if (!seconds_ok(g->init_load_fixed_s)) {
		snprintf(err, errlen, "must be a duration >= 0");
		FAIL("devices[%zu].init_load.fixed", i);
	}
	if (!rate_ok(g->init_load_Bps)) {
		snprintf(err, errlen, "must be a rate >= 0 (0 = instant)");
		FAIL("devices[%zu].init_load.rate", i);
	}
	if (!pre_copy && (g->init_load_fixed_s > 0 || g->init_load_Bps > 0)) {
		snprintf(err, errlen,
		         "a pre-allocation without pre_copy (only the precopy header "
		         "announces a stop-copy size): add pre_copy to capabilities or "
		         "remove init_load");
		FAIL("devices[%zu].init_load", i);
	}
	if (precopy_v2_name(g->precopy_info_v2)[0] == '?') {
		snprintf(err, errlen, "expected supported, unsupported or error");
		FAIL("devices[%zu].precopy_info_v2", i);
	}
	if (!pre_copy && g->precopy_info_v2 != PRECOPY_V2_UNSUPPORTED) {
		snprintf(
		    err, errlen,
		    "precopy_info_v2 is %s without pre_copy: QEMU only asks a device with "
		    "pre_copy to opt in to PRECOPY_INFOv2 (docs/domain.md section 6); add pre_copy "
		    "to capabilities or remove precopy_info_v2",
		    precopy_v2_name(g->precopy_info_v2));
		FAIL("devices[%zu].precopy_info_v2", i);
	}
	for (size_t k = 0; k < g->n_reinit_times; k++) {
		char a[32], b[32];

		if (!seconds_ok(g->reinit_times[k])) {
			snprintf(err, errlen, "must be a duration >= 0 (since setup)");
			FAIL("devices[%zu].reinit.times[%zu]", i, k);
		}
		if (k && g->reinit_times[k] < g->reinit_times[k - 1]) {
			units_format_duration(g->reinit_times[k], a, sizeof(a));
			units_format_duration(g->reinit_times[k - 1], b, sizeof(b));
			snprintf(err, errlen,
			         "%s comes after %s in the list but is earlier: list the times in "
			         "increasing order",
			         a, b);
			FAIL("devices[%zu].reinit.times[%zu]", i, k);
		}
	}
	if (!seconds_ok(g->reinit_interval_s)) {
		snprintf(err, errlen, "must be a duration >= 0 (0 = no Poisson REINITs)");
		FAIL("devices[%zu].reinit.interval", i);
	}
	if (g->reinit_chunk.unit != DIST_UNIT_BYTES) {
		snprintf(err, errlen, "must be a distribution of sizes, such as 4MiB");
		FAIL("devices[%zu].reinit.chunk", i);
	}
	/* Any REINIT setting counts, even a chunk size alone. */
	if (!pre_copy && (g->n_reinit_times || g->reinit_interval_s > 0 ||
	                  !dist_eq(&g->reinit_chunk, &scenario_default_group.reinit_chunk))) {
		snprintf(err, errlen,
		         "reinit set without pre_copy (REINIT re-initialises precopy "
		         "initial bytes): add pre_copy to capabilities or remove reinit");
		FAIL("devices[%zu].reinit", i);
	}
	if (!probability_ok(g->final_check_failure)) {
		snprintf(err, errlen, "%g: expected a probability from 0 to 1",
		         g->final_check_failure);
		FAIL("devices[%zu].final_check_failure", i);
	}
	if (!probability_ok(g->arc_cpu_fraction)) {
		snprintf(err, errlen, "%g: expected a fraction from 0 to 1", g->arc_cpu_fraction);
		FAIL("devices[%zu].arc_cpu_fraction", i);
	}
	if (!pre_copy && g->final_check_failure > 0) {
		snprintf(err, errlen,
		         "a failing final REINIT check without pre_copy (the check is a "
		         "precopy-info query, made only by a pre_copy device): add pre_copy to "
		         "capabilities or remove final_check_failure");
		FAIL("devices[%zu].final_check_failure", i);
	}
	if (g->precopy_save_error && !(pre_copy && g->precopy_dirty_Bps > 0)) {
		snprintf(err, errlen,
		         "a failing incremental save needs pre_copy and a precopy_dirty_rate "
		         "above 0 (only a device whose state changes in precopy saves "
		         "incremental images): add them or remove precopy_save_error");
		FAIL("devices[%zu].precopy_save_error", i);
	}
	return 0;
fail:
	return -1;
}

/* Injected arc failures: a device that exists, an arc it can take. */
static int validate_faults(const struct scenario *s, char *path, size_t pathlen, char *err,
                           size_t errlen)
{
	for (size_t i = 0; i < s->n_faults; i++) {
		const struct scn_fault *f = &s->faults[i];
		const struct scn_device_group *g;
		char name[SCENARIO_MAX_NAME + 16], caps[64], arcs[512];
		const char *key;
		int back_g, back_d;

		if (f->group < 0 || (size_t)f->group >= s->n_groups) {
			snprintf(err, errlen, "no such device group (index %d of %zu)", f->group,
			         s->n_groups);
			FAIL("faults[%zu].device", i);
		}
		g = &s->groups[f->group];
		if (f->device < -1 || (f->device >= 0 && (unsigned)f->device >= g->count)) {
			snprintf(err, errlen,
			         "device %d of group '%s', which has %u: expected 0 to %u, or -1 "
			         "for all",
			         f->device, g->name, g->count, g->count - 1);
			FAIL("faults[%zu].device", i);
		}
		/* The name the file carries must lead back to this very device. */
		scenario_fault_target(s, f, name, sizeof(name));
		if (scenario_device_lookup(s, name, &back_g, &back_d) != 1) {
			snprintf(err, errlen,
			         "'%s' names more than one device (a group name that is also "
			         "an instance name, <group><index>, of another group): rename one "
			         "group",
			         name);
			FAIL("faults[%zu].device", i);
		}
		key = arc_key(f->from, f->to);
		if (!key) {
			snprintf(err, errlen,
			         "%s -> %s is not an arc of the VFIO state machine: expected a "
			         "latency arc key such as pre_copy_p2p_to_stop_copy",
			         vfio_state_name(f->from), vfio_state_name(f->to));
			FAIL("faults[%zu].arc", i);
		}
		if (!vfio_fsm_is_device_arc(f->from, f->to, g->caps)) {
			caps_text(g->caps, caps, sizeof(caps));
			device_arcs_text(g->caps, arcs, sizeof(arcs));
			snprintf(err, errlen,
			         "%s '%s' (capabilities %s) never takes the arc %s: expected "
			         "one of %s",
			         f->device < 0 ? "device group" : "device", name, caps, key, arcs);
			FAIL("faults[%zu].arc", i);
		}
		if (!probability_ok(f->probability)) {
			snprintf(err, errlen, "%g: expected a probability from 0 to 1",
			         f->probability);
			FAIL("faults[%zu].probability", i);
		}
	}
	return 0;
fail:
	return -1;
}

double scenario_run_records(const struct scenario *s)
{
	double records = 0;
	for (size_t i = 0; i < s->n_groups; i++) {
		const struct scn_device_group *g = &s->groups[i];
		double image =
		    (double)g->state_bytes + (double)g->header_bytes + (double)g->initial_bytes;
		double reinit = 0;
		if (g->reinit_interval_s > 0)
			reinit = s->max_time_s * (1 / g->reinit_interval_s);
		reinit += (double)g->n_reinit_times;
		if (reinit > 0)
			reinit *= dist_mean(&g->reinit_chunk);
		records += g->count * (ceil(image / (double)s->chunk_bytes) +
		                       ceil(reinit / (double)s->chunk_bytes));
	}
	return records;
}

/* The work of a run (issue 17, defect 7): device data and REINIT rate per
 * group, then records (chunk-sized reads) over all groups.  The estimate
 * is a lower bound (every image read once, each REINIT's chunk once over
 * the whole precopy time), so what is refused cannot finish. */
static int validate_run_size(const struct scenario *s, char *path, size_t pathlen, char *err,
                             size_t errlen)
{
	char a[32], b[32];
	double bytes = 0;

	for (size_t i = 0; i < s->n_groups; i++) {
		const struct scn_device_group *g = &s->groups[i];
		double image =
		    (double)g->state_bytes + (double)g->header_bytes + (double)g->initial_bytes;

		bytes += g->count * image;
		if (bytes > (double)SCENARIO_MAX_RUN_BYTES) {
			char c[32];
			units_format_bytes(g->state_bytes, a, sizeof(a));
			units_format_bytes(bytes < 0x1p64 ? (uint64_t)bytes : UINT64_MAX, b,
			                   sizeof(b));
			units_format_bytes(SCENARIO_MAX_RUN_BYTES, c, sizeof(c));
			snprintf(err, errlen,
			         "%s per device: %s of device data per run (this group and the "
			         "ones before it), over the limit of %s",
			         a, b, c);
			FAIL("devices[%zu].state_size", i);
		}
		if (g->reinit_interval_s > 0) {
			double per_s = 1 / g->reinit_interval_s;
			if (per_s > SCENARIO_MAX_REINIT_PER_S) {
				units_format_duration(g->reinit_interval_s, a, sizeof(a));
				units_format_duration(1 / SCENARIO_MAX_REINIT_PER_S, b, sizeof(b));
				snprintf(err, errlen,
				         "%s: %.0f REINIT events per second of precopy, over the "
				         "limit of %.0f; use at least %s",
				         a, per_s, SCENARIO_MAX_REINIT_PER_S, b);
				FAIL("devices[%zu].reinit.interval", i);
			}
		}
	}
	double records = scenario_run_records(s);
	if (records > (double)SCENARIO_MAX_RUN_RECORDS) {
		/* The smallest chunk that brings the estimate under the limit. */
		double need = s->chunk_bytes * (records / (double)SCENARIO_MAX_RUN_RECORDS);
		units_format_bytes(s->chunk_bytes, a, sizeof(a));
		units_format_bytes(need < 0x1p63 ? (uint64_t)ceil(need) : UINT64_MAX, b, sizeof(b));
		snprintf(err, errlen,
		         "%s chunks: %.0f records per run (device state and REINIT data / "
		         "chunk size), over the limit of %llu; use at least %s or less "
		         "device data",
		         a, records, SCENARIO_MAX_RUN_RECORDS, b);
		FAIL("migration.chunk_size");
	}
	return 0;
fail:
	return -1;
}

int scenario_validate(const struct scenario *s, char *path, size_t pathlen, char *err,
                      size_t errlen)
{
	size_t total = 0;
	char words[128];
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
	if (s->vcpus < 1 || s->vcpus > SCENARIO_MAX_VCPUS) {
		snprintf(err, errlen, "%u vCPUs: expected 1 to %d", s->vcpus, SCENARIO_MAX_VCPUS);
		FAIL("vm.vcpus");
	}
	if (s->hosts_shared && s->hosts[1].cores != s->hosts[0].cores) {
		snprintf(err, errlen,
		         "%u cores, but hosts.shared puts both ends on one machine of %u (the "
		         "source's): give both the same count",
		         s->hosts[1].cores, s->hosts[0].cores);
		FAIL("hosts.destination.cores");
	}
	for (int h = 0; h < 2; h++) {
		const struct scn_host *x = &s->hosts[h];
		const char *side = h ? "destination" : "source";
		if (x->cores > SCENARIO_MAX_CORES) {
			snprintf(err, errlen, "%u cores: expected 0 (unlimited) to %d", x->cores,
			         SCENARIO_MAX_CORES);
			FAIL("hosts.%s.cores", side);
		}
		const struct {
			const char *key;
			double v;
		} costs[] = {{"send_cpu_per_byte", x->send_cpu_s_per_byte},
		             {"recv_cpu_per_byte", x->recv_cpu_s_per_byte},
		             {"vcpu_pause", x->vcpu_pause_s},
		             {"vcpu_resume", x->vcpu_resume_s},
		             {"wake_latency", x->wake_latency_s},
		             {"task_cpu", x->task_cpu_s},
		             {"sleep_cpu", x->sleep_cpu_s},
		             {"unblock_cpu", x->unblock_cpu_s},
		             {"send_cpu_per_frame", x->send_cpu_s_per_frame},
		             {"recv_cpu_per_frame", x->recv_cpu_s_per_frame},
		             {"device_read_cpu", x->device_read_cpu_s},
		             {"device_read_end_cpu", x->device_read_end_cpu_s},
		             {"device_write_cpu", x->device_write_cpu_s},
		             {"thread_create", x->thread_create_s},
		             {"thread_wake", x->thread_wake_s},
		             {"thread_create_wait", x->thread_create_wait_s},
		             {"thread_wake_wait", x->thread_wake_wait_s},
		             {"thread_create_new_stack", x->thread_create_new_stack_s}};
		if (x->thread_stack_cache > SCENARIO_MAX_STACK_CACHE) {
			snprintf(err, errlen, "%u stacks: expected 0 to %d", x->thread_stack_cache,
			         SCENARIO_MAX_STACK_CACHE);
			FAIL("hosts.%s.thread_stack_cache", side);
		}
		for (size_t k = 0; k < sizeof costs / sizeof costs[0]; k++)
			if (!seconds_ok(costs[k].v)) {
				snprintf(err, errlen, "must be a duration >= 0");
				FAIL("hosts.%s.%s", side, costs[k].key);
			}
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
	if (thread_mode_name(s->threads)[0] == '?') {
		names_list(&scenario_thread_mode_names, words, sizeof(words));
		snprintf(err, errlen, "unknown thread mode: expected %s", words);
		FAIL("migration.threads");
	}
	if (!seconds_ok(s->thread_wake_s)) {
		snprintf(err, errlen, "must be a duration >= 0");
		FAIL("migration.thread_wake");
	}
	if (multifd_transfer_name(s->multifd_transfer)[0] == '?') {
		names_list(&scenario_multifd_transfer_names, words, sizeof(words));
		snprintf(err, errlen, "unknown multifd transfer mode: expected %s", words);
		FAIL("migration.multifd_transfer");
	}
	/* QEMU refuses x-migration-multifd-transfer=on without multifd. */
	if (s->multifd_transfer == MULTIFD_TRANSFER_ON && s->multifd_channels == 0) {
		snprintf(
		    err, errlen,
		    "on needs multifd channels (network.multifd_channels > 0), as QEMU "
		    "refuses x-migration-multifd-transfer=on without multifd; use auto or off");
		FAIL("migration.multifd_transfer");
	}
	for (size_t i = 0; i < s->n_groups; i++) {
		const struct scn_device_group *g = &s->groups[i];
		if (!g->multifd_transfer_set)
			continue;
		if (multifd_transfer_name(g->multifd_transfer)[0] == '?') {
			names_list(&scenario_multifd_transfer_names, words, sizeof(words));
			snprintf(err, errlen, "unknown multifd transfer mode: expected %s", words);
			FAIL("devices[%zu].multifd_transfer", i);
		}
		if (g->multifd_transfer == MULTIFD_TRANSFER_ON && s->multifd_channels == 0) {
			snprintf(err, errlen,
			         "on needs multifd channels (network.multifd_channels > 0), as "
			         "QEMU refuses the device's x-migration-multifd-transfer=on "
			         "without multifd; use auto or off");
			FAIL("devices[%zu].multifd_transfer", i);
		}
	}
	if (validate_ack(s, path, pathlen, err, errlen))
		goto fail;
	if (late_ack_rule_name(s->late_ack_rule)[0] == '?') {
		names_list(&scenario_late_ack_rule_names, words, sizeof(words));
		snprintf(err, errlen, "unknown late-ACK rule: expected %s", words);
		FAIL("migration.late_ack_rule");
	}
	if (s->stop_gap.unit != DIST_UNIT_SECONDS) {
		snprintf(err, errlen, "must be a distribution of durations, such as 100us");
		FAIL("migration.stop_gap");
	}
	if (event_design_name(s->event_design)[0] == '?') {
		names_list(&scenario_event_design_names, words, sizeof(words));
		snprintf(err, errlen, "unknown event design: expected %s", words);
		FAIL("events.design");
	}
	if (!(isfinite(s->rdma_timeout_s) && s->rdma_timeout_s > 0)) {
		snprintf(err, errlen, "the RDMA timeout must be a duration > 0, such as 50ms");
		FAIL("events.rdma_timeout");
	}
	if (nonresponsive_from_name(s->nonresponsive_from)[0] == '?') {
		names_list(&scenario_nonresponsive_from_names, words, sizeof(words));
		snprintf(err, errlen, "expected %s", words);
		FAIL("events.nonresponsive_from");
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
		if (g->header_bytes && !(g->caps & VFIO_CAP_PRE_COPY)) {
			snprintf(err, errlen,
			         "an image header without pre_copy (the header announces the "
			         "stop-copy size in precopy): add pre_copy to capabilities or "
			         "remove header_size");
			FAIL("devices[%zu].header_size", i);
		}
		if (!rate_ok(g->save_Bps)) {
			snprintf(err, errlen, "must be a rate >= 0 (0 = instant)");
			FAIL("devices[%zu].save_rate", i);
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
		if (!rate_ok(g->load_Bps)) {
			snprintf(err, errlen, "must be a rate >= 0 (0 = instant)");
			FAIL("devices[%zu].load.rate", i);
		}
		if (!seconds_ok(g->load_image_s)) {
			snprintf(err, errlen, "must be a duration >= 0");
			FAIL("devices[%zu].load.image", i);
		}
		if (validate_group_precopy(g, i, path, pathlen, err, errlen))
			goto fail;
		if (g->domain < -1 || g->domain >= (int)s->n_domains) {
			snprintf(err, errlen, "no such domain (index %d of %zu)", g->domain,
			         s->n_domains);
			FAIL("devices[%zu].domain", i);
		}
		if (validate_group_vfio(s, i, path, pathlen, err, errlen))
			goto fail;
	}
	if (validate_run_size(s, path, pathlen, err, errlen))
		goto fail;
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
	if (rc)
		return rc;
	/* After the names: a fault's device is found by its name. */
	return validate_faults(s, path, pathlen, err, errlen);
fail:
	return -1;
}

/* ---- equality ---- */

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool group_eq(const struct scn_device_group *a, const struct scn_device_group *b)
{
	if (!str_eq(a->name, b->name) || !str_eq(a->profile, b->profile) || a->count != b->count ||
	    a->depth != b->depth || a->caps != b->caps || a->state_bytes != b->state_bytes ||
	    a->header_bytes != b->header_bytes || a->save_Bps != b->save_Bps ||
	    a->initial_bytes != b->initial_bytes || a->precopy_dirty_Bps != b->precopy_dirty_Bps ||
	    !dist_eq(&a->query_latency, &b->query_latency) || a->load_fixed_s != b->load_fixed_s ||
	    a->load_Bps != b->load_Bps || a->load_image_s != b->load_image_s ||
	    a->init_load_fixed_s != b->init_load_fixed_s || a->init_load_Bps != b->init_load_Bps ||
	    a->precopy_info_v2 != b->precopy_info_v2 || a->n_reinit_times != b->n_reinit_times ||
	    a->reinit_interval_s != b->reinit_interval_s ||
	    !dist_eq(&a->reinit_chunk, &b->reinit_chunk) ||
	    a->final_check_failure != b->final_check_failure ||
	    a->precopy_save_error != b->precopy_save_error ||
	    a->destination_starts_running != b->destination_starts_running ||
	    a->domain != b->domain || a->multifd_transfer_set != b->multifd_transfer_set ||
	    (a->multifd_transfer_set && a->multifd_transfer != b->multifd_transfer) ||
	    a->backend != b->backend || a->vfio_interface != b->vfio_interface ||
	    a->arc_cpu_fraction != b->arc_cpu_fraction || a->n_vfio_source != b->n_vfio_source ||
	    a->n_vfio_destination != b->n_vfio_destination)
		return false;
	for (size_t i = 0; i < a->n_vfio_source; i++)
		if (!str_eq(a->vfio_source[i], b->vfio_source[i]))
			return false;
	for (size_t i = 0; i < a->n_vfio_destination; i++)
		if (!str_eq(a->vfio_destination[i], b->vfio_destination[i]))
			return false;
	for (size_t i = 0; i < a->n_reinit_times; i++)
		if (a->reinit_times[i] != b->reinit_times[i])
			return false;
	for (int f = 0; f < VFIO_STATE_COUNT; f++)
		for (int t = 0; t < VFIO_STATE_COUNT; t++)
			if (!dist_eq(&a->arc_latency[f][t], &b->arc_latency[f][t]))
				return false;
	return true;
}

/* In a group of one, device 0 and -1 (every device) are the same device,
 * and a file cannot tell them apart. */
static int fault_device(const struct scenario *s, const struct scn_fault *f)
{
	bool single =
	    f->group >= 0 && (size_t)f->group < s->n_groups && s->groups[f->group].count == 1;
	return single && f->device == 0 ? -1 : f->device;
}

/* Faults of a and b, given that a and b have equal groups. */
static bool fault_eq(const struct scenario *s, const struct scn_fault *x, const struct scn_fault *y)
{
	return x->group == y->group && fault_device(s, x) == fault_device(s, y) &&
	       x->from == y->from && x->to == y->to && x->probability == y->probability;
}

bool scenario_equal(const struct scenario *a, const struct scenario *b)
{
	if (a->multifd_transfer != b->multifd_transfer)
		return false;
	if (!str_eq(a->name, b->name) || !str_eq(a->description, b->description) ||
	    a->ram_bytes != b->ram_bytes || a->ram_dirty_Bps != b->ram_dirty_Bps ||
	    a->bandwidth_Bps != b->bandwidth_Bps || a->latency_s != b->latency_s ||
	    a->multifd_channels != b->multifd_channels ||
	    a->downtime_limit_s != b->downtime_limit_s || a->strategy != b->strategy ||
	    a->max_iterations != b->max_iterations || a->max_time_s != b->max_time_s ||
	    a->chunk_bytes != b->chunk_bytes || a->thread_create_s != b->thread_create_s ||
	    a->thread_join_s != b->thread_join_s || a->threads != b->threads ||
	    a->thread_wake_s != b->thread_wake_s || a->ack_src != b->ack_src ||
	    a->ack_dst != b->ack_dst || a->late_ack_rule != b->late_ack_rule ||
	    !dist_eq(&a->stop_gap, &b->stop_gap) || a->event_design != b->event_design ||
	    a->rdma_timeout_s != b->rdma_timeout_s ||
	    a->nonresponsive_from != b->nonresponsive_from || a->n_faults != b->n_faults ||
	    a->n_domains != b->n_domains || a->n_groups != b->n_groups ||
	    a->n_handlers != b->n_handlers || a->runs != b->runs || a->seed != b->seed ||
	    a->vcpus != b->vcpus || a->hosts_shared != b->hosts_shared)
		return false;
	for (int h = 0; h < 2; h++) {
		const struct scn_host *x = &a->hosts[h], *y = &b->hosts[h];
		if (!str_eq(x->profile, y->profile) || x->cores != y->cores ||
		    x->send_cpu_s_per_byte != y->send_cpu_s_per_byte ||
		    x->recv_cpu_s_per_byte != y->recv_cpu_s_per_byte ||
		    x->vcpu_pause_s != y->vcpu_pause_s || x->vcpu_resume_s != y->vcpu_resume_s ||
		    x->wake_latency_s != y->wake_latency_s || x->task_cpu_s != y->task_cpu_s ||
		    x->sleep_cpu_s != y->sleep_cpu_s || x->unblock_cpu_s != y->unblock_cpu_s ||
		    x->send_cpu_s_per_frame != y->send_cpu_s_per_frame ||
		    x->recv_cpu_s_per_frame != y->recv_cpu_s_per_frame ||
		    x->device_read_cpu_s != y->device_read_cpu_s ||
		    x->device_read_end_cpu_s != y->device_read_end_cpu_s ||
		    x->device_write_cpu_s != y->device_write_cpu_s ||
		    x->has_thread_create != y->has_thread_create ||
		    x->has_thread_wake != y->has_thread_wake ||
		    x->thread_create_s != y->thread_create_s ||
		    x->thread_wake_s != y->thread_wake_s ||
		    x->thread_create_wait_s != y->thread_create_wait_s ||
		    x->thread_wake_wait_s != y->thread_wake_wait_s ||
		    x->thread_create_new_stack_s != y->thread_create_new_stack_s ||
		    x->thread_stack_cache != y->thread_stack_cache)
			return false;
	}
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
	for (size_t i = 0; i < a->n_faults; i++)
		if (!fault_eq(a, &a->faults[i], &b->faults[i]))
			return false;
	return true;
}
