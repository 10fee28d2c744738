/*
 * test_store_panic.c - db/ when storage fails under a live handle: another
 * process runs recovery (the handle is panicked, DB_RUNRECOVERY, and must
 * reopen), or writes fail (file size limit standing in for a full disk).
 *
 * Leak checking: Berkeley DB does not free all of a panicked handle's
 * memory when it is closed (its close returns early), so leaks whose
 * stack is inside libdb are suppressed in this program only; the other
 * store tests run with full leak checking.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <db.h>

#include "db/env.h"	/* white box: struct store's open count */
#include "db/store.h"
#include "tests/unit/store_fixture.h"

const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libdb-5.3.so\n";
}

/* home, setup and teardown: a fresh temp dir per test, no store */
FX_HOME_PER_TEST

static int
count_events(struct store_txn *t, void *arg)
{
	struct store_counts c;
	int rc;

	if ((rc = store_counts(t, &c)) != STORE_OK)
		return rc;
	*(uint64_t *)arg = c.events;
	return STORE_OK;
}

/* ---- a dead process, and recovery by someone else ------------------- */

static int
noop_read(struct store_txn *t, void *arg)
{
	return count_events(t, arg);
}

static int
one_event(struct store_txn *t, void *arg)
{
	struct store_event e = fx_evt("evt_keep", 1, "{}");

	(void)arg;
	return store_event_put(t, &e);
}

/*
 * Another process opens the environment and dies (SIGKILL) while
 * registered; a newcomer then opens it (DB_REGISTER sees the dead one:
 * recovery) and closes.  Both are forked before the test opens its own
 * store (fx_fork_later), released by die_registered / open_and_recover.
 */
struct recovery {
	struct fx_later die, recover;
	int opened[2];		/* the dying one says it has opened */
};

static void
child_die(void *arg)
{
	struct recovery *r = arg;
	struct store *s2 = fx_child_open(home, 1);

	(void)s2;
	if (write(r->opened[1], "o", 1) != 1)
		_exit(99);
	for (;;)
		pause();
}

static void
child_open_close(void *arg)
{
	struct store *s2 = fx_child_open(home, 1);

	(void)arg;
	store_close(s2);
	_exit(0);
}

static void
prefork_recovery(struct recovery *r)
{
	ck_assert_int_eq(pipe(r->opened), 0);
	r->die = fx_fork_later(child_die, r);
	r->recover = fx_fork_later(child_open_close, NULL);
}

static void
die_registered(struct recovery *r)
{
	char c;

	fx_go(&r->die);
	ck_assert_int_eq(read(r->opened[0], &c, 1), 1);
	kill(r->die.pid, SIGKILL);
	ck_assert_int_eq(fx_wait(r->die.pid), 128 + SIGKILL);
	close(r->opened[0]);
	close(r->opened[1]);
}

static void
open_and_recover(struct recovery *r)
{
	fx_go(&r->recover);
	ck_assert_int_eq(fx_wait(r->recover.pid), 0);
}

/* A process dies while registered in the environment; a newcomer opens
 * it, DB_REGISTER notices and runs recovery, which panics our live
 * handle: its next store_txn reopens transparently (the panic shows at
 * txn_begin, before any work) and sees the data. */
START_TEST(test_store_live_handle_goes_on_after_recovery_for_dead_process)
{
	struct recovery rec;
	struct store *s;
	char err[512];
	uint64_t events;
	int rc, i;

	prefork_recovery(&rec);
	s = fx_open(home, 1);
	ck_assert_int_eq(fx_txn(s, 0, one_event, NULL), 0);
	die_registered(&rec);
	open_and_recover(&rec);
	ck_assert_uint_eq(s->opens, 1);
	for (i = 0; i < 3; i++) {
		events = 0;
		rc = store_txn(s, STORE_RDONLY, noop_read, &events, err,
		    sizeof(err));
		if (rc != STORE_OK)
			fprintf(stderr, "after a dead process: %s\n", err);
		ck_assert_int_eq(rc, STORE_OK);
		ck_assert_uint_eq(events, 1);
	}
	ck_assert_uint_eq(s->opens, 2);	/* recovery ran: reopened once */
	store_close(s);
}
END_TEST

/* Three threads on one handle (as in hookd-send) while another process's
 * recovery panics it: every thread gets through, the handles are reopened
 * exactly once (under the handle's write lock: never under a thread that is
 * inside Berkeley DB, one of them in a 300 ms transaction at the time), and
 * all threads work again afterwards. */
struct worker_arg {
	struct store *s;
	volatile int *stop;
	int slow;		/* naps inside each transaction */
	unsigned ok, err, ok_after;
	volatile int *recovered;
};

