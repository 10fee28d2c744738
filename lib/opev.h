/*
 * opev.h - operational events: what hookd tells an application about its
 * own webhooks, as ordinary events of that application (envelope with its
 * org_id and app_id, signed and delivered like any other) to its enabled
 * webhooks whose filter names them ("hookd.*", "hookd.delivery.*" or the
 * type; "*" never matches them, store_webhook_matches).
 *
 *   hookd.webhook.disabled   {webhook_id, url, reason, failing_since}
 *                            reason "gone" (410), "failing" (disable_after)
 *                            or "manual"; failing_since null for manual
 *   hookd.webhook.enabled    {webhook_id, url}
 *   hookd.delivery.failing   {delivery_id, event_id, webhook_id, attempts,
 *                            last_attempt: {at, status_code, error}}
 *   hookd.delivery.exhausted the same
 *   hookd.delivery.recovered {webhook_id, url, failing_since}
 *
 * Each call stores the event and its deliveries in the caller's
 * transaction t, the one that makes the state change it reports (store.h,
 * "publishing"): both are committed or neither.  The callers keep the
 * rules of when (docs/delivery.md): the sender (sender/outcome.c) and the
 * API's webhook update (cgi/webhooks.c).  The rule that nothing happening
 * to the delivery of an operational event causes another is the callers'
 * too: they ask store_type_operational(delivery's event_type) first.
 *
 * Every call: the count of deliveries written goes to *n (may be NULL);
 * a webhook or app that no longer exists publishes nothing (STORE_OK);
 * otherwise a store code (STORE_RETRY back to store_txn unchanged).
 */
#ifndef HOOKD_LIB_OPEV_H
#define HOOKD_LIB_OPEV_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"

#define OPEV_DISABLED	"hookd.webhook.disabled"
#define OPEV_ENABLED	"hookd.webhook.enabled"
#define OPEV_FAILING	"hookd.delivery.failing"
#define OPEV_EXHAUSTED	"hookd.delivery.exhausted"
#define OPEV_RECOVERED	"hookd.delivery.recovered"

/* The failed attempt a delivery event reports. */
struct opev_attempt {
	int64_t at;
	int status_code;	/* 0: none (written as null) */
	const char *error;	/* "": none (written as null) */
};

/* w (as stored after the change) was disabled for reason ("gone",
 * "failing", "manual"); failing_since 0 is written as null. */
int opev_disabled(struct store_txn *t, const struct store_webhook *w,
    const char *reason, int64_t failing_since, int64_t now, size_t *n);
/* w was enabled again. */
int opev_enabled(struct store_txn *t, const struct store_webhook *w,
    int64_t now, size_t *n);
/* type OPEV_FAILING or OPEV_EXHAUSTED for delivery d after attempts
 * attempts, the last one a. */
int opev_delivery(struct store_txn *t, const char *type,
    const struct store_delivery *d, uint32_t attempts,
    const struct opev_attempt *a, int64_t now, size_t *n);
/* Webhook webhook_id delivered again after the episode that began at
 * failing_since. */
int opev_recovered(struct store_txn *t, const char *webhook_id,
    int64_t failing_since, int64_t now, size_t *n);

#endif
