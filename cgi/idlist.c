/* idlist.c - (id, owner) lists on lib/arr (contract in idlist.h). */
#include "cgi/idlist.h"
#include "lib/str.h"

void
idlist_init(struct idlist *l)
{
	arr_init(&l->items, sizeof(struct idlist_item), IDLIST_MAX);
}

void
idlist_reset(struct idlist *l)
{
	arr_reset(&l->items);
}

void
idlist_free(struct idlist *l)
{
	arr_free(&l->items);
}

int
idlist_add(struct idlist *l, const char *id, const char *owner)
{
	struct idlist_item *p;

	if ((p = arr_push(&l->items)) == NULL)
		return -1;
	if (str_copy(p->id, sizeof(p->id), id) == -1 ||
	    str_copy(p->owner, sizeof(p->owner),
	    owner != NULL ? owner : "") == -1) {
		l->items.n--;		/* the pushed entry goes again */
		return -1;
	}
	return 0;
}
