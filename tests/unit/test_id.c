/* test_id.c - lib/id: format, time order, monotonicity, uniqueness. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/id.h"
#include "lib/timefmt.h"

#define CROCKFORD "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

START_TEST(test_id_has_prefix_and_26_crockford_chars)
{
	char id[ID_MAX];
	size_t i;

	ck_assert_int_eq(id_new("evt", id, sizeof(id)), 0);
	ck_assert_uint_eq(strlen(id), 4 + ID_BODY_LEN);
	ck_assert_int_eq(strncmp(id, "evt_", 4), 0);
	for (i = 4; id[i] != '\0'; i++)
		ck_assert_msg(strchr(CROCKFORD, id[i]) != NULL, "bad char %c",
		    id[i]);
	ck_assert_int_eq(id_valid("evt", id), 1);
	ck_assert_int_eq(id_valid("dlv", id), 0);
	ck_assert_int_eq(id_new("app", id, sizeof(id)), 0);
	ck_assert_int_eq(id_valid("app", id), 1);
	ck_assert_int_eq(id_new("att", id, ID_MAX), 0);
	ck_assert_uint_lt(strlen(id), ID_MAX);
}
END_TEST

START_TEST(test_id_refuses_too_small_output)
{
	char id[ID_MAX];

	ck_assert_int_eq(id_new("evt", id, 30), -1);	/* needs 31 */
	ck_assert_int_eq(id_new("evt", id, 31), 0);
	ck_assert_int_eq(id_new_at("evt", 0, id, 30), -1);
}
END_TEST

START_TEST(test_id_time_round_trips)
{
	char id[ID_MAX];
	int64_t now = timefmt_now_ms(), t;
	static const int64_t at[] = {0, 1, 1795722752123, (INT64_C(1) << 48) - 1};
	size_t i;

	ck_assert_int_eq(id_new("wh", id, sizeof(id)), 0);
	t = id_time(id);
	ck_assert_int_ge(t, now);
	ck_assert_int_lt(t, now + 1000);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		ck_assert_int_eq(id_new_at("dlv", at[i], id, sizeof(id)), 0);
		ck_assert_int_eq(id_time(id), at[i]);
		ck_assert_int_eq(id_valid("dlv", id), 1);
	}
	ck_assert_int_eq(id_new_at("dlv", 0, id, sizeof(id)), 0);
	ck_assert_int_eq(strncmp(id + 4, "0000000000", 10), 0);
	/* outside 48 bits */
	ck_assert_int_eq(id_new_at("dlv", INT64_C(1) << 48, id, sizeof(id)), -1);
	ck_assert_int_eq(id_new_at("dlv", -1, id, sizeof(id)), -1);
}
END_TEST

START_TEST(test_id_valid_rejects_malformed)
{
	static const char *bad[] = {
		"evt_", "evt", "evt_01JD3XQ6Z5R8K2M4N6P8Q0S2T",	/* 25 */
		"evt_01JD3XQ6Z5R8K2M4N6P8Q0S2T4V",		/* 27 */
		"evt_01jd3xq6z5r8k2m4n6p8q0s2t4",		/* lower case */
		"evt_01JD3XQ6Z5R8K2M4N6P8Q0S2TU",		/* U not Crockford */
		"evt_01JD3XQ6Z5R8K2M4N6P8Q0S2TI",		/* I */
		"evt_81JD3XQ6Z5R8K2M4N6P8Q0S2T4",		/* > 48 bits */
		"evt-01JD3XQ6Z5R8K2M4N6P8Q0S2T4", "ev_01JD3XQ6Z5R8K2M4N6P8Q0S2T4",
		"evtx_01JD3XQ6Z5R8K2M4N6P8Q0S2T4", "",
	};
	size_t i;

	ck_assert_int_eq(id_valid("evt", "evt_01JD3XQ6Z5R8K2M4N6P8Q0S2T4"), 1);
	ck_assert_int_eq(id_valid("evt", "evt_7ZZZZZZZZZZZZZZZZZZZZZZZZZ"), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(id_valid("evt", bad[i]) == 0, "accepted %s",
		    bad[i]);
	}
	ck_assert_int_eq(id_time("evt_81JD3XQ6Z5R8K2M4N6P8Q0S2T4"), -1);
	ck_assert_int_eq(id_time("evt_01JD3"), -1);
	ck_assert_int_eq(id_time("my-own-event-id"), -1);
}
END_TEST

