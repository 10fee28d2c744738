/* test_jsregex_memo.c - lib/jsregex.c's per-thread memo of answers gives
 * each expression its own answer for a string (also an expression made
 * where a freed one was, and expressions sharing a slot), for strings of every length, through slot
 * collisions, on several threads at once. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lib/jsregex.h"

static struct jsregex *
compile(const char *src)
{
	char err[256];
	struct jsregex *re = jsregex_compile(src, strlen(src), err,
	    sizeof(err));

	ck_assert_msg(re != NULL, "%s: %s", src, err);
	return re;
}

static int
match(struct jsregex *re, const char *s)
{
	char err[256];

	return jsregex_match(re, s, strlen(s), err, sizeof(err));
}

START_TEST(test_jsregex_memo_answers_per_expression)
{
	struct jsregex *a = compile("^a"), *b = compile("^b"), *c;
	int i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(match(a, "abc"), 1);
		ck_assert_int_eq(match(b, "abc"), 0);
		ck_assert_int_eq(match(a, "bcd"), 0);
		ck_assert_int_eq(match(b, "bcd"), 1);
	}
	jsregex_free(a);
	c = compile("^[^a]");	/* maybe at a's address: its own answers */
	ck_assert_int_eq(match(c, "abc"), 0);
	ck_assert_int_eq(match(c, "bcd"), 1);
	jsregex_free(b);
	jsregex_free(c);
}
END_TEST

/* More expressions than slots, one string: some share a slot, each
 * keeps its own answer. */
START_TEST(test_jsregex_memo_many_expressions_one_string)
{
	struct jsregex *re[40];
	int i, round;

	for (i = 0; i < 40; i++)
		re[i] = compile(i % 2 ? "^a" : "^b");
	for (round = 0; round < 3; round++)
		for (i = 0; i < 40; i++)
			ck_assert_msg(match(re[i], "abc") == i % 2,
			    "expression %d round %d", i, round);
	for (i = 0; i < 40; i++)
		jsregex_free(re[i]);
}
END_TEST

/* Strings of 0..200 bytes, many more than the memo's slots, twice over:
 * each answer is the expression's ("a digit at an even length"). */
START_TEST(test_jsregex_memo_every_length_and_collisions)
{
	struct jsregex *re = compile("^(..)*[0-9]$");
	char s[256];
	size_t n, k;
	int round, want;

	for (round = 0; round < 2; round++)
		for (n = 0; n <= 200; n++) {
			for (k = 0; k < n; k++)
				s[k] = (char)('a' + (k + n) % 26);
			if (n > 0 && n % 3 == 0)
				s[n - 1] = '7';
			s[n] = '\0';
			want = n > 0 && n % 2 == 1 && n % 3 == 0;
			ck_assert_msg(match(re, s) == want, "length %zu", n);
		}
	jsregex_free(re);
}
END_TEST

static struct jsregex *shared_re;

static void *
thread_main(void *arg)
{
	const char *yes = arg;
	int i, bad = 0;

	for (i = 0; i < 20000; i++)
		bad += match(shared_re, yes) != 1 ||
		    match(shared_re, "zzz") != 0;
	return bad != 0 ? (void *)1 : NULL;
}

START_TEST(test_jsregex_memo_threads_each_right)
{
	pthread_t t[4];
	static const char *yes[] = { "x1", "y2", "x3", "q4" };
	void *rv;
	int i;

	shared_re = compile("[0-9]$");
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, thread_main,
		    (void *)yes[i]), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], &rv), 0);
		ck_assert_ptr_null(rv);
	}
	jsregex_free(shared_re);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jsregex_memo");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_jsregex_memo_answers_per_expression);
	tcase_add_test(tc, test_jsregex_memo_many_expressions_one_string);
	tcase_add_test(tc, test_jsregex_memo_every_length_and_collisions);
	tcase_add_test(tc, test_jsregex_memo_threads_each_right);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
