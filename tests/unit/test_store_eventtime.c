/*
 * test_store_eventtime.c - the events' time index (db/eventtime.c): a
 * batch's run of events of one created_at is one entry, read back event
 * by event; retention deletes the members it may and writes the entry
 * again with those it keeps (or deletes it); store_event_del of a member
 * or of the key leaves an index that still reads; one-event entries (an
 * older store's, single posts') read and go as before.
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

#define T0 1700000000000LL
#define MAXE 256

/* ---- writing ------------------------------------------------------------- */

static void
no_target(const void *list, size_t i, const char **webhook_id,
    const char **app_id)
{
	(void)list;
	(void)i;
	*webhook_id = *app_id = "";
}

/* Events ids[0..n) at `at`, published as a batch does (one run). */
struct run {
	int64_t at;
	const char **ids;
	size_t n;
};

static int
run_cb(struct store_txn *t, void *arg)
{
	const struct run *r = arg;
	struct store_publish_batch b;
	struct store_event e;
	size_t i;
	int rc;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < r->n; i++) {
		e = fx_evt(r->ids[i], r->at, "{}");
		if ((rc = store_publish(t, &e, NULL, 0, no_target, NULL, NULL,
		    &b)) != STORE_OK)
			return rc;
	}
	return store_publish_batch_end(t, &b);
}

static void
put_run(int64_t at, const char **ids, size_t n)
{
	struct run r = { at, ids, n };

	ck_assert_int_eq(fx_txn(s, 0, run_cb, &r), STORE_OK);
}

/* One event as an older store wrote every one: its record and an entry
 * of created_at + id with empty data, written raw (what single posts
 * still write through store_event_put). */
static int
one_cb(struct store_txn *t, void *arg)
{
	struct store_event e = fx_evt(arg, T0 - 5, "{}");
	struct key k;
	int rc;

	if ((rc = event_put_record(t, &e)) != STORE_OK)
		return rc;
	key_at(&k, e.created_at, e.id);
	return dbenv_put(t, DBI_EVT_TIME, &k, "", 0, 1);
}

static int
single_cb(struct store_txn *t, void *arg)
{
	struct store_event e = fx_evt(arg, T0 + 7, "{}");

	return store_event_put(t, &e);
}

static int
del_cb(struct store_txn *t, void *arg)
{
	return store_event_del(t, arg);
}

/* ---- reading ------------------------------------------------------------- */

/* The index's entries: key ids and data lengths, in key order. */
struct entries {
	size_t n;
	char id[MAXE][STORE_ID_MAX + 1];
	int64_t at[MAXE];
	size_t len[MAXE];
};

static int
entry_cb(struct dbenv_cur *c, void *arg)
{
	struct entries *en = arg;

	ck_assert_int_lt(en->n, MAXE);
	ck_assert_int_eq(key_tail_str(c->k.data, c->k.size, 8,
	    en->id[en->n], sizeof(en->id[0])), 0);
	en->at[en->n] = key_get_i64(c->k.data);
	en->len[en->n] = c->d.size;
	en->n++;
	return 0;
}

static int
entries_cb(struct store_txn *t, void *arg)
{
	struct key k;

	memset(arg, 0, sizeof(struct entries));
	key_init(&k);
	return dbenv_walk(t, DBI_EVT_TIME, &k, NULL, -1, entry_cb, arg);
}

static struct entries ents;

static void
read_entries(void)
{
	ck_assert_int_eq(fx_txn(s, 0, entries_cb, &ents), STORE_OK);
}

/* The events store_event_iter_before gives, as "a,b,c". */
struct walked {
	char s[4096];
	size_t n;
};

static int
walk_ev(const struct store_event *e, void *arg)
{
	struct walked *w = arg;
	size_t l = strlen(w->s);

	ck_assert_ptr_null(e->body);
	snprintf(w->s + l, sizeof(w->s) - l, "%s%s", l ? "," : "", e->id);
	w->n++;
	return 0;
}

