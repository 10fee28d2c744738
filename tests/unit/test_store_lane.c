/*
 * test_store_lane.c - FIFO lanes in the store (db/lane.c): sequence
 * numbers assigned at create, only a lane's head in the due index, the
 * next one promoted in the transaction where the head ends, recover
 * putting a delivery back in front, a solo retry outside the lane, lanes
 * per user_id, and the old record versions still read.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/rec.h"
#include "db/store.h"
#include "tests/unit/store_fixture.h"

FX_STORE_PER_TEST

#define NOW 1700000000000LL

struct mk {
	const char *wh;
	int ordering, okey;
	const char *ids[8];
	const char *users[8];	/* NULL: no user_id */
	int none;		/* STORE_SEQ_NONE for every delivery */
};

static int
mk_txn(struct store_txn *t, void *arg)
{
	struct mk *m = arg;
	struct store_webhook w = fx_webhook(m->wh, "app_1");
	struct store_delivery d;
	int i, rc;

	w.ordering = m->ordering;
	w.ordering_key = m->okey;
	if ((rc = store_webhook_put(t, &w, 0)) != STORE_OK)
		return rc;
	for (i = 0; m->ids[i] != NULL; i++) {
		d = fx_dlv(m->ids[i], "evt_1", m->wh, "app_1",
		    STORE_DLV_PENDING, NOW + i);
		d.user_id = m->users[i];
		if (m->none)
			d.sequence = STORE_SEQ_NONE;
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

static void
mk(struct mk *m)
{
	ck_assert_int_eq(fx_txn(s, 0, mk_txn, m), STORE_OK);
}

struct seen {
	char ids[1024];
	size_t len;
};

static int
seen_cb(const struct store_delivery *d, void *arg)
{
	struct seen *w = arg;
	size_t n = strlen(d->id);

	ck_assert_uint_lt(w->len + n + 2, sizeof(w->ids));
	if (w->len > 0)
		w->ids[w->len++] = ',';
	memcpy(w->ids + w->len, d->id, n + 1);
	w->len += n;
	return 0;
}

static int
due_txn(struct store_txn *t, void *arg)
{
	struct seen *w = arg;

	memset(w, 0, sizeof(*w));
	return store_delivery_iter_due(t, INT64_MAX, seen_cb, w);
}

/* The ids in the due index, in due order. */
static const char *
due(void)
{
	static struct seen w;

	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, due_txn, &w), STORE_OK);
	return w.ids;
}

struct get {
	const char *id;
	struct store_delivery d;
};

static int
get_txn(struct store_txn *t, void *arg)
{
	struct get *g = arg;

	return store_delivery_get(t, g->id, &g->d);
}

static struct store_delivery
get(const char *id)
{
	struct get g = { id, { .id = "" } };

	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, get_txn, &g), STORE_OK);
	return g.d;
}

struct set {
	const char *id;
	int status, solo;
	int64_t next;
};

static int
set_txn(struct store_txn *t, void *arg)
{
	struct set *x = arg;
	struct store_delivery d;
	int rc;

	if ((rc = store_delivery_get(t, x->id, &d)) != STORE_OK)
		return rc;
	d.status = x->status;
	d.solo = x->solo;
	if (x->next != 0)
		d.next_attempt_at = x->next;
	return store_delivery_put(t, &d, 0);
}

static void
set(const char *id, int status, int solo, int64_t next)
{
	struct set x = { id, status, solo, next };

	ck_assert_int_eq(fx_txn(s, 0, set_txn, &x), STORE_OK);
}

static int
del_txn(struct store_txn *t, void *arg)
{
	return store_delivery_del(t, arg);
}

