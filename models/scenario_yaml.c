/*
 * scenario_yaml.c - load scenario files (YAML + --set) and print them back.
 *
 * Loading goes through five steps, each with its own kind of error:
 *  1. walk the text once with libyaml's event parser: syntax errors (with
 *     their line), aliases, duplicate keys, nesting depth, and a map from
 *     every key path ("devices[0].latency.query") to its line;
 *  2. apply --set overrides to a libyaml document tree and emit it again;
 *  3. libcyaml with a schema checks the structure: unknown keys, missing
 *     required keys, a list or mapping where a single value belongs.  Its
 *     backtrace (logged at CYAML_LOG_ERROR) gives the key path of the error,
 *     which step 1's map turns into a line of the original file;
 *  4. every leaf is a string, parsed here: units, distributions, integers,
 *     booleans, names.  libcyaml 1.3.1's own scalar parsing is too lax for
 *     user input (INT takes "4x" as 4, UINT takes "-1" as 2^64-1, BOOL takes
 *     any word but a few as true), so it is not used;
 *  5. profiles fill what a device group leaves out, defaults the rest, and
 *     scenario_validate() checks the whole.
 * An error found after --set is attributed to the --set that wrote the key.
 */
#include "scenario_yaml.h"

#include <cyaml/cyaml.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "dist.h"
#include "units.h"

/* Deeper nesting is never a scenario; it only risks the recursive emitter. */
#define MAX_DEPTH      64
#define MAX_FILE_BYTES (64u << 20)
#define MAX_SET_KEY    256
#define MAX_SEGMENTS   32
#define PATH_LEN       1024

/* ---- key path -> line ---- */

/*
 * Paths with their lines, hashed: a generated scenario may have 65536 device
 * groups, and the loader looks keys up once per group.
 */
struct linemap {
	struct lm_entry {
		char *path;
		int line;
	} * v;
	size_t n, cap;
	size_t *slot; /* index + 1 into v, 0 = empty; a power of two of them */
	size_t n_slots;
};

static size_t path_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Slot of `path`: where it is, or the empty one where it would go. */
static size_t *linemap_slot(const struct linemap *m, const char *path)
{
	size_t mask = m->n_slots - 1, i = path_hash(path) & mask;
	while (m->slot[i] && strcmp(m->v[m->slot[i] - 1].path, path) != 0)
		i = (i + 1) & mask;
	return &m->slot[i];
}

static int linemap_rehash(struct linemap *m)
{
	size_t n_slots = m->n_slots ? 2 * m->n_slots : 64;
	size_t *slot = calloc(n_slots, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	free(m->slot);
	m->slot = slot;
	m->n_slots = n_slots;
	for (size_t i = 0; i < m->n; i++)
		*linemap_slot(m, m->v[i].path) = i + 1;
	return 0;
}

/* Add `path` at `line`; a path added again maps to its latest line. */
static int linemap_add(struct linemap *m, const char *path, int line)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 32;
		struct lm_entry *v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	if (2 * (m->n + 1) > m->n_slots && linemap_rehash(m))
		return -ENOMEM;
	m->v[m->n].path = strdup(path);
	if (!m->v[m->n].path)
		return -ENOMEM;
	m->v[m->n].line = line;
	*linemap_slot(m, path) = ++m->n;
	return 0;
}

/* Line of `path`, or 0 when the document has no such key. */
static int linemap_line(const struct linemap *m, const char *path)
{
	size_t idx = m->n_slots ? *linemap_slot(m, path) : 0;
	return idx ? m->v[idx - 1].line : 0;
}

static void linemap_free(struct linemap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* Cut the last segment off a key path: "a.b[2]" -> "a.b" -> "a" -> "". */
static bool path_parent(char *path)
{
	char *dot = strrchr(path, '.'), *br = strrchr(path, '[');
	char *cut = dot > br ? dot : br;

	if (!*path)
		return false;
	if (cut)
		*cut = '\0';
	else
		*path = '\0';
	return true;
}

/* Is `path` the key path `base` or below it? */
static bool path_within(const char *path, const char *base)
{
	size_t n = strlen(base);
	return strncmp(path, base, n) == 0 && (path[n] == '\0' || path[n] == '.' || path[n] == '[');
}

/* ---- step 1: walk the YAML events ---- */

enum root_kind { ROOT_NONE, ROOT_EMPTY, ROOT_SCALAR, ROOT_SEQUENCE, ROOT_MAPPING };

struct walk_result {
	int line; /* of the error */
	char msg[384];
	enum root_kind root;
	int root_line;
};

struct walk_frame {
	bool is_map;
	bool want_key;
	char *path;
	char *pending;       /* path of the key whose value comes next */
	size_t index;        /* next sequence entry */
	struct linemap keys; /* keys of this mapping, for duplicates */
};

static char *path_join_key(const char *parent, const char *key)
{
	char *p;
	if (asprintf(&p, "%s%s%s", parent, *parent ? "." : "", key) < 0)
		return NULL;
	return p;
}

static const char *line_start(const char *text, size_t len, size_t line0)
{
	const char *p = text, *end = text + len;
	for (size_t l = 0; l < line0 && p < end; p++)
		if (*p == '\n')
			l++;
	return p < end ? p : NULL;
}

static void syntax_error(const yaml_parser_t *p, const char *text, size_t len,
                         struct walk_result *r)
{
	size_t line0 = p->problem_mark.line;
	const char *ls;
	bool tab = false;

	/* Reader errors (bad bytes, bad UTF-8) carry a byte offset, not a mark. */
	if (p->error == YAML_READER_ERROR) {
		line0 = 0;
		for (size_t i = 0; i < p->problem_offset && i < len; i++)
			line0 += text[i] == '\n';
	}
	ls = line_start(text, len, line0);
	r->line = (int)line0 + 1;
	/* The usual cause of "cannot start any token" is a tab in the indent. */
	for (const char *c = ls; c && c < text + len && (*c == ' ' || *c == '\t'); c++)
		tab = tab || *c == '\t';
	if (p->error == YAML_READER_ERROR)
		snprintf(
		    r->msg, sizeof(r->msg),
		    "not a YAML text: %s (byte 0x%02X at offset %zu); a scenario is UTF-8 text",
		    p->problem ? p->problem : "unreadable input", (unsigned)p->problem_value & 0xff,
		    p->problem_offset);
	else
		snprintf(r->msg, sizeof(r->msg), "YAML syntax error: %s%s%s%s",
		         p->problem ? p->problem : "unknown problem", p->context ? " " : "",
		         p->context ? p->context : "",
		         tab ? " (a tab in the indentation: YAML indents with spaces only)" : "");
}

/*
 * Walk `text`: fill `m` with the line of every key path and check what
 * libcyaml would otherwise report without a line.  Returns 0, -1 (r says
 * why) or -ENOMEM.
 */
static int walk(const char *text, size_t len, struct linemap *m, struct walk_result *r)
{
	struct walk_frame st[MAX_DEPTH];
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, docs = 0, rc = 0;
	bool done = false;

	memset(r, 0, sizeof(*r));
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && rc == 0) {
		char *path = NULL;
		int line;

		if (!yaml_parser_parse(&p, &ev)) {
			syntax_error(&p, text, len, r);
			rc = p.error == YAML_MEMORY_ERROR ? -ENOMEM : -1;
			break;
		}
		line = (int)ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				r->line = line;
				snprintf(
				    r->msg, sizeof(r->msg),
				    "a second YAML document: a scenario file holds exactly one");
				rc = -1;
			}
			break;
		case YAML_ALIAS_EVENT:
			r->line = line;
			snprintf(r->msg, sizeof(r->msg),
			         "YAML alias *%s: aliases are not supported, write the value out",
			         (const char *)ev.data.alias.anchor);
			rc = -1;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == 0) {
				r->root_line = line;
				if (ev.type == YAML_MAPPING_START_EVENT)
					r->root = ROOT_MAPPING;
				else if (ev.type == YAML_SEQUENCE_START_EVENT)
					r->root = ROOT_SEQUENCE;
				else if (ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
				         (ev.data.scalar.length == 0 ||
				          strcmp((char *)ev.data.scalar.value, "~") == 0 ||
				          strcmp((char *)ev.data.scalar.value, "null") == 0))
					r->root = ROOT_EMPTY;
				else
					r->root = ROOT_SCALAR;
				path = strdup("");
				if (!path || linemap_add(m, "", line))
					rc = -ENOMEM;
			} else if (st[depth - 1].is_map && st[depth - 1].want_key) {
				struct walk_frame *f = &st[depth - 1];
				const char *key;
				int first;

				if (ev.type != YAML_SCALAR_EVENT) {
					r->line = line;
					snprintf(r->msg, sizeof(r->msg),
					         "%s%sa mapping key must be a plain word, not a %s",
					         f->path, *f->path ? ": " : "",
					         ev.type == YAML_MAPPING_START_EVENT ? "mapping"
					                                             : "list");
					rc = -1;
					break;
				}
				key = (const char *)ev.data.scalar.value;
				path = path_join_key(f->path, key);
				if (!path) {
					rc = -ENOMEM;
					break;
				}
				first = linemap_line(&f->keys, key);
				if (first) {
					r->line = line;
					snprintf(r->msg, sizeof(r->msg),
					         "%s: duplicate key '%s' (first at line %d)", path,
					         key, first);
					free(path);
					rc = -1;
					break;
				}
				if (linemap_add(&f->keys, key, line) ||
				    linemap_add(m, path, line)) {
					free(path);
					rc = -ENOMEM;
					break;
				}
				free(f->pending);
				f->pending = path;
				f->want_key = false;
				break; /* a key opens nothing */
			} else if (st[depth - 1].is_map) {
				path = st[depth - 1].pending;
				st[depth - 1].pending = NULL;
				st[depth - 1].want_key = true;
			} else {
				struct walk_frame *f = &st[depth - 1];
				if (asprintf(&path, "%s[%zu]", f->path, f->index++) < 0) {
					path = NULL;
					rc = -ENOMEM;
					break;
				}
				if (linemap_add(m, path, line))
					rc = -ENOMEM;
			}
			if (rc || ev.type == YAML_SCALAR_EVENT) {
				free(path);
				break;
			}
			if (depth == MAX_DEPTH) {
				r->line = line;
				/* The outermost key names the culprit; the full path would be
				 * MAX_DEPTH segments long. */
				snprintf(r->msg, sizeof(r->msg),
				         "%s: nested more than %d levels deep",
				         st[depth > 1 ? 1 : 0].path, MAX_DEPTH);
				free(path);
				rc = -1;
				break;
			}
			st[depth++] =
			    (struct walk_frame){.is_map = ev.type == YAML_MAPPING_START_EVENT,
			                        .want_key = true,
			                        .path = path};
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0) {
				struct walk_frame *f = &st[--depth];
				free(f->path);
				free(f->pending);
				linemap_free(&f->keys);
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	while (depth > 0) {
		struct walk_frame *f = &st[--depth];
		free(f->path);
		free(f->pending);
		linemap_free(&f->keys);
	}
	yaml_parser_delete(&p);
	return rc;
}

