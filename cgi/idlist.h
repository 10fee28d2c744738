/*
 * idlist.h - a list of (id, owner id) pairs, collected by store iteration
 * callbacks (which must not write) and written after.  A struct arr
 * (lib/arr.h) of struct idlist_item, at most IDLIST_MAX of them.
 */
#ifndef HOOKD_CGI_IDLIST_H
#define HOOKD_CGI_IDLIST_H

#include <stddef.h>

#include "db/store.h"
#include "lib/arr.h"

#define IDLIST_MAX 1000000	/* entries; more is an error */

struct idlist_item {
	char id[STORE_ID_MAX + 1];
	char owner[STORE_ID_MAX + 1];	/* "" when unused */
};

struct idlist {
	struct arr items;		/* of struct idlist_item */
};

/* Entry i (< idlist_len) of l. */
#define IDLIST_AT(l, i) ARR_AT(&(l)->items, struct idlist_item, i)
#define idlist_len(l) ((l)->items.n)

void idlist_init(struct idlist *l);
void idlist_reset(struct idlist *l);	/* empty, memory kept */
void idlist_free(struct idlist *l);
/* Append; owner may be NULL.  0, or -1 (memory, IDLIST_MAX, or an id
 * longer than STORE_ID_MAX: never cut). */
int idlist_add(struct idlist *l, const char *id, const char *owner);

#endif
