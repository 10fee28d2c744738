/*
 * test_store_due.c - db/due.c: a due index entry carries what a pick
 * needs (no delivery record is read), follows every change of it, and an
 * entry of an older store (no data) still reads, from the delivery, until
 * its delivery's next write gives it data.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/store.h"
#include "tests/unit/store_fixture.h"

FX_STORE_PER_TEST

#define T0 1700000000000LL

struct put {
	struct store_delivery d;
	int create;
};

static int
put_cb(struct store_txn *t, void *arg)
{
	struct put *p = arg;
	struct store_webhook w = fx_webhook("wh_1", "app_1");
	int rc;

	if (p->create && (rc = store_webhook_put(t, &w, 1)) != STORE_OK &&
	    rc != STORE_EXISTS)
		return rc;
	return store_delivery_put(t, &p->d, p->create);
}

static void
put(const struct store_delivery *d, int create)
{
	struct put p = { *d, create };

	ck_assert_int_eq(fx_txn(s, 0, put_cb, &p), STORE_OK);
}

struct seen {
	size_t n;
	struct store_delivery d[4];
};

static int
seen_cb(const struct store_delivery *d, void *arg)
{
	struct seen *sn = arg;

	if (sn->n < 4)
		sn->d[sn->n] = *d;
	sn->n++;
	return 0;
}

static int
no_skip(const char *id, void *arg)
{
	(void)id;
	(void)arg;
	return 0;
}

static int
walk_cb(struct store_txn *t, void *arg)
{
	struct seen *sn = arg;

	memset(sn, 0, sizeof(*sn));
	return store_delivery_iter_due_skip(t, INT64_MAX, no_skip, seen_cb,
	    sn);
}

/* What a pick gets for the one due entry. */
static struct store_delivery
picked(void)
{
	struct seen sn;

	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, walk_cb, &sn), STORE_OK);
	ck_assert_uint_eq(sn.n, 1);
	return sn.d[0];
}

START_TEST(test_due_entry_carries_what_a_pick_needs_without_the_record)
{
	struct store_delivery d = fx_dlv("dlv_1", "evt_1", "wh_1", "app_1",
	    STORE_DLV_PENDING, T0), got;

	put(&d, 1);
	got = picked();
	ck_assert_str_eq(got.id, "dlv_1");
	ck_assert_str_eq(got.webhook_id, "wh_1");
	ck_assert_str_eq(got.event_id, "evt_1");
	ck_assert_str_eq(got.event_type, "user.created");
	ck_assert_int_eq(got.status, STORE_DLV_PENDING);
	ck_assert_int_eq(got.next_attempt_at, T0);
	ck_assert_uint_eq(got.attempts, 0);
	/* not in the entry: the delivery record was not read */
	ck_assert_str_eq(got.app_id, "");
	ck_assert_int_eq(got.created_at, 0);

	/* a retry: new key, new data */
	d.attempts = 1;
	d.next_attempt_at = T0 + 5000;
	put(&d, 0);
	got = picked();
	ck_assert_int_eq(got.next_attempt_at, T0 + 5000);
	ck_assert_uint_eq(got.attempts, 1);

	/* the same key, only the data changed: rewritten */
	d.attempts = 2;
	put(&d, 0);
	ck_assert_uint_eq(picked().attempts, 2);

	/* no longer pending: gone */
	d.status = STORE_DLV_DELIVERED;
	put(&d, 0);
	{
		struct seen sn;

		ck_assert_int_eq(fx_txn(s, STORE_RDONLY, walk_cb, &sn),
		    STORE_OK);
		ck_assert_uint_eq(sn.n, 0);
	}
}
END_TEST

static int
old_entry_cb(struct store_txn *t, void *arg)
{
	const struct store_delivery *d = arg;
	struct key k;

	key_at(&k, d->next_attempt_at, d->id);
	return dbenv_put(t, DBI_DLV_DUE, &k, "", 0, 0);
}

/* A store written before the entries had data: its entries are empty. */
START_TEST(test_due_entry_without_data_from_an_older_store_still_reads)
{
	struct store_delivery d = fx_dlv("dlv_1", "evt_1", "wh_1", "app_1",
	    STORE_DLV_PENDING, T0), got;

	put(&d, 1);
	ck_assert_int_eq(fx_txn(s, 0, old_entry_cb, &d), STORE_OK);
	got = picked();		/* read from the delivery record */
	ck_assert_str_eq(got.id, "dlv_1");
	ck_assert_str_eq(got.webhook_id, "wh_1");
	ck_assert_str_eq(got.event_id, "evt_1");
	ck_assert_str_eq(got.app_id, "app_1");
	ck_assert_int_eq(got.next_attempt_at, T0);

	/* the delivery's next write gives the entry its data */
	d.attempts = 1;
	put(&d, 0);
	got = picked();
	ck_assert_str_eq(got.webhook_id, "wh_1");
	ck_assert_str_eq(got.app_id, "");
	ck_assert_uint_eq(got.attempts, 1);
}
END_TEST

static Suite *
due_suite(void)
{
	Suite *su = suite_create("store_due");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
	    test_due_entry_carries_what_a_pick_needs_without_the_record);
	tcase_add_test(tc,
	    test_due_entry_without_data_from_an_older_store_still_reads);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(due_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