START_TEST(test_id_body_needs_the_whole_prefix_and_underscore)
{
	ck_assert_str_eq(id_body("evt_01JD", "evt"), "01JD");
	ck_assert_str_eq(id_body("hk_abc", "hk"), "abc");
	ck_assert_str_eq(id_body("whsec_", "whsec"), "");	/* body unchecked */
	ck_assert_ptr_null(id_body("evt01JD", "evt"));		/* no '_' */
	ck_assert_ptr_null(id_body("ev_01JD", "evt"));		/* short */
	ck_assert_ptr_null(id_body("evtx_01JD", "evt"));	/* longer kind */
	ck_assert_ptr_null(id_body("EVT_01JD", "evt"));	/* case matters */
	ck_assert_ptr_null(id_body("hk", "hk"));
	ck_assert_ptr_null(id_body("", "hk"));
	ck_assert_ptr_null(id_body("app_x", "wh"));
	/* the tokens the project makes */
	ck_assert_ptr_nonnull(id_body("wh_01JD3XQ6Z5R8K2M4N6P8Q0S2T4", "wh"));
	ck_assert_ptr_null(id_body("wh_01JD3XQ6Z5R8K2M4N6P8Q0S2T4", "whsec"));
}
END_TEST

static int
cmp_ids(const void *a, const void *b)
{
	return memcmp(a, b, ID_MAX);
}

/*
 * A million ids in a row: each sorts strictly after the one before (so
 * same-millisecond ids are ordered too) and, sorted, no two are equal.
 */
START_TEST(test_id_million_ids_are_ordered_and_unique)
{
	enum { N = 1000000 };
	char (*ids)[ID_MAX] = calloc(N, ID_MAX);
	size_t i, same_ms = 0;

	ck_assert_ptr_nonnull(ids);
	/*
	 * Plain ifs in the loops: every ck_assert is a message to the Check
	 * parent and a million of them would dominate the run time.
	 */
	for (i = 0; i < N; i++) {
		if (id_new("dlv", ids[i], ID_MAX) != 0)
			ck_abort_msg("id_new failed at %zu", i);
		if (i > 0) {
			if (strcmp(ids[i - 1], ids[i]) >= 0)
				ck_abort_msg("%s !< %s", ids[i - 1], ids[i]);
			if (id_time(ids[i - 1]) == id_time(ids[i]))
				same_ms++;
		}
	}
	/* Far more ids than milliseconds elapsed: the same-ms path ran. */
	ck_assert_uint_gt(same_ms, N / 2);
	qsort(ids, N, ID_MAX, cmp_ids);
	for (i = 1; i < N; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			ck_abort_msg("duplicate %s", ids[i]);
	free(ids);
}
END_TEST

START_TEST(test_id_later_timestamp_sorts_later)
{
	char a[ID_MAX], b[ID_MAX];
	int64_t t;

	for (t = 1; t < (INT64_C(1) << 47); t = t * 3 + 1) {
		ck_assert_int_eq(id_new_at("evt", t - 1, a, sizeof(a)), 0);
		ck_assert_int_eq(id_new_at("evt", t, b, sizeof(b)), 0);
		ck_assert_msg(strcmp(a, b) < 0, "%s !< %s", a, b);
	}
}
END_TEST

/* Ids made one after the other at one timestamp ascend (tests seed
 * stores with them; the delivery indices' runs expect ids in order). */
START_TEST(test_id_new_at_in_a_row_at_one_time_ascend)
{
	char a[ID_MAX], b[ID_MAX];
	int i;

	ck_assert_int_eq(id_new_at("dlv", 1700000000000LL, a, sizeof(a)), 0);
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(id_new_at("dlv", 1700000000000LL, b,
		    sizeof(b)), 0);
		ck_assert_msg(strcmp(a, b) < 0, "%s !< %s", a, b);
		ck_assert_int_eq(id_time(b), 1700000000000LL);
		memcpy(a, b, sizeof(a));
	}
}
END_TEST

START_TEST(test_id_random_fills_and_differs)
{
	unsigned char a[64], b[64], zero[64];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	ck_assert_int_eq(id_random(a, sizeof(a)), 0);
	ck_assert_int_eq(id_random(b, sizeof(b)), 0);
	ck_assert_int_ne(memcmp(a, b, sizeof(a)), 0);
	ck_assert_int_ne(memcmp(a, zero, sizeof(a)), 0);
	ck_assert_int_eq(id_random(a, 0), 0);
}
END_TEST

static Suite *
id_suite(void)
{
	Suite *s = suite_create("id");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_id_has_prefix_and_26_crockford_chars);
	tcase_add_test(tc, test_id_refuses_too_small_output);
	tcase_add_test(tc, test_id_time_round_trips);
	tcase_add_test(tc, test_id_valid_rejects_malformed);
	tcase_add_test(tc, test_id_body_needs_the_whole_prefix_and_underscore);
	tcase_add_test(tc, test_id_million_ids_are_ordered_and_unique);
	tcase_add_test(tc, test_id_later_timestamp_sorts_later);
	tcase_add_test(tc, test_id_new_at_in_a_row_at_one_time_ascend);
	tcase_add_test(tc, test_id_random_fills_and_differs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(id_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
