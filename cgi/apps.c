/* apps.c - applications: create, list, get, delete, rotate key (handlers
 * in handlers.h), and loading the app of a path (apps.h). */
#include <stdlib.h>
#include <string.h>

#include "cgi/apps.h"
#include "cgi/handlers.h"
#include "cgi/idlist.h"
#include "cgi/jin.h"
#include "cgi/jout.h"
#include "cgi/query.h"
#include "cgi/response.h"
#include "lib/id.h"
#include "lib/log.h"
#include "lib/sign.h"
#include "lib/timefmt.h"

static struct json_object *
apps_json(const struct store_app *a, const char *key)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", jout_str(a->id, 0));
	json_object_object_add(o, "org_id", jout_str(a->org_id, 0));
	json_object_object_add(o, "name", jout_str(a->name, 0));
	json_object_object_add(o, "created_at", jout_time(a->created_at));
	if (key != NULL)
		json_object_object_add(o, "api_key", jout_str(key, 0));
	return o;
}

int
apps_load(struct store_txn *t, struct api_call *c, struct store_app *out)
{
	int rc;

	rc = store_app_get(t, c->param[0], out);
	if (rc == STORE_NOTFOUND)
		return call_fail(c, 404, "not_found", "no such app");
	return rc;
}

/* ---- create ------------------------------------------------------------ */
struct apps_put {
	struct api_call *c;
	struct store_app app;
	unsigned char hash[32];		/* rotate: the new key's hash */
};

static int
apps_create_txn(struct store_txn *t, void *arg)
{
	struct apps_put *p = arg;

	return store_app_put(t, &p->app, 1);
}

void
apps_create(struct api_call *c)
{
	static const char *const fields[] = { "org_id", "name", NULL };
	struct apps_put p;
	const char *org, *name;
	char key[SIGN_KEY_LEN + 16], err[256];

	if (jin_only(c->body, fields, err, sizeof(err)) == -1 ||
	    jin_str(c->body, "org_id", 1, 1, STORE_ORG_MAX, &org, err,
	    sizeof(err)) == -1 ||
	    jin_str(c->body, "name", 1, 1, STORE_NAME_MAX, &name, err,
	    sizeof(err)) == -1) {
		call_invalid(c, err);
		return;
	}
	if (!jin_printable(org)) {
		call_invalid(c, "org_id: must not contain control characters");
		return;
	}
	if (!jin_printable(name)) {
		call_invalid(c, "name: must not contain control characters");
		return;
	}
	memset(&p, 0, sizeof(p));
	p.c = c;
	if (id_new("app", p.app.id, sizeof(p.app.id)) == -1 ||
	    sign_new_key(key, sizeof(key)) == -1) {
		response_error(c->resp, 503, "no_entropy",
		    "could not make random ids");
		goto out;
	}
	memcpy(p.app.org_id, org, strlen(org) + 1);
	memcpy(p.app.name, name, strlen(name) + 1);
	sign_sha256(key, strlen(key), p.app.key_hash);
	p.app.created_at = timefmt_now_ms();
	if (call_txn(c, 0, apps_create_txn, &p) != 0)
		goto out;
	response_json(c->resp, 201, apps_json(&p.app, key));
out:
	/* The key exists only in this answer: leave no copy behind. */
	explicit_bzero(key, sizeof(key));
}

/* ---- list -------------------------------------------------------------- */
struct apps_page {
	const char *org;
	const char *after;
	size_t limit;
	struct store_app *v;	/* limit + 1 slots */
	size_t n;
};

static int
apps_page_cb(const struct store_app *a, void *arg)
{
	struct apps_page *p = arg;

	p->v[p->n++] = *a;
	return p->n > p->limit ? 1 : 0;
}

static int
apps_list_txn(struct store_txn *t, void *arg)
{
	struct apps_page *p = arg;
	int rc;

	p->n = 0;
	rc = store_app_iter(t, p->org, p->after, apps_page_cb, p);
	return rc < 0 ? rc : STORE_OK;
}

