/*
 * profile_file.c - finding a profile data file by name (see profile_file.h).
 */
#include "profile_file.h"

#include "input_file.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The folder of the running program, or NULL. */
static char *program_dir(void)
{
	char *exe = g_file_read_link("/proc/self/exe", NULL);
	char *dir = exe ? g_path_get_dirname(exe) : NULL;
	g_free(exe);
	return dir;
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
	char *bin = program_dir();

	if (bin)
		add_dir(a,
		        g_build_filename(bin, "..", "share", "switchover", "profiles", kind, NULL),
		        "built-in");
	g_free(bin);
	add_dir(a, g_build_filename(SWITCHOVER_SOURCE_PROFILES, kind, NULL), "source tree");
	add_user_dirs(a, kind, user_dirs, "--profile-path");
	add_user_dirs(a, kind, getenv(PROFILE_FILE_ENV), PROFILE_FILE_ENV);
	if (from)
		add_dir(a, strchr(from, '/') ? g_path_get_dirname(from) : g_strdup("."),
		        "scenario folder");
	return a;
}

char *profile_file_find(const char *kind, const char *name, const char *from, GString *tried)
{
	char *found = NULL;

	if (strchr(name, '/') || g_str_has_suffix(name, ".yaml")) {
		char *from_dir =
		    from && strchr(from, '/') ? g_path_get_dirname(from) : g_strdup(".");
		if (!g_path_is_absolute(name))
			found = try_path(g_build_filename(from_dir, name, NULL), tried);
		if (!found)
			found = try_path(g_strdup(name), tried);
		g_free(from_dir);
		return found;
	}
	char *file = g_strconcat(name, ".yaml", NULL);
	GPtrArray *dirs = profile_file_dirs(kind, from ? from : "");
	for (guint i = 0; i < dirs->len && !found; i++) {
		const struct profile_file_dir *d = g_ptr_array_index(dirs, i);
		found = try_path(g_build_filename(d->dir, file, NULL), tried);
	}
	g_ptr_array_unref(dirs);
	g_free(file);
	return found;
}

char *profile_file_read(const char *kind, const char *what, const char *name, const char *from,
                        size_t max_bytes, char **text, size_t *len, char *err, size_t errlen)
{
	GString *tried = g_string_new(NULL);
	char *path = profile_file_find(kind, name, from, tried);

	*text = NULL;
	if (!path)
		snprintf(err, errlen, "%s profile '%s' not found (looked for %s)", what, name,
		         tried->str);
	else if (input_file_read(path, max_bytes, text, len, err, errlen))
		g_clear_pointer(&path, g_free);
	g_string_free(tried, TRUE);
	return path;
}
