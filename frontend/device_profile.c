/*
 * device_profile.c - loading a device profile file (see device_profile.h):
 * the same steps as a scenario file (key lines, libcyaml schema with the
 * device model's keys of a devices[] entry, their conversion shared with
 * scenario_convert.c), so its errors name its own file, line and key; then
 * the provenance that every key it sets must carry, and only those.
 */
#include "device_profile.h"

#include <cyaml/cyaml.h>
#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "names.h"
#include "profile_file.h"
#include "scenario_schema.h"

/* A device profile is a small YAML file: as large as a scenario may be. */
#define DEVICE_PROFILE_MAX_BYTES (64u << 20)

/* Where a leaf key's text is in struct raw_device. */
enum leaf_in { IN_DEVICE, IN_CAPS, IN_LATENCY, IN_LOAD, IN_INIT_LOAD };
struct leaf {
	char key[48]; /* "latency.pre_copy_p2p_to_stop_copy" */
	enum leaf_in in;
	size_t off; /* of the char * in its struct */
};

/* Every leaf key of `device:`: 8 plain ones, 2 latencies, the arcs, 5 loads. */
#define LEAF_COUNT (8 + 2 + SCENARIO_ARC_COUNT + 5)

/* One provenance entry; which fields a source takes is in source_fields. */
struct raw_source {
	char *source, *ref, *reason, *to, *fit, *samples;
	char **files;
	unsigned files_count;
};
struct raw_provenance {
	struct raw_source *entry[LEAF_COUNT]; /* by leaf index */
};
struct raw_device_profile {
	char *name, *description, *command, *date;
	struct raw_device *device;
	struct raw_provenance *provenance;
};

enum { F_REF = 1, F_REASON = 2, F_TO = 4, F_FIT = 8, F_SAMPLES = 16, F_FILES = 32 };
static const char *const source_words[] = {"measurement", "fitted", "publication", "code",
                                           "assumption"};
static const struct names source_names = NAMES(source_words);
#define SOURCE_ASSUMPTION 4
/* The fields each source needs; it takes no other. */
static const unsigned source_fields[] = {F_FILES | F_SAMPLES | F_FIT, F_TO | F_FIT, F_REF, F_REF,
                                         F_REASON};
static const char *const field_words[] = {"ref", "reason", "to", "fit", "samples", "files"};

static struct leaf leaves[LEAF_COUNT];
static cyaml_schema_field_t provenance_fields[LEAF_COUNT + 1];

#define STR(key, flags, st, member)                                                                \
	CYAML_FIELD_STRING_PTR(key, (flags) | CYAML_FLAG_POINTER, st, member, 0, CYAML_UNLIMITED)
#define OPT CYAML_FLAG_OPTIONAL

static const cyaml_schema_value_t string_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED)};
static const cyaml_schema_field_t source_schema_fields[] = {
    STR("source", CYAML_FLAG_DEFAULT, struct raw_source, source),
    STR("ref", OPT, struct raw_source, ref),
    STR("reason", OPT, struct raw_source, reason),
    STR("to", OPT, struct raw_source, to),
    STR("fit", OPT, struct raw_source, fit),
    STR("samples", OPT, struct raw_source, samples),
    CYAML_FIELD_SEQUENCE("files", CYAML_FLAG_POINTER | OPT, struct raw_source, files, &string_entry,
                         0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};
static const cyaml_schema_field_t profile_fields[] = {
    STR("name", CYAML_FLAG_DEFAULT, struct raw_device_profile, name),
    STR("description", OPT, struct raw_device_profile, description),
    STR("command", OPT, struct raw_device_profile, command),
    STR("date", OPT, struct raw_device_profile, date),
    CYAML_FIELD_MAPPING_PTR("device", CYAML_FLAG_DEFAULT, struct raw_device_profile, device,
                            scenario_schema_device_model_fields),
    CYAML_FIELD_MAPPING_PTR("provenance", CYAML_FLAG_DEFAULT, struct raw_device_profile, provenance,
                            provenance_fields),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t profile_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_device_profile, profile_fields)};

static void add_leaf(size_t *n, const char *key, enum leaf_in in, size_t off)
{
	struct leaf *l = &leaves[*n];
	snprintf(l->key, sizeof(l->key), "%s", key);
	l->in = in;
	l->off = off;
	provenance_fields[*n] = (cyaml_schema_field_t)CYAML_FIELD_MAPPING_PTR(
	    "", OPT, struct raw_provenance, entry[0], source_schema_fields);
	provenance_fields[*n].key = l->key;
	provenance_fields[*n].data_offset += (uint32_t)(*n * sizeof(struct raw_source *));
	(*n)++;
}

/* The leaf table and the provenance schema built from it (the arcs come
 * from scenario_arcs, so neither can miss one). */
