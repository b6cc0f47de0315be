/*
 * scenario_schema.h - the structure of a scenario file as a libcyaml schema,
 * and libcyaml's errors as the loader's messages.
 *
 * Every leaf is a string (struct raw_*), parsed by scenario_convert.c:
 * libcyaml 1.3.1's own scalar parsing is too lax for user input (INT takes
 * "4x" as 4, UINT takes "-1" as 2^64-1, BOOL takes any word but a few as
 * true).
 * libcyaml checks the structure: unknown keys, missing required keys, a
 * list or mapping where a single value belongs.  Its backtrace gives the
 * key path of the error, which the loader turns into a line of the file.
 */
#ifndef SWITCHOVER_FRONTEND_SCENARIO_SCHEMA_H
#define SWITCHOVER_FRONTEND_SCENARIO_SCHEMA_H

#include <cyaml/cyaml.h>
#include <stddef.h>

#include "loader.h"
#include "vfio_fsm.h"

struct raw_vm {
	char *ram, *dirty_rate, *vcpus;
};
/* One host's keys, in a scenario's hosts.<side> (with `profile`) and at
 * the top of a host profile file (frontend/host_profile.c). */
struct raw_host {
	char *profile, *cores, *send_cpu_per_byte, *recv_cpu_per_byte, *vcpu_pause, *vcpu_resume,
	    *wake_latency, *task_cpu, *send_cpu_per_frame, *recv_cpu_per_frame, *device_read_cpu,
	    *device_write_cpu, *sleep_cpu, *device_read_end_cpu, *unblock_cpu, *thread_create,
	    *thread_wake, *thread_create_wait, *thread_wake_wait, *thread_create_new_stack,
	    *thread_stack_cache;
};
struct raw_hosts {
	struct raw_host *source, *destination;
	char *shared;
};
struct raw_network {
	char *bandwidth, *latency, *multifd_channels;
};
struct raw_migration {
	char *downtime_limit, *strategy, *max_iterations, *max_time, *chunk_size, *thread_create,
	    *thread_join, *threads, *thread_wake, *multifd_transfer, *switchover_ack,
	    *switchover_ack_destination, *late_ack_rule, *stop_gap;
};
struct raw_events {
	char *design, *rdma_timeout, *nonresponsive_from;
};
struct raw_domain {
	char *name, *capacity;
};
struct raw_latency {
	char *def, *query;
	char *arc[VFIO_STATE_COUNT * VFIO_STATE_COUNT]; /* [from * COUNT + to] */
};
struct raw_load {
	char *fixed, *rate;
	char *image; /* load only, not init_load */
};
struct raw_reinit {
	char **times;
	unsigned times_count;
	char *interval, *chunk;
};
struct raw_vfio {
	char **source;
	unsigned source_count;
	char **destination;
	unsigned destination_count;
	char *interface;
};
struct raw_device {
	char *name, *profile, *count, *depth, *backend;
	struct raw_vfio *vfio;
	char **capabilities;
	unsigned capabilities_count;
	char *state_size, *header_size, *initial_bytes, *precopy_dirty_rate, *save_rate;
	struct raw_latency *latency;
	struct raw_load *load;
	char *precopy_info_v2;
	struct raw_load *init_load;
	struct raw_reinit *reinit;
	char *final_check_failure, *precopy_save_error, *destination_starts_running;
	char *multifd_transfer;
	char *domain;
	char *arc_cpu_fraction;
};
struct raw_fault {
	char *device, *arc, *probability;
};
struct raw_handler {
	char *name, *depth, *subsystem, *pass, *side, *cost;
};
struct raw_top {
	char *name, *description;
	struct raw_vm *vm;
	struct raw_hosts *hosts;
	struct raw_network *network;
	struct raw_migration *migration;
	struct raw_events *events;
	struct raw_domain *domains;
	unsigned domains_count;
	struct raw_device *devices;
	unsigned devices_count;
	struct raw_handler *handlers;
	unsigned handlers_count;
	struct raw_fault *faults;
	unsigned faults_count;
	char *runs, *seed;
};

/*
 * Load `text` (a YAML mapping) with the schema into *raw (NULL for an empty
 * document).  Returns 0, or -1 / -ENOMEM with the message in L->err.
 */
int scenario_schema_load(struct loader *L, const char *text, size_t len, struct raw_top **raw);
void scenario_schema_free(struct raw_top *raw);

/* The same with any schema `root` (a host profile file's): *out is its
 * struct, to free with schema_free(root, *out). */
int schema_load(struct loader *L, const cyaml_schema_value_t *root, const char *text, size_t len,
                void **out);
void schema_free(const cyaml_schema_value_t *root, void *data);
/*
 * A whole data file (a host or device profile) with `root`: the key lines
 * of `text` into L->lines (L->keys points at them), a top level that is a
 * mapping (else "FILE:LINE: `shape`"), then schema_load().
 */
int schema_load_mapping(struct loader *L, const cyaml_schema_value_t *root, const char *text,
                        size_t len, const char *shape, void **out);

/* The fields of struct raw_host (profile included), for host profile files. */
extern const cyaml_schema_field_t scenario_schema_host_fields[];
/* The fields of struct raw_device that describe the device model (not
 * name, profile, count, depth, domain, backend, vfio, reinit,
 * final_check_failure), for device profile files. */
extern const cyaml_schema_field_t scenario_schema_device_model_fields[];

#endif
