/*
 * str.c - bounded string copies (contract in str.h).
 */
#include <limits.h>
#include <string.h>
#include <sys/types.h>

#include "lib/str.h"

ssize_t
str_copyn(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size || n > (size_t)SSIZE_MAX) {
		if (size > 0)
			dst[0] = '\0';
		return -1;
	}
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
	return (ssize_t)n;
}

ssize_t
str_copy(char *dst, size_t size, const char *src)
{
	/* strnlen: never read further than the copy could go. */
	return str_copyn(dst, size, src, strnlen(src, size));
}
