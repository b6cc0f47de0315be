/*
 * host_profile.h - host profiles: data files (profiles/hosts/<name>.yaml)
 * that describe a machine, its cores and the CPU the migration's work costs
 * there, with how it was measured (bench/bench_host writes them).  The
 * format is in docs/scenarios.md ("Host profiles").
 */
#ifndef SWITCHOVER_FRONTEND_HOST_PROFILE_H
#define SWITCHOVER_FRONTEND_HOST_PROFILE_H

#include <stddef.h>

#include "scenario.h"

/*
 * Load host profile `name` (found by profile_file_find() from the folder of
 * the scenario file `from`, which may be NULL) over *o: the values the
 * profile sets replace *o's, and o->profile becomes `name`.  Returns 0, or
 * -1 with "FILE:LINE: KEY: what is wrong" (or where it was looked for) in
 * err.
 */
int host_profile_load(const char *name, const char *from, struct scn_host *o, char *err,
                      size_t errlen);

/* One measurement a profile's values were derived from, as written. */
struct host_profile_measurement {
	char *what, *unit, *median, *min, *max, *samples; /* NULL when not written */
};

/* A host profile as `switchover profile show` prints it. */
struct host_profile_info {
	char *name;         /* the file's name: key */
	char *file;         /* where it was found: a path, or
	                     * <built-in>/hosts/NAME.yaml */
	const char *origin; /* built-in, path, --profile-path, ... (profile_file.h) */
	char *description, *command, *date, *cpu, *machine; /* NULL when not written */
	/* The keys host: sets, in the order of the file, each with its text
	 * as written. */
	char **keys, **values;
	size_t n_keys;
	struct host_profile_measurement *measurements;
	size_t n_measurements;
	struct scn_host host; /* the values, converted (profile NULL) */
};

/*
 * Load host profile `name` (found as host_profile_load() finds it) into
 * *out, to release with host_profile_info_free(); the same checks as
 * host_profile_load().  Returns 0, or -1 with the error in err.
 */
int host_profile_info_load(const char *name, const char *from, struct host_profile_info *out,
                           char *err, size_t errlen);
void host_profile_info_free(struct host_profile_info *p);

/* What host key `key` is, with its unit ("CPU per stream byte sent
 * (socket send)"), or NULL for a key that is not a host key. */
const char *host_profile_key_meaning(const char *key);

#endif
