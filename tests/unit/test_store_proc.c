/*
 * test_store_proc.c - db/ with several processes on one environment:
 * idempotency races, a writer SIGKILLed mid-stream, a lock holder killed
 * while others wait, deadlock-heavy concurrent writers.  (Recovery under a
 * live handle is in test_store_panic.c.)  Children talk to the parent over pipes
 * and leave with _exit (never through Check).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db/store.h"
#include "tests/unit/store_fixture.h"

/* home, setup and teardown: a fresh temp dir per test, no store */
FX_HOME_PER_TEST

/* ---- idempotency race: two processes put the same ids ------------------ */

#define RACE_IDS 20

struct race_arg {
	const char *id;
};

static int
race_put(struct store_txn *t, void *arg)
{
	struct race_arg *ra = arg;
	struct store_event e = fx_evt(ra->id, 1000, "{\"a\":1}");
	int rc;

	if ((rc = store_event_put(t, &e)) != STORE_OK)
		return rc;
	usleep(3000);	/* hold the lock: the other one must wait or lose */
	return STORE_OK;
}

static void
race_child(int ready_w, int go_r, int res_w)
{
	struct store *s = fx_child_open(home, 1);
	char err[512], id[16], c;
	struct race_arg ra = { id };
	int i, rc;

	if (write(ready_w, "r", 1) != 1 || read(go_r, &c, 1) != 1)
		_exit(91);
	for (i = 0; i < RACE_IDS; i++) {
		snprintf(id, sizeof(id), "evt_race%02d", i);
		rc = store_txn(s, 0, race_put, &ra, err, sizeof(err));
		if (write(res_w, &rc, sizeof(rc)) != sizeof(rc))
			_exit(92);
	}
	store_close(s);
	_exit(0);
}

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

START_TEST(test_store_event_put_race_on_one_id_has_one_winner)
{
	int ready[2], go[2], res[2][2];
	pid_t pid[2];
	int i, k, rc[2][RACE_IDS];
	char c;
	uint64_t events;
	struct store *s;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(pipe(res[k]), 0);
		pid[k] = fork();
		ck_assert_int_ge(pid[k], 0);
		if (pid[k] == 0)
			race_child(ready[1], go[0], res[k][1]);
		close(res[k][1]);
	}
	for (k = 0; k < 2; k++)
		ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(write(go[1], "gg", 2), 2);
	for (k = 0; k < 2; k++)
		for (i = 0; i < RACE_IDS; i++)
			ck_assert_int_eq(fx_read_full(res[k][0], &rc[k][i],
			    sizeof(int)), 0);
	for (k = 0; k < 2; k++)
		ck_assert_int_eq(fx_wait(pid[k]), 0);
	for (i = 0; i < RACE_IDS; i++) {
		ck_assert(rc[0][i] == STORE_OK || rc[0][i] == STORE_EXISTS);
		ck_assert(rc[1][i] == STORE_OK || rc[1][i] == STORE_EXISTS);
		ck_assert_int_ne(rc[0][i], rc[1][i]);	/* exactly one won */
	}
	s = fx_open(home, 1);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, count_events, &events), 0);
	ck_assert_uint_eq(events, RACE_IDS);
	store_close(s);
}
END_TEST

/* ---- crash: SIGKILL mid-stream keeps exactly what was committed --------- */

struct pair_arg {
	int64_t n;
	char body[2048];
};

/* One event with one delivery: hookd's intake write. */
static int
put_pair(struct store_txn *t, void *arg)
{
	struct pair_arg *pa = arg;
	char eid[40], did[40];
	struct store_event e;
	struct store_delivery d;
	int rc;

	snprintf(eid, sizeof(eid), "evt_%08lld", (long long)pa->n);
	snprintf(did, sizeof(did), "dlv_%08lld", (long long)pa->n);
	e = fx_evt(eid, 1000 + pa->n, pa->body);
	d = fx_dlv(did, eid, "wh_1", "app_1", STORE_DLV_PENDING, pa->n);
	if ((rc = store_event_put(t, &e)) != STORE_OK)
		return rc;
	return store_delivery_put(t, &d, 1);
}

static void
stream_child(int w, int nosync)
{
	struct store *s = fx_child_open(home, nosync);
	struct pair_arg pa;
	char err[512];

	memset(&pa, 0, sizeof(pa));
	memset(pa.body, 'b', sizeof(pa.body) - 1);
	for (pa.n = 0;; pa.n++) {
		pa.body[pa.n % 2000] = (char)('a' + pa.n % 26);
		if (store_txn(s, 0, put_pair, &pa, err, sizeof(err)) !=
		    STORE_OK) {
			fprintf(stderr, "stream child: %s\n", err);
			_exit(93);
		}
		/* reported only after the commit returned */
		if (write(w, &pa.n, sizeof(pa.n)) != sizeof(pa.n))
			_exit(94);
	}
}

