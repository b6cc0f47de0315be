/*
 * vfio_fsm.c - the kernel's VFIO migration state machine as data.
 *
 * Tables: what each state is called and needs, the direct arcs drivers
 * implement, and the kernel's next-step table.  The functions only look
 * things up in them.
 *
 * Why the kernel's next-step table rather than a breadth-first search over
 * the arcs: the uAPI makes the result of vfio_mig_get_next_state() the
 * definition ("Refer to vfio_mig_get_next_state() for the result of the
 * algorithm"), and that result departs from the uAPI's own prose rule ("no
 * saving group states as interior arcs"): PRE_COPY -> STOP_COPY goes through
 * PRE_COPY_P2P, and STOP_COPY -> PRE_COPY* is blocked although a path without
 * saving interior states exists.  Carrying the table plus the kernel's
 * skip-unsupported-states loop matches the kernel on every (from, to, caps)
 * by construction, needs no lazily computed state (transition tasks call it
 * from many threads), and leaves the search to the test suite, which checks
 * the table against an independent brute-force search of the arcs below.
 */
#include "vfio_fsm.h"

#include "names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A state's names: the uAPI's, QMP's (device-state of events), and the
 * scenario files' (faults, latency keys). */
static const char *const uapi_words[] = {
    [VFIO_STATE_ERROR] = "ERROR",       [VFIO_STATE_STOP] = "STOP",
    [VFIO_STATE_RUNNING] = "RUNNING",   [VFIO_STATE_STOP_COPY] = "STOP_COPY",
    [VFIO_STATE_RESUMING] = "RESUMING", [VFIO_STATE_RUNNING_P2P] = "RUNNING_P2P",
    [VFIO_STATE_PRE_COPY] = "PRE_COPY", [VFIO_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
};
static const struct names uapi_names = NAMES(uapi_words);
static const char *const qmp_words[] = {
    [VFIO_STATE_ERROR] = "error",       [VFIO_STATE_STOP] = "stop",
    [VFIO_STATE_RUNNING] = "running",   [VFIO_STATE_STOP_COPY] = "stop-copy",
    [VFIO_STATE_RESUMING] = "resuming", [VFIO_STATE_RUNNING_P2P] = "running-p2p",
    [VFIO_STATE_PRE_COPY] = "pre-copy", [VFIO_STATE_PRE_COPY_P2P] = "pre-copy-p2p",
};
static const struct names qmp_names = NAMES(qmp_words);
static const char *const scenario_words[] = {
    [VFIO_STATE_ERROR] = "error",       [VFIO_STATE_STOP] = "stop",
    [VFIO_STATE_RUNNING] = "running",   [VFIO_STATE_STOP_COPY] = "stop_copy",
    [VFIO_STATE_RESUMING] = "resuming", [VFIO_STATE_RUNNING_P2P] = "running_p2p",
    [VFIO_STATE_PRE_COPY] = "pre_copy", [VFIO_STATE_PRE_COPY_P2P] = "pre_copy_p2p",
};
static const struct names scenario_names = NAMES(scenario_words);

struct vfio_state_info {
	uint32_t caps_needed; /* VFIO_CAP_* the device must have for the state */
	bool saving;          /* in the saving group: shares one data_fd */
};

static const struct vfio_state_info vfio_states[VFIO_STATE_COUNT] = {
    [VFIO_STATE_ERROR] = {0, false},
    [VFIO_STATE_STOP] = {VFIO_CAP_STOP_COPY, false},
    [VFIO_STATE_RUNNING] = {VFIO_CAP_STOP_COPY, false},
    [VFIO_STATE_STOP_COPY] = {VFIO_CAP_STOP_COPY, true},
    [VFIO_STATE_RESUMING] = {VFIO_CAP_STOP_COPY, false},
    [VFIO_STATE_RUNNING_P2P] = {VFIO_CAP_STOP_COPY | VFIO_CAP_P2P, false},
    [VFIO_STATE_PRE_COPY] = {VFIO_CAP_STOP_COPY | VFIO_CAP_PRE_COPY, true},
    [VFIO_STATE_PRE_COPY_P2P] = {VFIO_CAP_ALL, true},
};

/*
 * The arcs drivers implement (the list in the comment above the kernel's
 * table).  The first 15 are those of a full-capability device (docs/domain.md §1);
 * a device without P2P has, instead of the arcs through its missing P2P
 * states, the three arcs that jump over them.
 */
static const struct vfio_fsm_arc {
	enum vfio_state from, to;
	uint32_t caps_absent; /* the arc exists only when these caps are absent */
} vfio_fsm_arcs[] = {
    {VFIO_STATE_RUNNING, VFIO_STATE_RUNNING_P2P, 0},
    {VFIO_STATE_RUNNING, VFIO_STATE_PRE_COPY, 0},
    {VFIO_STATE_RUNNING_P2P, VFIO_STATE_STOP, 0},
    {VFIO_STATE_RUNNING_P2P, VFIO_STATE_RUNNING, 0},
    {VFIO_STATE_RUNNING_P2P, VFIO_STATE_PRE_COPY_P2P, 0},
    {VFIO_STATE_STOP, VFIO_STATE_RUNNING_P2P, 0},
    {VFIO_STATE_STOP, VFIO_STATE_STOP_COPY, 0},
    {VFIO_STATE_STOP, VFIO_STATE_RESUMING, 0},
    {VFIO_STATE_STOP_COPY, VFIO_STATE_STOP, 0},
    {VFIO_STATE_RESUMING, VFIO_STATE_STOP, 0},
    {VFIO_STATE_PRE_COPY, VFIO_STATE_RUNNING, 0},
    {VFIO_STATE_PRE_COPY, VFIO_STATE_PRE_COPY_P2P, 0},
    {VFIO_STATE_PRE_COPY_P2P, VFIO_STATE_RUNNING_P2P, 0},
    {VFIO_STATE_PRE_COPY_P2P, VFIO_STATE_PRE_COPY, 0},
    {VFIO_STATE_PRE_COPY_P2P, VFIO_STATE_STOP_COPY, 0},
    {VFIO_STATE_RUNNING, VFIO_STATE_STOP, VFIO_CAP_P2P},
    {VFIO_STATE_STOP, VFIO_STATE_RUNNING, VFIO_CAP_P2P},
    {VFIO_STATE_PRE_COPY, VFIO_STATE_STOP_COPY, VFIO_CAP_P2P},
};

/*
 * The kernel's vfio_from_fsm_table: next_full[from][to] is the next state on
 * the way from `from` to `to` for a full-capability device.  Rows and
 * columns involving ERROR, and the blocked STOP_COPY -> PRE_COPY*, are
 * VFIO_STATE_ERROR (0), which the zero initialisation supplies.
 */
#define ST(s) VFIO_STATE_##s
static const enum vfio_state next_full[VFIO_STATE_COUNT][VFIO_STATE_COUNT] = {
    [ST(STOP)] =
        {
            [ST(STOP)] = ST(STOP),
            [ST(RUNNING)] = ST(RUNNING_P2P),
            [ST(STOP_COPY)] = ST(STOP_COPY),
            [ST(RESUMING)] = ST(RESUMING),
            [ST(RUNNING_P2P)] = ST(RUNNING_P2P),
            [ST(PRE_COPY)] = ST(RUNNING_P2P),
            [ST(PRE_COPY_P2P)] = ST(RUNNING_P2P),
        },
    [ST(RUNNING)] =
        {
            [ST(STOP)] = ST(RUNNING_P2P),
            [ST(RUNNING)] = ST(RUNNING),
            [ST(STOP_COPY)] = ST(RUNNING_P2P),
            [ST(RESUMING)] = ST(RUNNING_P2P),
            [ST(RUNNING_P2P)] = ST(RUNNING_P2P),
            [ST(PRE_COPY)] = ST(PRE_COPY),
            [ST(PRE_COPY_P2P)] = ST(RUNNING_P2P),
        },
    [ST(STOP_COPY)] =
        {
            [ST(STOP)] = ST(STOP),
            [ST(RUNNING)] = ST(STOP),
            [ST(STOP_COPY)] = ST(STOP_COPY),
            [ST(RESUMING)] = ST(STOP),
            [ST(RUNNING_P2P)] = ST(STOP),
            [ST(PRE_COPY)] = ST(ERROR),
            [ST(PRE_COPY_P2P)] = ST(ERROR),
        },
    [ST(RESUMING)] =
        {
            [ST(STOP)] = ST(STOP),
            [ST(RUNNING)] = ST(STOP),
            [ST(STOP_COPY)] = ST(STOP),
            [ST(RESUMING)] = ST(RESUMING),
            [ST(RUNNING_P2P)] = ST(STOP),
            [ST(PRE_COPY)] = ST(STOP),
            [ST(PRE_COPY_P2P)] = ST(STOP),
        },
    [ST(RUNNING_P2P)] =
        {
            [ST(STOP)] = ST(STOP),
            [ST(RUNNING)] = ST(RUNNING),
            [ST(STOP_COPY)] = ST(STOP),
            [ST(RESUMING)] = ST(STOP),
            [ST(RUNNING_P2P)] = ST(RUNNING_P2P),
            [ST(PRE_COPY)] = ST(RUNNING),
            [ST(PRE_COPY_P2P)] = ST(PRE_COPY_P2P),
        },
    [ST(PRE_COPY)] =
        {
            [ST(STOP)] = ST(RUNNING),
            [ST(RUNNING)] = ST(RUNNING),
            [ST(STOP_COPY)] = ST(PRE_COPY_P2P),
            [ST(RESUMING)] = ST(RUNNING),
            [ST(RUNNING_P2P)] = ST(RUNNING),
            [ST(PRE_COPY)] = ST(PRE_COPY),
            [ST(PRE_COPY_P2P)] = ST(PRE_COPY_P2P),
        },
    [ST(PRE_COPY_P2P)] =
        {
            [ST(STOP)] = ST(RUNNING_P2P),
            [ST(RUNNING)] = ST(RUNNING_P2P),
            [ST(STOP_COPY)] = ST(STOP_COPY),
            [ST(RESUMING)] = ST(RUNNING_P2P),
            [ST(RUNNING_P2P)] = ST(RUNNING_P2P),
            [ST(PRE_COPY)] = ST(PRE_COPY),
            [ST(PRE_COPY_P2P)] = ST(PRE_COPY_P2P),
        },
};
#undef ST

static bool vfio_state_valid(enum vfio_state s)
{
	return (unsigned)s < VFIO_STATE_COUNT;
}

const char *vfio_state_name(enum vfio_state s)
{
	return names_name(&uapi_names, s);
}

const char *vfio_state_qmp_name(enum vfio_state s)
{
	return names_name(&qmp_names, s);
}

int vfio_state_parse(const char *name)
{
	return names_parse(&scenario_names, name);
}

bool vfio_fsm_state_supported(enum vfio_state s, uint32_t caps)
{
	if (!vfio_state_valid(s) || s == VFIO_STATE_ERROR)
		return false;
	return (caps & vfio_states[s].caps_needed) == vfio_states[s].caps_needed;
}

bool vfio_fsm_is_device_arc(enum vfio_state from, enum vfio_state to, uint32_t caps)
{
	if (!vfio_fsm_state_supported(from, caps) || !vfio_fsm_state_supported(to, caps))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(vfio_fsm_arcs); i++) {
		const struct vfio_fsm_arc *a = &vfio_fsm_arcs[i];
		if (a->from == from && a->to == to && !(caps & a->caps_absent))
			return true;
	}
	return false;
}

