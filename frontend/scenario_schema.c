/*
 * scenario_schema.c - the libcyaml schema of a scenario file, and libcyaml's
 * errors as the loader's messages.
 */
#include "scenario_schema.h"

#include <cyaml/cyaml.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "scenario.h"

#define STR(key, flags, st, member)                                                                \
	CYAML_FIELD_STRING_PTR(key, (flags) | CYAML_FLAG_POINTER, st, member, 0, CYAML_UNLIMITED)
#define OPT CYAML_FLAG_OPTIONAL
#define REQ CYAML_FLAG_DEFAULT

static const cyaml_schema_value_t string_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED)};

static const cyaml_schema_field_t vm_fields[] = {
    STR("ram", OPT, struct raw_vm, ram),
    STR("dirty_rate", OPT, struct raw_vm, dirty_rate),
    STR("vcpus", OPT, struct raw_vm, vcpus),
    CYAML_FIELD_END,
};
const cyaml_schema_field_t scenario_schema_host_fields[] = {
    STR("profile", OPT, struct raw_host, profile),
    STR("cores", OPT, struct raw_host, cores),
    STR("send_cpu_per_byte", OPT, struct raw_host, send_cpu_per_byte),
    STR("recv_cpu_per_byte", OPT, struct raw_host, recv_cpu_per_byte),
    STR("vcpu_pause", OPT, struct raw_host, vcpu_pause),
    STR("vcpu_resume", OPT, struct raw_host, vcpu_resume),
    STR("wake_latency", OPT, struct raw_host, wake_latency),
    STR("task_cpu", OPT, struct raw_host, task_cpu),
    STR("sleep_cpu", OPT, struct raw_host, sleep_cpu),
    STR("unblock_cpu", OPT, struct raw_host, unblock_cpu),
    STR("send_cpu_per_frame", OPT, struct raw_host, send_cpu_per_frame),
    STR("recv_cpu_per_frame", OPT, struct raw_host, recv_cpu_per_frame),
    STR("device_read_cpu", OPT, struct raw_host, device_read_cpu),
    STR("device_read_end_cpu", OPT, struct raw_host, device_read_end_cpu),
    STR("device_write_cpu", OPT, struct raw_host, device_write_cpu),
    STR("thread_create", OPT, struct raw_host, thread_create),
    STR("thread_wake", OPT, struct raw_host, thread_wake),
    STR("thread_create_wait", OPT, struct raw_host, thread_create_wait),
    STR("thread_wake_wait", OPT, struct raw_host, thread_wake_wait),
    STR("thread_create_new_stack", OPT, struct raw_host, thread_create_new_stack),
    STR("thread_stack_cache", OPT, struct raw_host, thread_stack_cache),
    CYAML_FIELD_END,
};
static const cyaml_schema_field_t hosts_fields[] = {
    CYAML_FIELD_MAPPING_PTR("source", OPT, struct raw_hosts, source, scenario_schema_host_fields),
    CYAML_FIELD_MAPPING_PTR("destination", OPT, struct raw_hosts, destination,
                            scenario_schema_host_fields),
    STR("shared", OPT, struct raw_hosts, shared),
    CYAML_FIELD_END,
};
static const cyaml_schema_field_t network_fields[] = {
    STR("bandwidth", OPT, struct raw_network, bandwidth),
    STR("latency", OPT, struct raw_network, latency),
    STR("multifd_channels", OPT, struct raw_network, multifd_channels),
    CYAML_FIELD_END,
};
static const cyaml_schema_field_t migration_fields[] = {
    STR("downtime_limit", OPT, struct raw_migration, downtime_limit),
    STR("strategy", OPT, struct raw_migration, strategy),
    STR("max_iterations", OPT, struct raw_migration, max_iterations),
    STR("max_time", OPT, struct raw_migration, max_time),
    STR("chunk_size", OPT, struct raw_migration, chunk_size),
    STR("thread_create", OPT, struct raw_migration, thread_create),
    STR("thread_join", OPT, struct raw_migration, thread_join),
    STR("threads", OPT, struct raw_migration, threads),
    STR("thread_wake", OPT, struct raw_migration, thread_wake),
    STR("multifd_transfer", OPT, struct raw_migration, multifd_transfer),
    STR("switchover_ack", OPT, struct raw_migration, switchover_ack),
    STR("switchover_ack_destination", OPT, struct raw_migration, switchover_ack_destination),
    STR("late_ack_rule", OPT, struct raw_migration, late_ack_rule),
    STR("stop_gap", OPT, struct raw_migration, stop_gap),
    CYAML_FIELD_END,
};
static const cyaml_schema_field_t events_fields[] = {
    STR("design", OPT, struct raw_events, design),
    STR("rdma_timeout", OPT, struct raw_events, rdma_timeout),
    STR("nonresponsive_from", OPT, struct raw_events, nonresponsive_from),
    CYAML_FIELD_END,
};
static const cyaml_schema_field_t domain_fields[] = {
    STR("name", REQ, struct raw_domain, name),
    STR("capacity", OPT, struct raw_domain, capacity),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t domain_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_domain, domain_fields)};

