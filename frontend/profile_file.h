/*
 * profile_file.h - where profile data files are found: the project's
 * profiles/<kind>/<name>.yaml (kind "hosts"; device profiles will join
 * them), the scenario's own folder, or a path.
 */
#ifndef SWITCHOVER_FRONTEND_PROFILE_FILE_H
#define SWITCHOVER_FRONTEND_PROFILE_FILE_H

#include <glib.h>

/*
 * The file of profile `name` of `kind`, for a scenario loaded from `from`
 * (a path, or NULL).  A name with a '/' or ending in ".yaml" is a path:
 * relative to the folder of `from`, else to the working directory.  Any
 * other name is looked for, in order, as <dir>/<kind>/<name>.yaml in the
 * project's profiles folders (beside the program: <bin>/../share/
 * switchover/profiles, and the source tree it was built from), then as
 * <name>.yaml in the folder of `from`.  Returns the path (g_free it), or
 * NULL with the places tried appended to `tried` ("a, b, c").
 */
char *profile_file_find(const char *kind, const char *name, const char *from, GString *tried);

#endif
