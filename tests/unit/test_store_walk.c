/*
 * test_store_walk.c - the forward index walks of db/dbenv.c after they
 * came to share one loop (dc17009): dbenv_walk's `after` key is passed
 * over (exclusive) and the walk stays inside its prefix; dbenv_walk_from
 * (the due walk from a key) starts at its key (inclusive) and runs to the
 * end of the index.  Seen through the public iterators that use them:
 * store_app_iter (org index, `after_id`) and
 * store_delivery_iter_due_from.  The due walks read in bulk
 * (db/walkbulk.c): every entry once, in order, across the buffers.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	const char *from_id;
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
	return store_delivery_iter_due_from(t, q->from_at, q->from_id,
	    q->until, due_skip, due_cb, q);
}

static const char *
due_from(int64_t at, const char *id, int64_t until, const char *pass_over,
    const char *end_at)
{
	static struct due_walk q;

	memset(&q, 0, sizeof(q));
	q.from_at = at;
	q.from_id = id;
	q.until = until;
	q.pass_over = pass_over;
	q.end_at = end_at;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, due_walk_txn, &q), STORE_OK);
	return q.w.ids;
}

START_TEST(test_store_due_walk_from_a_key_is_inclusive_and_runs_to_the_end)
{
	ck_assert_int_eq(fx_txn(s, 0, put_dlvs, NULL), STORE_OK);
	/* the start key itself comes first (inclusive), then the rest */
	ck_assert_str_eq(due_from(200, "dlv_c", INT64_MAX, NULL, NULL),
	    "dlv_c,dlv_d");
	ck_assert_str_eq(due_from(200, "dlv_b", INT64_MAX, NULL, NULL),
	    "dlv_b,dlv_c,dlv_d");
	ck_assert_str_eq(due_from(100, "dlv_a", INT64_MAX, NULL, NULL),
	    "dlv_a,dlv_b,dlv_c,dlv_d");
	/* a key between entries: from the next one */
	ck_assert_str_eq(due_from(250, "", INT64_MAX, NULL, NULL), "dlv_d");
	ck_assert_str_eq(due_from(200, "dlv_bb", INT64_MAX, NULL, NULL),
	    "dlv_c,dlv_d");
	/* past the last key: nothing, and no error */
	ck_assert_str_eq(due_from(400, "", INT64_MAX, NULL, NULL), "");
	/* until bounds it; skip() passes over (1) or ends the walk (2) */
	ck_assert_str_eq(due_from(100, "dlv_a", 200, NULL, NULL),
	    "dlv_a,dlv_b,dlv_c");
	ck_assert_str_eq(due_from(100, "dlv_a", INT64_MAX, "dlv_b", NULL),
	    "dlv_a,dlv_c,dlv_d");
	ck_assert_str_eq(due_from(100, "dlv_a", INT64_MAX, NULL, "dlv_c"),
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
	return store_delivery_iter_due_from(t, q->last_at, q->last_id,
	    INT64_MAX, bulk_skip, bulk_cb, q);
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
	/* stop inside a buffer (entry 250), then from that key on: the walk
	 * from a key is inclusive, so 250 comes again, then the rest */
	memset(&q, 0, sizeof(q));
	q.from = -1;
	q.stop_at = 250;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, bulk_txn, &q), STORE_OK);
	ck_assert_int_eq(q.bad, 0);
	ck_assert_int_eq(q.next, 251);
	ck_assert_str_eq(q.last_id, "dlv_0250");
	q.from = 1;
	q.next = 250;
	q.stop_at = -1;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, bulk_txn, &q), STORE_OK);
	ck_assert_int_eq(q.bad, 0);
	ck_assert_int_eq(q.next, BULK_N);
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
	    test_store_due_walk_from_a_key_is_inclusive_and_runs_to_the_end);
	tcase_add_test(tc,
	    test_store_due_walk_in_bulk_sees_every_entry_once_in_order);
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