static int
nap_read(struct store_txn *t, void *arg)
{
	struct timespec ts = { 0, 300 * 1000000L };
	uint64_t n;

	(void)arg;
	nanosleep(&ts, NULL);
	return count_events(t, &n);
}

static void *
worker(void *arg)
{
	struct worker_arg *w = arg;
	char err[512];
	uint64_t n;
	int rc;

	while (!__atomic_load_n(w->stop, __ATOMIC_ACQUIRE)) {
		rc = store_txn(w->s, STORE_RDONLY, w->slow ? nap_read : noop_read,
		    &n, err, sizeof(err));
		if (rc == STORE_OK) {
			w->ok++;
			if (__atomic_load_n(w->recovered, __ATOMIC_ACQUIRE))
				w->ok_after++;
		} else {
			w->err++;
		}
	}
	return NULL;
}

START_TEST(test_store_threads_reopen_once_when_recovery_panics_the_handle)
{
	struct worker_arg wa[3];
	pthread_t th[3];
	volatile int stop = 0, recovered = 0;
	struct store *s;
	struct timespec ts = { 0, 400 * 1000000L };
	struct recovery rec;
	int i;

	prefork_recovery(&rec);
	s = fx_open(home, 1);
	ck_assert_int_eq(fx_txn(s, 0, one_event, NULL), 0);
	for (i = 0; i < 3; i++) {
		memset(&wa[i], 0, sizeof(wa[i]));
		wa[i].s = s;
		wa[i].stop = &stop;
		wa[i].recovered = &recovered;
		wa[i].slow = i == 0;
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &wa[i]), 0);
	}
	die_registered(&rec);
	nanosleep(&ts, NULL);
	open_and_recover(&rec);
	__atomic_store_n(&recovered, 1, __ATOMIC_RELEASE);
	nanosleep(&ts, NULL);
	nanosleep(&ts, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		fprintf(stderr, "thread %d: %u ok (%u after recovery), %u "
		    "failed\n", i, wa[i].ok, wa[i].ok_after, wa[i].err);
		ck_assert_uint_gt(wa[i].ok_after, 0);
	}
	ck_assert_uint_eq(s->opens, 2);	/* reopened once for all */
	store_close(s);
}
END_TEST

/* Recovery run by another process while we are inside a transaction (a
 * private DB_RECOVER open, as the db_recover utility does): the rest of
 * our transaction fails, store_txn returns STORE_ERR naming recovery; the
 * next store_txn reopens, the committed event is there, the aborted one
 * is not. */
static void
child_private_recover(void *arg)
{
	DB_ENV *env;

	(void)arg;
	if (db_env_create(&env, 0) != 0 || env->open(env, home,
	    DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL |
	    DB_INIT_TXN | DB_RECOVER | DB_PRIVATE, 0600) != 0)
		_exit(1);
	env->close(env, 0);
	_exit(0);
}

/* arg: the recovering child, forked before the store was opened */
static int
put_then_recover_elsewhere(struct store_txn *t, void *arg)
{
	struct fx_later *rec = arg;
	struct store_event e = fx_evt("evt_lost", 2, "{}");
	int rc;

	if ((rc = store_event_put(t, &e)) != STORE_OK)
		return rc;
	if (rec->go < 0)
		return 43;	/* run twice: the child is spent */
	fx_go(rec);
	if (fx_wait(rec->pid) != 0)
		return 42;
	e = fx_evt("evt_lost2", 3, "{}");
	return store_event_put(t, &e);
}

static int
get_two(struct store_txn *t, void *arg)
{
	struct store_event e;
	int *found = arg;

	found[0] = store_event_get(t, "evt_keep", 0, &e);
	found[1] = store_event_get(t, "evt_lost", 0, &e);
	return STORE_OK;
}

START_TEST(test_store_recovery_inside_txn_is_err_then_reopens)
{
	struct store *s;
	char err[512];
	int rc, found[2];
	struct fx_later rec = fx_fork_later(child_private_recover, NULL);

	s = fx_open(home, 1);
	ck_assert_int_eq(fx_txn(s, 0, one_event, NULL), 0);
	rc = store_txn(s, 0, put_then_recover_elsewhere, &rec, err,
	    sizeof(err));
	ck_assert_int_eq(rc, STORE_ERR);
	fprintf(stderr, "recovery inside a txn: %s\n", err);
	ck_assert_ptr_nonnull(strstr(err, "recovery"));
	ck_assert_int_eq(store_check(s, err, sizeof(err)), STORE_OK);
	rc = store_txn(s, STORE_RDONLY, get_two, found, err, sizeof(err));
	if (rc != STORE_OK)
		fprintf(stderr, "reopen: %s\n", err);
	ck_assert_int_eq(rc, STORE_OK);
	ck_assert_int_eq(found[0], STORE_OK);
	ck_assert_int_eq(found[1], STORE_NOTFOUND);
	store_close(s);
}
END_TEST

