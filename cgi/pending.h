/*
 * pending.h - ending a webhook's pending deliveries (delete: cancelled;
 * disable: failed), inside the caller's transaction.
 */
#ifndef HOOKD_CGI_PENDING_H
#define HOOKD_CGI_PENDING_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"

/*
 * Set every pending delivery of webhook_id to status (STORE_DLV_CANCELLED
 * or STORE_DLV_FAILED) at now.  STORE_OK with the count in *n (may be
 * NULL), or a store code to return from the txn callback.
 */
int pending_end_webhook(struct store_txn *t, const char *webhook_id,
    int status, int64_t now, size_t *n);

#endif
