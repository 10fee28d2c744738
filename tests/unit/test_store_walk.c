/*
 * test_store_walk.c - the forward index walks of db/dbenv.c after they
 * came to share one loop (dc17009): dbenv_walk's `after` key is passed
 * over (exclusive) and the walk stays inside its prefix; dbenv_walk_from
 * (the due walk from a moment) starts at that moment's first entry and
 * runs to the end of the index.  Seen through the public iterators that use them:
 * store_app_iter (org index, `after_id`) and
 * store_delivery_iter_due_from.  The due walks read in bulk
 * (db/walkbulk.c): every entry once, in order, across the buffers, and
 * across entries larger than the first buffer (white-box: the raw walk
 * over raw entries, db/dbenv.h).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/store.h"
#include "tests/unit/store_fixture.h"

/* home, s, setup and teardown: a fresh environment per test */
FX_STORE_PER_TEST

/* What a walk saw: ids joined by ',' */
struct seen {
	char ids[1024];
	size_t len;
	int stop_after;		/* > 0: the callback returns 1 at that many */
	int n;
};

static int
seen_add(struct seen *w, const char *id)
{
	size_t n = strlen(id);

	ck_assert_uint_lt(w->len + n + 2, sizeof(w->ids));
	if (w->len > 0)
		w->ids[w->len++] = ',';
	memcpy(w->ids + w->len, id, n + 1);
	w->len += n;
	w->n++;
	return w->stop_after > 0 && w->n >= w->stop_after ? 1 : 0;
}

/* ---- the org index: (org, app id), walked after an id ---------------- */

static const struct {
	const char *id, *org;
} apps[] = {
	{ "app_1", "org_a" }, { "app_2", "org_a" }, { "app_3", "org_a" },
	{ "app_4", "org_a" }, { "app_5", "org_b" }, { "app_6", "org_b" },
};