static int
walk_cb(struct store_txn *t, void *arg)
{
	memset(arg, 0, sizeof(struct walked));
	return store_event_iter_before(t, INT64_MAX, 0, NULL, walk_ev, arg);
}

static struct walked wk;

static int
walk(void)
{
	return fx_txn(s, 0, walk_cb, &wk);
}

/* ---- retention ----------------------------------------------------------- */

/* Keep the events whose ids are in the comma list arg ("" none). */
static int
keep_listed(struct store_txn *t, const struct store_event *e, void *arg)
{
	const char *list = arg, *p;
	size_t l = strlen(e->id);

	(void)t;
	for (p = list; (p = strstr(p, e->id)) != NULL; p += l)
		if ((p == list || p[-1] == ',') &&
		    (p[l] == ',' || p[l] == '\0'))
			return 1;
	return 0;
}

struct purge {
	const char *keep;
	size_t max;
	struct store_eventtime_purge p;
};

static int
purge_cb(struct store_txn *t, void *arg)
{
	struct purge *pg = arg;

	memset(&pg->p, 0, sizeof(pg->p));
	return store_eventtime_purge(t, INT64_MAX, pg->max, keep_listed,
	    (void *)pg->keep, &pg->p);
}

/* Purge keeping `keep`: the events deleted. */
static size_t
purge(const char *keep)
{
	struct purge pg = { keep, 100000, { 0 } };

	ck_assert_int_eq(fx_txn(s, 0, purge_cb, &pg), STORE_OK);
	return pg.p.deleted;
}

static int
exists_cb(struct store_txn *t, void *arg)
{
	struct store_event e;

	return store_event_get(t, arg, 0, &e);
}

static int
exists(const char *id)
{
	return fx_txn(s, 0, exists_cb, (void *)id) == STORE_OK;
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(test_batch_run_is_one_entry_read_event_by_event)
{
	const char *ids[] = { "evt_c", "evt_a", "evt_b" };
	const char *lone[] = { "evt_z" };

	put_run(T0, ids, 3);
	put_run(T0 + 1, lone, 1);
	ck_assert_int_eq(fx_txn(s, 0, one_cb, "evt_old"), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, single_cb, "evt_one"), STORE_OK);
	read_entries();
	ck_assert_int_eq(ents.n, 4);
	ck_assert_str_eq(ents.id[3], "evt_one");	/* a single post's */
	ck_assert_int_eq(ents.len[3], 0);
	ck_assert_str_eq(ents.id[0], "evt_old");	/* T0 - 5 */
	ck_assert_int_eq(ents.len[0], 0);		/* one-event entry */
	ck_assert_str_eq(ents.id[1], "evt_c");	/* the run's first */
	ck_assert_int_eq(ents.len[1], 1 + 6 + 6);	/* version + "evt_a\0evt_b\0" */
	ck_assert_str_eq(ents.id[2], "evt_z");	/* a run of one: as before */
	ck_assert_int_eq(ents.len[2], 0);
	ck_assert_int_eq(walk(), STORE_OK);
	ck_assert_str_eq(wk.s, "evt_old,evt_c,evt_a,evt_b,evt_z,evt_one");
}
END_TEST

START_TEST(test_long_run_splits_into_entries_within_the_cap)
{
	static char idbuf[300][STORE_ID_MAX + 1];
	const char *ids[300];
	size_t i, sum = 0;

	for (i = 0; i < 300; i++) {
		snprintf(idbuf[i], sizeof(idbuf[i]),
		    "evt_%026zu", i);		/* 30 bytes, as made ids */
		ids[i] = idbuf[i];
	}
	put_run(T0, ids, 300);
	read_entries();
	ck_assert_int_ge(ents.n, 3);
	ck_assert_int_le(ents.n, 4);
	for (i = 0; i < ents.n; i++) {
		ck_assert_int_le(ents.len[i], STORE_EVENTTIME_RUN_BYTES);
		sum += ents.len[i] > 0 ? (ents.len[i] - 1) / 31 + 1 : 1;
	}
	ck_assert_int_eq(sum, 300);
	ck_assert_int_eq(walk(), STORE_OK);
	ck_assert_int_eq(wk.n, 300);
	ck_assert_int_eq(purge(""), 300);
	read_entries();
	ck_assert_int_eq(ents.n, 0);
}
END_TEST