#define ARC_FIELD(f, t, key)                                                                       \
	STR(key, OPT, struct raw_latency, arc[VFIO_STATE_##f * VFIO_STATE_COUNT + VFIO_STATE_##t]),
static const cyaml_schema_field_t latency_fields[] = {
    STR("default", OPT, struct raw_latency, def),
    STR("query", OPT, struct raw_latency, query),
    SCENARIO_ARCS(ARC_FIELD) CYAML_FIELD_END,
};
#undef ARC_FIELD
static const cyaml_schema_field_t load_fields[] = {
    STR("fixed", OPT, struct raw_load, fixed),
    STR("rate", OPT, struct raw_load, rate),
    STR("image", OPT, struct raw_load, image),
    CYAML_FIELD_END,
};
static const cyaml_schema_field_t init_load_fields[] = {
    STR("fixed", OPT, struct raw_load, fixed),
    STR("rate", OPT, struct raw_load, rate),
    CYAML_FIELD_END,
};
static const cyaml_schema_field_t reinit_fields[] = {
    CYAML_FIELD_SEQUENCE("times", CYAML_FLAG_POINTER | OPT, struct raw_reinit, times, &string_entry,
                         0, CYAML_UNLIMITED),
    STR("interval", OPT, struct raw_reinit, interval),
    STR("chunk", OPT, struct raw_reinit, chunk),
    CYAML_FIELD_END,
};
static const cyaml_schema_field_t vfio_fields[] = {
    CYAML_FIELD_SEQUENCE("source", CYAML_FLAG_POINTER | OPT, struct raw_vfio, source, &string_entry,
                         0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("destination", CYAML_FLAG_POINTER | OPT, struct raw_vfio, destination,
                         &string_entry, 0, CYAML_UNLIMITED),
    STR("interface", OPT, struct raw_vfio, interface),
    CYAML_FIELD_END,
};
/* The keys that describe the device model: a devices[] entry's and a
 * device profile file's `device:` (frontend/device_profile.c). */
#define DEVICE_MODEL_FIELDS                                                                        \
	CYAML_FIELD_SEQUENCE("capabilities", CYAML_FLAG_POINTER | OPT, struct raw_device,          \
	                     capabilities, &string_entry, 0, CYAML_UNLIMITED),                     \
	    STR("state_size", OPT, struct raw_device, state_size),                                 \
	    STR("header_size", OPT, struct raw_device, header_size),                               \
	    STR("initial_bytes", OPT, struct raw_device, initial_bytes),                           \
	    STR("precopy_dirty_rate", OPT, struct raw_device, precopy_dirty_rate),                 \
	    STR("save_rate", OPT, struct raw_device, save_rate),                                   \
	    CYAML_FIELD_MAPPING_PTR("latency", OPT, struct raw_device, latency, latency_fields),   \
	    CYAML_FIELD_MAPPING_PTR("load", OPT, struct raw_device, load, load_fields),            \
	    STR("precopy_info_v2", OPT, struct raw_device, precopy_info_v2),                       \
	    CYAML_FIELD_MAPPING_PTR("init_load", OPT, struct raw_device, init_load,                \
	                            init_load_fields),                                             \
	    STR("arc_cpu_fraction", OPT, struct raw_device, arc_cpu_fraction)
static const cyaml_schema_field_t device_fields[] = {
    STR("name", REQ, struct raw_device, name),
    STR("profile", OPT, struct raw_device, profile),
    STR("count", OPT, struct raw_device, count),
    STR("depth", OPT, struct raw_device, depth),
    DEVICE_MODEL_FIELDS,
    CYAML_FIELD_MAPPING_PTR("reinit", OPT, struct raw_device, reinit, reinit_fields),
    STR("final_check_failure", OPT, struct raw_device, final_check_failure),
    STR("precopy_save_error", OPT, struct raw_device, precopy_save_error),
    STR("destination_starts_running", OPT, struct raw_device, destination_starts_running),
    STR("multifd_transfer", OPT, struct raw_device, multifd_transfer),
    STR("domain", OPT, struct raw_device, domain),
    STR("backend", OPT, struct raw_device, backend),
    CYAML_FIELD_MAPPING_PTR("vfio", OPT, struct raw_device, vfio, vfio_fields),
    CYAML_FIELD_END,
};
const cyaml_schema_field_t scenario_schema_device_model_fields[] = {
    DEVICE_MODEL_FIELDS,
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t device_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_device, device_fields)};
static const cyaml_schema_field_t handler_fields[] = {
    STR("name", REQ, struct raw_handler, name),
    STR("depth", OPT, struct raw_handler, depth),
    STR("subsystem", OPT, struct raw_handler, subsystem),
    STR("pass", OPT, struct raw_handler, pass),
    STR("side", OPT, struct raw_handler, side),
    STR("cost", OPT, struct raw_handler, cost),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t handler_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_handler, handler_fields)};
static const cyaml_schema_field_t fault_fields[] = {
    STR("device", REQ, struct raw_fault, device),
    STR("arc", REQ, struct raw_fault, arc),
    STR("probability", OPT, struct raw_fault, probability),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t fault_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_fault, fault_fields)};
