/*
 * loader.c - the loader's shared state and its error messages.
 */
#include "loader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void loader_record_set(struct loader *L, const char *path, size_t set)
{
	struct loader_set_path p = {.path = g_strdup(path), .set = set};

	if (!L->set_paths)
		L->set_paths = g_array_new(FALSE, FALSE, sizeof(struct loader_set_path));
	g_array_append_val(L->set_paths, p);
}

void loader_free(struct loader *L)
{
	key_lines_free(&L->lines);
	key_lines_free(&L->set_lines);
	if (L->set_paths) {
		for (guint i = 0; i < L->set_paths->len; i++)
			g_free(g_array_index(L->set_paths, struct loader_set_path, i).path);
		g_array_free(L->set_paths, TRUE);
		L->set_paths = NULL;
	}
}

/* Index of the --set that wrote `path` (or a key below it), or -1. */
static long set_for(const struct loader *L, const char *path)
{
	const struct loader_set_path *v =
	    L->set_paths ? &g_array_index(L->set_paths, struct loader_set_path, 0) : NULL;
	size_t n = L->set_paths ? L->set_paths->len : 0;

	/* Later --set arguments override earlier ones, so search backwards. */
	for (size_t i = n; i-- > 0;)
		if (key_path_within(path, v[i].path))
			return (long)v[i].set;
	if (key_lines_get(&L->lines, path))
		return -1;
	for (size_t i = n; i-- > 0;)
		if (key_path_within(v[i].path, path) && *path)
			return (long)v[i].set;
	return -1;
}

/* Line of `path` in the file, or of the nearest enclosing key that is there. */
static int line_for(const struct loader *L, const char *path)
{
	char buf[KEY_PATH_LEN];
	int line;

	snprintf(buf, sizeof(buf), "%s", path);
	do {
		line = key_lines_get(&L->lines, buf);
		if (line)
			return line;
	} while (key_path_parent(buf));
	return 1;
}

void loader_elide(const char *s, size_t max, char *buf, size_t len)
{
	size_t n = strlen(s);
	if (n <= max || max < 16) {
		snprintf(buf, len, "%s", s);
		return;
	}
	size_t head = max / 3, tail = max - head - 5;
	snprintf(buf, len, "%.*s ... %s", (int)head, s, s + n - tail);
}

void loader_set_fail(struct loader *L, size_t set, const char *path, const char *msg)
{
	char shown[LOADER_SHOWN_MAX + 8], why[LOADER_REASON_MAX + 8];
	loader_elide(L->sets[set], LOADER_SHOWN_MAX, shown, sizeof shown);
	loader_elide(msg, LOADER_REASON_MAX, why, sizeof why);
	snprintf(L->err, L->errlen, "--set %s: %s%s%s", shown, path, *path ? ": " : "", why);
}

int loader_fail(struct loader *L, const char *path, const char *fmt, ...)
{
	va_list ap;
	long set = set_for(L, path);

	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (set >= 0) {
		loader_set_fail(L, (size_t)set, path, msg);
	} else {
		char why[LOADER_REASON_MAX + 8];
		loader_elide(msg, LOADER_REASON_MAX, why, sizeof why);
		snprintf(L->err, L->errlen, "%s:%d: %s%s%s", L->name, line_for(L, path), path,
		         *path ? ": " : "", why);
	}
	return -1;
}

int loader_oom(struct loader *L)
{
	snprintf(L->err, L->errlen, "%s: out of memory", L->name);
	return -ENOMEM;
}
