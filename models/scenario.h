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

#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "vfio_fsm.h"

enum strategy_kind {
	STRATEGY_SEQUENTIAL = 0,
	STRATEGY_PARALLEL_PRIO = 1,
	STRATEGY_PARALLEL_BARRIER = 2,
};
#define STRATEGY_COUNT 3
const char *strategy_name(enum strategy_kind s); /* "parallel-prio" */
int strategy_parse(const char *name);            /* -1 when unknown */

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
	char *profile;                /* profile the defaults came from */
	unsigned count;
	int depth;                    /* qdev depth: bus hops to the root */
	uint32_t caps;                /* VFIO_CAP_* */
	uint64_t state_bytes;         /* stop-copy data read to EOF in STOP_COPY */
	uint64_t initial_bytes;       /* precopy initial bytes at setup */
	double precopy_dirty_Bps;     /* precopy dirty data the device produces */
	/* Latency of each direct arc [from][to]; unused for non-arcs. */
	struct dist arc_latency[VFIO_STATE_COUNT][VFIO_STATE_COUNT];
	struct dist query_latency;    /* precopy-info and data-size queries */
	double load_fixed_s;          /* destination: per write() call */
	double load_Bps;              /* destination load rate; 0 = instant */
	int domain;                   /* index in scenario.domains, or -1 */
};

/* A non-VFIO VM change-state handler (virtio, block, subsystems). */
struct scn_handler {
	char *name;
	int depth;                    /* qdev depth, or -1: subsystem at priority 0 */
	enum handler_pass pass;
	enum handler_side side;
	struct dist cost;             /* time the handler runs */
};

struct scenario {
	char *name;
	char *description;
	char *file;                   /* path it was loaded from (for messages) */

	/* vm */
	uint64_t ram_bytes;
	double ram_dirty_Bps;         /* guest dirty-page rate during precopy */

	/* network */
	double bandwidth_Bps;         /* link bandwidth, bytes per second */
	double latency_s;             /* one-way link latency */
	unsigned multifd_channels;    /* 0: RAM on the main stream */

	/* migration */
	double downtime_limit_s;      /* QEMU downtime-limit (default 300 ms) */
	enum strategy_kind strategy;
	unsigned max_iterations;      /* management forces switchover after this */
	double max_time_s;            /* ... or after this much precopy time */
	uint64_t chunk_bytes;         /* device data read/sent per record */
	double thread_create_s;       /* sim cost of creating one thread */
	double thread_join_s;         /* sim cost of joining one thread */

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