static gpointer init_leaves(gpointer unused)
{
	static const struct {
		const char *key;
		size_t off;
	} plain[] = {
	    {"state_size", offsetof(struct raw_device, state_size)},
	    {"header_size", offsetof(struct raw_device, header_size)},
	    {"initial_bytes", offsetof(struct raw_device, initial_bytes)},
	    {"precopy_dirty_rate", offsetof(struct raw_device, precopy_dirty_rate)},
	    {"save_rate", offsetof(struct raw_device, save_rate)},
	    {"precopy_info_v2", offsetof(struct raw_device, precopy_info_v2)},
	    {"arc_cpu_fraction", offsetof(struct raw_device, arc_cpu_fraction)},
	};
	char key[KEY_PATH_LEN];
	size_t n = 0;

	(void)unused;
	add_leaf(&n, "capabilities", IN_CAPS, 0);
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		add_leaf(&n, plain[i].key, IN_DEVICE, plain[i].off);
	add_leaf(&n, "latency.default", IN_LATENCY, offsetof(struct raw_latency, def));
	add_leaf(&n, "latency.query", IN_LATENCY, offsetof(struct raw_latency, query));
	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++) {
		const struct scenario_arc *a = &scenario_arcs[i];
		snprintf(key, sizeof(key), "latency.%s", a->key);
		add_leaf(&n, key, IN_LATENCY,
		         offsetof(struct raw_latency, arc) +
		             (size_t)(a->from * VFIO_STATE_COUNT + a->to) * sizeof(char *));
	}
	add_leaf(&n, "load.fixed", IN_LOAD, offsetof(struct raw_load, fixed));
	add_leaf(&n, "load.rate", IN_LOAD, offsetof(struct raw_load, rate));
	add_leaf(&n, "load.image", IN_LOAD, offsetof(struct raw_load, image));
	add_leaf(&n, "init_load.fixed", IN_INIT_LOAD, offsetof(struct raw_load, fixed));
	add_leaf(&n, "init_load.rate", IN_INIT_LOAD, offsetof(struct raw_load, rate));
	provenance_fields[n] = (cyaml_schema_field_t)CYAML_FIELD_END;
	return NULL;
}

/* The text of leaf `l` in `d` (g_free it), or NULL when unset. */
static char *leaf_text(const struct raw_device *d, const struct leaf *l)
{
	const void *base = l->in == IN_DEVICE    ? (const void *)d
	                   : l->in == IN_LATENCY ? (const void *)d->latency
	                   : l->in == IN_LOAD    ? (const void *)d->load
	                                         : (const void *)d->init_load;
	if (l->in == IN_CAPS) {
		GString *s = g_string_new("[");
		for (unsigned k = 0; k < d->capabilities_count; k++)
			g_string_append_printf(s, "%s%s", k ? ", " : "", d->capabilities[k]);
		g_string_append_c(s, ']');
		return g_string_free(s, FALSE);
	}
	if (!base)
		return NULL;
	return g_strdup(*(char *const *)((const char *)base + l->off));
}

/* Is `s` a whole number of samples? */
static bool whole_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* Check provenance entry `e` of key `key`; 0 or -1 (reported). */
static int check_source(struct loader *L, const char *key, const struct raw_source *e, int *kind)
{
	const char *const have[] = {e->ref, e->reason, e->to, e->fit, e->samples, NULL};
	char path[KEY_PATH_LEN], list[256];
	unsigned need;

	snprintf(path, sizeof(path), "provenance.%.47s.source", key);
	*kind = names_parse(&source_names, e->source);
	if (*kind < 0) {
		names_list(&source_names, list, sizeof(list));
		return loader_fail(L, path, "unknown source '%s': expected %s", e->source, list);
	}
	need = source_fields[*kind];
	list[0] = '\0';
	for (int f = 0; f < 6; f++)
		if (need & (1u << f))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			         list[0] ? ", " : "", field_words[f]);
	for (int f = 0; f < 6; f++) {
		/* libcyaml loads `files: []` as no list: it needs files. */
		bool set = f == 5 ? e->files_count > 0 : have[f] != NULL;
		bool wanted = need & (1u << f);
		snprintf(path, sizeof(path), "provenance.%.47s.%s", key, field_words[f]);
		if (set && !wanted)
			return loader_fail(L, path, "source: %s takes no %s (it takes %s)",
			                   e->source, field_words[f], list);
		if (set && f < 5 && !*have[f])
			return loader_fail(L, path, "%s is empty: say what it is", field_words[f]);
		snprintf(path, sizeof(path), "provenance.%.47s", key);
		if (!set && wanted)
			return loader_fail(L, path, "source: %s needs %s (it takes %s)", e->source,
			                   field_words[f], list);
	}
	snprintf(path, sizeof(path), "provenance.%.47s.samples", key);
	if (e->samples && !whole_number(e->samples))
		return loader_fail(L, path, "'%s' is not a whole number of samples", e->samples);
	return 0;
}

static int entry_line_cmp(const void *a, const void *b)
{
	const struct device_profile_entry *x = a, *y = b;
	return (x->line > y->line) - (x->line < y->line);
}