static const cyaml_schema_field_t top_fields[] = {
    STR("name", REQ, struct raw_top, name),
    STR("description", OPT, struct raw_top, description),
    CYAML_FIELD_MAPPING_PTR("vm", OPT, struct raw_top, vm, vm_fields),
    CYAML_FIELD_MAPPING_PTR("hosts", OPT, struct raw_top, hosts, hosts_fields),
    CYAML_FIELD_MAPPING_PTR("network", OPT, struct raw_top, network, network_fields),
    CYAML_FIELD_MAPPING_PTR("migration", OPT, struct raw_top, migration, migration_fields),
    CYAML_FIELD_MAPPING_PTR("events", OPT, struct raw_top, events, events_fields),
    CYAML_FIELD_SEQUENCE("domains", CYAML_FLAG_POINTER | OPT, struct raw_top, domains,
                         &domain_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("devices", CYAML_FLAG_POINTER, struct raw_top, devices, &device_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("handlers", CYAML_FLAG_POINTER | OPT, struct raw_top, handlers,
                         &handler_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("faults", CYAML_FLAG_POINTER | OPT, struct raw_top, faults, &fault_entry,
                         0, CYAML_UNLIMITED),
    STR("runs", OPT, struct raw_top, runs),
    STR("seed", OPT, struct raw_top, seed),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t top_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_top, top_fields)};

/* The schema of the value at key path `path` under `root`, or NULL. */
static const cyaml_schema_value_t *schema_at(const cyaml_schema_value_t *root, const char *path)
{
	const cyaml_schema_value_t *v = root;
	const char *p = path;

	while (*p) {
		size_t n;
		const cyaml_schema_field_t *f;

		if (*p == '[') {
			if (v->type != CYAML_SEQUENCE)
				return NULL;
			v = v->sequence.entry;
			p = strchr(p, ']');
			if (!p)
				return NULL;
			p++;
			continue;
		}
		if (*p == '.')
			p++;
		n = strcspn(p, ".[");
		if (v->type != CYAML_MAPPING)
			return NULL;
		for (f = v->mapping.fields; f->key; f++)
			if (strlen(f->key) == n && strncmp(f->key, p, n) == 0)
				break;
		if (!f->key)
			return NULL;
		v = &f->value;
		p += n;
	}
	return v;
}

static const char *schema_wants(const cyaml_schema_value_t *v)
{
	if (!v)
		return "something else";
	switch (v->type) {
	case CYAML_MAPPING:
		return "a mapping (key: value lines)";
	case CYAML_SEQUENCE:
		return "a list";
	default:
		return "a single value";
	}
}

/* "a, b or c": the keys a mapping accepts. */
static void schema_keys(const cyaml_schema_value_t *v, char *buf, size_t len)
{
	GPtrArray *keys = g_ptr_array_new();

	if (v && v->type == CYAML_MAPPING)
		for (const cyaml_schema_field_t *f = v->mapping.fields; f->key; f++)
			g_ptr_array_add(keys, (char *)f->key);
	names_list(&(struct names){(const char *const *)keys->pdata, keys->len}, buf, len);
	g_ptr_array_free(keys, TRUE);
}

struct cyaml_log {
	char buf[4096];
	size_t len;
};

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct cyaml_log *l = ctx;
	int n;

	(void)level;
	if (l->len + 1 >= sizeof(l->buf))
		return;
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, args);
	if (n > 0)
		l->len +=
		    (size_t)n < sizeof(l->buf) - l->len ? (size_t)n : sizeof(l->buf) - l->len - 1;
}

