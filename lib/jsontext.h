/*
 * jsontext.h - is this byte string exactly one JSON text?  A validating
 * scanner, not a parser: it builds nothing, it only says yes, or no with
 * what is wrong and the byte offset where it is.
 *
 * Yes means: RFC 8259's grammar exactly (no leading zeros, no "2." or ".5",
 * no '+', no single quotes, no comments, no NaN/Infinity, no trailing comma
 * or data, whitespace only space, tab, LF, CR, any value at the top); the
 * whole text well-formed UTF-8 (RFC 3629: no overlong forms, no encoded
 * surrogates, nothing past U+10FFFF, no byte-order mark) with no raw control
 * character U+0000..U+001F inside a string; I-JSON's rule on escapes (RFC
 * 7493: no escaped lone surrogate, "\ud800"); no "\u0000" inside a member
 * name (C code cuts such a name at the NUL); nesting at most maxdepth.
 *
 * Duplicate member names (I-JSON) are not checked by jsontext_check, which
 * stays a single pass with no memory: it counts the members, so a caller
 * holding a parsed tree that keeps one value per name sees a duplicate as
 * fewer members in the tree than in the text, and asks jsontext_dup where.
 */
#ifndef HOOKD_LIB_JSONTEXT_H
#define HOOKD_LIB_JSONTEXT_H

#include <stddef.h>

#define JSONTEXT_DEPTH_MAX 1024	/* largest maxdepth jsontext_check takes */

/*
 * 0 if text (n bytes, need not be NUL-terminated) is one JSON text as
 * above, with *members the number of object members in it (every object,
 * every level).  -1 otherwise, with *at the byte offset of the fault and
 * err a message ending "at byte N" ("leading zero in number at byte 12").
 * maxdepth: objects and arrays nested deeper are refused (1..
 * JSONTEXT_DEPTH_MAX; "[[]]" is depth 2).
 */
int jsontext_check(const char *text, size_t n, int maxdepth, size_t *members,
    size_t *at, char *err, size_t errlen);

/*
 * For a text jsontext_check accepted: 1 if an object in it names a member
 * twice, comparing names after their escapes are decoded ("a" and "\u0061"
 * are one name), with *at the offset of the opening quote of the first
 * repeat in the text and err "duplicate member name "a" at byte N" (the
 * name left out when long); 0 if no name repeats; -1 out of memory (err
 * says so).  Sorts the names of each object: O(k log k) for k members.
 */
int jsontext_dup(const char *text, size_t n, size_t *at, char *err,
    size_t errlen);

#endif
