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

#endif
