/*
 * idlist.h - a growable list of (id, owner id) pairs, collected by store
 * iteration callbacks (which must not write) and written after.
 */
#ifndef HOOKD_CGI_IDLIST_H
#define HOOKD_CGI_IDLIST_H

#include <stddef.h>

#include "db/store.h"

#define IDLIST_MAX 1000000	/* entries; more is an error */

struct idlist_item {
	char id[STORE_ID_MAX + 1];
	char owner[STORE_ID_MAX + 1];	/* "" when unused */
};

struct idlist {
	struct idlist_item *v;
	size_t n, size;
};

void idlist_init(struct idlist *l);
void idlist_reset(struct idlist *l);	/* n = 0, memory kept */
void idlist_free(struct idlist *l);
/* Append; owner may be NULL.  0, or -1 (memory, IDLIST_MAX). */
int idlist_add(struct idlist *l, const char *id, const char *owner);

#endif
