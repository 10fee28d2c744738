/*
 * buf.c - a growable byte buffer with a length and a cap (see buf.h).
 *
 * Memory grows by doubling, never beyond cap + 1 (the +1 is the NUL that
 * always follows the data).  A failed append leaves len and the content
 * as they were.  Before the first append data points at a shared empty
 * string (size 0), so data is a valid C string from buf_init on.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/num.h"

#define BUF_MIN 64

/* The data of a buffer that owns no memory yet; only ever holds "". */
static char buf_empty[1];

void
buf_init(struct buf *b, size_t cap)
{
	b->data = buf_empty;
	b->len = 0;
	b->size = 0;
	b->cap = cap;
}

void
buf_free(struct buf *b)
{
	if (b->size > 0)
		free(b->data);
	b->data = buf_empty;
	b->len = 0;
	b->size = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	/* not into buf_empty: every thread's unused buffers share it, and
	 * it holds "" already */
	if (b->size > 0)
		b->data[0] = '\0';
}

int
buf_reserve(struct buf *b, size_t need)
{
	size_t want, size;
	char *p;

	if (need > b->cap || b->len > b->cap - need)
		return -1;
	want = b->len + need + 1;
	if (want <= b->size)
		return 0;
	size = b->size ? b->size : BUF_MIN;
	while (size < want) {
		if (size > SIZE_MAX / 2) {
			size = want;
			break;
		}
		size *= 2;
	}
	if (size - 1 > b->cap)
		size = b->cap + 1;
	p = realloc(b->size > 0 ? b->data : NULL, size);
	if (p == NULL)
		return -1;
	b->data = p;
	b->size = size;
	return 0;
}

int
buf_add_grow(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_add_i64(struct buf *b, int64_t v)
{
	char d[NUM_I64_LEN];
	int n = num_format_i64(v, d, sizeof(d));

	return n < 0 ? -1 : buf_add(b, d, (size_t)n);
}

int
buf_add_u64(struct buf *b, uint64_t v)
{
	char d[NUM_I64_LEN];
	int n = num_format_u64(v, d, sizeof(d));

	return n < 0 ? -1 : buf_add(b, d, (size_t)n);
}

/* Repeated here with the attribute so clang checks fmt is a format. */
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if (buf_reserve(b, (size_t)n) == -1)
		return -1;
	/* The reserve above guarantees room for n bytes plus the NUL. */
	if (vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap) != n) {
		b->data[b->len] = '\0';
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}
