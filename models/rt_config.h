/*
 * rt_config.h - checking the numbers of a world's runtime configuration.
 *
 * Both worlds (sim_runtime_config, rtp_config) take link and thread costs
 * that must be finite and not negative (some strictly positive); they
 * describe them as a table of rt_config_number and complain the same way.
 */
#ifndef SWITCHOVER_RT_CONFIG_H
#define SWITCHOVER_RT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct rt_config_number {
	const char *name; /* the field: "latency_s" */
	double value;
	bool positive;    /* must be > 0 (else >= 0) */
	const char *note; /* appended to the complaint, or NULL: " (0: no pacing)" */
};

/*
 * True when every number of `v` is finite and in range.  Otherwise false,
 * with the first bad one in `why`: "latency_s must be a finite number >= 0".
 */
bool rt_config_ok(const struct rt_config_number *v, size_t n, char *why, size_t len);

#endif
