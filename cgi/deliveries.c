/* deliveries.c - the delivery log: list, detail with attempts, retry. */
#include <stdlib.h>
#include <string.h>

#include "cgi/handlers.h"
#include "cgi/jout.h"
#include "cgi/query.h"
#include "cgi/response.h"
#include "lib/id.h"
#include "lib/timefmt.h"
#include "lib/wake.h"

#define DLV_LIMIT_DEFAULT 50
#define DLV_LIMIT_MAX 250
#define DLV_SCAN_MAX 2000	/* records looked at per page with filters */

/* The API's name of each STORE_DLV_* status. */
static const char *const dlv_status_names[] = {
	[STORE_DLV_PENDING] = "pending",
	[STORE_DLV_DELIVERED] = "delivered",
	[STORE_DLV_FAILED] = "failed",
	[STORE_DLV_CANCELLED] = "cancelled",
};
#define DLV_STATUS_N \
	((int)(sizeof(dlv_status_names) / sizeof(dlv_status_names[0])))

static struct json_object *
dlv_json(const struct store_delivery *d)
{
	struct json_object *o = json_object_new_object();
	const char *st = d->status >= 0 && d->status < DLV_STATUS_N ?
	    dlv_status_names[d->status] : "unknown";

	json_object_object_add(o, "id", jout_str(d->id, 0));
	json_object_object_add(o, "event_id", jout_str(d->event_id, 0));
	json_object_object_add(o, "event_type", jout_str(d->event_type, 0));
	json_object_object_add(o, "webhook_id", jout_str(d->webhook_id, 0));
	json_object_object_add(o, "app_id", jout_str(d->app_id, 0));
	json_object_object_add(o, "status", json_object_new_string(st));
	json_object_object_add(o, "attempts_count", jout_int(d->attempts));
	json_object_object_add(o, "next_attempt_at",
	    d->status == STORE_DLV_PENDING ? jout_time(d->next_attempt_at) :
	    NULL);
	json_object_object_add(o, "created_at", jout_time(d->created_at));
	json_object_object_add(o, "updated_at", jout_time(d->updated_at));
	json_object_object_add(o, "sequence", d->sequence != 0 ?
	    json_object_new_int64((int64_t)d->sequence) : NULL);
	return o;
}

/* ---- list -------------------------------------------------------------- */
struct dlv_page {
	struct api_call *c;
	int status;			/* -1: any */
	char webhook[STORE_ID_MAX + 1];	/* "" any */
	char type[STORE_TYPE_MAX + 1];	/* "" any */
	char cursor[STORE_ID_MAX + 1];	/* "" from the newest */
	size_t limit;
	struct store_delivery *v;	/* limit slots */
	size_t n, scanned;
	int more;			/* stopped with records left */
	char last[STORE_ID_MAX + 1];	/* last record looked at */
};

static int
dlv_page_cb(const struct store_delivery *d, void *arg)
{
	struct dlv_page *p = arg;

	if (p->n == p->limit || p->scanned == DLV_SCAN_MAX) {
		p->more = 1;
		return 1;
	}
	/* A webhook's deliveries all carry its app: another app's webhook
	 * ends the walk at once, so it reads exactly like a missing one
	 * (and no cursor ever names another app's delivery). */
	if (strcmp(d->app_id, p->c->param[0]) != 0)
		return 1;
	p->scanned++;
	memcpy(p->last, d->id, sizeof(p->last));
	if ((p->status >= 0 && d->status != p->status) ||
	    (p->type[0] != '\0' && strcmp(d->event_type, p->type) != 0))
		return 0;
	p->v[p->n++] = *d;
	return 0;
}

static int
dlv_list_txn(struct store_txn *t, void *arg)
{
	struct dlv_page *p = arg;
	struct store_app app;
	int rc;

	p->n = p->scanned = 0;
	p->more = 0;
	p->last[0] = '\0';
	rc = store_app_get(t, p->c->param[0], &app);
	if (rc == STORE_NOTFOUND)
		return call_fail(p->c, 404, "not_found", "no such app");
	if (rc != STORE_OK)
		return rc;
	if (p->webhook[0] != '\0')
		rc = store_delivery_iter_webhook(t, p->webhook, p->cursor,
		    dlv_page_cb, p);
	else
		rc = store_delivery_iter_app(t, app.id, p->cursor, dlv_page_cb,
		    p);
	return rc < 0 ? rc : STORE_OK;
}

