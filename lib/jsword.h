/*
 * jsword.h - JSON text 8 bytes at a time: does a word (8 bytes read with
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
 */
#ifndef HOOKD_JSWORD_H
#define HOOKD_JSWORD_H

#include <stdint.h>

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

#endif
