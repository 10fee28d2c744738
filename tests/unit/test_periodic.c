/*
 * test_periodic.c - lib/periodic: fn runs at its period on its own thread,
 * not before the first period, a stop wakes a long wait at once and joins
 * (no call after it), and a stopped periodic starts again.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
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

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static struct periodic p;
static struct counter c;

/* A fresh counter, a periodic counting into it every ms. */
static void
start(long ms)
{
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(periodic_start(&p, ms, count, &c), 0);
}

START_TEST(test_periodic_calls_fn_every_period_on_its_own_thread)
{
	int n;

	start(20);
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
	start(300);
	nap_ms(50);
	ck_assert_int_eq(counted(&c), 0);
	periodic_stop(&p);
	ck_assert_int_eq(counted(&c), 0);
}
END_TEST

START_TEST(test_periodic_stop_does_not_wait_out_a_long_period)
{
	time_t t0;

	start(60000);
	nap_ms(20);
	t0 = time(NULL);
	periodic_stop(&p);
	ck_assert_int_le(time(NULL) - t0, 2);
	ck_assert_int_eq(counted(&c), 0);
}
END_TEST

START_TEST(test_periodic_starts_again_after_stop_and_stop_twice_is_harmless)
{
	memset(&p, 0, sizeof(p));
	periodic_stop(&p);		/* never started: nothing */
	start(10);
	periodic_stop(&p);
	periodic_stop(&p);
	start(10);
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
