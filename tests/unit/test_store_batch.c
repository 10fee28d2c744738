/*
 * test_store_batch.c - the store paths the sender's batch commit leans on:
 * store_stat_merge (many attempts in one row write), the queue counters
 * after status changes (one shard read/write per change), and a replaced
 * attempt (put without a prior read, then the replace path on EXISTS).
 * And those intake's batches lean on: store_publish collecting the queue
 * counters for one write, the webhook's ordering read per delivery
 * without the whole record, and the nosync log's write-behind.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <db.h>

#include "db/env.h"	/* white box: the environment's log statistics */
#include "db/rec.h"
#include "db/store.h"
#include "tests/unit/store_fixture.h"

#define H 3600000LL

/* home, s, setup and teardown: a fresh environment per test */
FX_STORE_PER_TEST

static int
merge_flow(struct store_txn *t, void *arg)
{
	struct store_stat add, st;
	int rc;

	(void)arg;
	if ((rc = store_stat_add(t, "wh_1", 5 * H + 10, 1, 3)) != STORE_OK)
		return rc;
	memset(&add, 0, sizeof(add));
	add.hour = 5 * H + 1234;	/* any ms inside the hour */
	add.delivered = 7;
	add.failed = 2;
	add.latency[store_stat_bucket(3)] = 5;
	add.latency[store_stat_bucket(0)] = 4;
	if ((rc = store_stat_merge(t, "wh_1", &add)) != STORE_OK)
		return rc;
	ck_assert_int_eq(store_stat_get(t, "wh_1", 5 * H, &st), STORE_OK);
	ck_assert_int_eq(st.hour, 5 * H);
	ck_assert_uint_eq(st.delivered, 8);
	ck_assert_uint_eq(st.failed, 2);
	ck_assert_uint_eq(st.latency[2], 6);	/* 3 ms in [2, 4) */
	ck_assert_uint_eq(st.latency[0], 4);
	/* one row only: the global row has just store_stat_add's attempt */
	ck_assert_int_eq(store_stat_get(t, "*", 5 * H, &st), STORE_OK);
	ck_assert_uint_eq(st.delivered, 1);
	ck_assert_uint_eq(st.failed, 0);
	/* a new row */
	if ((rc = store_stat_merge(t, "*", &add)) != STORE_OK)
		return rc;
	ck_assert_int_eq(store_stat_get(t, "*", 5 * H, &st), STORE_OK);
	ck_assert_uint_eq(st.delivered, 8);
	ck_assert_int_eq(store_stat_get(t, "wh_2", 5 * H, &st),
	    STORE_NOTFOUND);
	return STORE_OK;
}

START_TEST(test_stat_merge_adds_counts_to_one_row)
{
	ck_assert_int_eq(fx_txn(s, 0, merge_flow, NULL), STORE_OK);
}
END_TEST

START_TEST(test_stat_bucket_matches_the_documented_powers_of_two)
{
	ck_assert_int_eq(store_stat_bucket(0), 0);
	ck_assert_int_eq(store_stat_bucket(1), 1);
	ck_assert_int_eq(store_stat_bucket(2), 2);
	ck_assert_int_eq(store_stat_bucket(3), 2);
	ck_assert_int_eq(store_stat_bucket(1024), 11);
	ck_assert_int_eq(store_stat_bucket(4000000000u), STORE_LAT_BUCKETS - 1);
}
END_TEST

struct qstep {
	struct store_delivery d;
	int op;		/* 0 create, 1 update, 2 delete */
	struct store_queue q;
};

static int
q_step(struct store_txn *t, void *arg)
{
	struct qstep *st = arg;
	int rc;

	if (st->op == 0)
		rc = store_delivery_put(t, &st->d, 1);
	else if (st->op == 1)
		rc = store_delivery_put(t, &st->d, 0);
	else
		rc = store_delivery_del(t, st->d.id);
	if (rc != STORE_OK)
		return rc;
	return store_queue_get(t, &st->q);
}

