/*
 * scenario.h - the scenario model: what one migration experiment is.
 *
 * A scenario is loaded from YAML by the front end (frontend/scenario_load.h:
 * schema-checked with libcyaml, every error naming file, line and key),
 * overridden with --set, filled with defaults from device profiles, and
 * validated here.  The engine and both worlds read only this structure.
 * All quantities are SI: seconds, bytes, bytes per second.
 */
#ifndef SWITCHOVER_SCENARIO_H
#define SWITCHOVER_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "names.h"
#include "strategy_list.h"
#include "vfio_fsm.h"

const char *strategy_name(enum strategy_kind s); /* "parallel-prio" */
int strategy_parse(const char *name);            /* -1 when unknown */

/* Which tasks carry the parallel strategies' transitions: one OS thread
 * created and joined per device per pass (the patch's design, docs/domain.md
 * section 4), or one persistent worker per device created at migration
 * setup and handed each transition (a design alternative). */
enum thread_mode { THREADS_PER_PASS = 0, THREADS_POOL = 1 };
const char *thread_mode_name(enum thread_mode t); /* "per-pass", "pool" */

/* Switchover-ack (docs/domain.md section 5): off, the legacy one-shot ACK, or the
 * re-usable per-device ACK counted on the source. */
enum ack_mode { ACK_OFF = 0, ACK_LEGACY = 1, ACK_NEW = 2 };
const char *ack_mode_name(enum ack_mode m); /* "off", "legacy", "new" */

/* Whether device state travels over the multifd channels at switchover
 * (QEMU 10's x-migration-multifd-transfer, an OnOffAuto): auto is on when
 * multifd channels are configured. */
enum multifd_transfer {
	MULTIFD_TRANSFER_AUTO = 0,
	MULTIFD_TRANSFER_ON = 1,
	MULTIFD_TRANSFER_OFF = 2
};
const char *multifd_transfer_name(enum multifd_transfer t); /* "auto", "on", "off" */

/* When a late ACK request (collected by the final query) fails the
 * migration (docs/domain.md section 6). */
enum late_ack_rule {
	LATE_ACK_V2 = 0,          /* the ACK counter is non-zero after the final query */
	LATE_ACK_SAVED_COUNT = 1, /* the counter grew during the final query */
	LATE_ACK_SETTLED = 2,     /* the final query itself collected a request */
};
const char *late_ack_rule_name(enum late_ack_rule r); /* "v2", "saved-count", "settled" */

/* Which QMP migration events a device emits (docs/domain.md section 7). */
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
	int depth;     /* qdev depth: bus hops to the root */
	uint32_t caps; /* VFIO_CAP_* */
	/* Device state as images (docs/model.md, "Device state as images"):
	 * a full image of state_bytes; a PRE_COPY device reads header_bytes,
	 * initial_bytes and the full image in precopy, and at STOP_COPY only
	 * the header and the increment (what changed at precopy_dirty_Bps
	 * since its last image was taken); a device without PRE_COPY saves
	 * the full image on entering STOP_COPY.  Saving costs the source
	 * bytes / save_Bps inside the arc that saves. */
	uint64_t state_bytes;     /* a full image */
	uint64_t header_bytes;    /* the record before each image (PRE_COPY only) */
	uint64_t initial_bytes;   /* precopy initial data besides header and image */
	double precopy_dirty_Bps; /* state the running device changes */
	double save_Bps;          /* source image save rate; 0 = instant */
	/* Latency of each direct arc [from][to]; unused for non-arcs. */
	struct dist arc_latency[VFIO_STATE_COUNT][VFIO_STATE_COUNT];
	struct dist query_latency; /* precopy-info and data-size queries */
	double load_fixed_s;       /* destination: per write() call */
	double load_Bps;           /* destination image load rate; 0 = instant */
	double load_image_s;       /* destination: per image, in the write that completes it */
	/* The destination's pre-allocation for the stop-copy size the header
	 * announces (a full image), inside the write() that completes the
	 * header: fixed + state_bytes / rate. */
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
	/* A busy device (docs/model.md, "Device state as images"): its state
	 * changes between the driver's size query and its save of an
	 * incremental image, so that save fails (mlx5:
	 * MLX5_MIGF_STATE_PRE_COPY_ERROR); precopy takes no more images and
	 * PRE_COPY_P2P -> STOP_COPY saves a full image.  Only with
	 * VFIO_CAP_PRE_COPY and precopy_dirty_Bps > 0. */
	bool precopy_save_error;
	/* A destination instance starts RUNNING, as a real device does (the
	 * kernel's state after open), so its load setup walks RUNNING ->
	 * RUNNING_P2P -> STOP -> RESUMING; false (the default): it starts in
	 * STOP and setup is the one arc STOP -> RESUMING. */
	bool destination_starts_running;
	/* QEMU's per-device x-migration-multifd-transfer (a vfio-pci property,
	 * hw/vfio/pci.c) for this group's devices, when multifd_transfer_set;
	 * else migration.multifd_transfer applies. */
	bool multifd_transfer_set;
	enum multifd_transfer multifd_transfer;
	int domain; /* index in scenario.domains, or -1 */
	enum device_backend backend;
	/* BACKEND_VFIO: instance i is vfio_source[i] on the source and
	 * vfio_destination[i] on the destination (PCI addresses or mdev UUIDs);
	 * a list is either empty (this host plays only the other end) or has
	 * `count` entries. */
	char **vfio_source, **vfio_destination;
	size_t n_vfio_source, n_vfio_destination;
	enum vfio_interface vfio_interface;
	/* Share of every arc, query and load latency that is CPU work of the
	 * calling task on its host (the rest waits on the device); 0..1. */
	double arc_cpu_fraction;
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

