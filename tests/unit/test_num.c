/* test_num.c - lib/num: checked decimal parsing and integer formatting. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/num.h"

/* Parse s as i64 in [min, max]; returns the errstr ("" on success). */
static const char *
pi(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *e = "unset";

	*out = 12345;
	if (num_parse_i64(s, NUM_CSTR, min, max, out, &e) == 0) {
		ck_assert_ptr_null(e);
		return "";
	}
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(*out, 12345);		/* untouched on failure */
	return e;
}

static const char *
pu(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *e = "unset";

	*out = 12345;
	if (num_parse_u64(s, NUM_CSTR, min, max, out, &e) == 0) {
		ck_assert_ptr_null(e);
		return "";
	}
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(*out, 12345);
	return e;
}

START_TEST(test_num_plain_decimals_parse)
{
	int64_t v;
	uint64_t u;

	ck_assert_str_eq(pi("0", INT64_MIN, INT64_MAX, &v), "");
	ck_assert_int_eq(v, 0);
	ck_assert_str_eq(pi("42", INT64_MIN, INT64_MAX, &v), "");
	ck_assert_int_eq(v, 42);
	ck_assert_str_eq(pi("-42", INT64_MIN, INT64_MAX, &v), "");
	ck_assert_int_eq(v, -42);
	ck_assert_str_eq(pi("-0", INT64_MIN, INT64_MAX, &v), "");
	ck_assert_int_eq(v, 0);
	ck_assert_str_eq(pi("007", INT64_MIN, INT64_MAX, &v), "");
	ck_assert_int_eq(v, 7);
	ck_assert_str_eq(pu("18446744073709551615", 0, UINT64_MAX, &u), "");
	ck_assert_uint_eq(u, UINT64_MAX);
	ck_assert_str_eq(pu("00000000000000000000000000001", 0, UINT64_MAX,
	    &u), "");
	ck_assert_uint_eq(u, 1);
}
END_TEST

START_TEST(test_num_i64_limits_are_exact)
{
	int64_t v;

	ck_assert_str_eq(pi("9223372036854775807", INT64_MIN, INT64_MAX, &v),
	    "");
	ck_assert_int_eq(v, INT64_MAX);
	ck_assert_str_eq(pi("-9223372036854775808", INT64_MIN, INT64_MAX,
	    &v), "");
	ck_assert(v == INT64_MIN);
	ck_assert_str_eq(pi("9223372036854775808", INT64_MIN, INT64_MAX, &v),
	    "too large");
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_str_eq(pi("-9223372036854775809", INT64_MIN, INT64_MAX,
	    &v), "too small");
	ck_assert_int_eq(errno, ERANGE);
}
END_TEST

START_TEST(test_num_overflow_is_out_of_range_not_wrapped)
{
	int64_t v;
	uint64_t u;

	ck_assert_str_eq(pu("18446744073709551616", 0, UINT64_MAX, &u),
	    "too large");
	ck_assert_str_eq(pu("99999999999999999999999999999", 0, UINT64_MAX,
	    &u), "too large");
	ck_assert_int_eq(errno, ERANGE);
	/* 2^64 + 5 would wrap to 5 in a naive loop */
	ck_assert_str_eq(pu("18446744073709551621", 0, 10, &u), "too large");
	ck_assert_str_eq(pi("99999999999999999999999999999", INT64_MIN,
	    INT64_MAX, &v), "too large");
	ck_assert_str_eq(pi("-99999999999999999999999999999", INT64_MIN,
	    INT64_MAX, &v), "too small");
}
END_TEST

START_TEST(test_num_empty_and_junk_are_invalid)
{
	static const char *bad[] = {
		"-", "--1", "+1", " 1", "1 ", "1x", "x1", "0x10", "1.5",
		"1e3", "1,000", "\t7", "7\n", "- 1", "\xd9\xa3",
	};
	int64_t v;
	uint64_t u;
	size_t i;

	ck_assert_str_eq(pi("", INT64_MIN, INT64_MAX, &v), "empty");
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(pu("", 0, UINT64_MAX, &u), "empty");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(strcmp(pi(bad[i], INT64_MIN, INT64_MAX, &v),
		    "invalid") == 0, "i64 accepted '%s'", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_msg(strcmp(pu(bad[i], 0, UINT64_MAX, &u),
		    "invalid") == 0, "u64 accepted '%s'", bad[i]);
	}
	/* Syntax is judged before range: overflow then junk is invalid. */
	ck_assert_str_eq(pu("99999999999999999999999x", 0, UINT64_MAX, &u),
	    "invalid");
}
END_TEST

START_TEST(test_num_unsigned_takes_no_sign)
{
	uint64_t u;

	ck_assert_str_eq(pu("-1", 0, UINT64_MAX, &u), "invalid");
	ck_assert_str_eq(pu("-0", 0, UINT64_MAX, &u), "invalid");
}
END_TEST

