/*
 * profile_file.c - finding a profile by name: built in, or a data file
 * (see profile_file.h).
 */
#include "profile_file.h"

#include "input_file.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *user_dirs; /* --profile-path */

void profile_file_set_path(const char *dirs)
{
	user_dirs = dirs;
}

/* Where `path` is, or NULL; appended to `tried` either way. */
static char *try_path(char *path, GString *tried)
{
	g_string_append_printf(tried, "%s%s", tried->len ? ", " : "", path);
	if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return path;
	/* found, but a FIFO, device or folder: say so, or "not found"
	 * would hide why a path that exists is not read */
	if (g_file_test(path, G_FILE_TEST_EXISTS))
		g_string_append(tried, ": not a regular file");
	g_free(path);
	return NULL;
}

const struct profile_builtin *profile_file_builtin(const char *kind, const char *name)
{
	for (size_t i = 0; i < profile_builtin_count; i++) {
		const struct profile_builtin *b = &profile_builtin_table[i];
		if (!strcmp(b->kind, kind) && !strcmp(b->name, name))
			return b;
	}
	return NULL;
}

char *profile_file_builtin_path(const struct profile_builtin *b)
{
	return g_strdup_printf("%s/%s/%s.yaml", PROFILE_FILE_BUILTIN, b->kind, b->name);
}

static void dir_free(gpointer p)
{
	struct profile_file_dir *d = p;
	g_free(d->dir);
	g_free(d);
}

static void add_dir(GPtrArray *a, char *dir, const char *origin)
{
	struct profile_file_dir *d = g_new(struct profile_file_dir, 1);
	d->dir = dir;
	d->origin = origin;
	g_ptr_array_add(a, d);
}

/* Each directory of a "DIR:DIR" list, as <dir>/<kind> and then <dir>. */
static void add_user_dirs(GPtrArray *a, const char *kind, const char *list, const char *origin)
{
	char **dirs = g_strsplit(list ? list : "", ":", -1);
	for (char **d = dirs; *d; d++) {
		if (!**d)
			continue;
		add_dir(a, g_build_filename(*d, kind, NULL), origin);
		add_dir(a, g_strdup(*d), origin);
	}
	g_strfreev(dirs);
}

GPtrArray *profile_file_dirs(const char *kind, const char *from)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(dir_free);

	add_user_dirs(a, kind, user_dirs, "--profile-path");
	add_user_dirs(a, kind, getenv(PROFILE_FILE_ENV), PROFILE_FILE_ENV);
	if (from)
		add_dir(a, strchr(from, '/') ? g_path_get_dirname(from) : g_strdup("."),
		        "scenario folder");
	return a;
}

/* The relative path `name` in the folder `dir`, without its "." parts
 * ("../p" and "./x.yaml": "../p/x.yaml"); in "." it is `name` as written.
 * A ".." stays (the folder before it may be a symbolic link). */
static char *join_clean(const char *dir, const char *name)
{
	if (!strcmp(dir, "."))
		return g_strdup(name);
	char *joined = g_build_filename(dir, name, NULL);
	char **parts = g_strsplit(joined, G_DIR_SEPARATOR_S, -1);
	GString *s = g_string_new(g_path_is_absolute(joined) ? G_DIR_SEPARATOR_S : "");

	for (char **p = parts; *p; p++) {
		if (!**p || !strcmp(*p, "."))
			continue;
		if (s->len && s->str[s->len - 1] != G_DIR_SEPARATOR)
			g_string_append_c(s, G_DIR_SEPARATOR);
		g_string_append(s, *p);
	}
	if (!s->len)
		g_string_append_c(s, '.');
	g_strfreev(parts);
	g_free(joined);
	return g_string_free(s, FALSE);
}

/* The file of profile `name` (see profile_file_read()), or NULL with the
 * places tried in `tried`; *origin says where it was found. */
static char *find_file(const char *kind, const char *name, const char *from, GString *tried,
                       const char **origin)
{
	char *found = NULL;

	if (strchr(name, '/') || g_str_has_suffix(name, ".yaml")) {
		char *from_dir =
		    from && strchr(from, '/') ? g_path_get_dirname(from) : g_strdup(".");
		bool tried_name = false; /* the path in the folder is `name` itself */
		*origin = PROFILE_FILE_ORIGIN_PATH;
		if (!g_path_is_absolute(name)) {
			char *in_dir = join_clean(from_dir, name);
			tried_name = !strcmp(in_dir, name);
			found = try_path(in_dir, tried);
		}
		if (!found && !tried_name)
			found = try_path(g_strdup(name), tried);
		g_free(from_dir);
		return found;
	}
	char *file = g_strconcat(name, ".yaml", NULL);
	GPtrArray *dirs = profile_file_dirs(kind, from ? from : "");
	for (guint i = 0; i < dirs->len && !found; i++) {
		const struct profile_file_dir *d = g_ptr_array_index(dirs, i);
		found = try_path(g_build_filename(d->dir, file, NULL), tried);
		*origin = d->origin;
	}
	g_ptr_array_unref(dirs);
	g_free(file);
	return found;
}

char *profile_file_read(const char *kind, const char *what, const char *name, const char *from,
                        size_t max_bytes, char **text, size_t *len, const char **origin, char *err,
                        size_t errlen)
{
	const bool is_path = strchr(name, '/') || g_str_has_suffix(name, ".yaml");
	const struct profile_builtin *b = is_path ? NULL : profile_file_builtin(kind, name);
	const char *where = PROFILE_FILE_ORIGIN_BUILTIN;
	char *path;

	*text = NULL;
	if (b) {
		*text = g_strndup(b->text, b->len);
		*len = b->len;
		path = profile_file_builtin_path(b);
	} else {
		GString *tried = g_string_new(NULL);
		if (!is_path)
			g_string_append_printf(tried, "%s/%s/%s.yaml", PROFILE_FILE_BUILTIN, kind,
			                       name);
		path = find_file(kind, name, from, tried, &where);
		if (!path)
			snprintf(err, errlen, "%s profile '%s' not found (looked for %s)", what,
			         name, tried->str);
		else if (input_file_read(path, max_bytes, text, len, err, errlen))
			g_clear_pointer(&path, g_free);
		g_string_free(tried, TRUE);
	}
	if (path && origin)
		*origin = where;
	return path;
}
