/*
 * suite_load.c - suite files (suite.h): the scenario loader's steps (key
 * lines, a libcyaml schema of strings, file:line:key messages), then each
 * value parsed and checked here.
 */
#include "suite.h"

#include <cyaml/cyaml.h>
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_file.h"
#include "loader.h"
#include "names.h"
#include "scenario.h"
#include "scenario_schema.h"
#include "units.h"

/* A suite is a small YAML file: as large as a scenario may be. */
#define SUITE_MAX_FILE_BYTES (64u << 20)

static const char *const kind_words[] = {[SUITE_SCENARIO] = "scenario", [SUITE_SWEEP] = "sweep"};
static const struct names kind_names = NAMES(kind_words);
static const char *const world_words[] = {[SUITE_SIM] = "sim", [SUITE_REAL] = "real"};
static const struct names world_names = NAMES(world_words);

const char *suite_kind_name(enum suite_kind k)
{
	return names_name(&kind_names, k);
}

const char *suite_world_name(enum suite_world w)
{
	return names_name(&world_names, w);
}

/* Every leaf a string, parsed below (libcyaml's own scalars are too lax,
 * as scenario_schema.h says). */
struct raw_entry {
	char *name, *description, *scenario, *sweep, *world, *runs, *seed, *strategy, *threshold;
	char **set;
	unsigned set_count;
	char **metrics;
	unsigned metrics_count;
};
struct raw_suite {
	char *name, *description, *runs, *threshold;
	char **metrics;
	unsigned metrics_count;
	struct raw_entry *entries;
	unsigned entries_count;
};

#define STR(key, st, member)                                                                       \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, st, member, 0,       \
	                       CYAML_UNLIMITED)
#define LIST(key, st, member)                                                                      \
	CYAML_FIELD_SEQUENCE(key, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, st, member,            \
	                     &string_entry, 0, CYAML_UNLIMITED)

static const cyaml_schema_value_t string_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED)};
static const cyaml_schema_field_t entry_fields[] = {
    STR("name", struct raw_entry, name),         STR("description", struct raw_entry, description),
    STR("scenario", struct raw_entry, scenario), STR("sweep", struct raw_entry, sweep),
    STR("world", struct raw_entry, world),       STR("runs", struct raw_entry, runs),
    STR("seed", struct raw_entry, seed),         STR("strategy", struct raw_entry, strategy),
    LIST("set", struct raw_entry, set),          STR("threshold", struct raw_entry, threshold),
    LIST("metrics", struct raw_entry, metrics),  CYAML_FIELD_END,
};
static const cyaml_schema_value_t entry_value = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_entry, entry_fields)};
static const cyaml_schema_field_t suite_fields[] = {
    STR("name", struct raw_suite, name),
    STR("description", struct raw_suite, description),
    STR("runs", struct raw_suite, runs),
    STR("threshold", struct raw_suite, threshold),
    LIST("metrics", struct raw_suite, metrics),
    CYAML_FIELD_SEQUENCE("entries", CYAML_FLAG_POINTER, struct raw_suite, entries, &entry_value, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t suite_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_suite, suite_fields)};

/* The defaults the top level gives every entry. */
struct defaults {
	unsigned runs;
	double threshold;
	char **metrics;
	size_t n_metrics;
};

static int parse_uint(struct loader *L, const char *path, const char *s, unsigned long long min,
                      unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || *out < min || *out > max)
		return loader_fail(L, path, "'%s': expected an integer from %llu to %llu", s, min,
		                   max);
	return 0;
}

/* "5%" or a fraction (0.05), as compare's --threshold. */
static int parse_threshold(struct loader *L, const char *path, const char *s, double *out)
{
	char why[160];
	if (units_parse_fraction(s, out, why, sizeof why))
		return loader_fail(L, path, "%s", why);
	if (*out > 10)
		return loader_fail(L, path, "'%s': at most 1000%%", s);
	return 0;
}

static char **copy_list(char **list, unsigned n)
{
	char **out = g_new0(char *, n + 1);
	for (unsigned i = 0; i < n; i++)
		out[i] = g_strdup(list[i]);
	return out;
}