/* ---- the loader's state and its error messages ---- */

struct loader {
	const char *name; /* file name in messages */
	char *err;
	size_t errlen;
	struct linemap lines;       /* key path -> line in the file */
	struct linemap set_lines;   /* key path -> line in the document after --set */
	const struct linemap *keys; /* the keys of the document libcyaml loads */
	struct linemap set_paths;   /* key path written by --set -> its index (.line) */
	const char *const *sets;
};

/* Index of the --set that wrote `path` (or a key below it), or -1. */
static int set_for(const struct loader *L, const char *path)
{
	const struct linemap *m = &L->set_paths;

	/* Later --set arguments override earlier ones, so search backwards. */
	for (size_t i = m->n; i-- > 0;)
		if (path_within(path, m->v[i].path))
			return m->v[i].line;
	if (linemap_line(&L->lines, path))
		return -1;
	for (size_t i = m->n; i-- > 0;)
		if (path_within(m->v[i].path, path) && *path)
			return m->v[i].line;
	return -1;
}

/* Line of `path` in the file, or of the nearest enclosing key that is there. */
static int line_for(const struct loader *L, const char *path)
{
	char buf[PATH_LEN];
	int line;

	snprintf(buf, sizeof(buf), "%s", path);
	do {
		line = linemap_line(&L->lines, buf);
		if (line)
			return line;
	} while (path_parent(buf));
	return 1;
}

static int fail(struct loader *L, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "FILE:LINE: KEY: msg" or "--set KEY=VALUE: KEY: msg"; returns -1. */
static int fail(struct loader *L, const char *path, const char *fmt, ...)
{
	char msg[1280];
	va_list ap;
	int set = set_for(L, path);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (set >= 0)
		snprintf(L->err, L->errlen, "--set %s: %s%s%s", L->sets[set], path,
		         *path ? ": " : "", msg);
	else
		snprintf(L->err, L->errlen, "%s:%d: %s%s%s", L->name, line_for(L, path), path,
		         *path ? ": " : "", msg);
	return -1;
}

static int fail_oom(struct loader *L)
{
	snprintf(L->err, L->errlen, "%s: out of memory", L->name);
	return -ENOMEM;
}

/* ---- step 2: --set ---- */

struct segment {
	const char *name;
	long index; /* -1: no [i] */
};

struct set_ctx {
	struct loader *L;
	yaml_document_t *doc;
	size_t set;
	const char *value;
	struct segment seg[MAX_SEGMENTS];
	size_t n_seg;
};

static int set_fail(struct set_ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_fail(struct set_ctx *c, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->L->err, c->L->errlen, "--set %s: %s%s%s", c->L->sets[c->set], path,
	         *path ? ": " : "", msg);
	return -1;
}

/* Split "devices[1].latency.query" into segments (in place). */
static int parse_set_key(struct set_ctx *c, char *key)
{
	static const char hint[] =
	    "expected dotted keys such as migration.strategy, devices[1].count or devices.count";
	char *part = key, *next;

	c->n_seg = 0;
	if (strlen(key) > MAX_SET_KEY)
		return set_fail(c, "", "the key is longer than %d characters", MAX_SET_KEY);
	do {
		struct segment *s = &c->seg[c->n_seg];
		size_t n;
		char *br;

		next = strchr(part, '.');
		if (next)
			*next++ = '\0';
		if (c->n_seg == MAX_SEGMENTS)
			return set_fail(c, "", "more than %d keys in the path", MAX_SEGMENTS);
		n = strspn(part,
		           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
		if (n == 0)
			return set_fail(c, "", "empty or invalid key '%s' in the path: %s", part,
			                hint);
		s->name = part;
		s->index = -1;
		br = part + n;
		if (*br == '[') {
			char *end;
			*br = '\0';
			if (br[1] < '0' || br[1] > '9')
				return set_fail(c, "", "bad index in '%s[%s': %s", part, br + 1,
				                hint);
			errno = 0;
			s->index = strtol(br + 1, &end, 10);
			if (errno || strcmp(end, "]") != 0)
				return set_fail(c, "", "bad index in '%s[%s': %s", part, br + 1,
				                hint);
		} else if (*br) {
			return set_fail(c, "", "invalid character '%c' in key '%s': %s", *br, part,
			                hint);
		}
		c->n_seg++;
		part = next;
	} while (part);
	return 0;
}

static yaml_node_t *node_of(yaml_document_t *d, int id)
{
	return yaml_document_get_node(d, id);
}

static const char *node_kind(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE    ? "a mapping"
	       : n->type == YAML_SEQUENCE_NODE ? "a list"
	                                       : "a single value";
}

static bool node_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0;
}

/* Copy node `id` of `src` (and everything under it) into `dst`. */
static int copy_node(yaml_document_t *dst, yaml_document_t *src, int id)
{
	yaml_node_t *n = node_of(src, id);
	int out;

	switch (n->type) {
	case YAML_SCALAR_NODE:
		return yaml_document_add_scalar(dst, n->tag, n->data.scalar.value,
		                                (int)n->data.scalar.length, n->data.scalar.style);
	case YAML_SEQUENCE_NODE:
		out = yaml_document_add_sequence(dst, n->tag, n->data.sequence.style);
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     out && it < n->data.sequence.items.top; it++) {
			int child = copy_node(dst, src, *it);
			if (!child || !yaml_document_append_sequence_item(dst, out, child))
				return 0;
		}
		return out;
	case YAML_MAPPING_NODE:
		out = yaml_document_add_mapping(dst, n->tag, n->data.mapping.style);
		for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
		     out && pr < n->data.mapping.pairs.top; pr++) {
			int k = copy_node(dst, src, pr->key);
			int v = k ? copy_node(dst, src, pr->value) : 0;
			if (!v || !yaml_document_append_mapping_pair(dst, out, k, v))
				return 0;
		}
		return out;
	default:
		return 0;
	}
}

/* A node holding the --set value: a plain value, or YAML flow text. */
static int make_value(struct set_ctx *c, const char *path)
{
	const char *v = c->value;
	yaml_document_t tmp;
	yaml_parser_t p;
	struct linemap ignore = {0};
	struct walk_result wr;
	int id, rc;

	if (v[0] != '[' && v[0] != '{') {
		id = yaml_document_add_scalar(c->doc, NULL, (yaml_char_t *)v, (int)strlen(v),
		                              YAML_ANY_SCALAR_STYLE);
		return id ? id : fail_oom(c->L);
	}
	rc = walk(v, strlen(v), &ignore, &wr);
	linemap_free(&ignore);
	if (rc == -ENOMEM)
		return fail_oom(c->L);
	if (rc)
		return set_fail(c, path, "the value is not valid YAML flow text: %s", wr.msg);
	if (!yaml_parser_initialize(&p))
		return fail_oom(c->L);
	yaml_parser_set_input_string(&p, (const unsigned char *)v, strlen(v));
	if (!yaml_parser_load(&p, &tmp)) {
		yaml_parser_delete(&p);
		return set_fail(c, path, "the value is not valid YAML flow text");
	}
	yaml_parser_delete(&p);
	id = yaml_document_get_root_node(&tmp) ? copy_node(c->doc, &tmp, 1) : 0;
	yaml_document_delete(&tmp);
	return id ? id : fail_oom(c->L);
}

