/*
 * num.h - decimal integers: checked text -> value, and value -> text.
 *
 * The one number parser and the one integer formatter of the tree.
 *
 * Parsing (strtonum-like, but stricter and with a length):
 *   - s holds len bytes, or is NUL-terminated when len is NUM_CSTR.  At
 *     most len bytes are read and reading stops at the first byte that is
 *     not part of the number, so a NUL-terminated s shorter than len is
 *     safe (and then invalid).
 *   - The text is digits only: no blanks, no '+', no "0x", no trailing
 *     junk.  num_parse_i64 also takes one leading '-'; num_parse_u64
 *     takes no sign at all.  Leading zeros are fine ("007" is 7).
 *   - The value must lie in [min, max].
 *   - Returns 0 with *out set, or -1 with *out untouched, errno set and,
 *     when errstr is not NULL, *errstr pointing at a static message:
 *       EINVAL "empty"      nothing to parse (len 0 or "")
 *       EINVAL "invalid"    a byte that is not a digit, or a bare "-"
 *       ERANGE "too small"  below min
 *       ERANGE "too large"  above max, or beyond the type (overflow)
 *     On success *errstr is set to NULL.  A caller that clamps instead of
 *     refusing tests errno == ERANGE (the value is then beyond min or max
 *     on the side *errstr says).
 *   - min > max is a caller bug: every value is "too large".
 *
 * Formatting: the decimal digits of v (with '-' when negative) and a NUL
 * into out[outlen].  Returns the length without the NUL, or -1 (out then
 * holds "" when outlen > 0) if out is too small.  NUM_I64_LEN bytes always
 * suffice for either type.
 */
#ifndef HOOKD_NUM_H
#define HOOKD_NUM_H

#include <stddef.h>
#include <stdint.h>

#define NUM_CSTR ((size_t)-1)	/* len: s is NUL-terminated */
#define NUM_I64_LEN 21		/* "-9223372036854775808" + NUL; also u64 */

int num_parse_i64(const char *s, size_t len, int64_t min, int64_t max,
    int64_t *out, const char **errstr);
int num_parse_u64(const char *s, size_t len, uint64_t min, uint64_t max,
    uint64_t *out, const char **errstr);

int num_format_i64(int64_t v, char *out, size_t outlen);
int num_format_u64(uint64_t v, char *out, size_t outlen);

#endif
