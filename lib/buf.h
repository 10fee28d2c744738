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
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
/* The decimal digits of v (lib/num.h), without printf.  0 or -1. */
int buf_add_i64(struct buf *b, int64_t v);
int buf_add_u64(struct buf *b, uint64_t v);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

#endif
