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

/* Deliveries per millisecond in later_create_cb: one transaction makes
 * runs of them (db/duerun.h). */
static int later_span = 3;

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
		    T0 + i / later_span);
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
static void
later_run(void)
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
			ck_assert_int_eq(a->at[i], T0 + i / later_span);
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

START_TEST(test_due_later_removes_exactly_the_batch_entries)
{
	later_run();
}
END_TEST

/* The same with every delivery due at the same moment: runs as long as
 * they go, several runs' members gathered in one walk. */
START_TEST(test_due_later_removes_members_of_long_runs)
{
	later_span = LATER_N;
	later_run();
	later_span = 3;
}
END_TEST

/* ---- runs (db/duerun.h) -------------------------------------------- */

#define RUN_N 60

static void
run_id(char *out, size_t n, int i)
{
	snprintf(out, n, "dlv_r%03d", i);
}

struct runmk {
	int from, to, step;
	int64_t at;
};

static int
run_create_cb(struct store_txn *t, void *arg)
{
	const struct runmk *mk = arg;
	struct store_webhook w = fx_webhook("wh_1", "app_1");
	struct store_delivery d;
	char id[32];
	int i, rc;

	if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK &&
	    rc != STORE_EXISTS)
		return rc;
	for (i = mk->from; i < mk->to; i += mk->step) {
		run_id(id, sizeof(id), i);
		d = fx_dlv(id, "evt_1", "wh_1", "app_1", STORE_DLV_PENDING,
		    mk->at);
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

static void
run_create(int from, int to, int step, int64_t at)
{
	struct runmk mk = { from, to, step, at };

	ck_assert_int_eq(fx_txn(s, 0, run_create_cb, &mk), STORE_OK);
}

struct raw {
	size_t entries, runs;
	int first_byte;		/* of the last entry */
};

static int
raw_cb(struct store_txn *t, void *arg)
{
	struct raw *r = arg;
	struct dbenv_cur c;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = dbenv_cur_open(t, DBI_DLV_DUE, -1, &c)) != STORE_OK)
		return rc;
	while ((rc = dbenv_cur_get(&c, DB_NEXT, NULL)) == STORE_OK) {
		r->entries++;
		r->first_byte = c.d.size > 0 ?
		    ((unsigned char *)c.d.data)[0] : -1;
		if (r->first_byte == 0x81)
			r->runs++;
	}
	dbenv_cur_close(&c);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

static struct raw
raw(void)
{
	struct raw r;

	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, raw_cb, &r), STORE_OK);
	return r;
}

/* What the walk and the counts say: left[i] 1 when delivery i must be
 * due (once, at its at[i]), in index order. */
struct runwalk {
	int seen[RUN_N];
	int64_t at[RUN_N];
	size_t n;
	char last[STORE_ID_MAX + 1];
	int64_t last_at;
	int order_ok;
};

static int
runwalk_cb(const struct store_delivery *d, void *arg)
{
	struct runwalk *w = arg;
	int i = (int)strtol(d->id + 5, NULL, 10);

	ck_assert_int_ge(i, 0);
	ck_assert_int_lt(i, RUN_N);
	ck_assert_str_eq(d->webhook_id, "wh_1");
	ck_assert_str_eq(d->event_id, "evt_1");
	ck_assert_str_eq(d->event_type, "user.created");
	/* due order; within one moment, runs of different transactions
	 * may interleave (no id order) */
	if (w->n > 0 && d->next_attempt_at < w->last_at)
		w->order_ok = 0;
	snprintf(w->last, sizeof(w->last), "%s", d->id);
	w->last_at = d->next_attempt_at;
	w->seen[i]++;
	w->at[i] = d->next_attempt_at;
	w->n++;
	return 0;
}

struct runfrom {
	struct runwalk *w;
	int64_t at;
	int from;		/* 1: from the first entry due at at */
	int entry;		/* 0: store_delivery_iter_due (records) */
};

