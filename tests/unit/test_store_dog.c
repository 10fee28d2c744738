/*
 * test_store_dog.c - db/'s wedge watchdog (store.h): a process stuck inside
 * Berkeley DB after another's recovery wiped its registry slot, or while a
 * registrant is dead, exits STORE_WEDGED_EXIT (after the hook); a merely
 * slow transaction is left alone.  "Stuck" is played by a transaction
 * callback that sleeps (the watchdog cannot tell that from a mutex wait,
 * which is the point).  Children leave with _exit, never through Check.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db/store.h"
#include "tests/unit/store_fixture.h"

#define SLOT 25		/* __db.register line: "%24lu\n" */

/* home, setup and teardown: a fresh temp dir per test, no store */
FX_HOME_PER_TEST
static int hook_fd = -1;

/* The hook: tell the parent it ran, then let the store exit. */
static void
hook(void)
{
	char c = 'h';

	if (hook_fd >= 0)
		(void)!write(hook_fd, &c, 1);
}

struct nap {
	int fd;			/* write 'b' here once inside the txn */
	unsigned ms;
};

static int
nap_txn(struct store_txn *t, void *arg)
{
	struct nap *n = arg;
	struct timespec ts;
	char c = 'b';

	(void)t;
	if (n->fd >= 0)
		(void)!write(n->fd, &c, 1);
	ts.tv_sec = n->ms / 1000;
	ts.tv_nsec = (long)(n->ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return STORE_OK;
}

/* Child: open, set the hook, one transaction that naps ms, close, exit 0. */
static pid_t
napper(int fd, int hookfd, unsigned ms, int lock_timeout_ms)
{
	struct store_opts o = { home, 1, lock_timeout_ms, NULL, NULL, 0, 0 };
	struct store *s;
	struct nap n = { fd, ms };
	char err[512];
	pid_t p = fork();

	ck_assert_int_ge(p, 0);
	if (p != 0)
		return p;
	hook_fd = hookfd;
	store_set_wedged_hook(hook);
	if (store_open(&s, &o, err, sizeof(err)) != STORE_OK)
		_exit(90);
	if (store_txn(s, 0, nap_txn, &n, err, sizeof(err)) != STORE_OK)
		_exit(91);
	store_close(s);
	_exit(0);
}

/* Overwrite pid's registry slot as another process's recovery does. */
static int
wipe_slot(pid_t pid)
{
	char path[512], slot[SLOT + 1], mine[SLOT + 1];
	off_t pos;
	int fd, found = 0;

	snprintf(path, sizeof(path), "%s/__db.register", home);
	snprintf(mine, sizeof(mine), "%24lu\n", (unsigned long)pid);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	for (pos = 0; pread(fd, slot, SLOT, pos) == SLOT; pos += SLOT) {
		if (memcmp(slot, mine, SLOT) == 0) {
			ck_assert_int_eq(pwrite(fd, "X                      0\n",
			    SLOT, pos), SLOT);
			found = 1;
		}
	}
	close(fd);
	return found;
}

static void
make_env(void)
{
	store_close(fx_open(home, 1));
}

START_TEST(test_store_watchdog_exits_75_after_the_hook_when_recovery_wiped_our_slot)
{
	int bp[2], hp[2];
	pid_t p;
	double t0, took;
	char c;

	make_env();
	ck_assert_int_eq(pipe(bp), 0);
	ck_assert_int_eq(pipe(hp), 0);
	p = napper(bp[1], hp[1], 6000, 0);
	close(bp[1]);
	close(hp[1]);
	ck_assert_int_eq(read(bp[0], &c, 1), 1);	/* inside its txn */
	ck_assert(wipe_slot(p));
	t0 = fx_now_s();
	ck_assert_int_eq(fx_wait(p), STORE_WEDGED_EXIT);
	took = fx_now_s() - t0;
	fprintf(stderr, "slot wiped: watchdog exit after %.2f s\n", took);
	ck_assert_double_lt(took, 3.0);		/* not the 6 s nap */
	ck_assert_int_eq(read(hp[0], &c, 1), 1);	/* the hook ran */
	ck_assert_int_eq(c, 'h');
	close(bp[0]);
	close(hp[0]);
}
END_TEST

/* Child: a thread naps ms inside a transaction (writes 'b' to fd once
 * inside) while the main thread keeps running short transactions: the
 * watchdog must still see the stuck one. */
struct busy_nap {
	struct store *s;
	struct nap n;
};

static void *
busy_napper_thread(void *arg)
{
	struct busy_nap *b = arg;
	char err[512];

	(void)store_txn(b->s, 0, nap_txn, &b->n, err, sizeof(err));
	return NULL;
}

static pid_t
busy_napper(int fd, unsigned ms)
{
	struct store_opts o = { home, 1, 0, NULL, NULL, 0, 0 };
	struct busy_nap b;
	struct nap quick = { -1, 1 };
	pthread_t th;
	char err[512];
	pid_t p = fork();

	ck_assert_int_ge(p, 0);
	if (p != 0)
		return p;
	if (store_open(&b.s, &o, err, sizeof(err)) != STORE_OK)
		_exit(90);
	b.n.fd = fd;
	b.n.ms = ms;
	if (pthread_create(&th, NULL, busy_napper_thread, &b) != 0)
		_exit(92);
	for (;;) {
		if (store_txn(b.s, STORE_RDONLY, nap_txn, &quick, err,
		    sizeof(err)) != STORE_OK)
			_exit(91);
		if (pthread_tryjoin_np(th, NULL) == 0)
			break;
	}
	store_close(b.s);
	_exit(0);
}

START_TEST(test_store_watchdog_sees_a_stuck_thread_beside_a_busy_one)
{
	int bp[2];
	pid_t p;
	double t0, took;
	char c;

	make_env();
	ck_assert_int_eq(pipe(bp), 0);
	p = busy_napper(bp[1], 6000);
	close(bp[1]);
	ck_assert_int_eq(read(bp[0], &c, 1), 1);	/* inside its txn */
	ck_assert(wipe_slot(p));
	t0 = fx_now_s();
	ck_assert_int_eq(fx_wait(p), STORE_WEDGED_EXIT);
	took = fx_now_s() - t0;
	fprintf(stderr, "stuck thread beside a busy one: watchdog exit after "
	    "%.2f s\n", took);
	ck_assert_double_lt(took, 3.0);		/* not the 6 s nap */
	close(bp[0]);
}
END_TEST

START_TEST(test_store_watchdog_exits_when_a_registrant_died_and_we_do_not_move)
{
	int bp[2], ap[2];
	pid_t a, b;
	double t0, took;
	char c;
	struct store *s;

	make_env();
	/* A: registers, then idles in its txn until killed */
	ck_assert_int_eq(pipe(ap), 0);
	a = napper(ap[1], -1, 60000, 200);
	close(ap[1]);
	ck_assert_int_eq(read(ap[0], &c, 1), 1);
	/* B: "stuck" (a long nap in its txn) beside A */
	ck_assert_int_eq(pipe(bp), 0);
	b = napper(bp[1], -1, 8000, 200);
	close(bp[1]);
	ck_assert_int_eq(read(bp[0], &c, 1), 1);
	kill(a, SIGKILL);
	ck_assert_int_eq(fx_wait(a), 128 + SIGKILL);
	t0 = fx_now_s();
	/* lock timeout 200 ms: B is "stuck" past any lock wait at 1.4 s */
	ck_assert_int_eq(fx_wait(b), STORE_WEDGED_EXIT);
	took = fx_now_s() - t0;
	fprintf(stderr, "dead registrant: watchdog exit after %.2f s\n", took);
	ck_assert_double_lt(took, 5.0);
	close(ap[0]);
	close(bp[0]);
	/* the next opener recovers and works */
	s = fx_open(home, 1);
	{
		struct nap n = { -1, 0 };

		ck_assert_int_eq(fx_txn(s, 0, nap_txn, &n), STORE_OK);
	}
	store_close(s);
}
END_TEST

START_TEST(test_store_watchdog_leaves_a_slow_transaction_alone)
{
	pid_t p;

	make_env();
	/* 2.5 s in one try, nobody dead, our slot intact: not wedged */
	p = napper(-1, -1, 2500, 0);
	ck_assert_int_eq(fx_wait(p), 0);
}
END_TEST

static Suite *
dog_suite(void)
{
	Suite *su = suite_create("store_dog");
	TCase *tc = tcase_create("dog");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc,
	    test_store_watchdog_exits_75_after_the_hook_when_recovery_wiped_our_slot);
	tcase_add_test(tc,
	    test_store_watchdog_exits_when_a_registrant_died_and_we_do_not_move);
	tcase_add_test(tc, test_store_watchdog_leaves_a_slow_transaction_alone);
	tcase_add_test(tc,
	    test_store_watchdog_sees_a_stuck_thread_beside_a_busy_one);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(dog_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