static int
put_apps(struct store_txn *t, void *arg)
{
	struct store_app a;
	size_t i;
	int rc;

	(void)arg;
	for (i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
		memset(&a, 0, sizeof(a));
		FX_SET(a.id, apps[i].id);
		FX_SET(a.org_id, apps[i].org);
		FX_SET(a.name, "n");
		a.key_hash[0] = (unsigned char)(i + 1);
		a.created_at = 1;
		if ((rc = store_app_put(t, &a, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

static int
app_cb(const struct store_app *a, void *arg)
{
	return seen_add(arg, a->id);
}

struct app_walk {
	const char *org, *after;
	struct seen w;
};

static int
app_walk_txn(struct store_txn *t, void *arg)
{
	struct app_walk *q = arg;
	int stop = q->w.stop_after;

	memset(&q->w, 0, sizeof(q->w));
	q->w.stop_after = stop;
	return store_app_iter(t, q->org, q->after, app_cb, &q->w);
}

static const char *
apps_after(const char *org, const char *after, int stop_after)
{
	static struct app_walk q;

	memset(&q, 0, sizeof(q));
	q.org = org;
	q.after = after;
	q.w.stop_after = stop_after;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, app_walk_txn, &q), STORE_OK);
	return q.w.ids;
}

START_TEST(test_store_app_iter_after_id_is_exclusive_and_stays_in_the_org)
{
	ck_assert_int_eq(fx_txn(s, 0, put_apps, NULL), STORE_OK);
	/* no `after`: the whole org, and only it */
	ck_assert_str_eq(apps_after("org_a", NULL, 0),
	    "app_1,app_2,app_3,app_4");
	ck_assert_str_eq(apps_after("org_a", "", 0),
	    "app_1,app_2,app_3,app_4");
	/* an existing id is passed over; the walk ends at the org's end */
	ck_assert_str_eq(apps_after("org_a", "app_2", 0), "app_3,app_4");
	ck_assert_str_eq(apps_after("org_a", "app_4", 0), "");
	/* an id that is not there: from the next one on */
	ck_assert_str_eq(apps_after("org_a", "app_25", 0), "app_3,app_4");
	ck_assert_str_eq(apps_after("org_b", "app_1", 0), "app_5,app_6");
	/* an id of the other org does not lead the walk out of this one */
	ck_assert_str_eq(apps_after("org_a", "app_5", 0), "");
	/* every app (no org): the same skip over the primary index */
	ck_assert_str_eq(apps_after(NULL, "app_3", 0), "app_4,app_5,app_6");
	/* a callback's 1 ends the walk at once, STORE_OK */
	ck_assert_str_eq(apps_after("org_a", "app_1", 1), "app_2");
}
END_TEST

/* ---- the due index: (next_attempt_at, id), walked from a key --------- */

static const struct {
	const char *id;
	int64_t at;
	int status;
} dlvs[] = {
	{ "dlv_a", 100, STORE_DLV_PENDING },
	{ "dlv_b", 200, STORE_DLV_PENDING },
	{ "dlv_c", 200, STORE_DLV_PENDING },
	{ "dlv_d", 300, STORE_DLV_PENDING },
	{ "dlv_e", 150, STORE_DLV_DELIVERED },	/* not in the due index */
};

static int
put_dlvs(struct store_txn *t, void *arg)
{
	struct store_delivery d;
	size_t i;
	int rc;

	(void)arg;
	for (i = 0; i < sizeof(dlvs) / sizeof(dlvs[0]); i++) {
		d = fx_dlv(dlvs[i].id, "evt_1", "wh_1", "app_1",
		    dlvs[i].status, dlvs[i].at);
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

struct due_walk {
	int64_t from_at, until;
	const char *pass_over;	/* skip() answers 1 for it (unread) */
	const char *end_at;	/* skip() answers 2 for it */
	struct seen w;
};

static int
due_skip(const char *id, void *arg)
{
	struct due_walk *q = arg;

	if (q->end_at != NULL && strcmp(id, q->end_at) == 0)
		return 2;
	if (q->pass_over != NULL && strcmp(id, q->pass_over) == 0)
		return 1;
	return 0;
}

static int
due_cb(const struct store_delivery *d, void *arg)
{
	struct due_walk *q = arg;

	return seen_add(&q->w, d->id);
}

static int
due_walk_txn(struct store_txn *t, void *arg)
{
	struct due_walk *q = arg;

	memset(&q->w, 0, sizeof(q->w));
	return store_delivery_iter_due_from(t, q->from_at, q->until,
	    due_skip, due_cb, q);
}

static const char *
due_from(int64_t at, int64_t until, const char *pass_over, const char *end_at)
{
	static struct due_walk q;

	memset(&q, 0, sizeof(q));
	q.from_at = at;
	q.until = until;
	q.pass_over = pass_over;
	q.end_at = end_at;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, due_walk_txn, &q), STORE_OK);
	return q.w.ids;
}

START_TEST(test_store_due_walk_from_a_moment_starts_at_its_first_entry)
{
	ck_assert_int_eq(fx_txn(s, 0, put_dlvs, NULL), STORE_OK);
	/* the moment's entries first (both of 200: b and c, one run), then
	 * the rest */
	ck_assert_str_eq(due_from(200, INT64_MAX, NULL, NULL),
	    "dlv_b,dlv_c,dlv_d");
	ck_assert_str_eq(due_from(100, INT64_MAX, NULL, NULL),
	    "dlv_a,dlv_b,dlv_c,dlv_d");
	/* a moment without entries: from the next one */
	ck_assert_str_eq(due_from(250, INT64_MAX, NULL, NULL), "dlv_d");
	/* past the last one: nothing, and no error */
	ck_assert_str_eq(due_from(400, INT64_MAX, NULL, NULL), "");
	/* until bounds it; skip() passes over (1) or ends the walk (2) */
	ck_assert_str_eq(due_from(100, 200, NULL, NULL),
	    "dlv_a,dlv_b,dlv_c");
	ck_assert_str_eq(due_from(100, INT64_MAX, "dlv_b", NULL),
	    "dlv_a,dlv_c,dlv_d");
	ck_assert_str_eq(due_from(100, INT64_MAX, NULL, "dlv_c"),
	    "dlv_a,dlv_b");
}
END_TEST

/* ---- the due walks read in bulk (db/walkbulk.c) ----------------------
 * Enough entries for several bulk buffers (16 KiB, some 100 entries): each
 * entry comes once, in key order, across the buffers' seams; a stop in the
 * middle of a buffer and a walk from the next key go on where it ended. */

#define BULK_N 700

static int
put_many(struct store_txn *t, void *arg)
{
	struct store_delivery d;
	char id[32], evt[32];
	int i, rc;

	(void)arg;
	for (i = 0; i < BULK_N; i++) {
		snprintf(id, sizeof(id), "dlv_%04d", i);
		snprintf(evt, sizeof(evt), "evt_%04d", i);
		/* three entries per millisecond: ties ordered by id */
		d = fx_dlv(id, evt, "wh_1", "app_1", STORE_DLV_PENDING,
		    1000 + i / 3);
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

struct bulk_walk {
	int from;		/* -1: from the head (iter_due_skip) */
	int stop_at;		/* the callback stops after this index */
	int next;		/* the index expected next */
	int bad;		/* entries out of order, twice, or wrong */
	int64_t last_at;
	char last_id[STORE_ID_MAX + 1];
};

static int
bulk_cb(const struct store_delivery *d, void *arg)
{
	struct bulk_walk *q = arg;
	char id[32], evt[32];

	snprintf(id, sizeof(id), "dlv_%04d", q->next);
	snprintf(evt, sizeof(evt), "evt_%04d", q->next);
	if (strcmp(d->id, id) != 0 || strcmp(d->event_id, evt) != 0 ||
	    d->next_attempt_at != 1000 + q->next / 3 ||
	    strcmp(d->webhook_id, "wh_1") != 0)
		q->bad++;
	q->last_at = d->next_attempt_at;
	snprintf(q->last_id, sizeof(q->last_id), "%s", d->id);
	return q->next++ == q->stop_at ? 1 : 0;
}

static int
bulk_skip(const char *id, void *arg)
{
	(void)id;
	(void)arg;
	return 0;
}

static int
bulk_txn(struct store_txn *t, void *arg)
{
	struct bulk_walk *q = arg;

	if (q->from < 0)
		return store_delivery_iter_due_skip(t, INT64_MAX, bulk_skip,
		    bulk_cb, q);
	return store_delivery_iter_due_from(t, q->last_at, INT64_MAX,
	    bulk_skip, bulk_cb, q);
}

START_TEST(test_store_due_walk_in_bulk_sees_every_entry_once_in_order)
{
	struct bulk_walk q;

	ck_assert_int_eq(fx_txn(s, 0, put_many, NULL), STORE_OK);
	/* the whole index from the head */
	memset(&q, 0, sizeof(q));
	q.from = -1;
	q.stop_at = -1;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, bulk_txn, &q), STORE_OK);
	ck_assert_int_eq(q.bad, 0);
	ck_assert_int_eq(q.next, BULK_N);
	/* stop inside a buffer (entry 250), then from its moment on: the
	 * moment's first entry (249) comes again, then the rest */
	memset(&q, 0, sizeof(q));
	q.from = -1;
	q.stop_at = 250;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, bulk_txn, &q), STORE_OK);
	ck_assert_int_eq(q.bad, 0);
	ck_assert_int_eq(q.next, 251);
	ck_assert_str_eq(q.last_id, "dlv_0250");
	q.from = 1;
	q.next = 249;
	q.stop_at = -1;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, bulk_txn, &q), STORE_OK);
	ck_assert_int_eq(q.bad, 0);
	ck_assert_int_eq(q.next, BULK_N);
}
END_TEST

