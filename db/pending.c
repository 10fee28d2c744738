/*
 * pending.c - ending a webhook's pending deliveries (store.h), shared by
 * the API (delete: cancelled; PATCH enabled=false: failed) and the sender
 * (410 or disable_after: failed).
 */
#include <stdint.h>
#include <string.h>

#include "db/lane.h"
#include "db/store.h"
#include "lib/arr.h"

typedef char pending_id[STORE_ID_MAX + 1];

/* Most ids collected: no cap of their own (a webhook's pending
 * deliveries are bounded by the store), only what memory allows. */
#define PENDING_MAX (SIZE_MAX / sizeof(pending_id))

/* The ids of the pending deliveries, collected before any is written
 * (an iteration callback must not write what it iterates). */
struct pending_ids {
	struct arr ids;		/* of pending_id */
	int oom;
};

static int
pending_collect(const struct store_delivery *d, void *arg)
{
	struct pending_ids *p = arg;
	char *id;

	if (d->status != STORE_DLV_PENDING)
		return 0;
	if ((id = arr_push(&p->ids)) == NULL) {
		p->oom = 1;
		return 1;
	}
	memcpy(id, d->id, sizeof(pending_id));
	return 0;
}

int
store_delivery_end_webhook(struct store_txn *t, const char *webhook_id,
    int status, int64_t now, size_t *n)
{
	struct pending_ids p;
	struct store_delivery d;
	size_t i, done = 0;
	int rc;

	arr_init(&p.ids, sizeof(pending_id), PENDING_MAX);
	p.oom = 0;
	rc = store_delivery_iter_webhook(t, webhook_id, NULL, pending_collect,
	    &p);
	if (rc == STORE_OK && p.oom)
		rc = STORE_ERR;
	for (i = 0; rc == STORE_OK && i < p.ids.n; i++) {
		rc = store_delivery_get(t, *ARR_AT(&p.ids, pending_id, i), &d);
		if (rc == STORE_NOTFOUND) {
			rc = STORE_OK;
			continue;
		}
		if (rc != STORE_OK || d.status != STORE_DLV_PENDING)
			continue;
		d.status = status;
		d.updated_at = now;
		if ((rc = store_delivery_put(t, &d, 0)) == STORE_OK)
			done++;
	}
	arr_free(&p.ids);
	/* cancelled: the webhook is gone, and so are its lanes */
	if (rc == STORE_OK && status == STORE_DLV_CANCELLED)
		rc = lane_drop(t, webhook_id);
	if (rc == STORE_OK && n != NULL)
		*n = done;
	return rc;
}