/*
 * One end's machine (docs/model.md "Hosts and CPUs"): its cores and the CPU
 * the migration's own work costs there.  Thread creation, join and wake-up
 * (migration.thread_*) are CPU work too, charged on the caller's host.
 */
struct scn_host {
	char *profile;                /* host profile the values came from, or NULL */
	unsigned cores;               /* 0: unlimited (CPU work never waits for a core) */
	double send_cpu_s_per_byte;   /* copying a stream byte out (socket send) */
	double recv_cpu_s_per_byte;   /* copying a stream byte in (socket receive) */
	double vcpu_pause_s;          /* per vCPU, stopping the VM (source; pause_all_vcpus) */
	double vcpu_resume_s;         /* per vCPU, starting the VM (resume_all_vcpus) */
	double wake_latency_s;        /* how late a task's sleep ends (timer lateness) */
	double task_cpu_s;            /* CPU each task spends of its own: start, bookkeeping, end */
	double sleep_cpu_s;           /* CPU a timed sleep costs its task (the timer, switching) */
	double unblock_cpu_s;         /* CPU resuming after blocking (semaphore, lock, event) */
	double send_cpu_s_per_frame;  /* per stream frame sent, besides its bytes (syscalls) */
	double recv_cpu_s_per_frame;  /* per stream frame received, besides its bytes */
	double device_read_cpu_s;     /* per call reading a device's data fd, besides its bytes */
	double device_read_end_cpu_s; /* per such call that finds no data (the end of it) */
	double device_write_cpu_s;    /* per call writing a device's data fd, besides its bytes */
	/* Thread creation and pool hand-offs by a task on this host: the
	 * caller's CPU, replacing migration.thread_create / thread_wake when
	 * the host sets it (has_*), and the wall time the caller loses per call
	 * beyond that CPU (a wait: the new or woken thread runs before it). */
	bool has_thread_create, has_thread_wake;
	double thread_create_s, thread_wake_s;
	double thread_create_wait_s, thread_wake_wait_s;
	/* A spawn that finds no free stack in the host's thread library's
	 * cache (glibc keeps the stacks of joined threads, up to
	 * thread_stack_cache of them) maps a new one: thread_create_new_stack
	 * more of the caller's CPU (0: not modelled). */
	double thread_create_new_stack_s;
	unsigned thread_stack_cache;
};

struct scenario {
	char *name;
	char *description;
	char *file; /* path it was loaded from (for messages) */

	/* vm */
	uint64_t ram_bytes;
	double ram_dirty_Bps; /* guest dirty-page rate during precopy */
	unsigned vcpus;       /* paused at the VM stop, resumed at the VM start */

	struct scn_host hosts[2]; /* [0] the source, [1] the destination (enum rt_side) */
	/* Both ends on one machine (a loopback migration, or the real world's
	 * one-process runs): every task of either end runs on the source's
	 * cores; each end keeps its own CPU costs.  The destination's cores
	 * must then equal the source's. */
	bool hosts_shared;

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
	enum multifd_transfer multifd_transfer; /* migration.multifd_transfer */
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
	/* group_end[g]: devices in groups 0..g, built once by
	 * scenario_index_devices() so a lookup is a binary search, not a walk
	 * over the groups (65,536 groups of one device each); NULL: walk. */
	size_t *group_end;
	struct scn_handler *handlers;
	size_t n_handlers;

