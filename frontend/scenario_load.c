/*
 * scenario_load.c - load a scenario file: the steps of key_lines.c,
 * overrides.c, scenario_schema.c and scenario_convert.c in order, then
 * scenario_validate().
 *
 * Each step has its own kind of error:
 *  1. walk the text once with libyaml's event parser (key_lines.c): syntax
 *     errors with their line, aliases, duplicate keys, nesting depth, and
 *     the line of every key path;
 *  2. apply --set overrides to a libyaml document tree and emit it again
 *     (overrides.c);
 *  3. libcyaml with a schema checks the structure (scenario_schema.c);
 *  4. every leaf is a string, parsed into the scenario (scenario_convert.c);
 *  5. scenario_validate() checks the whole.
 * An error found after --set is attributed to the --set that wrote the key.
 */
#include "scenario_load.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_profile.h"
#include "input_file.h"
#include "loader.h"
#include "overrides.h"
#include "scenario_convert.h"
#include "scenario_schema.h"

#define MAX_FILE_BYTES (64u << 20)

/* hosts.<side>.profile: the profile's values first, so that the host's own
 * keys (scenario_convert) override them. */
static int load_host_profiles(struct loader *L, const struct raw_top *r, struct scenario *s)
{
	static const char *const paths[2] = {"hosts.source.profile", "hosts.destination.profile"};
	const struct raw_host *h[2] = {r->hosts ? r->hosts->source : NULL,
	                               r->hosts ? r->hosts->destination : NULL};
	char msg[1024];

	for (int i = 0; i < 2; i++)
		if (h[i] && h[i]->profile &&
		    host_profile_load(h[i]->profile, L->name, &s->hosts[i], msg, sizeof(msg)))
			return loader_fail(L, paths[i], "%s", msg);
	return 0;
}

int scenario_load_text(const char *name_for_errors, const char *text, size_t len,
                       const char *const *sets, size_t n_sets, struct scenario **out, char *err,
                       size_t errlen)
{
	static const char empty_mapping[] = "{}";
	struct loader L = {.name = name_for_errors ? name_for_errors : "<scenario>",
	                   .err = err,
	                   .errlen = errlen,
	                   .sets = sets};
	GString *doc = g_string_new(NULL);
	struct key_lines_result wr;
	struct raw_top *raw = NULL;
	struct scenario *s = NULL;
	char vpath[KEY_PATH_LEN], vmsg[1024];
	int rc;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!text)
		len = 0;
	if (!text)
		text = "";
	L.keys = &L.lines;
	rc = key_lines_walk(text, len, &L.lines, &wr);
	if (rc == -ENOMEM) {
		loader_oom(&L);
		goto out;
	}
	if (rc) {
		snprintf(err, errlen, "%s:%d: %s", L.name, wr.line, wr.msg);
		goto out;
	}
	if ((wr.root == ROOT_NONE || wr.root == ROOT_EMPTY) && !n_sets) {
		snprintf(err, errlen,
		         "%s:%d: empty scenario: expected a mapping with at least name: and "
		         "devices:",
		         L.name, wr.root_line ? wr.root_line : 1);
		rc = -1;
		goto out;
	}
	if (wr.root == ROOT_SCALAR || wr.root == ROOT_SEQUENCE) {
		snprintf(err, errlen,
		         "%s:%d: the top level must be a mapping (name: ..., devices: ...), not "
		         "a %s",
		         L.name, wr.root_line, wr.root == ROOT_SCALAR ? "single value" : "list");
		rc = -1;
		goto out;
	}
	if (n_sets) {
		if (wr.root != ROOT_MAPPING) {
			text = empty_mapping;
			len = sizeof(empty_mapping) - 1;
		}
		rc = overrides_apply(&L, text, len, n_sets, doc);
		if (rc)
			goto out;
		text = doc->str;
		len = doc->len;
		rc = key_lines_walk(text, len, &L.set_lines, &wr);
		if (rc) {
			snprintf(err, errlen, "%s: the document after --set does not parse: %s",
			         L.name, wr.msg);
			goto out;
		}
		L.keys = &L.set_lines;
	}
	rc = scenario_schema_load(&L, text, len, &raw);
	if (rc)
		goto out;
	rc = -1;
	if (!raw) {
		snprintf(err, errlen, "%s:1: empty scenario", L.name);
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		rc = loader_oom(&L);
		goto out;
	}
	*s = scenario_default;
	if (load_host_profiles(&L, raw, s) || scenario_convert(&L, raw, s))
		goto out;
	if (scenario_validate(s, vpath, sizeof(vpath), vmsg, sizeof(vmsg))) {
		loader_fail(&L, vpath, "%s", vmsg);
		goto out;
	}
	if (scenario_index_devices(s)) {
		rc = loader_oom(&L);
		goto out;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	scenario_free(s);
	scenario_schema_free(raw);
	g_string_free(doc, TRUE);
	loader_free(&L);
	return rc ? -1 : 0;
}

int scenario_load_file(const char *path, const char *const *sets, size_t n_sets,
                       struct scenario **out, char *err, size_t errlen)
{
	char *text;
	size_t len;
	*out = NULL;
	if (input_file_read(path, MAX_FILE_BYTES, &text, &len, err, errlen))
		return -1;
	int rc = scenario_load_text(path, text, len, sets, n_sets, out, err, errlen);
	g_free(text);
	return rc;
}
