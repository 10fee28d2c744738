/*
 * pending.c - ending a webhook's pending deliveries (store.h), shared by
 * the API (delete: cancelled; PATCH enabled=false: failed) and the sender
 * (410 or disable_after: failed).
 */
#include <stdlib.h>
#include <string.h>

#include "db/store.h"

/* The ids of the pending deliveries, collected before any is written
 * (an iteration callback must not write what it iterates). */
struct pending_ids {
	char (*id)[STORE_ID_MAX + 1];
	size_t n, size;
	int oom;
};

static int
pending_collect(const struct store_delivery *d, void *arg)
{
	struct pending_ids *p = arg;
	void *np;

	if (d->status != STORE_DLV_PENDING)
		return 0;
	if (p->n == p->size) {
		size_t size = p->size ? p->size * 2 : 16;

		if ((np = realloc(p->id, size * sizeof(*p->id))) == NULL) {
			p->oom = 1;
			return 1;
		}
		p->id = np;
		p->size = size;
	}
	memcpy(p->id[p->n++], d->id, sizeof(d->id));
	return 0;
}

int
store_delivery_end_webhook(struct store_txn *t, const char *webhook_id,
    int status, int64_t now, size_t *n)
{
	struct pending_ids p = { NULL, 0, 0, 0 };
	struct store_delivery d;
	size_t i, done = 0;
	int rc;

	rc = store_delivery_iter_webhook(t, webhook_id, NULL, pending_collect,
	    &p);
	if (rc == STORE_OK && p.oom)
		rc = STORE_ERR;
	for (i = 0; rc == STORE_OK && i < p.n; i++) {
		rc = store_delivery_get(t, p.id[i], &d);
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
	free(p.id);
	if (rc == STORE_OK && n != NULL)
		*n = done;
	return rc;
}