static char *dup_or_null(const char *s)
{
	return s ? g_strdup(s) : NULL;
}

/* Every leaf `device:` sets has provenance, and only those; *out's entries. */
static int check_provenance(struct loader *L, const struct raw_device_profile *p,
                            struct device_profile *out)
{
	char path[KEY_PATH_LEN];

	out->entries = g_new0(struct device_profile_entry, LEAF_COUNT);
	for (size_t i = 0; i < LEAF_COUNT; i++) {
		const struct leaf *l = &leaves[i];
		const struct raw_source *e = p->provenance->entry[i];
		int line, kind;

		snprintf(path, sizeof(path), "device.%.47s", l->key);
		line = key_lines_get(L->keys, path);
		if (line && !e)
			return loader_fail(L, path,
			                   "no provenance: add provenance: {%s: {source: ...}} "
			                   "(measurement, fitted, publication, code or assumption)",
			                   l->key);
		snprintf(path, sizeof(path), "provenance.%.47s", l->key);
		if (!line && e)
			return loader_fail(L, path,
			                   "provenance for a key the profile does not set: remove "
			                   "it, or set device.%s",
			                   l->key);
		if (!e)
			continue;
		if (check_source(L, l->key, e, &kind))
			return -1;
		struct device_profile_entry *o = &out->entries[out->n_entries++];
		o->key = g_strdup(l->key);
		o->value = leaf_text(p->device, l);
		o->source = g_strdup(source_words[kind]);
		o->ref = dup_or_null(e->ref);
		o->reason = dup_or_null(e->reason);
		o->to = dup_or_null(e->to);
		o->fit = dup_or_null(e->fit);
		o->samples = dup_or_null(e->samples);
		if (e->files) {
			o->files = g_new0(char *, e->files_count + 1);
			for (unsigned k = 0; k < e->files_count; k++)
				o->files[k] = g_strdup(e->files[k]);
		}
		o->line = line;
		out->n_assumptions += kind == SOURCE_ASSUMPTION;
	}
	qsort(out->entries, out->n_entries, sizeof(*out->entries), entry_line_cmp);
	return 0;
}

/* The profile in `text` into *out. */
static int load_text(struct loader *L, const char *text, size_t len, struct device_profile *out)
{
	void *data;
	int rc;

	if (schema_load_mapping(L, &profile_schema, text, len,
	                        "a device profile is a mapping (name: ..., device: {...}, "
	                        "provenance: {...})",
	                        &data))
		return -1;
	const struct raw_device_profile *p = data;
	rc = scenario_convert_profile(L, "device", p->device, &out->values);
	if (!rc)
		rc = check_provenance(L, p, out);
	if (!rc) {
		out->name = g_strdup(p->name);
		out->description = dup_or_null(p->description);
		out->command = dup_or_null(p->command);
		out->date = dup_or_null(p->date);
	}
	schema_free(&profile_schema, data);
	return rc;
}

int device_profile_load_text(const char *name_for_errors, const char *text, size_t len,
                             struct device_profile *out, char *err, size_t errlen)
{
	static GOnce once = G_ONCE_INIT;
	struct loader L = {.name = name_for_errors, .err = err, .errlen = errlen};
	int rc;

	g_once(&once, init_leaves, NULL);
	*out = (struct device_profile){0};
	scenario_profile_unset(&out->values);
	rc = load_text(&L, text ? text : "", text ? len : 0, out);
	loader_free(&L);
	if (rc)
		device_profile_free(out);
	return rc ? -1 : 0;
}

int device_profile_load(const char *name, const char *from, struct device_profile *out, char *err,
                        size_t errlen)
{
	char *text;
	size_t len = 0;
	const char *origin = NULL;
	char *path = profile_file_read("devices", "device", name, from, DEVICE_PROFILE_MAX_BYTES,
	                               &text, &len, &origin, err, errlen);
	int rc = -1;

	*out = (struct device_profile){0};
	scenario_profile_unset(&out->values);
	if (path)
		rc = device_profile_load_text(path, text, len, out, err, errlen);
	if (rc == 0) {
		out->file = g_strdup(path);
		out->origin = origin;
	}
	g_free(text);
	g_free(path);
	return rc ? -1 : 0;
}

void device_profile_free(struct device_profile *p)
{
	for (size_t i = 0; i < p->n_entries; i++) {
		struct device_profile_entry *e = &p->entries[i];
		g_free(e->key);
		g_free(e->value);
		g_free(e->source);
		g_free(e->ref);
		g_free(e->reason);
		g_free(e->to);
		g_free(e->fit);
		g_free(e->samples);
		g_strfreev(e->files);
	}
	g_free(p->entries);
	g_free(p->name);
	g_free(p->file);
	g_free(p->description);
	g_free(p->command);
	g_free(p->date);
	scenario_profile_free(&p->values);
	*p = (struct device_profile){0};
	scenario_profile_unset(&p->values);
}
