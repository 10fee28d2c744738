/* idlist.c - growable (id, owner) lists. */
#include <stdlib.h>
#include <string.h>

#include "cgi/idlist.h"

void
idlist_init(struct idlist *l)
{
	l->v = NULL;
	l->n = 0;
	l->size = 0;
}

void
idlist_reset(struct idlist *l)
{
	l->n = 0;
}

void
idlist_free(struct idlist *l)
{
	free(l->v);
	idlist_init(l);
}

/* Copy s (at most STORE_ID_MAX bytes) into dst. */
static void
idlist_copy(char *dst, const char *s)
{
	size_t n = s != NULL ? strnlen(s, STORE_ID_MAX) : 0;

	memcpy(dst, s != NULL ? s : "", n);
	dst[n] = '\0';
}

int
idlist_add(struct idlist *l, const char *id, const char *owner)
{
	struct idlist_item *p;
	size_t size;

	if (l->n == l->size) {
		if (l->size >= IDLIST_MAX)
			return -1;
		size = l->size ? l->size * 2 : 16;
		if (size > IDLIST_MAX)
			size = IDLIST_MAX;
		p = realloc(l->v, size * sizeof(*p));
		if (p == NULL)
			return -1;
		l->v = p;
		l->size = size;
	}
	idlist_copy(l->v[l->n].id, id);
	idlist_copy(l->v[l->n].owner, owner);
	l->n++;
	return 0;
}
