/*
 * webhooks.c - a webhook registration: create, list, get, update and
 * delete (handlers.h), the webhook's JSON and the checks of its fields,
 * and loading one webhook of an app for the other webhook endpoints
 * (webhooks.h).  Its secret, test and recover endpoints are whsecret.c,
 * whtest.c and whrecover.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cgi/apps.h"
#include "cgi/catalog.h"
#include "cgi/handlers.h"
#include "cgi/jin.h"
#include "cgi/jout.h"
#include "cgi/query.h"
#include "cgi/response.h"
#include "cgi/webhooks.h"
#include "cgi/whorder.h"
#include "cgi/whheaders.h"
#include "lib/id.h"
#include "lib/opev.h"
#include "lib/timefmt.h"
#include "lib/wake.h"
#include "lib/url.h"

#define WEBHOOKS_EVENTS_MAX 64		/* entries of one filter */
#define WEBHOOKS_RATE_MAX 10000
#define WEBHOOKS_DISABLED_BY_API "disabled via the API"

static struct json_object *
webhooks_health_json(const struct store_health *h)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "last_attempt_at",
	    jout_time(h->last_attempt_at));
	json_object_object_add(o, "last_status", h->last_status > 0 ?
	    jout_int(h->last_status) : NULL);
	json_object_object_add(o, "last_error", jout_str(h->last_error, 1));
	json_object_object_add(o, "consecutive_failures",
	    jout_int(h->consecutive_failures));
	json_object_object_add(o, "next_retry_at", jout_time(h->next_retry_at));
	return o;
}

/* The webhook's JSON; health only in single-webhook answers, the secret
 * only on create. */
static struct json_object *
webhooks_json(const struct store_webhook *w, const struct store_health *h,
    int with_secret)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", jout_str(w->id, 0));
	json_object_object_add(o, "app_id", jout_str(w->app_id, 0));
	json_object_object_add(o, "url", jout_str(w->url, 0));
	json_object_object_add(o, "events", jout_list(w->events));
	json_object_object_add(o, "description", jout_str(w->description, 0));
	json_object_object_add(o, "enabled",
	    json_object_new_boolean(w->enabled ? 1 : 0));
	json_object_object_add(o, "disabled_reason",
	    jout_str(w->disabled_reason, 1));
	json_object_object_add(o, "rate_limit", jout_int(w->rate_limit));
	whorder_json(o, w);
	json_object_object_add(o, "headers", whheaders_json(w->headers));
	json_object_object_add(o, "created_at", jout_time(w->created_at));
	json_object_object_add(o, "updated_at", jout_time(w->updated_at));
	if (h != NULL)
		json_object_object_add(o, "health", webhooks_health_json(h));
	if (with_secret)
		json_object_object_add(o, "secret", jout_str(w->secret, 0));
	return o;
}

/* ---- field validation -------------------------------------------------- */
static int
webhooks_url(struct api_call *c, const char **url)
{
	char err[256], why[200];

	if (jin_str(c->body, "url", 0, 1, STORE_URL_MAX, url, err,
	    sizeof(err)) == -1) {
		call_invalid(c, err);
		return -1;
	}
	if (*url == NULL)
		return 0;
	why[0] = '\0';
	if (url_check(*url, c->cfg->require_https,
	    c->cfg->allow_private_targets, c->cfg->allow_targets,
	    c->cfg->allow_count, why, sizeof(why)) == -1) {
		response_error(c->resp, 422, "invalid_field", "url: %s",
		    why[0] ? why : "not an acceptable URL");
		return -1;
	}
	return 0;
}