/* Writes that fail at the OS (RLIMIT_FSIZE: EFBIG, standing in for
 * ENOSPC) are STORE_ERR with a message saying so, never a crash; what was
 * committed before is still there after a reopen without the limit. */
struct big {
	int n;
	char *body;
};

static int
put_big(struct store_txn *t, void *arg)
{
	struct big *b = arg;
	char id[32];
	struct store_event e;

	snprintf(id, sizeof(id), "evt_big%04d", b->n);
	e = fx_evt(id, b->n, "");
	e.body = b->body;
	e.body_len = 64 * 1024;
	return store_event_put(t, &e);
}

static int
get_big(struct store_txn *t, void *arg)
{
	struct big *b = arg;
	struct store_event e;
	char id[32];
	int i, rc;

	for (i = 0; i < b->n; i++) {
		snprintf(id, sizeof(id), "evt_big%04d", i);
		if ((rc = store_event_get(t, id, 1, &e)) != STORE_OK)
			return rc;
		if (e.body_len != 64 * 1024)
			return 99;
		store_event_free(&e);
	}
	return STORE_OK;
}

START_TEST(test_store_write_failure_is_err_with_reason)
{
	struct store *s = fx_open(home, 0);
	struct rlimit rl, old;
	struct big b = { 0, malloc(64 * 1024) };
	char err[512] = "";
	int rc = STORE_OK;

	ck_assert_ptr_nonnull(b.body);
	memset(b.body, 'x', 64 * 1024);
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	rl = old;
	rl.rlim_cur = 3 * 1024 * 1024;	/* soft limit: can be raised again */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	for (b.n = 0; b.n < 200; b.n++)
		if ((rc = store_txn(s, 0, put_big, &b, err, sizeof(err))) !=
		    STORE_OK)
			break;
	fprintf(stderr, "write failure after %d events: %s\n", b.n, err);
	ck_assert_int_eq(rc, STORE_ERR);
	ck_assert_int_gt(b.n, 0);
	ck_assert_ptr_nonnull(strstr(err, "file size limit"));
	store_close(s);

	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	s = fx_open(home, 0);
	rc = store_txn(s, STORE_RDONLY, get_big, &b, err, sizeof(err));
	if (rc != STORE_OK)
		fprintf(stderr, "after the limit: %s\n", err);
	ck_assert_int_eq(rc, STORE_OK);
	store_close(s);
	free(b.body);
}
END_TEST

/* Other processes opening and closing cleanly (and one closing with a
 * transaction's worth of writes) leave nothing that makes the next opener
 * recover: our handle is never panicked, never reopened. */
/* Child: open (sync when *arg is 0), one write when *arg is 2, close. */
static void
child_open_write_close(void *arg)
{
	int i = *(int *)arg;
	struct store *s2 = fx_child_open(home, i == 1 ? 0 : 1);
	char err[512];

	if (i == 2 && store_txn(s2, 0, one_event, NULL, err, sizeof(err)) !=
	    STORE_OK)
		_exit(1);
	store_close(s2);
	_exit(0);
}

START_TEST(test_store_clean_close_elsewhere_forces_no_recovery)
{
	static int which[3] = { 0, 1, 2 };
	struct fx_later kid[3];
	struct store *s;
	char err[512];
	uint64_t events = 0;
	int i;

	for (i = 0; i < 3; i++)
		kid[i] = fx_fork_later(child_open_write_close, &which[i]);
	s = fx_open(home, 1);
	ck_assert_uint_eq(s->opens, 1);
	for (i = 0; i < 3; i++) {
		fx_go(&kid[i]);
		ck_assert_int_eq(fx_wait(kid[i].pid), 0);
		ck_assert_int_eq(store_txn(s, STORE_RDONLY, noop_read, &events,
		    err, sizeof(err)), STORE_OK);
	}
	ck_assert_uint_eq(events, 1);
	ck_assert_uint_eq(s->opens, 1);
	store_close(s);
}
END_TEST

static Suite *
panic_suite(void)
{
	Suite *su = suite_create("store_panic");
	TCase *tc = tcase_create("panic");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
	    test_store_live_handle_goes_on_after_recovery_for_dead_process);
	tcase_add_test(tc, test_store_recovery_inside_txn_is_err_then_reopens);
	tcase_add_test(tc,
	    test_store_threads_reopen_once_when_recovery_panics_the_handle);
	tcase_add_test(tc, test_store_write_failure_is_err_with_reason);
	tcase_add_test(tc, test_store_clean_close_elsewhere_forces_no_recovery);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(panic_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
