/*
 * profile_file.h - where profiles are found: built into the binary (the
 * project's profiles/<kind>/<name>.yaml, kind "devices" or "hosts"), in the
 * folders of --profile-path and SWITCHOVER_PROFILE_PATH, in the scenario's
 * own folder, or at a path.
 */
#ifndef SWITCHOVER_FRONTEND_PROFILE_FILE_H
#define SWITCHOVER_FRONTEND_PROFILE_FILE_H

#include <glib.h>

#include "profile_builtin.h"

/* The environment variable of the user's profile directories. */
#define PROFILE_FILE_ENV "SWITCHOVER_PROFILE_PATH"
/* Where a built-in profile says it is: <built-in>/<kind>/<name>.yaml. */
#define PROFILE_FILE_BUILTIN "<built-in>"
/* The origins a profile is reported with. */
#define PROFILE_FILE_ORIGIN_BUILTIN "built-in"
#define PROFILE_FILE_ORIGIN_PATH    "path"

/*
 * --profile-path DIR[:DIR...]: the user's profile directories, searched
 * before those of the environment variable.  The CLI sets it once, before
 * loading anything; `dirs` must outlive the loads (an argv string).
 */
void profile_file_set_path(const char *dirs);

/* The built-in profile `name` of `kind`, or NULL. */
const struct profile_builtin *profile_file_builtin(const char *kind, const char *name);

/* The name a built-in profile is shown and its errors are reported by:
 * "<built-in>/devices/mlx5-cx7.yaml" (g_free it). */
char *profile_file_builtin_path(const struct profile_builtin *b);

/* One folder a profile of some kind may be in: <dir>/<name>.yaml. */
struct profile_file_dir {
	char *dir;
	const char *origin; /* "--profile-path", PROFILE_FILE_ENV, "scenario folder" */
};

/*
 * The folders looked in for `kind` after the built-in profiles, in order,
 * for a scenario loaded from `from` (a path, or NULL: no scenario folder):
 * each --profile-path directory and each SWITCHOVER_PROFILE_PATH directory
 * (as <dir>/<kind>, then <dir>), then the folder of `from`.  Free with
 * g_ptr_array_unref (elements freed with it).
 */
GPtrArray *profile_file_dirs(const char *kind, const char *from);

/*
 * Find profile `name` of `kind` for a scenario loaded from `from` (a path,
 * or NULL) and read it (files with input_file_read(), at most
 * `max_bytes`).  A name with a '/' or ending in ".yaml" is a path: relative
 * to the folder of `from`, else to the working directory.  Any other name
 * is the built-in profile of that name, else <dir>/<name>.yaml in the first
 * of profile_file_dirs() that has it.  Returns where it was found (a path,
 * or profile_file_builtin_path(); g_free it), with its text in *text
 * (g_free it), its length in *len and, if `origin` is not NULL, where it
 * comes from in *origin (PROFILE_FILE_ORIGIN_BUILTIN, _PATH or a folder's
 * origin); or NULL with "`what` profile 'NAME' not found (looked for ...)"
 * or the reading error in err.
 */
char *profile_file_read(const char *kind, const char *what, const char *name, const char *from,
                        size_t max_bytes, char **text, size_t *len, const char **origin, char *err,
                        size_t errlen);

#endif
