/*
 * whrecover.c - the recover endpoint: every failed delivery of an enabled
 * webhook created since "since" becomes pending and due now, in one
 * transaction; the sender is woken when there is any.
 */
#include <string.h>

#include "cgi/idlist.h"
#include "cgi/jin.h"
#include "cgi/jout.h"
#include "cgi/response.h"
#include "cgi/webhooks.h"
#include "cgi/whrecover.h"
#include "lib/timefmt.h"
#include "lib/wake.h"

struct whrecover_op {
	struct api_call *c;
	int64_t since;
	size_t count;			/* deliveries re-queued */
	struct idlist ids;		/* the failed ones, collected first */
};

static int
whrecover_cb(const struct store_delivery *d, void *arg)
{
	struct whrecover_op *o = arg;

	if (d->created_at < o->since)
		return 1;	/* newest first: the rest is older */
	if (d->status != STORE_DLV_FAILED)
		return 0;
	return idlist_add(&o->ids, d->id, NULL) == 0 ? 0 : STORE_ERR;
}

static int
whrecover_txn(struct store_txn *t, void *arg)
{
	struct whrecover_op *o = arg;
	struct store_webhook w;
	struct store_delivery d;
	int64_t now = timefmt_now_ms();
	size_t i;
	int rc;

	idlist_reset(&o->ids);
	o->count = 0;
	rc = webhooks_load_enabled(t, o->c, o->c->param[0], o->c->param[1],
	    &w);
	explicit_bzero(&w, sizeof(w));		/* it holds the secrets */
	if (rc != STORE_OK)
		return rc;
	rc = store_delivery_iter_webhook(t, o->c->param[1], NULL,
	    whrecover_cb, o);
	if (rc < 0)
		return rc;
	for (i = 0; i < idlist_len(&o->ids); i++) {
		rc = store_delivery_get(t, IDLIST_AT(&o->ids, i)->id, &d);
		if (rc != STORE_OK)
			return rc;
		d.status = STORE_DLV_PENDING;
		d.solo = 0;		/* back into its lane, by sequence */
		d.next_attempt_at = now;
		d.updated_at = now;
		if ((rc = store_delivery_put(t, &d, 0)) != STORE_OK)
			return rc;
		o->count++;
	}
	return STORE_OK;
}

void
whrecover_requeue(struct api_call *c)
{
	static const char *const fields[] = { "since", NULL };
	struct whrecover_op o;
	struct json_object *j;
	char err[256];
	int present;

	memset(&o, 0, sizeof(o));
	o.c = c;
	idlist_init(&o.ids);
	if (jin_only(c->body, fields, err, sizeof(err)) == -1 ||
	    jin_time(c->body, "since", 1, &o.since, &present, err,
	    sizeof(err)) == -1) {
		call_invalid(c, err);
		goto out;
	}
	if (call_txn(c, 0, whrecover_txn, &o) != 0)
		goto out;
	if (o.count > 0)
		wake_send(c->cfg->data_dir);
	j = json_object_new_object();
	json_object_object_add(j, "deliveries", jout_int((int64_t)o.count));
	response_json(c->resp, 202, j);
out:
	idlist_free(&o.ids);
}
