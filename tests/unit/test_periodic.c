/*
 * test_periodic.c - lib/periodic: fn runs at its period on its own thread,
 * not before the first period, a stop wakes a long wait at once and joins
 * (no call after it), and a stopped periodic starts again.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "lib/periodic.h"

struct counter {
	int n;
	pthread_t thread;	/* who made the last call */
};

static void
count(void *arg)
{
	struct counter *c = arg;

	__atomic_add_fetch(&c->n, 1, __ATOMIC_RELAXED);
	c->thread = pthread_self();
}

static int
counted(struct counter *c)
{
	return __atomic_load_n(&c->n, __ATOMIC_RELAXED);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

START_TEST(test_periodic_calls_fn_every_period_on_its_own_thread)
{
	struct periodic p = { 0 };
	struct counter c = { 0 };
	int n;

	ck_assert_int_eq(periodic_start(&p, 20, count, &c), 0);
	nap_ms(400);
	periodic_stop(&p);
	n = counted(&c);
	/* 20 calls at most in 400 ms; a loaded machine may give fewer */
	ck_assert_int_ge(n, 3);
	ck_assert_int_le(n, 21);
	ck_assert(!pthread_equal(c.thread, pthread_self()));
	nap_ms(60);
	ck_assert_int_eq(counted(&c), n);	/* none after the stop */
}
END_TEST

START_TEST(test_periodic_first_call_waits_one_period)
{
	struct periodic p = { 0 };
	struct counter c = { 0 };

	ck_assert_int_eq(periodic_start(&p, 300, count, &c), 0);
	nap_ms(50);
	ck_assert_int_eq(counted(&c), 0);
	periodic_stop(&p);
	ck_assert_int_eq(counted(&c), 0);
}
END_TEST

START_TEST(test_periodic_stop_does_not_wait_out_a_long_period)
{
	struct periodic p = { 0 };
	struct counter c = { 0 };
	double t0;

	ck_assert_int_eq(periodic_start(&p, 60000, count, &c), 0);
	nap_ms(20);
	t0 = now_s();
	periodic_stop(&p);
	ck_assert_double_lt(now_s() - t0, 2.0);
	ck_assert_int_eq(counted(&c), 0);
}
END_TEST

START_TEST(test_periodic_starts_again_after_stop_and_stop_twice_is_harmless)
{
	struct periodic p = { 0 };
	struct counter c = { 0 };

	periodic_stop(&p);		/* never started: nothing */
	ck_assert_int_eq(periodic_start(&p, 10, count, &c), 0);
	periodic_stop(&p);
	periodic_stop(&p);
	c.n = 0;
	ck_assert_int_eq(periodic_start(&p, 10, count, &c), 0);
	nap_ms(200);
	periodic_stop(&p);
	ck_assert_int_ge(counted(&c), 1);
}
END_TEST

static Suite *
periodic_suite(void)
{
	Suite *s = suite_create("periodic");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_periodic_calls_fn_every_period_on_its_own_thread);
	tcase_add_test(tc, test_periodic_first_call_waits_one_period);
	tcase_add_test(tc, test_periodic_stop_does_not_wait_out_a_long_period);
	tcase_add_test(tc,
	    test_periodic_starts_again_after_stop_and_stop_twice_is_harmless);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(periodic_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
