/*
 * test_store_putcur.c - dbenv_put's cursors (one per database per
 * transaction, db/dbenv.c): a create refuses a taken key wherever it sits
 * in the tree, as DB->put's DB_NOOVERWRITE did, also a create of a fresh
 * key past the last one, which skips the read; a delete of a key the
 * cursor just wrote removes it; a body that fails with cursors open
 * aborts cleanly and the next transaction works.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/rec.h"
#include "db/txn.h"
#include "tests/unit/store_fixture.h"

FX_STORE_PER_TEST

#define NKEYS 600

/* Key i of the test: "k" and 5 digits, so that the order is i's. */
static void
tkey(struct key *k, int i)
{
	char id[16];

	snprintf(id, sizeof(id), "k%05d", i);
	key_id(k, id);
}

/* Value of key i, gen: a record long enough to split pages now and then. */
static size_t
tval(unsigned char *buf, size_t cap, int i, int gen)
{
	size_t n = 300 + (size_t)(i % 7) * 40;

	ck_assert_uint_le(n, cap);
	memset(buf, 'a' + gen, n);
	memcpy(buf, &i, sizeof(i));
	return n;
}

struct put_args {
	int order[NKEYS];
	int from, to;		/* order[from..to) */
	int gen;
	int want;		/* what each create answers */
};

static int
put_some(struct store_txn *t, void *arg)
{
	struct put_args *a = arg;
	unsigned char buf[1024];
	struct key k;
	size_t n;
	int i, rc;

	for (i = a->from; i < a->to; i++) {
		tkey(&k, a->order[i]);
		n = tval(buf, sizeof(buf), a->order[i], a->gen);
		rc = dbenv_put(t, DBI_EVT, &k, buf, n, 1);
		ck_assert_int_eq(rc, a->want);
		/* and again in the same transaction: taken either way */
		rc = dbenv_put(t, DBI_EVT, &k, buf, n, 1);
		ck_assert_int_eq(rc, STORE_EXISTS);
	}
	return STORE_OK;
}

/* Every key of a holds its gen-0 value. */
static int
check_all(struct store_txn *t, void *arg)
{
	unsigned char buf[1024], want[1024];
	struct key k;
	size_t n, wn;
	int i;

	(void)arg;
	for (i = 0; i < NKEYS; i++) {
		tkey(&k, i);
		ck_assert_int_eq(dbenv_get(t, DBI_EVT, &k, buf, sizeof(buf), &n,
		    0), STORE_OK);
		wn = tval(want, sizeof(want), i, 0);
		ck_assert_uint_eq(n, wn);
		ck_assert_int_eq(memcmp(buf, want, n), 0);
	}
	return STORE_OK;
}

START_TEST(test_create_refuses_a_taken_key_anywhere_in_the_tree)
{
	struct put_args a;
	unsigned seed = 7;
	int i, j, tmp;

	/* half in order (appends: the cursor's page), then the rest
	 * shuffled (before, between and after the keys stored) */
	memset(&a, 0, sizeof(a));
	for (i = 0; i < NKEYS; i++)
		a.order[i] = i % 2 == 0 ? i / 2 : NKEYS / 2 + i / 2;
	for (i = NKEYS - 1; i > NKEYS / 2; i--) {
		j = NKEYS / 2 + (int)(rand_r(&seed) % (unsigned)(i - NKEYS / 2
		    + 1));
		tmp = a.order[i];
		a.order[i] = a.order[j];
		a.order[j] = tmp;
	}
	a.want = STORE_OK;
	for (a.from = 0; a.from < NKEYS; a.from += 100) {
		a.to = a.from + 100;
		ck_assert_int_eq(fx_txn(s, 0, put_some, &a), STORE_OK);
	}
	/* every key again, another value: refused, nothing replaced */
	a.gen = 1;
	a.want = STORE_EXISTS;
	for (a.from = 0; a.from < NKEYS; a.from += 150) {
		a.to = a.from + 150;
		ck_assert_int_eq(fx_txn(s, 0, put_some, &a), STORE_OK);
	}
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, check_all, NULL), STORE_OK);
}
END_TEST

/* Put keys 0..9 of an index, delete 3 and 7 (a delete by key, then a
 * walk's cursor delete), put 10..14: all in one transaction. */