START_TEST(test_num_bounds_are_inclusive)
{
	int64_t v;
	uint64_t u;

	ck_assert_str_eq(pi("1", 1, 250, &v), "");
	ck_assert_str_eq(pi("250", 1, 250, &v), "");
	ck_assert_str_eq(pi("0", 1, 250, &v), "too small");
	ck_assert_str_eq(pi("-5", 1, 250, &v), "too small");
	ck_assert_str_eq(pi("251", 1, 250, &v), "too large");
	ck_assert_str_eq(pu("9", 10, 20, &u), "too small");
	ck_assert_str_eq(pu("21", 10, 20, &u), "too large");
	ck_assert_str_eq(pu("20", 10, 20, &u), "");
	ck_assert_uint_eq(u, 20);
}
END_TEST

START_TEST(test_num_length_bounds_the_read)
{
	int64_t v;
	uint64_t u;

	/* A prefix of a longer string: "123" of "12345", "5" of "5s". */
	ck_assert_int_eq(num_parse_u64("12345", 3, 0, UINT64_MAX, &u, NULL),
	    0);
	ck_assert_uint_eq(u, 123);
	ck_assert_int_eq(num_parse_i64("-7ms", 2, INT64_MIN, INT64_MAX, &v,
	    NULL), 0);
	ck_assert_int_eq(v, -7);
	ck_assert_int_eq(num_parse_u64("5s", 0, 0, UINT64_MAX, &u, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(num_parse_i64("-5", 1, INT64_MIN, INT64_MAX, &v,
	    NULL), -1);
	/* A NUL inside the length ends the number: invalid, nothing past
	 * it is read (the string here is shorter than the length). */
	ck_assert_int_eq(num_parse_u64("12", 4, 0, UINT64_MAX, &u, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* Not NUL-terminated: exactly len bytes are looked at. */
	{
		char raw[3] = { '9', '8', '7' };

		ck_assert_int_eq(num_parse_u64(raw, sizeof(raw), 0, 1000, &u,
		    NULL), 0);
		ck_assert_uint_eq(u, 987);
	}
}
END_TEST

START_TEST(test_num_errstr_may_be_null)
{
	uint64_t u = 3;

	ck_assert_int_eq(num_parse_u64("x", NUM_CSTR, 0, 9, &u, NULL), -1);
	ck_assert_uint_eq(u, 3);
	ck_assert_int_eq(num_parse_u64("9", NUM_CSTR, 0, 9, &u, NULL), 0);
	ck_assert_uint_eq(u, 9);
}
END_TEST

START_TEST(test_num_format_round_trips_extremes)
{
	static const int64_t iv[] = { 0, 1, -1, 9, 10, -10, 1234567890,
		INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	static const char *is[] = { "0", "1", "-1", "9", "10", "-10",
		"1234567890", "9223372036854775807", "-9223372036854775808",
		"-9223372036854775807" };
	char out[NUM_I64_LEN];
	size_t i;
	int64_t back;

	for (i = 0; i < sizeof(iv) / sizeof(iv[0]); i++) {
		ck_assert_int_eq(num_format_i64(iv[i], out, sizeof(out)),
		    (int)strlen(is[i]));
		ck_assert_str_eq(out, is[i]);
		ck_assert_int_eq(num_parse_i64(out, NUM_CSTR, INT64_MIN,
		    INT64_MAX, &back, NULL), 0);
		ck_assert(back == iv[i]);
	}
	ck_assert_int_eq(num_format_u64(UINT64_MAX, out, sizeof(out)), 20);
	ck_assert_str_eq(out, "18446744073709551615");
	ck_assert_int_eq(num_format_u64(0, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "0");
}
END_TEST

START_TEST(test_num_format_refuses_a_small_buffer)
{
	char out[8];

	/* "1234567" + NUL fits 8 exactly; one digit more does not. */
	ck_assert_int_eq(num_format_u64(1234567, out, 8), 7);
	ck_assert_str_eq(out, "1234567");
	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(num_format_u64(12345678, out, 8), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(num_format_i64(-1234567, out, 8), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(num_format_i64(-123456, out, 8), 7);
	ck_assert_str_eq(out, "-123456");
	ck_assert_int_eq(num_format_i64(0, out, 1), -1);
	ck_assert_str_eq(out, "");
	out[0] = 'x';
	ck_assert_int_eq(num_format_i64(0, out, 0), -1);
	ck_assert_int_eq(out[0], 'x');		/* size 0: nothing written */
}
END_TEST

static Suite *
num_suite(void)
{
	Suite *s = suite_create("num");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_num_plain_decimals_parse);
	tcase_add_test(tc, test_num_i64_limits_are_exact);
	tcase_add_test(tc, test_num_overflow_is_out_of_range_not_wrapped);
	tcase_add_test(tc, test_num_empty_and_junk_are_invalid);
	tcase_add_test(tc, test_num_unsigned_takes_no_sign);
	tcase_add_test(tc, test_num_bounds_are_inclusive);
	tcase_add_test(tc, test_num_length_bounds_the_read);
	tcase_add_test(tc, test_num_errstr_may_be_null);
	tcase_add_test(tc, test_num_format_round_trips_extremes);
	tcase_add_test(tc, test_num_format_refuses_a_small_buffer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(num_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
