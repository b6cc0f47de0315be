/* test_sweep_util.h - what the sweep suites compare: a table of two sweep
 * files, byte for byte. */
#ifndef SWITCHOVER_TEST_SWEEP_UTIL_H
#define SWITCHOVER_TEST_SWEEP_UTIL_H

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "store.h"

/* The bytes of table /name of two files are equal. */
static inline void same_table(const char *a, const char *b, const char *name)
{
	struct results_table *ta = NULL, *tb = NULL;
	char err[1024] = "";
	int rc = results_table_read(a, name, &ta, err, sizeof err) ||
	         results_table_read(b, name, &tb, err, sizeof err);
	if (rc)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT(ta->n_rows > 0);
	CU_ASSERT_EQUAL(ta->n_rows, tb->n_rows);
	CU_ASSERT_EQUAL(ta->raw_len, tb->raw_len);
	CU_ASSERT(ta->raw_len == tb->raw_len && !memcmp(ta->raw, tb->raw, ta->raw_len));
	results_table_free(ta);
	results_table_free(tb);
}

#endif
