/*
 * test_outcome_batch.c - sender/outcome.c's batch transaction: every
 * attempt of a batch is recorded (attempt record, delivery status, queue
 * counters) and counted once in the hourly statistics of its webhook and
 * in the global row, though a batch writes each (webhook, hour) row once;
 * a full batch over hundreds of webhooks keeps each one's apart; a batch
 * that store_txn runs again (a lock timeout) records each outcome once and
 * leaves exactly one due-index entry per rescheduled delivery.
 */
#include <check.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/store.h"
#include "lib/config.h"
#include "sender/job.h"
#include "sender/outcome.h"
#include "tests/unit/store_fixture.h"

#define H 3600000LL
#define NJOBS 5

/* home, s, setup and teardown: a fresh environment per test */
FX_STORE_PER_TEST

static const char *wids[2] = { "wh_a", "wh_b" };

static int
seed(struct store_txn *t, void *arg)
{
	struct store_webhook w;
	struct store_delivery d;
	char id[STORE_ID_MAX + 1];
	int i, rc;

	(void)arg;
	for (i = 0; i < 2; i++) {
		w = fx_webhook(wids[i], "app_1");
		if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
			return rc;
	}
	for (i = 0; i < NJOBS; i++) {
		snprintf(id, sizeof(id), "dlv_%d", i);
		d = fx_dlv(id, "evt_1", wids[i % 2], "app_1",
		    STORE_DLV_PENDING, 1);
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

struct seen {
	struct store_stat a, b, all, other_hour;
	struct store_queue q;
	int attempts;
	int delivered;
};

static int
count_att(const struct store_attempt *a, void *arg)
{
	(void)a;
	(*(int *)arg)++;
	return 0;
}

static int
look(struct store_txn *t, void *arg)
{
	struct seen *sn = arg;
	struct store_delivery d;
	char id[STORE_ID_MAX + 1];
	int i, rc;

	(void)store_stat_get(t, "wh_a", 10 * H, &sn->a);
	(void)store_stat_get(t, "wh_b", 10 * H, &sn->b);
	(void)store_stat_get(t, "*", 10 * H, &sn->all);
	(void)store_stat_get(t, "*", 11 * H, &sn->other_hour);
	if ((rc = store_queue_get(t, &sn->q)) != STORE_OK)
		return rc;
	for (i = 0; i < NJOBS; i++) {
		snprintf(id, sizeof(id), "dlv_%d", i);
		if ((rc = store_attempt_iter_delivery(t, id, count_att,
		    &sn->attempts)) != STORE_OK)
			return rc;
		if ((rc = store_delivery_get(t, id, &d)) != STORE_OK)
			return rc;
		if (d.status == STORE_DLV_DELIVERED && d.attempts == 1)
			sn->delivered++;
	}
	return STORE_OK;
}

START_TEST(test_outcome_batch_records_every_attempt_and_counts_each_once)
{
	static struct job jobs[NJOBS];
	struct job *jp[NJOBS];
	struct config cfg;
	struct seen sn;
	char err[256] = "";
	int i;

	config_defaults(&cfg);
	ck_assert_int_eq(fx_txn(s, 0, seed, NULL), STORE_OK);
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < NJOBS; i++) {
		jobs[i].kind = JOB_SEND;
		snprintf(jobs[i].d.id, sizeof(jobs[i].d.id), "dlv_%d", i);
		FX_SET(jobs[i].d.webhook_id, wids[i % 2]);
		FX_SET(jobs[i].d.event_id, "evt_1");
		snprintf(jobs[i].att_id, sizeof(jobs[i].att_id), "att_%d", i);
		/* job 4 in the next hour: a row of its own */
		jobs[i].at = i == 4 ? 11 * H + 5 : 10 * H + i;
		jobs[i].status = i == 3 ? 500 : 204;
		jobs[i].duration_ms = 3;
		jobs[i].retry_after_ms = -1;
		jp[i] = &jobs[i];
	}
	ck_assert_int_eq(outcome_flush(s, &cfg, jp, NJOBS, err, sizeof(err)),
	    0);
	memset(&sn, 0, sizeof(sn));
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, look, &sn), STORE_OK);
	ck_assert_int_eq(sn.attempts, NJOBS);
	ck_assert_int_eq(sn.delivered, NJOBS - 1);
	ck_assert_int_eq(sn.q.delivered, NJOBS - 1);
	ck_assert_int_eq(sn.q.pending, 1);	/* job 3: a retry */
	/* wh_a: jobs 0, 2 (and 4, next hour); wh_b: 1 ok, 3 failed */
	ck_assert_uint_eq(sn.a.delivered, 2);
	ck_assert_uint_eq(sn.a.failed, 0);
	ck_assert_uint_eq(sn.b.delivered, 1);
	ck_assert_uint_eq(sn.b.failed, 1);
	ck_assert_uint_eq(sn.b.latency[store_stat_bucket(3)], 2);
	ck_assert_uint_eq(sn.all.delivered, 3);
	ck_assert_uint_eq(sn.all.failed, 1);
	ck_assert_uint_eq(sn.all.latency[store_stat_bucket(3)], 4);
	ck_assert_uint_eq(sn.other_hour.delivered, 1);
	ck_assert(jobs[3].next_at > 0 && !jobs[3].final);
	ck_assert(jobs[0].final);
	for (i = 0; i < NJOBS; i++)
		job_clear(&jobs[i]);
}
END_TEST


