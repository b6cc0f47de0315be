/*
 * study_load.c - study files (study.h): YAML through key_lines (syntax,
 * duplicate keys, aliases, each with its line) and libyaml's document tree.
 *
 * Not libcyaml as for scenarios: the axes are a mapping whose keys are any
 * scenario key path, which a libcyaml schema cannot describe.  The study
 * keys themselves are few and checked here, each error with its line.
 */
#include "study.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "input_file.h"
#include "key_lines.h"
#include "names.h"
#include "scenario.h"

/* A study is a small YAML file: as large as a scenario may be. */
#define STUDY_MAX_FILE_BYTES (64u << 20)

static const char *const stat_words[] = {
    [STUDY_STAT_MEDIAN] = "median", [STUDY_STAT_P5] = "p5",   [STUDY_STAT_P95] = "p95",
    [STUDY_STAT_MEAN] = "mean",     [STUDY_STAT_MIN] = "min", [STUDY_STAT_MAX] = "max"};
static const struct names stat_names = NAMES(stat_words);
static const char *const traces_words[] = {
    [STUDY_TRACES_NONE] = "none", [STUDY_TRACES_FIRST] = "first", [STUDY_TRACES_ALL] = "all"};
static const struct names traces_names = NAMES(traces_words);
static const char *const combine_words[] = {[STUDY_CROSS] = "cross", [STUDY_ZIP] = "zip"};
static const struct names combine_names = NAMES(combine_words);

const char *study_stat_name(enum study_stat s)
{
	return names_name(&stat_names, s);
}

const char *study_traces_name(enum study_traces t)
{
	return names_name(&traces_names, t);
}

int study_traces_parse(const char *name)
{
	return names_parse(&traces_names, name);
}

/* ---- axis values --------------------------------------------------------- */

/* A number and what follows it (the unit); false when there is no number. */
static bool number_unit(const char *s, double *v, const char **unit)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	if (end == s || errno || !isfinite(*v))
		return false;
	*unit = end;
	return true;
}

/* Whole numbers print as integers, others with 12 significant digits (no
 * 0.30000000000000004 from a step of 0.1). */
static char *format_value(double v, const char *unit)
{
	if (v == floor(v) && fabs(v) < 1e15)
		return g_strdup_printf("%.0f%s", v, unit);
	return g_strdup_printf("%.12g%s", v, unit);
}

static int range_fail(char *msg, size_t msglen, const char *text, const char *why)
{
	snprintf(msg, msglen,
	         "'%s': %s (expected a,b,c or LOW..HIGH, LOW..HIGH step S, LOW..HIGH x F)", text,
	         why);
	return -1;
}

static int parse_range(const char *text, const char *dots, GPtrArray *out, char *msg, size_t msglen)
{
	char *low_s = g_strstrip(g_strndup(text, (size_t)(dots - text)));
	const char *rest = dots + 2, *lunit, *p;
	char *hunit = NULL;
	double low, high, by = 1;
	bool geometric = false, stepped = false;
	int rc = -1;

	if (!number_unit(low_s, &low, &lunit)) {
		range_fail(msg, msglen, text, "LOW is not a number");
		goto out;
	}
	if (!number_unit(rest, &high, &p)) {
		range_fail(msg, msglen, text, "HIGH is not a number");
		goto out;
	}
	/* HIGH's unit runs up to the blank, 'x' or '*' of a step. */
	size_t ulen = strcspn(p, " \tx*");
	hunit = g_strndup(p, ulen);
	p += ulen;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == 'x' || *p == '*') {
		geometric = true;
		p++;
	} else if (!strncmp(p, "step", 4)) {
		stepped = true;
		p += 4;
	} else if (*p) {
		range_fail(msg, msglen, text, "after HIGH comes 'step S' or 'x F'");
		goto out;
	}
	if (geometric || stepped) {
		const char *e = "";
		bool ok = number_unit(p, &by, &e);
		while (*e == ' ' || *e == '\t')
			e++;
		if (!ok || *e) {
			range_fail(msg, msglen, text, "the step is not a number");
			goto out;
		}
	}
	if (*lunit && *hunit && strcmp(lunit, hunit)) {
		range_fail(msg, msglen, text, "LOW and HIGH have different units");
		goto out;
	}
	const char *unit = *lunit ? lunit : hunit;
	if (low > high)
		range_fail(msg, msglen, text, "LOW is above HIGH");
	else if (geometric && (by <= 1 || low <= 0))
		range_fail(msg, msglen, text, "x F needs F above 1 and LOW above 0");
	else if (!geometric && by <= 0)
		range_fail(msg, msglen, text, "the step must be above 0");
	else
		rc = 0;
	/* Each value from LOW directly (no accumulated rounding); HIGH is in
	 * when within 1e-9 relative of a step. */
	double tol = 1e-9 * fmax(fabs(high), 1e-300);
	for (size_t i = 0; !rc; i++) {
		double v = geometric ? low * pow(by, (double)i) : low + by * (double)i;
		if (v > high + tol)
			break;
		if (out->len >= STUDY_MAX_VALUES) {
			snprintf(msg, msglen, "'%s': more than %d values", text, STUDY_MAX_VALUES);
			rc = -1;
			break;
		}
		g_ptr_array_add(out, format_value(fabs(v - high) <= tol ? high : v, unit));
	}
