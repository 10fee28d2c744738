/*
 * attempt.c - delivery attempts (indices: by delivery, failures).
 *
 *   by delivery  delivery id \0 attempt id \0   oldest first (ids are
 *                time-ordered)
 *   failures     i64 at, attempt id \0          only attempts with an
 *                error or a status outside 200..299; newest first via
 *                DB_LAST/DB_PREV
 */
#include <string.h>

#include "db/dbenv.h"
#include "db/rec.h"

static int
is_failure(const struct store_attempt *a)
{
	return a->error[0] != '\0' || a->status_code < 200 ||
	    a->status_code > 299;
}

static int
att_load(struct store_txn *t, const char *id, struct store_attempt *out,
    int rmw)
{
	unsigned char buf[REC_ATTEMPT_MAX];
	struct key k;
	size_t len;
	int rc;

	key_id(&k, id);
	if ((rc = dbenv_get(t, DBI_ATT, &k, buf, sizeof(buf), &len, rmw)) !=
	    STORE_OK)
		return rc;
	if (rec_attempt_dec(buf, len, out) == -1)
		return dbenv_fail(t, "corrupt attempt record");
	return STORE_OK;
}

int
store_attempt_unlink(struct store_txn *t, const char *id)
{
	struct store_attempt old;
	struct key k;
	int rc;

	if ((rc = att_load(t, id, &old, 1)) != STORE_OK)
		return rc;
	key_id(&k, id);
	if ((rc = dbenv_del(t, DBI_ATT, &k)) != STORE_OK)
		return rc;
	if (!is_failure(&old))
		return STORE_OK;
	key_at(&k, old.at, id);
	rc = dbenv_del(t, DBI_ATT_FAIL, &k);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
store_attempt_put(struct store_txn *t, const struct store_attempt *a)
{
	unsigned char buf[REC_ATTEMPT_MAX];
	struct store_attempt old;
	struct key k;
	size_t len;
	int rc;

	if (a->id[0] == '\0' || a->delivery_id[0] == '\0')
		return dbenv_fail(t, "attempt without id or delivery id");
	if (rec_attempt_enc(a, buf, sizeof(buf), &len) == -1)
		return dbenv_fail(t, "attempt field too long");
	/* A new id (the usual case) is written without a read first:
	 * DB_NOOVERWRITE refuses a taken one under the same page write lock
	 * a DB_RMW read would take.  A replaced attempt first leaves the
	 * indices it was in. */
	key_id(&k, a->id);
	rc = dbenv_put(t, DBI_ATT, &k, buf, len, 1);
	if (rc == STORE_EXISTS) {
		if ((rc = att_load(t, a->id, &old, 1)) != STORE_OK)
			return rc;
		if ((rc = store_attempt_unlink(t, a->id)) != STORE_OK)
			return rc;
		key_pair(&k, old.delivery_id, old.id);
		rc = dbenv_del(t, DBI_ATT_DLV, &k);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			return rc;
		key_id(&k, a->id);
		rc = dbenv_put(t, DBI_ATT, &k, buf, len, 0);
	}
	if (rc != STORE_OK)
		return rc;
	key_pair(&k, a->delivery_id, a->id);
	if ((rc = dbenv_put(t, DBI_ATT_DLV, &k, "", 0, 0)) != STORE_OK)
		return rc;
	if (!is_failure(a))
		return STORE_OK;
	key_at(&k, a->at, a->id);
	return dbenv_put(t, DBI_ATT_FAIL, &k, "", 0, 0);
}

struct iter {
	int (*cb)(const struct store_attempt *a, void *arg);
	void *arg;
	size_t off;
};

static int
each_index(struct dbenv_cur *c, void *arg)
{
	struct iter *it = arg;
	char id[STORE_ID_MAX + 1];
	struct store_attempt a;
	int rc;

	if (key_tail_str(c->k.data, c->k.size, it->off, id, sizeof(id)) == -1)
		return dbenv_fail(c->t, "corrupt attempt index key");
	rc = att_load(c->t, id, &a, 0);
	if (rc == STORE_NOTFOUND)
		return dbenv_fail(c->t,
		    "attempt index points at a missing attempt");
	if (rc != STORE_OK)
		return rc;
	return it->cb(&a, it->arg);
}

int
store_attempt_iter_delivery(struct store_txn *t, const char *delivery_id,
    int (*cb)(const struct store_attempt *a, void *arg), void *arg)
{
	struct iter it = { cb, arg, 0 };
	struct key prefix;

	key_pair(&prefix, delivery_id, NULL);
	it.off = prefix.len;
	return dbenv_walk(t, DBI_ATT_DLV, &prefix, NULL, 0, each_index, &it);
}

int
store_attempt_iter_failures(struct store_txn *t,
    int (*cb)(const struct store_attempt *a, void *arg), void *arg)
{
	struct iter it = { cb, arg, 8 };
	struct key prefix;

	key_init(&prefix);
	return dbenv_walk_back(t, DBI_ATT_FAIL, &prefix, NULL, 0, each_index,
	    &it);
}
