/*
 * test_vfio_fsm.c - the migration state machine, every (from, to, caps).
 *
 * vfio_fsm_next is checked against three descriptions that do not share code
 * or data with it, so one mistake cannot hide in two places:
 *   (a) a brute-force search of all simple paths over this file's own copy
 *       of the arcs, keeping the shortest one the kernel's rule admits;
 *   (b) the full-capability paths as read off the kernel's
 *       vfio_from_fsm_table (drivers/vfio/vfio_main.c) by hand;
 *   (c) the invariants of every walk (direct arcs only, admissible interior,
 *       distance) and the kernel's treatment of a device without P2P: its
 *       paths are the full-capability ones with the P2P states left out.
 * Then the paths the migration model actually takes, and the names.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "vfio_fsm.h"

#define ST(s)   VFIO_STATE_##s
#define CAP_SC  VFIO_CAP_STOP_COPY
#define CAP_P2P VFIO_CAP_P2P
#define CAP_PRE VFIO_CAP_PRE_COPY

/* The capability sets a migratable device can have. */
static const uint32_t device_caps[] = {CAP_SC, CAP_SC | CAP_P2P, CAP_SC | CAP_PRE, VFIO_CAP_ALL};
/* Without the mandatory STOP_COPY nothing is reachable. */
static const uint32_t broken_caps[] = {0, CAP_P2P, CAP_PRE, CAP_P2P | CAP_PRE};

#define N_DEVICE_CAPS (sizeof device_caps / sizeof device_caps[0])
#define N_BROKEN_CAPS (sizeof broken_caps / sizeof broken_caps[0])

/* ---- the reference: this file's own reading of the uAPI ---- */

/* Capabilities each state needs (uAPI: "optional states"). */
static const uint32_t ref_caps_needed[VFIO_STATE_COUNT] = {
    [ST(STOP)] = CAP_SC,
    [ST(RUNNING)] = CAP_SC,
    [ST(STOP_COPY)] = CAP_SC,
    [ST(RESUMING)] = CAP_SC,
    [ST(RUNNING_P2P)] = CAP_SC | CAP_P2P,
    [ST(PRE_COPY)] = CAP_SC | CAP_PRE,
    [ST(PRE_COPY_P2P)] = CAP_SC | CAP_P2P | CAP_PRE,
};

static bool ref_supported(enum vfio_state s, uint32_t caps)
{
	return s != ST(ERROR) && (caps & ref_caps_needed[s]) == ref_caps_needed[s];
}

static bool ref_saving(enum vfio_state s)
{
	return s == ST(PRE_COPY) || s == ST(PRE_COPY_P2P) || s == ST(STOP_COPY);
}

/* The arcs a driver implements, from the comment above the kernel's table:
 * docs/domain.md §1's 15, and the three a driver without P2P implements instead of
 * going through RUNNING_P2P / PRE_COPY_P2P. */
static const struct {
	enum vfio_state from, to;
	bool without_p2p;
} ref_arcs[] = {
    {ST(RUNNING), ST(RUNNING_P2P), false},
    {ST(RUNNING), ST(PRE_COPY), false},
    {ST(RUNNING_P2P), ST(STOP), false},
    {ST(RUNNING_P2P), ST(RUNNING), false},
    {ST(RUNNING_P2P), ST(PRE_COPY_P2P), false},
    {ST(STOP), ST(RUNNING_P2P), false},
    {ST(STOP), ST(STOP_COPY), false},
    {ST(STOP), ST(RESUMING), false},
    {ST(STOP_COPY), ST(STOP), false},
    {ST(RESUMING), ST(STOP), false},
    {ST(PRE_COPY), ST(RUNNING), false},
    {ST(PRE_COPY), ST(PRE_COPY_P2P), false},
    {ST(PRE_COPY_P2P), ST(RUNNING_P2P), false},
    {ST(PRE_COPY_P2P), ST(PRE_COPY), false},
    {ST(PRE_COPY_P2P), ST(STOP_COPY), false},
    {ST(RUNNING), ST(STOP), true},
    {ST(STOP), ST(RUNNING), true},
    {ST(PRE_COPY), ST(STOP_COPY), true},
};

