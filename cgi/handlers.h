/*
 * handlers.h - every API endpoint, one function each (router.c's table).
 * A handler writes exactly one answer into c->resp.
 */
#ifndef HOOKD_CGI_HANDLERS_H
#define HOOKD_CGI_HANDLERS_H

#include "cgi/call.h"
#include "cgi/whrecover.h"
#include "cgi/whsecret.h"
#include "cgi/whtest.h"

/* catalog.c */
void catalog_health(struct api_call *c);
void catalog_list(struct api_call *c);
void catalog_get(struct api_call *c);

/* apps.c */
void apps_create(struct api_call *c);
void apps_list(struct api_call *c);
void apps_get(struct api_call *c);
void apps_delete(struct api_call *c);
void apps_rotate_key(struct api_call *c);

/* webhooks.c */
void webhooks_create(struct api_call *c);
void webhooks_list(struct api_call *c);
void webhooks_get(struct api_call *c);
void webhooks_update(struct api_call *c);
void webhooks_delete(struct api_call *c);

/* whsecret.c, whtest.c, whrecover.c: declared in their own headers */

/* events.c */
void events_create(struct api_call *c);

/* batch.c */
void batch_create(struct api_call *c);

/* deliveries.c */
void deliveries_list(struct api_call *c);
void deliveries_get(struct api_call *c);
void deliveries_retry(struct api_call *c);

#endif