	unsigned runs;
	uint64_t seed;
};

/* Total number of device instances over all groups. */
size_t scenario_device_count(const struct scenario *s);
/* Builds s->group_end from the groups' counts (call again after changing
 * them); -1 when out of memory (the lookups then walk the groups). */
int scenario_index_devices(struct scenario *s);
/* Group and index-in-group of device instance i. */
const struct scn_device_group *scenario_device_group(const struct scenario *s, size_t i,
                                                     unsigned *index_in_group);
/* Device instance name ("vf3") into buf. */
void scenario_device_name(const struct scenario *s, size_t i, char *buf, size_t len);

void scenario_free(struct scenario *s);

/* ---- names, limits, defaults, profiles, validation ---- */

/*
 * The direct arcs that have a latency key, X(from, to, "key").  The first
 * 15 are the arcs of a full-capability driver (docs/domain.md §1); the last three
 * exist only in drivers without P2P, which skip the P2P states.
 */
#define SCENARIO_ARCS(X)                                                                           \
	X(RUNNING, RUNNING_P2P, "running_to_running_p2p")                                          \
	X(RUNNING, PRE_COPY, "running_to_pre_copy")                                                \
	X(RUNNING_P2P, STOP, "running_p2p_to_stop")                                                \
	X(RUNNING_P2P, RUNNING, "running_p2p_to_running")                                          \
	X(RUNNING_P2P, PRE_COPY_P2P, "running_p2p_to_pre_copy_p2p")                                \
	X(STOP, RUNNING_P2P, "stop_to_running_p2p")                                                \
	X(STOP, STOP_COPY, "stop_to_stop_copy")                                                    \
	X(STOP, RESUMING, "stop_to_resuming")                                                      \
	X(STOP_COPY, STOP, "stop_copy_to_stop")                                                    \
	X(RESUMING, STOP, "resuming_to_stop")                                                      \
	X(PRE_COPY, RUNNING, "pre_copy_to_running")                                                \
	X(PRE_COPY, PRE_COPY_P2P, "pre_copy_to_pre_copy_p2p")                                      \
	X(PRE_COPY_P2P, RUNNING_P2P, "pre_copy_p2p_to_running_p2p")                                \
	X(PRE_COPY_P2P, PRE_COPY, "pre_copy_p2p_to_pre_copy")                                      \
	X(PRE_COPY_P2P, STOP_COPY, "pre_copy_p2p_to_stop_copy")                                    \
	X(RUNNING, STOP, "running_to_stop")                                                        \
	X(STOP, RUNNING, "stop_to_running")                                                        \
	X(PRE_COPY, STOP_COPY, "pre_copy_to_stop_copy")
#define SCENARIO_ARC_PLUS_ONE(from, to, key) +1
#define SCENARIO_ARC_COUNT                   (0 SCENARIO_ARCS(SCENARIO_ARC_PLUS_ONE))

struct scenario_arc {
	enum vfio_state from, to;
	const char *key; /* "pre_copy_p2p_to_stop_copy" */
};
extern const struct scenario_arc scenario_arcs[SCENARIO_ARC_COUNT];

/* Limits a scenario must respect (docs/scenarios.md says why). */
#define SCENARIO_MAX_DEVICES    65536 /* device instances in total */
#define SCENARIO_MAX_DEPTH      32767 /* parallel-prio packs depth << 16 into an int */
#define SCENARIO_MAX_MULTIFD    64
#define SCENARIO_MAX_RUNS       1000000
#define SCENARIO_MAX_DOMAIN_CAP 65536
#define SCENARIO_MAX_ITERATIONS 1000000000
#define SCENARIO_MAX_CORES      1024 /* the sim's platform has a pstate per count */
#define SCENARIO_MAX_VCPUS      4096 /* QEMU's x86 KVM limit (max_cpus) */
/* hosts.<side>.thread_stack_cache, stacks */
#define SCENARIO_MAX_STACK_CACHE 1000000
/* Work a run may take (issue 17, defect 7): what lies past these never
 * finishes on a workstation, so it is refused up front with an estimate.
 * Device data per run: 1 PiB is a day of a 100 Gbps link, and keeps byte
 * sums exact in doubles (2^53) and far from uint64 overflow. */
