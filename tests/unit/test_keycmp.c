/*
 * test_keycmp.c - db/keycmp: the same order and prefix lengths as Berkeley
 * DB's defaults (a byte loop, written out here), and a file written with
 * the defaults read back in the same order through keycmp.
 */
#include <check.h>
#include <db.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/keycmp.h"

/* Berkeley DB's __bam_defcmp, as documented: unsigned bytes, then the
 * shorter key first. */
static int
ref_compare(const DBT *a, const DBT *b)
{
	const unsigned char *p = a->data, *q = b->data;
	size_t n = a->size < b->size ? a->size : b->size, i;

	for (i = 0; i < n; i++)
		if (p[i] != q[i])
			return (int)p[i] - (int)q[i];
	return (int)a->size - (int)b->size;
}

/* __bam_defpfx */
static size_t
ref_prefix(const DBT *a, const DBT *b)
{
	const unsigned char *p = a->data, *q = b->data;
	size_t n = a->size < b->size ? a->size : b->size, i;

	for (i = 0; i < n; i++)
		if (p[i] != q[i])
			return i + 1;
	if (a->size < b->size)
		return a->size + 1;
	if (b->size < a->size)
		return b->size + 1;
	return b->size;
}

/* A fixed pseudo-random sequence (xorshift32): the same keys every run. */
static uint32_t rnd_state;

static uint32_t
rnd(void)
{
	uint32_t x = rnd_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rnd_state = x;
}

static int
sign(int x)
{
	return x < 0 ? -1 : x > 0;
}

/* A key of 0..40 bytes from a small alphabet (long shared prefixes),
 * with bytes >= 0x80 now and then (unsigned order). */
static void
rand_key(unsigned char *buf, DBT *d)
{
	static const unsigned char alpha[] = { 'a', 'b', 0, 0xff, 0x80 };
	size_t n = (size_t)(rnd() % 41), i;

	for (i = 0; i < n; i++)
		buf[i] = rnd() % 8 ? 'a' : alpha[rnd() % sizeof(alpha)];
	memset(d, 0, sizeof(*d));
	d->data = buf;
	d->size = (u_int32_t)n;
}

START_TEST(test_keycmp_orders_and_prefixes_as_the_defaults)
{
	unsigned char ab[64], bb[64];
	DBT a, b;
	int i;

	rnd_state = 7;
	for (i = 0; i < 200000; i++) {
		rand_key(ab, &a);
		if (i % 3 == 0) {	/* b shares a's start */
			memcpy(bb, ab, a.size);
			memset(&b, 0, sizeof(b));
			b.data = bb;
			b.size = a.size;
			if (rnd() % 2 && b.size > 0)
				b.size = (u_int32_t)(rnd() % b.size);
			else if (b.size < 40)
				bb[b.size++] = (unsigned char)(rnd() % 256);
		} else {
			rand_key(bb, &b);
		}
		ck_assert_int_eq(sign(keycmp_compare(NULL, &a, &b)),
		    sign(ref_compare(&a, &b)));
		ck_assert_int_eq(sign(keycmp_compare(NULL, &b, &a)),
		    sign(ref_compare(&b, &a)));
		if (ref_compare(&a, &b) < 0)
			ck_assert_uint_eq(keycmp_prefix(NULL, &a, &b),
			    ref_prefix(&a, &b));
	}
}
END_TEST

/* A btree written with the default order, read through keycmp: every key
 * found, the walk in the same order; written through keycmp, it verifies
 * with the defaults. */
START_TEST(test_keycmp_reads_a_default_ordered_file)
{
	char dir[] = "/tmp/hookd-keycmp.XXXXXX", path[64];
	unsigned char kb[64];
	DB *db;
	DBC *c;
	DBT k, d, pk;
	unsigned char prev[64];
	size_t prevlen = 0;
	int i, n = 0, ret, first = 1;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	ck_assert_int_eq(db_create(&db, NULL, 0), 0);
	ck_assert_int_eq(db->set_pagesize(db, 512), 0);	/* a deep tree */
	ck_assert_int_eq(db->open(db, NULL, path, NULL, DB_BTREE, DB_CREATE,
	    0600), 0);
	rnd_state = 11;
	for (i = 0; i < 5000; i++) {
		rand_key(kb, &k);
		memset(&d, 0, sizeof(d));
		d.data = kb;
		d.size = k.size;
		ret = db->put(db, NULL, &k, &d, 0);
		ck_assert_int_eq(ret, 0);
	}
	ck_assert_int_eq(db->close(db, 0), 0);

	ck_assert_int_eq(db_create(&db, NULL, 0), 0);
	ck_assert_int_eq(db->set_bt_compare(db, keycmp_compare), 0);
	ck_assert_int_eq(db->set_bt_prefix(db, keycmp_prefix), 0);
	ck_assert_int_eq(db->open(db, NULL, path, NULL, DB_BTREE, 0, 0), 0);
	ck_assert_int_eq(db->cursor(db, NULL, &c, 0), 0);
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0) {
		memset(&pk, 0, sizeof(pk));
		pk.data = prev;
		pk.size = (u_int32_t)prevlen;
		if (!first)
			ck_assert_int_lt(ref_compare(&pk, &k), 0);
		first = 0;
		if (k.size > 0) {	/* the empty key's data is NULL */
			memcpy(prev, k.data, k.size);
			memcpy(kb, k.data, k.size);
		}
		prevlen = k.size;
		/* the data is the key: a lookup through keycmp finds it */
		memset(&pk, 0, sizeof(pk));
		pk.data = kb;
		pk.size = k.size;
		pk.ulen = sizeof(kb);
		pk.flags = DB_DBT_USERMEM;
		memset(&d, 0, sizeof(d));
		ck_assert_int_eq(db->get(db, NULL, &pk, &d, 0), 0);
		ck_assert_uint_eq(d.size, pk.size);
		n++;
	}
	ck_assert_int_eq(ret, DB_NOTFOUND);
	ck_assert_int_gt(n, 1000);
	c->close(c);
	/* more keys through keycmp: splits pick their separators with
	 * keycmp_prefix */
	for (i = 0; i < 5000; i++) {
		rand_key(kb, &k);
		memset(&d, 0, sizeof(d));
		d.data = kb;
		d.size = k.size;
		ck_assert_int_eq(db->put(db, NULL, &k, &d, 0), 0);
	}
	ck_assert_int_eq(db->close(db, 0), 0);
	/* and the file is in order by the defaults (verify uses them) */
	ck_assert_int_eq(db_create(&db, NULL, 0), 0);
	ck_assert_int_eq(db->verify(db, path, NULL, NULL, 0), 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *
keycmp_suite(void)
{
	Suite *s = suite_create("keycmp");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_keycmp_orders_and_prefixes_as_the_defaults);
	tcase_add_test(tc, test_keycmp_reads_a_default_ordered_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(keycmp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