static bool ref_is_arc(enum vfio_state from, enum vfio_state to, uint32_t caps)
{
	if (!ref_supported(from, caps) || !ref_supported(to, caps))
		return false;
	for (size_t i = 0; i < sizeof ref_arcs / sizeof ref_arcs[0]; i++)
		if (ref_arcs[i].from == from && ref_arcs[i].to == to &&
		    (!ref_arcs[i].without_p2p || !(caps & CAP_P2P)))
			return true;
	return false;
}

/*
 * The kernel's path rule (what its table does, which is not quite what the
 * uAPI prose says): no saving or resuming state in the interior of a path,
 * except that a path between two saving states stays inside the saving
 * group.  ERROR never appears because it is never supported.
 */
static bool ref_admissible(const enum vfio_state *path, int n_states)
{
	enum vfio_state from = path[0], to = path[n_states - 1];
	bool within_saving = ref_saving(from) && ref_saving(to);
	for (int i = 0; i < n_states; i++) {
		bool interior = i > 0 && i < n_states - 1;
		if (within_saving && !ref_saving(path[i]))
			return false;
		if (!within_saving && interior && (ref_saving(path[i]) || path[i] == ST(RESUMING)))
			return false;
	}
	return true;
}

struct ref_result {
	int arcs;  /* length of the shortest admissible path, -1: none */
	int count; /* how many admissible paths have that length */
	enum vfio_state path[VFIO_STATE_COUNT];
};

static void ref_search(enum vfio_state *path, int n_states, bool *on_path, enum vfio_state to,
                       uint32_t caps, struct ref_result *r)
{
	if (path[n_states - 1] == to) {
		int arcs = n_states - 1;
		if (!ref_admissible(path, n_states))
			return;
		if (r->arcs < 0 || arcs < r->arcs) {
			r->arcs = arcs;
			r->count = 1;
			memcpy(r->path, path, sizeof r->path);
		} else if (arcs == r->arcs) {
			r->count++;
		}
		return;
	}
	for (int s = 0; s < VFIO_STATE_COUNT; s++) {
		if (on_path[s] || !ref_is_arc(path[n_states - 1], s, caps))
			continue;
		on_path[s] = true;
		path[n_states] = s;
		ref_search(path, n_states + 1, on_path, to, caps, r);
		on_path[s] = false;
	}
}

static struct ref_result ref_shortest(enum vfio_state from, enum vfio_state to, uint32_t caps)
{
	struct ref_result r = {.arcs = -1};
	if (!ref_supported(from, caps) || !ref_supported(to, caps))
		return r;
	enum vfio_state path[VFIO_STATE_COUNT] = {from};
	bool on_path[VFIO_STATE_COUNT] = {false};
	on_path[from] = true;
	ref_search(path, 1, on_path, to, caps, &r);
	return r;
}

/* ---- walking the library's FSM ---- */

/* Follows vfio_fsm_next from `from` to `to`; returns the number of arcs, or
 * -1 when it hits ERROR or would revisit a state. */
static int walk(enum vfio_state from, enum vfio_state to, uint32_t caps,
                enum vfio_state path[VFIO_STATE_COUNT])
{
	path[0] = from;
	for (int arcs = 0; arcs < VFIO_STATE_COUNT; arcs++) {
		enum vfio_state next = vfio_fsm_next(path[arcs], to, caps);
		if (next == ST(ERROR))
			return -1;
		if (next == path[arcs])
			return next == to ? arcs : -1;
		for (int i = 0; i <= arcs; i++)
			if (path[i] == next)
				return -1;
		if (arcs + 1 == VFIO_STATE_COUNT)
			return -1;
		path[arcs + 1] = next;
	}
	return -1;
}

/* "PRE_COPY -> PRE_COPY_P2P -> STOP_COPY", or NULL when unreachable. */
static const char *walk_str(enum vfio_state from, enum vfio_state to, uint32_t caps)
{
	static char buf[160];
	enum vfio_state path[VFIO_STATE_COUNT];
	int arcs = walk(from, to, caps, path);
	if (arcs < 0)
		return NULL;
	buf[0] = '\0';
	for (int i = 0; i <= arcs; i++) {
		if (i)
			strcat(buf, " -> ");
		strcat(buf, vfio_state_name(path[i]));
	}
	return buf;
}

/* Number of arcs in a path written as "A -> B -> C". */
static int path_arcs(const char *path)
{
	int arcs = 0;
	for (const char *p = strstr(path, " -> "); p; p = strstr(p + 1, " -> "))
		arcs++;
	return arcs;
}

