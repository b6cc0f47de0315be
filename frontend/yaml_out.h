/*
 * yaml_out.h - libyaml emitter output into a GString (the --set document,
 * the printed scenario).
 */
#ifndef SWITCHOVER_FRONTEND_YAML_OUT_H
#define SWITCHOVER_FRONTEND_YAML_OUT_H

#include <glib.h>
#include <yaml.h>

/* Send emitter `e`'s output to the end of `out`, as UTF-8 without a line
 * width limit (long distributions stay on one line). */
void yaml_out_to_gstring(yaml_emitter_t *e, GString *out);

#endif
