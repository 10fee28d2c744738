/*
 * test_store_upgrade.c - a store written by an older hookd keeps working:
 * attempts of the older layout (record in attempts.db by attempt id, an
 * empty by-delivery entry, an empty failures entry) read beside new ones
 * (the record is the by-delivery entry), in order, through both walks,
 * and go with their delivery; a delivery's by-event entry (no longer
 * written) is still found, and goes with its delivery.  The older records
 * are written here the way the older code wrote them.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/rec.h"
#include "db/store.h"
#include "tests/unit/store_fixture.h"

FX_STORE_PER_TEST

#define T0 1700000000000LL

static struct store_attempt
attempt(const char *id, int64_t at, int status)
{
	struct store_attempt a;

	memset(&a, 0, sizeof(a));
	FX_SET(a.id, id);
	FX_SET(a.delivery_id, "dlv_1");
	FX_SET(a.webhook_id, "wh_1");
	a.at = at;
	a.status_code = status;
	a.duration_ms = 7;
	memcpy(a.response, "oops", 4);
	a.response_len = 4;
	return a;
}

/* The older layout's three writes for a (a failure). */
static int
old_attempt_cb(struct store_txn *t, void *arg)
{
	const struct store_attempt *a = arg;
	unsigned char buf[REC_ATTEMPT_MAX];
	struct key k;
	size_t len;
	int rc;

	if (rec_attempt_enc(a, buf, sizeof(buf), &len) == -1)
		return STORE_ERR;
	key_id(&k, a->id);
	if ((rc = dbenv_put(t, DBI_ATT, &k, buf, len, 1)) != STORE_OK)
		return rc;
	key_pair(&k, a->delivery_id, a->id);
	if ((rc = dbenv_put(t, DBI_ATT_DLV, &k, "", 0, 1)) != STORE_OK)
		return rc;
	key_at(&k, a->at, a->id);
	return dbenv_put(t, DBI_ATT_FAIL, &k, "", 0, 1);
}

static int
setup_cb(struct store_txn *t, void *arg)
{
	struct store_webhook w = fx_webhook("wh_1", "app_1");
	struct store_delivery d = fx_dlv("dlv_1", "evt_1", "wh_1", "app_1",
	    STORE_DLV_PENDING, T0);
	struct store_attempt a = attempt("att_2", T0 + 2, 503);
	int rc;

	(void)arg;
	if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK ||
	    (rc = store_delivery_put(t, &d, 1)) != STORE_OK)
		return rc;
	return store_attempt_put(t, &a);	/* the new layout */
}

struct got {
	size_t n;
	char ids[4][STORE_ID_MAX + 1];
	int status[4];
	size_t resp_len[4];
};

static int
got_cb(const struct store_attempt *a, void *arg)
{
	struct got *g = arg;

	if (g->n < 4) {
		memcpy(g->ids[g->n], a->id, sizeof(g->ids[0]));
		g->status[g->n] = a->status_code;
		g->resp_len[g->n] = a->response_len;
	}
	g->n++;
	return 0;
}

struct walks {
	struct got by_dlv, failures;
	struct store_counts c;
	int old_rec, new_rec;	/* attempts.db has att_1 / att_2 */
};

static int
walks_cb(struct store_txn *t, void *arg)
{
	struct walks *w = arg;
	struct key k;
	int rc;

	memset(w, 0, sizeof(*w));
	if ((rc = store_attempt_iter_delivery(t, "dlv_1", got_cb,
	    &w->by_dlv)) != STORE_OK ||
	    (rc = store_attempt_iter_failures(t, got_cb, &w->failures)) !=
	    STORE_OK ||
	    (rc = store_counts(t, &w->c)) != STORE_OK)
		return rc;
	key_id(&k, "att_1");
	w->old_rec = dbenv_exists(t, DBI_ATT, &k, 0) == STORE_OK;
	key_id(&k, "att_2");
	w->new_rec = dbenv_exists(t, DBI_ATT, &k, 0) == STORE_OK;
	return STORE_OK;
}

static int
del_cb(struct store_txn *t, void *arg)
{
	(void)arg;
	return store_delivery_del(t, "dlv_1");
}