/* The walk from `from` to `to` is exactly `expected` (NULL: unreachable). */
static void assert_walk(enum vfio_state from, enum vfio_state to, uint32_t caps,
                        const char *expected)
{
	const char *got = walk_str(from, to, caps);
	bool same = expected ? got && strcmp(got, expected) == 0 : !got;
	if (!same)
		fprintf(stderr, "\n  %s -> %s, caps %#x: got \"%s\", want \"%s\"\n",
		        vfio_state_name(from), vfio_state_name(to), (unsigned)caps,
		        got ? got : "(unreachable)", expected ? expected : "(unreachable)");
	CU_ASSERT(same);
	if (expected) {
		CU_ASSERT_EQUAL(vfio_fsm_distance(from, to, caps), path_arcs(expected));
	} else {
		CU_ASSERT_EQUAL(vfio_fsm_next(from, to, caps), ST(ERROR));
		CU_ASSERT_EQUAL(vfio_fsm_distance(from, to, caps), -1);
	}
}

/* ---- the kernel's own bug ---- */

/* The kernel's skip loop spun forever on these (ERROR is never a supported
 * state, so the loop never stopped stepping over it).  The alarm turns a
 * regression into a failed run instead of a hung one; it runs first. */
static void test_blocked_arcs_terminate(void)
{
	alarm(10);
	CU_ASSERT_EQUAL(vfio_fsm_next(ST(STOP_COPY), ST(PRE_COPY), VFIO_CAP_ALL), ST(ERROR));
	CU_ASSERT_EQUAL(vfio_fsm_next(ST(STOP_COPY), ST(PRE_COPY_P2P), VFIO_CAP_ALL), ST(ERROR));
	CU_ASSERT_EQUAL(vfio_fsm_next(ST(STOP_COPY), ST(PRE_COPY), CAP_SC | CAP_PRE), ST(ERROR));
	alarm(0);
}

/* ---- (a) against the brute-force search ---- */

static void check_against_search(uint32_t caps)
{
	for (int from = 0; from < VFIO_STATE_COUNT; from++) {
		for (int to = 0; to < VFIO_STATE_COUNT; to++) {
			struct ref_result ref = ref_shortest(from, to, caps);
			enum vfio_state path[VFIO_STATE_COUNT];
			int arcs = walk(from, to, caps, path);
			CU_ASSERT_EQUAL(arcs, ref.arcs);
			CU_ASSERT_EQUAL(vfio_fsm_distance(from, to, caps), ref.arcs);
			if (ref.arcs < 0) {
				CU_ASSERT_EQUAL(vfio_fsm_next(from, to, caps), ST(ERROR));
				continue;
			}
			/* The rule leaves no tie for the table to break. */
			CU_ASSERT_EQUAL(ref.count, 1);
			if (arcs == ref.arcs)
				CU_ASSERT(memcmp(path, ref.path, (arcs + 1) * sizeof path[0]) == 0);
		}
	}
}

static void test_next_matches_search(void)
{
	for (size_t c = 0; c < N_DEVICE_CAPS; c++)
		check_against_search(device_caps[c]);
	for (size_t c = 0; c < N_BROKEN_CAPS; c++)
		check_against_search(broken_caps[c]);
}

/* The search finds what the kernel table says is (un)reachable: only the
 * blocked STOP_COPY -> PRE_COPY* among supported states. */
static void test_search_reachability(void)
{
	for (size_t c = 0; c < N_DEVICE_CAPS; c++) {
		uint32_t caps = device_caps[c];
		for (int from = 0; from < VFIO_STATE_COUNT; from++) {
			for (int to = 0; to < VFIO_STATE_COUNT; to++) {
				bool blocked = from == ST(STOP_COPY) &&
				               (to == ST(PRE_COPY) || to == ST(PRE_COPY_P2P));
				bool reachable = ref_supported(from, caps) &&
				                 ref_supported(to, caps) && !blocked;
				CU_ASSERT_EQUAL(ref_shortest(from, to, caps).arcs >= 0, reachable);
				CU_ASSERT_EQUAL(vfio_fsm_distance(from, to, caps) >= 0, reachable);
			}
		}
	}
}

/* ---- (b) against the kernel's table, read by hand ---- */