struct crash_check {
	int64_t reported;	/* every n < reported must be there */
	struct store_counts c;
	struct store_queue q;
	int missing;
};

static int
crash_verify(struct store_txn *t, void *arg)
{
	struct crash_check *cc = arg;
	struct store_event e;
	struct store_delivery d;
	char eid[40], did[40];
	int64_t n;
	int rc;

	cc->missing = 0;
	for (n = 0; n < cc->reported; n++) {
		snprintf(eid, sizeof(eid), "evt_%08lld", (long long)n);
		snprintf(did, sizeof(did), "dlv_%08lld", (long long)n);
		rc = store_event_get(t, eid, 1, &e);
		if (rc == STORE_NOTFOUND) {
			cc->missing++;
			continue;
		}
		if (rc != STORE_OK)
			return rc;
		if (e.body_len != 2047 || e.body[n % 2000] !=
		    (char)('a' + n % 26))
			cc->missing++;
		store_event_free(&e);
		rc = store_delivery_get(t, did, &d);
		if (rc == STORE_NOTFOUND) {
			cc->missing++;
			continue;
		}
		if (rc != STORE_OK)
			return rc;
	}
	if ((rc = store_counts(t, &cc->c)) != STORE_OK)
		return rc;
	return store_queue_get(t, &cc->q);
}

static void
crash_run(int nosync)
{
	int p[2];
	pid_t pid;
	int64_t n, last = -1;
	struct crash_check cc;
	struct store *s;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		stream_child(p[1], nosync);
	}
	close(p[1]);
	/* let it run a little, then kill it mid-stream */
	while (last < 150 && fx_read_full(p[0], &n, sizeof(n)) == 0)
		last = n;
	ck_assert_int_ge(last, 150);
	kill(pid, SIGKILL);
	while (fx_read_full(p[0], &n, sizeof(n)) == 0)
		last = n;	/* committed and reported before it died */
	ck_assert_int_eq(fx_wait(pid), 128 + SIGKILL);
	close(p[0]);

	s = fx_open(home, nosync);	/* recovery runs here */
	memset(&cc, 0, sizeof(cc));
	cc.reported = last + 1;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, crash_verify, &cc), 0);
	ck_assert_int_eq(cc.missing, 0);
	/* whole transactions only: at most the one in flight committed
	 * unreported, and never an event without its delivery */
	ck_assert_uint_eq(cc.c.events, cc.c.deliveries);
	ck_assert_uint_ge(cc.c.events, (uint64_t)cc.reported);
	ck_assert_uint_le(cc.c.events, (uint64_t)cc.reported + 1);
	ck_assert_uint_eq(cc.c.pending, cc.c.deliveries);
	ck_assert_int_eq(cc.q.pending, (int64_t)cc.c.deliveries);
	store_close(s);
}

START_TEST(test_store_sigkilled_writer_keeps_committed_nosync)
{
	crash_run(1);
}
END_TEST

START_TEST(test_store_sigkilled_writer_keeps_committed_sync)
{
	crash_run(0);
}
END_TEST

/* ---- a killed lock holder does not wedge the others --------------------- */

#define HOT 4

static void
hot_id(int i, char *out, size_t n)
{
	snprintf(out, n, "dlv_hot%d", i);
}