/* A full batch over many webhooks: each webhook's health and hourly row
 * get exactly its own attempts (the batch looks webhooks and rows up by
 * hash). */
#define MANY_JOBS 1024
#define MANY_WH 300

static int
seed_many(struct store_txn *t, void *arg)
{
	struct store_webhook w;
	struct store_delivery d;
	char id[STORE_ID_MAX + 1], wid[STORE_ID_MAX + 1];
	int i, rc;

	(void)arg;
	for (i = 0; i < MANY_WH; i++) {
		snprintf(wid, sizeof(wid), "wh_%03d", i);
		w = fx_webhook(wid, "app_1");
		if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
			return rc;
	}
	for (i = 0; i < MANY_JOBS; i++) {
		snprintf(id, sizeof(id), "dlv_%04d", i);
		snprintf(wid, sizeof(wid), "wh_%03d", i % MANY_WH);
		d = fx_dlv(id, "evt_1", wid, "app_1", STORE_DLV_PENDING, 1);
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

static int
look_many(struct store_txn *t, void *arg)
{
	char wid[STORE_ID_MAX + 1];
	struct store_health h;
	struct store_stat a, b;
	int i, rc, late;

	(void)arg;
	for (i = 0; i < MANY_WH; i++) {
		snprintf(wid, sizeof(wid), "wh_%03d", i);
		/* jobs i, i+300, i+600 (next hour), i+900 (next hour,
		 * failed) when i+900 < 1024 */
		late = i + 3 * MANY_WH < MANY_JOBS;
		if ((rc = store_health_get(t, wid, &h)) != STORE_OK)
			return rc;
		ck_assert_int_eq(h.last_status, late ? 500 : 204);
		ck_assert_uint_eq(h.consecutive_failures, late ? 1 : 0);
		ck_assert_int_eq(h.last_attempt_at, 11 * H + 1 +
		    (late ? i + 3 * MANY_WH : i + 2 * MANY_WH));
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		(void)store_stat_get(t, wid, 10 * H, &a);
		(void)store_stat_get(t, wid, 11 * H, &b);
		ck_assert_uint_eq(a.delivered, 2);
		ck_assert_uint_eq(a.failed, 0);
		ck_assert_uint_eq(b.delivered, 1);
		ck_assert_uint_eq(b.failed, late ? 1 : 0);
	}
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	(void)store_stat_get(t, "*", 10 * H, &a);
	(void)store_stat_get(t, "*", 11 * H, &b);
	ck_assert_uint_eq(a.delivered, 2 * MANY_WH);
	ck_assert_uint_eq(b.delivered, MANY_WH);
	ck_assert_uint_eq(b.failed, MANY_JOBS - 3 * MANY_WH);
	return STORE_OK;
}

START_TEST(test_outcome_batch_of_many_webhooks_keeps_each_apart)
{
	static struct job jobs[MANY_JOBS];
	static struct job *jp[MANY_JOBS];
	struct config cfg;
	char err[256] = "";
	int i;

	config_defaults(&cfg);
	ck_assert_int_eq(fx_txn(s, 0, seed_many, NULL), STORE_OK);
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < MANY_JOBS; i++) {
		jobs[i].kind = JOB_SEND;
		snprintf(jobs[i].d.id, sizeof(jobs[i].d.id), "dlv_%04d", i);
		snprintf(jobs[i].d.webhook_id, sizeof(jobs[i].d.webhook_id),
		    "wh_%03d", i % MANY_WH);
		FX_SET(jobs[i].d.event_id, "evt_1");
		snprintf(jobs[i].att_id, sizeof(jobs[i].att_id), "att_%04d",
		    i);
		jobs[i].at = (i < 2 * MANY_WH ? 10 * H : 11 * H) + 1 + i;
		jobs[i].status = i >= 3 * MANY_WH ? 500 : 204;
		jobs[i].duration_ms = 3;
		jobs[i].retry_after_ms = -1;
		jp[i] = &jobs[i];
	}
	ck_assert_int_eq(outcome_flush(s, &cfg, jp, MANY_JOBS, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, look_many, NULL), STORE_OK);
	for (i = 0; i < MANY_JOBS; i++)
		job_clear(&jobs[i]);
}
END_TEST

/* A writer holding the health page's write lock past the lock timeout of
 * the outcome's transaction (its first try only). */
struct holder {
	struct store *s;
	sem_t held;
	int tries;
};

static int
hold_health(struct store_txn *t, void *arg)
{
	struct holder *h = arg;
	struct store_health hh;
	struct timespec ts = { 0, 600 * 1000000L };
	int rc;

	memset(&hh, 0, sizeof(hh));
	FX_SET(hh.webhook_id, "wh_0");	/* the same (only) page as wh_a's */
	if ((rc = store_health_put(t, &hh)) != STORE_OK)
		return rc;
	if (h->tries++ == 0) {
		sem_post(&h->held);
		nanosleep(&ts, NULL);
	}
	return STORE_OK;
}

static void *
holder_main(void *arg)
{
	struct holder *h = arg;

	ck_assert_int_eq(fx_txn(h->s, 0, hold_health, h), STORE_OK);
	return NULL;
}

struct due_seen {
	int n, bad;
	struct store_txn *t;
};

/* Each due entry: its delivery is pending at exactly the entry's time. */
static int
due_entry(const struct store_delivery *e, void *arg)
{
	struct due_seen *ds = arg;
	struct store_delivery d;

	ds->n++;
	if (store_delivery_get(ds->t, e->id, &d) != STORE_OK ||
	    d.status != STORE_DLV_PENDING ||
	    d.next_attempt_at != e->next_attempt_at || d.next_attempt_at <= 1)
		ds->bad++;
	return 0;
}

static int
look_due(struct store_txn *t, void *arg)
{
	struct due_seen *ds = arg;

	ds->t = t;
	return store_delivery_iter_due_skip(t, INT64_MAX, NULL, due_entry, ds);
}

START_TEST(test_outcome_batch_run_again_after_a_lock_timeout_records_once)
{
	struct store_opts so = { home, 1, 100, NULL, NULL, 0, 0 };
	static struct job jobs[NJOBS];
	struct job *jp[NJOBS];
	struct holder h;
	struct config cfg;
	struct seen sn;
	struct due_seen ds;
	pthread_t th;
	char err[256] = "";
	double t0;
	int i;

	/* the same store with a 100 ms lock timeout */
	store_close(s);
	s = NULL;
	ck_assert_int_eq(store_open(&s, &so, err, sizeof(err)), STORE_OK);
	config_defaults(&cfg);
	ck_assert_int_eq(fx_txn(s, 0, seed, NULL), STORE_OK);
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < NJOBS; i++) {
		jobs[i].kind = JOB_SEND;
		snprintf(jobs[i].d.id, sizeof(jobs[i].d.id), "dlv_%d", i);
		FX_SET(jobs[i].d.webhook_id, wids[i % 2]);
		FX_SET(jobs[i].d.event_id, "evt_1");
		snprintf(jobs[i].att_id, sizeof(jobs[i].att_id), "att_%d", i);
		jobs[i].at = 10 * H + i;
		jobs[i].status = 500;	/* every one rescheduled */
		jobs[i].duration_ms = 3;
		jobs[i].retry_after_ms = -1;
		jp[i] = &jobs[i];
	}
	memset(&h, 0, sizeof(h));
	h.s = s;
	ck_assert_int_eq(sem_init(&h.held, 0, 0), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, holder_main, &h), 0);
	ck_assert_int_eq(sem_wait(&h.held), 0);
	/* job 0's delivery written and its old due entry kept for the end
	 * when its health read waits: timed out, the batch runs again */
	t0 = fx_now_s();
	ck_assert_int_eq(outcome_flush(s, &cfg, jp, NJOBS, err, sizeof(err)),
	    0);
	ck_assert_double_ge(fx_now_s() - t0, 0.3);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(h.tries, 1);
	(void)sem_destroy(&h.held);

	memset(&sn, 0, sizeof(sn));
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, look, &sn), STORE_OK);
	ck_assert_int_eq(sn.attempts, NJOBS);
	ck_assert_int_eq(sn.q.pending, NJOBS);
	ck_assert_int_eq(sn.q.delivered, 0);
	ck_assert_uint_eq(sn.all.failed, NJOBS);
	ck_assert_uint_eq(sn.a.failed + sn.b.failed, NJOBS);
	/* one due entry per delivery, at its new time; the old ones gone */
	memset(&ds, 0, sizeof(ds));
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, look_due, &ds), STORE_OK);
	ck_assert_int_eq(ds.n, NJOBS);
	ck_assert_int_eq(ds.bad, 0);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("outcome_batch");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc,
	    test_outcome_batch_records_every_attempt_and_counts_each_once);
	tcase_add_test(tc,
	    test_outcome_batch_of_many_webhooks_keeps_each_apart);
	tcase_add_test(tc,
	    test_outcome_batch_run_again_after_a_lock_timeout_records_once);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