/* ---- entries larger than the bulk buffer (db/walkbulk.c) -------------
 * The walk's first buffer holds 16 KiB; one pair larger than that comes
 * back as DB_BUFFER_SMALL with the size it needs, and the walk grows the
 * buffer and asks again from where the cursor stands.  No due entry the
 * store writes is that large (some hundred bytes at most), so raw pairs
 * stand in for them: a large one first (the positioning call grows), two
 * in a row in the middle (growing twice, after a DB_NEXT), one smaller
 * than the grown buffer after them and one last. */

#define BIG_N 200

/* The data size of entry i. */
static size_t
big_size(int i)
{
	switch (i) {
	case 0:
		return 20000;
	case 100:
		return 40000;
	case 101:
		return 100 * 1024 + 7;
	case 102:
		return 17000;
	case BIG_N - 1:
		return 30000;
	default:
		return 40 + (size_t)(i % 7);
	}
}

/* Byte j of entry i's data. */
static unsigned char
big_byte(int i, size_t j)
{
	return (unsigned char)((size_t)i * 31u + j * 7u);
}

static void
big_key(struct key *k, int i)
{
	char id[32];

	snprintf(id, sizeof(id), "dlv_%04d", i);
	key_at(k, 1000 + i, id);
}

static int
put_big(struct store_txn *t, void *arg)
{
	unsigned char *d;
	struct key k;
	size_t j, n;
	int i, rc = STORE_OK;

	(void)arg;
	d = malloc(big_size(101));
	ck_assert_ptr_nonnull(d);
	for (i = 0; i < BIG_N && rc == STORE_OK; i++) {
		n = big_size(i);
		for (j = 0; j < n; j++)
			d[j] = big_byte(i, j);
		big_key(&k, i);
		rc = dbenv_put(t, DBI_DLV_DUE, &k, d, n, 0);
	}
	free(d);
	return rc;
}

