/*
 * test_store_dlvidx.c - the deliveries' app and webhook indices
 * (db/dlvidx.c): a transaction's deliveries of one owner are one entry
 * (split at its size limit) and list newest first exactly as one entry
 * per delivery did; runs of two writers whose ids interleave are merged
 * into entries that do not; one-delivery entries (an older store's, a
 * lone delivery's) read beside runs; deletes of a run's first, middle and
 * last members, in their own transactions or many in one, leave an index
 * that lists exactly what is left; a transaction reads its own entries.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/store.h"
#include "tests/unit/store_fixture.h"

FX_STORE_PER_TEST

#define MAXN 400

typedef char idbuf[STORE_ID_MAX + 1];

/* ---- writing ------------------------------------------------------------- */

struct dlvs {
	const char *const *ids;
	size_t n;
	const char *app, *wh;
	int del;	/* 1: delete them; 2: create all, delete ids[0] */
};

static int
dlvs_cb(struct store_txn *t, void *arg)
{
	const struct dlvs *x = arg;
	struct store_delivery d;
	size_t i;
	int rc;

	for (i = 0; i < x->n; i++) {
		if (x->del == 1) {
			rc = store_delivery_del(t, x->ids[i]);
		} else {
			d = fx_dlv(x->ids[i], "evt_1", x->wh, x->app,
			    STORE_DLV_DELIVERED, 0);
			rc = store_delivery_put(t, &d, 1);
		}
		if (rc != STORE_OK)
			return rc;
	}
	if (x->del == 2)
		return store_delivery_del(t, x->ids[0]);
	return STORE_OK;
}

/* Create ids[0..n) of app_1 / wh_1 in one transaction. */
static void
create(const char *const *ids, size_t n)
{
	struct dlvs x = { ids, n, "app_1", "wh_1", 0 };

	ck_assert_int_eq(fx_txn(s, 0, dlvs_cb, &x), STORE_OK);
}

/* Delete ids[0..n) in one transaction. */
static void
delete(const char *const *ids, size_t n)
{
	struct dlvs x = { ids, n, NULL, NULL, 1 };

	ck_assert_int_eq(fx_txn(s, 0, dlvs_cb, &x), STORE_OK);
}

/* n generated ids (time-ordered, ascending) into v, pointers into p. */
static void
gen(idbuf *v, const char **p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(id_new("dlv", v[i], sizeof(v[i])), 0);
		p[i] = v[i];
	}
}

/* ---- reading ------------------------------------------------------------- */

struct list {
	size_t n;
	idbuf id[MAXN];
};

static int
list_cb(const struct store_delivery *d, void *arg)
{
	struct list *l = arg;

	ck_assert_int_lt(l->n, MAXN);
	memcpy(l->id[l->n++], d->id, sizeof(l->id[0]));
	return 0;
}

struct listing {
	int wh;			/* 1: by webhook */
	const char *owner, *before;
	struct list *l;
};

static int
listing_cb(struct store_txn *t, void *arg)
{
	struct listing *q = arg;

	q->l->n = 0;
	return q->wh ? store_delivery_iter_webhook(t, q->owner, q->before,
	    list_cb, q->l) : store_delivery_iter_app(t, q->owner, q->before,
	    list_cb, q->l);
}

/* The listing of app_1 and of wh_1 (strictly before before, or all) must
 * be want[0..n) in reverse, on both indices. */
static void
assert_lists(const char *before, const char *const *want, size_t n)
{
	struct list l;
	struct listing q = { 0, "app_1", before, &l };
	size_t i;

	for (q.wh = 0; q.wh < 2; q.wh++) {
		q.owner = q.wh ? "wh_1" : "app_1";
		ck_assert_int_eq(fx_txn(s, STORE_RDONLY, listing_cb, &q),
		    STORE_OK);
		ck_assert_msg(l.n == n, "%s: %zu listed, want %zu", q.owner,
		    l.n, n);
		for (i = 0; i < n; i++)
			ck_assert_str_eq(l.id[i], want[n - 1 - i]);
	}
}

/* The raw entries of one index: their key ids and members, in key order;
 * checks that no entry's members reach the next entry's key. */
struct raw {
	size_t n;		/* entries */
	size_t members;
	size_t datalen[MAXN];
	idbuf lastmember;	/* of the entry before */
};