START_TEST(test_queue_counters_follow_each_status_change)
{
	struct qstep a, b;

	memset(&a, 0, sizeof(a));
	a.d = fx_dlv("dlv_a", "evt_1", "wh_1", "app_1", STORE_DLV_PENDING, 5);
	b = a;
	FX_SET(b.d.id, "dlv_b");
	ck_assert_int_eq(fx_txn(s, 0, q_step, &a), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, q_step, &b), STORE_OK);
	ck_assert_int_eq(b.q.pending, 2);
	a.op = 1;
	a.d.status = STORE_DLV_DELIVERED;
	ck_assert_int_eq(fx_txn(s, 0, q_step, &a), STORE_OK);
	ck_assert_int_eq(a.q.pending, 1);
	ck_assert_int_eq(a.q.delivered, 1);
	/* same status again: no change */
	ck_assert_int_eq(fx_txn(s, 0, q_step, &a), STORE_OK);
	ck_assert_int_eq(a.q.pending, 1);
	ck_assert_int_eq(a.q.delivered, 1);
	b.op = 1;
	b.d.status = STORE_DLV_FAILED;
	ck_assert_int_eq(fx_txn(s, 0, q_step, &b), STORE_OK);
	ck_assert_int_eq(b.q.pending, 0);
	ck_assert_int_eq(b.q.failed, 1);
	ck_assert_int_eq(b.q.delivered, 1);
	a.op = 2;
	ck_assert_int_eq(fx_txn(s, 0, q_step, &a), STORE_OK);
	ck_assert_int_eq(a.q.delivered, 0);
	ck_assert_int_eq(a.q.failed, 1);
	ck_assert_int_eq(a.q.pending, 0);
	ck_assert_int_eq(a.q.cancelled, 0);
}
END_TEST

struct alist {
	char ids[4][STORE_ID_MAX + 1];
	int n;
};

static int
a_collect(const struct store_attempt *a, void *arg)
{
	struct alist *l = arg;

	if (l->n < 4)
		memcpy(l->ids[l->n], a->id, sizeof(a->id));
	l->n++;
	return 0;
}

struct rstep {
	struct store_attempt a;
	struct alist d1, d2, fail;
};

static int
r_put(struct store_txn *t, void *arg)
{
	struct rstep *st = arg;
	int rc;

	if ((rc = store_attempt_put(t, &st->a)) != STORE_OK)
		return rc;
	memset(&st->d1, 0, sizeof(st->d1));
	memset(&st->d2, 0, sizeof(st->d2));
	memset(&st->fail, 0, sizeof(st->fail));
	if ((rc = store_attempt_iter_delivery(t, "dlv_1", a_collect,
	    &st->d1)) != STORE_OK ||
	    (rc = store_attempt_iter_delivery(t, "dlv_2", a_collect,
	    &st->d2)) != STORE_OK)
		return rc;
	return store_attempt_iter_failures(t, a_collect, &st->fail);
}

START_TEST(test_attempt_put_again_replaces_it_and_its_index_entries)
{
	struct rstep st;

	memset(&st, 0, sizeof(st));
	FX_SET(st.a.id, "att_1");
	FX_SET(st.a.delivery_id, "dlv_1");
	FX_SET(st.a.webhook_id, "wh_1");
	st.a.at = 1000;
	st.a.status_code = 500;
	ck_assert_int_eq(fx_txn(s, 0, r_put, &st), STORE_OK);
	ck_assert_int_eq(st.d1.n, 1);
	ck_assert_int_eq(st.fail.n, 1);
	/* the same attempt of dlv_1 again, now a success: one attempt,
	 * out of failures (an attempt is keyed by its delivery and id) */
	st.a.status_code = 204;
	st.a.at = 2000;
	ck_assert_int_eq(fx_txn(s, 0, r_put, &st), STORE_OK);
	ck_assert_int_eq(st.d1.n, 1);
	ck_assert_str_eq(st.d1.ids[0], "att_1");
	ck_assert_int_eq(st.d2.n, 0);
	ck_assert_int_eq(st.fail.n, 0);
	/* two new attempts of dlv_2 */
	FX_SET(st.a.delivery_id, "dlv_2");
	ck_assert_int_eq(fx_txn(s, 0, r_put, &st), STORE_OK);
	FX_SET(st.a.id, "att_2");
	ck_assert_int_eq(fx_txn(s, 0, r_put, &st), STORE_OK);
	ck_assert_int_eq(st.d2.n, 2);
	ck_assert_int_eq(st.d1.n, 1);
}
END_TEST

