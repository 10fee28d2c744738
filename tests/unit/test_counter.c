/*
 * test_counter.c - db/counter.c: attempts sorted by outcome and duration
 * bucket (bounds inclusive), added to the stored counters, which a new
 * handle on the environment (a restarted sender) reads back; an aborted
 * transaction adds nothing.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "db/counter.h"
#include "db/store.h"
#include "tests/unit/store_fixture.h"

static char *home;
static struct store *s;

static void
setup(void)
{
	home = fx_tmpdir();
	s = fx_open(home, 1);
}

static void
teardown(void)
{
	if (s != NULL)
		store_close(s);
	fx_rmdir(home);
	free(home);
}

static int
add_txn(struct store_txn *t, void *arg)
{
	return store_counter_add(t, arg);
}

/* Adds, then aborts with 1. */
static int
add_abort_txn(struct store_txn *t, void *arg)
{
	int rc = store_counter_add(t, arg);

	return rc == STORE_OK ? 1 : rc;
}

static int
get_txn(struct store_txn *t, void *arg)
{
	return store_counter_get(t, arg);
}

START_TEST(test_counter_sorts_attempts_by_outcome_and_bucket)
{
	struct store_counter c;

	memset(&c, 0, sizeof(c));
	store_counter_count(&c, 200, 5);	/* <= 5 ms: first bucket */
	store_counter_count(&c, 204, 6);	/* second */
	store_counter_count(&c, 503, 60000);	/* last bound */
	store_counter_count(&c, 302, 60001);	/* +Inf */
	store_counter_count(&c, 0, 0);		/* no answer */
	ck_assert_uint_eq(c.attempts[STORE_OUTCOME_DELIVERED], 2);
	ck_assert_uint_eq(c.attempts[STORE_OUTCOME_FAILED], 2);
	ck_assert_uint_eq(c.attempts[STORE_OUTCOME_ERROR], 1);
	ck_assert_uint_eq(c.dur[0], 2);
	ck_assert_uint_eq(c.dur[1], 1);
	ck_assert_uint_eq(c.dur[STORE_DUR_BUCKETS - 2], 1);
	ck_assert_uint_eq(c.dur[STORE_DUR_BUCKETS - 1], 1);
	ck_assert_uint_eq(c.dur_sum_ms, 5 + 6 + 60000 + 60001);
}
END_TEST

START_TEST(test_counter_adds_up_and_survives_a_new_handle)
{
	struct store_counter d, got;

	memset(&got, 1, sizeof(got));
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, get_txn, &got), STORE_OK);
	ck_assert_uint_eq(got.attempts[STORE_OUTCOME_DELIVERED], 0);
	memset(&d, 0, sizeof(d));
	store_counter_count(&d, 200, 30);
	store_counter_count(&d, 0, 1500);
	ck_assert_int_eq(fx_txn(s, 0, add_txn, &d), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, add_txn, &d), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, add_abort_txn, &d), 1);
	store_close(s);
	s = fx_open(home, 1);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, get_txn, &got), STORE_OK);
	ck_assert_uint_eq(got.attempts[STORE_OUTCOME_DELIVERED], 2);
	ck_assert_uint_eq(got.attempts[STORE_OUTCOME_FAILED], 0);
	ck_assert_uint_eq(got.attempts[STORE_OUTCOME_ERROR], 2);
	ck_assert_uint_eq(got.dur[3], 2);		/* 30 ms: <= 50 */
	ck_assert_uint_eq(got.dur[8], 2);		/* 1.5 s: <= 2.5 */
	ck_assert_uint_eq(got.dur_sum_ms, 2 * 1530);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("counter");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_counter_sorts_attempts_by_outcome_and_bucket);
	tcase_add_test(tc, test_counter_adds_up_and_survives_a_new_handle);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
