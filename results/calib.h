/*
 * calib.h - a device profile estimated from the traces of result files
 * (`switchover calibrate traces`, docs/calibration.md "From traces").
 *
 * Per device group (by name, over every file and run): each arc's latency
 * distribution from the arcs' work (fit.h: ML fits, AIC, KS, or the
 * sample itself), the query cost from back-to-back precopy-info queries,
 * the save rate from the bytes each saving arc saved, the load line
 * (fixed + bytes / rate) from the destination's writes, and the
 * pre-allocation from the writes that complete a precopy header.  What
 * cannot be estimated says why instead of taking a value.  Library code:
 * it never prints; the CLI prints the table and writes the file.
 */
#ifndef SWITCHOVER_CALIB_H
#define SWITCHOVER_CALIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "fit.h"

/* One device key of the profile. */
struct calib_param {
	char *key;     /* dotted path under `device:`: "latency.query", "load.rate" */
	char *value;   /* its scenario text, or NULL: not estimated */
	char *why_not; /* when value is NULL: why */
	size_t samples;
	char *method; /* table column: "gamma", "line", "median", "arcs seen" */
	char *fit;    /* provenance text: family, method, quality */
	/* latencies: the fit (choice.best < 0 for the other keys) */
	struct fit_choice choice;
	struct dist d; /* the latency distribution written */
	double number; /* rates (bytes/s) and durations (s) of the other keys */
};

struct calib_group {
	char *name;
	uint32_t caps; /* VFIO_CAP_* the arcs visited */
	size_t n_params;
	struct calib_param *params; /* in the order they print */
};

struct calib {
	char **files;
	size_t n_files;
	size_t n_runs;
	struct calib_group *groups;
	size_t n_groups;
};

/*
 * Estimate the profile of every device group of the n files (only group
 * `group` unless NULL); with `pool` (not NULL) every device of them is one
 * group of that name (an imported QEMU migration names each device a group
 * of its own).  0, or -1 with err naming the file and what it lacks (not a
 * result file, no run with a trace, no device arc, no group `group`): the
 * caller refuses the command then.
 */
int calib_from_files(const char *const *paths, size_t n, const char *group, const char *pool,
                     struct calib *out, char *err, size_t errlen);
void calib_free(struct calib *c);

/* The parameter `key` of group g, or NULL. */
const struct calib_param *calib_param_find(const struct calib_group *g, const char *key);

/* The device profile YAML of group g (docs/calibration.md; the profile
 * format of docs/scenarios.md "Device profiles"); command and date may be
 * NULL.  g_free() it. */
char *calib_profile_yaml(const struct calib *c, const struct calib_group *g, const char *name,
                         const char *command, const char *date);

#endif
