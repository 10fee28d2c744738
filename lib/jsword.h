/*
 * jsword.h - JSON text 8 (or 16) bytes at a time: does a word (8 bytes read with
 * memcpy, any alignment and byte order) hold a byte that ends a run of
 * plain string bytes?  The classic test for a zero byte, (x - ONES) & ~x
 * & HIGHS, on w ^ (ONES * c) for a byte c, and on w - ONES * 0x20 for the
 * control bytes; exact for "any such byte" (a borrow only marks lanes
 * after a true hit).
 *
 * Header-only, static inline: the string loops of jsontext.c (the scan),
 * jsontree.c (the tree) and envelope.c (escaping and compacting) call
 * these once per 8 bytes of every event, where a function call would cost
 * more than the test.
 *
 * jsword_find: where the first such byte is, 16 bytes a step with SSE2
 * (every x86-64), else 8 with the word tests, and no byte-by-byte walk to
 * it (on a little-endian machine the first marked lane is the first such
 * byte: a borrow only marks lanes after a true hit, which are later
 * bytes).  Measured under callgrind on bench/intake.py's 1 KiB event:
 * the three passes over its strings (scan, tree, envelope) took ~16,000
 * instructions an event with a word test then a byte walk.
 */
#ifndef HOOKD_JSWORD_H
#define HOOKD_JSWORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define JSWORD_ONES UINT64_C(0x0101010101010101)
#define JSWORD_HIGHS UINT64_C(0x8080808080808080)

/* The lanes of w equal to byte c (in the high bit of each, & JSWORD_HIGHS
 * to test). */
static inline uint64_t
jsword_eq(uint64_t w, unsigned char c)
{
	uint64_t x = w ^ (JSWORD_ONES * c);

	return (x - JSWORD_ONES) & ~x;
}

/* The lanes of w below 0x20 (the same way). */
static inline uint64_t
jsword_ctl(uint64_t w)
{
	return (w - JSWORD_ONES * 0x20) & ~w;
}

/* 1 if a byte of w is '"' or '\\'. */
static inline int
jsword_stops(uint64_t w)
{
	return ((jsword_eq(w, '"') | jsword_eq(w, '\\')) & JSWORD_HIGHS) != 0;
}

/* 1 if a byte of w is below 0x20, '"' or '\\': what json-c escapes
 * (with JSON_C_TO_STRING_NOSLASHESCAPE). */
static inline int
jsword_escapes(uint64_t w)
{
	return ((jsword_ctl(w) | jsword_eq(w, '"') | jsword_eq(w, '\\')) &
	    JSWORD_HIGHS) != 0;
}

/* 1 if a byte of w is below 0x20, '"', '\\' or 0x80 and above (UTF-8,
 * to check). */
static inline int
jsword_special(uint64_t w)
{
	return ((jsword_ctl(w) | jsword_eq(w, '"') | jsword_eq(w, '\\') | w) &
	    JSWORD_HIGHS) != 0;
}

/* Which bytes jsword_find looks for. */
#define JSWORD_STOPS 0		/* '"' '\\' */
#define JSWORD_ESCAPES 1	/* those and bytes below 0x20 */
#define JSWORD_SPECIAL 2	/* those and bytes 0x80 and above */

/* 1 if byte c is one of kind's. */
static inline int
jsword_is(unsigned char c, int kind)
{
	return c == '"' || c == '\\' || (kind != JSWORD_STOPS && (c < 0x20 ||
	    (kind == JSWORD_SPECIAL && c >= 0x80)));
}

/* The marked lanes (high bits) of w for kind. */
static inline uint64_t
jsword_marks(uint64_t w, int kind)
{
	uint64_t m = jsword_eq(w, '"') | jsword_eq(w, '\\');

	if (kind != JSWORD_STOPS)
		m |= jsword_ctl(w);
	if (kind == JSWORD_SPECIAL)
		m |= w;
	return m & JSWORD_HIGHS;
}

/*
 * The offset of the first byte of kind in p[i..n), or n when none is.
 * Reads only p[i..n).  kind is a constant at every call: the compiler
 * keeps one path.
 */
static inline size_t
jsword_find(const char *p, size_t i, size_t n, int kind)
{
#ifdef __SSE2__
	while (n - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
		    (p + i));
		int m = _mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));

		if (kind != JSWORD_STOPS) {
			/* signed: below 0x20, or 0x80 and above */
			int lt = _mm_movemask_epi8(_mm_cmplt_epi8(v,
			    _mm_set1_epi8(0x20)));

			m |= kind == JSWORD_SPECIAL ? lt :
			    lt & ~_mm_movemask_epi8(v);
		}
		if (m != 0)
			return i + (size_t)__builtin_ctz((unsigned)m);
		i += 16;
	}
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (n - i >= 8) {
		uint64_t w, m;

		memcpy(&w, p + i, sizeof(w));
		if ((m = jsword_marks(w, kind)) != 0)
			return i + (size_t)(__builtin_ctzll(m) >> 3);
		i += 8;
	}
#endif
	while (i < n && !jsword_is((unsigned char)p[i], kind))
		i++;
	return i;
}

#endif
