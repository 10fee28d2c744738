/* test_buf.c - lib/buf: growth, cap, NUL termination, failed appends. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

START_TEST(test_buf_new_buffer_is_empty_string)
{
	struct buf b;

	buf_init(&b, 100);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_str_eq(b.data, "");
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
	ck_assert_str_eq(b.data, "");
}
END_TEST

START_TEST(test_buf_appends_and_stays_nul_terminated)
{
	struct buf b;

	buf_init(&b, 1000);
	ck_assert_int_eq(buf_adds(&b, "hello"), 0);
	ck_assert_int_eq(buf_add(&b, ", wo", 4), 0);
	ck_assert_int_eq(buf_printf(&b, "rld %d-%s", 42, "x"), 0);
	ck_assert_uint_eq(b.len, strlen("hello, world 42-x"));
	ck_assert_str_eq(b.data, "hello, world 42-x");
	ck_assert_int_eq(buf_add(&b, "", 0), 0);
	ck_assert_uint_eq(b.len, 17);
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_binary_data_keeps_length)
{
	struct buf b;

	buf_init(&b, 16);
	ck_assert_int_eq(buf_add(&b, "a\0b", 3), 0);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(memcmp(b.data, "a\0b\0", 4), 0);
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_cap_is_exact_and_failed_append_changes_nothing)
{
	struct buf b;

	buf_init(&b, 10);
	ck_assert_int_eq(buf_adds(&b, "0123456789"), 0);	/* exactly cap */
	ck_assert_uint_eq(b.len, 10);
	ck_assert_int_eq(buf_adds(&b, "x"), -1);
	ck_assert_int_eq(buf_printf(&b, "%d", 1), -1);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_str_eq(b.data, "0123456789");
	ck_assert_uint_le(b.size, 11);		/* never allocates past cap+1 */
	buf_free(&b);

	buf_init(&b, 10);
	ck_assert_int_eq(buf_adds(&b, "abc"), 0);
	ck_assert_int_eq(buf_printf(&b, "%s", "12345678"), -1);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_str_eq(b.data, "abc");
	ck_assert_int_eq(buf_add(&b, "x", (size_t)-1), -1);	/* no overflow */
	ck_assert_str_eq(b.data, "abc");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_zero_cap_refuses_everything_but_nothing)
{
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(buf_add(&b, "", 0), 0);
	ck_assert_int_eq(buf_adds(&b, "a"), -1);
	ck_assert_str_eq(b.data, "");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_grows_by_doubling_to_large_sizes)
{
	struct buf b;
	char chunk[1000];
	size_t i, reallocs = 0, last = 0;

	memset(chunk, 'z', sizeof(chunk));
	buf_init(&b, 4 * 1024 * 1024);
	for (i = 0; i < 4000; i++) {
		ck_assert_int_eq(buf_add(&b, chunk, sizeof(chunk)), 0);
		if (b.size != last) {
			reallocs++;
			last = b.size;
		}
	}
	ck_assert_uint_eq(b.len, 4000000);
	ck_assert_uint_eq(b.data[b.len], '\0');
	ck_assert_uint_eq(b.data[b.len - 1], 'z');
	ck_assert_uint_lt(reallocs, 30);	/* doubling, not linear */
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_reset_keeps_memory_and_empties)
{
	struct buf b;
	size_t size;

	buf_init(&b, 100);
	ck_assert_int_eq(buf_adds(&b, "some text"), 0);
	size = b.size;
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	ck_assert_uint_eq(b.size, size);
	ck_assert_int_eq(buf_adds(&b, "new"), 0);
	ck_assert_str_eq(b.data, "new");
	buf_free(&b);
	buf_reset(&b);		/* reset of a freed buffer is harmless */
	ck_assert_str_eq(b.data, "");
}
END_TEST

/* One request thread's buffers, made and reset over and over. */
static void *
buf_reset_loop(void *arg)
{
	struct buf b;
	int i;

	(void)arg;
	for (i = 0; i < 20000; i++) {
		buf_init(&b, 16);
		buf_reset(&b);
		ck_assert_str_eq(b.data, "");
		buf_free(&b);
	}
	return NULL;
}

/* Buffers that own no memory share one empty string: a reset must not
 * write to it, or threads resetting theirs race (make check-tsan). */