static int
hot_setup(struct store_txn *t, void *arg)
{
	char id[32];
	struct store_delivery d;
	int i, rc;

	(void)arg;
	for (i = 0; i < HOT; i++) {
		hot_id(i, id, sizeof(id));
		d = fx_dlv(id, "evt_1", "wh_1", "app_1", STORE_DLV_PENDING, 0);
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

struct bump_arg {
	int reverse;		/* lock order */
	int new_recs;		/* fresh deliveries to add too */
	int64_t seq;		/* their numbering */
	int tag;		/* process tag in their ids */
	long runs;		/* how many times the callback ran */
	int hang_fd;		/* >= 0: signal there and hang (lock holder) */
	int pause_us;		/* between the two hot updates */
};

/* Bump attempts of two hot deliveries (in the given order) and add fresh
 * ones. */
static int
bump(struct store_txn *t, void *arg)
{
	struct bump_arg *ba = arg;
	struct store_delivery d;
	char id[40];
	int k, i, rc;

	ba->runs++;
	for (k = 0; k < 2; k++) {
		i = ba->reverse ? HOT - 1 - k * (HOT - 1) : k * (HOT - 1);
		hot_id(i, id, sizeof(id));
		if ((rc = store_delivery_get(t, id, &d)) != STORE_OK)
			return rc;
		d.attempts++;
		d.next_attempt_at++;	/* moves its due entry too */
		if ((rc = store_delivery_put(t, &d, 0)) != STORE_OK)
			return rc;
		if (k == 0 && ba->pause_us > 0)
			usleep((useconds_t)ba->pause_us);
	}
	for (k = 0; k < ba->new_recs; k++) {
		snprintf(id, sizeof(id), "dlv_p%d_%08lld", ba->tag,
		    (long long)(ba->seq * ba->new_recs + k));
		d = fx_dlv(id, "evt_1", "wh_1", "app_1", STORE_DLV_PENDING,
		    ba->seq);
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	if (ba->hang_fd >= 0) {
		if (write(ba->hang_fd, "h", 1) != 1)
			_exit(95);
		for (;;)
			pause();	/* killed here, locks held */
	}
	return STORE_OK;
}

static void
bump_child(int w, struct bump_arg ba, long txns)
{
	struct store *s = fx_child_open(home, 1);
	char err[512];
	long i;

	for (i = 0; txns < 0 || i < txns; i++) {
		ba.seq = i;
		if (store_txn(s, 0, bump, &ba, err, sizeof(err)) != STORE_OK) {
			fprintf(stderr, "bump child: %s\n", err);
			_exit(96);
		}
		if (w >= 0 && write(w, &i, sizeof(i)) != sizeof(i))
			_exit(97);
	}
	if (w >= 0 && write(w, &ba.runs, sizeof(ba.runs)) != sizeof(ba.runs))
		_exit(98);
	store_close(s);
	_exit(0);
}

struct hot_state {
	uint32_t attempts[HOT];
	struct store_counts c;
	struct store_queue q;
};

static int
hot_read(struct store_txn *t, void *arg)
{
	struct hot_state *hs = arg;
	struct store_delivery d;
	char id[32];
	int i, rc;

	for (i = 0; i < HOT; i++) {
		hot_id(i, id, sizeof(id));
		if ((rc = store_delivery_get(t, id, &d)) != STORE_OK)
			return rc;
		hs->attempts[i] = d.attempts;
	}
	if ((rc = store_counts(t, &hs->c)) != STORE_OK)
		return rc;
	return store_queue_get(t, &hs->q);
}

/* Read whatever longs are in the pipe now (non-blocking); the last one
 * into *last.  Returns how many were read. */
static int
drain(int fd, long *last)
{
	long v;
	int n = 0;
	struct timeval tv = { 0, 0 };
	fd_set rf;

	for (;;) {
		FD_ZERO(&rf);
		FD_SET(fd, &rf);
		if (select(fd + 1, &rf, NULL, NULL, &tv) != 1)
			return n;
		if (fx_read_full(fd, &v, sizeof(v)) == -1)
			return n;
		*last = v;
		n++;
	}
}

START_TEST(test_store_killed_lock_holder_does_not_wedge_other_writers)
{
	int bp[2], hp[2];
	pid_t a, b;
	long n = -1, blocked;
	double t0, waited;
	char c;
	struct store *s;
	struct hot_state hs;
	struct bump_arg ba;

	s = fx_open(home, 1);
	ck_assert_int_eq(fx_txn(s, 0, hot_setup, NULL), STORE_OK);
	store_close(s);

	/* B: bumps the hot records in a loop, reporting each commit */
	ck_assert_int_eq(pipe(bp), 0);
	memset(&ba, 0, sizeof(ba));
	ba.hang_fd = -1;
	ba.tag = 2;
	b = fork();
	ck_assert_int_ge(b, 0);
	if (b == 0) {
		close(bp[0]);
		bump_child(bp[1], ba, -1);
	}
	close(bp[1]);
	ck_assert_int_eq(fx_read_full(bp[0], &n, sizeof(n)), 0);

	/* A: same records plus one new one, then hangs in its transaction */
	ck_assert_int_eq(pipe(hp), 0);
	ba.hang_fd = hp[1];
	ba.tag = 1;
	ba.new_recs = 1;
	a = fork();
	ck_assert_int_ge(a, 0);
	if (a == 0) {
		close(hp[0]);
		bump_child(-1, ba, 1);
	}
	close(hp[1]);
	ck_assert_int_eq(read(hp[0], &c, 1), 1);	/* A holds its locks */
	usleep(300000);
	(void)drain(bp[0], &n);
	blocked = n;
	usleep(500000);
	/* B is stuck behind A's locks (else this test tests nothing) */
	ck_assert_int_eq(drain(bp[0], &n), 0);
	kill(a, SIGKILL);
	ck_assert_int_eq(fx_wait(a), 128 + SIGKILL);
	t0 = fx_now_s();

	/* B must go on */
	do {
		ck_assert_int_eq(fx_read_full(bp[0], &n, sizeof(n)), 0);
		waited = fx_now_s() - t0;
	} while (n < blocked + 20 && waited < 10);
	fprintf(stderr, "killed lock holder: writer B went on after %.2f s\n",
	    waited);
	ck_assert_double_lt(waited, 10.0);
	kill(b, SIGKILL);
	ck_assert_int_eq(fx_wait(b), 128 + SIGKILL);
	(void)drain(bp[0], &n);
	close(bp[0]);

	/* A's half transaction is gone: only B's commits (n + 1 reported,
	 * maybe one more in flight), and not A's new record */
	s = fx_open(home, 1);
	memset(&hs, 0, sizeof(hs));
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, hot_read, &hs), 0);
	ck_assert_uint_eq(hs.c.deliveries, HOT);
	ck_assert_uint_ge(hs.attempts[0], (uint32_t)n + 1);
	ck_assert_uint_le(hs.attempts[0], (uint32_t)n + 2);
	ck_assert_uint_eq(hs.attempts[0], hs.attempts[HOT - 1]);
	ck_assert_int_eq(hs.q.pending, HOT);
	store_close(s);
}
END_TEST

/* ---- concurrency: two writers, opposite lock order, 10,000 records each - */

#define CONC_TXNS 1000
#define CONC_PER_TXN 10

START_TEST(test_store_concurrent_writers_with_deadlocks_lose_nothing)
{
	int p[2][2];
	pid_t pid[2];
	long n, runs[2];
	int k;
	struct bump_arg ba;
	struct hot_state hs;
	struct store *s;

	s = fx_open(home, 1);
	ck_assert_int_eq(fx_txn(s, 0, hot_setup, NULL), STORE_OK);
	store_close(s);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(pipe(p[k]), 0);
		memset(&ba, 0, sizeof(ba));
		ba.reverse = k;		/* opposite orders: deadlocks */
		ba.new_recs = CONC_PER_TXN;
		ba.tag = k;
		ba.hang_fd = -1;
		ba.pause_us = 200;
		pid[k] = fork();
		ck_assert_int_ge(pid[k], 0);
		if (pid[k] == 0) {
			close(p[k][0]);
			bump_child(p[k][1], ba, CONC_TXNS);
		}
		close(p[k][1]);
	}
	for (k = 0; k < 2; k++) {
		long i;

		for (i = 0; i < CONC_TXNS; i++) {
			ck_assert_int_eq(fx_read_full(p[k][0], &n, sizeof(n)),
			    0);
			ck_assert_int_eq(n, i);
		}
		ck_assert_int_eq(fx_read_full(p[k][0], &runs[k],
		    sizeof(runs[k])), 0);
		ck_assert_int_eq(fx_wait(pid[k]), 0);
	}
	fprintf(stderr, "concurrent writers: %ld + %ld callback runs for "
	    "%d + %d commits\n", runs[0], runs[1], CONC_TXNS, CONC_TXNS);
	/* deadlocks did happen (the test provokes them) */
	ck_assert_int_gt(runs[0] + runs[1], 2 * CONC_TXNS);

	s = fx_open(home, 1);
	memset(&hs, 0, sizeof(hs));
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, hot_read, &hs), 0);
	ck_assert_uint_eq(hs.c.deliveries,
	    HOT + 2 * CONC_TXNS * CONC_PER_TXN);
	ck_assert_uint_eq(hs.c.pending, hs.c.deliveries);
	ck_assert_int_eq(hs.q.pending, (int64_t)hs.c.deliveries);
	/* every committed bump is there once: no lost update */
	ck_assert_uint_eq(hs.attempts[0], 2 * CONC_TXNS);
	ck_assert_uint_eq(hs.attempts[HOT - 1], 2 * CONC_TXNS);
	store_close(s);
}
END_TEST

static Suite *
proc_suite(void)
{
	Suite *su = suite_create("store_proc");
	TCase *tc = tcase_create("proc");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_store_event_put_race_on_one_id_has_one_winner);
	tcase_add_test(tc, test_store_sigkilled_writer_keeps_committed_nosync);
	tcase_add_test(tc, test_store_sigkilled_writer_keeps_committed_sync);
	tcase_add_test(tc,
	    test_store_killed_lock_holder_does_not_wedge_other_writers);
	tcase_add_test(tc,
	    test_store_concurrent_writers_with_deadlocks_lose_nothing);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(proc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