static int record_set(struct set_ctx *c, const char *path)
{
	return linemap_add(&c->L->set_paths, path, (int)c->set) ? fail_oom(c->L) : 0;
}

static int append_pair(struct set_ctx *c, int map, const char *key, int value)
{
	int k = yaml_document_add_scalar(c->doc, NULL, (yaml_char_t *)key, (int)strlen(key),
	                                 YAML_PLAIN_SCALAR_STYLE);
	if (!k || !yaml_document_append_mapping_pair(c->doc, map, k, value))
		return fail_oom(c->L);
	return 0;
}

/* A key path into a PATH_LEN buffer (--set keys are short enough to fit). */
static void path_printf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void path_printf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, PATH_LEN, fmt, ap);
	va_end(ap);
}

/*
 * Set segment k and below of the --set key, starting at mapping node `id`
 * whose own key path is `path`.  Node pointers are re-read after every
 * addition: adding a node may move the node array.
 */
static int set_at(struct set_ctx *c, int id, size_t k, const char *path)
{
	const struct segment *sg = &c->seg[k];
	bool last = k + 1 == c->n_seg;
	char child[PATH_LEN], elem[PATH_LEN];
	yaml_node_t *n = node_of(c->doc, id);
	long pair = -1;
	int vid = 0, nv;

	if (n->type != YAML_MAPPING_NODE)
		return set_fail(c, path, "is %s, not a mapping, so it has no key '%s'",
		                node_kind(n), sg->name);
	path_printf(child, "%s%s%s", path, *path ? "." : "", sg->name);
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *key = node_of(c->doc, pr->key);
		if (key->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)key->data.scalar.value, sg->name) == 0) {
			pair = pr - n->data.mapping.pairs.start;
			vid = pr->value;
		}
	}
	if (sg->index >= 0) {
		yaml_node_t *v = vid ? node_of(c->doc, vid) : NULL;
		size_t len;

		if (!v || v->type != YAML_SEQUENCE_NODE)
			return set_fail(c, child, "%s, so it has no entry [%ld]",
			                v ? "is not a list" : "does not exist", sg->index);
		len = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		if ((size_t)sg->index >= len)
			return set_fail(c, child, "has %zu entries, so [%ld] does not exist", len,
			                sg->index);
		path_printf(elem, "%s[%ld]", child, sg->index);
		if (!last)
			return set_at(c, v->data.sequence.items.start[sg->index], k + 1, elem);
		nv = make_value(c, elem);
		if (nv < 0)
			return nv;
		node_of(c->doc, vid)->data.sequence.items.start[sg->index] = nv;
		return record_set(c, elem);
	}
	if (last) {
		nv = make_value(c, child);
		if (nv < 0)
			return nv;
		if (pair >= 0)
			node_of(c->doc, id)->data.mapping.pairs.start[pair].value = nv;
		else if (append_pair(c, id, sg->name, nv))
			return -ENOMEM;
		return record_set(c, child);
	}
	if (!vid || node_is_null(node_of(c->doc, vid))) {
		/* Create the missing mapping (vm.ram=8GiB with no vm: yet). */
		int m = yaml_document_add_mapping(c->doc, NULL, YAML_BLOCK_MAPPING_STYLE);
		if (!m)
			return fail_oom(c->L);
		if (pair >= 0)
			node_of(c->doc, id)->data.mapping.pairs.start[pair].value = m;
		else if (append_pair(c, id, sg->name, m))
			return -ENOMEM;
		return set_at(c, m, k + 1, child);
	}
	if (node_of(c->doc, vid)->type == YAML_SEQUENCE_NODE) {
		/* No [i]: every entry (devices.count=8). */
		yaml_node_t *v = node_of(c->doc, vid);
		size_t len = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		if (len == 0)
			return set_fail(c, child, "is an empty list: there is nothing to set");
		for (size_t i = 0; i < len; i++) {
			int item = node_of(c->doc, vid)->data.sequence.items.start[i];
			int rc;
			path_printf(elem, "%s[%zu]", child, i);
			rc = set_at(c, item, k + 1, elem);
			if (rc)
				return rc;
		}
		return 0;
	}
	return set_at(c, vid, k + 1, child);
}

struct outbuf {
	char *p;
	size_t len, cap;
};

static int outbuf_write(void *data, unsigned char *buf, size_t size)
{
	struct outbuf *o = data;

	if (o->len + size + 1 > o->cap) {
		size_t cap = (o->len + size + 1) * 2;
		char *p = realloc(o->p, cap);
		if (!p)
			return 0;
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, buf, size);
	o->len += size;
	o->p[o->len] = '\0';
	return 1;
}

/* Apply every --set to `text` and emit the result into *out. */
static int apply_sets(struct loader *L, const char *text, size_t len, size_t n_sets,
                      struct outbuf *out)
{
	yaml_parser_t p;
	yaml_emitter_t e;
	yaml_document_t doc;
	int rc = 0;

	if (!yaml_parser_initialize(&p))
		return fail_oom(L);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		yaml_parser_delete(&p);
		snprintf(L->err, L->errlen, "%s: cannot load the YAML document", L->name);
		return -1;
	}
	yaml_parser_delete(&p);
	for (size_t i = 0; i < n_sets && rc == 0; i++) {
		struct set_ctx c = {.L = L, .doc = &doc, .set = i};
		const char *eq = strchr(L->sets[i], '=');
		char *key;

		if (!eq || eq == L->sets[i]) {
			rc = set_fail(
			    &c, "", "expected KEY=VALUE, such as migration.strategy=parallel-prio");
			break;
		}
		key = strndup(L->sets[i], (size_t)(eq - L->sets[i]));
		if (!key) {
			rc = fail_oom(L);
			break;
		}
		c.value = eq + 1;
		rc = parse_set_key(&c, key);
		if (!rc)
			rc = set_at(&c, 1, 0, "");
		free(key);
	}
	if (rc) {
		yaml_document_delete(&doc);
		return rc;
	}
	if (!yaml_emitter_initialize(&e)) {
		yaml_document_delete(&doc);
		return fail_oom(L);
	}
	yaml_emitter_set_output(&e, outbuf_write, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	/* yaml_emitter_dump() destroys the document, whatever it returns. */
	if (!yaml_emitter_open(&e) || !yaml_emitter_dump(&e, &doc) || !yaml_emitter_close(&e)) {
		if (!e.opened)
			yaml_document_delete(&doc);
		snprintf(L->err, L->errlen, "%s: cannot write the document after --set: %s",
		         L->name, e.problem ? e.problem : "out of memory");
		rc = -1;
	}
	yaml_emitter_delete(&e);
	return rc;
}

/* ---- step 3: the libcyaml schema (every leaf a string) ---- */

struct raw_vm {
	char *ram, *dirty_rate;
};
struct raw_network {
	char *bandwidth, *latency, *multifd_channels;
};
struct raw_migration {
	char *downtime_limit, *strategy, *max_iterations, *max_time, *chunk_size, *thread_create,
	    *thread_join, *threads, *thread_wake, *switchover_ack, *switchover_ack_destination,
	    *late_ack_rule, *stop_gap;
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
	char *state_size, *initial_bytes, *precopy_dirty_rate;
	struct raw_latency *latency;
	struct raw_load *load;
	char *precopy_info_v2;
	struct raw_load *init_load;
	struct raw_reinit *reinit;
	char *final_check_failure;
	char *domain;
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

#define STR(key, flags, st, member)                                                                \
	CYAML_FIELD_STRING_PTR(key, (flags) | CYAML_FLAG_POINTER, st, member, 0, CYAML_UNLIMITED)
#define OPT CYAML_FLAG_OPTIONAL
#define REQ CYAML_FLAG_DEFAULT

static const cyaml_schema_value_t string_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED)};

