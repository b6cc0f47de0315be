/*
 * scenario.h - the scenario model: what one migration experiment is.
 *
 * A scenario is loaded from YAML (scenario_yaml.c, schema-checked with
 * libcyaml, every error naming file, line and key), overridden with --set,
 * filled with defaults from device profiles, and validated here.  The engine
 * and both worlds read only this structure.  All quantities are SI: seconds,
 * bytes, bytes per second.
 */
#ifndef SWITCHOVER_SCENARIO_H
#define SWITCHOVER_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "strategy_list.h"
#include "vfio_fsm.h"

const char *strategy_name(enum strategy_kind s); /* "parallel-prio" */
int strategy_parse(const char *name);            /* -1 when unknown */

/* Which tasks carry the parallel strategies' transitions: one OS thread
 * created and joined per device per pass (the patch's design, DOMAIN.md
 * section 4), or one persistent worker per device created at migration
 * setup and handed each transition (a design alternative). */
enum thread_mode { THREADS_PER_PASS = 0, THREADS_POOL = 1 };
const char *thread_mode_name(enum thread_mode t); /* "per-pass", "pool" */

/* Switchover-ack (DOMAIN.md section 5): off, the legacy one-shot ACK, or the
 * re-usable per-device ACK counted on the source. */
enum ack_mode { ACK_OFF = 0, ACK_LEGACY = 1, ACK_NEW = 2 };
const char *ack_mode_name(enum ack_mode m); /* "off", "legacy", "new" */

/* When a late ACK request (collected by the final query) fails the
 * migration (DOMAIN.md section 6). */
enum late_ack_rule {
	LATE_ACK_V2 = 0,          /* the ACK counter is non-zero after the final query */
	LATE_ACK_SAVED_COUNT = 1, /* the counter grew during the final query */
	LATE_ACK_SETTLED = 2,     /* the final query itself collected a request */
};
const char *late_ack_rule_name(enum late_ack_rule r); /* "v2", "saved-count", "settled" */

/* Which QMP migration events a device emits (DOMAIN.md section 7). */
enum event_design {
	EVENTS_NONE = 0,
	EVENTS_AFTER_ONLY = 1,         /* VFIO_MIGRATION after each transition */
	EVENTS_PREPARE_BEFORE_P2P = 2, /* + pre-copy-p2p-prepare before PRE_COPY -> PRE_COPY_P2P */
	EVENTS_PREPARE_EVERY = 3,      /* + VFIO_MIGRATION_PREPARE before every transition */
};
const char *event_design_name(enum event_design d); /* "prepare-before-p2p" */

/* From when a device counts as non-responsive for the RDMA guard. */
enum nonresponsive_from {
	NONRESPONSIVE_VM_STOP = 0,    /* the source VM stop (vCPUs stopped) */
	NONRESPONSIVE_TRANSITION = 1, /* its own PRE_COPY -> PRE_COPY_P2P transition starts */
};
const char *nonresponsive_from_name(enum nonresponsive_from n); /* "vm-stop", "transition" */

/* A device's answer to opting into PRECOPY_INFOv2 (REINIT). */
enum precopy_v2 {
	PRECOPY_V2_UNSUPPORTED = 0, /* ENOTTY: carry on without REINIT */
	PRECOPY_V2_SUPPORTED = 1,
	PRECOPY_V2_ERROR = 2, /* another error: the device cannot migrate */
};
const char *precopy_v2_name(enum precopy_v2 v); /* "unsupported", "supported", "error" */

/* What the real world drives for a device group (the sim world always
 * models a group from its keys, whatever its backend). */
enum device_backend {
	BACKEND_MODEL = 0, /* the model: emulated (or null) devices in the real world */
	BACKEND_VFIO = 1,  /* real devices through the Linux VFIO uAPI (real/devices/vfio.h) */
};
const char *device_backend_name(enum device_backend b); /* "model", "vfio" */

/* How a vfio device is opened. */
enum vfio_interface {
	VFIO_IFACE_AUTO = 0,  /* the iommufd cdev where the device has one, else the group */
	VFIO_IFACE_CDEV = 1,  /* /dev/vfio/devices/vfioN bound to /dev/iommu */
	VFIO_IFACE_GROUP = 2, /* /dev/vfio/N in a TYPE1v2 container */
};
const char *vfio_interface_name(enum vfio_interface i); /* "auto", "cdev", "group" */
int vfio_interface_parse(const char *name);             /* -1 when unknown */

/* Is `addr` a device address a vfio group may name: a PCI address
 * ("0000:3b:00.2" or "3b:00.2") or an mdev UUID? */
bool scenario_vfio_address_ok(const char *addr);

/* Which handler pass a non-VFIO handler does work in. */
enum handler_pass { HANDLER_PASS_MAIN = 0, HANDLER_PASS_PREPARE = 1, HANDLER_PASS_BOTH = 2 };
/* On which end a non-VFIO handler is registered. */
enum handler_side { HANDLER_SIDE_BOTH = 0, HANDLER_SIDE_SRC = 1, HANDLER_SIDE_DST = 2 };

/* Devices sharing one PF's firmware: at most `capacity` arcs at a time. */
struct scn_domain {
	char *name;
	unsigned capacity;
};

