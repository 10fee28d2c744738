/*
 * idset.h - the delivery ids a sender has picked and not yet committed.
 *
 * Open addressing with linear probing and backward-shift deletion; the
 * table has a fixed size chosen at creation (at least twice the most ids it
 * will hold), so no call allocates after idset_new.  Keys are copied.
 */
#ifndef HOOKD_SENDER_IDSET_H
#define HOOKD_SENDER_IDSET_H

#include <stddef.h>

struct idset;

/* A set for at most max ids.  NULL on allocation failure. */
struct idset *idset_new(size_t max);
void idset_free(struct idset *s);
/* 0 added, 1 already there, -1 full or id too long. */
int idset_add(struct idset *s, const char *id);
int idset_has(const struct idset *s, const char *id);
void idset_del(struct idset *s, const char *id);
size_t idset_count(const struct idset *s);

#endif