static int parse_metrics(struct loader *L, const char *path, char **list, unsigned n, char ***out,
                         size_t *count)
{
	if (!n)
		return loader_fail(L, path,
		                   "an empty list: expected at least one metric (downtime)");
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(list[i], list[j]))
				return loader_fail(L, path, "'%s' is listed twice", list[i]);
	*out = copy_list(list, n);
	*count = n;
	return 0;
}

/* A file the suite names: relative ones are relative to the suite file. */
static char *relative_to(const char *suite_file, const char *p)
{
	if (g_path_is_absolute(p))
		return g_strdup(p);
	char *dir = g_path_get_dirname(suite_file);
	char *full = strcmp(dir, ".") ? g_build_filename(dir, p, NULL) : g_strdup(p);
	g_free(dir);
	return full;
}

/* NAME becomes NAME.h5 in the result folder: a plain file name. */
static bool good_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > SUITE_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (const char *c = s; *c; c++)
		if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.')
			return false;
	return true;
}

/* "cx7-1vf" from "../scenarios/cx7-1vf.yaml". */
static char *name_from_file(const char *file)
{
	char *base = g_path_get_basename(file), *dot = strrchr(base, '.');
	if (dot && dot != base)
		*dot = 0;
	return base;
}

static int load_entry(struct loader *L, const struct suite *s, size_t i, const struct raw_entry *r,
                      const struct defaults *d, struct suite_entry *e)
{
	char path[KEY_PATH_LEN], key[KEY_PATH_LEN + 32];
	unsigned long long u;
	int k;
	snprintf(path, sizeof path, "entries[%zu]", i);
#define KEY(name) (snprintf(key, sizeof key, "%s.%s", path, name), key)
	*e = (struct suite_entry){.strategy = -1, .runs = d->runs, .threshold = d->threshold};
	if (!r->scenario == !r->sweep)
		return loader_fail(L, path,
		                   r->scenario ? "give scenario: or sweep:, not both"
		                               : "missing scenario: FILE or sweep: STUDY.yaml");
	e->kind = r->scenario ? SUITE_SCENARIO : SUITE_SWEEP;
	e->file = g_strdup(r->scenario ? r->scenario : r->sweep);
	e->path = relative_to(s->file, e->file);
	e->name = r->name ? g_strdup(r->name) : name_from_file(e->file);
	const char *name_key = r->name ? KEY("name") : KEY(r->scenario ? "scenario" : "sweep");
	if (!good_name(e->name))
		return loader_fail(L, name_key,
		                   "'%s': an entry's name is a file name in the result folder: "
		                   "letters, digits, '-', '_', '.', at most %d, not starting with "
		                   "'.' or '-'%s",
		                   e->name, SUITE_NAME_MAX, r->name ? "" : " (give name:)");
	for (size_t j = 0; j < i; j++)
		if (!strcmp(s->entries[j].name, e->name))
			return loader_fail(L, name_key,
			                   "the name '%s' is also entries[%zu]'s: give each entry "
			                   "its own name:",
			                   e->name, j);
	if (r->world) {
		if ((k = names_parse(&world_names, r->world)) < 0)
			return loader_fail(L, KEY("world"), "'%s': expected sim or real", r->world);
		e->world = (enum suite_world)k;
		if (e->world == SUITE_REAL && e->kind == SUITE_SWEEP)
			return loader_fail(L, KEY("world"),
			                   "a sweep runs in the sim world only: remove world: or "
			                   "make the entry a scenario");
	}
	if (r->runs) {
		if (parse_uint(L, KEY("runs"), r->runs, 1, 1000000, &u))
			return -1;
		e->runs = (unsigned)u;
	}
	if (r->seed) {
		if (parse_uint(L, KEY("seed"), r->seed, 0, UINT64_MAX, &u))
			return -1;
		e->seed = u;
		e->seed_set = true;
	}
	if (r->strategy) {
		if (!strcmp(r->strategy, "all"))
			e->strategy = STRATEGY_COUNT;
		else if ((e->strategy = strategy_parse(r->strategy)) < 0)
			return loader_fail(L, KEY("strategy"),
			                   "'%s': expected sequential, parallel-prio, "
			                   "parallel-barrier or all",
			                   r->strategy);
	}
	for (unsigned j = 0; j < r->set_count; j++)
		if (!strchr(r->set[j], '=') || r->set[j][0] == '=') {
			char at[KEY_PATH_LEN + 48];
			snprintf(at, sizeof at, "%s.set[%u]", path, j);
			return loader_fail(L, at, "'%s': expected KEY=VALUE (devices.count=8)",
			                   r->set[j]);
		}
	e->sets = copy_list(r->set, r->set_count);
	e->n_sets = r->set_count;
	if (r->threshold && parse_threshold(L, KEY("threshold"), r->threshold, &e->threshold))
		return -1;
	if (r->metrics)
		return parse_metrics(L, KEY("metrics"), r->metrics, r->metrics_count, &e->metrics,
		                     &e->n_metrics);
	e->metrics = g_strdupv(d->metrics);
	e->n_metrics = d->n_metrics;
	return 0;
#undef KEY
}

