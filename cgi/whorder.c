/* whorder.c - a webhook's ordering fields (contract in whorder.h). */
#include <string.h>

#include "cgi/jin.h"
#include "cgi/whorder.h"

static const char *const whorder_orderings[] = { "none", "fifo", NULL };
static const char *const whorder_keys[] = { "webhook", "user_id", NULL };

/* The index of s in the NULL-terminated names, or -1. */
static int
whorder_index(const char *const *names, const char *s)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int
whorder_arg(struct api_call *c, struct store_webhook *w, int *set)
{
	const char *ord, *key;
	char err[256];
	int i;

	*set = 0;
	if (jin_str(c->body, "ordering", 0, 1, 16, &ord, err,
	    sizeof(err)) == -1 ||
	    jin_str(c->body, "ordering_key", 0, 1, 16, &key, err,
	    sizeof(err)) == -1) {
		call_invalid(c, err);
		return -1;
	}
	if (ord != NULL) {
		if ((i = whorder_index(whorder_orderings, ord)) == -1) {
			call_invalid(c, "ordering: must be \"none\" or \"fifo\"");
			return -1;
		}
		w->ordering = i;
		*set |= WHORDER_ORDERING;
	}
	if (key != NULL) {
		if ((i = whorder_index(whorder_keys, key)) == -1) {
			call_invalid(c, "ordering_key: must be \"webhook\" or "
			    "\"user_id\"");
			return -1;
		}
		w->ordering_key = i;
		*set |= WHORDER_KEY;
	}
	return 0;
}

void
whorder_apply(struct store_webhook *dst, const struct store_webhook *src,
    int set)
{
	if (set & WHORDER_ORDERING)
		dst->ordering = src->ordering;
	if (set & WHORDER_KEY)
		dst->ordering_key = src->ordering_key;
}

void
whorder_json(struct json_object *o, const struct store_webhook *w)
{
	int ord = w->ordering == STORE_ORDER_FIFO;
	int key = w->ordering_key == STORE_OKEY_USER;

	json_object_object_add(o, "ordering",
	    json_object_new_string(whorder_orderings[ord]));
	json_object_object_add(o, "ordering_key",
	    json_object_new_string(whorder_keys[key]));
}
