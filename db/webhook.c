/*
 * webhook.c - webhooks (index: by app), their health records and the
 * event-type filter match.
 */
#include <string.h>

#include "db/dbenv.h"
#include "db/rec.h"
#include "lib/str.h"

static int
wh_load(struct store_txn *t, const char *id, struct store_webhook *out,
    int rmw)
{
	unsigned char buf[REC_WEBHOOK_MAX];
	struct key k;
	size_t len;
	int rc;

	key_id(&k, id);
	if ((rc = dbenv_get(t, DBI_WH, &k, buf, sizeof(buf), &len, rmw)) !=
	    STORE_OK)
		return rc;
	rc = rec_webhook_dec(buf, len, out) == -1 ? dbenv_fail(t,
	    "corrupt webhook record") : STORE_OK;
	explicit_bzero(buf, len);	/* the encoded secrets */
	return rc;
}

int
store_webhook_get(struct store_txn *t, const char *id,
    struct store_webhook *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = wh_load(t, id, out, 0);
	if (rc != STORE_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* The cached answer for webhook id in t, or NULL. */
static const struct txn_order *
order_cached(const struct store_txn *t, const char *id)
{
	size_t i;

	for (i = 0; i < TXN_ORDER_CACHE; i++)
		if (t->order[i].id[0] != '\0' &&
		    strcmp(t->order[i].id, id) == 0)
			return &t->order[i];
	return NULL;
}

/* Remember rc (OK or NOTFOUND) and the ordering for webhook id in t. */
static void
order_keep(struct store_txn *t, const char *id, int rc, int ordering,
    int okey)
{
	struct txn_order *o = &t->order[t->order_next % TXN_ORDER_CACHE];

	/* read committed: the lock is not held; too long for an id: the
	 * slot is left "" (str_copy), unused */
	if (t->rdonly || str_copy(o->id, sizeof(o->id), id) == -1)
		return;
	o->rc = rc;
	o->ordering = ordering;
	o->okey = okey;
	t->order_next++;
}

int
store_webhook_ordering(struct store_txn *t, const char *id, int *ordering,
    int *okey)
{
	unsigned char buf[REC_WEBHOOK_MAX];
	const struct txn_order *o;
	struct key k;
	size_t len = 0;
	int rc;

	if ((o = order_cached(t, id)) != NULL) {
		*ordering = o->ordering;
		*okey = o->okey;
		return o->rc;
	}
	*ordering = STORE_ORDER_NONE;
	*okey = STORE_OKEY_WEBHOOK;
	key_id(&k, id);
	rc = dbenv_get(t, DBI_WH, &k, buf, sizeof(buf), &len, 0);
	if (rc == STORE_OK && rec_webhook_order_dec(buf, len, ordering,
	    okey) == -1) {
		*ordering = STORE_ORDER_NONE;
		*okey = STORE_OKEY_WEBHOOK;
		rc = dbenv_fail(t, "corrupt webhook record");
	}
	explicit_bzero(buf, len);		/* it held the secrets */
	if (rc == STORE_OK || rc == STORE_NOTFOUND)
		order_keep(t, id, rc, *ordering, *okey);
	return rc;
}

/* Bump the fan-out generation of app_id's org.  An app that does not
 * exist has no org and no event reaches its webhooks: nothing to bump
 * (creating the app bumps its org). */
static int
wh_bump_app(struct store_txn *t, const char *app_id)
{
	struct store_app app;
	int rc;

	rc = store_app_get(t, app_id, &app);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	return store_fanout_bump(t, app.org_id);
}

int
store_webhook_put(struct store_txn *t, const struct store_webhook *w,
    int create)
{
	unsigned char buf[REC_WEBHOOK_MAX];
	char old_app[STORE_ID_MAX + 1];
	struct store_webhook *old = NULL;
	struct store_webhook oldrec;
	struct key k;
	size_t len;
	int rc;

	if (w->id[0] == '\0')
		return dbenv_fail(t, "webhook without id");
	/* The org's fan-out generation before the webhook's write lock
	 * (intake holds the generation's read lock while it reads webhooks). */
	if ((rc = wh_bump_app(t, w->app_id)) != STORE_OK)
		return rc;
	rc = wh_load(t, w->id, &oldrec, 1);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	if (rc == STORE_OK) {
		if (create)
			return STORE_EXISTS;
		old = &oldrec;
		if (strcmp(old->app_id, w->app_id) != 0 &&
		    (rc = wh_bump_app(t, old->app_id)) != STORE_OK)
			return rc;
	}
	if (rec_webhook_enc(w, buf, sizeof(buf), &len) == -1)
		return dbenv_fail(t, "webhook field too long");
	key_id(&k, w->id);
	if ((rc = dbenv_put(t, DBI_WH, &k, buf, len, 0)) != STORE_OK)
		return rc;
	if (old != NULL && strcmp(old->app_id, w->app_id) == 0)
		return STORE_OK;
	if (old != NULL) {
		memcpy(old_app, old->app_id, sizeof(old_app));
		key_pair(&k, old_app, w->id);
		rc = dbenv_del(t, DBI_WH_APP, &k);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			return rc;
	}
	key_pair(&k, w->app_id, w->id);
	return dbenv_put(t, DBI_WH_APP, &k, "", 0, 0);
}

int
store_webhook_del(struct store_txn *t, const char *id)
{
	struct store_webhook old;
	struct key k;
	int rc;

	/* Read without the write lock, bump, then write (as put does). */
	if ((rc = wh_load(t, id, &old, 0)) != STORE_OK)
		return rc;
	if ((rc = wh_bump_app(t, old.app_id)) != STORE_OK)
		return rc;
	key_id(&k, id);
	if ((rc = dbenv_del(t, DBI_WH, &k)) != STORE_OK)
		return rc;
	key_pair(&k, old.app_id, id);
	rc = dbenv_del(t, DBI_WH_APP, &k);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	key_id(&k, id);
	rc = dbenv_del(t, DBI_HEALTH, &k);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

struct iter {
	store_webhook_cb cb;
	void *arg;
	size_t off;
};

static int
each_app(struct dbenv_cur *c, void *arg)
{
	struct iter *it = arg;
	char id[STORE_ID_MAX + 1];
	struct store_webhook w;
	int rc;

	if (key_tail_str(c->k.data, c->k.size, it->off, id, sizeof(id)) == -1)
		return dbenv_fail(c->t, "corrupt webhook index key");
	rc = wh_load(c->t, id, &w, 0);
	if (rc == STORE_NOTFOUND)
		return dbenv_fail(c->t, "webhook index points at a missing webhook");
	if (rc != STORE_OK)
		return rc;
	rc = it->cb(&w, it->arg);
	explicit_bzero(&w, sizeof(w));	/* its secrets and URL */
	return rc;
}

int
store_webhook_iter_app(struct store_txn *t, const char *app_id,
    store_webhook_cb cb, void *arg)
{
	struct iter it = { cb, arg, 0 };
	struct key prefix;

	key_pair(&prefix, app_id, NULL);
	it.off = prefix.len;
	return dbenv_walk(t, DBI_WH_APP, &prefix, NULL, 0, each_app, &it);
}

/* One filter entry (n bytes at p, spaces trimmed) against type; "*"
 * matches anything but an operational type (op). */
static int
entry_matches(const char *p, size_t n, const char *type, int op)
{
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0)
		return 0;
	if (n == 1 && p[0] == '*')
		return !op;
	if (n >= 2 && p[n - 2] == '.' && p[n - 1] == '*')
		/* "a.b.*": any type under "a.b." */
		return strncmp(type, p, n - 1) == 0 && type[n - 1] != '\0';
	return strlen(type) == n && memcmp(type, p, n) == 0;
}

int
store_type_operational(const char *type)
{
	return strncmp(type, STORE_OPERATIONAL_PREFIX,
	    sizeof(STORE_OPERATIONAL_PREFIX) - 1) == 0;
}

int
store_webhook_matches(const char *events, const char *type)
{
	const char *p = events, *comma;
	int op;

	if (events == NULL || type == NULL)
		return 0;
	op = store_type_operational(type);
	for (;;) {
		comma = strchr(p, ',');
		if (entry_matches(p, comma ? (size_t)(comma - p) : strlen(p),
		    type, op))
			return 1;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* ---- health ---------------------------------------------------------- */

int
store_health_get(struct store_txn *t, const char *webhook_id,
    struct store_health *out)
{
	unsigned char buf[REC_HEALTH_MAX];
	struct key k;
	size_t len;
	int rc;

	/* what NOTFOUND gives: zeroed but for the id (the record has it) */
	memset(out, 0, sizeof(*out));
	/* a longer id is no id: it stays "" (and the get finds nothing) */
	(void)str_copy(out->webhook_id, sizeof(out->webhook_id), webhook_id);
	key_id(&k, webhook_id);
	rc = dbenv_get(t, DBI_HEALTH, &k, buf, sizeof(buf), &len, 0);
	if (rc == STORE_OK && rec_health_dec(buf, len, out) == -1)
		rc = dbenv_fail(t, "corrupt health record");
	return rc;
}

int
store_health_put(struct store_txn *t, const struct store_health *h)
{
	unsigned char buf[REC_HEALTH_MAX];
	struct key k;
	size_t len;

	if (h->webhook_id[0] == '\0')
		return dbenv_fail(t, "health without webhook id");
	if (rec_health_enc(h, buf, sizeof(buf), &len) == -1)
		return dbenv_fail(t, "health field too long");
	key_id(&k, h->webhook_id);
	return dbenv_put(t, DBI_HEALTH, &k, buf, len, 0);
}
