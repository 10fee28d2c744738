/*
 * app.c - applications and their indices (by org, by key hash).
 */
#include <string.h>

#include "db/dbenv.h"
#include "db/rec.h"

static void
k_hash(struct key *k, const unsigned char hash[32])
{
	key_init(k);
	key_raw(k, hash, 32);
}

static int
app_load(struct store_txn *t, const char *id, struct store_app *out, int rmw)
{
	unsigned char buf[REC_APP_MAX];
	struct key k;
	size_t len;
	int rc;

	key_id(&k, id);
	if ((rc = dbenv_get(t, DBI_APP, &k, buf, sizeof(buf), &len, rmw)) !=
	    STORE_OK)
		return rc;
	if (rec_app_dec(buf, len, out) == -1)
		return dbenv_fail(t, "corrupt app record");
	return STORE_OK;
}

int
store_app_get(struct store_txn *t, const char *id, struct store_app *out)
{
	memset(out, 0, sizeof(*out));
	return app_load(t, id, out, 0);
}

/* Remove the key-hash entry of app id if it still points at it. */
static int
unlink_hash(struct store_txn *t, const unsigned char hash[32], const char *id)
{
	char cur[STORE_ID_MAX + 1];
	unsigned char buf[STORE_ID_MAX + 1];
	struct key k;
	size_t len;
	int rc;

	k_hash(&k, hash);
	rc = dbenv_get(t, DBI_APP_KEY, &k, buf, sizeof(buf) - 1, &len, 1);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	memcpy(cur, buf, len);
	cur[len] = '\0';
	if (strcmp(cur, id) != 0)
		return STORE_OK;
	rc = dbenv_del(t, DBI_APP_KEY, &k);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
store_app_put(struct store_txn *t, const struct store_app *a, int create)
{
	unsigned char buf[REC_APP_MAX];
	struct store_app old;
	struct key k;
	size_t len;
	int rc, had;

	if (a->id[0] == '\0')
		return dbenv_fail(t, "app without id");
	/* The org's fan-out generation first: intake holds its read lock
	 * while it reads apps (store.h). */
	if ((rc = store_fanout_bump(t, a->org_id)) != STORE_OK)
		return rc;
	rc = app_load(t, a->id, &old, 1);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	had = rc == STORE_OK;
	if (had && create)
		return STORE_EXISTS;
	if (had && strcmp(old.org_id, a->org_id) != 0 &&
	    (rc = store_fanout_bump(t, old.org_id)) != STORE_OK)
		return rc;
	if (rec_app_enc(a, buf, sizeof(buf), &len) == -1)
		return dbenv_fail(t, "app field too long");
	key_id(&k, a->id);
	if ((rc = dbenv_put(t, DBI_APP, &k, buf, len, 0)) != STORE_OK)
		return rc;
	if (had && strcmp(old.org_id, a->org_id) != 0) {
		key_pair(&k, old.org_id, old.id);
		rc = dbenv_del(t, DBI_APP_ORG, &k);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			return rc;
	}
	if (had && memcmp(old.key_hash, a->key_hash, 32) != 0 &&
	    (rc = unlink_hash(t, old.key_hash, old.id)) != STORE_OK)
		return rc;
	if (!had || strcmp(old.org_id, a->org_id) != 0) {
		key_pair(&k, a->org_id, a->id);
		if ((rc = dbenv_put(t, DBI_APP_ORG, &k, "", 0, 0)) != STORE_OK)
			return rc;
	}
	if (!had || memcmp(old.key_hash, a->key_hash, 32) != 0) {
		k_hash(&k, a->key_hash);
		if ((rc = dbenv_put(t, DBI_APP_KEY, &k, a->id,
		    strlen(a->id), 0)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

int
store_app_by_key(struct store_txn *t, const unsigned char hash[32],
    struct store_app *out)
{
	unsigned char buf[STORE_ID_MAX + 1];
	char id[STORE_ID_MAX + 1];
	struct key k;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	k_hash(&k, hash);
	if ((rc = dbenv_get(t, DBI_APP_KEY, &k, buf, sizeof(buf) - 1, &len,
	    0)) != STORE_OK)
		return rc;
	memcpy(id, buf, len);
	id[len] = '\0';
	if ((rc = app_load(t, id, out, 0)) != STORE_OK)
		return rc;
	if (memcmp(out->key_hash, hash, 32) != 0) {
		memset(out, 0, sizeof(*out));
		return STORE_NOTFOUND;
	}
	return STORE_OK;
}

int
store_app_del(struct store_txn *t, const char *id)
{
	struct store_app old;
	struct key k;
	int rc;

	/* Read without the write lock, bump the generation, then write:
	 * the generation's lock comes before the app's (store_app_put). */
	if ((rc = app_load(t, id, &old, 0)) != STORE_OK)
		return rc;
	if ((rc = store_fanout_bump(t, old.org_id)) != STORE_OK)
		return rc;
	key_id(&k, id);
	if ((rc = dbenv_del(t, DBI_APP, &k)) != STORE_OK)
		return rc;
	key_pair(&k, old.org_id, old.id);
	rc = dbenv_del(t, DBI_APP_ORG, &k);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	return unlink_hash(t, old.key_hash, old.id);
}

struct iter {
	store_app_cb cb;
	void *arg;
	size_t off;	/* index key prefix length */
};

static int
each_primary(struct dbenv_cur *c, void *arg)
{
	struct iter *it = arg;
	struct store_app a;

	if (rec_app_dec(c->d.data, c->d.size, &a) == -1)
		return dbenv_fail(c->t, "corrupt app record");
	return it->cb(&a, it->arg);
}

static int
each_org(struct dbenv_cur *c, void *arg)
{
	struct iter *it = arg;
	char id[STORE_ID_MAX + 1];
	struct store_app a;
	int rc;

	if (key_tail_str(c->k.data, c->k.size, it->off, id, sizeof(id)) == -1)
		return dbenv_fail(c->t, "corrupt app index key");
	rc = app_load(c->t, id, &a, 0);
	if (rc == STORE_NOTFOUND)
		return dbenv_fail(c->t, "app index points at a missing app");
	if (rc != STORE_OK)
		return rc;
	return it->cb(&a, it->arg);
}

int
store_app_iter(struct store_txn *t, const char *org, const char *after_id,
    store_app_cb cb, void *arg)
{
	struct iter it = { cb, arg, 0 };
	struct key prefix;

	key_init(&prefix);
	if (org == NULL)
		return dbenv_walk(t, DBI_APP, &prefix, after_id, -1,
		    each_primary, &it);
	key_str(&prefix, org);
	it.off = prefix.len;
	return dbenv_walk(t, DBI_APP_ORG, &prefix, after_id, 0, each_org, &it);
}
