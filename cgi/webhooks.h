/*
 * webhooks.h - what webhooks.c offers besides its handlers (handlers.h):
 * loading one webhook of an app inside a transaction, for the webhook's
 * other endpoints (whsecret.c, whtest.c, whrecover.c) and intake.c.
 */
#ifndef HOOKD_CGI_WEBHOOKS_H
#define HOOKD_CGI_WEBHOOKS_H

#include "cgi/call.h"
#include "db/store.h"

/* Webhook wh_id of app app_id into out (it holds the secrets: wipe it).
 * A store code, or call_fail's 404 "no such webhook" when it is missing
 * or another app's (the same answer for both). */
int webhooks_load(struct store_txn *t, struct api_call *c, const char *app_id,
    const char *wh_id, struct store_webhook *out);

/* webhooks_load, and call_fail's 409 "webhook_disabled" when the webhook
 * is disabled (what sends to it must not start). */
int webhooks_load_enabled(struct store_txn *t, struct api_call *c,
    const char *app_id, const char *wh_id, struct store_webhook *out);

#endif