/*
 * Turn libcyaml's log into FILE:LINE: KEY.  It logs the error
 * ("Load: Unexpected key: foo"), then "Load: Backtrace:" and one line per
 * open container, innermost first: "  in mapping field 'count' (line: 5,
 * column: 12)", "  in mapping (line: ...)" (no field current) or "  in
 * sequence entry '2' (...)" (a 1-based count of entries seen).  Those lines
 * are of the text libcyaml read, which after --set is not the file, so only
 * the key path is taken from them.
 */
static int cyaml_fail(struct loader *L, const cyaml_schema_value_t *root, cyaml_err_t e,
                      const struct cyaml_log *log)
{
	char path[KEY_PATH_LEN] = "", msg[512] = "", keys[512];
	const char *frames[KEY_LINES_MAX_DEPTH + 2];
	size_t n_frames = 0;
	char *copy = strndup(log->buf, log->len), *line, *save = NULL;
	const char *what = "";

	if (!copy)
		return loader_oom(L);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "  in ", 5) == 0) {
			if (n_frames < sizeof(frames) / sizeof(frames[0]))
				frames[n_frames++] = line + 5;
		} else if (strncmp(line, "Load: ", 6) == 0 && strcmp(line, "Load: Backtrace:") &&
		           !msg[0]) {
			snprintf(msg, sizeof(msg), "%s", line + 6);
		}
	}
	for (size_t i = n_frames; i-- > 0;) {
		size_t used = strlen(path);
		unsigned long entry;
		char field[128];

		if (sscanf(frames[i], "mapping field '%127[^']'", field) == 1) {
			/* A missing key is reported with the last key seen in its
			 * mapping as the innermost field: the mapping is the place. */
			if (i == 0 && e == CYAML_ERR_MAPPING_FIELD_MISSING)
				continue;
			snprintf(path + used, sizeof(path) - used, "%s%s", used ? "." : "", field);
		} else if (sscanf(frames[i], "sequence entry '%lu'", &entry) == 1 && entry > 0) {
			snprintf(path + used, sizeof(path) - used, "[%lu]", entry - 1);
		}
	}
	free(copy);

	switch (e) {
	case CYAML_ERR_INVALID_KEY: {
		const char *key = strncmp(msg, "Unexpected key: ", 16) == 0 ? msg + 16 : "?";
		char parent[KEY_PATH_LEN];
		snprintf(parent, sizeof(parent), "%s", path);
		schema_keys(schema_at(root, parent), keys, sizeof(keys));
		{
			size_t used = strlen(path);
			snprintf(path + used, sizeof(path) - used, "%s%s", used ? "." : "", key);
		}
		return loader_fail(L, path, "unknown key '%s': expected %s%s", key,
		                   keys[0] ? "one of " : "a known key", keys);
	}
	case CYAML_ERR_MAPPING_FIELD_MISSING: {
		const char *key = strrchr(msg, ' ') ? strrchr(msg, ' ') + 1 : "?";
		size_t used = strlen(path);
		snprintf(path + used, sizeof(path) - used, "%s%s", used ? "." : "", key);
		return loader_fail(L, path, "missing required key '%s'", key);
	}
	case CYAML_ERR_OOM:
		return loader_oom(L);
	default:
		break;
	}
	if (strstr(msg, "MAPPING_START"))
		what = ", got a mapping";
	else if (strstr(msg, "SEQUENCE_START"))
		what = ", got a list";
	else if (strstr(msg, "got event: SCALAR"))
		what = ", got a single value";
	if (*what)
		return loader_fail(L, path, "expected %s%s", schema_wants(schema_at(root, path)),
		                   what);
	return loader_fail(L, path, "%s (libcyaml: %s)", msg[0] ? msg : "invalid document",
	                   cyaml_strerror(e));
}

