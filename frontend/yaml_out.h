/*
 * yaml_out.h - libyaml emitter output into a GString (the --set document,
 * the printed scenario), and quoted scalars for YAML written by hand (the
 * profiles the calibrate commands write).
 */
#ifndef SWITCHOVER_FRONTEND_YAML_OUT_H
#define SWITCHOVER_FRONTEND_YAML_OUT_H

#include <glib.h>
#include <yaml.h>

/* Send emitter `e`'s output to the end of `out`, as UTF-8 without a line
 * width limit (long distributions stay on one line). */
void yaml_out_to_gstring(yaml_emitter_t *e, GString *out);

/* Append `s` to `out` as a YAML double-quoted scalar: '"' and '\\'
 * escaped, control characters as \xHH (a newline in a path or a command
 * must not end it), UTF-8 kept as is. */
void yaml_out_quoted(GString *out, const char *s);

#endif