/* events: a non-empty array of filter entries, joined into out. */
static int
webhooks_events(struct api_call *c, int *present, char *out, size_t outlen)
{
	struct json_object *a = NULL, *v;
	const char *s;
	size_t i, n, len = 0, k;

	*present = 0;
	out[0] = '\0';
	if (!json_object_object_get_ex(c->body, "events", &a) || a == NULL)
		return 0;
	*present = 1;
	if (!json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) == 0 ||
	    n > WEBHOOKS_EVENTS_MAX) {
		call_invalid(c, "events: must be an array of 1 to 64 event "
		    "types, \"prefix.*\" or \"*\"");
		return -1;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_string)) {
			call_invalid(c, "events: entries must be strings");
			return -1;
		}
		s = json_object_get_string(v);
		k = (size_t)json_object_get_string_len(v);
		if (k == 0 || k > STORE_TYPE_MAX || strlen(s) != k ||
		    strchr(s, ',') != NULL || !catalog_filter_ok(c->cfg, s)) {
			response_error(c->resp, 422, "invalid_field",
			    "events: \"%.128s\" is not an event type of the "
			    "catalog, a \"prefix.*\" of one, or \"*\"", s);
			return -1;
		}
		if (len + k + 2 > outlen) {
			call_invalid(c, "events: the list is too long");
			return -1;
		}
		if (len > 0)
			out[len++] = ',';
		memcpy(out + len, s, k);
		len += k;
		out[len] = '\0';
	}
	return 0;
}

/* description, rate_limit, enabled: shared by create and update. */
static int
webhooks_common(struct api_call *c, struct store_webhook *w, int *enabled,
    int *enabled_present)
{
	const char *desc;
	int64_t rate;
	int present;
	char err[256];

	if (jin_str(c->body, "description", 0, 0, STORE_DESC_MAX, &desc, err,
	    sizeof(err)) == -1 ||
	    jin_int(c->body, "rate_limit", 0, 0, WEBHOOKS_RATE_MAX, &rate,
	    &present, err, sizeof(err)) == -1 ||
	    jin_bool(c->body, "enabled", enabled, enabled_present, err,
	    sizeof(err)) == -1) {
		call_invalid(c, err);
		return -1;
	}
	if (desc != NULL && call_copy(c, "description", w->description,
	    sizeof(w->description), desc) == -1)
		return -1;
	if (present)
		w->rate_limit = (uint32_t)rate;
	return 0;
}

/* ---- shared txn pieces ------------------------------------------------- */
struct webhooks_op {
	struct api_call *c;
	struct store_webhook w;		/* in: the new webhook / changes */
	struct store_webhook res;	/* update: the webhook as stored */
	struct store_health h;
	/* update: which fields were given */
	int url_set, events_set, desc_set, rate_set, enabled_set, enabled;
	int order_set;			/* WHORDER_* */
	int headers_set;
	size_t told;		/* update: operational deliveries written */
};

/* A zeroed op for call c, or NULL with the 503 answer written.  Ops are
 * on the heap (they hold several records) and hold secrets: release them
 * with webhooks_op_free. */
static struct webhooks_op *
webhooks_op_new(struct api_call *c)
{
	struct webhooks_op *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		response_error(c->resp, 503, "out_of_memory", "out of memory");
		return NULL;
	}
	o->c = c;
	return o;
}

/* Free o, wiping the secrets it may carry. */
static void
webhooks_op_free(struct webhooks_op *o)
{
	explicit_bzero(o, sizeof(*o));
	free(o);
}

/*
 * A new op for create or update after the checks of the body both share:
 * only the keys of fields, and a good url when one is given (*url, NULL
 * when absent).  NULL with the answer written.
 */
static struct webhooks_op *
webhooks_op_body(struct api_call *c, const char *const *fields,
    const char **url)
{
	struct webhooks_op *o;
	char err[256];

	if ((o = webhooks_op_new(c)) == NULL)
		return NULL;
	if (jin_only(c->body, fields, err, sizeof(err)) == -1) {
		call_invalid(c, err);
		goto bad;
	}
	if (webhooks_url(c, url) == -1)
		goto bad;
	return o;
bad:
	webhooks_op_free(o);
	return NULL;
}