int schema_load(struct loader *L, const cyaml_schema_value_t *root, const char *text, size_t len,
                void **out)
{
	struct cyaml_log log = {.len = 0};
	const cyaml_config_t cfg = {.log_fn = capture_log,
	                            .log_ctx = &log,
	                            .mem_fn = cyaml_mem,
	                            .log_level = CYAML_LOG_ERROR,
	                            .flags = CYAML_CFG_NO_ALIAS};
	cyaml_err_t ce;

	*out = NULL;
	ce = cyaml_load_data((const uint8_t *)text, len, &cfg, root, (cyaml_data_t **)out, NULL);
	return ce == CYAML_OK ? 0 : cyaml_fail(L, root, ce, &log);
}

int schema_load_mapping(struct loader *L, const cyaml_schema_value_t *root, const char *text,
                        size_t len, const char *shape, void **out)
{
	struct key_lines_result wr;
	int rc = key_lines_walk(text, len, &L->lines, &wr);

	*out = NULL;
	if (rc == -ENOMEM)
		return loader_oom(L);
	if (rc) {
		snprintf(L->err, L->errlen, "%s:%d: %s", L->name, wr.line, wr.msg);
		return -1;
	}
	L->keys = &L->lines;
	if (wr.root != ROOT_MAPPING) {
		snprintf(L->err, L->errlen, "%s:%d: %s", L->name, wr.root_line ? wr.root_line : 1,
		         shape);
		return -1;
	}
	return schema_load(L, root, text, len, out);
}

void schema_free(const cyaml_schema_value_t *root, void *data)
{
	static const cyaml_config_t cfg = {.mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR};

	if (data)
		cyaml_free(&cfg, root, data, 0);
}

int scenario_schema_load(struct loader *L, const char *text, size_t len, struct raw_top **raw)
{
	void *out;
	int rc = schema_load(L, &top_schema, text, len, &out);
	*raw = out;
	return rc;
}

void scenario_schema_free(struct raw_top *raw)
{
	schema_free(&top_schema, raw);
}
