/*
 * urlmemo.h - a URL the sender remembers past its job (which URLs passed
 * the URL check, transfer.c; the last URL's host for the attempt line,
 * job.c), held by value and wiped when it is replaced or dropped.
 *
 * A webhook URL may carry credentials (user:password@ or a token in the
 * query): no copy of one outlives what it is remembered for.  Every byte
 * of url past len is zero, so wiping the len bytes of the old URL before a
 * new one is copied in leaves none of it behind, at the cost of the old
 * URL's length, not the buffer's.
 */
#ifndef HOOKD_SENDER_URLMEMO_H
#define HOOKD_SENDER_URLMEMO_H

#include <stddef.h>

#include "db/store.h"

struct urlmemo {
	size_t len;			/* 0: empty */
	char url[STORE_URL_MAX + 1];	/* NUL-terminated; zero past len */
};

/* 1 if m holds url, whose strlen is len. */
int urlmemo_is(const struct urlmemo *m, const char *url, size_t len);
/* Wipe what m holds, then remember url (strlen len).  -1 when it does not
 * fit (m is left empty). */
int urlmemo_set(struct urlmemo *m, const char *url, size_t len);
/* Wipe m: every byte of it zero (a zeroed struct is an empty memo). */
void urlmemo_wipe(struct urlmemo *m);

#endif