static int load_raw(struct loader *L, struct suite *s, const struct raw_suite *r)
{
	static char *downtime[] = {"downtime", NULL};
	struct defaults d = {
	    .threshold = SUITE_DEFAULT_THRESHOLD, .metrics = downtime, .n_metrics = 1};
	unsigned long long u;
	int rc = 0;
	s->name = r->name ? g_strdup(r->name) : name_from_file(s->file);
	if (r->runs) {
		if (parse_uint(L, "runs", r->runs, 1, 1000000, &u))
			return -1;
		d.runs = (unsigned)u;
	}
	if (r->threshold && parse_threshold(L, "threshold", r->threshold, &d.threshold))
		return -1;
	if (!r->entries_count)
		return loader_fail(
		    L, "entries",
		    "an empty list: expected at least one entry ({scenario: FILE} or "
		    "{sweep: STUDY.yaml})");
	if (r->metrics &&
	    parse_metrics(L, "metrics", r->metrics, r->metrics_count, &d.metrics, &d.n_metrics))
		return -1;
	s->entries = g_new0(struct suite_entry, r->entries_count);
	for (unsigned i = 0; !rc && i < r->entries_count; i++) {
		rc = load_entry(L, s, i, &r->entries[i], &d, &s->entries[i]);
		s->n_entries++;
	}
	if (r->metrics)
		g_strfreev(d.metrics);
	return rc;
}

int suite_load_file(const char *path, struct suite **out, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	*out = NULL;
	if (input_file_read(path, SUITE_MAX_FILE_BYTES, &text, &len, err, errlen))
		return -1;
	struct loader L = {.name = path, .err = err, .errlen = errlen};
	void *raw = NULL;
	struct suite *s = g_new0(struct suite, 1);
	s->file = g_strdup(path);
	s->text = text;
	s->sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, len);
	int rc = schema_load_mapping(
	    &L, &suite_schema, text, len,
	    "a suite is a mapping (name: ..., entries: [{scenario: FILE}, {sweep: FILE}])", &raw);
	if (!rc)
		rc = load_raw(&L, s, raw);
	schema_free(&suite_schema, raw);
	/* The key lines stay with the suite, for suite_fail(). */
	s->lines = L.lines;
	L.lines = (struct key_lines){0};
	loader_free(&L);
	if (rc) {
		suite_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void suite_free(struct suite *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_entries; i++) {
		struct suite_entry *e = &s->entries[i];
		g_free(e->name);
		g_free(e->file);
		g_free(e->path);
		g_strfreev(e->sets);
		g_strfreev(e->metrics);
	}
	g_free(s->entries);
	key_lines_free(&s->lines);
	g_free(s->name);
	g_free(s->file);
	g_free(s->text);
	g_free(s->sha256);
	g_free(s);
}

int suite_fail(const struct suite *s, const char *path, char *err, size_t errlen, const char *fmt,
               ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	struct loader L = {.name = s->file, .err = err, .errlen = errlen, .lines = s->lines};
	loader_fail(&L, path, "%s", msg);
	g_free(msg);
	return -1;
}