START_TEST(test_retention_deletes_some_members_and_keeps_the_others)
{
	const char *ids[] = { "e1", "e2", "e3", "e4", "e5" };

	put_run(T0, ids, 5);
	ck_assert_int_eq(purge("e1,e4"), 3);
	ck_assert(exists("e1") && exists("e4"));
	ck_assert(!exists("e2") && !exists("e3") && !exists("e5"));
	read_entries();
	ck_assert_int_eq(ents.n, 1);
	ck_assert_str_eq(ents.id[0], "e1");
	ck_assert_int_eq(ents.len[0], 1 + 3);	/* e4 left beside the key */
	ck_assert_int_eq(walk(), STORE_OK);
	ck_assert_str_eq(wk.s, "e1,e4");
	/* the key goes, e4 stays: the entry moves to e4, one event */
	ck_assert_int_eq(purge("e4"), 1);
	read_entries();
	ck_assert_int_eq(ents.n, 1);
	ck_assert_str_eq(ents.id[0], "e4");
	ck_assert_int_eq(ents.at[0], T0);
	ck_assert_int_eq(ents.len[0], 0);
	ck_assert_int_eq(purge(""), 1);
	read_entries();
	ck_assert_int_eq(ents.n, 0);
	ck_assert_int_eq(walk(), STORE_OK);
	ck_assert_int_eq(wk.n, 0);
}
END_TEST

START_TEST(test_retention_resumes_after_whole_entries)
{
	const char *r1[] = { "a1", "a2", "a3" };
	const char *r2[] = { "b1", "b2" };
	struct purge pg = { "", 2, { 0 } };

	put_run(T0, r1, 3);
	put_run(T0 + 1, r2, 2);
	/* max 2 events: the first entry whole (3), then stop */
	ck_assert_int_eq(fx_txn(s, 0, purge_cb, &pg), STORE_OK);
	ck_assert_int_eq(pg.p.looked, 1);
	ck_assert_int_eq(pg.p.deleted, 3);
	ck_assert_str_eq(pg.p.id, "a1");
	ck_assert(exists("b1") && exists("b2"));
	read_entries();
	ck_assert_int_eq(ents.n, 1);
	ck_assert_str_eq(ents.id[0], "b1");
}
END_TEST

START_TEST(test_event_del_of_a_member_and_of_the_key_keeps_the_index_readable)
{
	const char *ids[] = { "k1", "m2", "m3", "m4" };

	put_run(T0, ids, 4);
	/* a member: its entry stays, the walk skips it */
	ck_assert_int_eq(fx_txn(s, 0, del_cb, "m3"), STORE_OK);
	ck_assert_int_eq(walk(), STORE_OK);
	ck_assert_str_eq(wk.s, "k1,m2,m4");
	/* the key: the entry moves to the next member still stored */
	ck_assert_int_eq(fx_txn(s, 0, del_cb, "m2"), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, del_cb, "k1"), STORE_OK);
	read_entries();
	ck_assert_int_eq(ents.n, 1);
	ck_assert_str_eq(ents.id[0], "m4");
	ck_assert_int_eq(ents.len[0], 0);
	ck_assert_int_eq(walk(), STORE_OK);
	ck_assert_str_eq(wk.s, "m4");
	ck_assert_int_eq(fx_txn(s, 0, del_cb, "m4"), STORE_OK);
	read_entries();
	ck_assert_int_eq(ents.n, 0);
	ck_assert_int_eq(fx_txn(s, 0, del_cb, "m4"), STORE_NOTFOUND);
}
END_TEST

