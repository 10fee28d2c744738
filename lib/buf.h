/*
 * buf.h - a growable byte buffer that carries its length and a cap.
 *
 * Appending past cap fails (-1) and leaves the buffer as it was; data is
 * always NUL-terminated one byte past len (the NUL is not counted).
 */
#ifndef HOOKD_BUF_H
#define HOOKD_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t size;		/* allocated */
	size_t cap;		/* most bytes it may ever hold */
};

void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);		/* len = 0, memory kept */
/* Make room for need more bytes (and the NUL) after len, so that adding
 * up to need bytes allocates nothing.  0, or -1 past cap / ENOMEM. */
int buf_reserve(struct buf *b, size_t need);
/* buf_add's slow path: room made first (buf_reserve).  0 or -1. */
int buf_add_grow(struct buf *b, const void *p, size_t n);

/*
 * Append n bytes: 0, or -1 (past cap, ENOMEM) with b unchanged.  Inline
 * when the room is there already (the usual case: a caller reserves,
 * then adds piece by piece; ~44 calls a batch event, where the calls to
 * buf_add and buf_reserve cost more than the copy).  size > len whenever
 * memory is held, and len <= cap.
 */
static inline int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n < b->size - b->len && n <= b->cap - b->len) {
		if (n > 0)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_add_grow(b, p, n);
}
int buf_adds(struct buf *b, const char *s);
/* The decimal digits of v (lib/num.h), without printf.  0 or -1. */
int buf_add_i64(struct buf *b, int64_t v);
int buf_add_u64(struct buf *b, uint64_t v);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

#endif
