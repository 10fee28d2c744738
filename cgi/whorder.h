/*
 * whorder.h - a webhook's delivery order: the fields "ordering" ("none" |
 * "fifo") and "ordering_key" ("webhook" | "user_id") of create, PATCH and
 * every webhook answer.  The lanes themselves are the store's (db/lane.c).
 */
#ifndef HOOKD_CGI_WHORDER_H
#define HOOKD_CGI_WHORDER_H

#include <json-c/json.h>

#include "cgi/call.h"
#include "db/store.h"

/* Which of the two fields the body gave (whorder_arg's *set). */
#define WHORDER_ORDERING	0x1
#define WHORDER_KEY		0x2

/*
 * The body's "ordering" and "ordering_key" into w (absent ones left as
 * they are), which ones were given into *set.  0, or -1 with the 422
 * answer written.
 */
int whorder_arg(struct api_call *c, struct store_webhook *w, int *set);

/* Copy the fields *set names from src to dst (PATCH). */
void whorder_apply(struct store_webhook *dst, const struct store_webhook *src,
    int set);

/* Add both fields of w to the webhook answer o. */
void whorder_json(struct json_object *o, const struct store_webhook *w);

#endif