static int
put_del_put(struct store_txn *t, void *arg)
{
	struct dbenv_cur c;
	struct key k;
	int i, rc;

	(void)arg;
	for (i = 0; i < 10; i++) {
		tkey(&k, i);
		ck_assert_int_eq(dbenv_put(t, DBI_DLV_APP, &k, "", 0, 0),
		    STORE_OK);
	}
	tkey(&k, 3);
	ck_assert_int_eq(dbenv_del(t, DBI_DLV_APP, &k), STORE_OK);
	ck_assert_int_eq(dbenv_put(t, DBI_DLV_APP, &k, "x", 1, 0), STORE_OK);
	ck_assert_int_eq(dbenv_del(t, DBI_DLV_APP, &k), STORE_OK);
	ck_assert_int_eq(dbenv_cur_open(t, DBI_DLV_APP, 0, &c), STORE_OK);
	tkey(&k, 7);
	rc = dbenv_cur_get(&c, DB_SET_RANGE, &k);
	ck_assert_int_eq(rc, STORE_OK);
	ck_assert_int_eq(dbenv_cur_del(&c), STORE_OK);
	dbenv_cur_close(&c);
	for (i = 10; i < 15; i++) {
		tkey(&k, i);
		ck_assert_int_eq(dbenv_put(t, DBI_DLV_APP, &k, "", 0, 0),
		    STORE_OK);
	}
	return STORE_OK;
}

static int
check_put_del_put(struct store_txn *t, void *arg)
{
	struct key k;
	int i;

	(void)arg;
	for (i = 0; i < 15; i++) {
		tkey(&k, i);
		ck_assert_int_eq(dbenv_exists(t, DBI_DLV_APP, &k, 0),
		    i == 3 || i == 7 ? STORE_NOTFOUND : STORE_OK);
	}
	return STORE_OK;
}

START_TEST(test_deletes_between_puts_of_one_transaction)
{
	ck_assert_int_eq(fx_txn(s, 0, put_del_put, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, check_put_del_put, NULL),
	    STORE_OK);
}
END_TEST

/* Creates of fresh keys (DBENV_PUT_FRESH): past the last key they skip
 * the read, and a taken key is refused all the same, whether the last key
 * is another transaction's or one this transaction put before. */
static int
fresh_first(struct store_txn *t, void *arg)
{
	struct key k;
	int i;

	(void)arg;
	for (i = 100; i < 110; i++) {
		tkey(&k, i);
		ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "a", 1,
		    DBENV_PUT_FRESH), STORE_OK);
	}
	return STORE_OK;
}

static int
fresh_then(struct store_txn *t, void *arg)
{
	struct key k;

	(void)arg;
	tkey(&k, 109);		/* the last key: another transaction's */
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "b", 1, DBENV_PUT_FRESH),
	    STORE_EXISTS);	/* the first put: DB->put */
	ck_assert_ptr_null(t->putc[DBI_EVT].c);
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "b", 1, DBENV_PUT_FRESH),
	    STORE_EXISTS);	/* the cursor, and DB_LAST */
	ck_assert_int_eq(t->putc[DBI_EVT].last, 1);
	tkey(&k, 50);		/* before it: read, new */
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "b", 1, DBENV_PUT_FRESH),
	    STORE_OK);
	tkey(&k, 105);		/* before it: read, taken */
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "b", 1, DBENV_PUT_FRESH),
	    STORE_EXISTS);
	tkey(&k, 120);		/* past it: no read, new */
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "b", 1, DBENV_PUT_FRESH),
	    STORE_OK);
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "c", 1, DBENV_PUT_FRESH),
	    STORE_EXISTS);
	tkey(&k, 130);		/* a plain put moves the last key too */
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "b", 1, 0), STORE_OK);
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "c", 1, DBENV_PUT_FRESH),
	    STORE_EXISTS);
	/* a delete closes the cursor; the next create learns again */
	tkey(&k, 50);
	ck_assert_int_eq(dbenv_del(t, DBI_EVT, &k), STORE_OK);
	ck_assert_int_eq(t->putc[DBI_EVT].last, 0);
	tkey(&k, 130);
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "d", 1, DBENV_PUT_FRESH),
	    STORE_EXISTS);
	tkey(&k, 140);
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "d", 1, DBENV_PUT_FRESH),
	    STORE_OK);
	return STORE_OK;
}

static int
fresh_check(struct store_txn *t, void *arg)
{
	unsigned char buf[8];
	struct key k;
	size_t n;

	(void)arg;
	tkey(&k, 109);
	ck_assert_int_eq(dbenv_get(t, DBI_EVT, &k, buf, sizeof(buf), &n, 0),
	    STORE_OK);
	ck_assert_int_eq(buf[0], 'a');
	tkey(&k, 120);
	ck_assert_int_eq(dbenv_get(t, DBI_EVT, &k, buf, sizeof(buf), &n, 0),
	    STORE_OK);
	ck_assert_int_eq(buf[0], 'b');
	tkey(&k, 130);
	ck_assert_int_eq(dbenv_get(t, DBI_EVT, &k, buf, sizeof(buf), &n, 0),
	    STORE_OK);
	ck_assert_int_eq(buf[0], 'b');
	tkey(&k, 50);
	ck_assert_int_eq(dbenv_exists(t, DBI_EVT, &k, 0), STORE_NOTFOUND);
	return STORE_OK;
}

