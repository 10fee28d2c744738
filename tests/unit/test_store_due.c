/*
 * test_store_due.c - db/due.c: a due index entry carries what a pick
 * needs (no delivery record is read), follows every change of it, and an
 * entry of an older store (no data) still reads, from the delivery, until
 * its delivery's next write gives it data.
 */
#include <check.h>
#include <stdio.h>
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


/* A batch of outcomes: N pending deliveries, several per millisecond,
 * over many pages of the index. */
#define LATER_N 1500

static void
later_id(char *out, size_t n, int i)
{
	snprintf(out, n, "dlv_%05d", i);
}

static int
later_create_cb(struct store_txn *t, void *arg)
{
	struct store_webhook w = fx_webhook("wh_1", "app_1");
	struct store_delivery d;
	char id[32];
	int i, rc;

	(void)arg;
	if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
		return rc;
	for (i = 0; i < LATER_N; i++) {
		later_id(id, sizeof(id), i);
		d = fx_dlv(id, "evt_1", "wh_1", "app_1", STORE_DLV_PENDING,
		    T0 + i / 3);
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

/* What happens to delivery i in the batch: 0 nothing (not in it),
 * 1 delivered, 2 retried later (a new entry, the old one deferred). */
static int
later_fate(int i)
{
	if (i % 7 == 0)
		return 0;
	return (i * 13) % 10 < 7 ? 1 : 2;
}

static int
later_batch_cb(struct store_txn *t, void *arg)
{
	struct store_due_later *later = arg;
	struct store_delivery old, d;
	struct store_queue q;
	char id[32];
	int i, k, rc;

	memset(&q, 0, sizeof(q));
	later->n = 0;
	/* an order unlike the index's: a stride through it */
	for (k = 0; k < LATER_N; k++) {
		i = (k * 577) % LATER_N;
		if (later_fate(i) == 0)
			continue;
		later_id(id, sizeof(id), i);
		if ((rc = store_delivery_get(t, id, &old)) != STORE_OK)
			return rc;
		d = old;
		d.attempts++;
		if (later_fate(i) == 1)
			d.status = STORE_DLV_DELIVERED;
		else
			d.next_attempt_at = T0 + 100000 + i;
		if ((rc = store_delivery_put_over(t, &old, &d, &q,
		    later)) != STORE_OK)
			return rc;
	}
	/* the same key twice, and keys that are not there: passed over */
	later->v[later->n++] = later->v[0];
	later->v[later->n].at = T0 - 5;
	memcpy(later->v[later->n++].id, "dlv_none", 9);
	later->v[later->n].at = T0 + 999999;
	memcpy(later->v[later->n++].id, "dlv_zzz", 8);
	/* pairs of absent keys between present ones: the second is searched
	 * for and the search lands on an entry after it */
	for (i = 50; i < LATER_N / 3; i += 100) {
		later->v[later->n].at = T0 + i;
		memcpy(later->v[later->n++].id, "dlv_x0", 7);
		later->v[later->n].at = T0 + i;
		memcpy(later->v[later->n++].id, "dlv_x1", 7);
	}
	if ((rc = store_due_del_later(t, later)) != STORE_OK)
		return rc;
	ck_assert_uint_eq(later->n, 0);
	return store_queue_add(t, &q);
}

struct all {
	int64_t at[LATER_N];
	int seen[LATER_N];
	size_t n;
};

static int
all_cb(const struct store_delivery *d, void *arg)
{
	struct all *a = arg;
	int i = (int)strtol(d->id + 4, NULL, 10);

	ck_assert_int_ge(i, 0);
	ck_assert_int_lt(i, LATER_N);
	a->seen[i]++;
	a->at[i] = d->next_attempt_at;
	a->n++;
	return 0;
}

static int
all_walk_cb(struct store_txn *t, void *arg)
{
	struct all *a = arg;

	memset(a, 0, sizeof(*a));
	return store_delivery_iter_due_skip(t, INT64_MAX, no_skip, all_cb, a);
}

/* The batch's due entries go in one walk at its end: exactly the old
 * entries of the deliveries it ended or moved, every other one stays. */
START_TEST(test_due_later_removes_exactly_the_batch_entries)
{
	struct store_due_later later;
	struct all *a = calloc(1, sizeof(*a));
	int i;

	ck_assert_ptr_nonnull(a);
	later.v = calloc(LATER_N + 64, sizeof(*later.v));
	ck_assert_ptr_nonnull(later.v);
	ck_assert_int_eq(fx_txn(s, 0, later_create_cb, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, later_batch_cb, &later), STORE_OK);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, all_walk_cb, a), STORE_OK);
	for (i = 0; i < LATER_N; i++) {
		switch (later_fate(i)) {
		case 0:
			ck_assert_int_eq(a->seen[i], 1);
			ck_assert_int_eq(a->at[i], T0 + i / 3);
			break;
		case 1:
			ck_assert_int_eq(a->seen[i], 0);
			break;
		default:
			ck_assert_int_eq(a->seen[i], 1);
			ck_assert_int_eq(a->at[i], T0 + 100000 + i);
			break;
		}
	}
	free(later.v);
	free(a);
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
	tcase_add_test(tc, test_due_later_removes_exactly_the_batch_entries);
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
