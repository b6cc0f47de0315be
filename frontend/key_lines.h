/*
 * key_lines.h - the line of every key path of a YAML text.
 *
 * A key path names a value the way messages do: "devices[0].latency.query".
 * key_lines_walk() reads a text once with libyaml's event parser, records the
 * line of every key path, and reports what libcyaml would otherwise report
 * without a line (syntax errors, aliases, duplicate keys, a second document,
 * nesting too deep).  The loader turns libcyaml's and its own key paths into
 * "FILE:LINE:" with it.
 */
#ifndef SWITCHOVER_FRONTEND_KEY_LINES_H
#define SWITCHOVER_FRONTEND_KEY_LINES_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Deeper nesting is never a scenario; it only risks the recursive emitter. */
#define KEY_LINES_MAX_DEPTH 64
/* Room for any key path the loader builds or reports. */
#define KEY_PATH_LEN 1024

/*
 * Key paths with their lines, hashed: a generated scenario may have 65536
 * device groups, and the loader looks keys up once per group.
 */
struct key_lines {
	GHashTable *line; /* path (owned) -> GINT_TO_POINTER(line) */
};

/* Add `path` at `line`; a path added again maps to its latest line. */
void key_lines_add(struct key_lines *m, const char *path, int line);
/* Line of `path`, or 0 when the document has no such key. */
int key_lines_get(const struct key_lines *m, const char *path);
void key_lines_free(struct key_lines *m);

/* Cut the last segment off a key path: "a.b[2]" -> "a.b" -> "a" -> "";
 * false once it is "". */
bool key_path_parent(char *path);
/* Is `path` the key path `base` or below it? */
bool key_path_within(const char *path, const char *base);

/* What the document's top level is. */
enum key_lines_root { ROOT_NONE, ROOT_EMPTY, ROOT_SCALAR, ROOT_SEQUENCE, ROOT_MAPPING };

struct key_lines_result {
	int line; /* of the error */
	char msg[384];
	enum key_lines_root root;
	int root_line;
};

/*
 * Walk `text`: fill `m` with the line of every key path and check what
 * libcyaml would otherwise report without a line.  Returns 0, -1 (r says
 * why) or -ENOMEM.
 */
int key_lines_walk(const char *text, size_t len, struct key_lines *m, struct key_lines_result *r);

#endif