START_TEST(test_member_deleted_then_retention_drops_it_from_the_entry)
{
	const char *ids[] = { "k1", "m2", "m3" };

	put_run(T0, ids, 3);
	ck_assert_int_eq(fx_txn(s, 0, del_cb, "m2"), STORE_OK);
	ck_assert_int_eq(purge("k1,m2,m3"), 0);
	read_entries();
	ck_assert_int_eq(ents.n, 1);
	ck_assert_int_eq(ents.len[0], 1 + 3);	/* m2 dropped */
	ck_assert_int_eq(walk(), STORE_OK);
	ck_assert_str_eq(wk.s, "k1,m3");
}
END_TEST

/* An id reused after its event went: the later event is not the run's. */
static int
reuse_cb(struct store_txn *t, void *arg)
{
	struct store_event e = fx_evt(arg, T0 + 500, "{}");

	return store_event_put(t, &e);
}

START_TEST(test_member_id_reused_by_a_later_event_is_not_the_runs)
{
	const char *ids[] = { "k1", "m2" };

	put_run(T0, ids, 2);
	ck_assert_int_eq(fx_txn(s, 0, del_cb, "m2"), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, reuse_cb, "m2"), STORE_OK);
	ck_assert_int_eq(walk(), STORE_OK);
	ck_assert_str_eq(wk.s, "k1,m2");		/* m2 once: from its own entry */
	ck_assert_int_eq(purge("m2"), 1);	/* k1 */
	ck_assert(exists("m2"));
	read_entries();
	ck_assert_int_eq(ents.n, 1);		/* m2's own, at T0 + 500 */
	ck_assert_int_eq(ents.at[0], T0 + 500);
}
END_TEST

/* An older store's index: one-event entries only, as store_event_put
 * (and the code before runs) writes them. */
START_TEST(test_older_one_event_entries_read_and_go_in_place)
{
	const char *ids[] = { "r1", "r2" };

	ck_assert_int_eq(fx_txn(s, 0, one_cb, "old1"), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, one_cb, "old2"), STORE_OK);
	put_run(T0, ids, 2);
	ck_assert_int_eq(walk(), STORE_OK);
	ck_assert_str_eq(wk.s, "old1,old2,r1,r2");
	ck_assert_int_eq(purge("old2,r2"), 2);
	ck_assert_int_eq(walk(), STORE_OK);
	ck_assert_str_eq(wk.s, "old2,r2");
	ck_assert_int_eq(fx_txn(s, 0, del_cb, "old2"), STORE_OK);
	read_entries();
	ck_assert_int_eq(ents.n, 1);
	ck_assert_str_eq(ents.id[0], "r2");
}
END_TEST

/* A one-event entry whose event is gone: still a corrupt store. */
static int
gone_cb(struct store_txn *t, void *arg)
{
	return event_del_record(t, arg);
}

START_TEST(test_one_event_entry_of_a_missing_event_is_corrupt)
{
	ck_assert_int_eq(fx_txn(s, 0, one_cb, "old1"), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, gone_cb, "old1"), STORE_OK);
	ck_assert_int_eq(walk(), STORE_ERR);
}
END_TEST

/* ---- a whole pass in small steps ----------------------------------------- */

#define PS_N 60		/* events */

/* Retention's step from pg->p's (at, id), as sender/purge.c runs it. */
static int
purge_from_cb(struct store_txn *t, void *arg)
{
	struct purge *pg = arg;

	pg->p.looked = pg->p.deleted = 0;
	return store_eventtime_purge(t, INT64_MAX, pg->max, keep_listed,
	    (void *)pg->keep, &pg->p);
}

/* A pass as sender/purge.c makes it: transactions of max events each,
 * each strictly after the last entry the one before looked at, until one
 * looks at none.  The transactions taken, or -1 (it did not end). */
static int
pass(const char *keep, size_t max)
{
	struct purge pg = { keep, max, { 0 } };
	int n;

	for (n = 1; n < 1000; n++) {
		ck_assert_int_eq(fx_txn(s, 0, purge_from_cb, &pg), STORE_OK);
		if (pg.p.looked == 0)
			return n;
	}
	return -1;
}

