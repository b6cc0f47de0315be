/*
 * loader.h - the state one scenario load shares between its steps, and the
 * one way they report an error.
 *
 * Every error a step finds is about a key path.  loader_fail() turns it into
 * "FILE:LINE: KEY: what is wrong" with the line of the key (or of the
 * nearest enclosing key) in the original file, or, when a --set wrote the
 * key, into "--set KEY=VALUE: KEY: what is wrong".
 */
#ifndef SWITCHOVER_FRONTEND_LOADER_H
#define SWITCHOVER_FRONTEND_LOADER_H

#include <glib.h>
#include <stddef.h>

#include "key_lines.h"

/* A key path a --set wrote, and which --set it was. */
struct loader_set_path {
	char *path;
	size_t set; /* index in loader.sets */
};

struct loader {
	const char *name; /* file name in messages */
	char *err;
	size_t errlen;
	struct key_lines lines;       /* key path -> line in the file */
	struct key_lines set_lines;   /* key path -> line in the document after --set */
	const struct key_lines *keys; /* the keys of the document libcyaml loads */
	GArray *set_paths;            /* struct loader_set_path, in the order written */
	const char *const *sets;
};

/* Remember that --set number `set` wrote `path`. */
void loader_record_set(struct loader *L, const char *path, size_t set);
/* Free what the steps filled in (not name, err, sets). */
void loader_free(struct loader *L);

/* "FILE:LINE: KEY: msg" or "--set KEY=VALUE: KEY: msg"; returns -1. */
int loader_fail(struct loader *L, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "FILE: out of memory"; returns -ENOMEM. */
int loader_oom(struct loader *L);

/* A long --set (a 3000-digit value) is shown with its middle elided, so the
 * message keeps room for the reason, which comes last. */
#define LOADER_SHOWN_MAX  120
#define LOADER_REASON_MAX 700
void loader_elide(const char *s, size_t max, char *buf, size_t len);
/* L->err = "--set TEXT: PATH: MSG" for --set number `set`, elided. */
void loader_set_fail(struct loader *L, size_t set, const char *path, const char *msg);

#endif
