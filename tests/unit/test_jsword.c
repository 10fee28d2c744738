/*
 * test_jsword.c - lib/jsword.h against a byte-by-byte reference: every
 * byte value in every lane of a word of plain bytes, and words of random
 * bytes (where a borrow from one lane could wrongly mark, or hide, the
 * next), for jsword_stops, jsword_escapes and jsword_special; and
 * jsword_find's offset (16, 8 and 1 byte steps) against a byte walk, for
 * every byte value at every offset and for runs of random bytes, reading
 * nothing past its end (an allocation of exactly n bytes, for ASan).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsword.h"

/* The reference, one byte at a time: which bytes a test stops at. */
enum { STOPS, ESCAPES, SPECIAL };

static int
ref_byte(unsigned char c, int kind)
{
	int quote = c == '"' || c == '\\';

	switch (kind) {
	case STOPS:
		return quote;
	case ESCAPES:
		return quote || c < 0x20;
	default:
		return quote || c < 0x20 || c >= 0x80;
	}
}

static int
ref_word(const unsigned char *b, int kind)
{
	int i;

	for (i = 0; i < 8; i++)
		if (ref_byte(b[i], kind))
			return 1;
	return 0;
}

static int
got_word(const unsigned char *b, int kind)
{
	uint64_t w;

	memcpy(&w, b, sizeof(w));
	switch (kind) {
	case STOPS:
		return jsword_stops(w);
	case ESCAPES:
		return jsword_escapes(w);
	default:
		return jsword_special(w);
	}
}

START_TEST(test_every_byte_in_every_lane_of_a_plain_word)
{
	unsigned char b[8];
	int lane, c, kind;

	for (kind = STOPS; kind <= SPECIAL; kind++)
		for (lane = 0; lane < 8; lane++)
			for (c = 0; c < 256; c++) {
				memset(b, 'a', sizeof(b));
				b[lane] = (unsigned char)c;
				ck_assert_msg(got_word(b, kind) ==
				    ref_byte((unsigned char)c, kind),
				    "kind %d lane %d byte 0x%02x", kind, lane,
				    c);
			}
}
END_TEST

START_TEST(test_words_of_random_bytes_match_the_reference)
{
	unsigned char b[8];
	unsigned seed = 12345;
	int n, i, kind;

	for (n = 0; n < 200000; n++) {
		for (i = 0; i < 8; i++) {
			seed = seed * 1103515245u + 12345u;
			/* lanes near the limits more often than 1 in 256 */
			if ((seed >> 16) % 4 == 0)
				b[i] = (unsigned char)
				    "\x1f\x20\x21\"\\\x7f\x80\x00"[(seed >> 8) % 8];
			else
				b[i] = (unsigned char)(seed >> 24);
		}
		for (kind = STOPS; kind <= SPECIAL; kind++)
			ck_assert_msg(got_word(b, kind) == ref_word(b, kind),
			    "kind %d word %02x%02x%02x%02x%02x%02x%02x%02x",
			    kind, b[0], b[1], b[2], b[3], b[4], b[5], b[6],
			    b[7]);
	}
}
END_TEST

/* The reference of jsword_find: the first byte of kind in b[i..n). */
static size_t
ref_find(const unsigned char *b, size_t i, size_t n, int kind)
{
	while (i < n && !ref_byte(b[i], kind))
		i++;
	return i;
}

static size_t
got_find(const unsigned char *b, size_t i, size_t n, int kind)
{
	switch (kind) {	/* a constant kind, as every caller passes */
	case STOPS:
		return jsword_find((const char *)b, i, n, JSWORD_STOPS);
	case ESCAPES:
		return jsword_find((const char *)b, i, n, JSWORD_ESCAPES);
	default:
		return jsword_find((const char *)b, i, n, JSWORD_SPECIAL);
	}
}

START_TEST(test_find_every_byte_at_every_offset)
{
	enum { N = 41 };
	unsigned char *b = malloc(N);
	size_t pos, i, n;
	int c, kind;

	ck_assert_ptr_nonnull(b);
	for (kind = STOPS; kind <= SPECIAL; kind++)
		for (pos = 0; pos < N; pos++)
			for (c = 0; c < 256; c++) {
				memset(b, 'a', N);
				b[pos] = (unsigned char)c;
				for (i = 0; i <= pos; i += 3)
					for (n = pos; n <= N; n += N - pos) {
						ck_assert_msg(got_find(b, i, n,
						    kind) == ref_find(b, i, n,
						    kind), "kind %d byte 0x%02x "
						    "at %zu from %zu to %zu",
						    kind, c, pos, i, n);
					}
			}
	free(b);
}
END_TEST

START_TEST(test_find_in_runs_of_random_bytes)
{
	unsigned char *b;
	unsigned seed = 777;
	size_t n, i, k;
	int round, kind;

	for (round = 0; round < 20000; round++) {
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 70;
		b = malloc(n + 1);	/* n bytes read at most */
		ck_assert_ptr_nonnull(b);
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly plain, so that runs are long */
			if ((seed >> 16) % 29 == 0)
				b[k] = (unsigned char)(seed >> 24);
			else if ((seed >> 16) % 31 == 0)
				b[k] = (unsigned char)
				    "\x1f\x20\x21\"\\\x7f\x80\x00"[(seed >> 8) % 8];
			else
				b[k] = (unsigned char)('a' + (seed >> 24) % 26);
		}
		for (i = 0; i <= n; i++)
			for (kind = STOPS; kind <= SPECIAL; kind++)
				ck_assert_uint_eq(got_find(b, i, n, kind),
				    ref_find(b, i, n, kind));
		free(b);
	}
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("jsword");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_every_byte_in_every_lane_of_a_plain_word);
	tcase_add_test(tc, test_words_of_random_bytes_match_the_reference);
	tcase_add_test(tc, test_find_every_byte_at_every_offset);
	tcase_add_test(tc, test_find_in_runs_of_random_bytes);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