static int
kept(const char *id, const char *keep)
{
	struct store_event e;

	memset(&e, 0, sizeof(e));
	snprintf(e.id, sizeof(e.id), "%s", id);
	return keep_listed(NULL, &e, (void *)keep);
}

/*
 * Runs of random lengths at three times and single posts, their ids in a
 * random order (a run's key sorts before its other members as often as
 * after: the entry's key moves both ways when retention drops it), a
 * random third kept, passes of 1..5 events a transaction: one pass
 * deletes exactly the events not kept, the index then lists every kept
 * one once, and a pass keeping none empties it.
 */
START_TEST(test_pass_in_small_steps_deletes_exactly_what_is_not_kept)
{
	static char idb[PS_N][8];
	const char *ids[PS_N];
	char keep[PS_N * 8 + 1];
	unsigned seed = (unsigned)_i * 7919u + 1u, perm[PS_N], tmp;
	size_t i, j, r, len, max;
	const char *p;

	for (i = 0; i < PS_N; i++)
		perm[i] = (unsigned)i;
	for (i = PS_N - 1; i > 0; i--) {
		r = (size_t)rand_r(&seed) % (i + 1);
		tmp = perm[i];
		perm[i] = perm[r];
		perm[r] = tmp;
	}
	for (i = 0; i < PS_N; i++) {
		snprintf(idb[i], sizeof(idb[i]), "e%02u", perm[i]);
		ids[i] = idb[i];
	}
	for (i = 0; i < PS_N; i += j) {
		j = 1 + (size_t)rand_r(&seed) % 8;
		if (j > PS_N - i)
			j = PS_N - i;
		if (j == 1 && rand_r(&seed) % 2)
			ck_assert_int_eq(fx_txn(s, 0, single_cb,
			    (void *)ids[i]), STORE_OK);
		else
			put_run(T0 + rand_r(&seed) % 3, ids + i, j);
	}
	keep[0] = '\0';
	for (i = 0; i < PS_N; i++)
		if (rand_r(&seed) % 3 == 0) {
			len = strlen(keep);
			snprintf(keep + len, sizeof(keep) - len, "%s%s",
			    len ? "," : "", ids[i]);
		}
	max = 1 + (size_t)rand_r(&seed) % 5;
	ck_assert_int_gt(pass(keep, max), 0);
	ck_assert_int_eq(walk(), STORE_OK);
	for (i = 0; i < PS_N; i++) {
		ck_assert_msg(exists(ids[i]) == kept(ids[i], keep),
		    "%s (keep %s, max %zu)", ids[i], keep, max);
		p = strstr(wk.s, ids[i]);
		ck_assert_msg((p != NULL) == kept(ids[i], keep), "%s", ids[i]);
		ck_assert(p == NULL || strstr(p + 1, ids[i]) == NULL);
	}
	ck_assert_int_gt(pass("", max), 0);
	for (i = 0; i < PS_N; i++)
		ck_assert(!exists(ids[i]));
	read_entries();
	ck_assert_int_eq(ents.n, 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *su = suite_create("store_eventtime");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_batch_run_is_one_entry_read_event_by_event);
	tcase_add_test(tc, test_long_run_splits_into_entries_within_the_cap);
	tcase_add_test(tc,
	    test_retention_deletes_some_members_and_keeps_the_others);
	tcase_add_test(tc, test_retention_resumes_after_whole_entries);
	tcase_add_test(tc,
	    test_event_del_of_a_member_and_of_the_key_keeps_the_index_readable);
	tcase_add_test(tc,
	    test_member_deleted_then_retention_drops_it_from_the_entry);
	tcase_add_test(tc,
	    test_member_id_reused_by_a_later_event_is_not_the_runs);
	tcase_add_test(tc, test_older_one_event_entries_read_and_go_in_place);
	tcase_add_test(tc, test_one_event_entry_of_a_missing_event_is_corrupt);
	tcase_add_loop_test(tc,
	    test_pass_in_small_steps_deletes_exactly_what_is_not_kept, 0, 40);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
