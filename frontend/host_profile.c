/*
 * host_profile.c - loading a host profile file (see host_profile.h): the
 * same steps as a scenario file (key lines, libcyaml schema, the host keys'
 * conversion shared with hosts.<side> of a scenario), so its errors name
 * its own file, line and key.
 */
#include "host_profile.h"

#include <cyaml/cyaml.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "profile_file.h"
#include "scenario_convert.h"
#include "scenario_schema.h"

/* A host profile is a small YAML file: as large as a scenario may be. */
#define HOST_PROFILE_MAX_BYTES (64u << 20)

/* One measurement the profile's values were derived from (provenance:
 * read, checked for shape, not used by the model). */
struct raw_measurement {
	char *what, *unit, *median, *min, *max, *samples;
};

struct raw_host_profile {
	char *name, *description, *command, *date, *cpu, *machine;
	struct raw_host *host;
	struct raw_measurement *measurements;
	unsigned measurements_count;
};

#define STR(key, flags, st, member)                                                                \
	CYAML_FIELD_STRING_PTR(key, (flags) | CYAML_FLAG_POINTER, st, member, 0, CYAML_UNLIMITED)
#define OPT CYAML_FLAG_OPTIONAL

static const cyaml_schema_field_t measurement_fields[] = {
    STR("what", CYAML_FLAG_DEFAULT, struct raw_measurement, what),
    STR("unit", OPT, struct raw_measurement, unit),
    STR("median", CYAML_FLAG_DEFAULT, struct raw_measurement, median),
    STR("min", OPT, struct raw_measurement, min),
    STR("max", OPT, struct raw_measurement, max),
    STR("samples", OPT, struct raw_measurement, samples),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t measurement_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_measurement, measurement_fields)};
static const cyaml_schema_field_t profile_fields[] = {
    STR("name", CYAML_FLAG_DEFAULT, struct raw_host_profile, name),
    STR("description", OPT, struct raw_host_profile, description),
    STR("command", OPT, struct raw_host_profile, command),
    STR("date", OPT, struct raw_host_profile, date),
    STR("cpu", OPT, struct raw_host_profile, cpu),
    STR("machine", OPT, struct raw_host_profile, machine),
    CYAML_FIELD_MAPPING_PTR("host", CYAML_FLAG_DEFAULT, struct raw_host_profile, host,
                            scenario_schema_host_fields),
    CYAML_FIELD_SEQUENCE("measurements", CYAML_FLAG_POINTER | OPT, struct raw_host_profile,
                         measurements, &measurement_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t profile_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_host_profile, profile_fields)};

static const struct {
	const char *key, *meaning;
} key_meanings[] = {
    {"cores", "cores of the machine (0: unlimited)"},
    {"send_cpu_per_byte", "CPU time per stream byte sent (socket send)"},
    {"recv_cpu_per_byte", "CPU time per stream byte received (socket receive)"},
    {"vcpu_pause", "CPU time per vCPU at the VM stop"},
    {"vcpu_resume", "CPU time per vCPU at the VM start"},
    {"wake_latency", "wall time added to every sleep (timer lateness)"},
    {"task_cpu", "CPU time per task of its own (start, bookkeeping, end)"},
    {"sleep_cpu", "CPU time per sleep (arming the timer, switching)"},
    {"unblock_cpu", "CPU time per resume after blocking on a semaphore"},
    {"send_cpu_per_frame", "CPU time per stream frame sent, besides its bytes"},
    {"recv_cpu_per_frame", "CPU time per stream frame received, besides its bytes"},
    {"device_read_cpu", "CPU time per device data read, besides its bytes"},
    {"device_read_end_cpu", "CPU time per device data read that finds no data"},
    {"device_write_cpu", "CPU time per device data write, besides its bytes"},
    {"thread_create", "CPU time of the caller per thread spawn"},
    {"thread_wake", "CPU time of the caller per pool hand-off or waking release"},
    {"thread_create_wait", "wall time of the caller per spawn beyond its CPU"},
    {"thread_wake_wait", "wall time of the caller per hand-off beyond its CPU"},
    {"thread_create_new_stack", "CPU time of the caller per spawn that maps a new stack"},
    {"thread_stack_cache", "joined threads' stacks the thread library keeps for reuse"},
};

const char *host_profile_key_meaning(const char *key)
{
	for (size_t i = 0; i < sizeof(key_meanings) / sizeof(key_meanings[0]); i++)
		if (!strcmp(key_meanings[i].key, key))
			return key_meanings[i].meaning;
	return NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? g_strdup(s) : NULL;
}

/* One key host: sets, and its line in the file. */
struct key_at {
	const char *key, *text;
	int line;
};

static int by_line(const void *a, const void *b)
{
	const struct key_at *x = a, *y = b;
	return (x->line > y->line) - (x->line < y->line);
}

/* What `info` shows of the profile `p` (its key lines in L): its
 * provenance fields, the keys host: sets with their text in the order of
 * the file, the measurements. */
static void copy_info(struct loader *L, const struct raw_host_profile *p,
                      struct host_profile_info *info)
{
	struct key_at at[64];
	size_t n = 0;