out:
	g_free(hunit);
	g_free(low_s);
	return rc;
}

int study_axis_parse(const char *text, char ***values, size_t *n, char *msg, size_t msglen)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	const char *dots = strstr(text, "..");
	int rc = 0;

	if (dots) {
		rc = parse_range(text, dots, out, msg, msglen);
	} else {
		char **parts = g_strsplit(text, ",", -1);
		for (char **p = parts; *p; p++) {
			char *v = g_strstrip(g_strdup(*p));
			if (!*v) {
				g_free(v);
				rc = range_fail(msg, msglen, text, "an empty value");
				break;
			}
			g_ptr_array_add(out, v);
		}
		g_strfreev(parts);
	}
	if (!rc && !out->len)
		rc = range_fail(msg, msglen, text, "no value");
	if (rc) {
		g_ptr_array_free(out, TRUE);
		return -1;
	}
	*n = out->len;
	g_ptr_array_add(out, NULL);
	g_ptr_array_set_free_func(out, NULL);
	*values = (char **)g_ptr_array_free(out, FALSE);
	return 0;
}

/* ---- the study ------------------------------------------------------------ */

struct study *study_new(void)
{
	struct study *st = g_new0(struct study, 1);
	for (int i = 0; i < STUDY_STAT_COUNT; i++)
		st->stats[i] = true;
	st->traces = -1;
	return st;
}

void study_free(struct study *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_axes; i++) {
		g_free(st->axes[i].key);
		g_strfreev(st->axes[i].values);
	}
	g_free(st->axes);
	g_strfreev(st->scenarios);
	g_free(st->name);
	g_free(st->file);
	g_free(st);
}

static void add_axis(struct study *st, const char *key, char **values, size_t n, int line)
{
	st->axes = g_renew(struct study_axis, st->axes, st->n_axes + 1);
	st->axes[st->n_axes++] = (struct study_axis){g_strdup(key), values, n, line};
}

int study_add_axis(struct study *st, const char *kv, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '=');
	char msg[512], **values;
	size_t n;
	if (!eq || eq == kv) {
		snprintf(err, errlen, "--vary '%s': expected KEY=VALUES (devices.count=1..64x2)",
		         kv);
		return -1;
	}
	char *key = g_strndup(kv, (size_t)(eq - kv));
	int rc = study_axis_parse(eq + 1, &values, &n, msg, sizeof msg);
	if (rc)
		snprintf(err, errlen, "--vary %s: %s", kv, msg);
	else
		add_axis(st, key, values, n, 0);
	g_free(key);
	return rc;
}

size_t study_points(const struct study *st)
{
	size_t per = 1;
	for (size_t i = 0; i < st->n_axes; i++) {
		if (st->combine == STUDY_ZIP) {
			if (i && st->axes[i].n != per)
				return 0;
			per = st->axes[i].n;
		} else if (per > STUDY_MAX_POINTS / st->axes[i].n) {
			return (size_t)STUDY_MAX_POINTS + 1;
		} else {
			per *= st->axes[i].n;
		}
	}
	return per * st->n_scenarios;
}

void study_point(const struct study *st, size_t p, size_t *scenario, size_t *idx)
{
	size_t per = study_points(st) / (st->n_scenarios ? st->n_scenarios : 1);
	*scenario = p / per;
	p %= per;
	for (size_t i = st->n_axes; i-- > 0;) {
		if (st->combine == STUDY_ZIP) {
			idx[i] = p;
		} else {
			idx[i] = p % st->axes[i].n;
			p /= st->axes[i].n;
		}
	}
}

