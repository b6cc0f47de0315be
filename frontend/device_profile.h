/*
 * device_profile.h - device profiles: data files (profiles/devices/
 * <name>.yaml) that give a device group every key it does not set, each
 * value with its provenance (a measurement, a fit, a publication, the code,
 * or an assumption and why).  The format is in docs/scenarios.md ("Device
 * profiles").
 */
#ifndef SWITCHOVER_FRONTEND_DEVICE_PROFILE_H
#define SWITCHOVER_FRONTEND_DEVICE_PROFILE_H

#include <stddef.h>

#include "scenario_convert.h"

/* One key a profile sets, as the file writes it, and where it comes from. */
struct device_profile_entry {
	char *key;    /* dotted path under device: "latency.query" */
	char *value;  /* the value's text: "100us", "[stop_copy, p2p]" */
	char *source; /* measurement, fitted, publication, code or assumption */
	/* The source's fields (NULL when it has none of them). */
	char *ref, *reason, *to, *fit, *samples;
	char **files; /* NULL-terminated, or NULL */
	int line;     /* of the key in the file */
};

struct device_profile {
	char *name;                         /* the file's name: key */
	char *file;                         /* where it was found: a path, or
	                                     * <built-in>/devices/NAME.yaml */
	const char *origin;                 /* built-in, path, --profile-path, ...
	                                     * (profile_file.h); NULL from text */
	char *description, *command, *date; /* NULL when the file has none */
	struct scenario_profile values;
	struct device_profile_entry *entries; /* in the order of the file */
	size_t n_entries;
	size_t n_assumptions; /* entries with source: assumption */
};

/*
 * Load device profile `name` (a name found by profile_file_find() from the
 * folder of the scenario file `from`, which may be NULL, or a path) into
 * *out, to release with device_profile_free().  Returns 0, or -1 with
 * "FILE:LINE: KEY: what is wrong" (or where it was looked for) in err.
 */
int device_profile_load(const char *name, const char *from, struct device_profile *out, char *err,
                        size_t errlen);
/* The same from memory (out->file and out->origin stay NULL);
 * `name_for_errors` stands for the file name. */
int device_profile_load_text(const char *name_for_errors, const char *text, size_t len,
                             struct device_profile *out, char *err, size_t errlen);
void device_profile_free(struct device_profile *p);

#endif