START_TEST(test_lane_sequences_and_only_the_head_is_due)
{
	struct mk m = { "wh_f", STORE_ORDER_FIFO, STORE_OKEY_WEBHOOK,
	    { "dlv_1", "dlv_2", "dlv_3", NULL }, { NULL }, 0 };

	mk(&m);
	ck_assert_uint_eq(get("dlv_1").sequence, 1);
	ck_assert_uint_eq(get("dlv_2").sequence, 2);
	ck_assert_uint_eq(get("dlv_3").sequence, 3);
	ck_assert_str_eq(get("dlv_3").lane, "");
	ck_assert_str_eq(due(), "dlv_1");
	/* a retry of the head moves its due key; the lane still waits */
	set("dlv_1", STORE_DLV_PENDING, 0, NOW + 100);
	ck_assert_str_eq(due(), "dlv_1");
	set("dlv_1", STORE_DLV_DELIVERED, 0, 0);
	ck_assert_str_eq(due(), "dlv_2");
	set("dlv_2", STORE_DLV_FAILED, 0, 0);	/* failed for good: moves on */
	ck_assert_str_eq(due(), "dlv_3");
	set("dlv_3", STORE_DLV_DELIVERED, 0, 0);
	ck_assert_str_eq(due(), "");
}
END_TEST

START_TEST(test_lane_a_pending_retry_behind_the_head_keeps_its_place)
{
	struct mk m = { "wh_f", STORE_ORDER_FIFO, STORE_OKEY_WEBHOOK,
	    { "dlv_1", "dlv_2", "dlv_3", NULL }, { NULL }, 0 };

	mk(&m);
	set("dlv_3", STORE_DLV_PENDING, 0, NOW - 50);	/* due now */
	ck_assert_str_eq(due(), "dlv_1");
	set("dlv_1", STORE_DLV_DELIVERED, 0, 0);
	ck_assert_str_eq(due(), "dlv_2");
	set("dlv_2", STORE_DLV_DELIVERED, 0, 0);
	ck_assert_str_eq(due(), "dlv_3");
}
END_TEST

START_TEST(test_lane_recover_puts_a_failed_head_back_in_front)
{
	struct mk m = { "wh_f", STORE_ORDER_FIFO, STORE_OKEY_WEBHOOK,
	    { "dlv_1", "dlv_2", "dlv_3", NULL }, { NULL }, 0 };

	mk(&m);
	set("dlv_1", STORE_DLV_FAILED, 0, 0);
	set("dlv_2", STORE_DLV_FAILED, 0, 0);
	ck_assert_str_eq(due(), "dlv_3");
	/* recovered newest first, as the API walks them */
	set("dlv_2", STORE_DLV_PENDING, 0, NOW + 10);
	ck_assert_str_eq(due(), "dlv_2");
	set("dlv_1", STORE_DLV_PENDING, 0, NOW + 10);
	ck_assert_str_eq(due(), "dlv_1");
	set("dlv_1", STORE_DLV_DELIVERED, 0, 0);
	ck_assert_str_eq(due(), "dlv_2");
}
END_TEST

START_TEST(test_lane_a_solo_retry_goes_outside_the_order)
{
	struct mk m = { "wh_f", STORE_ORDER_FIFO, STORE_OKEY_WEBHOOK,
	    { "dlv_1", "dlv_2", "dlv_3", NULL }, { NULL }, 0 };

	mk(&m);
	set("dlv_1", STORE_DLV_FAILED, 0, 0);
	set("dlv_1", STORE_DLV_PENDING, 1, NOW + 500);
	ck_assert_str_eq(due(), "dlv_2,dlv_1");
	ck_assert_uint_eq(get("dlv_1").sequence, 1);	/* keeps its number */
	set("dlv_1", STORE_DLV_FAILED, 1, 0);
	ck_assert_str_eq(due(), "dlv_2");
}
END_TEST

START_TEST(test_lane_per_user_id_lanes_are_independent)
{
	struct mk m = { "wh_u", STORE_ORDER_FIFO, STORE_OKEY_USER,
	    { "dlv_1", "dlv_2", "dlv_3", "dlv_4", "dlv_5", NULL },
	    { "alice", "bob", "alice", NULL, "" }, 0 };

	mk(&m);
	ck_assert_str_eq(get("dlv_1").lane, "u:alice");
	ck_assert_uint_eq(get("dlv_3").sequence, 2);
	ck_assert_uint_eq(get("dlv_2").sequence, 1);
	ck_assert_str_eq(get("dlv_4").lane, "u");
	ck_assert_str_eq(get("dlv_5").lane, "u");
	ck_assert_uint_eq(get("dlv_5").sequence, 2);
	ck_assert_str_eq(due(), "dlv_1,dlv_2,dlv_4");
	/* bob's lane emptying moves nothing else */
	set("dlv_2", STORE_DLV_DELIVERED, 0, 0);
	ck_assert_str_eq(due(), "dlv_1,dlv_4");
	set("dlv_1", STORE_DLV_DELIVERED, 0, 0);
	ck_assert_str_eq(due(), "dlv_3,dlv_4");
}
END_TEST