static const cyaml_schema_field_t vm_fields[] = {
    STR("ram", OPT, struct raw_vm, ram),
    STR("dirty_rate", OPT, struct raw_vm, dirty_rate),
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
static const cyaml_schema_field_t device_fields[] = {
    STR("name", REQ, struct raw_device, name),
    STR("profile", OPT, struct raw_device, profile),
    STR("count", OPT, struct raw_device, count),
    STR("depth", OPT, struct raw_device, depth),
    CYAML_FIELD_SEQUENCE("capabilities", CYAML_FLAG_POINTER | OPT, struct raw_device, capabilities,
                         &string_entry, 0, CYAML_UNLIMITED),
    STR("state_size", OPT, struct raw_device, state_size),
    STR("initial_bytes", OPT, struct raw_device, initial_bytes),
    STR("precopy_dirty_rate", OPT, struct raw_device, precopy_dirty_rate),
    CYAML_FIELD_MAPPING_PTR("latency", OPT, struct raw_device, latency, latency_fields),
    CYAML_FIELD_MAPPING_PTR("load", OPT, struct raw_device, load, load_fields),
    STR("precopy_info_v2", OPT, struct raw_device, precopy_info_v2),
    CYAML_FIELD_MAPPING_PTR("init_load", OPT, struct raw_device, init_load, load_fields),
    CYAML_FIELD_MAPPING_PTR("reinit", OPT, struct raw_device, reinit, reinit_fields),
    STR("final_check_failure", OPT, struct raw_device, final_check_failure),
    STR("domain", OPT, struct raw_device, domain),
    STR("backend", OPT, struct raw_device, backend),
    CYAML_FIELD_MAPPING_PTR("vfio", OPT, struct raw_device, vfio, vfio_fields),
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

/* The schema of the value at key path `path`, or NULL. */
static const cyaml_schema_value_t *schema_at(const char *path)
{
	const cyaml_schema_value_t *v = &top_schema;
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
	size_t used = 0, n = 0, i = 0;

	buf[0] = '\0';
	if (!v || v->type != CYAML_MAPPING)
		return;
	for (const cyaml_schema_field_t *f = v->mapping.fields; f->key; f++)
		n++;
	for (const cyaml_schema_field_t *f = v->mapping.fields; f->key && used < len; f++, i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		                         i == 0       ? ""
		                         : i + 1 == n ? " or "
		                                      : ", ",
		                         f->key);
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
static int cyaml_fail(struct loader *L, cyaml_err_t e, const struct cyaml_log *log)
{
	char path[PATH_LEN] = "", msg[512] = "", keys[512];
	const char *frames[MAX_DEPTH + 2];
	size_t n_frames = 0;
	char *copy = strndup(log->buf, log->len), *line, *save = NULL;
	const char *what = "";

	if (!copy)
		return fail_oom(L);
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
		char parent[PATH_LEN];
		snprintf(parent, sizeof(parent), "%s", path);
		schema_keys(schema_at(parent), keys, sizeof(keys));
		{
			size_t used = strlen(path);
			snprintf(path + used, sizeof(path) - used, "%s%s", used ? "." : "", key);
		}
		return fail(L, path, "unknown key '%s': expected %s%s", key,
		            keys[0] ? "one of " : "a known key", keys);
	}
	case CYAML_ERR_MAPPING_FIELD_MISSING: {
		const char *key = strrchr(msg, ' ') ? strrchr(msg, ' ') + 1 : "?";
		size_t used = strlen(path);
		snprintf(path + used, sizeof(path) - used, "%s%s", used ? "." : "", key);
		return fail(L, path, "missing required key '%s'", key);
	}
	case CYAML_ERR_OOM:
		return fail_oom(L);
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
		return fail(L, path, "expected %s%s", schema_wants(schema_at(path)), what);
	return fail(L, path, "%s (libcyaml: %s)", msg[0] ? msg : "invalid document",
	            cyaml_strerror(e));
}

/* ---- step 4: values ---- */

/* A whole number in [lo, hi], written in decimal. */
static int get_uint(struct loader *L, const char *path, const char *text, uint64_t lo, uint64_t hi,
                    uint64_t *out)
{
	uint64_t v = 0;
	const char *p = text;

	if (!text)
		return 0;
	if (*p == '+')
		p++;
	if (*text == '-' && text[1] >= '0' && text[1] <= '9')
		return fail(L, path, "%s is negative: expected a whole number from %llu to %llu",
		            text, (unsigned long long)lo, (unsigned long long)hi);
	if (!*p || strspn(p, "0123456789") != strlen(p))
		return fail(L, path, "'%s' is not a whole number: expected %llu to %llu", text,
		            (unsigned long long)lo, (unsigned long long)hi);
	for (; *p; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return fail(L, path, "%s is too large: expected %llu to %llu", text,
			            (unsigned long long)lo, (unsigned long long)hi);
		v = v * 10 + d;
	}
	if (v < lo || v > hi)
		return fail(L, path, "%s is out of range: expected %llu to %llu", text,
		            (unsigned long long)lo, (unsigned long long)hi);
	*out = v;
	return 0;
}

static int get_unsigned(struct loader *L, const char *path, const char *text, unsigned lo,
                        unsigned hi, unsigned *out)
{
	uint64_t v = *out;
	if (get_uint(L, path, text, lo, hi, &v))
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int get_bytes(struct loader *L, const char *path, const char *text, uint64_t *out)
{
	char msg[384];
	if (text && units_parse_bytes(text, out, msg, sizeof(msg)))
		return fail(L, path, "%s", msg);
	return 0;
}

static int get_rate(struct loader *L, const char *path, const char *text, double *out)
{
	char msg[384];
	if (text && units_parse_rate(text, out, msg, sizeof(msg)))
		return fail(L, path, "%s", msg);
	return 0;
}

static int get_duration(struct loader *L, const char *path, const char *text, double *out)
{
	char msg[384];
	if (text && units_parse_duration(text, out, msg, sizeof(msg)))
		return fail(L, path, "%s", msg);
	return 0;
}

/* A probability: a plain number from 0 to 1. */
static int get_probability(struct loader *L, const char *path, const char *text, double *out)
{
	char msg[384];
	double v;

	if (!text)
		return 0;
	if (units_parse_number(text, &v, msg, sizeof(msg)))
		return fail(L, path, "%s (a probability from 0 to 1)", msg);
	if (v > 1)
		return fail(L, path,
		            "%s is above 1: expected a probability from 0 to 1, such as 0.05",
		            text);
	*out = v;
	return 0;
}

/*
 * Parse `text` into *out in the unit of `dflt` (durations or sizes), or set
 * *out to a copy of `dflt` when absent.
 */
static int get_dist(struct loader *L, const char *path, const char *text, const struct dist *dflt,
                    struct dist *out)
{
	char msg[512];
	int rc;

	if (!text)
		return dist_copy(out, dflt) ? fail_oom(L) : 0;
	rc = dflt->unit == DIST_UNIT_BYTES ? dist_parse_bytes(text, out, msg, sizeof(msg))
	                                   : dist_parse(text, out, msg, sizeof(msg));
	return rc ? fail(L, path, "%s", msg) : 0;
}

/* Index of `text` in `names` (NULL-terminated), or -1. */
static int word_index(const char *text, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(text, names[i]) == 0)
			return i;
	return -1;
}

/* One of `names` (NULL-terminated); returns its index or -1 (reported). */
static int get_word(struct loader *L, const char *path, const char *text, const char *const *names,
                    const char *what)
{
	char list[1024];
	int k = word_index(text, names);

	if (k >= 0)
		return k;
	scenario_word_list(names, list, sizeof(list));
	return fail(L, path, "unknown %s '%s': expected %s", what, text, list);
}

/* An optional word key: *k (the value's index) is left alone when absent. */
static int get_enum(struct loader *L, const char *path, const char *text, const char *const *names,
                    const char *what, int *k)
{
	int v;

	if (!text)
		return 0;
	v = get_word(L, path, text, names, what);
	if (v < 0)
		return -1;
	*k = v;
	return 0;
}

static int dup_str(struct loader *L, const char *text, char **out)
{
	*out = strdup(text ? text : "");
	return *out ? 0 : fail_oom(L);
}

static int convert_domains(struct loader *L, const struct raw_top *r, struct scenario *s)
{
	char path[PATH_LEN];

	if (!r->domains_count)
		return 0;
	s->domains = calloc(r->domains_count, sizeof(*s->domains));
	if (!s->domains)
		return fail_oom(L);
	s->n_domains = r->domains_count;
	for (size_t i = 0; i < r->domains_count; i++) {
		const struct raw_domain *d = &r->domains[i];
		struct scn_domain *o = &s->domains[i];

		*o = scenario_default_domain;
		if (dup_str(L, d->name, &o->name))
			return -1;
		snprintf(path, sizeof(path), "domains[%zu].capacity", i);
		if (get_unsigned(L, path, d->capacity, 1, SCENARIO_MAX_DOMAIN_CAP, &o->capacity))
			return -1;
	}
	return 0;
}

static int convert_caps(struct loader *L, const struct raw_device *d, const char *dev,
                        uint32_t *caps)
{
	const char *names[SCENARIO_CAP_COUNT + 1] = {NULL};
	char path[PATH_LEN];

	for (size_t i = 0; i < SCENARIO_CAP_COUNT; i++)
		names[i] = scenario_caps[i].name;

	snprintf(path, sizeof(path), "%s.capabilities", dev);
	/* An empty list must not mean "the profile's": only absence does. */
	if (!linemap_line(L->keys, path))
		return 0;
	*caps = 0;
	for (unsigned j = 0; j < d->capabilities_count; j++) {
		int k;
		snprintf(path, sizeof(path), "%s.capabilities[%u]", dev, j);
		k = get_word(L, path, d->capabilities[j], names, "capability");
		if (k < 0)
			return -1;
		*caps |= scenario_caps[k].bit;
	}
	return 0;
}

static int convert_latency(struct loader *L, const struct raw_latency *lat,
                           const struct scenario_profile *p, const char *dev,
                           struct scn_device_group *g)
{
	struct dist def = dist_fixed(p->latency_default_s), fixed;
	char path[PATH_LEN];
	int rc = 0;

	snprintf(path, sizeof(path), "%s.latency.default", dev);
	if (lat && lat->def && get_dist(L, path, lat->def, &def, &def))
		return -1;
	/*
	 * Key by key, a group's own keys win over its profile's, and an arc
	 * with neither an own key nor a profile value takes the default (the
	 * group's if it set one, else the profile's).
	 */
	for (size_t i = 0; i < SCENARIO_ARC_COUNT && rc == 0; i++) {
		const struct scenario_arc *a = &scenario_arcs[i];
		const char *text = lat ? lat->arc[a->from * VFIO_STATE_COUNT + a->to] : NULL;
		double v;

		snprintf(path, sizeof(path), "%s.latency.%s", dev, a->key);
		fixed = dist_fixed(0);
		if (!text && scenario_profile_arc(p, a->from, a->to, &v))
			fixed = dist_fixed(v);
		else if (!text)
			fixed = def;
		rc = get_dist(L, path, text, &fixed, &g->arc_latency[a->from][a->to]);
	}
	dist_free(&def);
	if (rc)
		return -1;
	fixed = dist_fixed(p->query_s);
	snprintf(path, sizeof(path), "%s.latency.query", dev);
	return get_dist(L, path, lat ? lat->query : NULL, &fixed, &g->query_latency);
}

static int convert_reinit(struct loader *L, const struct raw_reinit *r, const char *dev,
                          struct scn_device_group *g)
{
	char path[PATH_LEN];
	const struct dist chunk = scenario_default_group.reinit_chunk;

	snprintf(path, sizeof(path), "%s.reinit.chunk", dev);
	if (get_dist(L, path, r ? r->chunk : NULL, &chunk, &g->reinit_chunk))
		return -1;
	if (!r)
		return 0;
	snprintf(path, sizeof(path), "%s.reinit.interval", dev);
	if (get_duration(L, path, r->interval, &g->reinit_interval_s))
		return -1;
	if (!r->times_count)
		return 0;
	g->reinit_times = calloc(r->times_count, sizeof(*g->reinit_times));
	if (!g->reinit_times)
		return fail_oom(L);
	g->n_reinit_times = r->times_count;
	for (unsigned k = 0; k < r->times_count; k++) {
		snprintf(path, sizeof(path), "%s.reinit.times[%u]", dev, k);
		if (get_duration(L, path, r->times[k], &g->reinit_times[k]))
			return -1;
	}
	return 0;
}

/*
 * The keys of switchover-ack and REINIT (DOMAIN.md sections 5-6).  Like
 * initial_bytes, the profile's init_load applies only while the group keeps
 * pre_copy; validation refuses these keys set without it.
 */
static int convert_precopy_keys(struct loader *L, const struct raw_device *d,
                                const struct scenario_profile *p, const char *dev,
                                struct scn_device_group *g)
{
	char path[PATH_LEN];
	int k = (int)g->precopy_info_v2;

	if (g->caps & VFIO_CAP_PRE_COPY) {
		k = (int)p->precopy_info_v2;
		g->init_load_fixed_s = p->init_load_fixed_s;
		g->init_load_Bps = p->init_load_Bps;
	}
	snprintf(path, sizeof(path), "%s.precopy_info_v2", dev);
	if (get_enum(L, path, d->precopy_info_v2, scenario_precopy_v2_names,
	             "precopy_info_v2 answer", &k))
		return -1;
	g->precopy_info_v2 = (enum precopy_v2)k;
	snprintf(path, sizeof(path), "%s.init_load.fixed", dev);
	if (get_duration(L, path, d->init_load ? d->init_load->fixed : NULL, &g->init_load_fixed_s))
		return -1;
	snprintf(path, sizeof(path), "%s.init_load.rate", dev);
	if (get_rate(L, path, d->init_load ? d->init_load->rate : NULL, &g->init_load_Bps))
		return -1;
	if (convert_reinit(L, d->reinit, dev, g))
		return -1;
	snprintf(path, sizeof(path), "%s.final_check_failure", dev);
	return get_probability(L, path, d->final_check_failure, &g->final_check_failure);
}

static int dup_list(struct loader *L, char **in, unsigned n, char ***out, size_t *n_out)
{
	if (!n)
		return 0;
	if (!(*out = calloc(n, sizeof **out)))
		return fail_oom(L);
	*n_out = n;
	for (unsigned k = 0; k < n; k++)
		if (dup_str(L, in[k], &(*out)[k]))
			return -1;
	return 0;
}

/* backend and vfio: (checked further by scenario_validate). */
static int convert_backend(struct loader *L, const struct raw_device *d, const char *dev,
                           struct scn_device_group *g)
{
	char path[PATH_LEN];
	int k = (int)g->backend;
	snprintf(path, sizeof(path), "%s.backend", dev);
	if (get_enum(L, path, d->backend, scenario_backend_names, "backend", &k))
		return -1;
	g->backend = (enum device_backend)k;
	if (!d->vfio)
		return 0;
	k = (int)g->vfio_interface;
	snprintf(path, sizeof(path), "%s.vfio.interface", dev);
	if (get_enum(L, path, d->vfio->interface, scenario_vfio_interface_names, "vfio interface",
	             &k))
		return -1;
	g->vfio_interface = (enum vfio_interface)k;
	if (dup_list(L, d->vfio->source, d->vfio->source_count, &g->vfio_source,
	             &g->n_vfio_source) ||
	    dup_list(L, d->vfio->destination, d->vfio->destination_count, &g->vfio_destination,
	             &g->n_vfio_destination))
		return -1;
	return 0;
}

static int convert_device(struct loader *L, const struct raw_device *d, size_t i,
                          struct scenario *s, struct scn_device_group *g)
{
	const char *pname = d->profile ? d->profile : scenario_default_group.profile;
	const struct scenario_profile *p = scenario_profile_find(pname);
	char dev[64], path[PATH_LEN];

	snprintf(dev, sizeof(dev), "devices[%zu]", i);
	if (dup_str(L, d->name, &g->name))
		return -1;
	snprintf(path, sizeof(path), "%s.profile", dev);
	if (!p)
		return fail(L, path, "unknown profile '%s': expected %s", pname,
		            scenario_profile_names);
	if (dup_str(L, pname, &g->profile))
		return -1;
	snprintf(path, sizeof(path), "%s.count", dev);
	if (get_unsigned(L, path, d->count, 1, SCENARIO_MAX_DEVICES, &g->count))
		return -1;
	{
		unsigned depth = (unsigned)g->depth;
		snprintf(path, sizeof(path), "%s.depth", dev);
		if (get_unsigned(L, path, d->depth, 0, SCENARIO_MAX_DEPTH, &depth))
			return -1;
		g->depth = (int)depth;
	}
	g->caps = p->caps;
	if (convert_caps(L, d, dev, &g->caps))
		return -1;
	g->state_bytes = p->state_bytes;
	snprintf(path, sizeof(path), "%s.state_size", dev);
	if (get_bytes(L, path, d->state_size, &g->state_bytes))
		return -1;
	/* A profile's precopy numbers only apply while the group keeps pre_copy. */
	if (g->caps & VFIO_CAP_PRE_COPY) {
		g->initial_bytes = p->initial_bytes;
		g->precopy_dirty_Bps = p->precopy_dirty_Bps;
	}
	snprintf(path, sizeof(path), "%s.initial_bytes", dev);
	if (get_bytes(L, path, d->initial_bytes, &g->initial_bytes))
		return -1;
	snprintf(path, sizeof(path), "%s.precopy_dirty_rate", dev);
	if (get_rate(L, path, d->precopy_dirty_rate, &g->precopy_dirty_Bps))
		return -1;
	if (convert_latency(L, d->latency, p, dev, g))
		return -1;
	g->load_fixed_s = p->load_fixed_s;
	g->load_Bps = p->load_Bps;
	snprintf(path, sizeof(path), "%s.load.fixed", dev);
	if (get_duration(L, path, d->load ? d->load->fixed : NULL, &g->load_fixed_s))
		return -1;
	snprintf(path, sizeof(path), "%s.load.rate", dev);
	if (get_rate(L, path, d->load ? d->load->rate : NULL, &g->load_Bps))
		return -1;
	if (convert_precopy_keys(L, d, p, dev, g))
		return -1;
	if (convert_backend(L, d, dev, g))
		return -1;
	if (d->domain) {
		char list[256] = "";
		size_t used = 0;

		for (size_t k = 0; k < s->n_domains; k++)
			if (strcmp(d->domain, s->domains[k].name) == 0)
				g->domain = (int)k;
		for (size_t k = 0; k < s->n_domains && used < sizeof(list); k++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
			                         k ? ", " : "", s->domains[k].name);
		snprintf(path, sizeof(path), "%s.domain", dev);
		if (g->domain < 0 && s->n_domains)
			return fail(L, path, "unknown domain '%s': expected one of the domains: %s",
			            d->domain, list);
		if (g->domain < 0)
			return fail(L, path,
			            "unknown domain '%s': no domains are defined (add domains: "
			            "[{name: %s}] or remove domain:)",
			            d->domain, d->domain);
	}
	return 0;
}

static int convert_handler(struct loader *L, const struct raw_handler *h, size_t i,
                           struct scn_handler *o)
{
	static const char *const bools[] = {"false", "true", NULL};
	static const char *const passes[] = {[HANDLER_PASS_MAIN] = "main",
	                                     [HANDLER_PASS_PREPARE] = "prepare",
	                                     [HANDLER_PASS_BOTH] = "both",
	                                     NULL};
	static const char *const sides[] = {[HANDLER_SIDE_BOTH] = "both",
	                                    [HANDLER_SIDE_SRC] = "source",
	                                    [HANDLER_SIDE_DST] = "destination",
	                                    NULL};
	char path[PATH_LEN];
	int k;

	if (dup_str(L, h->name, &o->name))
		return -1;
	snprintf(path, sizeof(path), "handlers[%zu].subsystem", i);
	k = h->subsystem ? get_word(L, path, h->subsystem, bools, "boolean") : 0;
	if (k < 0)
		return -1;
	snprintf(path, sizeof(path), "handlers[%zu].depth", i);
	if (k == 1 && h->depth)
		return fail(L, path,
		            "a subsystem has no qdev depth (it registers at plain priority 0): "
		            "remove depth, or subsystem: true");
	if (k == 1) {
		o->depth = -1;
	} else {
		unsigned depth = (unsigned)o->depth;
		if (get_unsigned(L, path, h->depth, 0, SCENARIO_MAX_DEPTH, &depth))
			return -1;
		o->depth = (int)depth;
	}
	snprintf(path, sizeof(path), "handlers[%zu].pass", i);
	if (h->pass && (k = get_word(L, path, h->pass, passes, "pass")) < 0)
		return -1;
	if (h->pass)
		o->pass = (enum handler_pass)k;
	snprintf(path, sizeof(path), "handlers[%zu].side", i);
	if (h->side && (k = get_word(L, path, h->side, sides, "side")) < 0)
		return -1;
	if (h->side)
		o->side = (enum handler_side)k;
	snprintf(path, sizeof(path), "handlers[%zu].cost", i);
	if (h->cost) {
		struct dist none = dist_fixed(0);
		if (get_dist(L, path, h->cost, &none, &o->cost))
			return -1;
	}
	return 0;
}

/* migration.switchover_ack, its destination, the late-ACK rule, stop_gap. */
static int convert_ack(struct loader *L, const struct raw_migration *m, struct scenario *s)
{
	static const char path_dst[] = "migration.switchover_ack_destination";
	int src = (int)s->ack_src, rule = (int)s->late_ack_rule;

	if (get_enum(L, "migration.switchover_ack", m->switchover_ack, scenario_ack_mode_names,
	             "switchover_ack mode", &src))
		return -1;
	s->ack_src = (enum ack_mode)src;
	s->ack_dst = s->ack_src;
	if (m->switchover_ack_destination && strcmp(m->switchover_ack_destination, "same") != 0) {
		int dst = word_index(m->switchover_ack_destination, scenario_ack_mode_names);
		char list[64];

		if (dst < 0) {
			scenario_word_list(scenario_ack_mode_names, list, sizeof(list));
			return fail(
			    L, path_dst,
			    "unknown switchover_ack mode '%s': expected same (as the source) "
			    "or %s",
			    m->switchover_ack_destination, list);
		}
		s->ack_dst = (enum ack_mode)dst;
	}
	if (get_enum(L, "migration.late_ack_rule", m->late_ack_rule, scenario_late_ack_rule_names,
	             "late-ACK rule", &rule))
		return -1;
	s->late_ack_rule = (enum late_ack_rule)rule;
	if (m->stop_gap) {
		/* Replaces the default, which owns nothing. */
		struct dist gap = s->stop_gap;
		if (get_dist(L, "migration.stop_gap", m->stop_gap, &gap, &s->stop_gap))
			return -1;
	}
	return 0;
}

static int convert_events(struct loader *L, const struct raw_events *e, struct scenario *s)
{
	int design = (int)s->event_design, from = (int)s->nonresponsive_from;

	if (!e)
		return 0;
	if (get_enum(L, "events.design", e->design, scenario_event_design_names, "event design",
	             &design) ||
	    get_duration(L, "events.rdma_timeout", e->rdma_timeout, &s->rdma_timeout_s) ||
	    get_enum(L, "events.nonresponsive_from", e->nonresponsive_from,
	             scenario_nonresponsive_from_names, "nonresponsive_from", &from))
		return -1;
	s->event_design = (enum event_design)design;
	s->nonresponsive_from = (enum nonresponsive_from)from;
	return 0;
}

/* "vf (vf0 to vf3), nic": the names a fault may use, for messages. */
static void device_names(const struct scenario *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t g = 0; g < s->n_groups && used < len; g++) {
		const struct scn_device_group *grp = &s->groups[g];
		if (grp->count == 1)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", g ? ", " : "",
			                         grp->name);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%s (%s0 to %s%u)",
			                         g ? ", " : "", grp->name, grp->name, grp->name,
			                         grp->count - 1);
	}
}

