/*
 * scenario_emit.h - print a scenario as YAML.
 */
#ifndef SWITCHOVER_FRONTEND_SCENARIO_EMIT_H
#define SWITCHOVER_FRONTEND_SCENARIO_EMIT_H

#include "scenario.h"

/*
 * The fully resolved scenario (every default filled in) as YAML text that
 * scenario_load_text() accepts and loads back to an equal scenario.
 * malloc'd; NULL on ENOMEM (or on text libyaml cannot write, such as
 * invalid UTF-8 in a hand-built scenario).
 */
char *scenario_to_yaml(const struct scenario *s);

#endif