/* `count` identical devices; instance i of group "vf" is named "vf<i>"
 * (just "vf" when count is 1). */
struct scn_device_group {
	char *name;
	char *profile; /* profile the defaults came from */
	unsigned count;
	int depth;                /* qdev depth: bus hops to the root */
	uint32_t caps;            /* VFIO_CAP_* */
	uint64_t state_bytes;     /* stop-copy data read to EOF in STOP_COPY */
	uint64_t initial_bytes;   /* precopy initial bytes at setup */
	double precopy_dirty_Bps; /* precopy dirty data the device produces */
	/* Latency of each direct arc [from][to]; unused for non-arcs. */
	struct dist arc_latency[VFIO_STATE_COUNT][VFIO_STATE_COUNT];
	struct dist query_latency; /* precopy-info and data-size queries */
	double load_fixed_s;       /* destination: per write() call */
	double load_Bps;           /* destination load rate; 0 = instant */
	/* Destination load of initial bytes (mlx5 resource pre-allocation),
	 * per write() of initial-bytes data: fixed + bytes / rate. */
	double init_load_fixed_s;
	double init_load_Bps; /* 0 = instant */
	enum precopy_v2 precopy_info_v2;
	/* REINIT workload: the device re-initialises its initial bytes during
	 * precopy, at the given times (seconds since setup, non-decreasing)
	 * and/or as a Poisson process of mean interval reinit_interval_s (0:
	 * none); each time adds a chunk of reinit_chunk bytes (a distribution
	 * with unit DIST_UNIT_BYTES).  Only with VFIO_CAP_PRE_COPY. */
	double *reinit_times;
	size_t n_reinit_times;
	double reinit_interval_s;
	struct dist reinit_chunk;
	/* Probability that the final REINIT check (the precopy-info query in
	 * the prepare handler) fails; a failed query counts as REINIT. */
	double final_check_failure;
	int domain; /* index in scenario.domains, or -1 */
	enum device_backend backend;
	/* BACKEND_VFIO: instance i is vfio_source[i] on the source and
	 * vfio_destination[i] on the destination (PCI addresses or mdev UUIDs);
	 * a list is either empty (this host plays only the other end) or has
	 * `count` entries. */
	char **vfio_source, **vfio_destination;
	size_t n_vfio_source, n_vfio_destination;
	enum vfio_interface vfio_interface;
};

/* An injected arc failure: device `device` of group `group` (its index in
 * the group, 0..count-1; -1 = every device of the group) fails the arc
 * from -> to with -EIO with the given probability, and goes to ERROR.  The
 * arc is one the group's capabilities allow (vfio_fsm_is_device_arc). */
struct scn_fault {
	int group;
	int device;
	enum vfio_state from, to;
	double probability;
};

/* A non-VFIO VM change-state handler (virtio, block, subsystems). */
struct scn_handler {
	char *name;
	int depth; /* qdev depth, or -1: subsystem at priority 0 */
	enum handler_pass pass;
	enum handler_side side;
	struct dist cost; /* time the handler runs */
};

struct scenario {
	char *name;
	char *description;
	char *file; /* path it was loaded from (for messages) */

	/* vm */
	uint64_t ram_bytes;
	double ram_dirty_Bps; /* guest dirty-page rate during precopy */

	/* network */
	double bandwidth_Bps;      /* link bandwidth, bytes per second */
	double latency_s;          /* one-way link latency */
	unsigned multifd_channels; /* 0: RAM on the main stream */

	/* migration */
	double downtime_limit_s; /* QEMU downtime-limit (default 300 ms) */
	enum strategy_kind strategy;
	unsigned max_iterations; /* management forces switchover after this */
	double max_time_s;       /* ... or after this much precopy time */
	uint64_t chunk_bytes;    /* device data read/sent per record */
	double thread_create_s;  /* sim cost of creating one thread */
	double thread_join_s;    /* sim cost of joining one thread */
	enum thread_mode threads;
	double thread_wake_s;  /* sim cost of handing a pool worker its transition */
	enum ack_mode ack_src; /* migration.switchover_ack */
	enum ack_mode ack_dst; /* = ack_src unless switchover_ack_destination says */
	enum late_ack_rule late_ack_rule;
	/* Between the last switchover decision and the VM stop (not atomic in
	 * QEMU): a REINIT in this gap is caught by the final check. */
	struct dist stop_gap;

	/* events */
	enum event_design event_design;
	double rdma_timeout_s; /* the management's RDMA timeout T */
	enum nonresponsive_from nonresponsive_from;

	struct scn_fault *faults;
	size_t n_faults;

	struct scn_domain *domains;
	size_t n_domains;
	struct scn_device_group *groups;
	size_t n_groups;
	struct scn_handler *handlers;
	size_t n_handlers;

	unsigned runs;
	uint64_t seed;
};

/* Total number of device instances over all groups. */
size_t scenario_device_count(const struct scenario *s);
/* Group and index-in-group of device instance i. */
const struct scn_device_group *scenario_device_group(const struct scenario *s, size_t i,
                                                     unsigned *index_in_group);
/* Device instance name ("vf3") into buf. */
void scenario_device_name(const struct scenario *s, size_t i, char *buf, size_t len);

void scenario_free(struct scenario *s);

#endif