START_TEST(test_lane_none_for_unordered_webhooks_and_seq_none)
{
	struct mk m = { "wh_n", STORE_ORDER_NONE, STORE_OKEY_WEBHOOK,
	    { "dlv_1", "dlv_2", NULL }, { NULL }, 0 };
	struct mk f = { "wh_f", STORE_ORDER_FIFO, STORE_OKEY_WEBHOOK,
	    { "dlv_3", "dlv_4", NULL }, { NULL }, 1 };

	mk(&m);
	mk(&f);
	ck_assert_uint_eq(get("dlv_1").sequence, 0);
	ck_assert_uint_eq(get("dlv_3").sequence, 0);
	ck_assert_str_eq(due(), "dlv_1,dlv_3,dlv_2,dlv_4");
}
END_TEST

START_TEST(test_lane_deleting_the_head_promotes_the_next)
{
	struct mk m = { "wh_f", STORE_ORDER_FIFO, STORE_OKEY_WEBHOOK,
	    { "dlv_1", "dlv_2", NULL }, { NULL }, 0 };

	mk(&m);
	ck_assert_int_eq(fx_txn(s, 0, del_txn, "dlv_1"), STORE_OK);
	ck_assert_str_eq(due(), "dlv_2");
}
END_TEST

struct lanes {
	char out[512];
	size_t len;
};

static int
lanes_cb(const struct store_lane *l, void *arg)
{
	struct lanes *x = arg;
	int n;

	n = snprintf(x->out + x->len, sizeof(x->out) - x->len,
	    "%s%s/%s:%llu:%llu:%s@%llu", x->len ? "," : "", l->webhook_id,
	    l->lane, (unsigned long long)l->next_seq,
	    (unsigned long long)l->waiting, l->head_id,
	    (unsigned long long)l->head_seq);
	ck_assert_int_gt(n, 0);
	x->len += (size_t)n;
	return 0;
}

static int
lanes_txn(struct store_txn *t, void *arg)
{
	struct lanes *x = arg;

	memset(x, 0, sizeof(*x));
	return store_lane_iter(t, NULL, NULL, lanes_cb, x);
}

START_TEST(test_lane_iter_lists_waiting_lanes_with_their_heads)
{
	struct mk m = { "wh_u", STORE_ORDER_FIFO, STORE_OKEY_USER,
	    { "dlv_1", "dlv_2", "dlv_3", NULL }, { "a", "b", "a" }, 0 };
	struct lanes x;

	mk(&m);
	set("dlv_2", STORE_DLV_DELIVERED, 0, 0);
	set("dlv_1", STORE_DLV_DELIVERED, 0, 0);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, lanes_txn, &x), STORE_OK);
	/* bob's lane has nothing waiting: not listed */
	ck_assert_str_eq(x.out, "wh_u/u:a:3:1:dlv_3@2");
}
END_TEST

static int
cancel_txn(struct store_txn *t, void *arg)
{
	return store_delivery_end_webhook(t, arg, STORE_DLV_CANCELLED, NOW,
	    NULL);
}

static int
count_lanes_cb(const struct store_lane *l, void *arg)
{
	(void)l;
	(*(int *)arg)++;
	return 0;
}

static int
raw_txn(struct store_txn *t, void *arg)
{
	size_t budget = 100;
	int *n = arg;

	*n = 0;
	return store_lane_iter(t, NULL, &budget, count_lanes_cb, n) ==
	    STORE_OK && budget == 100 ? STORE_OK : STORE_ERR;
}

