/*
 * vfio_fsm.h - the kernel's VFIO migration state machine as data.
 *
 * States and capability bits carry their uAPI values.  The legal direct arcs
 * and the next-step rule mirror vfio_mig_get_next_state(): from any state to
 * any target, the next arc on the shortest path that uses only states the
 * device supports, never passes through ERROR, and has no saving or resuming
 * state in its interior -- except that a path from one saving state to
 * another stays inside the saving group (PRE_COPY -> PRE_COPY_P2P ->
 * STOP_COPY keeps the data_fd), which is also why STOP_COPY -> PRE_COPY* has
 * no path at all.  Under that rule every shortest path is unique.
 *
 * A device without P2P skips RUNNING_P2P and PRE_COPY_P2P: its paths are the
 * full-capability paths with those states left out, so its driver implements
 * three arcs a full-capability driver does not (RUNNING -> STOP,
 * STOP -> RUNNING, PRE_COPY -> STOP_COPY).
 */
#ifndef SWITCHOVER_VFIO_FSM_H
#define SWITCHOVER_VFIO_FSM_H

#include <stdbool.h>
#include <stdint.h>

enum vfio_state {
	VFIO_STATE_ERROR = 0,
	VFIO_STATE_STOP = 1,
	VFIO_STATE_RUNNING = 2,
	VFIO_STATE_STOP_COPY = 3,
	VFIO_STATE_RESUMING = 4,
	VFIO_STATE_RUNNING_P2P = 5,
	VFIO_STATE_PRE_COPY = 6,
	VFIO_STATE_PRE_COPY_P2P = 7,
};
#define VFIO_STATE_COUNT 8

/* VFIO_DEVICE_FEATURE_MIGRATION flags. */
#define VFIO_CAP_STOP_COPY (1u << 0)
#define VFIO_CAP_P2P       (1u << 1)
#define VFIO_CAP_PRE_COPY  (1u << 2)
#define VFIO_CAP_ALL       (VFIO_CAP_STOP_COPY | VFIO_CAP_P2P | VFIO_CAP_PRE_COPY)

/* Upper-case uAPI name ("PRE_COPY_P2P"), or "?" for an invalid value. */
const char *vfio_state_name(enum vfio_state s);
/* QMP event spelling ("pre-copy-p2p"). */
const char *vfio_state_qmp_name(enum vfio_state s);
/* Lower-case scenario spelling ("pre_copy_p2p"); returns -1 when unknown.
 * Only the tests call it (every state's spelling reads back): kept as the
 * inverse of the names table, for the tools that read scenario arcs. */
int vfio_state_parse(const char *name);

/* Does the device (with capability flags `caps`) support state s?  ERROR is
 * never supported: it is a place a failed arc leaves, never a target. */
bool vfio_fsm_state_supported(enum vfio_state s, uint32_t caps);
/* Is from -> to one of the 15 direct arcs of a full-capability device
 * (STOP_COPY | P2P | PRE_COPY)?  The kernel's arc list as data: the tests
 * check the next-step table and the scenario's arc names against it. */
bool vfio_fsm_is_arc(enum vfio_state from, enum vfio_state to);
/* Is from -> to a direct arc the driver of a device with `caps` implements,
 * i.e. one step vfio_fsm_next can return for that device?  Use this, not
 * vfio_fsm_is_arc, to validate a set_state request on a device without P2P. */
bool vfio_fsm_is_device_arc(enum vfio_state from, enum vfio_state to, uint32_t caps);
/* Is s in the saving group (PRE_COPY, PRE_COPY_P2P, STOP_COPY)? */
bool vfio_fsm_is_saving(enum vfio_state s);
/* Is s a precopy state (PRE_COPY, PRE_COPY_P2P): saving while the data fd
 * may have nothing more to give for now? */
bool vfio_fsm_is_precopy(enum vfio_state s);

/*
 * Next state on the way from `from` to `to` for a device with `caps`.
 * Returns `to` when from == to.  Returns VFIO_STATE_ERROR when the target
 * cannot be reached (unsupported state, STOP_COPY -> PRE_COPY*, ERROR as
 * source or target, STOP_COPY not in caps).
 */
enum vfio_state vfio_fsm_next(enum vfio_state from, enum vfio_state to, uint32_t caps);

/* Number of arcs vfio_fsm_next takes from `from` to `to`, or -1.  The
 * exhaustive cross-check of the next-step table (tests/test_vfio_fsm.c)
 * compares it with a brute-force search. */
int vfio_fsm_distance(enum vfio_state from, enum vfio_state to, uint32_t caps);

#endif
