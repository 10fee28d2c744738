/*
 * htmlout.h - writing an HTML page into a buf, stickily: the first failed
 * append (cap, memory) marks the output bad and later appends do nothing,
 * so a renderer writes top to bottom and checks once at the end.
 * For the sender's pages (catalog.html; status.html has the same three
 * writers of its own in statushtml.c).
 */
#ifndef HOOKD_HTMLOUT_H
#define HOOKD_HTMLOUT_H

#include <stddef.h>

#include "lib/buf.h"

struct htmlout {
	struct buf *b;
	int bad;		/* 1 once an append failed */
};

/* Append s (or n bytes of p) as it is: markup. */
void htmlout_put(struct htmlout *h, const char *s);
void htmlout_putn(struct htmlout *h, const void *p, size_t n);

void htmlout_putf(struct htmlout *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append n bytes of s escaped for text and attribute values alike:
 * & < > " ' become entities. */
void htmlout_esc(struct htmlout *h, const char *s, size_t n);

#endif