static int
runwalk_txn(struct store_txn *t, void *arg)
{
	struct runfrom *f = arg;

	memset(f->w, 0, sizeof(*f->w));
	f->w->order_ok = 1;
	if (f->from)
		return store_delivery_iter_due_from(t, f->at, INT64_MAX,
		    no_skip, runwalk_cb, f->w);
	if (!f->entry)
		return store_delivery_iter_due(t, INT64_MAX, runwalk_cb, f->w);
	return store_delivery_iter_due_skip(t, INT64_MAX, no_skip,
	    runwalk_cb, f->w);
}

static int
counts_cb(struct store_txn *t, void *arg)
{
	return store_counts(t, arg);
}

/* Every walk and the count agree with left[] (at[] for the ones left). */
static void
runs_check(const int *left, const int64_t *at)
{
	struct runwalk w;
	struct runfrom f = { &w, 0, 0, 1 };
	struct store_counts c;
	size_t want = 0;
	int i, pass;

	for (i = 0; i < RUN_N; i++)
		want += left[i] != 0;
	for (pass = 0; pass < 2; pass++) {
		f.entry = pass == 0;
		ck_assert_int_eq(fx_txn(s, STORE_RDONLY, runwalk_txn, &f),
		    STORE_OK);
		ck_assert_uint_eq(w.n, want);
		ck_assert(w.order_ok);
		for (i = 0; i < RUN_N; i++) {
			ck_assert_int_eq(w.seen[i], left[i] ? 1 : 0);
			if (left[i])
				ck_assert_int_eq(w.at[i], at[i]);
		}
	}
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, counts_cb, &c), STORE_OK);
	ck_assert_uint_eq(c.pending, want);
}

struct fate {
	int i;
	int64_t at;	/* 0: delivered, else retried then */
};

static int
fate_cb(struct store_txn *t, void *arg)
{
	const struct fate *f = arg;
	struct store_delivery d;
	char id[32];
	int rc;

	run_id(id, sizeof(id), f->i);
	if ((rc = store_delivery_get(t, id, &d)) != STORE_OK)
		return rc;
	d.attempts++;
	if (f->at == 0)
		d.status = STORE_DLV_DELIVERED;
	else
		d.next_attempt_at = f->at;
	return store_delivery_put(t, &d, 0);
}

/* One transaction's deliveries of one moment are few entries; each leaves
 * the index alone, whichever member it is (the first: the run goes under
 * its next), and a retried one is due once, at its new time. */
START_TEST(test_due_run_members_leave_one_by_one)
{
	static const int order[] = { 30, 0, 59, 1, 31, 2, 58, 45, 3, 29 };
	int left[RUN_N], k, i;
	int64_t at[RUN_N];
	struct raw r;
	struct fate f;

	run_create(0, RUN_N, 1, T0);
	r = raw();
	ck_assert_uint_ge(r.runs, 1);
	ck_assert_uint_le(r.entries, RUN_N / 10);
	for (i = 0; i < RUN_N; i++) {
		left[i] = 1;
		at[i] = T0;
	}
	runs_check(left, at);
	for (k = 0; k < (int)(sizeof(order) / sizeof(order[0])); k++) {
		f.i = order[k];
		f.at = k % 3 == 2 ? T0 + 1000 + k : 0;
		ck_assert_int_eq(fx_txn(s, 0, fate_cb, &f), STORE_OK);
		if (f.at != 0)
			at[f.i] = f.at;
		else
			left[f.i] = 0;
		runs_check(left, at);
	}
	/* the rest, last first and then first to last */
	for (i = RUN_N - 1; i >= 0; i--) {
		if (!left[i] || at[i] != T0 || i % 2)
			continue;
		f.i = i;
		f.at = 0;
		ck_assert_int_eq(fx_txn(s, 0, fate_cb, &f), STORE_OK);
		left[i] = 0;
	}
	runs_check(left, at);
	for (i = 0; i < RUN_N; i++) {
		if (!left[i])
			continue;
		f.i = i;
		f.at = 0;
		ck_assert_int_eq(fx_txn(s, 0, fate_cb, &f), STORE_OK);
		left[i] = 0;
	}
	runs_check(left, at);
	ck_assert_uint_eq(raw().entries, 0);
}
END_TEST