/* iter_due_skip: entries the skip callback passes over are not read (the
 * callback never sees them); 2 ends the walk. */
struct sk {
	int asked, seen;
	char seen_ids[8][STORE_ID_MAX + 1];
};

static int
sk_skip(const char *id, void *arg)
{
	struct sk *k = arg;

	k->asked++;
	if (strcmp(id, "dlv_2") == 0)
		return 1;
	if (strcmp(id, "dlv_4") == 0)
		return 2;
	return 0;
}

static int
sk_cb(const struct store_delivery *d, void *arg)
{
	struct sk *k = arg;

	if (k->seen < 8)
		memcpy(k->seen_ids[k->seen], d->id, sizeof(d->id));
	k->seen++;
	return 0;
}

static int
sk_flow(struct store_txn *t, void *arg)
{
	struct store_delivery d;
	char id[STORE_ID_MAX + 1];
	int i, rc;

	for (i = 1; i <= 5; i++) {
		snprintf(id, sizeof(id), "dlv_%d", i);
		d = fx_dlv(id, "evt_1", "wh_1", "app_1", STORE_DLV_PENDING,
		    100 + i);
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return store_delivery_iter_due_skip(t, 1000, sk_skip, sk_cb, arg);
}

START_TEST(test_iter_due_skip_passes_over_unread_and_stops_on_2)
{
	struct sk k;

	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(fx_txn(s, 0, sk_flow, &k), STORE_OK);
	ck_assert_int_eq(k.asked, 4);		/* 1, 2, 3, 4: stop */
	ck_assert_int_eq(k.seen, 2);
	ck_assert_str_eq(k.seen_ids[0], "dlv_1");
	ck_assert_str_eq(k.seen_ids[1], "dlv_3");
}
END_TEST

/* put_over: the same effects as put (record, due index, counters) without
 * reading the record again; refuses another id. */
static int
count_due(const struct store_delivery *d, void *arg)
{
	(void)d;
	(*(int *)arg)++;
	return 0;
}

static int
over_flow(struct store_txn *t, void *arg)
{
	struct store_delivery d, cur;
	struct store_queue q;
	int *due = arg, rc;

	d = fx_dlv("dlv_o", "evt_1", "wh_1", "app_1", STORE_DLV_PENDING, 7);
	if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
		return rc;
	ck_assert_int_eq(store_delivery_get(t, "dlv_o", &cur), STORE_OK);
	d = cur;
	d.status = STORE_DLV_DELIVERED;
	d.attempts = 1;
	if ((rc = store_delivery_put_over(t, &cur, &d, NULL, NULL)) != STORE_OK)
		return rc;
	ck_assert_int_eq(store_delivery_get(t, "dlv_o", &cur), STORE_OK);
	ck_assert_int_eq(cur.status, STORE_DLV_DELIVERED);
	ck_assert_uint_eq(cur.attempts, 1);
	if ((rc = store_queue_get(t, &q)) != STORE_OK)
		return rc;
	ck_assert_int_eq(q.pending, 0);
	ck_assert_int_eq(q.delivered, 1);
	return store_delivery_iter_due(t, 1000, count_due, due);
}

static int
over_other(struct store_txn *t, void *arg)
{
	struct store_delivery d, other;

	(void)arg;
	d = fx_dlv("dlv_o", "evt_1", "wh_1", "app_1", STORE_DLV_DELIVERED, 7);
	other = d;
	FX_SET(other.id, "dlv_x");
	return store_delivery_put_over(t, &other, &d, NULL, NULL);
}

START_TEST(test_delivery_put_over_moves_due_index_and_counters)
{
	int due = 0;

	ck_assert_int_eq(fx_txn(s, 0, over_flow, &due), STORE_OK);
	ck_assert_int_eq(due, 0);
	ck_assert_int_ne(fx_txn(s, 0, over_other, NULL), STORE_OK);
}
END_TEST

/* With a delta, put_over leaves the counters to the caller's
 * store_queue_add. */
static int
delta_flow(struct store_txn *t, void *arg)
{
	struct store_delivery d, cur;
	struct store_queue q, delta;
	int rc;

	(void)arg;
	d = fx_dlv("dlv_q", "evt_1", "wh_1", "app_1", STORE_DLV_PENDING, 7);
	if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
		return rc;
	ck_assert_int_eq(store_delivery_get(t, "dlv_q", &cur), STORE_OK);
	d = cur;
	d.status = STORE_DLV_FAILED;
	memset(&delta, 0, sizeof(delta));
	if ((rc = store_delivery_put_over(t, &cur, &d, &delta, NULL)) != STORE_OK)
		return rc;
	ck_assert_int_eq(delta.pending, -1);
	ck_assert_int_eq(delta.failed, 1);
	if ((rc = store_queue_get(t, &q)) != STORE_OK)
		return rc;
	ck_assert_int_eq(q.pending, 1);		/* not written yet */
	ck_assert_int_eq(q.failed, 0);
	if ((rc = store_queue_add(t, &delta)) != STORE_OK ||
	    (rc = store_queue_get(t, &q)) != STORE_OK)
		return rc;
	ck_assert_int_eq(q.pending, 0);
	ck_assert_int_eq(q.failed, 1);
	return STORE_OK;
}

START_TEST(test_delivery_put_over_with_delta_leaves_counters_to_caller)
{
	ck_assert_int_eq(fx_txn(s, 0, delta_flow, NULL), STORE_OK);
}
END_TEST

/* store_publish's targets: one webhook, wh_1 of app_1. */
static void
one_target(const void *list, size_t i, const char **webhook_id,
    const char **app_id)
{
	(void)list;
	(void)i;
	*webhook_id = "wh_1";
	*app_id = "app_1";
}

/* Two events published with a batch: the counters move only with the
 * caller's store_publish_batch_end. */
static int
publish_flow(struct store_txn *t, void *arg)
{
	struct store_event e1 = fx_evt("evt_q1", 5, "{}");
	struct store_event e2 = fx_evt("evt_q2", 6, "{}");
	struct store_publish_batch b;
	struct store_queue q;
	int rc;

	(void)arg;
	memset(&b, 0, sizeof(b));
	if ((rc = store_publish(t, &e1, NULL, 1, one_target, NULL, NULL,
	    &b)) != STORE_OK ||
	    (rc = store_publish(t, &e2, NULL, 1, one_target, NULL, NULL,
	    &b)) != STORE_OK)
		return rc;
	ck_assert_int_eq(b.q.pending, 2);
	if ((rc = store_queue_get(t, &q)) != STORE_OK)
		return rc;
	ck_assert_int_eq(q.pending, 0);		/* not written yet */
	if ((rc = store_publish_batch_end(t, &b)) != STORE_OK ||
	    (rc = store_queue_get(t, &q)) != STORE_OK)
		return rc;
	ck_assert_int_eq(q.pending, 2);
	ck_assert_int_eq(b.q.pending, 0);	/* emptied */
	/* without a batch, each publish writes its own */
	e1 = fx_evt("evt_q3", 7, "{}");
	if ((rc = store_publish(t, &e1, NULL, 1, one_target, NULL, NULL,
	    NULL)) != STORE_OK || (rc = store_queue_get(t, &q)) != STORE_OK)
		return rc;
	ck_assert_int_eq(q.pending, 3);
	return STORE_OK;
}

START_TEST(test_publish_with_delta_leaves_counters_to_caller)
{
	ck_assert_int_eq(fx_txn(s, 0, publish_flow, NULL), STORE_OK);
}
END_TEST

static int
ordering_flow(struct store_txn *t, void *arg)
{
	struct store_webhook w = fx_webhook("wh_o", "app_1");
	int rc, ord = -1, okey = -1;

	(void)arg;
	w.ordering = STORE_ORDER_FIFO;
	w.ordering_key = STORE_OKEY_USER;
	memcpy(w.headers, "X-A: 1\n", sizeof("X-A: 1\n"));
	if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
		return rc;
	w = fx_webhook("wh_n", "app_1");
	if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
		return rc;
	ck_assert_int_eq(store_webhook_ordering(t, "wh_o", &ord, &okey),
	    STORE_OK);
	ck_assert_int_eq(ord, STORE_ORDER_FIFO);
	ck_assert_int_eq(okey, STORE_OKEY_USER);
	ck_assert_int_eq(store_webhook_ordering(t, "wh_n", &ord, &okey),
	    STORE_OK);
	ck_assert_int_eq(ord, STORE_ORDER_NONE);
	ck_assert_int_eq(okey, STORE_OKEY_WEBHOOK);
	ck_assert_int_eq(store_webhook_ordering(t, "wh_none", &ord, &okey),
	    STORE_NOTFOUND);
	/* answers are kept for the transaction (txn.h), but a write to
	 * webhooks.db in it forgets them: the new ordering is read */
	w.ordering = STORE_ORDER_FIFO;
	if ((rc = store_webhook_put(t, &w, 0)) != STORE_OK)
		return rc;
	ck_assert_int_eq(store_webhook_ordering(t, "wh_n", &ord, &okey),
	    STORE_OK);
	ck_assert_int_eq(ord, STORE_ORDER_FIFO);
	w = fx_webhook("wh_none", "app_1");
	if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
		return rc;
	ck_assert_int_eq(store_webhook_ordering(t, "wh_none", &ord, &okey),
	    STORE_OK);
	return STORE_OK;
}

START_TEST(test_webhook_ordering_is_the_records_ordering)
{
	ck_assert_int_eq(fx_txn(s, 0, ordering_flow, NULL), STORE_OK);
}
END_TEST

/* Ordering FIFO for wh_r, in a transaction of its own. */
static int
ordering_make_fifo(struct store_txn *t, void *arg)
{
	struct store_webhook w = fx_webhook("wh_r", "app_1");

	(void)arg;
	w.ordering = STORE_ORDER_FIFO;
	return store_webhook_put(t, &w, 0);
}

static int
ordering_seed(struct store_txn *t, void *arg)
{
	struct store_webhook w = fx_webhook("wh_r", "app_1");

	(void)arg;
	return store_webhook_put(t, &w, 1);
}

/* Try 1 reads wh_r's ordering (NONE) and is told to run again (as a
 * deadlock would); before try 2 reads it, another transaction makes it
 * FIFO: try 2 must read FIFO, nothing kept from the aborted try. */
static int
ordering_retry_flow(struct store_txn *t, void *arg)
{
	int *tries = arg, ord = -1, okey = -1;

	if ((*tries)++ == 0) {
		ck_assert_int_eq(store_webhook_ordering(t, "wh_r", &ord,
		    &okey), STORE_OK);
		ck_assert_int_eq(ord, STORE_ORDER_NONE);
		return STORE_RETRY;
	}
	/* nothing read in this try yet: no lock in the way */
	ck_assert_int_eq(fx_txn(s, 0, ordering_make_fifo, NULL), STORE_OK);
	ck_assert_int_eq(store_webhook_ordering(t, "wh_r", &ord, &okey),
	    STORE_OK);
	ck_assert_int_eq(ord, STORE_ORDER_FIFO);
	return STORE_OK;
}

START_TEST(test_webhook_ordering_cache_is_gone_when_store_txn_runs_again)
{
	int tries = 0;

	ck_assert_int_eq(fx_txn(s, 0, ordering_seed, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, ordering_retry_flow, &tries), STORE_OK);
	ck_assert_int_eq(tries, 2);
}
END_TEST

/* The ordering-only decoder refuses what the whole decoder refuses. */
START_TEST(test_webhook_ordering_decoder_checks_the_whole_record)
{
	unsigned char buf[REC_WEBHOOK_MAX];
	struct store_webhook w = fx_webhook("wh_1", "app_1"), w2;
	size_t len;
	int ord, okey;

	w.ordering = STORE_ORDER_FIFO;
	ck_assert_int_eq(rec_webhook_enc(&w, buf, sizeof(buf), &len), 0);
	ck_assert_int_eq(rec_webhook_order_dec(buf, len, &ord, &okey), 0);
	ck_assert_int_eq(ord, STORE_ORDER_FIFO);
	/* one byte short, one byte over, a bad ordering, a NUL in a string */
	ck_assert_int_eq(rec_webhook_order_dec(buf, len - 1, &ord, &okey), -1);
	ck_assert_int_eq(rec_webhook_dec(buf, len - 1, &w2), -1);
	buf[len] = 0;
	ck_assert_int_eq(rec_webhook_order_dec(buf, len + 1, &ord, &okey), -1);
	buf[len - 2] = 7;
	ck_assert_int_eq(rec_webhook_order_dec(buf, len, &ord, &okey), -1);
	ck_assert_int_eq(rec_webhook_dec(buf, len, &w2), -1);
	buf[len - 2] = STORE_ORDER_FIFO;
	buf[4] = '\0';			/* inside the id */
	ck_assert_int_eq(rec_webhook_order_dec(buf, len, &ord, &okey), -1);
	ck_assert_int_eq(rec_webhook_dec(buf, len, &w2), -1);
}
END_TEST

static int
events_flow(struct store_txn *t, void *arg)
{
	char id[32];
	struct store_event e;
	int i, rc;

	for (i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "evt_%s_%d", (const char *)arg, i);
		e = fx_evt(id, i + 1, "{\"a\":1}");
		if ((rc = store_event_put(t, &e)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

/* Bytes of the log not yet known on disk. */
static uint64_t
log_unsynced(void)
{
	DB_LOG_STAT *st = NULL;
	u_int32_t lg_max = 0;
	uint64_t n;

	ck_assert_int_eq(s->env->log_stat(s->env, &st, 0), 0);
	ck_assert_int_eq(s->env->get_lg_max(s->env, &lg_max), 0);
	n = (uint64_t)st->st_cur_file * lg_max + st->st_cur_offset -
	    ((uint64_t)st->st_disk_file * lg_max + st->st_disk_offset);
	free(st);
	return n;
}

START_TEST(test_log_write_behind_syncs_the_nosync_log_past_its_threshold)
{
	char err[256];
	uint64_t before;

	ck_assert_int_eq(fx_txn(s, 0, events_flow, "a"), STORE_OK);
	before = log_unsynced();
	ck_assert_uint_gt(before, 0);	/* nosync: committed, not synced */
	/* under the threshold: nothing done */
	ck_assert_int_eq(store_log_write_behind(s, 1024, err, sizeof(err)),
	    STORE_OK);
	ck_assert_uint_eq(log_unsynced(), before);
	/* over it: all of it synced */
	ck_assert_int_eq(store_log_write_behind(s, 0, err, sizeof(err)),
	    STORE_OK);
	ck_assert_uint_eq(log_unsynced(), 0);
	ck_assert_int_eq(fx_txn(s, 0, events_flow, "b"), STORE_OK);
	ck_assert_uint_gt(log_unsynced(), 0);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("store_batch");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stat_merge_adds_counts_to_one_row);
	tcase_add_test(tc, test_stat_bucket_matches_the_documented_powers_of_two);
	tcase_add_test(tc, test_queue_counters_follow_each_status_change);
	tcase_add_test(tc, test_attempt_put_again_replaces_it_and_its_index_entries);
	tcase_add_test(tc, test_iter_due_skip_passes_over_unread_and_stops_on_2);
	tcase_add_test(tc, test_delivery_put_over_moves_due_index_and_counters);
	tcase_add_test(tc,
	    test_delivery_put_over_with_delta_leaves_counters_to_caller);
	tcase_add_test(tc, test_publish_with_delta_leaves_counters_to_caller);
	tcase_add_test(tc, test_webhook_ordering_is_the_records_ordering);
	tcase_add_test(tc,
	    test_webhook_ordering_cache_is_gone_when_store_txn_runs_again);
	tcase_add_test(tc,
	    test_webhook_ordering_decoder_checks_the_whole_record);
	tcase_add_test(tc,
	    test_log_write_behind_syncs_the_nosync_log_past_its_threshold);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