int study_check(const struct study *st, char *err, size_t errlen)
{
	const char *f = st->file ? st->file : "--vary";
	if (!st->n_scenarios) {
		snprintf(err, errlen, "%s: no base scenario (scenario: FILE)", f);
		return -1;
	}
	if (st->combine == STUDY_ZIP)
		for (size_t i = 1; i < st->n_axes; i++)
			if (st->axes[i].n != st->axes[0].n) {
				if (st->file)
					snprintf(
					    err, errlen,
					    "%s:%d: axes.%s: %zu values, but combine: zip needs "
					    "as many as axes.%s has (%zu)",
					    f, st->axes[i].line, st->axes[i].key, st->axes[i].n,
					    st->axes[0].key, st->axes[0].n);
				else
					snprintf(err, errlen,
					         "--zip: --vary %s has %zu values, --vary %s %zu: "
					         "zipped axes need as many values each",
					         st->axes[i].key, st->axes[i].n, st->axes[0].key,
					         st->axes[0].n);
				return -1;
			}
	if (study_points(st) > STUDY_MAX_POINTS) {
		snprintf(err, errlen, "%s: more than %d points", f, STUDY_MAX_POINTS);
		return -1;
	}
	return 0;
}

/* ---- the file ------------------------------------------------------------- */

struct sl {
	const char *file;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
};

static int sfail(struct sl *L, const yaml_node_t *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int sfail(struct sl *L, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(L->err, L->errlen, "%s:%lu: %s: %s", L->file,
	         n ? (unsigned long)n->start_mark.line + 1 : 1UL, key, msg);
	return -1;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The scalars of a list (or one scalar) into a NULL-terminated list. */
static int scalars(struct sl *L, yaml_node_t *n, const char *key, char ***out, size_t *count)
{
	GPtrArray *a = g_ptr_array_new();
	if (scalar(n)) {
		g_ptr_array_add(a, g_strdup(scalar(n)));
	} else if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++) {
			yaml_node_t *e = yaml_document_get_node(L->doc, *i);
			if (!scalar(e)) {
				g_ptr_array_set_free_func(a, g_free);
				g_ptr_array_free(a, TRUE);
				return sfail(L, e, key, "expected a single value in the list");
			}
			g_ptr_array_add(a, g_strdup(scalar(e)));
		}
	} else {
		g_ptr_array_free(a, TRUE);
		return sfail(L, n, key, "expected a value or a list, got a mapping");
	}
	*count = a->len;
	g_ptr_array_add(a, NULL);
	*out = (char **)g_ptr_array_free(a, FALSE);
	return 0;
}

static int need_scalar(struct sl *L, yaml_node_t *n, const char *key, const char **out)
{
	if (!(*out = scalar(n)))
		return sfail(L, n, key, "expected a single value, got a %s",
		             n->type == YAML_MAPPING_NODE ? "mapping" : "list");
	return 0;
}

static int unsigned_value(struct sl *L, yaml_node_t *n, const char *key, unsigned long long max,
                          unsigned long long *out)
{
	const char *s;
	char *end;
	if (need_scalar(L, n, key, &s))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || *out > max)
		return sfail(L, n, key, "'%s': expected an integer from %s to %llu", s,
		             strcmp(key, "runs") ? "0" : "1", max);
	if (!strcmp(key, "runs") && *out == 0)
		return sfail(L, n, key, "'%s': expected an integer from 1 to %llu", s, max);
	return 0;
}

static int load_axes(struct sl *L, struct study *st, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE)
		return sfail(L, n, "axes", "expected a mapping (KEY: VALUES lines)");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(L->doc, p->value);
		char path[KEY_PATH_LEN], msg[512], **values = NULL;
		size_t count;
		if (!scalar(k))
			return sfail(L, k, "axes", "expected a scenario key (devices.count)");
		snprintf(path, sizeof path, "axes.%s", scalar(k));
		if (scalar(v)) {
			if (study_axis_parse(scalar(v), &values, &count, msg, sizeof msg))
				return sfail(L, v, path, "%s", msg);
		} else if (scalars(L, v, path, &values, &count)) {
			return -1;
		} else if (!count) {
			g_strfreev(values);
			return sfail(L, v, path, "an empty list: expected at least one value");
		}
		add_axis(st, scalar(k), values, count, (int)k->start_mark.line + 1);
	}
	return 0;
}

/* A base scenario path: relative ones are relative to the study file. */
static char *scenario_path(const char *study_file, const char *p)
{
	if (g_path_is_absolute(p))
		return g_strdup(p);
	char *dir = g_path_get_dirname(study_file);
	char *full = strcmp(dir, ".") ? g_build_filename(dir, p, NULL) : g_strdup(p);
	g_free(dir);
	return full;
}