int
webhooks_load(struct store_txn *t, struct api_call *c, const char *app_id,
    const char *wh_id, struct store_webhook *out)
{
	int rc;

	rc = store_webhook_get(t, wh_id, out);
	if (rc == STORE_NOTFOUND ||
	    (rc == STORE_OK && strcmp(out->app_id, app_id) != 0))
		return call_fail(c, 404, "not_found", "no such webhook");
	return rc;
}

int
webhooks_load_enabled(struct store_txn *t, struct api_call *c,
    const char *app_id, const char *wh_id, struct store_webhook *out)
{
	int rc;

	if ((rc = webhooks_load(t, c, app_id, wh_id, out)) != STORE_OK)
		return rc;
	if (!out->enabled)
		return call_fail(c, 409, "webhook_disabled",
		    "the webhook is disabled; enable it first");
	return STORE_OK;
}

/* The webhook of the path (param[1] of app param[0]) into out. */
static int
webhooks_of_path(struct store_txn *t, struct api_call *c,
    struct store_webhook *out)
{
	return webhooks_load(t, c, c->param[0], c->param[1], out);
}

/* Health of webhook id into h.  A webhook never attempted has no record:
 * that is STORE_OK with h zeroed but for its id (store_health_get). */
static int
webhooks_health(struct store_txn *t, const char *id, struct store_health *h)
{
	int rc = store_health_get(t, id, h);

	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

/* ---- create ------------------------------------------------------------ */
static int
webhooks_create_txn(struct store_txn *t, void *arg)
{
	struct webhooks_op *o = arg;
	struct store_app app;
	int rc;

	if ((rc = apps_load(t, o->c, &app)) != STORE_OK)
		return rc;
	if ((rc = store_webhook_put(t, &o->w, 1)) != STORE_OK)
		return rc;
	return webhooks_health(t, o->w.id, &o->h);
}

void
webhooks_create(struct api_call *c)
{
	static const char *const fields[] = { "url", "events", "description",
	    "secret", "rate_limit", "enabled", "headers", "ordering",
	    "ordering_key", NULL };
	struct webhooks_op *o;
	const char *url;
	int present, enabled = 1, enabled_present;

	if ((o = webhooks_op_body(c, fields, &url)) == NULL)
		return;
	if (url == NULL) {
		call_invalid(c, "url: required");
		goto out;
	}
	if (webhooks_events(c, &present, o->w.events,
	    sizeof(o->w.events)) == -1)
		goto out;
	if (!present) {
		call_invalid(c, "events: required");
		goto out;
	}
	if (webhooks_common(c, &o->w, &enabled, &enabled_present) == -1 ||
	    whheaders_arg(c, &present, o->w.headers,
	    sizeof(o->w.headers)) == -1 ||
	    whorder_arg(c, &o->w, &o->order_set) == -1)
		goto out;
	if (whsecret_arg(c, o->w.secret, sizeof(o->w.secret)) == -1)
		goto out;
	if (id_new("wh", o->w.id, sizeof(o->w.id)) == -1) {
		response_error(c->resp, 503, "no_entropy",
		    "could not make an id");
		goto out;
	}
	if (call_copy(c, "app", o->w.app_id, sizeof(o->w.app_id),
	    c->param[0]) == -1 ||
	    call_copy(c, "url", o->w.url, sizeof(o->w.url), url) == -1)
		goto out;
	o->w.enabled = enabled;
	if (!enabled)
		memcpy(o->w.disabled_reason, WEBHOOKS_DISABLED_BY_API,
		    sizeof(WEBHOOKS_DISABLED_BY_API));
	o->w.created_at = o->w.updated_at = timefmt_now_ms();
	if (call_txn(c, 0, webhooks_create_txn, o) != 0)
		goto out;
	response_json(c->resp, 201, webhooks_json(&o->w, &o->h, 1));
out:
	webhooks_op_free(o);
}

/* ---- list -------------------------------------------------------------- */
/*
 * One page in creation (id) order after the cursor, the last webhook id of
 * the previous page.  The walk skips what came before the cursor: an
 * app's webhooks are few enough that this stays cheap.
 */
struct webhooks_list {
	struct api_call *c;
	const char *after;	/* NULL: from the start */
	size_t limit;
	size_t n;		/* shown on this page */
	int more;		/* a webhook exists past this page */
	char next[STORE_ID_MAX + 1];	/* the last one shown */
	struct json_object *a;	/* built in the callback: reset on entry */
};

static int
webhooks_list_cb(const struct store_webhook *w, void *arg)
{
	struct webhooks_list *l = arg;

	if (l->after != NULL && strcmp(w->id, l->after) <= 0)
		return 0;
	if (l->n == l->limit) {
		/* One more exists: the page ends at the last one shown. */
		l->more = 1;
		return 1;
	}
	json_object_array_add(l->a, webhooks_json(w, NULL, 0));
	memcpy(l->next, w->id, sizeof(l->next));
	l->n++;
	return 0;
}

static int
webhooks_list_txn(struct store_txn *t, void *arg)
{
	struct webhooks_list *l = arg;
	struct store_app app;
	int rc;

	json_object_put(l->a);
	l->a = json_object_new_array();
	l->n = 0;
	l->more = 0;
	l->next[0] = '\0';
	if (l->a == NULL)
		return STORE_ERR;
	if ((rc = apps_load(t, l->c, &app)) != STORE_OK)
		return rc;
	rc = store_webhook_iter_app(t, app.id, webhooks_list_cb, l);
	return rc < 0 ? rc : STORE_OK;
}

void
webhooks_list(struct api_call *c)
{
	struct webhooks_list l;
	struct json_object *o;
	char cursor[STORE_ID_MAX + 1];
	const char *err;

	memset(&l, 0, sizeof(l));
	l.c = c;
	if (query_page(c->req->query, "wh", &l.limit, cursor, sizeof(cursor),
	    &err) == -1) {
		call_invalid(c, err);
		return;
	}
	l.after = cursor[0] != '\0' ? cursor : NULL;
	if (call_txn(c, STORE_RDONLY, webhooks_list_txn, &l) != 0) {
		json_object_put(l.a);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "data", l.a);
	json_object_object_add(o, "next_cursor", l.more ?
	    jout_str(l.next, 0) : NULL);
	response_json(c->resp, 200, o);
}

/* ---- get --------------------------------------------------------------- */
static int
webhooks_get_txn(struct store_txn *t, void *arg)
{
	struct webhooks_op *o = arg;
	int rc = webhooks_of_path(t, o->c, &o->w);

	return rc != STORE_OK ? rc : webhooks_health(t, o->w.id, &o->h);
}

void
webhooks_get(struct api_call *c)
{
	struct webhooks_op *o = webhooks_op_new(c);

	if (o == NULL)
		return;
	if (call_txn(c, STORE_RDONLY, webhooks_get_txn, o) == 0)
		response_json(c->resp, 200, webhooks_json(&o->w, &o->h, 0));
	webhooks_op_free(o);
}

/* ---- update ------------------------------------------------------------ */
static int
webhooks_update_txn(struct store_txn *t, void *arg)
{
	struct webhooks_op *o = arg;
	struct store_webhook w;
	int64_t now = timefmt_now_ms();
	int rc, ending = 0, enabling = 0;

	o->told = 0;
	if ((rc = webhooks_of_path(t, o->c, &w)) != STORE_OK)
		return rc;
	if (o->url_set)
		memcpy(w.url, o->w.url, sizeof(w.url));
	if (o->events_set)
		memcpy(w.events, o->w.events, sizeof(w.events));
	if (o->desc_set)
		memcpy(w.description, o->w.description, sizeof(w.description));
	if (o->rate_set)
		w.rate_limit = o->w.rate_limit;
	if (o->headers_set)
		memcpy(w.headers, o->w.headers, sizeof(w.headers));
	whorder_apply(&w, &o->w, o->order_set);
	if (o->enabled_set && !o->enabled && w.enabled) {
		/* Disabling fails the pending deliveries (docs/design.md),
		 * after the put: the put bumps the org's fan-out generation,
		 * whose lock comes before the deliveries' (store.h). */
		w.enabled = 0;
		memcpy(w.disabled_reason, WEBHOOKS_DISABLED_BY_API,
		    sizeof(WEBHOOKS_DISABLED_BY_API));
		ending = 1;
	} else if (o->enabled_set && o->enabled) {
		/* Re-enabling starts a fresh failure streak. */
		if (!w.enabled) {
			if ((rc = webhooks_health(t, w.id, &o->h)) != STORE_OK)
				return rc;
			o->h.consecutive_failures = 0;
			o->h.failing_since = 0;
			if ((rc = store_health_put(t, &o->h)) != STORE_OK)
				return rc;
			enabling = 1;
		}
		w.enabled = 1;
		w.disabled_reason[0] = '\0';
	}
	w.updated_at = now;
	if ((rc = store_webhook_put(t, &w, 0)) != STORE_OK)
		return rc;
	if (ending && (rc = store_delivery_end_webhook(t, w.id,
	    STORE_DLV_FAILED, now, NULL)) != STORE_OK)
		return rc;
	/* Told to the app's operational subscribers in this transaction
	 * (lib/opev.h), after the put: the webhook itself is among them
	 * once enabled, never once disabled. */
	if (ending)
		rc = opev_disabled(t, &w, "manual", 0, now, &o->told);
	else if (enabling)
		rc = opev_enabled(t, &w, now, &o->told);
	if (rc != STORE_OK)
		return rc;
	o->res = w;
	return webhooks_health(t, w.id, &o->h);
}

void
webhooks_update(struct api_call *c)
{
	static const char *const fields[] = { "url", "events", "description",
	    "rate_limit", "enabled", "headers", "ordering", "ordering_key",
	    NULL };
	struct webhooks_op *o;
	struct json_object *v;
	const char *url;

	if ((o = webhooks_op_body(c, fields, &url)) == NULL)
		return;
	if (url != NULL) {
		if (call_copy(c, "url", o->w.url, sizeof(o->w.url), url) == -1)
			goto out;
		o->url_set = 1;
	}
	if (webhooks_events(c, &o->events_set, o->w.events,
	    sizeof(o->w.events)) == -1)
		goto out;
	if (webhooks_common(c, &o->w, &o->enabled, &o->enabled_set) == -1 ||
	    whheaders_arg(c, &o->headers_set, o->w.headers,
	    sizeof(o->w.headers)) == -1 ||
	    whorder_arg(c, &o->w, &o->order_set) == -1)
		goto out;
	o->desc_set = json_object_object_get_ex(c->body, "description", &v) &&
	    v != NULL;
	o->rate_set = json_object_object_get_ex(c->body, "rate_limit", &v) &&
	    v != NULL;
	if (call_txn(c, 0, webhooks_update_txn, o) != 0)
		goto out;
	if (o->told > 0)
		wake_send(c->cfg->data_dir);
	response_json(c->resp, 200, webhooks_json(&o->res, &o->h, 0));
out:
	webhooks_op_free(o);
}

/* ---- delete ------------------------------------------------------------ */
static int
webhooks_delete_txn(struct store_txn *t, void *arg)
{
	struct webhooks_op *o = arg;
	int rc;

	if ((rc = webhooks_of_path(t, o->c, &o->w)) != STORE_OK)
		return rc;
	/* The delete first: it bumps the org's fan-out generation, whose
	 * lock comes before the deliveries' (store.h). */
	if ((rc = store_webhook_del(t, o->w.id)) != STORE_OK)
		return rc;
	return store_delivery_end_webhook(t, o->w.id, STORE_DLV_CANCELLED,
	    timefmt_now_ms(), NULL);
}

void
webhooks_delete(struct api_call *c)
{
	struct webhooks_op *o = webhooks_op_new(c);

	if (o == NULL)
		return;
	if (call_txn(c, 0, webhooks_delete_txn, o) == 0)
		response_empty(c->resp, 204);
	webhooks_op_free(o);
}