static int convert_faults(struct loader *L, const struct raw_top *r, struct scenario *s)
{
	const char *arcs[SCENARIO_ARC_COUNT + 1] = {NULL};
	char path[PATH_LEN], list[1024];

	if (!r->faults_count)
		return 0;
	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++)
		arcs[i] = scenario_arcs[i].key;
	s->faults = calloc(r->faults_count, sizeof(*s->faults));
	if (!s->faults)
		return fail_oom(L);
	s->n_faults = r->faults_count;
	for (size_t i = 0; i < r->faults_count; i++) {
		const struct raw_fault *f = &r->faults[i];
		struct scn_fault *o = &s->faults[i];
		size_t n;
		int k;

		*o = scenario_default_fault;
		snprintf(path, sizeof(path), "faults[%zu].device", i);
		/* A name that matches twice is left to scenario_validate(), which
		 * checks hand-built scenarios the same way. */
		n = scenario_device_lookup(s, f->device, &o->group, &o->device);
		if (n == 0) {
			device_names(s, list, sizeof(list));
			return fail(L, path,
			            "unknown device '%s': expected a device group (every device of "
			            "it) or one device of a group: %s",
			            f->device, list);
		}
		snprintf(path, sizeof(path), "faults[%zu].arc", i);
		k = get_word(L, path, f->arc, arcs, "arc");
		if (k < 0)
			return -1;
		o->from = scenario_arcs[k].from;
		o->to = scenario_arcs[k].to;
		snprintf(path, sizeof(path), "faults[%zu].probability", i);
		if (get_probability(L, path, f->probability, &o->probability))
			return -1;
	}
	return 0;
}

