/*
 * scenario_yaml.h - scenario files: load (YAML + --set overrides), print.
 *
 * The format is documented key by key in docs/scenarios.md.  Loading checks
 * structure with a libcyaml schema (unknown keys, a list where a value
 * belongs, ...), then parses every value (units, distributions, names) and
 * validates the whole; every error names the file, the line and the key path
 * ("cx7.yaml:12: devices[0].latency.query: ..."), or the --set argument the
 * bad value came from.
 *
 * The second half declares the parts of scenario.c that scenario.h does not
 * (profiles, defaults, validation, equality); they live here so that
 * scenario.h stays the engine's small view of a scenario.
 */
#ifndef SWITCHOVER_SCENARIO_YAML_H
#define SWITCHOVER_SCENARIO_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

/*
 * Load a scenario file.  `sets` are --set "key=value" overrides applied to
 * the YAML document before validation: dotted key paths
 * (migration.strategy=parallel-prio), indexed list entries
 * (devices[1].count=8), or every entry of a list (devices.count=8); missing
 * mappings are created; a value starting with '[' or '{' is YAML flow text
 * (devices[0].capabilities=[stop_copy,p2p]).  Returns 0 and a scenario to
 * release with scenario_free(), or -1 with err = "FILE:LINE: KEY: what is
 * wrong and what would be right" (or "--set KEY=VALUE: KEY: ...").
 */
int scenario_load_file(const char *path, const char *const *sets, size_t n_sets,
                       struct scenario **out, char *err, size_t errlen);
/* The same from memory; `name_for_errors` stands for the file name. */
int scenario_load_text(const char *name_for_errors, const char *text, size_t len,
                       const char *const *sets, size_t n_sets, struct scenario **out, char *err,
                       size_t errlen);
/*
 * The fully resolved scenario (every default filled in) as YAML text that
 * scenario_load_text() accepts and loads back to an equal scenario.
 * malloc'd; NULL on ENOMEM (or on text libyaml cannot write, such as
 * invalid UTF-8 in a hand-built scenario).
 */
char *scenario_to_yaml(const struct scenario *s);

/* ---- scenario.c: names, limits, defaults, profiles, validation ---- */

/*
 * The direct arcs that have a latency key, X(from, to, "key").  The first
 * 15 are the arcs of a full-capability driver (DOMAIN §1); the last three
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
#define SCENARIO_ARC_COUNT 18

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

/* The words scenario files use for enum values, in value order and
 * NULL-terminated (strategy_name() and friends print from them). */
extern const char *const scenario_strategy_names[];
extern const char *const scenario_thread_mode_names[];
extern const char *const scenario_ack_mode_names[];
extern const char *const scenario_late_ack_rule_names[];
extern const char *const scenario_event_design_names[];
extern const char *const scenario_nonresponsive_from_names[];
extern const char *const scenario_precopy_v2_names[];
extern const char *const scenario_backend_names[];
extern const char *const scenario_vfio_interface_names[];

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

/* A latency a profile sets for one arc (others take its default). */
struct scenario_profile_arc {
	enum vfio_state from, to;
	double latency_s;
};

/* Built-in device profiles: every device key a group does not set. */
struct scenario_profile {
	const char *name;
	uint32_t caps;
	uint64_t state_bytes;
	uint64_t initial_bytes;
	double precopy_dirty_Bps;
	double latency_default_s; /* every arc not in arcs[] */
	double query_s;
	const struct scenario_profile_arc *arcs;
	size_t n_arcs;
	double load_fixed_s;
	double load_Bps;
	double init_load_fixed_s; /* destination load of initial bytes */
	double init_load_Bps;
	enum precopy_v2 precopy_info_v2;
};

/* The profile called `name`, or NULL. */
const struct scenario_profile *scenario_profile_find(const char *name);
/* "generic, mlx5-cx7 or null", for messages. */
extern const char scenario_profile_names[];
/* Latency `p` gives arc from -> to explicitly; false if it uses its default. */
bool scenario_profile_arc(const struct scenario_profile *p, enum vfio_state from,
                          enum vfio_state to, double *latency_s);

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

/* "a, b or c": the NULL-terminated `names` as a list for messages. */
void scenario_word_list(const char *const *names, char *buf, size_t len);

#endif
