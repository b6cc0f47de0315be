/*
 * host_profile.c - loading a host profile file (see host_profile.h): the
 * same steps as a scenario file (key lines, libcyaml schema, the host keys'
 * conversion shared with hosts.<side> of a scenario), so its errors name
 * its own file, line and key.
 */
#include "host_profile.h"

#include <cyaml/cyaml.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "profile_file.h"
#include "scenario_convert.h"
#include "scenario_schema.h"

/* A host profile is a small YAML file: as large as a scenario may be. */
#define HOST_PROFILE_MAX_BYTES (64u << 20)

/* One measurement the profile's values were derived from (provenance:
 * read, checked for shape, not used by the model). */
struct raw_measurement {
	char *what, *unit, *median, *min, *max, *samples;
};

struct raw_host_profile {
	char *name, *description, *command, *date, *cpu, *machine;
	struct raw_host *host;
	struct raw_measurement *measurements;
	unsigned measurements_count;
};

#define STR(key, flags, st, member)                                                                \
	CYAML_FIELD_STRING_PTR(key, (flags) | CYAML_FLAG_POINTER, st, member, 0, CYAML_UNLIMITED)
#define OPT CYAML_FLAG_OPTIONAL

static const cyaml_schema_field_t measurement_fields[] = {
    STR("what", CYAML_FLAG_DEFAULT, struct raw_measurement, what),
    STR("unit", OPT, struct raw_measurement, unit),
    STR("median", CYAML_FLAG_DEFAULT, struct raw_measurement, median),
    STR("min", OPT, struct raw_measurement, min),
    STR("max", OPT, struct raw_measurement, max),
    STR("samples", OPT, struct raw_measurement, samples),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t measurement_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_measurement, measurement_fields)};
static const cyaml_schema_field_t profile_fields[] = {
    STR("name", CYAML_FLAG_DEFAULT, struct raw_host_profile, name),
    STR("description", OPT, struct raw_host_profile, description),
    STR("command", OPT, struct raw_host_profile, command),
    STR("date", OPT, struct raw_host_profile, date),
    STR("cpu", OPT, struct raw_host_profile, cpu),
    STR("machine", OPT, struct raw_host_profile, machine),
    CYAML_FIELD_MAPPING_PTR("host", CYAML_FLAG_DEFAULT, struct raw_host_profile, host,
                            scenario_schema_host_fields),
    CYAML_FIELD_SEQUENCE("measurements", CYAML_FLAG_POINTER | OPT, struct raw_host_profile,
                         measurements, &measurement_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t profile_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_host_profile, profile_fields)};

/* The profile in `text` over *o. */
static int load_text(struct loader *L, const char *text, size_t len, struct scn_host *o)
{
	void *data;
	int rc;

	if (schema_load_mapping(L, &profile_schema, text, len,
	                        "a host profile is a mapping (name: ..., host: {cores: ...})",
	                        &data))
		return -1;
	const struct raw_host_profile *p = data;
	if (p->host->profile)
		rc = loader_fail(L, "host.profile",
		                 "a host profile cannot name another profile: remove profile:");
	else
		rc = scenario_convert_host(L, "host", p->host, o);
	schema_free(&profile_schema, data);
	return rc;
}

int host_profile_load(const char *name, const char *from, struct scn_host *o, char *err,
                      size_t errlen)
{
	char *text;
	size_t len = 0;
	char *path = profile_file_read("hosts", "host", name, from, HOST_PROFILE_MAX_BYTES, &text,
	                               &len, NULL, err, errlen);
	int rc = -1;

	if (path) {
		struct loader L = {.name = path, .err = err, .errlen = errlen};
		struct scn_host h = *o;
		rc = load_text(&L, text, len, &h);
		loader_free(&L);
		if (rc == 0 && !(h.profile = strdup(name))) {
			snprintf(err, errlen, "%s: out of memory", path);
			rc = -1;
		}
		if (rc == 0) {
			free(o->profile);
			*o = h;
		}
	}
	g_free(text);
	g_free(path);
	return rc ? -1 : 0;
}
