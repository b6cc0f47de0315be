/*
 * scenario_load.h - load a scenario file (YAML + --set overrides).
 *
 * The format is documented key by key in docs/scenarios.md.  Loading checks
 * structure with a libcyaml schema (unknown keys, a list where a value
 * belongs, ...), then parses every value (units, distributions, names) and
 * validates the whole; every error names the file, the line and the key path
 * ("cx7.yaml:12: devices[0].latency.query: ..."), or the --set argument the
 * bad value came from.
 */
#ifndef SWITCHOVER_FRONTEND_SCENARIO_LOAD_H
#define SWITCHOVER_FRONTEND_SCENARIO_LOAD_H

#include <stddef.h>

#include "scenario.h"

/*
 * Load a scenario file.  `sets` are --set "key=value" overrides applied to
 * the YAML document before validation: dotted key paths
 * (migration.strategy=parallel-prio), indexed list entries
 * (devices[1].count=8), or every entry of a list (devices.count=8); missing
 * mappings are created; a value starting with '[' or '{' is YAML flow text
 * (devices[0].capabilities=[stop_copy,p2p]).  Returns 0 and a scenario to
 * release with scenario_free(), or -1 with err = "FILE:LINE: KEY: what is
 * wrong and what would be right" (or "--set KEY=VALUE: KEY: ...").
 */
int scenario_load_file(const char *path, const char *const *sets, size_t n_sets,
                       struct scenario **out, char *err, size_t errlen);
/* The same from memory; `name_for_errors` stands for the file name. */
int scenario_load_text(const char *name_for_errors, const char *text, size_t len,
                       const char *const *sets, size_t n_sets, struct scenario **out, char *err,
                       size_t errlen);

#endif
