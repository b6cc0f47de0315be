/*
 * scenario_convert.h - a loaded scenario file's strings into a struct scenario.
 */
#ifndef SWITCHOVER_FRONTEND_SCENARIO_CONVERT_H
#define SWITCHOVER_FRONTEND_SCENARIO_CONVERT_H

#include <stdbool.h>
#include <stdint.h>

#include "dist.h"
#include "loader.h"
#include "scenario.h"
#include "scenario_schema.h"

/*
 * Parse every value of `r` into `s` (which holds scenario_default): units,
 * distributions, whole numbers, booleans and names; device groups start
 * from their profile.  Does not validate the whole (scenario_validate
 * does).  Returns 0, or -1 / -ENOMEM with the message in L->err.
 */
int scenario_convert(struct loader *L, const struct raw_top *r, struct scenario *s);

/*
 * A host's keys (all but `profile`) over *o: the ones `h` sets replace
 * *o's.  `prefix` ("hosts.source", or "" in a host profile file) starts
 * the key paths of messages.  0, or -1 with the message in L->err.
 */
int scenario_convert_host(struct loader *L, const char *prefix, const struct raw_host *h,
                          struct scn_host *o);

/*
 * A device profile's values (frontend/device_profile.c reads them from
 * profiles/devices/<name>.yaml): what a device group takes for every key
 * it does not set.  A key the profile does not set holds the unset value
 * (scenario_profile_unset: every capability, everything else 0).
 */
struct scenario_profile {
	uint32_t caps;
	uint64_t state_bytes;
	uint64_t header_bytes;
	uint64_t initial_bytes;
	double precopy_dirty_Bps;
	double save_Bps;
	struct dist latency_default; /* every arc not in arc_set */
	struct dist query;
	struct dist arc[VFIO_STATE_COUNT][VFIO_STATE_COUNT];
	bool arc_set[VFIO_STATE_COUNT][VFIO_STATE_COUNT];
	double load_fixed_s;
	double load_Bps;
	double load_image_s;      /* per image loaded */
	double init_load_fixed_s; /* destination pre-allocation */
	double init_load_Bps;
	enum precopy_v2 precopy_info_v2;
	double arc_cpu_fraction;
};

/* *p = the values of a profile that sets no key. */
void scenario_profile_unset(struct scenario_profile *p);
void scenario_profile_free(struct scenario_profile *p);

/*
 * The device model's keys `d` sets (a device profile file's `device:`;
 * `prefix` starts the key paths of messages: "device") over the unset
 * values, into *out (to free with scenario_profile_free() either way).
 * 0, or -1 with the message in L->err.
 */
int scenario_convert_profile(struct loader *L, const char *prefix, const struct raw_device *d,
                             struct scenario_profile *out);

#endif