static int
raw_cb(struct dbenv_cur *c, void *arg)
{
	struct raw *r = arg;
	const unsigned char *d = c->d.data;
	idbuf kid;
	size_t off, plen = strlen("app_1") + 1;

	if (c->k.size > 3 && memcmp(c->k.data, "wh_", 3) == 0)
		plen = strlen("wh_1") + 1;
	ck_assert_int_eq(key_tail_str(c->k.data, c->k.size, plen, kid,
	    sizeof(kid)), 0);
	ck_assert_int_lt(r->n, MAXN);
	if (r->n > 0)
		ck_assert_msg(strcmp(r->lastmember, kid) < 0,
		    "entry %s starts before %s of the entry before it", kid,
		    r->lastmember);
	r->datalen[r->n++] = c->d.size;
	memcpy(r->lastmember, kid, sizeof(kid));
	r->members++;
	for (off = 1; off < c->d.size; off += strlen((const char *)d + off) +
	    1) {
		ck_assert_msg(strcmp((const char *)d + off, r->lastmember) > 0,
		    "members out of order");
		ck_assert_int_lt(strlen((const char *)d + off), sizeof(kid));
		memcpy(r->lastmember, d + off, strlen((const char *)d + off) +
		    1);
		r->members++;
	}
	return 0;
}

struct rawq {
	enum dbi db;
	struct raw *r;
};

static int
rawq_cb(struct store_txn *t, void *arg)
{
	struct rawq *q = arg;
	struct key all;

	memset(q->r, 0, sizeof(*q->r));
	key_init(&all);
	return dbenv_walk(t, q->db, &all, NULL, -1, raw_cb, q->r);
}

/* Both indices' raw entries: the app's into *r (the webhook's must have
 * as many entries and members). */
static void
raw(struct raw *r)
{
	struct raw w;
	struct rawq q = { DBI_DLV_APP, r };

	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, rawq_cb, &q), STORE_OK);
	q.db = DBI_DLV_WH;
	q.r = &w;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, rawq_cb, &q), STORE_OK);
	ck_assert_uint_eq(w.n, r->n);
	ck_assert_uint_eq(w.members, r->members);
}

/* ---- tests ----------------------------------------------------------------- */

START_TEST(test_a_transactions_deliveries_are_few_entries_listed_newest_first)
{
	static idbuf v[300];
	const char *p[300];
	struct raw r;

	gen(v, p, 300);
	create(p, 300);
	raw(&r);
	/* 31-byte ids: ~116 per entry */
	ck_assert_uint_eq(r.members, 300);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_uint_le(r.datalen[0], 3600);
	assert_lists(NULL, p, 300);
	/* a page: strictly before a member in the middle of an entry */
	assert_lists(p[150], p, 150);
	assert_lists(p[0], p, 0);
	assert_lists(p[299], p, 299);
}
END_TEST

START_TEST(test_runs_of_writers_whose_ids_interleave_become_entries_that_do_not)
{
	static const char *const all[] = {
		"dlv_A00", "dlv_A01", "dlv_A02", "dlv_A03", "dlv_A04",
		"dlv_A05", "dlv_A06", "dlv_A07", "dlv_A08", "dlv_A09",
		"dlv_A10", "dlv_A11",
	};
	const char *even[] = { all[2], all[4], all[6], all[8] };
	const char *odd[] = { all[3], all[5], all[7] };
	const char *wide[] = { all[0], all[9], all[11] };
	const char *inner[] = { all[1], all[10] };
	struct raw r;

	create(even, 4);
	create(odd, 3);		/* inside the first run */
	raw(&r);
	ck_assert_uint_eq(r.members, 7);
	assert_lists(NULL, all + 2, 7);
	create(wide, 3);	/* around everything */
	create(inner, 2);	/* into what that made */
	raw(&r);
	ck_assert_uint_eq(r.members, 12);
	assert_lists(NULL, all, 12);
	assert_lists("dlv_A06", all, 6);
}
END_TEST

START_TEST(test_one_delivery_entries_read_beside_runs_and_go_with_their_delivery)
{
	static idbuf v[8];
	const char *p[8];
	size_t i;
	struct raw r;

	gen(v, p, 8);
	/* one per transaction: empty data, an older store's entries */
	for (i = 0; i < 3; i++)
		create(p + i, 1);
	create(p + 3, 4);
	create(p + 7, 1);
	raw(&r);
	ck_assert_uint_eq(r.n, 5);
	ck_assert_uint_eq(r.datalen[0], 0);
	ck_assert_uint_gt(r.datalen[3], 0);
	assert_lists(NULL, p, 8);
	delete(p + 1, 1);
	raw(&r);
	ck_assert_uint_eq(r.n, 4);
	{
		const char *left[] = { p[0], p[2], p[3], p[4], p[5], p[6],
		    p[7] };

		assert_lists(NULL, left, 7);
	}
}
END_TEST

