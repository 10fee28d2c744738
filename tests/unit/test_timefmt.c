/* test_timefmt.c - lib/timefmt: RFC 3339 formatting and strict parsing. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/timefmt.h"

/* 2026-11-26T19:52:32.123Z, computed independently with date(1). */
#define DOC_MS INT64_C(1795722752123)

START_TEST(test_timefmt_formats_spec_example)
{
	char out[TIMEFMT_LEN];

	timefmt_format(DOC_MS, out, sizeof(out));
	ck_assert_str_eq(out, "2026-11-26T19:52:32.123Z");
	ck_assert_uint_eq(strlen(out), TIMEFMT_LEN - 1);
	timefmt_format(0, out, sizeof(out));
	ck_assert_str_eq(out, "1970-01-01T00:00:00.000Z");
	timefmt_format(-1, out, sizeof(out));
	ck_assert_str_eq(out, "1969-12-31T23:59:59.999Z");
	timefmt_format(INT64_C(951782400000), out, sizeof(out));
	ck_assert_str_eq(out, "2000-02-29T00:00:00.000Z");
	timefmt_format(INT64_C(253402300799999), out, sizeof(out));
	ck_assert_str_eq(out, "9999-12-31T23:59:59.999Z");
}
END_TEST

START_TEST(test_timefmt_format_truncates_safely)
{
	char out[8];

	memset(out, 'x', sizeof(out));
	timefmt_format(DOC_MS, out, sizeof(out));
	ck_assert_str_eq(out, "2026-11");
}
END_TEST

START_TEST(test_timefmt_parse_accepts_utc_and_offsets)
{
	static const struct {
		const char *s;
		int64_t ms;
	} ok[] = {
		{"2026-11-26T19:52:32.123Z", DOC_MS},
		{"2026-11-26T19:52:32.123z", DOC_MS},
		{"2026-11-26t19:52:32.123Z", DOC_MS},
		{"2026-11-26T19:52:32Z", DOC_MS - 123},
		{"2026-11-26T19:52:32.1Z", DOC_MS - 23},
		{"2026-11-26T19:52:32.123456789Z", DOC_MS},
		{"2026-11-26T19:52:32.1239999999999999999Z", DOC_MS},
		{"2026-11-26T20:52:32.123+01:00", DOC_MS},
		{"2026-11-26T14:22:32.123-05:30", DOC_MS},
		{"2026-11-27T01:52:32.123+06:00", DOC_MS},
		{"2026-11-26T19:52:32.123+00:00", DOC_MS},
		{"2026-11-26T19:52:32.123-00:00", DOC_MS},
		{"1970-01-01T00:00:00Z", 0},
		{"1969-12-31T23:59:59.999Z", -1},
		{"2000-02-29T00:00:00Z", INT64_C(951782400000)},
		{"2024-02-29T12:00:00Z", INT64_C(1709208000000)},
	};
	size_t i;
	int64_t ms;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ms = 42;
		ck_assert_msg(timefmt_parse(ok[i].s, &ms) == 0, "refused %s",
		    ok[i].s);
		ck_assert_msg(ms == ok[i].ms, "%s -> %lld, want %lld", ok[i].s,
		    (long long)ms, (long long)ok[i].ms);
	}
}
END_TEST

START_TEST(test_timefmt_parse_rejects_malformed_and_out_of_range)
{
	static const char *bad[] = {
		"", "2026", "2026-11-26", "2026-11-26T19:52Z",
		"2026-11-26 19:52:32Z",		/* space separator */
		"2026-11-26T19:52:32",		/* no zone */
		"2026-11-26T19:52:32.Z",	/* empty fraction */
		"2026-11-26T19:52:32.123",
		"2026-11-26T19:52:32.123ZZ", "2026-11-26T19:52:32Z ",
		" 2026-11-26T19:52:32Z", "2026-11-26T19:52:32+01",
		"2026-11-26T19:52:32+0100", "2026-11-26T19:52:32+24:00",
		"2026-11-26T19:52:32+01:60", "2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z", "2026-11-00T00:00:00Z",
		"2026-11-31T00:00:00Z", "2026-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
		"2026-11-26T24:00:00Z", "2026-11-26T23:60:00Z",
		"2026-11-26T23:59:60Z", "2026-1-26T19:52:32Z",
		"+2026-11-26T19:52:32Z", "2026-11-26T19:52:32.12a3Z",
		"2026/11/26T19:52:32Z", "20261126T195232Z", "abcd-ef-ghTij:kl:mnZ",
		"2026-11-26T19:52:32.123GMT",
	};
	size_t i;
	int64_t ms = 7;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(timefmt_parse(bad[i], &ms) == -1,
		    "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(ms, 7);	/* untouched on failure */
}
END_TEST

START_TEST(test_timefmt_round_trips_over_centuries)
{
	char out[TIMEFMT_LEN];
	int64_t ms, back;
	uint64_t x = 88172645463325252ull;
	int i;

	/* Pseudo-random instants from 1970 to 9999 (xorshift64). */
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ms = (int64_t)(x % INT64_C(253402300800000));
		timefmt_format(ms, out, sizeof(out));
		/* plain if: a ck_assert per round would dominate run time */
		if (timefmt_parse(out, &back) != 0 || back != ms)
			ck_abort_msg("%s: %lld != %lld", out, (long long)back,
			    (long long)ms);
	}
}
END_TEST

START_TEST(test_timefmt_matches_libc_gmtime)
{
	char out[TIMEFMT_LEN], want[TIMEFMT_LEN + 8];
	struct tm tm;
	time_t t;
	int64_t s;

	/* One instant per ~11 days across 1970..2100 against gmtime_r. */
	for (s = 0; s < INT64_C(4102444800); s += 999999) {
		t = (time_t)s;
		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
		timefmt_format(s * 1000, out, sizeof(out));
		if (strcmp(out, want) != 0)
			ck_abort_msg("%s != %s", out, want);
	}
}
END_TEST

START_TEST(test_timefmt_clocks_are_sane)
{
	int64_t now = timefmt_now_ms(), m1, m2;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ck_assert_int_lt(llabs((long long)(ts.tv_sec * INT64_C(1000) - now)),
	    2000);
	m1 = timefmt_mono_ms();
	ts.tv_sec = 0;
	ts.tv_nsec = 20 * 1000 * 1000;
	nanosleep(&ts, NULL);
	m2 = timefmt_mono_ms();
	ck_assert_int_ge(m2 - m1, 19);
	ck_assert_int_lt(m2 - m1, 2000);
}
END_TEST

static Suite *
timefmt_suite(void)
{
	Suite *s = suite_create("timefmt");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_timefmt_formats_spec_example);
	tcase_add_test(tc, test_timefmt_format_truncates_safely);
	tcase_add_test(tc, test_timefmt_parse_accepts_utc_and_offsets);
	tcase_add_test(tc, test_timefmt_parse_rejects_malformed_and_out_of_range);
	tcase_add_test(tc, test_timefmt_round_trips_over_centuries);
	tcase_add_test(tc, test_timefmt_matches_libc_gmtime);
	tcase_add_test(tc, test_timefmt_clocks_are_sane);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(timefmt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