void
deliveries_list(struct api_call *c)
{
	const char *q = c->req->query;
	struct json_object *o, *a;
	struct dlv_page *p;
	char st[32];
	int64_t limit;
	size_t i;
	int rc;

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		response_error(c->resp, 503, "out_of_memory", "out of memory");
		return;
	}
	p->c = c;
	p->status = -1;
	if (query_int(q, "limit", 1, DLV_LIMIT_MAX, DLV_LIMIT_DEFAULT,
	    &limit) == -1) {
		call_invalid(c, "limit: must be an integer from 1 to 250");
		goto out;
	}
	p->limit = (size_t)limit;
	rc = query_get(q, "status", st, sizeof(st));
	if (rc == 1) {
		for (i = 0; i < (size_t)DLV_STATUS_N; i++)
			if (strcmp(st, dlv_status_names[i]) == 0)
				p->status = (int)i;
	}
	if (rc == -1 || (rc == 1 && p->status < 0)) {
		call_invalid(c, "status: must be pending, delivered, failed "
		    "or cancelled");
		goto out;
	}
	if (query_id(q, "webhook", "wh", p->webhook,
	    sizeof(p->webhook)) == -1) {
		call_invalid(c, "webhook: not a webhook id");
		goto out;
	}
	rc = query_get(q, "event_type", p->type, sizeof(p->type));
	if (rc == -1 || (rc == 1 && p->type[0] == '\0')) {
		call_invalid(c, "event_type: bad value");
		goto out;
	}
	if (query_id(q, "cursor", "dlv", p->cursor,
	    sizeof(p->cursor)) == -1) {
		call_invalid(c, "cursor: not a cursor of this list");
		goto out;
	}
	p->v = calloc(p->limit, sizeof(*p->v));
	if (p->v == NULL) {
		response_error(c->resp, 503, "out_of_memory", "out of memory");
		goto out;
	}
	if (call_txn(c, STORE_RDONLY, dlv_list_txn, p) != 0)
		goto out;
	o = json_object_new_object();
	a = json_object_new_array();
	for (i = 0; i < p->n; i++)
		json_object_array_add(a, dlv_json(&p->v[i]));
	json_object_object_add(o, "data", a);
	/* More may follow: go on after the last record looked at. */
	json_object_object_add(o, "next_cursor", p->more && p->last[0] ?
	    jout_str(p->last, 0) : NULL);
	response_json(c->resp, 200, o);
out:
	free(p->v);
	free(p);
}

/* ---- detail ------------------------------------------------------------ */
struct dlv_detail {
	struct api_call *c;
	struct store_delivery d;
	struct json_object *attempts;	/* built in the callback */
};

static int
dlv_load(struct store_txn *t, struct api_call *c, struct store_delivery *d)
{
	int rc;

	rc = store_delivery_get(t, c->param[1], d);
	if (rc == STORE_NOTFOUND ||
	    (rc == STORE_OK && strcmp(d->app_id, c->param[0]) != 0))
		return call_fail(c, 404, "not_found", "no such delivery");
	return rc;
}

static int
dlv_attempt_cb(const struct store_attempt *a, void *arg)
{
	struct dlv_detail *dd = arg;
	struct json_object *o = json_object_new_object();
	size_t n = a->response_len;

	if (o == NULL)
		return STORE_ERR;
	if (n > STORE_RESP_MAX)
		n = STORE_RESP_MAX;
	json_object_object_add(o, "id", jout_str(a->id, 0));
	json_object_object_add(o, "at", jout_time(a->at));
	json_object_object_add(o, "status_code", a->status_code > 0 ?
	    jout_int(a->status_code) : NULL);
	json_object_object_add(o, "error", jout_str(a->error, 1));
	json_object_object_add(o, "duration_ms", jout_int(a->duration_ms));
	json_object_object_add(o, "response", jout_str_len(a->response, n));
	json_object_array_add(dd->attempts, o);
	return 0;
}

static int
dlv_get_txn(struct store_txn *t, void *arg)
{
	struct dlv_detail *dd = arg;
	int rc;

	json_object_put(dd->attempts);
	dd->attempts = json_object_new_array();
	if (dd->attempts == NULL)
		return STORE_ERR;
	if ((rc = dlv_load(t, dd->c, &dd->d)) != STORE_OK)
		return rc;
	rc = store_attempt_iter_delivery(t, dd->d.id, dlv_attempt_cb, dd);
	return rc < 0 ? rc : STORE_OK;
}

void
deliveries_get(struct api_call *c)
{
	struct dlv_detail dd;
	struct json_object *o;

	memset(&dd, 0, sizeof(dd));
	dd.c = c;
	if (call_txn(c, STORE_RDONLY, dlv_get_txn, &dd) != 0) {
		json_object_put(dd.attempts);
		return;
	}
	o = dlv_json(&dd.d);
	json_object_object_add(o, "attempts", dd.attempts);
	response_json(c->resp, 200, o);
}

/* ---- retry ------------------------------------------------------------- */
static int
dlv_retry_txn(struct store_txn *t, void *arg)
{
	struct dlv_detail *dd = arg;
	struct store_webhook w;
	int64_t now = timefmt_now_ms();
	int rc;

	if ((rc = dlv_load(t, dd->c, &dd->d)) != STORE_OK)
		return rc;
	rc = store_webhook_get(t, dd->d.webhook_id, &w);
	if (rc == STORE_NOTFOUND) {
		rc = call_fail(dd->c, 409, "webhook_deleted",
		    "the delivery's webhook was deleted");
		goto out;
	}
	if (rc != STORE_OK)
		goto out;
	if (!w.enabled) {
		rc = call_fail(dd->c, 409, "webhook_disabled",
		    "the webhook is disabled; enable it first");
		goto out;
	}
	/* A FIFO delivery that had ended goes on its own, outside its lane;
	 * a pending one keeps its place (only made due now). */
	if (dd->d.status != STORE_DLV_PENDING && dd->d.sequence != 0)
		dd->d.solo = 1;
	dd->d.status = STORE_DLV_PENDING;
	dd->d.next_attempt_at = now;
	dd->d.updated_at = now;
	rc = store_delivery_put(t, &dd->d, 0);
out:
	explicit_bzero(&w, sizeof(w));	/* it held the webhook's secrets */
	return rc;
}

void
deliveries_retry(struct api_call *c)
{
	struct dlv_detail dd;

	memset(&dd, 0, sizeof(dd));
	dd.c = c;
	if (call_txn(c, 0, dlv_retry_txn, &dd) != 0)
		return;
	wake_send(c->cfg->data_dir);
	response_json(c->resp, 202, dlv_json(&dd.d));
}