bool vfio_fsm_is_arc(enum vfio_state from, enum vfio_state to)
{
	return vfio_fsm_is_device_arc(from, to, VFIO_CAP_ALL);
}

bool vfio_fsm_is_saving(enum vfio_state s)
{
	return vfio_state_valid(s) && vfio_states[s].saving;
}

bool vfio_fsm_is_precopy(enum vfio_state s)
{
	return s == VFIO_STATE_PRE_COPY || s == VFIO_STATE_PRE_COPY_P2P;
}

enum vfio_state vfio_fsm_next(enum vfio_state from, enum vfio_state to, uint32_t caps)
{
	if (!vfio_fsm_state_supported(from, caps) || !vfio_fsm_state_supported(to, caps))
		return VFIO_STATE_ERROR;
	/*
	 * The kernel's rule for optional states: step over an unsupported one
	 * by continuing along the table towards `to`.  ERROR must end the walk
	 * because it is never supported: the kernel's loop lacked that check
	 * and spun forever on STOP_COPY -> PRE_COPY* (a 2026 stable patch,
	 * "Terminate the skip loop on the ERROR sentinel", adds it).
	 */
	enum vfio_state next = next_full[from][to];
	while (next != VFIO_STATE_ERROR && !vfio_fsm_state_supported(next, caps))
		next = next_full[next][to];
	return next;
}

int vfio_fsm_distance(enum vfio_state from, enum vfio_state to, uint32_t caps)
{
	enum vfio_state s = from;
	/* A path never revisits a state, so it has fewer arcs than there are
	 * states; the bound only matters if the table ever grows a cycle. */
	for (int arcs = 0; arcs < VFIO_STATE_COUNT; arcs++) {
		if (s == to)
			return vfio_fsm_state_supported(to, caps) ? arcs : -1;
		s = vfio_fsm_next(s, to, caps);
		if (s == VFIO_STATE_ERROR)
			return -1;
	}
	return -1;
}