/* A lone delivery of its moment is a plain entry, as before runs. */
START_TEST(test_due_run_of_one_is_a_plain_entry)
{
	struct raw r;

	run_create(5, 6, 1, T0);
	r = raw();
	ck_assert_uint_eq(r.entries, 1);
	ck_assert_int_eq(r.first_byte, 1);	/* REC_V_DUE */
	ck_assert_uint_eq(r.runs, 0);
}
END_TEST

/* Two transactions' runs of one moment interleave (ids of another
 * process): a member is still found behind the other run, and a pick
 * that goes on from that moment sees both runs whole. */
START_TEST(test_due_runs_of_one_moment_interleave)
{
	int left[RUN_N], i;
	int64_t at[RUN_N];
	struct runwalk w;
	struct runfrom f = { &w, T0, 0, 1 };
	struct fate ft;

	run_create(0, RUN_N, 2, T0);		/* even ids */
	run_create(1, RUN_N, 2, T0);		/* odd ids */
	ck_assert_uint_eq(raw().runs, 2);
	for (i = 0; i < RUN_N; i++) {
		left[i] = 1;
		at[i] = T0;
	}
	runs_check(left, at);
	/* a pick going on from that moment: the whole moment again (what
	 * a pick saw of it before is in flight, and skipped) */
	f.from = 1;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, runwalk_txn, &f), STORE_OK);
	ck_assert_uint_eq(w.n, RUN_N);
	ck_assert(w.order_ok);
	for (i = 0; i < RUN_N; i++)
		ck_assert_int_eq(w.seen[i], 1);
	/* from a later moment: none of it */
	f.at = T0 + 1;
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, runwalk_txn, &f), STORE_OK);
	ck_assert_uint_eq(w.n, 0);
	/* members of both runs leave */
	for (i = 4; i < RUN_N; i += 7) {
		ft.i = i;
		ft.at = 0;
		ck_assert_int_eq(fx_txn(s, 0, fate_cb, &ft), STORE_OK);
		left[i] = 0;
	}
	runs_check(left, at);
}
END_TEST

static int
corrupt_cb(struct store_txn *t, void *arg)
{
	static const unsigned char bad[] = { 0x81, 'd', 'l', 'v', '_', 'a',
	    0, 0, 200, 1, 2 };	/* the record is cut short */
	struct key k;

	(void)arg;
	key_at(&k, T0, "dlv_a");
	return dbenv_put(t, DBI_DLV_DUE, &k, bad, sizeof(bad), 0);
}

/* A run entry that does not parse is an error, never a guess. */
START_TEST(test_due_corrupt_run_is_an_error)
{
	struct runwalk w;
	struct runfrom f = { &w, 0, 0, 1 };
	char err[256];

	ck_assert_int_eq(fx_txn(s, 0, corrupt_cb, NULL), STORE_OK);
	ck_assert_int_eq(store_txn(s, STORE_RDONLY, runwalk_txn, &f, err,
	    sizeof(err)), STORE_ERR);
	ck_assert_ptr_nonnull(strstr(err, "corrupt due run"));
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
	tcase_add_test(tc, test_due_later_removes_members_of_long_runs);
	tcase_add_test(tc, test_due_run_members_leave_one_by_one);
	tcase_add_test(tc, test_due_run_of_one_is_a_plain_entry);
	tcase_add_test(tc, test_due_runs_of_one_moment_interleave);
	tcase_add_test(tc, test_due_corrupt_run_is_an_error);
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
