/*
 * test_names.c - enum <-> name tables (models/names.h).
 */
#include <CUnit/CUnit.h>

#include "names.h"
#include "test_util.h"

enum color { RED = 0, GREEN = 1, BLUE = 3 };
static const char *const color_words[] = {[RED] = "red", [GREEN] = "green", [BLUE] = "blue"};
static const struct names colors = NAMES(color_words);

static void test_names_both_ways(void)
{
	/* The count comes from the table: the gap at 2 is a value without a name. */
	CU_ASSERT_EQUAL(colors.count, 4);
	CU_ASSERT_STRING_EQUAL(names_name(&colors, RED), "red");
	CU_ASSERT_STRING_EQUAL(names_name(&colors, BLUE), "blue");
	CU_ASSERT_STRING_EQUAL(names_name(&colors, 2), "?");
	CU_ASSERT_STRING_EQUAL(names_name(&colors, 4), "?");
	CU_ASSERT_EQUAL(names_parse(&colors, "green"), GREEN);
	CU_ASSERT_EQUAL(names_parse(&colors, "blue"), BLUE);
	CU_ASSERT_EQUAL(names_parse(&colors, "Blue"), -1);
	CU_ASSERT_EQUAL(names_parse(&colors, NULL), -1);
}

static void test_names_list(void)
{
	static const char *const three[] = {"off", "legacy", "new"};
	static const char *const one[] = {"only"};
	char buf[64];

	names_list(&(struct names)NAMES(three), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "off, legacy or new");
	names_list(&(struct names)NAMES(one), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "only");
	/* Cut to the buffer, still terminated. */
	names_list(&(struct names)NAMES(three), buf, 8);
	CU_ASSERT_STRING_EQUAL(buf, "off, le");
}

void register_tests(void)
{
	TEST_SUITE("names", TEST(test_names_both_ways), TEST(test_names_list));
}
