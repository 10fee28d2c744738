/*
 * test_keycmp.c - the B-tree key order (db/keycmp.c) is Berkeley DB's
 * default order, so that files written with it are the files the default
 * would write: compared with the documented default on edge and random
 * keys, and a store's files verified by BDB with the default order.
 */
#include <check.h>
#include <db.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/keycmp.h"
#include "tests/unit/store_fixture.h"

FX_HOME_PER_TEST

/* BDB's default (__bam_defcmp): unsigned bytes, shorter first. */
static int
ref_cmp(const DBT *a, const DBT *b)
{
	const unsigned char *p = a->data, *q = b->data;
	size_t n = a->size < b->size ? a->size : b->size, i;

	for (i = 0; i < n; i++)
		if (p[i] != q[i])
			return (int)p[i] - (int)q[i];
	return (int)a->size - (int)b->size;
}

/* BDB's default prefix (__bam_defpfx). */
static size_t
ref_pfx(const DBT *a, const DBT *b)
{
	const unsigned char *p = a->data, *q = b->data;
	size_t n = a->size < b->size ? a->size : b->size, i;

	for (i = 0; i < n; i++)
		if (p[i] != q[i])
			return i + 1;
	if (a->size < b->size)
		return (size_t)a->size + 1;
	if (b->size < a->size)
		return (size_t)b->size + 1;
	return b->size;
}

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

static void
check_pair(unsigned char *x, size_t xn, unsigned char *y, size_t yn)
{
	DBT a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.data = x;
	a.size = (u_int32_t)xn;
	b.data = y;
	b.size = (u_int32_t)yn;
	ck_assert_int_eq(sign(keycmp_compare(NULL, &a, &b)),
	    sign(ref_cmp(&a, &b)));
	ck_assert_int_eq(sign(keycmp_compare(NULL, &b, &a)),
	    sign(ref_cmp(&b, &a)));
	if (ref_cmp(&a, &b) <= 0)
		ck_assert_uint_eq(keycmp_prefix(NULL, &a, &b), ref_pfx(&a, &b));
	else
		ck_assert_uint_eq(keycmp_prefix(NULL, &b, &a), ref_pfx(&b, &a));
}

START_TEST(test_key_order_is_bdbs_default_order)
{
	/* bytes past 0x7f sort after those below: unsigned */
	static const unsigned char alpha[] = { 0x00, 0x01, 'a', 0x7f, 0x80,
	    0xff };
	unsigned char x[40], y[40];
	unsigned seed = 13;
	size_t xn, yn, i, k;

	check_pair(x, 0, y, 0);
	x[0] = 0x80;
	y[0] = 0x01;
	check_pair(x, 1, y, 1);		/* 0x80 after 0x01 */
	memcpy(y, "abc", 3);
	memcpy(x, "abcd", 4);
	check_pair(x, 4, y, 3);		/* a prefix sorts first */
	check_pair(x, 0, y, 3);
	for (i = 0; i < 50000; i++) {
		xn = (size_t)rand_r(&seed) % sizeof(x);
		yn = (size_t)rand_r(&seed) % sizeof(y);
		for (k = 0; k < sizeof(x); k++)
			x[k] = alpha[rand_r(&seed) % sizeof(alpha)];
		/* long shared prefixes, as our keys have */
		memcpy(y, x, sizeof(y));
		k = (size_t)rand_r(&seed) % sizeof(y);
		y[k] = alpha[rand_r(&seed) % sizeof(alpha)];
		check_pair(x, xn, y, yn);
	}
}
END_TEST

static int
many_events(struct store_txn *t, void *arg)
{
	char id[STORE_ID_MAX + 1];
	struct store_event e;
	int i, rc;

	for (i = 0; i < 400; i++) {
		/* ids out of time order too: inserts all over the tree */
		fx_id("evt", 1700000000000LL + (int64_t)((i * 7919) % 400), id);
		e = fx_evt(id, 1700000000000LL - i, (const char *)arg);
		if ((rc = store_event_put(t, &e)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

/* Verify file (its sort order too) with BDB's default order. */
static int
verify_default(const char *file)
{
	char path[512];
	DB *db;

	snprintf(path, sizeof(path), "%s/%s", home, file);
	ck_assert_int_eq(db_create(&db, NULL, 0), 0);
	return db->verify(db, path, NULL, NULL, 0);	/* frees db */
}

START_TEST(test_store_files_verify_with_the_default_order)
{
	static char body[2048];
	struct store *s;
	int i;

	memset(body, 'x', sizeof(body) - 1);
	s = fx_open(home, 1);
	/* ~800 KiB of events: many leaves, internal pages with prefixes */
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(fx_txn(s, 0, many_events, body), STORE_OK);
	store_close(s);
	ck_assert_int_eq(verify_default("events.db"), 0);
	ck_assert_int_eq(verify_default("events_time.db"), 0);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("keycmp");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_key_order_is_bdbs_default_order);
	tcase_add_test(tc, test_store_files_verify_with_the_default_order);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