static const char *const kernel_paths[VFIO_STATE_COUNT][VFIO_STATE_COUNT] = {
    [ST(STOP)] =
        {
            [ST(STOP)] = "STOP",
            [ST(RUNNING)] = "STOP -> RUNNING_P2P -> RUNNING",
            [ST(STOP_COPY)] = "STOP -> STOP_COPY",
            [ST(RESUMING)] = "STOP -> RESUMING",
            [ST(RUNNING_P2P)] = "STOP -> RUNNING_P2P",
            [ST(PRE_COPY)] = "STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY",
            [ST(PRE_COPY_P2P)] = "STOP -> RUNNING_P2P -> PRE_COPY_P2P",
        },
    [ST(RUNNING)] =
        {
            [ST(STOP)] = "RUNNING -> RUNNING_P2P -> STOP",
            [ST(RUNNING)] = "RUNNING",
            [ST(STOP_COPY)] = "RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY",
            [ST(RESUMING)] = "RUNNING -> RUNNING_P2P -> STOP -> RESUMING",
            [ST(RUNNING_P2P)] = "RUNNING -> RUNNING_P2P",
            [ST(PRE_COPY)] = "RUNNING -> PRE_COPY",
            [ST(PRE_COPY_P2P)] = "RUNNING -> RUNNING_P2P -> PRE_COPY_P2P",
        },
    [ST(STOP_COPY)] =
        {
            [ST(STOP)] = "STOP_COPY -> STOP",
            [ST(RUNNING)] = "STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING",
            [ST(STOP_COPY)] = "STOP_COPY",
            [ST(RESUMING)] = "STOP_COPY -> STOP -> RESUMING",
            [ST(RUNNING_P2P)] = "STOP_COPY -> STOP -> RUNNING_P2P",
            [ST(PRE_COPY)] = NULL,
            [ST(PRE_COPY_P2P)] = NULL,
        },
    [ST(RESUMING)] =
        {
            [ST(STOP)] = "RESUMING -> STOP",
            [ST(RUNNING)] = "RESUMING -> STOP -> RUNNING_P2P -> RUNNING",
            [ST(STOP_COPY)] = "RESUMING -> STOP -> STOP_COPY",
            [ST(RESUMING)] = "RESUMING",
            [ST(RUNNING_P2P)] = "RESUMING -> STOP -> RUNNING_P2P",
            [ST(PRE_COPY)] = "RESUMING -> STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY",
            [ST(PRE_COPY_P2P)] = "RESUMING -> STOP -> RUNNING_P2P -> PRE_COPY_P2P",
        },
    [ST(RUNNING_P2P)] =
        {
            [ST(STOP)] = "RUNNING_P2P -> STOP",
            [ST(RUNNING)] = "RUNNING_P2P -> RUNNING",
            [ST(STOP_COPY)] = "RUNNING_P2P -> STOP -> STOP_COPY",
            [ST(RESUMING)] = "RUNNING_P2P -> STOP -> RESUMING",
            [ST(RUNNING_P2P)] = "RUNNING_P2P",
            [ST(PRE_COPY)] = "RUNNING_P2P -> RUNNING -> PRE_COPY",
            [ST(PRE_COPY_P2P)] = "RUNNING_P2P -> PRE_COPY_P2P",
        },
    [ST(PRE_COPY)] =
        {
            [ST(STOP)] = "PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP",
            [ST(RUNNING)] = "PRE_COPY -> RUNNING",
            [ST(STOP_COPY)] = "PRE_COPY -> PRE_COPY_P2P -> STOP_COPY",
            [ST(RESUMING)] = "PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP -> RESUMING",
            [ST(RUNNING_P2P)] = "PRE_COPY -> RUNNING -> RUNNING_P2P",
            [ST(PRE_COPY)] = "PRE_COPY",
            [ST(PRE_COPY_P2P)] = "PRE_COPY -> PRE_COPY_P2P",
        },
    [ST(PRE_COPY_P2P)] =
        {
            [ST(STOP)] = "PRE_COPY_P2P -> RUNNING_P2P -> STOP",
            [ST(RUNNING)] = "PRE_COPY_P2P -> RUNNING_P2P -> RUNNING",
            [ST(STOP_COPY)] = "PRE_COPY_P2P -> STOP_COPY",
            [ST(RESUMING)] = "PRE_COPY_P2P -> RUNNING_P2P -> STOP -> RESUMING",
            [ST(RUNNING_P2P)] = "PRE_COPY_P2P -> RUNNING_P2P",
            [ST(PRE_COPY)] = "PRE_COPY_P2P -> PRE_COPY",
            [ST(PRE_COPY_P2P)] = "PRE_COPY_P2P",
        },
};

