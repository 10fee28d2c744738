/*
 * test_logsum.c - db/logsum: the same hash as libdb's __ham_func4 (its
 * byte loop written out here, and libdb's own function) for every length
 * up to 2 KiB at every alignment of a vector block, and libdb's calls
 * bound to ours.
 */
#include <check.h>
#include <db.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/logsum.h"
#include "tests/unit/store_fixture.h"

typedef u_int32_t (*hash_fn)(DB *, const void *, u_int32_t);

/* hash_func.c's loop: h = (h << 5) + h + byte */
static uint32_t
ref_hash(const unsigned char *p, size_t n)
{
	uint32_t h = 0;

	while (n-- > 0)
		h = (h << 5) + h + *p++;
	return h;
}

/* A fixed pseudo-random sequence (xorshift32): the same bytes every run. */
static uint32_t rnd_state = 2166136261u;

static uint32_t
rnd(void)
{
	uint32_t x = rnd_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rnd_state = x;
}

#define BIG (70 * 1024)

static unsigned char *
random_bytes(size_t n)
{
	unsigned char *b = malloc(n);
	size_t i;

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(rnd() >> 7);
	return b;
}

START_TEST(test_logsum_equals_the_byte_loop)
{
	unsigned char *b = random_bytes(BIG);
	size_t len, off, i;

	for (off = 0; off < 32; off++)
		for (len = 0; len <= 2048; len++)
			ck_assert_msg(logsum_hash(b + off, len) ==
			    ref_hash(b + off, len), "length %zu at +%zu", len,
			    off);
	for (i = 0; i < 200; i++) {
		len = rnd() % (BIG - 64);
		off = rnd() % 64;
		ck_assert_msg(logsum_hash(b + off, len) ==
		    ref_hash(b + off, len), "length %zu at +%zu", len, off);
	}
	/* the largest products in every lane, and none */
	memset(b, 0xff, BIG);
	ck_assert_uint_eq(logsum_hash(b, BIG), ref_hash(b, BIG));
	ck_assert_uint_eq(logsum_hash(b + 3, 4099), ref_hash(b + 3, 4099));
	memset(b, 0, BIG);
	ck_assert_uint_eq(logsum_hash(b, BIG), 0);
	free(b);
}
END_TEST

START_TEST(test_logsum_equals_libdbs_own)
{
	unsigned char *b = random_bytes(4096);
	hash_fn libdb;
	size_t len, off;

	libdb = (hash_fn)dlvsym(RTLD_NEXT, "__ham_func4", "DB5_3");
	ck_assert_ptr_nonnull(libdb);
	ck_assert_ptr_ne((void *)libdb, (void *)__ham_func4);
	for (off = 0; off < 8; off++)
		for (len = 0; len <= 1100; len++)
			ck_assert_msg(__ham_func4(NULL, b + off, (u_int32_t)len)
			    == libdb(NULL, b + off, (u_int32_t)len),
			    "length %zu at +%zu", len, off);
	ck_assert_uint_eq(__ham_func4(NULL, b, 4096), libdb(NULL, b, 4096));
	free(b);
}
END_TEST

/* libdb's own calls (through its PLT) find ours first: the definition
 * every object's lookup of the name reaches is this program's, and the
 * comparison at first use found no difference. */
START_TEST(test_logsum_stands_in_for_libdbs)
{
	ck_assert_int_eq(logsum_check(), 1);
	ck_assert_ptr_eq(dlsym(RTLD_DEFAULT, "__ham_func4"),
	    (void *)__ham_func4);
}
END_TEST

/* A log written through this program (records of 40 B to 9 KiB) read by
 * db5.3_printlog, another program, which checks every record's checksum
 * with libdb's own function: a record whose checksum differs ends its
 * read with an error. */
START_TEST(test_logsum_log_reads_in_libdbs_tools)
{
	char *dir = fx_tmpdir();
	unsigned char *v = random_bytes(9 * 1024);
	DB_ENV *env;
	DB_TXN *txn;
	DB *db;
	DBT k, d;
	pid_t pid;
	int i;

	ck_assert_int_eq(db_env_create(&env, 0), 0);
	ck_assert_int_eq(env->open(env, dir, DB_CREATE | DB_INIT_LOCK |
	    DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN, 0600), 0);
	ck_assert_int_eq(db_create(&db, env, 0), 0);
	ck_assert_int_eq(db->open(db, NULL, "t.db", NULL, DB_BTREE,
	    DB_CREATE | DB_AUTO_COMMIT, 0600), 0);
	for (i = 0; i < 300; i++) {
		memset(&k, 0, sizeof(k));
		memset(&d, 0, sizeof(d));
		k.data = &i;
		k.size = sizeof(i);
		d.data = v + i;
		d.size = (u_int32_t)(40 + rnd() % (9 * 1024 - 340));
		ck_assert_int_eq(env->txn_begin(env, NULL, &txn, 0), 0);
		ck_assert_int_eq(db->put(db, txn, &k, &d, 0), 0);
		ck_assert_int_eq(txn->commit(txn, 0), 0);
	}
	ck_assert_int_eq(db->close(db, 0), 0);
	ck_assert_int_eq(env->close(env, 0), 0);
	if ((pid = fork()) == 0) {
		if (freopen("/dev/null", "w", stdout) != NULL)
			execlp("db5.3_printlog", "db5.3_printlog", "-h", dir,
			    (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(fx_wait(pid), 0);
	fx_rmdir(dir);
	free(dir);
	free(v);
}
END_TEST

static Suite *
logsum_suite(void)
{
	Suite *s = suite_create("logsum");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_logsum_equals_the_byte_loop);
	tcase_add_test(tc, test_logsum_equals_libdbs_own);
	tcase_add_test(tc, test_logsum_stands_in_for_libdbs);
	tcase_add_test(tc, test_logsum_log_reads_in_libdbs_tools);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(logsum_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
