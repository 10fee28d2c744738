/*
 * publish.c - storing an event and its deliveries inside the caller's
 * transaction (contract in store.h, "publishing").
 */
#include <string.h>

#include "db/dbenv.h"
#include "lib/arr.h"
#include "lib/catalog.h"
#include "lib/id.h"

/* Most webhooks one app's publication collects; more fails like running
 * out of memory (as the API's fan-out list, cgi/idlist.h). */
#define PUBLISH_HOOKS_MAX 1000000

int
store_publish(struct store_txn *t, struct store_event *ev,
    const char *user_id, size_t n, store_target_fn target, const void *list,
    char *last_id, struct store_publish_batch *b)
{
	const char *wid, *app;
	struct store_delivery d;
	struct store_queue q;
	size_t i;
	int rc;

	if (last_id != NULL)
		last_id[0] = '\0';
	if (n > UINT32_MAX)
		return dbenv_fail(t, "too many deliveries for one event");
	ev->deliveries = (uint32_t)n;
	if (b == NULL)
		rc = store_event_put(t, ev);
	else if ((rc = event_put_record(t, ev)) == STORE_OK)
		rc = store_eventtime_add(t, &b->run, ev);
	if (rc != STORE_OK)
		return rc;
	memset(&d, 0, sizeof(d));
	memset(&q, 0, sizeof(q));
	memcpy(d.event_id, ev->id, sizeof(d.event_id));
	memcpy(d.event_type, ev->type, sizeof(d.event_type));
	d.status = STORE_DLV_PENDING;
	d.next_attempt_at = d.created_at = d.updated_at = ev->created_at;
	d.user_id = user_id;
	/* webhook.test goes outside any FIFO lane: no sequence */
	if (strcmp(ev->type, CATALOG_TEST_TYPE) == 0)
		d.sequence = STORE_SEQ_NONE;
	for (i = 0; i < n; i++) {
		if (id_new("dlv", d.id, sizeof(d.id)) == -1)
			return STORE_ERR;
		target(list, i, &wid, &app);
		if (strlen(wid) > STORE_ID_MAX || strlen(app) > STORE_ID_MAX)
			return dbenv_fail(t, "target id too long");
		memset(d.webhook_id, 0, sizeof(d.webhook_id));
		memset(d.app_id, 0, sizeof(d.app_id));
		memcpy(d.webhook_id, wid, strlen(wid));
		memcpy(d.app_id, app, strlen(app));
		/* d.id: just made by id_new */
		if ((rc = delivery_create(t, &d, &q, DBENV_PUT_FRESH)) !=
		    STORE_OK)
			return rc;
		if (last_id != NULL)
			memcpy(last_id, d.id, sizeof(d.id));
	}
	/* the queue counters once per event, not once per delivery; or
	 * once per batch, by the caller that collects them in b */
	if (b != NULL) {
		b->q.pending += q.pending;
		b->q.delivered += q.delivered;
		b->q.failed += q.failed;
		b->q.cancelled += q.cancelled;
		return STORE_OK;
	}
	return n > 0 ? store_queue_add(t, &q) : STORE_OK;
}

int
store_publish_batch_end(struct store_txn *t, struct store_publish_batch *b)
{
	int rc;

	if ((rc = store_eventtime_end(t, &b->run)) != STORE_OK)
		return rc;
	rc = store_queue_add(t, &b->q);
	memset(&b->q, 0, sizeof(b->q));
	return rc;
}

/* One matching webhook of the app (its app is the event's). */
struct publish_hook {
	char id[STORE_ID_MAX + 1];
};

struct publish_app {
	const struct store_event *ev;
	struct arr hooks;		/* of struct publish_hook */
};

static int
publish_app_cb(const struct store_webhook *w, void *arg)
{
	struct publish_app *p = arg;
	struct publish_hook *h;

	if (!w->enabled || !store_webhook_matches(w->events, p->ev->type))
		return 0;
	if ((h = arr_push(&p->hooks)) == NULL)
		return STORE_ERR;
	memcpy(h->id, w->id, sizeof(h->id));
	return 0;
}

static void
publish_app_target(const void *list, size_t i, const char **webhook_id,
    const char **app_id)
{
	const struct publish_app *p = list;

	*webhook_id = ARR_AT(&p->hooks, const struct publish_hook, i)->id;
	*app_id = p->ev->app_id;
}

int
store_publish_app(struct store_txn *t, struct store_event *ev, size_t *n)
{
	struct publish_app p;
	int rc;

	if (n != NULL)
		*n = 0;
	p.ev = ev;
	arr_init(&p.hooks, sizeof(struct publish_hook), PUBLISH_HOOKS_MAX);
	/* Collect first: an iteration callback must not write. */
	rc = store_webhook_iter_app(t, ev->app_id, publish_app_cb, &p);
	if (rc >= 0 && p.hooks.n == 0)
		rc = STORE_OK;		/* no one to tell: nothing stored */
	else if (rc >= 0)
		rc = store_publish(t, ev, NULL, p.hooks.n, publish_app_target,
		    &p, NULL, NULL);
	if (rc == STORE_OK && n != NULL)
		*n = p.hooks.n;
	arr_free(&p.hooks);
	return rc;
}