static void test_next_matches_kernel_table(void)
{
	for (int from = 0; from < VFIO_STATE_COUNT; from++)
		for (int to = 0; to < VFIO_STATE_COUNT; to++)
			assert_walk(from, to, VFIO_CAP_ALL, kernel_paths[from][to]);
}

/* ---- (c) invariants of every walk ---- */

static void test_walk_invariants(void)
{
	for (size_t c = 0; c < N_DEVICE_CAPS; c++) {
		uint32_t caps = device_caps[c];
		for (int from = 0; from < VFIO_STATE_COUNT; from++) {
			for (int to = 0; to < VFIO_STATE_COUNT; to++) {
				enum vfio_state path[VFIO_STATE_COUNT];
				int arcs = walk(from, to, caps, path);
				if (arcs < 0)
					continue;
				CU_ASSERT_EQUAL(path[arcs], (enum vfio_state)to);
				CU_ASSERT_EQUAL(arcs, vfio_fsm_distance(from, to, caps));
				for (int i = 0; i <= arcs; i++) {
					CU_ASSERT(path[i] != ST(ERROR));
					CU_ASSERT(vfio_fsm_state_supported(path[i], caps));
				}
				for (int i = 0; i < arcs; i++) {
					CU_ASSERT(
					    vfio_fsm_is_device_arc(path[i], path[i + 1], caps));
					CU_ASSERT(ref_is_arc(path[i], path[i + 1], caps));
				}
				CU_ASSERT(ref_admissible(path, arcs + 1));
			}
		}
	}
}

/* The kernel steps over unsupported states along the full-capability path,
 * so a smaller device's path is the full one with those states left out. */
static void test_smaller_device_skips_states(void)
{
	for (size_t c = 0; c < N_DEVICE_CAPS; c++) {
		uint32_t caps = device_caps[c];
		for (int from = 0; from < VFIO_STATE_COUNT; from++) {
			for (int to = 0; to < VFIO_STATE_COUNT; to++) {
				if (!ref_supported(from, caps) || !ref_supported(to, caps))
					continue;
				enum vfio_state full[VFIO_STATE_COUNT], got[VFIO_STATE_COUNT];
				enum vfio_state want[VFIO_STATE_COUNT];
				int full_arcs = walk(from, to, VFIO_CAP_ALL, full);
				int got_arcs = walk(from, to, caps, got);
				CU_ASSERT_EQUAL(got_arcs < 0, full_arcs < 0);
				if (full_arcs < 0 || got_arcs < 0)
					continue;
				int n = 0;
				for (int i = 0; i <= full_arcs; i++)
					if (ref_supported(full[i], caps))
						want[n++] = full[i];
				CU_ASSERT_EQUAL(got_arcs + 1, n);
				if (got_arcs + 1 == n)
					CU_ASSERT(memcmp(got, want, n * sizeof got[0]) == 0);
			}
		}
	}
}

/* ---- the paths the migration model takes (docs/domain.md §2, §3) ---- */

