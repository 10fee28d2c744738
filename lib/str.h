/*
 * str.h - bounded copies of C strings into fixed-size arrays.
 *
 * The one bounded string copy of the tree (strlcpy-like, but a copy that
 * does not fit is an error, never a silent cut):
 *
 *   str_copy(dst, size, src)     copies src and its NUL;
 *   str_copyn(dst, size, src, n) copies the n bytes at src and adds a NUL
 *                                (src need not be NUL-terminated; NUL
 *                                bytes inside the n are copied as they are).
 *
 * Both return the length copied (without the NUL, so < size), or -1 when
 * it would need size bytes or more; then dst holds "" (when size > 0), so
 * a caller that forgot the check holds no cut-off id or path.  dst and src
 * must not overlap.  A caller never compares the result with size: -1 is
 * the only failure.
 */
#ifndef HOOKD_STR_H
#define HOOKD_STR_H

#include <stddef.h>
#include <sys/types.h>

ssize_t str_copy(char *dst, size_t size, const char *src);
ssize_t str_copyn(char *dst, size_t size, const char *src, size_t n);

#endif