struct big_walk {
	int from;		/* the entry the walk starts at */
	int next;		/* the entry expected next */
	int bad;		/* entries out of order, twice, or wrong */
};

static int
big_cb(struct dbenv_cur *c, void *arg)
{
	struct big_walk *q = arg;
	const unsigned char *d = c->d.data;
	struct key k;
	size_t j;

	big_key(&k, q->next);
	if (q->next >= BIG_N || c->k.size != k.len ||
	    memcmp(c->k.data, k.b, k.len) != 0 ||
	    c->d.size != big_size(q->next)) {
		q->bad++;
	} else {
		for (j = 0; j < c->d.size; j++)
			if (d[j] != big_byte(q->next, j)) {
				q->bad++;
				break;
			}
	}
	q->next++;
	return 0;
}

static int
big_txn(struct store_txn *t, void *arg)
{
	struct big_walk *q = arg;
	struct key k;

	if (q->from == 0)
		key_init(&k);		/* from the head: DB_FIRST */
	else
		big_key(&k, q->from);	/* DB_SET_RANGE */
	return dbenv_walk_bulk(t, DBI_DLV_DUE, &k, big_cb, q);
}

START_TEST(test_bulk_walk_grows_for_an_entry_larger_than_its_buffer)
{
	static const int from[] = { 0, 1, 100, 101, 150 };
	struct big_walk q;
	size_t i;

	ck_assert_int_eq(fx_txn(s, 0, put_big, NULL), STORE_OK);
	for (i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		memset(&q, 0, sizeof(q));
		q.from = q.next = from[i];
		ck_assert_int_eq(fx_txn(s, STORE_RDONLY, big_txn, &q),
		    STORE_OK);
		ck_assert_int_eq(q.bad, 0);
		ck_assert_int_eq(q.next, BIG_N);	/* each once, to the end */
	}
}
END_TEST

static Suite *
walk_suite(void)
{
	Suite *su = suite_create("store_walk");
	TCase *tc = tcase_create("walk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    test_store_app_iter_after_id_is_exclusive_and_stays_in_the_org);
	tcase_add_test(tc,
	    test_store_due_walk_from_a_moment_starts_at_its_first_entry);
	tcase_add_test(tc,
	    test_store_due_walk_in_bulk_sees_every_entry_once_in_order);
	tcase_add_test(tc,
	    test_bulk_walk_grows_for_an_entry_larger_than_its_buffer);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(walk_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
