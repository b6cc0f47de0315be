/*
 * key_lines.c - the line of every key path of a YAML text (libyaml events,
 * a GHashTable from path to line).
 */
#include "key_lines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

void key_lines_add(struct key_lines *m, const char *path, int line)
{
	if (!m->line)
		m->line = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_replace(m->line, g_strdup(path), GINT_TO_POINTER(line));
}

int key_lines_get(const struct key_lines *m, const char *path)
{
	return m->line ? GPOINTER_TO_INT(g_hash_table_lookup(m->line, path)) : 0;
}

void key_lines_free(struct key_lines *m)
{
	if (m->line)
		g_hash_table_destroy(m->line);
	m->line = NULL;
}

bool key_path_parent(char *path)
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

bool key_path_within(const char *path, const char *base)
{
	size_t n = strlen(base);
	return strncmp(path, base, n) == 0 && (path[n] == '\0' || path[n] == '.' || path[n] == '[');
}

struct walk_frame {
	bool is_map;
	bool want_key;
	char *path;
	char *pending;         /* path of the key whose value comes next */
	size_t index;          /* next sequence entry */
	struct key_lines keys; /* keys of this mapping, for duplicates */
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
                         struct key_lines_result *r)
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

int key_lines_walk(const char *text, size_t len, struct key_lines *m, struct key_lines_result *r)
{
	struct walk_frame st[KEY_LINES_MAX_DEPTH];
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
				if (!path)
					rc = -ENOMEM;
				else
					key_lines_add(m, "", line);
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
				first = key_lines_get(&f->keys, key);
				if (first) {
					r->line = line;
					snprintf(r->msg, sizeof(r->msg),
					         "%s: duplicate key '%s' (first at line %d)", path,
					         key, first);
					free(path);
					rc = -1;
					break;
				}
				key_lines_add(&f->keys, key, line);
				key_lines_add(m, path, line);
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
				key_lines_add(m, path, line);
			}
			if (rc || ev.type == YAML_SCALAR_EVENT) {
				free(path);
				break;
			}
			if (depth == KEY_LINES_MAX_DEPTH) {
				r->line = line;
				/* The outermost key names the culprit; the full path would be
				 * KEY_LINES_MAX_DEPTH segments long. */
				snprintf(r->msg, sizeof(r->msg),
				         "%s: nested more than %d levels deep",
				         st[depth > 1 ? 1 : 0].path, KEY_LINES_MAX_DEPTH);
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
				key_lines_free(&f->keys);
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
		key_lines_free(&f->keys);
	}
	yaml_parser_delete(&p);
	return rc;
}