static int convert(struct loader *L, const struct raw_top *r, struct scenario *s)
{
	const struct raw_migration *m = r->migration;
	const struct raw_network *n = r->network;

	if (dup_str(L, L->name, &s->file) || dup_str(L, r->name, &s->name))
		return -1;
	if (r->description && dup_str(L, r->description, &s->description))
		return -1;
	if (r->vm && (get_bytes(L, "vm.ram", r->vm->ram, &s->ram_bytes) ||
	              get_rate(L, "vm.dirty_rate", r->vm->dirty_rate, &s->ram_dirty_Bps)))
		return -1;
	if (n && (get_rate(L, "network.bandwidth", n->bandwidth, &s->bandwidth_Bps) ||
	          get_duration(L, "network.latency", n->latency, &s->latency_s) ||
	          get_unsigned(L, "network.multifd_channels", n->multifd_channels, 0,
	                       SCENARIO_MAX_MULTIFD, &s->multifd_channels)))
		return -1;
	if (m) {
		int k = (int)s->strategy, threads = (int)s->threads;
		if (get_duration(L, "migration.downtime_limit", m->downtime_limit,
		                 &s->downtime_limit_s) ||
		    get_enum(L, "migration.strategy", m->strategy, scenario_strategy_names,
		             "strategy", &k) ||
		    get_unsigned(L, "migration.max_iterations", m->max_iterations, 1,
		                 SCENARIO_MAX_ITERATIONS, &s->max_iterations) ||
		    get_duration(L, "migration.max_time", m->max_time, &s->max_time_s) ||
		    get_bytes(L, "migration.chunk_size", m->chunk_size, &s->chunk_bytes) ||
		    get_duration(L, "migration.thread_create", m->thread_create,
		                 &s->thread_create_s) ||
		    get_duration(L, "migration.thread_join", m->thread_join, &s->thread_join_s) ||
		    get_enum(L, "migration.threads", m->threads, scenario_thread_mode_names,
		             "thread mode", &threads) ||
		    get_duration(L, "migration.thread_wake", m->thread_wake, &s->thread_wake_s))
			return -1;
		s->strategy = (enum strategy_kind)k;
		s->threads = (enum thread_mode)threads;
		if (convert_ack(L, m, s))
			return -1;
	}
	if (convert_events(L, r->events, s) || convert_domains(L, r, s))
		return -1;
	if (r->devices_count) {
		s->groups = calloc(r->devices_count, sizeof(*s->groups));
		if (!s->groups)
			return fail_oom(L);
		s->n_groups = r->devices_count;
	}
	for (size_t i = 0; i < r->devices_count; i++) {
		struct scn_device_group *g = &s->groups[i];
		*g = scenario_default_group;
		g->profile = NULL; /* the default points at a literal */
		if (convert_device(L, &r->devices[i], i, s, g))
			return -1;
	}
	if (r->handlers_count) {
		s->handlers = calloc(r->handlers_count, sizeof(*s->handlers));
		if (!s->handlers)
			return fail_oom(L);
		s->n_handlers = r->handlers_count;
	}
	for (size_t i = 0; i < r->handlers_count; i++) {
		s->handlers[i] = scenario_default_handler;
		if (convert_handler(L, &r->handlers[i], i, &s->handlers[i]))
			return -1;
	}
	if (convert_faults(L, r, s))
		return -1;
	{
		uint64_t seed = s->seed;
		if (get_unsigned(L, "runs", r->runs, 1, SCENARIO_MAX_RUNS, &s->runs) ||
		    get_uint(L, "seed", r->seed, 0, UINT64_MAX, &seed))
			return -1;
		s->seed = seed;
	}
	return 0;
}

