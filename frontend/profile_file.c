/*
 * profile_file.c - finding a profile data file by name (see profile_file.h).
 */
#include "profile_file.h"

#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* Where `path` is, or NULL; appended to `tried` either way. */
static char *try_path(char *path, GString *tried)
{
	g_string_append_printf(tried, "%s%s", tried->len ? ", " : "", path);
	if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return path;
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

char *profile_file_find(const char *kind, const char *name, const char *from, GString *tried)
{
	char *from_dir = from && strchr(from, '/') ? g_path_get_dirname(from) : g_strdup(".");
	char *found = NULL;

	if (strchr(name, '/') || g_str_has_suffix(name, ".yaml")) {
		if (!g_path_is_absolute(name))
			found = try_path(g_build_filename(from_dir, name, NULL), tried);
		if (!found)
			found = try_path(g_strdup(name), tried);
		g_free(from_dir);
		return found;
	}
	char *file = g_strconcat(name, ".yaml", NULL);
	char *bin = program_dir();
	if (bin)
		found = try_path(g_build_filename(bin, "..", "share", "switchover", "profiles",
		                                  kind, file, NULL),
		                 tried);
	if (!found)
		found =
		    try_path(g_build_filename(SWITCHOVER_SOURCE_PROFILES, kind, file, NULL), tried);
	if (!found)
		found = try_path(g_build_filename(from_dir, file, NULL), tried);
	g_free(bin);
	g_free(file);
	g_free(from_dir);
	return found;
}