static int load_key(struct sl *L, struct study *st, const char *key, yaml_node_t *v)
{
	const char *s;
	unsigned long long u;
	int k;

	if (!strcmp(key, "name") || !strcmp(key, "description")) {
		if (need_scalar(L, v, key, &s))
			return -1;
		if (!strcmp(key, "name")) {
			g_free(st->name);
			st->name = g_strdup(s);
		}
		return 0;
	}
	if (!strcmp(key, "scenario") || !strcmp(key, "scenarios")) {
		char **list;
		size_t n;
		if (st->n_scenarios)
			return sfail(L, v, key, "give scenario: or scenarios:, not both");
		if (scalars(L, v, key, &list, &n))
			return -1;
		if (!n) {
			g_strfreev(list);
			return sfail(L, v, key, "an empty list: expected a scenario file");
		}
		for (size_t i = 0; i < n; i++) {
			char *full = scenario_path(L->file, list[i]);
			g_free(list[i]);
			list[i] = full;
		}
		st->scenarios = list;
		st->n_scenarios = n;
		st->scenarios_line = (int)v->start_mark.line + 1;
		return 0;
	}
	if (!strcmp(key, "axes"))
		return load_axes(L, st, v);
	if (!strcmp(key, "combine")) {
		if (need_scalar(L, v, key, &s))
			return -1;
		if ((k = names_parse(&combine_names, s)) < 0)
			return sfail(L, v, key, "'%s': expected cross or zip", s);
		st->combine = (enum study_combine)k;
		st->combine_line = (int)v->start_mark.line + 1;
		return 0;
	}
	if (!strcmp(key, "strategies")) {
		char **list;
		size_t n;
		if (scalars(L, v, key, &list, &n))
			return -1;
		int rc = 0;
		st->n_strategies = 0;
		for (size_t i = 0; !rc && i < n; i++) {
			if (!strcmp(list[i], "all") && n == 1) {
				for (int j = 0; j < STRATEGY_COUNT; j++)
					st->strategies[st->n_strategies++] = (enum strategy_kind)j;
			} else if ((k = strategy_parse(list[i])) < 0) {
				char words[256];
				names_list(&scenario_strategy_names, words, sizeof words);
				rc = sfail(L, v, key, "'%s': expected all or a list of %s", list[i],
				           words);
			} else {
				for (size_t j = 0; !rc && j < st->n_strategies; j++)
					if (st->strategies[j] == (enum strategy_kind)k)
						rc = sfail(L, v, key, "'%s' is listed twice",
						           list[i]);
				if (!rc)
					st->strategies[st->n_strategies++] = (enum strategy_kind)k;
			}
		}
		g_strfreev(list);
		return rc;
	}
	if (!strcmp(key, "runs")) {
		if (unsigned_value(L, v, key, 1000000, &u))
			return -1;
		st->runs = (unsigned)u;
		return 0;
	}
	if (!strcmp(key, "seed")) {
		if (unsigned_value(L, v, key, UINT64_MAX, &u))
			return -1;
		st->seed = u;
		st->seed_set = true;
		return 0;
	}
	if (!strcmp(key, "statistics")) {
		char **list;
		size_t n;
		if (scalars(L, v, key, &list, &n))
			return -1;
		int rc = 0;
		for (int i = 0; i < STUDY_STAT_COUNT; i++)
			st->stats[i] = false;
		for (size_t i = 0; !rc && i < n; i++) {
			if ((k = names_parse(&stat_names, list[i])) < 0) {
				char words[128];
				names_list(&stat_names, words, sizeof words);
				rc =
				    sfail(L, v, key, "'%s': expected a list of %s", list[i], words);
			} else {
				st->stats[k] = true;
			}
		}
		g_strfreev(list);
		if (!rc && !n)
			rc = sfail(L, v, key, "an empty list: expected at least median");
		return rc;
	}
	if (!strcmp(key, "traces")) {
		if (need_scalar(L, v, key, &s))
			return -1;
		if ((k = study_traces_parse(s)) < 0)
			return sfail(L, v, key, "'%s': expected none, first or all", s);
		st->traces = k;
		return 0;
	}
	return sfail(L, v, key,
	             "unknown key '%s': expected one of name, description, scenario, "
	             "scenarios, axes, combine, strategies, runs, seed, statistics, traces",
	             key);
}

