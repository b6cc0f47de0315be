/*
 * overrides.c - --set KEY=VALUE: each override is applied to a libyaml
 * document tree of the file, which is then emitted again for libcyaml.
 */
#include "overrides.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml_out.h"

#define MAX_SET_KEY  256
#define MAX_SEGMENTS 32

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
	loader_set_fail(c->L, c->set, path, msg);
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
	struct key_lines ignore = {0};
	struct key_lines_result wr;
	int id, rc;

	if (v[0] != '[' && v[0] != '{') {
		id = yaml_document_add_scalar(c->doc, NULL, (yaml_char_t *)v, (int)strlen(v),
		                              YAML_ANY_SCALAR_STYLE);
		return id ? id : loader_oom(c->L);
	}
	rc = key_lines_walk(v, strlen(v), &ignore, &wr);
	key_lines_free(&ignore);
	if (rc == -ENOMEM)
		return loader_oom(c->L);
	if (rc)
		return set_fail(c, path, "the value is not valid YAML flow text: %s", wr.msg);
	if (!yaml_parser_initialize(&p))
		return loader_oom(c->L);
	yaml_parser_set_input_string(&p, (const unsigned char *)v, strlen(v));
	if (!yaml_parser_load(&p, &tmp)) {
		yaml_parser_delete(&p);
		return set_fail(c, path, "the value is not valid YAML flow text");
	}
	yaml_parser_delete(&p);
	id = yaml_document_get_root_node(&tmp) ? copy_node(c->doc, &tmp, 1) : 0;
	yaml_document_delete(&tmp);
	return id ? id : loader_oom(c->L);
}

static int append_pair(struct set_ctx *c, int map, const char *key, int value)
{
	int k = yaml_document_add_scalar(c->doc, NULL, (yaml_char_t *)key, (int)strlen(key),
	                                 YAML_PLAIN_SCALAR_STYLE);
	if (!k || !yaml_document_append_mapping_pair(c->doc, map, k, value))
		return loader_oom(c->L);
	return 0;
}

/* A key path into a KEY_PATH_LEN buffer (--set keys are short enough to fit). */
static void path_printf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void path_printf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, KEY_PATH_LEN, fmt, ap);
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
	char child[KEY_PATH_LEN], elem[KEY_PATH_LEN];
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
		loader_record_set(c->L, elem, c->set);
		return 0;
	}
	if (last) {
		nv = make_value(c, child);
		if (nv < 0)
			return nv;
		if (pair >= 0)
			node_of(c->doc, id)->data.mapping.pairs.start[pair].value = nv;
		else if (append_pair(c, id, sg->name, nv))
			return -ENOMEM;
		loader_record_set(c->L, child, c->set);
		return 0;
	}
	if (!vid || node_is_null(node_of(c->doc, vid))) {
		/* Create the missing mapping (vm.ram=8GiB with no vm: yet). */
		int m = yaml_document_add_mapping(c->doc, NULL, YAML_BLOCK_MAPPING_STYLE);
		if (!m)
			return loader_oom(c->L);
		if (pair >= 0)
			node_of(c->doc, id)->data.mapping.pairs.start[pair].value = m;
		else if (append_pair(c, id, sg->name, m))
			return -ENOMEM;
		/* The mapping is the --set's doing: a complaint about it (name.first=x
		 * where name is a string) is the --set's, not the file's line. */
		loader_record_set(c->L, child, c->set);
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

int overrides_apply(struct loader *L, const char *text, size_t len, size_t n_sets, GString *out)
{
	yaml_parser_t p;
	yaml_emitter_t e;
	yaml_document_t doc;
	int rc = 0;

	if (!yaml_parser_initialize(&p))
		return loader_oom(L);
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
			rc = loader_oom(L);
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
		return loader_oom(L);
	}
	yaml_out_to_gstring(&e, out);
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
