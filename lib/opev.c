/* opev.c - operational events (contract in opev.h). */
#include <string.h>

#include <json-c/json.h>

#include "lib/buf.h"
#include "lib/envelope.h"
#include "lib/id.h"
#include "lib/opev.h"
#include "lib/timefmt.h"

/* Far above any operational event's envelope (a URL of STORE_URL_MAX and
 * a few ids). */
#define OPEV_BODY_MAX (16u * 1024)

/*
 * Publish an event of type with data (owned: released here) to app_id's
 * webhooks that subscribe to it, in t.  Store code.
 */
static int
opev_emit(struct store_txn *t, const char *type, const char *app_id,
    struct json_object *data, int64_t now, size_t *n)
{
	struct store_app app;
	struct store_event ev;
	struct buf body;
	int rc;

	if (n != NULL)
		*n = 0;
	buf_init(&body, OPEV_BODY_MAX);
	if (data == NULL) {
		rc = STORE_ERR;		/* out of memory */
		goto out;
	}
	rc = store_app_get(t, app_id, &app);
	if (rc == STORE_NOTFOUND) {
		rc = STORE_OK;		/* no app: no one to tell */
		goto out;
	}
	if (rc != STORE_OK)
		goto out;
	memset(&ev, 0, sizeof(ev));
	rc = STORE_ERR;
	if (id_new("evt", ev.id, sizeof(ev.id)) == -1 ||
	    strlen(type) >= sizeof(ev.type))
		goto out;
	memcpy(ev.type, type, strlen(type));
	memcpy(ev.org_id, app.org_id, sizeof(ev.org_id));
	memcpy(ev.app_id, app.id, sizeof(ev.app_id));
	ev.created_at = now;
	if (envelope_build(&body, ev.id, type, now, app.org_id, app.id, NULL,
	    data) == -1)
		goto out;
	ev.body = body.data;
	ev.body_len = body.len;
	rc = store_publish_app(t, &ev, n);
out:
	json_object_put(data);
	buf_free(&body);
	return rc;
}

/* {"webhook_id", "url"} of w, the start of the webhook events' data. */
static struct json_object *
opev_webhook(const struct store_webhook *w)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "webhook_id",
	    json_object_new_string(w->id));
	json_object_object_add(o, "url", json_object_new_string(w->url));
	return o;
}

int
opev_disabled(struct store_txn *t, const struct store_webhook *w,
    const char *reason, int64_t failing_since, int64_t now, size_t *n)
{
	struct json_object *o = opev_webhook(w);

	if (o != NULL) {
		json_object_object_add(o, "reason",
		    json_object_new_string(reason));
		json_object_object_add(o, "failing_since",
		    timefmt_json(failing_since));
	}
	return opev_emit(t, OPEV_DISABLED, w->app_id, o, now, n);
}

int
opev_enabled(struct store_txn *t, const struct store_webhook *w,
    int64_t now, size_t *n)
{
	return opev_emit(t, OPEV_ENABLED, w->app_id, opev_webhook(w), now, n);
}

int
opev_delivery(struct store_txn *t, const char *type,
    const struct store_delivery *d, uint32_t attempts,
    const struct opev_attempt *a, int64_t now, size_t *n)
{
	struct json_object *o = json_object_new_object(), *last;

	last = json_object_new_object();
	if (o == NULL || last == NULL) {
		json_object_put(last);
		json_object_put(o);
		return opev_emit(t, type, d->app_id, NULL, now, n);
	}
	json_object_object_add(o, "delivery_id",
	    json_object_new_string(d->id));
	json_object_object_add(o, "event_id",
	    json_object_new_string(d->event_id));
	json_object_object_add(o, "webhook_id",
	    json_object_new_string(d->webhook_id));
	json_object_object_add(o, "attempts", json_object_new_int64(attempts));
	json_object_object_add(last, "at", timefmt_json(a->at));
	json_object_object_add(last, "status_code", a->status_code > 0 ?
	    json_object_new_int64(a->status_code) : NULL);
	json_object_object_add(last, "error", a->error[0] != '\0' ?
	    json_object_new_string(a->error) : NULL);
	json_object_object_add(o, "last_attempt", last);
	return opev_emit(t, type, d->app_id, o, now, n);
}

int
opev_recovered(struct store_txn *t, const char *webhook_id,
    int64_t failing_since, int64_t now, size_t *n)
{
	struct store_webhook w;
	struct json_object *o;
	char app[STORE_ID_MAX + 1];
	int rc;

	if (n != NULL)
		*n = 0;
	rc = store_webhook_get(t, webhook_id, &w);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	o = opev_webhook(&w);
	if (o != NULL)
		json_object_object_add(o, "failing_since",
		    timefmt_json(failing_since));
	memcpy(app, w.app_id, sizeof(app));
	explicit_bzero(&w, sizeof(w));		/* it holds the secrets */
	return opev_emit(t, OPEV_RECOVERED, app, o, now, n);
}
