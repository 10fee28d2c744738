/* pending.c - ending a webhook's pending deliveries. */
#include <string.h>

#include "cgi/idlist.h"
#include "cgi/pending.h"

static int
pending_collect(const struct store_delivery *d, void *arg)
{
	struct idlist *l = arg;

	if (d->status != STORE_DLV_PENDING)
		return 0;
	return idlist_add(l, d->id, NULL) == 0 ? 0 : STORE_ERR;
}

int
pending_end_webhook(struct store_txn *t, const char *webhook_id,
    int status, int64_t now, size_t *n)
{
	struct store_delivery d;
	struct idlist l;
	size_t i, done = 0;
	int rc;

	idlist_init(&l);
	rc = store_delivery_iter_webhook(t, webhook_id, NULL, pending_collect,
	    &l);
	if (rc < 0)
		goto out;
	for (i = 0; i < l.n; i++) {
		rc = store_delivery_get(t, l.v[i].id, &d);
		if (rc == STORE_NOTFOUND)
			continue;
		if (rc != STORE_OK)
			goto out;
		if (d.status != STORE_DLV_PENDING)
			continue;
		d.status = status;
		d.updated_at = now;
		if ((rc = store_delivery_put(t, &d, 0)) != STORE_OK)
			goto out;
		done++;
	}
	rc = STORE_OK;
	if (n != NULL)
		*n = done;
out:
	idlist_free(&l);
	return rc;
}