/* ---- the whole load ---- */

int scenario_load_text(const char *name_for_errors, const char *text, size_t len,
                       const char *const *sets, size_t n_sets, struct scenario **out, char *err,
                       size_t errlen)
{
	static const char empty_mapping[] = "{}";
	struct loader L = {.name = name_for_errors ? name_for_errors : "<scenario>",
	                   .err = err,
	                   .errlen = errlen,
	                   .sets = sets};
	struct cyaml_log log = {.len = 0};
	cyaml_config_t cfg = {.log_fn = capture_log,
	                      .log_ctx = &log,
	                      .mem_fn = cyaml_mem,
	                      .log_level = CYAML_LOG_ERROR,
	                      .flags = CYAML_CFG_NO_ALIAS};
	struct outbuf doc = {0};
	struct walk_result wr;
	struct raw_top *raw = NULL;
	struct scenario *s = NULL;
	char vpath[PATH_LEN], vmsg[1024];
	cyaml_err_t ce;
	int rc;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!text)
		len = 0;
	if (!text)
		text = "";
	L.keys = &L.lines;
	rc = walk(text, len, &L.lines, &wr);
	if (rc == -ENOMEM) {
		fail_oom(&L);
		goto out;
	}
	if (rc) {
		snprintf(err, errlen, "%s:%d: %s", L.name, wr.line, wr.msg);
		goto out;
	}
	if ((wr.root == ROOT_NONE || wr.root == ROOT_EMPTY) && !n_sets) {
		snprintf(err, errlen,
		         "%s:%d: empty scenario: expected a mapping with at least name: and "
		         "devices:",
		         L.name, wr.root_line ? wr.root_line : 1);
		rc = -1;
		goto out;
	}
	if (wr.root == ROOT_SCALAR || wr.root == ROOT_SEQUENCE) {
		snprintf(err, errlen,
		         "%s:%d: the top level must be a mapping (name: ..., devices: ...), not "
		         "a %s",
		         L.name, wr.root_line, wr.root == ROOT_SCALAR ? "single value" : "list");
		rc = -1;
		goto out;
	}
	if (n_sets) {
		if (wr.root != ROOT_MAPPING) {
			text = empty_mapping;
			len = sizeof(empty_mapping) - 1;
		}
		rc = apply_sets(&L, text, len, n_sets, &doc);
		if (rc)
			goto out;
		text = doc.p;
		len = doc.len;
		rc = walk(text, len, &L.set_lines, &wr);
		if (rc) {
			snprintf(err, errlen, "%s: the document after --set does not parse: %s",
			         L.name, wr.msg);
			goto out;
		}
		L.keys = &L.set_lines;
	}
	ce = cyaml_load_data((const uint8_t *)text, len, &cfg, &top_schema, (cyaml_data_t **)&raw,
	                     NULL);
	if (ce != CYAML_OK) {
		rc = cyaml_fail(&L, ce, &log);
		goto out;
	}
	rc = -1;
	if (!raw) {
		snprintf(err, errlen, "%s:1: empty scenario", L.name);
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		rc = fail_oom(&L);
		goto out;
	}
	*s = scenario_default;
	if (convert(&L, raw, s))
		goto out;
	if (scenario_validate(s, vpath, sizeof(vpath), vmsg, sizeof(vmsg))) {
		fail(&L, vpath, "%s", vmsg);
		goto out;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	scenario_free(s);
	if (raw)
		cyaml_free(&cfg, &top_schema, raw, 0);
	free(doc.p);
	linemap_free(&L.lines);
	linemap_free(&L.set_lines);
	linemap_free(&L.set_paths);
	return rc ? -1 : 0;
}

int scenario_load_file(const char *path, const char *const *sets, size_t n_sets,
                       struct scenario **out, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;
		if (len == cap) {
			char *nb;
			cap = cap ? 2 * cap : 65536;
			nb = cap <= MAX_FILE_BYTES + 1 ? realloc(buf, cap) : NULL;
			if (!nb) {
				snprintf(err, errlen, "%s: %s", path,
				         cap > MAX_FILE_BYTES + 1 ? "file larger than 64 MiB"
				                                  : "out of memory");
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = scenario_load_text(path, buf, len, sets, n_sets, out, err, errlen);
	free(buf);
	return rc;
}

/* ---- printing ---- */

struct emit {
	yaml_emitter_t e;
	struct outbuf out;
	bool ok;
};

static void emit_event(struct emit *m, yaml_event_t *ev, int initialized)
{
	if (!initialized)
		m->ok = false;
	else if (m->ok && !yaml_emitter_emit(&m->e, ev))
		m->ok = false;
	else if (!m->ok)
		yaml_event_delete(ev);
}

static void emit_scalar(struct emit *m, const char *v)
{
	yaml_event_t ev;

	/* A hand-built scenario may leave a name NULL; print it as empty. */
	if (!v)
		v = "";
	emit_event(m, &ev,
	           yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)v, (int)strlen(v),
	                                        1, 1, YAML_ANY_SCALAR_STYLE));
}

static void emit_kv(struct emit *m, const char *key, const char *v)
{
	emit_scalar(m, key);
	emit_scalar(m, v);
}

static void emit_map(struct emit *m, const char *key, bool flow)
{
	yaml_event_t ev;
	if (key)
		emit_scalar(m, key);
	emit_event(m, &ev,
	           yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	                                               flow ? YAML_FLOW_MAPPING_STYLE
	                                                    : YAML_BLOCK_MAPPING_STYLE));
}

static void emit_seq(struct emit *m, const char *key, bool flow)
{
	yaml_event_t ev;
	emit_scalar(m, key);
	emit_event(m, &ev,
	           yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
	                                                flow ? YAML_FLOW_SEQUENCE_STYLE
	                                                     : YAML_BLOCK_SEQUENCE_STYLE));
}