START_TEST(test_fresh_creates_refuse_taken_keys)
{
	ck_assert_int_eq(fx_txn(s, 0, fresh_first, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, fresh_then, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, fresh_check, NULL), STORE_OK);
}
END_TEST

/* An event's record made before the transaction (store_event_encode)
 * is the record the put would make, with the put's fan-out count. */
static int
encoded_put(struct store_txn *t, void *arg)
{
	struct store_event *e = arg;

	return event_put_record(t, e);
}

START_TEST(test_event_encoded_before_is_the_record)
{
	struct store_event e, got;
	unsigned char *want;
	size_t wlen;
	char body[] = "{\"x\":1}";

	memset(&e, 0, sizeof(e));
	FX_SET(e.id, "evt_encoded");
	FX_SET(e.type, "t.x");
	FX_SET(e.org_id, "org");
	e.created_at = 1234;
	e.body = body;
	e.body_len = strlen(body);
	ck_assert_int_eq(store_event_encode(&e), STORE_OK);
	e.deliveries = 7;	/* known only in the transaction */
	ck_assert_int_eq(rec_event_enc(&e, &want, &wlen), 0);
	ck_assert_int_eq(fx_txn(s, 0, encoded_put, &e), STORE_OK);
	ck_assert_uint_eq(e.rec_len, wlen);
	ck_assert_int_eq(memcmp(e.rec, want, wlen), 0);
	ck_assert_int_eq(rec_event_dec(e.rec, e.rec_len, 0, &got), 0);
	ck_assert_uint_eq(got.deliveries, 7);
	/* a record that is not this body's: refused, nothing patched */
	ck_assert_int_eq(rec_event_set_deliveries(e.rec, e.rec_len,
	    e.body_len + 1, 9), -1);
	free(want);
	free(e.rec);
}
END_TEST

/* Puts in three databases, then a failure: the body's own code. */
static int
put_then_fail(struct store_txn *t, void *arg)
{
	struct key k;

	(void)arg;
	tkey(&k, 1);
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "e", 1, 1), STORE_OK);
	ck_assert_int_eq(dbenv_put(t, DBI_DLV_APP, &k, "", 0, 0), STORE_OK);
	ck_assert_int_eq(dbenv_put(t, DBI_DLV_DUE, &k, "", 0, 0), STORE_OK);
	tkey(&k, 2);		/* the second puts: through the cursors */
	ck_assert_int_eq(dbenv_put(t, DBI_EVT, &k, "e", 1, 1), STORE_OK);
	ck_assert_int_eq(dbenv_put(t, DBI_DLV_APP, &k, "", 0, 0), STORE_OK);
	ck_assert_int_eq(dbenv_put(t, DBI_DLV_DUE, &k, "", 0, 0), STORE_OK);
	ck_assert_ptr_nonnull(t->putc[DBI_EVT].c);
	return dbenv_fail(t, "the body gives up");
}

static int
put_one(struct store_txn *t, void *arg)
{
	struct key k;

	(void)arg;
	tkey(&k, 1);
	return dbenv_put(t, DBI_EVT, &k, "f", 1, 1);
}

START_TEST(test_a_failed_body_with_cursors_open_aborts)
{
	char err[512] = "";

	ck_assert_int_eq(store_txn(s, 0, put_then_fail, NULL, err,
	    sizeof(err)), STORE_ERR);
	ck_assert_str_eq(err, "storage: the body gives up");
	/* nothing of it stored: the same create goes in now */
	ck_assert_int_eq(fx_txn(s, 0, put_one, NULL), STORE_OK);
	ck_assert_int_eq(fx_txn(s, 0, put_one, NULL), STORE_EXISTS);
}
END_TEST

static Suite *
suite(void)
{
	Suite *su = suite_create("store_putcur");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
	    test_create_refuses_a_taken_key_anywhere_in_the_tree);
	tcase_add_test(tc, test_deletes_between_puts_of_one_transaction);
	tcase_add_test(tc, test_fresh_creates_refuse_taken_keys);
	tcase_add_test(tc, test_event_encoded_before_is_the_record);
	tcase_add_test(tc, test_a_failed_body_with_cursors_open_aborts);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
