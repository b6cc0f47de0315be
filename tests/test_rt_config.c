/*
 * test_rt_config.c - the checks of a world's runtime configuration
 * (models/rt_config.h).
 */
#include <CUnit/CUnit.h>
#include <math.h>

#include "rt_config.h"
#include "test_util.h"

static void test_rt_config_ranges(void)
{
	struct rt_config_number v[] = {
	    {"bandwidth_Bps", 1e9, true, NULL},
	    {"latency_s", 0, false, NULL},
	};
	char why[128] = "";

	CU_ASSERT_TRUE(rt_config_ok(v, 2, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "");
	v[0].value = 0;
	CU_ASSERT_FALSE(rt_config_ok(v, 2, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "bandwidth_Bps must be a finite number > 0");
	v[0].value = 1e9;
	v[1].value = -1e-9;
	CU_ASSERT_FALSE(rt_config_ok(v, 2, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "latency_s must be a finite number >= 0");
}

static void test_rt_config_not_finite(void)
{
	struct rt_config_number v[] = {{"bandwidth_Bps", NAN, false, " (0: no pacing)"}};
	char why[128];

	CU_ASSERT_FALSE(rt_config_ok(v, 1, why, sizeof(why)));
	CU_ASSERT_STRING_EQUAL(why, "bandwidth_Bps must be a finite number >= 0 (0: no pacing)");
	v[0].value = INFINITY;
	CU_ASSERT_FALSE(rt_config_ok(v, 1, why, sizeof(why)));
	v[0].value = 0;
	CU_ASSERT_TRUE(rt_config_ok(v, 1, why, sizeof(why)));
}

void register_tests(void)
{
	TEST_SUITE("rt_config", TEST(test_rt_config_ranges), TEST(test_rt_config_not_finite));
}
