/*
 * overrides.h - --set KEY=VALUE overrides of a scenario text.
 *
 * Keys are dotted paths (migration.strategy=parallel-prio), indexed list
 * entries (devices[1].count=8), or every entry of a list (devices.count=8);
 * missing mappings are created; a value starting with '[' or '{' is YAML
 * flow text (devices[0].capabilities=[stop_copy,p2p]).
 */
#ifndef SWITCHOVER_FRONTEND_OVERRIDES_H
#define SWITCHOVER_FRONTEND_OVERRIDES_H

#include <glib.h>
#include <stddef.h>

#include "loader.h"

/*
 * Apply L->sets[0 .. n_sets-1] to the mapping `text` and append the
 * resulting YAML text to `out`; every key path a --set wrote is recorded in
 * L (loader_record_set) so that later errors name the --set.  Returns 0, or
 * -1 / -ENOMEM with the message in L->err.
 */
int overrides_apply(struct loader *L, const char *text, size_t len, size_t n_sets, GString *out);

#endif