void
apps_list(struct api_call *c)
{
	struct json_object *o, *a;
	struct apps_page p;
	char cursor[STORE_ID_MAX + 1], org[STORE_ORG_MAX + 1];
	const char *err;
	size_t i, shown;
	int rc;

	memset(&p, 0, sizeof(p));
	if (query_page(c->req->query, "app", &p.limit, cursor, sizeof(cursor),
	    &err) == -1) {
		call_invalid(c, err);
		return;
	}
	p.after = cursor[0] != '\0' ? cursor : NULL;
	rc = query_get(c->req->query, "org_id", org, sizeof(org));
	if (rc == -1 || (rc == 1 && org[0] == '\0')) {
		call_invalid(c, "org_id: bad value");
		return;
	}
	p.org = rc == 1 ? org : NULL;
	p.v = calloc(p.limit + 1, sizeof(*p.v));
	if (p.v == NULL) {
		response_error(c->resp, 503, "out_of_memory", "out of memory");
		return;
	}
	if (call_txn(c, STORE_RDONLY, apps_list_txn, &p) != 0)
		goto out;
	o = json_object_new_object();
	a = json_object_new_array();
	shown = p.n > p.limit ? p.limit : p.n;
	for (i = 0; i < shown; i++)
		json_object_array_add(a, apps_json(&p.v[i], NULL));
	json_object_object_add(o, "data", a);
	json_object_object_add(o, "next_cursor", p.n > p.limit ?
	    jout_str(p.v[shown - 1].id, 0) : NULL);
	response_json(c->resp, 200, o);
out:
	free(p.v);
}

/* ---- get --------------------------------------------------------------- */
static int
apps_get_txn(struct store_txn *t, void *arg)
{
	struct apps_put *p = arg;

	return apps_load(t, p->c, &p->app);
}

void
apps_get(struct api_call *c)
{
	struct apps_put p;

	memset(&p, 0, sizeof(p));
	p.c = c;
	if (call_txn(c, STORE_RDONLY, apps_get_txn, &p) != 0)
		return;
	response_json(c->resp, 200, apps_json(&p.app, NULL));
}

/* ---- delete ------------------------------------------------------------ */
struct apps_del {
	struct api_call *c;
	struct idlist hooks;
};

static int
apps_del_collect(const struct store_webhook *w, void *arg)
{
	return idlist_add(arg, w->id, NULL) == 0 ? 0 : STORE_ERR;
}

static int
apps_delete_txn(struct store_txn *t, void *arg)
{
	struct apps_del *d = arg;
	struct store_app app;
	int64_t now = timefmt_now_ms();
	size_t i;
	int rc;

	idlist_reset(&d->hooks);
	if ((rc = apps_load(t, d->c, &app)) != STORE_OK)
		return rc;
	/* The org's fan-out generation before any write lock (store.h);
	 * the deletes below bump it again. */
	if ((rc = store_fanout_bump(t, app.org_id)) != STORE_OK)
		return rc;
	rc = store_webhook_iter_app(t, app.id, apps_del_collect, &d->hooks);
	if (rc < 0)
		return rc;
	for (i = 0; i < d->hooks.n; i++) {
		rc = store_delivery_end_webhook(t, d->hooks.v[i].id,
		    STORE_DLV_CANCELLED, now, NULL);
		if (rc != STORE_OK)
			return rc;
		rc = store_webhook_del(t, d->hooks.v[i].id);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			return rc;
	}
	return store_app_del(t, app.id);
}

void
apps_delete(struct api_call *c)
{
	struct apps_del d;

	d.c = c;
	idlist_init(&d.hooks);
	if (call_txn(c, 0, apps_delete_txn, &d) == 0)
		response_empty(c->resp, 204);
	idlist_free(&d.hooks);
}

/* ---- rotate key -------------------------------------------------------- */
static int
apps_key_txn(struct store_txn *t, void *arg)
{
	struct apps_put *p = arg;
	int rc;

	if ((rc = apps_load(t, p->c, &p->app)) != STORE_OK)
		return rc;
	memcpy(p->app.key_hash, p->hash, sizeof(p->hash));
	return store_app_put(t, &p->app, 0);
}

void
apps_rotate_key(struct api_call *c)
{
	struct apps_put p;
	char key[SIGN_KEY_LEN + 16];

	memset(&p, 0, sizeof(p));
	p.c = c;
	if (sign_new_key(key, sizeof(key)) == -1) {
		response_error(c->resp, 503, "no_entropy",
		    "could not make a random key");
		goto out;
	}
	sign_sha256(key, strlen(key), p.hash);
	if (call_txn(c, 0, apps_key_txn, &p) != 0)
		goto out;
	response_json(c->resp, 200, apps_json(&p.app, key));
out:
	explicit_bzero(key, sizeof(key));
}
