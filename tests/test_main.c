/*
 * test_main.c - the one main() of every CUnit suite executable.
 *
 * Each test_*.c file defines register_tests(), which adds its suites to the
 * registry; this file runs them with the basic interface and turns failures
 * into a non-zero exit status for CTest.
 */
#include <CUnit/Basic.h>
#include <stdio.h>

void register_tests(void);

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	register_tests();
	if (CU_get_error() != CUE_SUCCESS) {
		fprintf(stderr, "test registration failed: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