static void emit_end_map(struct emit *m)
{
	yaml_event_t ev;
	emit_event(m, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void emit_end_seq(struct emit *m)
{
	yaml_event_t ev;
	emit_event(m, &ev, yaml_sequence_end_event_initialize(&ev));
}

/* Exact forms: each parses back to the very same number. */
static void fmt_rate(double v, char *buf, size_t len)
{
	/* Byte units first: on a tie (10MB/s vs 80Mbps) bytes read better. */
	static const struct {
		const char *suffix;
		double per;
	} u[] = {{"GiB/s", 1073741824.0}, {"MiB/s", 1048576.0}, {"KiB/s", 1024.0},
	         {"GB/s", 1e9},           {"MB/s", 1e6},        {"kB/s", 1e3},
	         {"Gbps", 1e9 / 8},       {"Mbps", 1e6 / 8},    {"Tbps", 1e12 / 8}};
	char tmp[64], best[64] = "", sub[8];
	size_t best_digits = 0;
	double back;

	if (v == 0) {
		snprintf(buf, len, "0");
		return;
	}
	/* The unit whose exact mantissa is shortest: 100Gbps, not 12.5GB/s. */
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		double m = v / u[i].per;
		if (m < 1)
			continue;
		for (int p = (int)floor(log10(m)) + 1; p <= 6; p++) {
			int digits = snprintf(tmp, sizeof(tmp), "%.*g", p, m);
			snprintf(tmp + digits, sizeof(tmp) - (size_t)digits, "%s", u[i].suffix);
			if (units_parse_rate(tmp, &back, sub, sizeof(sub)) == 0 && back == v) {
				if (!best[0] || (size_t)digits < best_digits) {
					snprintf(best, sizeof(best), "%s", tmp);
					best_digits = (size_t)digits;
				}
				break;
			}
		}
	}
	if (best[0]) {
		snprintf(buf, len, "%s", best);
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*gB/s", p, v);
		if (units_parse_rate(tmp, &back, sub, sizeof(sub)) == 0 && back == v)
			break;
	}
	snprintf(buf, len, "%s", tmp);
}

static void emit_bytes(struct emit *m, const char *key, uint64_t v)
{
	char buf[64];
	units_format_bytes_exact(v, buf, sizeof(buf));
	emit_kv(m, key, buf);
}

static void emit_rate(struct emit *m, const char *key, double v)
{
	char buf[64];
	fmt_rate(v, buf, sizeof(buf));
	emit_kv(m, key, buf);
}

static void emit_dist(struct emit *m, const char *key, const struct dist *d)
{
	size_t len = 64 + 40 * d->n_samples;
	char *buf = malloc(len);

	if (!buf) {
		m->ok = false;
		return;
	}
	dist_format(d, buf, len);
	emit_kv(m, key, buf);
	free(buf);
}

static void emit_duration(struct emit *m, const char *key, double v)
{
	struct dist d = dist_fixed(v);
	emit_dist(m, key, &d);
}

static void emit_probability(struct emit *m, const char *key, double v)
{
	char buf[64];
	units_format_number_exact(v, buf, sizeof(buf));
	emit_kv(m, key, buf);
}

static void emit_uint(struct emit *m, const char *key, unsigned long long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", v);
	emit_kv(m, key, buf);
}

static void emit_group(struct emit *m, const struct scenario *s, const struct scn_device_group *g)
{
	emit_map(m, NULL, false);
	emit_kv(m, "name", g->name);
	emit_kv(m, "profile", g->profile ? g->profile : "generic");
	emit_uint(m, "count", g->count);
	emit_uint(m, "depth", (unsigned long long)g->depth);
	emit_seq(m, "capabilities", true);
	for (size_t i = 0; i < SCENARIO_CAP_COUNT; i++)
		if (g->caps & scenario_caps[i].bit)
			emit_scalar(m, scenario_caps[i].name);
	emit_end_seq(m);
	emit_bytes(m, "state_size", g->state_bytes);
	emit_bytes(m, "initial_bytes", g->initial_bytes);
	emit_rate(m, "precopy_dirty_rate", g->precopy_dirty_Bps);
	emit_map(m, "latency", false);
	emit_dist(m, "query", &g->query_latency);
	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++)
		emit_dist(m, scenario_arcs[i].key,
		          &g->arc_latency[scenario_arcs[i].from][scenario_arcs[i].to]);
	emit_end_map(m);
	emit_map(m, "load", true);
	emit_duration(m, "fixed", g->load_fixed_s);
	emit_rate(m, "rate", g->load_Bps);
	emit_end_map(m);
	emit_kv(m, "precopy_info_v2", precopy_v2_name(g->precopy_info_v2));
	emit_map(m, "init_load", true);
	emit_duration(m, "fixed", g->init_load_fixed_s);
	emit_rate(m, "rate", g->init_load_Bps);
	emit_end_map(m);
	emit_map(m, "reinit", false);
	emit_seq(m, "times", true);
	for (size_t i = 0; i < g->n_reinit_times; i++) {
		struct dist t = dist_fixed(g->reinit_times[i]);
		char buf[64];
		dist_format(&t, buf, sizeof(buf));
		emit_scalar(m, buf);
	}
	emit_end_seq(m);
	emit_duration(m, "interval", g->reinit_interval_s);
	emit_dist(m, "chunk", &g->reinit_chunk);
	emit_end_map(m);
	emit_probability(m, "final_check_failure", g->final_check_failure);
	if (g->domain >= 0 && (size_t)g->domain < s->n_domains)
		emit_kv(m, "domain", s->domains[g->domain].name);
	emit_kv(m, "backend", device_backend_name(g->backend));
	if (g->backend == BACKEND_VFIO) {
		emit_map(m, "vfio", false);
		emit_seq(m, "source", true);
		for (size_t i = 0; i < g->n_vfio_source; i++)
			emit_scalar(m, g->vfio_source[i]);
		emit_end_seq(m);
		emit_seq(m, "destination", true);
		for (size_t i = 0; i < g->n_vfio_destination; i++)
			emit_scalar(m, g->vfio_destination[i]);
		emit_end_seq(m);
		emit_kv(m, "interface", vfio_interface_name(g->vfio_interface));
		emit_end_map(m);
	}
	emit_end_map(m);
}

static void emit_handler(struct emit *m, const struct scn_handler *h)
{
	static const char *const passes[] = {"main", "prepare", "both"};
	static const char *const sides[] = {"both", "source", "destination"};

	emit_map(m, NULL, false);
	emit_kv(m, "name", h->name);
	if (h->depth < 0)
		emit_kv(m, "subsystem", "true");
	else
		emit_uint(m, "depth", (unsigned long long)h->depth);
	emit_kv(m, "pass", passes[(unsigned)h->pass <= HANDLER_PASS_BOTH ? h->pass : 0]);
	emit_kv(m, "side", sides[(unsigned)h->side <= HANDLER_SIDE_DST ? h->side : 0]);
	emit_dist(m, "cost", &h->cost);
	emit_end_map(m);
}

static void emit_fault(struct emit *m, const struct scenario *s, const struct scn_fault *f)
{
	char name[SCENARIO_MAX_NAME + 16];
	const char *key = "?";

	for (size_t i = 0; i < SCENARIO_ARC_COUNT; i++)
		if (scenario_arcs[i].from == f->from && scenario_arcs[i].to == f->to)
			key = scenario_arcs[i].key;
	scenario_fault_target(s, f, name, sizeof(name));
	emit_map(m, NULL, true);
	emit_kv(m, "device", name);
	emit_kv(m, "arc", key);
	emit_probability(m, "probability", f->probability);
	emit_end_map(m);
}

char *scenario_to_yaml(const struct scenario *s)
{
	struct emit m = {.ok = true};
	yaml_event_t ev;

	if (!yaml_emitter_initialize(&m.e))
		return NULL;
	yaml_emitter_set_output(&m.e, outbuf_write, &m.out);
	yaml_emitter_set_unicode(&m.e, 1);
	yaml_emitter_set_width(&m.e, -1);
	emit_event(&m, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit_event(&m, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	emit_map(&m, NULL, false);
	emit_kv(&m, "name", s->name ? s->name : "");
	if (s->description)
		emit_kv(&m, "description", s->description);
	emit_map(&m, "vm", false);
	emit_bytes(&m, "ram", s->ram_bytes);
	emit_rate(&m, "dirty_rate", s->ram_dirty_Bps);
	emit_end_map(&m);
	emit_map(&m, "network", false);
	emit_rate(&m, "bandwidth", s->bandwidth_Bps);
	emit_duration(&m, "latency", s->latency_s);
	emit_uint(&m, "multifd_channels", s->multifd_channels);
	emit_end_map(&m);
	emit_map(&m, "migration", false);
	emit_duration(&m, "downtime_limit", s->downtime_limit_s);
	emit_kv(&m, "strategy", strategy_name(s->strategy));
	emit_uint(&m, "max_iterations", s->max_iterations);
	emit_duration(&m, "max_time", s->max_time_s);
	emit_bytes(&m, "chunk_size", s->chunk_bytes);
	emit_duration(&m, "thread_create", s->thread_create_s);
	emit_duration(&m, "thread_join", s->thread_join_s);
	emit_kv(&m, "threads", thread_mode_name(s->threads));
	emit_duration(&m, "thread_wake", s->thread_wake_s);
	emit_kv(&m, "switchover_ack", ack_mode_name(s->ack_src));
	emit_kv(&m, "switchover_ack_destination",
	        s->ack_dst == s->ack_src ? "same" : ack_mode_name(s->ack_dst));
	emit_kv(&m, "late_ack_rule", late_ack_rule_name(s->late_ack_rule));
	emit_dist(&m, "stop_gap", &s->stop_gap);
	emit_end_map(&m);
	emit_map(&m, "events", false);
	emit_kv(&m, "design", event_design_name(s->event_design));
	emit_duration(&m, "rdma_timeout", s->rdma_timeout_s);
	emit_kv(&m, "nonresponsive_from", nonresponsive_from_name(s->nonresponsive_from));
	emit_end_map(&m);
	if (s->n_domains) {
		emit_seq(&m, "domains", false);
		for (size_t i = 0; i < s->n_domains; i++) {
			emit_map(&m, NULL, true);
			emit_kv(&m, "name", s->domains[i].name);
			emit_uint(&m, "capacity", s->domains[i].capacity);
			emit_end_map(&m);
		}
		emit_end_seq(&m);
	}
	emit_seq(&m, "devices", false);
	for (size_t i = 0; i < s->n_groups; i++)
		emit_group(&m, s, &s->groups[i]);
	emit_end_seq(&m);
	if (s->n_handlers) {
		emit_seq(&m, "handlers", false);
		for (size_t i = 0; i < s->n_handlers; i++)
			emit_handler(&m, &s->handlers[i]);
		emit_end_seq(&m);
	}
	if (s->n_faults) {
		emit_seq(&m, "faults", false);
		for (size_t i = 0; i < s->n_faults; i++)
			emit_fault(&m, s, &s->faults[i]);
		emit_end_seq(&m);
	}
	emit_uint(&m, "runs", s->runs);
	emit_uint(&m, "seed", (unsigned long long)s->seed);
	emit_end_map(&m);
	emit_event(&m, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit_event(&m, &ev, yaml_stream_end_event_initialize(&ev));
	yaml_emitter_delete(&m.e);
	if (!m.ok) {
		free(m.out.p);
		return NULL;
	}
	return m.out.p;
}