	info->name = g_strdup(p->name);
	info->description = dup_or_null(p->description);
	info->command = dup_or_null(p->command);
	info->date = dup_or_null(p->date);
	info->cpu = dup_or_null(p->cpu);
	info->machine = dup_or_null(p->machine);
	for (const cyaml_schema_field_t *f = scenario_schema_host_fields; f->key; f++) {
		const char *text = *(char *const *)((const char *)p->host + f->data_offset);
		if (!text || !strcmp(f->key, "profile") || n == G_N_ELEMENTS(at))
			continue;
		char *path = g_strconcat("host.", f->key, NULL);
		at[n++] = (struct key_at){f->key, text, key_lines_get(&L->lines, path)};
		g_free(path);
	}
	/* stable: keys on one line ({cores: 2, ...}) keep the schema's order */
	for (size_t i = 0; i < n; i++)
		at[i].line = at[i].line * 64 + (int)i;
	qsort(at, n, sizeof at[0], by_line);
	info->keys = g_new(char *, n);
	info->values = g_new(char *, n);
	for (size_t i = 0; i < n; i++) {
		info->keys[i] = g_strdup(at[i].key);
		info->values[i] = g_strdup(at[i].text);
	}
	info->n_keys = n;
	info->measurements = g_new0(struct host_profile_measurement, p->measurements_count);
	for (unsigned i = 0; i < p->measurements_count; i++) {
		const struct raw_measurement *m = &p->measurements[i];
		info->measurements[i] = (struct host_profile_measurement){
		    dup_or_null(m->what), dup_or_null(m->unit), dup_or_null(m->median),
		    dup_or_null(m->min),  dup_or_null(m->max),  dup_or_null(m->samples)};
	}
	info->n_measurements = p->measurements_count;
}

/* The profile in `text` over *o; what it shows into *info if not NULL. */
static int load_text(struct loader *L, const char *text, size_t len, struct scn_host *o,
                     struct host_profile_info *info)
{
	void *data;
	int rc;

	if (schema_load_mapping(L, &profile_schema, text, len,
	                        "a host profile is a mapping (name: ..., host: {cores: ...})",
	                        &data))
		return -1;
	const struct raw_host_profile *p = data;
	if (p->host->profile)
		rc = loader_fail(L, "host.profile",
		                 "a host profile cannot name another profile: remove profile:");
	else
		rc = scenario_convert_host(L, "host", p->host, o);
	if (rc == 0 && info)
		copy_info(L, p, info);
	schema_free(&profile_schema, data);
	return rc;
}

/* Find and load host profile `name` over *o (see host_profile_load());
 * with `info`, also what it shows. */
static int load_file(const char *name, const char *from, struct scn_host *o,
                     struct host_profile_info *info, char *err, size_t errlen)
{
	char *text;
	size_t len = 0;
	const char *origin = NULL;
	char *path = profile_file_read("hosts", "host", name, from, HOST_PROFILE_MAX_BYTES, &text,
	                               &len, &origin, err, errlen);
	int rc = -1;

	if (path) {
		struct loader L = {.name = path, .err = err, .errlen = errlen};
		struct scn_host h = *o;
		rc = load_text(&L, text, len, &h, info);
		loader_free(&L);
		if (rc == 0 && !(h.profile = strdup(name))) {
			snprintf(err, errlen, "%s: out of memory", path);
			rc = -1;
		}
		if (rc == 0) {
			free(o->profile);
			*o = h;
		}
		if (info) {
			info->file = path;
			info->origin = origin;
			path = NULL;
		}
	}
	g_free(text);
	g_free(path);
	return rc ? -1 : 0;
}

int host_profile_load(const char *name, const char *from, struct scn_host *o, char *err,
                      size_t errlen)
{
	return load_file(name, from, o, NULL, err, errlen);
}

int host_profile_info_load(const char *name, const char *from, struct host_profile_info *out,
                           char *err, size_t errlen)
{
	*out = (struct host_profile_info){0};
	if (load_file(name, from, &out->host, out, err, errlen)) {
		host_profile_info_free(out);
		return -1;
	}
	free(out->host.profile);
	out->host.profile = NULL;
	return 0;
}

void host_profile_info_free(struct host_profile_info *p)
{
	g_free(p->name);
	g_free(p->file);
	g_free(p->description);
	g_free(p->command);
	g_free(p->date);
	g_free(p->cpu);
	g_free(p->machine);
	for (size_t i = 0; i < p->n_keys; i++) {
		g_free(p->keys[i]);
		g_free(p->values[i]);
	}
	g_free(p->keys);
	g_free(p->values);
	for (size_t i = 0; i < p->n_measurements; i++) {
		struct host_profile_measurement *m = &p->measurements[i];
		g_free(m->what);
		g_free(m->unit);
		g_free(m->median);
		g_free(m->min);
		g_free(m->max);
		g_free(m->samples);
	}
	g_free(p->measurements);
	free(p->host.profile);
	*p = (struct host_profile_info){0};
}