static void test_migration_paths(void)
{
	static const struct {
		uint32_t caps;
		enum vfio_state from, to;
		const char *path;
	} cases[] = {
	    /* Source setup, then VM stop: prepare_cb, cb, or both at once. */
	    {VFIO_CAP_ALL, ST(RUNNING), ST(PRE_COPY), "RUNNING -> PRE_COPY"},
	    {VFIO_CAP_ALL, ST(PRE_COPY), ST(PRE_COPY_P2P), "PRE_COPY -> PRE_COPY_P2P"},
	    {VFIO_CAP_ALL, ST(PRE_COPY_P2P), ST(STOP_COPY), "PRE_COPY_P2P -> STOP_COPY"},
	    {VFIO_CAP_ALL, ST(PRE_COPY), ST(STOP_COPY), "PRE_COPY -> PRE_COPY_P2P -> STOP_COPY"},
	    /* Without P2P there is no prepare_cb: one arc, no P2P state. */
	    {CAP_SC | CAP_PRE, ST(RUNNING), ST(PRE_COPY), "RUNNING -> PRE_COPY"},
	    {CAP_SC | CAP_PRE, ST(PRE_COPY), ST(STOP_COPY), "PRE_COPY -> STOP_COPY"},
	    /* Without PRE_COPY the device stays RUNNING through precopy. */
	    {CAP_SC | CAP_P2P, ST(RUNNING), ST(RUNNING_P2P), "RUNNING -> RUNNING_P2P"},
	    {CAP_SC | CAP_P2P, ST(RUNNING_P2P), ST(STOP_COPY), "RUNNING_P2P -> STOP -> STOP_COPY"},
	    {CAP_SC | CAP_P2P, ST(RUNNING), ST(STOP_COPY),
	     "RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY"},
	    {CAP_SC, ST(RUNNING), ST(STOP_COPY), "RUNNING -> STOP -> STOP_COPY"},
	    /* Source cleanup after completion. */
	    {VFIO_CAP_ALL, ST(STOP_COPY), ST(STOP), "STOP_COPY -> STOP"},
	    /* Source failure notifier: back to RUNNING from wherever it got. */
	    {VFIO_CAP_ALL, ST(STOP_COPY), ST(RUNNING),
	     "STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING"},
	    {CAP_SC | CAP_P2P, ST(STOP_COPY), ST(RUNNING),
	     "STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING"},
	    {CAP_SC | CAP_PRE, ST(STOP_COPY), ST(RUNNING), "STOP_COPY -> STOP -> RUNNING"},
	    {CAP_SC, ST(STOP_COPY), ST(RUNNING), "STOP_COPY -> STOP -> RUNNING"},
	    {VFIO_CAP_ALL, ST(PRE_COPY_P2P), ST(RUNNING), "PRE_COPY_P2P -> RUNNING_P2P -> RUNNING"},
	    {VFIO_CAP_ALL, ST(PRE_COPY), ST(RUNNING), "PRE_COPY -> RUNNING"},
	    /* Destination: load setup, then VM start (prepare_cb, cb). */
	    {VFIO_CAP_ALL, ST(STOP), ST(RESUMING), "STOP -> RESUMING"},
	    {VFIO_CAP_ALL, ST(RESUMING), ST(RUNNING_P2P), "RESUMING -> STOP -> RUNNING_P2P"},
	    {VFIO_CAP_ALL, ST(RUNNING_P2P), ST(RUNNING), "RUNNING_P2P -> RUNNING"},
	    {VFIO_CAP_ALL, ST(RESUMING), ST(RUNNING), "RESUMING -> STOP -> RUNNING_P2P -> RUNNING"},
	    {CAP_SC | CAP_P2P, ST(RESUMING), ST(RUNNING),
	     "RESUMING -> STOP -> RUNNING_P2P -> RUNNING"},
	    {CAP_SC, ST(RESUMING), ST(RUNNING), "RESUMING -> STOP -> RUNNING"},
	    /* Once stopped, VFIO cannot go back to precopy. */
	    {VFIO_CAP_ALL, ST(STOP_COPY), ST(PRE_COPY), NULL},
	    {VFIO_CAP_ALL, ST(STOP_COPY), ST(PRE_COPY_P2P), NULL},
	    {CAP_SC | CAP_PRE, ST(STOP_COPY), ST(PRE_COPY), NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_walk(cases[i].from, cases[i].to, cases[i].caps, cases[i].path);
}

/* ---- states, arcs, names ---- */

static void test_state_supported(void)
{
	for (uint32_t caps = 0; caps <= VFIO_CAP_ALL; caps++)
		for (int s = 0; s < VFIO_STATE_COUNT; s++)
			CU_ASSERT_EQUAL(vfio_fsm_state_supported(s, caps), ref_supported(s, caps));
	/* Spelled out, so a slip in ref_caps_needed shows too. */
	CU_ASSERT_FALSE(vfio_fsm_state_supported(ST(ERROR), UINT32_MAX));
	CU_ASSERT_TRUE(vfio_fsm_state_supported(ST(RUNNING), CAP_SC));
	CU_ASSERT_FALSE(vfio_fsm_state_supported(ST(RUNNING), CAP_P2P | CAP_PRE));
	CU_ASSERT_FALSE(vfio_fsm_state_supported(ST(RUNNING_P2P), CAP_SC | CAP_PRE));
	CU_ASSERT_TRUE(vfio_fsm_state_supported(ST(RUNNING_P2P), CAP_SC | CAP_P2P));
	CU_ASSERT_FALSE(vfio_fsm_state_supported(ST(PRE_COPY), CAP_SC | CAP_P2P));
	CU_ASSERT_TRUE(vfio_fsm_state_supported(ST(PRE_COPY), CAP_SC | CAP_PRE));
	CU_ASSERT_FALSE(vfio_fsm_state_supported(ST(PRE_COPY_P2P), CAP_SC | CAP_PRE));
	CU_ASSERT_FALSE(vfio_fsm_state_supported(ST(PRE_COPY_P2P), CAP_SC | CAP_P2P));
	CU_ASSERT_TRUE(vfio_fsm_state_supported(ST(PRE_COPY_P2P), VFIO_CAP_ALL));
	CU_ASSERT_FALSE(vfio_fsm_state_supported((enum vfio_state)VFIO_STATE_COUNT, VFIO_CAP_ALL));
}

static void test_arcs(void)
{
	int full_arcs = 0;
	for (int from = 0; from < VFIO_STATE_COUNT; from++) {
		for (int to = 0; to < VFIO_STATE_COUNT; to++) {
			full_arcs += vfio_fsm_is_arc(from, to);
			CU_ASSERT_EQUAL(vfio_fsm_is_arc(from, to),
			                ref_is_arc(from, to, VFIO_CAP_ALL));
			for (uint32_t caps = 0; caps <= VFIO_CAP_ALL; caps++)
				CU_ASSERT_EQUAL(vfio_fsm_is_device_arc(from, to, caps),
				                ref_is_arc(from, to, caps));
		}
	}
	CU_ASSERT_EQUAL(full_arcs, 15);
	/* The arcs a driver without P2P implements instead. */
	CU_ASSERT_FALSE(vfio_fsm_is_arc(ST(RUNNING), ST(STOP)));
	CU_ASSERT_TRUE(vfio_fsm_is_device_arc(ST(RUNNING), ST(STOP), CAP_SC));
	CU_ASSERT_TRUE(vfio_fsm_is_device_arc(ST(STOP), ST(RUNNING), CAP_SC | CAP_PRE));
	CU_ASSERT_TRUE(vfio_fsm_is_device_arc(ST(PRE_COPY), ST(STOP_COPY), CAP_SC | CAP_PRE));
	CU_ASSERT_FALSE(vfio_fsm_is_device_arc(ST(PRE_COPY), ST(STOP_COPY), VFIO_CAP_ALL));
	CU_ASSERT_FALSE(vfio_fsm_is_arc(ST(STOP_COPY), ST(PRE_COPY)));
	CU_ASSERT_FALSE(vfio_fsm_is_arc((enum vfio_state)VFIO_STATE_COUNT, ST(STOP)));

	for (int s = 0; s < VFIO_STATE_COUNT; s++)
		CU_ASSERT_EQUAL(vfio_fsm_is_saving(s), ref_saving(s));
	CU_ASSERT_FALSE(vfio_fsm_is_saving((enum vfio_state)VFIO_STATE_COUNT));
}

static void test_unreachable_and_invalid(void)
{
	/* ERROR is neither a source nor a target, even for itself. */
	for (int s = 0; s < VFIO_STATE_COUNT; s++) {
		CU_ASSERT_EQUAL(vfio_fsm_next(ST(ERROR), s, VFIO_CAP_ALL), ST(ERROR));
		CU_ASSERT_EQUAL(vfio_fsm_next(s, ST(ERROR), VFIO_CAP_ALL), ST(ERROR));
	}
	CU_ASSERT_EQUAL(vfio_fsm_distance(ST(ERROR), ST(ERROR), VFIO_CAP_ALL), -1);
	/* A supported state is its own target in zero arcs; an unsupported one
	 * is not a state the device can be in. */
	CU_ASSERT_EQUAL(vfio_fsm_next(ST(STOP), ST(STOP), CAP_SC), ST(STOP));
	CU_ASSERT_EQUAL(vfio_fsm_distance(ST(STOP), ST(STOP), CAP_SC), 0);
	CU_ASSERT_EQUAL(vfio_fsm_next(ST(RUNNING_P2P), ST(RUNNING_P2P), CAP_SC), ST(ERROR));
	CU_ASSERT_EQUAL(vfio_fsm_distance(ST(RUNNING_P2P), ST(RUNNING_P2P), CAP_SC), -1);
	CU_ASSERT_EQUAL(vfio_fsm_next(ST(RUNNING), ST(PRE_COPY), CAP_SC | CAP_P2P), ST(ERROR));
	CU_ASSERT_EQUAL(vfio_fsm_next(ST(PRE_COPY), ST(RUNNING), CAP_SC | CAP_P2P), ST(ERROR));
	/* Without the mandatory STOP_COPY nothing moves. */
	for (size_t c = 0; c < N_BROKEN_CAPS; c++)
		for (int from = 0; from < VFIO_STATE_COUNT; from++)
			for (int to = 0; to < VFIO_STATE_COUNT; to++)
				assert_walk(from, to, broken_caps[c], NULL);
	/* Out-of-range states. */
	enum vfio_state bad = (enum vfio_state)VFIO_STATE_COUNT;
	CU_ASSERT_EQUAL(vfio_fsm_next(bad, ST(STOP), VFIO_CAP_ALL), ST(ERROR));
	CU_ASSERT_EQUAL(vfio_fsm_next(ST(STOP), bad, VFIO_CAP_ALL), ST(ERROR));
	CU_ASSERT_EQUAL(vfio_fsm_distance(ST(STOP), bad, VFIO_CAP_ALL), -1);
	/* Capability bits the model does not know change nothing. */
	for (int from = 0; from < VFIO_STATE_COUNT; from++)
		for (int to = 0; to < VFIO_STATE_COUNT; to++)
			CU_ASSERT_EQUAL(vfio_fsm_next(from, to, VFIO_CAP_ALL | 1u << 31),
			                vfio_fsm_next(from, to, VFIO_CAP_ALL));
}

static void test_names(void)
{
	static const char *const uapi[VFIO_STATE_COUNT] = {
	    "ERROR",    "STOP",        "RUNNING",  "STOP_COPY",
	    "RESUMING", "RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
	};
	static const char *const qmp[VFIO_STATE_COUNT] = {
	    "error",    "stop",        "running",  "stop-copy",
	    "resuming", "running-p2p", "pre-copy", "pre-copy-p2p",
	};
	static const char *const scenario[VFIO_STATE_COUNT] = {
	    "error",    "stop",        "running",  "stop_copy",
	    "resuming", "running_p2p", "pre_copy", "pre_copy_p2p",
	};
	for (int s = 0; s < VFIO_STATE_COUNT; s++) {
		CU_ASSERT_STRING_EQUAL(vfio_state_name(s), uapi[s]);
		CU_ASSERT_STRING_EQUAL(vfio_state_qmp_name(s), qmp[s]);
		CU_ASSERT_EQUAL(vfio_state_parse(scenario[s]), s);
		/* Only the scenario spelling parses. */
		CU_ASSERT_EQUAL(vfio_state_parse(uapi[s]), -1);
		CU_ASSERT_EQUAL(vfio_state_parse(qmp[s]), strcmp(qmp[s], scenario[s]) ? -1 : s);
	}
	enum vfio_state bad = (enum vfio_state)VFIO_STATE_COUNT;
	CU_ASSERT_STRING_EQUAL(vfio_state_name(bad), "?");
	CU_ASSERT_STRING_EQUAL(vfio_state_qmp_name(bad), "?");
	CU_ASSERT_EQUAL(vfio_state_parse(NULL), -1);
	CU_ASSERT_EQUAL(vfio_state_parse(""), -1);
	CU_ASSERT_EQUAL(vfio_state_parse("stop "), -1);
	CU_ASSERT_EQUAL(vfio_state_parse("Stop"), -1);
	CU_ASSERT_EQUAL(vfio_state_parse("pre_copy_p2"), -1);
}

void register_tests(void)
{
	TEST_SUITE("vfio_fsm", TEST(test_blocked_arcs_terminate), TEST(test_next_matches_search),
	           TEST(test_search_reachability), TEST(test_next_matches_kernel_table),
	           TEST(test_walk_invariants), TEST(test_smaller_device_skips_states),
	           TEST(test_migration_paths), TEST(test_state_supported), TEST(test_arcs),
	           TEST(test_unreachable_and_invalid), TEST(test_names));
}
