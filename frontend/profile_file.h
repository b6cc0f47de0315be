/*
 * profile_file.h - where profile data files are found: the project's
 * profiles/<kind>/<name>.yaml (kind "devices" or "hosts"), the directories
 * of --profile-path and SWITCHOVER_PROFILE_PATH, the scenario's own folder,
 * or a path.
 */
#ifndef SWITCHOVER_FRONTEND_PROFILE_FILE_H
#define SWITCHOVER_FRONTEND_PROFILE_FILE_H

#include <glib.h>

/* The environment variable of the user's profile directories. */
#define PROFILE_FILE_ENV "SWITCHOVER_PROFILE_PATH"

/*
 * --profile-path DIR[:DIR...]: the user's profile directories, searched
 * before those of the environment variable.  The CLI sets it once, before
 * loading anything; `dirs` must outlive the loads (an argv string).
 */
void profile_file_set_path(const char *dirs);

/* One place a profile of some kind may be: <dir>/<name>.yaml. */
struct profile_file_dir {
	char *dir;
	const char *origin; /* "built-in", "source tree", "--profile-path", ... */
};

/*
 * The folders profile_file_find() looks in for `kind`, in order, for a
 * scenario loaded from `from` (a path, or NULL: no scenario folder): the
 * project's (beside the program: <bin>/../share/switchover/profiles/<kind>,
 * then the source tree it was built from), then each --profile-path
 * directory and each SWITCHOVER_PROFILE_PATH directory (as <dir>/<kind>,
 * then <dir>), then the folder of `from`.  Free with
 * g_ptr_array_unref (elements freed with it).
 */
GPtrArray *profile_file_dirs(const char *kind, const char *from);

/*
 * The file of profile `name` of `kind`, for a scenario loaded from `from`
 * (a path, or NULL).  A name with a '/' or ending in ".yaml" is a path:
 * relative to the folder of `from`, else to the working directory.  Any
 * other name is <dir>/<name>.yaml in the first of profile_file_dirs() that
 * has it.  Returns the path (g_free it), or NULL with the places tried
 * appended to `tried` ("a, b, c").
 */
char *profile_file_find(const char *kind, const char *name, const char *from, GString *tried);

/*
 * Find profile `name` of `kind` as profile_file_find() does and read it
 * (input_file_read(), at most `max_bytes`): its path (g_free it), with its
 * text in *text (g_free it) and length in *len; or NULL with "`what`
 * profile 'NAME' not found (looked for ...)" or the reading error in err.
 */
char *profile_file_read(const char *kind, const char *what, const char *name, const char *from,
                        size_t max_bytes, char **text, size_t *len, char *err, size_t errlen);

#endif