#define SCENARIO_MAX_RUN_BYTES (1ULL << 50)
/* Records (chunk-sized reads of device state) per run: each is a few
 * simulated events (measured 10-40 us of sim CPU per record on a loaded
 * 2-core machine), so 10^7 is minutes per run; 65,536 devices of 100 MiB
 * in 1 MiB chunks (6.6 * 10^6) fit. */
#define SCENARIO_MAX_RUN_RECORDS 10000000ULL
/* REINIT events per second of precopy (Poisson reinit.interval): each
 * re-reads the initial bytes, so a 1 ns interval is a CPU loop; a device
 * re-initialising more than every millisecond is not migrating. */
#define SCENARIO_MAX_REINIT_PER_S 1000.0
/* Device group names: instance names ("<name><index>") must fit the
 * engine's 48-byte device names. */
#define SCENARIO_MAX_NAME 40

/*
 * Everything the loader fills in when a key is absent.  Copy, then set the
 * owned pointers (names, arrays); the defaults own nothing.
 */
extern const struct scenario scenario_default;
extern const struct scn_domain scenario_default_domain;
extern const struct scn_handler scenario_default_handler;
/* count, depth, domain, profile name and REINIT workload (none; chunk
 * 1 MiB) of a device group; the profile fills the rest. */
extern const struct scn_device_group scenario_default_group;
/* probability 1; group and device are unset (-1). */
extern const struct scn_fault scenario_default_fault;

/* The words scenario files use for enum values, indexed by value
 * (strategy_name() and friends print from them). */
extern const struct names scenario_strategy_names;
extern const struct names scenario_thread_mode_names;
extern const struct names scenario_multifd_transfer_names;
extern const struct names scenario_ack_mode_names;
extern const struct names scenario_late_ack_rule_names;
extern const struct names scenario_event_design_names;
extern const struct names scenario_nonresponsive_from_names;
extern const struct names scenario_precopy_v2_names;
extern const struct names scenario_backend_names;
extern const struct names scenario_vfio_interface_names;
extern const struct names scenario_handler_pass_names;
extern const struct names scenario_handler_side_names;

/* The capability names of `capabilities:`, in the order they print. */
struct scenario_cap {
	uint32_t bit; /* VFIO_CAP_* */
	const char *name;
};
#define SCENARIO_CAP_COUNT 3
extern const struct scenario_cap scenario_caps[SCENARIO_CAP_COUNT];

/*
 * The device a fault's `device:` names: a group name (*device = -1: every
 * device of the group) or an instance name ("vf3": *device = 3, its index
 * in the group).  Returns how many devices the name matches (0: none; more
 * than 1: a group name that is also another group's instance name), with
 * the first match in *group, *device.
 */
size_t scenario_device_lookup(const struct scenario *s, const char *name, int *group, int *device);
/* The name a file gives fault `f`'s device: the inverse of the above. */
void scenario_fault_target(const struct scenario *s, const struct scn_fault *f, char *buf,
                           size_t len);

/* Records (chunk-sized reads of device state) a run takes at least: every
 * image read once, plus the REINIT data of a precopy as long as max_time
 * (the estimate the records limit above is checked against). */
double scenario_run_records(const struct scenario *s);

/*
 * Check what a loaded or hand-built scenario must satisfy beyond its types:
 * names, ranges, capabilities (STOP_COPY mandatory; more than one device
 * only if all have P2P; precopy keys only with PRE_COPY), domains, unique
 * names, both ends' switchover-ack, faults on devices and arcs that exist.  Returns 0, or -1 with
 * the key path of the culprit in `path` ("devices[1].capabilities") and the problem in `err`.
 */
int scenario_validate(const struct scenario *s, char *path, size_t pathlen, char *err,
                      size_t errlen);

/* Same content (the `file` they came from is not compared). */
bool scenario_equal(const struct scenario *a, const struct scenario *b);
/* Whether this scenario does multifd device-state transfer at switchover:
 * it has multifd channels and some device group's transfer mode (its
 * devices[].multifd_transfer, else migration.multifd_transfer) is not off.
 * A scenario has at least one group (validation), so without per-group
 * keys this is migration.multifd_transfer resolved against the channels. */
bool scenario_multifd_transfer(const struct scenario *s);
/* Whether device instance i sends its stop-copy state over the multifd
 * channels: its group's multifd_transfer (else the migration's) resolved
 * against the channels, as QEMU resolves each device's property. */
bool scenario_device_multifd_transfer(const struct scenario *s, size_t i);

#endif
