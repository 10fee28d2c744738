/* test_str.c - lib/str: bounded copies that fail instead of cutting. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"

START_TEST(test_str_copy_fits_and_returns_length)
{
	char d[8];

	ck_assert_int_eq(str_copy(d, sizeof(d), "abc"), 3);
	ck_assert_str_eq(d, "abc");
	ck_assert_int_eq(str_copy(d, sizeof(d), ""), 0);
	ck_assert_str_eq(d, "");
}
END_TEST

START_TEST(test_str_copy_exactly_size_minus_one_fits)
{
	char d[8];

	ck_assert_int_eq(str_copy(d, sizeof(d), "1234567"), 7);
	ck_assert_str_eq(d, "1234567");
}
END_TEST

START_TEST(test_str_copy_too_long_is_an_error_and_leaves_empty)
{
	char d[8];

	/* size bytes of text need size + 1: refused, not cut. */
	memcpy(d, "old", 4);
	ck_assert_int_eq(str_copy(d, sizeof(d), "12345678"), -1);
	ck_assert_str_eq(d, "");
	memcpy(d, "old", 4);
	ck_assert_int_eq(str_copy(d, sizeof(d), "a much longer string"), -1);
	ck_assert_str_eq(d, "");
	ck_assert_int_eq(str_copy(d, 1, "x"), -1);
	ck_assert_str_eq(d, "");
	ck_assert_int_eq(str_copy(d, 1, ""), 0);
}
END_TEST

START_TEST(test_str_copy_size_zero_writes_nothing)
{
	char d[2] = { 'x', 'y' };

	ck_assert_int_eq(str_copy(d, 0, ""), -1);
	ck_assert_int_eq(d[0], 'x');
	ck_assert_int_eq(str_copyn(d, 0, "", 0), -1);
	ck_assert_int_eq(d[0], 'x');
}
END_TEST

START_TEST(test_str_copy_reads_no_further_than_size)
{
	/* src is not NUL-terminated within reach: strnlen stops at size. */
	char src[4] = { 'a', 'b', 'c', 'd' };
	char d[4];

	ck_assert_int_eq(str_copy(d, sizeof(d), src), -1);
	ck_assert_str_eq(d, "");
}
END_TEST

START_TEST(test_str_copyn_copies_n_bytes_and_terminates)
{
	char d[8];

	ck_assert_int_eq(str_copyn(d, sizeof(d), "hello world", 5), 5);
	ck_assert_str_eq(d, "hello");
	ck_assert_int_eq(str_copyn(d, sizeof(d), "xyz", 0), 0);
	ck_assert_str_eq(d, "");
	ck_assert_int_eq(str_copyn(d, sizeof(d), "1234567", 7), 7);
	ck_assert_str_eq(d, "1234567");
	ck_assert_int_eq(str_copyn(d, sizeof(d), "12345678", 8), -1);
	ck_assert_str_eq(d, "");
	/* an embedded NUL is copied as it is */
	ck_assert_int_eq(str_copyn(d, sizeof(d), "a\0b", 3), 3);
	ck_assert_int_eq(memcmp(d, "a\0b\0", 4), 0);
}
END_TEST

static Suite *
str_suite(void)
{
	Suite *s = suite_create("str");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_str_copy_fits_and_returns_length);
	tcase_add_test(tc, test_str_copy_exactly_size_minus_one_fits);
	tcase_add_test(tc, test_str_copy_too_long_is_an_error_and_leaves_empty);
	tcase_add_test(tc, test_str_copy_size_zero_writes_nothing);
	tcase_add_test(tc, test_str_copy_reads_no_further_than_size);
	tcase_add_test(tc, test_str_copyn_copies_n_bytes_and_terminates);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(str_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
