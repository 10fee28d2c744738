/*
 * test_sender.c - the sender's pure parts: Retry-After parsing, the retry
 * schedule with jitter, the in-flight id set and the per-webhook rate
 * limit.  (The signature test vector lives in test_sign.c.)
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sender/backoff.h"
#include "sender/idset.h"
#include "sender/retryafter.h"
#include "sender/whtab.h"

/* 2015-10-21T07:28:00Z */
#define T0 1445412480000LL

START_TEST(test_retryafter_delta_seconds)
{
	int64_t d = -1;

	ck_assert_int_eq(retryafter_parse("120", T0, &d), 0);
	ck_assert_int_eq(d, 120000);
	ck_assert_int_eq(retryafter_parse("  0 ", T0, &d), 0);
	ck_assert_int_eq(d, 0);
}
END_TEST

START_TEST(test_retryafter_http_date_imf_fixdate)
{
	int64_t d = -1;

	ck_assert_int_eq(retryafter_parse("Wed, 21 Oct 2015 07:28:30 GMT", T0,
	    &d), 0);
	ck_assert_int_eq(d, 30000);
}
END_TEST

START_TEST(test_retryafter_obsolete_date_forms)
{
	int64_t d = -1;

	ck_assert_int_eq(retryafter_parse("Wednesday, 21-Oct-15 07:29:00 GMT",
	    T0, &d), 0);
	ck_assert_int_eq(d, 60000);
	ck_assert_int_eq(retryafter_parse("Wed Oct 21 07:28:10 2015", T0, &d),
	    0);
	ck_assert_int_eq(d, 10000);
}
END_TEST

START_TEST(test_retryafter_date_in_past_is_zero)
{
	int64_t d = -1;

	ck_assert_int_eq(retryafter_parse("Wed, 21 Oct 2015 07:00:00 GMT", T0,
	    &d), 0);
	ck_assert_int_eq(d, 0);
}
END_TEST

START_TEST(test_retryafter_clamped_to_24h)
{
	int64_t d = -1;

	ck_assert_int_eq(retryafter_parse("999999999999999999999999", T0, &d),
	    0);
	ck_assert_int_eq(d, RETRYAFTER_MAX_MS);
	ck_assert_int_eq(retryafter_parse("Thu, 21 Oct 2027 07:28:00 GMT", T0,
	    &d), 0);
	ck_assert_int_eq(d, RETRYAFTER_MAX_MS);
}
END_TEST

START_TEST(test_retryafter_rejects_garbage)
{
	int64_t d = 42;

	ck_assert_int_eq(retryafter_parse("", T0, &d), -1);
	ck_assert_int_eq(retryafter_parse("-5", T0, &d), -1);
	ck_assert_int_eq(retryafter_parse("1.5", T0, &d), -1);
	ck_assert_int_eq(retryafter_parse("12abc", T0, &d), -1);
	ck_assert_int_eq(retryafter_parse("soon", T0, &d), -1);
	ck_assert_int_eq(retryafter_parse("Wed, 21 Oct 2015 07:28:30 GMT x",
	    T0, &d), -1);
	ck_assert_int_eq(retryafter_parse("Wed, 32 Oct 2015 07:28:30 GMT", T0,
	    &d), -1);
	ck_assert_int_eq(d, 42);	/* untouched on error */
}
END_TEST

START_TEST(test_backoff_jitter_within_20_percent)
{
	int i;
	int64_t v, lo = INT64_MAX, hi = 0;

	ck_assert_int_eq(backoff_jitter(0, 0.5), 0);
	ck_assert_int_eq(backoff_jitter(10000, 0.0), 8000);
	ck_assert_int_eq(backoff_jitter(10000, 0.5), 10000);
	ck_assert_int_le(backoff_jitter(10000, 0.9999999), 12000);
	for (i = 0; i < 10000; i++) {
		v = backoff_jitter(10000, backoff_random());
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	ck_assert_int_ge(lo, 8000);
	ck_assert_int_le(hi, 12000);
	/* the generator does spread: both ends are reached closely */
	ck_assert_int_lt(lo, 8100);
	ck_assert_int_gt(hi, 11900);
}
END_TEST

START_TEST(test_backoff_follows_schedule_then_exhausts)
{
	const int64_t s[] = { 0, 5000, 300000 };

	/* after 1 attempt: entry 1; after 2: entry 2; after 3: failed */
	ck_assert_int_eq(backoff_next(s, 3, 1, -1, 0.5), 5000);
	ck_assert_int_eq(backoff_next(s, 3, 2, -1, 0.5), 300000);
	ck_assert_int_eq(backoff_next(s, 3, 3, -1, 0.5), -1);
	ck_assert_int_eq(backoff_next(s, 3, 7, -1, 0.5), -1);
	ck_assert_int_eq(backoff_next(s, 3, 0, -1, 0.9), 0);	/* 0 no jitter */
}
END_TEST

START_TEST(test_backoff_retry_after_never_sooner_never_over_24h)
{
	const int64_t s[] = { 0, 5000, 300000 };

	/* Retry-After shorter than the schedule: the schedule wins */
	ck_assert_int_eq(backoff_next(s, 3, 2, 1000, 0.5), 300000);
	/* longer: Retry-After wins */
	ck_assert_int_eq(backoff_next(s, 3, 1, 60000, 0.5), 60000);
	/* beyond 24 h: clamped */
	ck_assert_int_eq(backoff_next(s, 3, 1, 48LL * 3600 * 1000, 0.5),
	    RETRYAFTER_MAX_MS);
	/* exhausted stays exhausted */
	ck_assert_int_eq(backoff_next(s, 3, 3, 1000, 0.5), -1);
}
END_TEST

START_TEST(test_idset_add_has_del_under_collisions)
{
	struct idset *s = idset_new(300);
	char id[40];
	int i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "dlv_%05d", i);
		ck_assert_int_eq(idset_add(s, id), 0);
	}
	ck_assert_int_eq(idset_add(s, "dlv_00007"), 1);
	ck_assert_int_eq(idset_add(s, "one_too_many"), -1);
	for (i = 0; i < 300; i += 2) {
		snprintf(id, sizeof(id), "dlv_%05d", i);
		idset_del(s, id);
	}
	ck_assert_uint_eq(idset_count(s), 150);
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "dlv_%05d", i);
		ck_assert_int_eq(idset_has(s, id), i % 2);
	}
	idset_free(s);
}
END_TEST