START_TEST(test_attempts_of_an_older_store_read_beside_new_ones)
{
	struct store_attempt old = attempt("att_1", T0 + 1, 500);
	struct walks w;

	ck_assert_int_eq(fx_txn(s, 0, setup_cb, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, old_attempt_cb, &old), STORE_OK);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, walks_cb, &w), STORE_OK);

	/* oldest first, both layouts, whole records */
	ck_assert_uint_eq(w.by_dlv.n, 2);
	ck_assert_str_eq(w.by_dlv.ids[0], "att_1");
	ck_assert_int_eq(w.by_dlv.status[0], 500);
	ck_assert_str_eq(w.by_dlv.ids[1], "att_2");
	ck_assert_int_eq(w.by_dlv.status[1], 503);
	ck_assert_uint_eq(w.by_dlv.resp_len[1], 4);
	/* failures newest first, both layouts */
	ck_assert_uint_eq(w.failures.n, 2);
	ck_assert_str_eq(w.failures.ids[0], "att_2");
	ck_assert_str_eq(w.failures.ids[1], "att_1");
	ck_assert_uint_eq(w.c.attempts, 2);
	/* a new attempt is one by-delivery record, nothing in attempts.db */
	ck_assert(w.old_rec);
	ck_assert(!w.new_rec);

	/* deleting the delivery takes both layouts' attempts along */
	ck_assert_int_eq(fx_txn(s, 0, del_cb, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, walks_cb, &w), STORE_OK);
	ck_assert_uint_eq(w.by_dlv.n, 0);
	ck_assert_uint_eq(w.failures.n, 0);
	ck_assert_uint_eq(w.c.attempts, 0);
	ck_assert(!w.old_rec);
}
END_TEST

static int
replace_cb(struct store_txn *t, void *arg)
{
	struct store_attempt *a = arg;

	return store_attempt_put(t, a);
}

/* The same attempt put twice (a replace) leaves one record and moves its
 * failures entry. */
START_TEST(test_attempt_put_twice_is_one_attempt)
{
	struct store_attempt a = attempt("att_3", T0 + 3, 500);
	struct walks w;

	ck_assert_int_eq(fx_txn(s, 0, setup_cb, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, replace_cb, &a), STORE_OK);
	a.status_code = 204;
	ck_assert_int_eq(fx_txn(s, 0, replace_cb, &a), STORE_OK);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, walks_cb, &w), STORE_OK);
	ck_assert_uint_eq(w.by_dlv.n, 2);
	ck_assert_int_eq(w.by_dlv.status[1], 204);
	ck_assert_uint_eq(w.failures.n, 1);	/* att_2 only */
	ck_assert_str_eq(w.failures.ids[0], "att_2");
}
END_TEST

static int
old_evt_entry_cb(struct store_txn *t, void *arg)
{
	struct key k;

	(void)arg;
	key_pair(&k, "evt_1", "dlv_1");
	return dbenv_put(t, DBI_DLV_EVT, &k, "", 0, 1);
}

static int
count_cb(const struct store_delivery *d, void *arg)
{
	(void)d;
	(*(int *)arg)++;
	return 0;
}

static int
by_event_cb(struct store_txn *t, void *arg)
{
	*(int *)arg = 0;
	return store_delivery_iter_event(t, "evt_1", count_cb, arg);
}

/* Retention asks the by-event index for an older store's deliveries. */
START_TEST(test_by_event_entry_of_an_older_store_is_found_and_removed)
{
	int n;

	ck_assert_int_eq(fx_txn(s, 0, setup_cb, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, by_event_cb, &n), STORE_OK);
	ck_assert_int_eq(n, 0);		/* not written any more */
	ck_assert_int_eq(fx_txn(s, 0, old_evt_entry_cb, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, by_event_cb, &n), STORE_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(fx_txn(s, 0, del_cb, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, by_event_cb, &n), STORE_OK);
	ck_assert_int_eq(n, 0);
}
END_TEST

static Suite *
upgrade_suite(void)
{
	Suite *su = suite_create("store_upgrade");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_attempts_of_an_older_store_read_beside_new_ones);
	tcase_add_test(tc, test_attempt_put_twice_is_one_attempt);
	tcase_add_test(tc,
	    test_by_event_entry_of_an_older_store_is_found_and_removed);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(upgrade_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