/* The top-level keys of the mapping `root`, in file order. */
static int load_top(struct sl *L, struct study *st, yaml_node_t *root)
{
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(L->doc, p->value);
		if (!scalar(k))
			return sfail(L, k, "", "expected a key");
		if (load_key(L, st, scalar(k), v))
			return -1;
	}
	return 0;
}

/* Does the mapping have scenario: or scenarios:? */
static bool is_study(yaml_document_t *doc, yaml_node_t *root)
{
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(yaml_document_get_node(doc, p->key));
		if (k && (!strcmp(k, "scenario") || !strcmp(k, "scenarios")))
			return true;
	}
	return false;
}

int study_load_file(const char *path, struct study **out, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	*out = NULL;
	if (input_file_read(path, STUDY_MAX_FILE_BYTES, &text, &len, err, errlen))
		return -1;
	struct key_lines lines = {0};
	struct key_lines_result kr;
	int rc = key_lines_walk(text, len, &lines, &kr);
	key_lines_free(&lines);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", path);
		else
			snprintf(err, errlen, "%s:%d: %s", path, kr.line, kr.msg);
		g_free(text);
		return -1;
	}
	if (kr.root != ROOT_MAPPING) {
		g_free(text);
		return 1; /* not a study: the scenario loader says what is wrong */
	}
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%lu: %s", path,
		         (unsigned long)parser.problem_mark.line + 1,
		         parser.problem ? parser.problem : "YAML error");
		yaml_parser_delete(&parser);
		g_free(text);
		return -1;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	struct sl L = {path, &doc, err, errlen};
	struct study *st = NULL;
	if (!root || root->type != YAML_MAPPING_NODE || !is_study(&doc, root)) {
		rc = 1;
	} else {
		st = study_new();
		st->file = g_strdup(path);
		rc = load_top(&L, st, root);
		if (!rc && !st->name) {
			char *base = g_path_get_basename(path);
			char *dot = strrchr(base, '.');
			if (dot && dot != base)
				*dot = 0;
			st->name = base;
		}
		if (!rc && !st->n_axes)
			rc = sfail(&L, root, "axes", "missing: a study needs at least one axis");
		if (!rc)
			rc = study_check(st, err, errlen);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	g_free(text);
	if (rc)
		study_free(st);
	else
		*out = st;
	return rc;
}

/* ---- back to YAML --------------------------------------------------------- */

static void yaml_str(GString *g, const char *s)
{
	g_string_append_c(g, '"');
	for (const char *c = s; *c; c++) {
		if (*c == '"' || *c == '\\')
			g_string_append_c(g, '\\');
		g_string_append_c(g, *c);
	}
	g_string_append_c(g, '"');
}

char *study_to_yaml(const struct study *st)
{
	GString *g = g_string_new("name: ");
	yaml_str(g, st->name ? st->name : "");
	g_string_append(g, "\nscenarios: [");
	for (size_t i = 0; i < st->n_scenarios; i++) {
		if (i)
			g_string_append(g, ", ");
		yaml_str(g, st->scenarios[i]);
	}
	g_string_append(g, "]\naxes:\n");
	for (size_t a = 0; a < st->n_axes; a++) {
		g_string_append(g, "  ");
		yaml_str(g, st->axes[a].key);
		g_string_append(g, ": [");
		for (size_t i = 0; i < st->axes[a].n; i++) {
			if (i)
				g_string_append(g, ", ");
			yaml_str(g, st->axes[a].values[i]);
		}
		g_string_append(g, "]\n");
	}
	g_string_append_printf(g, "combine: %s\n", names_name(&combine_names, st->combine));
	if (st->n_strategies) {
		g_string_append(g, "strategies: [");
		for (size_t i = 0; i < st->n_strategies; i++)
			g_string_append_printf(g, "%s%s", i ? ", " : "",
			                       strategy_name(st->strategies[i]));
		g_string_append(g, "]\n");
	}
	if (st->runs)
		g_string_append_printf(g, "runs: %u\n", st->runs);
	if (st->seed_set)
		g_string_append_printf(g, "seed: %llu\n", (unsigned long long)st->seed);
	g_string_append(g, "statistics: [");
	for (int i = 0, n = 0; i < STUDY_STAT_COUNT; i++)
		if (st->stats[i])
			g_string_append_printf(g, "%s%s", n++ ? ", " : "",
			                       study_stat_name((enum study_stat)i));
	g_string_append(g, "]\n");
	if (st->traces >= 0)
		g_string_append_printf(g, "traces: %s\n",
		                       study_traces_name((enum study_traces)st->traces));
	return g_string_free(g, FALSE);
}