START_TEST(test_deletes_of_first_middle_and_last_members_leave_the_rest_listed)
{
	static idbuf v[6];
	const char *p[6];
	struct raw r;

	gen(v, p, 6);
	create(p, 6);
	delete(p, 1);		/* the key's: the entry moves to p[1] */
	{
		const char *left[] = { p[1], p[2], p[3], p[4], p[5] };

		assert_lists(NULL, left, 5);
	}
	delete(p + 3, 1);	/* a middle one */
	delete(p + 5, 1);	/* the last */
	{
		const char *left[] = { p[1], p[2], p[4] };

		assert_lists(NULL, left, 3);
		assert_lists(p[4], left, 2);
	}
	raw(&r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(r.members, 3);
	/* the rest in one transaction, in any order: no entry left */
	{
		const char *rest[] = { p[4], p[1], p[2] };

		delete(rest, 3);
	}
	raw(&r);
	ck_assert_uint_eq(r.n, 0);
	assert_lists(NULL, p, 0);
}
END_TEST

START_TEST(test_many_members_deleted_in_one_transaction_across_entries)
{
	static idbuf v[300];
	const char *p[300], *odd[150], *even[150];
	size_t i;
	struct raw r;

	gen(v, p, 300);
	create(p, 300);
	for (i = 0; i < 150; i++) {
		odd[i] = p[2 * i + 1];
		even[i] = p[2 * i];
	}
	delete(odd, 150);
	raw(&r);
	ck_assert_uint_eq(r.members, 150);
	assert_lists(NULL, even, 150);
	delete(even, 150);
	raw(&r);
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

/* In one write transaction: create, delete one, and list (its own
 * entries are read). */
struct own {
	const char *const *ids;
	struct list l;
};

static int
own_cb(struct store_txn *t, void *arg)
{
	struct own *o = arg;
	struct dlvs x = { o->ids, 3, "app_1", "wh_1", 2 };
	int rc;

	if ((rc = dlvs_cb(t, &x)) != STORE_OK)
		return rc;
	o->l.n = 0;
	return store_delivery_iter_app(t, "app_1", NULL, list_cb, &o->l);
}

START_TEST(test_a_transaction_lists_its_own_creates_and_deletes)
{
	static idbuf v[3];
	const char *p[3];
	struct own o;

	gen(v, p, 3);
	o.ids = p;
	ck_assert_int_eq(fx_txn(s, 0, own_cb, &o), STORE_OK);
	ck_assert_uint_eq(o.l.n, 2);
	ck_assert_str_eq(o.l.id[0], p[2]);
	ck_assert_str_eq(o.l.id[1], p[1]);
	assert_lists(NULL, p + 1, 2);
}
END_TEST

/* A delivery moved to another app and webhook leaves the old lists. */
static int
move_cb(struct store_txn *t, void *arg)
{
	struct store_delivery d = fx_dlv(arg, "evt_1", "wh_2", "app_2",
	    STORE_DLV_DELIVERED, 0);

	return store_delivery_put(t, &d, 0);
}

START_TEST(test_a_delivery_put_under_another_owner_moves_between_lists)
{
	static idbuf v[3];
	const char *p[3];
	struct list l;
	struct listing q = { 0, "app_2", NULL, &l };

	gen(v, p, 3);
	create(p, 3);
	ck_assert_int_eq(fx_txn(s, 0, move_cb, (void *)p[1]), STORE_OK);
	{
		const char *left[] = { p[0], p[2] };

		assert_lists(NULL, left, 2);
	}
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, listing_cb, &q), STORE_OK);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.id[0], p[1]);
	q.wh = 1;
	q.owner = "wh_2";
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, listing_cb, &q), STORE_OK);
	ck_assert_uint_eq(l.n, 1);
}
END_TEST

/* An entry whose data has a version byte this build does not know. */
static int
future_cb(struct store_txn *t, void *arg)
{
	static const unsigned char data[] = { 2, 'x', '\0' };
	struct key k;

	(void)arg;
	key_pair(&k, "app_1", "dlv_A00");
	return dbenv_put(t, DBI_DLV_APP, &k, data, sizeof(data), 0);
}

START_TEST(test_an_entry_of_an_unknown_version_is_refused)
{
	struct list l;
	struct listing q = { 0, "app_1", NULL, &l };

	ck_assert_int_eq(fx_txn(s, 0, future_cb, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, listing_cb, &q), STORE_ERR);
}
END_TEST

static Suite *
dlvidx_suite(void)
{
	Suite *su = suite_create("store_dlvidx");
	TCase *tc = tcase_create("dlvidx");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
	    test_a_transactions_deliveries_are_few_entries_listed_newest_first);
	tcase_add_test(tc,
	    test_runs_of_writers_whose_ids_interleave_become_entries_that_do_not);
	tcase_add_test(tc,
	    test_one_delivery_entries_read_beside_runs_and_go_with_their_delivery);
	tcase_add_test(tc,
	    test_deletes_of_first_middle_and_last_members_leave_the_rest_listed);
	tcase_add_test(tc,
	    test_many_members_deleted_in_one_transaction_across_entries);
	tcase_add_test(tc, test_a_transaction_lists_its_own_creates_and_deletes);
	tcase_add_test(tc,
	    test_a_delivery_put_under_another_owner_moves_between_lists);
	tcase_add_test(tc, test_an_entry_of_an_unknown_version_is_refused);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(dlvidx_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