START_TEST(test_buf_reset_of_unused_buffers_on_threads_writes_nothing_shared)
{
	pthread_t th[4];
	size_t i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, buf_reset_loop,
		    NULL), 0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
}
END_TEST

START_TEST(test_buf_add_integers_appends_digits_within_cap)
{
	struct buf b;

	buf_init(&b, 64);
	ck_assert_int_eq(buf_add_u64(&b, 0), 0);
	ck_assert_int_eq(buf_adds(&b, " "), 0);
	ck_assert_int_eq(buf_add_i64(&b, INT64_MIN), 0);
	ck_assert_int_eq(buf_adds(&b, " "), 0);
	ck_assert_int_eq(buf_add_u64(&b, UINT64_MAX), 0);
	ck_assert_str_eq(b.data,
	    "0 -9223372036854775808 18446744073709551615");
	buf_free(&b);
	/* 3 digits do not fit a cap of 2: refused, nothing appended */
	buf_init(&b, 2);
	ck_assert_int_eq(buf_add_i64(&b, 42), 0);
	ck_assert_int_eq(buf_add_u64(&b, 7), -1);
	ck_assert_str_eq(b.data, "42");
	buf_reset(&b);
	ck_assert_int_eq(buf_add_i64(&b, -100), -1);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

/* buf_add's inline path (room already there): the cap holds even over
 * kept memory (a cap lowered after a reset, as a request slot does), the
 * last byte of room is the NUL's, and a refused add changes nothing. */
START_TEST(test_buf_add_in_reserved_room_keeps_cap_and_nul)
{
	struct buf b;
	char *p;

	buf_init(&b, 1000);
	ck_assert_int_eq(buf_reserve(&b, 100), 0);
	p = b.data;
	ck_assert_uint_ge(b.size, 101);
	buf_reset(&b);
	b.cap = 10;		/* this use may hold 10 bytes */
	ck_assert_int_eq(buf_add(&b, "0123456789a", 11), -1);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(buf_add(&b, "01234", 5), 0);
	ck_assert_int_eq(buf_add(&b, "567890", 6), -1);
	ck_assert_str_eq(b.data, "01234");
	ck_assert_int_eq(buf_add(&b, "56789", 5), 0);
	ck_assert_str_eq(b.data, "0123456789");
	ck_assert_int_eq(buf_add(&b, "", 0), 0);
	ck_assert_int_eq(buf_add(&b, "x", 1), -1);
	ck_assert_ptr_eq(b.data, p);	/* all in the kept memory */
	/* room for exactly n bytes and the NUL: no growth; one more: grows */
	buf_reset(&b);
	b.cap = 1000;
	ck_assert_int_eq(buf_add(&b, p + 0, 0), 0);
	while (b.size - b.len > 2)
		ck_assert_int_eq(buf_add(&b, "y", 1), 0);
	ck_assert_ptr_eq(b.data, p);
	ck_assert_int_eq(buf_add(&b, "z", 1), 0);	/* the last byte */
	ck_assert_ptr_eq(b.data, p);
	ck_assert_uint_eq(b.len, b.size - 1);
	ck_assert_int_eq(b.data[b.len], '\0');
	ck_assert_int_eq(buf_add(&b, "w", 1), 0);	/* grows */
	ck_assert_uint_gt(b.size, b.len);
	ck_assert_int_eq(b.data[b.len - 1], 'w');
	ck_assert_int_eq(b.data[b.len], '\0');
	buf_free(&b);
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_buf_new_buffer_is_empty_string);
	tcase_add_test(tc, test_buf_appends_and_stays_nul_terminated);
	tcase_add_test(tc, test_buf_binary_data_keeps_length);
	tcase_add_test(tc, test_buf_cap_is_exact_and_failed_append_changes_nothing);
	tcase_add_test(tc, test_buf_zero_cap_refuses_everything_but_nothing);
	tcase_add_test(tc, test_buf_grows_by_doubling_to_large_sizes);
	tcase_add_test(tc, test_buf_reset_keeps_memory_and_empties);
	tcase_add_test(tc,
	    test_buf_reset_of_unused_buffers_on_threads_writes_nothing_shared);
	tcase_add_test(tc, test_buf_add_integers_appends_digits_within_cap);
	tcase_add_test(tc, test_buf_add_in_reserved_room_keeps_cap_and_nul);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