/* A fixed pseudo-random sequence (xorshift32). */
static uint32_t
idset_rnd(uint32_t *st)
{
	uint32_t x = *st;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *st = x;
}

/* Random adds and deletes in a small table (runs that wrap around its end,
 * deletions that shift them back) against a plain list. */
START_TEST(test_idset_matches_a_list_under_random_use)
{
	struct idset *s = idset_new(12);	/* 32 slots */
	int in[40], i, k, n = 0;
	uint32_t st = 3;
	char id[16];

	ck_assert_ptr_nonnull(s);
	memset(in, 0, sizeof(in));
	for (k = 0; k < 20000; k++) {
		i = (int)(idset_rnd(&st) % 40);
		snprintf(id, sizeof(id), "dlv_%d", i);
		if (idset_rnd(&st) % 2) {
			int r = idset_add(s, id);

			if (in[i])
				ck_assert_int_eq(r, 1);
			else if (n >= 12)
				ck_assert_int_eq(r, -1);
			else {
				ck_assert_int_eq(r, 0);
				in[i] = 1;
				n++;
			}
		} else {
			idset_del(s, id);
			n -= in[i];
			in[i] = 0;
		}
		ck_assert_uint_eq(idset_count(s), (size_t)n);
		for (i = 0; i < 40; i++) {
			snprintf(id, sizeof(id), "dlv_%d", i);
			ck_assert_int_eq(idset_has(s, id), in[i]);
		}
	}
	idset_free(s);
}
END_TEST

START_TEST(test_whtab_rate_limit_spaces_starts)
{
	struct whtab *t = whtab_new();
	struct whstate *w;
	int64_t when = 0, now = 1000000000;
	int i, n = 0;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < 200; i++) {	/* grows the table */
		char id[16];

		snprintf(id, sizeof(id), "wh_%d", i);
		ck_assert_ptr_nonnull(whtab_get(t, id));
	}
	w = whtab_get(t, "wh_7");
	ck_assert_ptr_eq(w, whtab_find(t, "wh_7"));
	ck_assert_ptr_null(whtab_find(t, "wh_unknown"));
	w->rate_limit = 10;		/* one start per 100 ms */
	ck_assert_int_eq(whtab_rate_take(w, now, &when), 1);
	ck_assert_int_eq(whtab_rate_take(w, now + 1000, &when), 0);
	ck_assert_int_eq(when, now + 100000);
	/* over one simulated second, about 10 starts */
	for (i = 0; i < 1000; i++)
		n += whtab_rate_take(w, now + i * 1000, &when);
	ck_assert_int_ge(n, 9);
	ck_assert_int_le(n, 10);
	w->rate_limit = 0;
	ck_assert_int_eq(whtab_rate_take(w, now, &when), 1);
	whtab_free(t);
}
END_TEST

static Suite *
sender_suite(void)
{
	Suite *s = suite_create("sender");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_retryafter_delta_seconds);
	tcase_add_test(tc, test_retryafter_http_date_imf_fixdate);
	tcase_add_test(tc, test_retryafter_obsolete_date_forms);
	tcase_add_test(tc, test_retryafter_date_in_past_is_zero);
	tcase_add_test(tc, test_retryafter_clamped_to_24h);
	tcase_add_test(tc, test_retryafter_rejects_garbage);
	tcase_add_test(tc, test_backoff_jitter_within_20_percent);
	tcase_add_test(tc, test_backoff_follows_schedule_then_exhausts);
	tcase_add_test(tc, test_backoff_retry_after_never_sooner_never_over_24h);
	tcase_add_test(tc, test_idset_add_has_del_under_collisions);
	tcase_add_test(tc, test_idset_matches_a_list_under_random_use);
	tcase_add_test(tc, test_whtab_rate_limit_spaces_starts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sender_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
