/* test_util.h - small helpers shared by the CUnit suites. */
#ifndef SWITCHOVER_TEST_UTIL_H
#define SWITCHOVER_TEST_UTIL_H

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>

/* Path of a file in the source tree ("scenarios/null.yaml"). */
static inline const char *test_src_path(const char *rel)
{
	static char buf[4][1024];
	static int slot;
	const char *root = getenv("SWITCHOVER_SOURCE_DIR");
	char *b = buf[slot++ & 3];
	snprintf(b, sizeof buf[0], "%s/%s", root ? root : SWITCHOVER_SOURCE_DIR, rel);
	return b;
}

/* DIR/NAME, for a suite's temporary files (four at a time may be live). */
static inline const char *test_path_in(const char *dir, const char *name)
{
	static char buf[4][512];
	static int slot;
	char *b = buf[slot++ & 3];
	snprintf(b, sizeof buf[0], "%s/%s", dir, name);
	return b;
}

#define TEST_SUITE(name, ...)                                                                   \
	do {                                                                                    \
		CU_pSuite s_ = CU_add_suite(name, NULL, NULL);                                  \
		struct {                                                                        \
			const char *n;                                                          \
			CU_TestFunc f;                                                          \
		} t_[] = {__VA_ARGS__};                                                         \
		for (size_t i_ = 0; i_ < sizeof t_ / sizeof t_[0]; i_++)                        \
			CU_add_test(s_, t_[i_].n, t_[i_].f);                                    \
	} while (0)
#define TEST(f) {#f, f}

/* The only upper bound a test may put on wall-clock time: one that a
 * working program never comes near on any machine, however loaded, so that
 * only a hang (a timeout that never fires, a thread that never ends) fails
 * it.  Tests assert what is exact (orders, counts, bytes, simulated times)
 * and the lower bounds physics gives (a run is not faster than its
 * sleeps); how close real time comes to a prediction is measured by the
 * benchmarks in bench/, not judged here. */
#define TEST_HANG_S 60.0

#endif
