/*
 * rt_config.c - checking the numbers of a world's runtime configuration.
 */
#include "rt_config.h"

#include <math.h>
#include <stdio.h>

bool rt_config_ok(const struct rt_config_number *v, size_t n, char *why, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		/* NaN fails both comparisons. */
		bool in_range = v[i].positive ? v[i].value > 0 : v[i].value >= 0;
		if (!in_range || !isfinite(v[i].value)) {
			snprintf(why, len, "%s must be a finite number %s%s", v[i].name,
			         v[i].positive ? "> 0" : ">= 0", v[i].note ? v[i].note : "");
			return false;
		}
	}
	return true;
}
