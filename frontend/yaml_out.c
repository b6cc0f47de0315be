/*
 * yaml_out.c - libyaml emitter output into a GString; quoted scalars.
 */
#include "yaml_out.h"

/* libyaml's write handler: 1 on success. */
static int write_gstring(void *data, unsigned char *buf, size_t size)
{
	g_string_append_len(data, (const char *)buf, (gssize)size);
	return 1;
}

void yaml_out_to_gstring(yaml_emitter_t *e, GString *out)
{
	yaml_emitter_set_output(e, write_gstring, out);
	yaml_emitter_set_unicode(e, 1);
	yaml_emitter_set_width(e, -1);
}

void yaml_out_quoted(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20) {
			g_string_append_printf(out, "\\x%02x", c);
			continue;
		}
		if (c == '"' || c == '\\')
			g_string_append_c(out, '\\');
		g_string_append_c(out, (char)c);
	}
	g_string_append_c(out, '"');
}