START_TEST(test_lane_cancel_for_a_deleted_webhook_drops_its_lanes)
{
	struct mk m = { "wh_u", STORE_ORDER_FIFO, STORE_OKEY_USER,
	    { "dlv_1", "dlv_2", "dlv_3", NULL }, { "a", "b", "a" }, 0 };
	int n = -1;

	mk(&m);
	ck_assert_int_eq(fx_txn(s, 0, cancel_txn, "wh_u"), STORE_OK);
	ck_assert_str_eq(due(), "");
	/* no lane record left to walk: the budget is untouched */
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, raw_txn, &n), STORE_OK);
	ck_assert_int_eq(n, 0);
}
END_TEST

/* A many-lane store: the due walk sees one entry per lane, not per
 * delivery (what keeps the sender's pick cheap). */
START_TEST(test_lane_many_lanes_one_due_entry_each)
{
	struct mk m = { "wh_u", STORE_ORDER_FIFO, STORE_OKEY_USER,
	    { "dlv_1", "dlv_2", "dlv_3", "dlv_4", "dlv_5", "dlv_6", NULL },
	    { "a", "b", "c", "a", "b", "c" }, 0 };

	mk(&m);
	ck_assert_str_eq(due(), "dlv_1,dlv_2,dlv_3");
}
END_TEST

START_TEST(test_lane_old_record_versions_still_read)
{
	struct store_delivery d = fx_dlv("dlv_1", "evt_1", "wh_1", "app_1",
	    STORE_DLV_PENDING, NOW), back;
	struct store_webhook w = fx_webhook("wh_1", "app_1"), wb;
	static unsigned char buf[REC_WEBHOOK_MAX];
	size_t len;

	/* version 1 = version 2 without the fields added at the end */
	ck_assert_int_eq(rec_delivery_enc(&d, buf, sizeof(buf), &len), 0);
	buf[0] = 1;
	ck_assert_int_eq(rec_delivery_dec(buf, len - 8 - 2 - 1, &back), 0);
	ck_assert_str_eq(back.id, "dlv_1");
	ck_assert_uint_eq(back.sequence, 0);
	ck_assert_int_eq(rec_delivery_dec(buf, len, &back), -1);
	buf[0] = 3;
	ck_assert_int_eq(rec_delivery_dec(buf, len, &back), -1);

	w.ordering = STORE_ORDER_FIFO;
	ck_assert_int_eq(rec_webhook_enc(&w, buf, sizeof(buf), &len), 0);
	ck_assert_int_eq(rec_webhook_dec(buf, len, &wb), 0);
	ck_assert_int_eq(wb.ordering, STORE_ORDER_FIFO);
	/* version 2 = 3 without ordering; 1 = 2 without headers */
	buf[0] = 2;
	ck_assert_int_eq(rec_webhook_dec(buf, len - 2, &wb), 0);
	ck_assert_int_eq(wb.ordering, STORE_ORDER_NONE);
	ck_assert_str_eq(wb.url, "http://127.0.0.1:9/hook");
	buf[0] = 1;
	ck_assert_int_eq(rec_webhook_dec(buf, len - 4, &wb), 0);
	ck_assert_int_eq(wb.ordering, STORE_ORDER_NONE);
}
END_TEST

static Suite *
lane_suite(void)
{
	Suite *su = suite_create("store_lane");
	TCase *tc = tcase_create("lane");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lane_sequences_and_only_the_head_is_due);
	tcase_add_test(tc,
	    test_lane_a_pending_retry_behind_the_head_keeps_its_place);
	tcase_add_test(tc, test_lane_recover_puts_a_failed_head_back_in_front);
	tcase_add_test(tc, test_lane_a_solo_retry_goes_outside_the_order);
	tcase_add_test(tc, test_lane_per_user_id_lanes_are_independent);
	tcase_add_test(tc, test_lane_none_for_unordered_webhooks_and_seq_none);
	tcase_add_test(tc, test_lane_deleting_the_head_promotes_the_next);
	tcase_add_test(tc, test_lane_iter_lists_waiting_lanes_with_their_heads);
	tcase_add_test(tc, test_lane_many_lanes_one_due_entry_each);
	tcase_add_test(tc,
	    test_lane_cancel_for_a_deleted_webhook_drops_its_lanes);
	tcase_add_test(tc, test_lane_old_record_versions_still_read);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(lane_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
