/*
 * attempt.c - delivery attempts, keyed by their delivery (and the failures
 * index).
 *
 *   by delivery  delivery id \0 attempt id \0 -> attempt record; oldest
 *                first (ids are time-ordered).  An entry with no data is
 *                an older store's: its record is in attempts.db.
 *   attempts.db  attempt id -> attempt record: written by older stores
 *                only (read through their by-delivery entries, removed
 *                with their delivery); nothing new goes there
 *   failures     i64 at, attempt id \0 -> delivery id; only attempts with
 *                an error or a status outside 200..299; newest first via
 *                DB_LAST/DB_PREV.  No data: an older store's entry, whose
 *                record is in attempts.db.
 *
 * One put per attempt (two for a failed one) where the older layout took
 * two (three): the record is the by-delivery entry itself.
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

/* An older store's record, in attempts.db under its id. */
static int
att_old_load(struct store_txn *t, const char *id, struct store_attempt *out,
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

/* The attempt of a by-delivery entry whose data is p/n, id its attempt
 * id (*old set to 1 when the record is an older store's, in attempts.db). */
static int
att_entry(struct store_txn *t, const char *id, const void *p, size_t n,
    struct store_attempt *out, int *old)
{
	int rc;

	if (old != NULL)
		*old = n == 0;
	if (n == 0) {
		rc = att_old_load(t, id, out, 0);
		if (rc == STORE_NOTFOUND)
			return dbenv_fail(t,
			    "attempt index points at a missing attempt");
		return rc;
	}
	if (rec_attempt_dec(p, n, out) == -1)
		return dbenv_fail(t, "corrupt attempt record");
	return STORE_OK;
}

/* Attempt (delivery id, id), either layout. */
static int
att_load(struct store_txn *t, const char *dlv, const char *id,
    struct store_attempt *out, int rmw, int *old)
{
	unsigned char buf[REC_ATTEMPT_MAX];
	struct key k;
	size_t len;
	int rc;

	key_pair(&k, dlv, id);
	if ((rc = dbenv_get(t, DBI_ATT_DLV, &k, buf, sizeof(buf), &len, rmw)) !=
	    STORE_OK)
		return rc;
	return att_entry(t, id, buf, len, out, old);
}

/* Remove a's failures entry (if it has one) and, for an older store's
 * attempt, its record in attempts.db.  Not its by-delivery entry. */
static int
att_unlink(struct store_txn *t, const struct store_attempt *a, int old)
{
	struct key k;
	int rc;

	if (old) {
		key_id(&k, a->id);
		rc = dbenv_del(t, DBI_ATT, &k);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			return rc;
	}
	if (!is_failure(a))
		return STORE_OK;
	key_at(&k, a->at, a->id);
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
	int rc, was_old;

	if (a->id[0] == '\0' || a->delivery_id[0] == '\0')
		return dbenv_fail(t, "attempt without id or delivery id");
	memset(&old, 0, sizeof(old));
	if (rec_attempt_enc(a, buf, sizeof(buf), &len) == -1)
		return dbenv_fail(t, "attempt field too long");
	/* A new attempt (the usual case) is written without a read first:
	 * DB_NOOVERWRITE refuses a taken key under the same page write lock
	 * a DB_RMW read would take.  A replaced one first leaves the
	 * failures index. */
	key_pair(&k, a->delivery_id, a->id);
	rc = dbenv_put(t, DBI_ATT_DLV, &k, buf, len, 1);
	if (rc == STORE_EXISTS) {
		if ((rc = att_load(t, a->delivery_id, a->id, &old, 1,
		    &was_old)) != STORE_OK ||
		    (rc = att_unlink(t, &old, was_old)) != STORE_OK)
			return rc;
		rc = dbenv_put(t, DBI_ATT_DLV, &k, buf, len, 0);
	}
	if (rc != STORE_OK || !is_failure(a))
		return rc;
	key_at(&k, a->at, a->id);
	return dbenv_put(t, DBI_ATT_FAIL, &k, a->delivery_id,
	    strlen(a->delivery_id), 0);
}

struct iter {
	int (*cb)(const struct store_attempt *a, void *arg);
	void *arg;
	size_t off;	/* where the attempt id starts in the key */
};

static int
each_delivery(struct dbenv_cur *c, void *arg)
{
	struct iter *it = arg;
	char id[STORE_ID_MAX + 1];
	struct store_attempt a;
	int rc;

	if (key_tail_str(c->k.data, c->k.size, it->off, id, sizeof(id)) == -1)
		return dbenv_fail(c->t, "corrupt attempt key");
	if ((rc = att_entry(c->t, id, c->d.data, c->d.size, &a, NULL)) !=
	    STORE_OK)
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
	return dbenv_walk(t, DBI_ATT_DLV, &prefix, NULL, -1, each_delivery,
	    &it);
}

/* Deletes the attempt of the by-delivery entry the walk is on. */
static int
del_one(struct dbenv_cur *c, void *arg)
{
	size_t off = *(size_t *)arg;
	char id[STORE_ID_MAX + 1];
	struct store_attempt a;
	int rc, old = c->d.size == 0;

	memset(&a, 0, sizeof(a));
	if (key_tail_str(c->k.data, c->k.size, off, id, sizeof(id)) == -1)
		return dbenv_fail(c->t, "corrupt attempt key");
	if (old) {
		rc = att_old_load(c->t, id, &a, 1);
		if (rc == STORE_NOTFOUND)
			return dbenv_cur_del(c);	/* record lost: the
							 * entry goes */
	} else if (rec_attempt_dec(c->d.data, c->d.size, &a) == -1) {
		return dbenv_fail(c->t, "corrupt attempt record");
	} else {
		rc = STORE_OK;
	}
	if (rc != STORE_OK || (rc = att_unlink(c->t, &a, old)) != STORE_OK)
		return rc;
	return dbenv_cur_del(c);
}

int
attempt_del_delivery(struct store_txn *t, const char *delivery_id)
{
	struct key prefix;

	key_pair(&prefix, delivery_id, NULL);
	return dbenv_walk(t, DBI_ATT_DLV, &prefix, NULL, -1, del_one,
	    &prefix.len);
}

static int
each_failure(struct dbenv_cur *c, void *arg)
{
	struct iter *it = arg;
	char id[STORE_ID_MAX + 1], dlv[STORE_ID_MAX + 1];
	struct store_attempt a;
	int rc;

	if (key_tail_str(c->k.data, c->k.size, 8, id, sizeof(id)) == -1 ||
	    c->d.size > STORE_ID_MAX)
		return dbenv_fail(c->t, "corrupt attempt failures entry");
	if (c->d.size == 0) {
		rc = att_old_load(c->t, id, &a, 0);
	} else {
		memcpy(dlv, c->d.data, c->d.size);
		dlv[c->d.size] = '\0';
		rc = att_load(c->t, dlv, id, &a, 0, NULL);
	}
	if (rc == STORE_NOTFOUND)
		return dbenv_fail(c->t,
		    "attempt failures index points at a missing attempt");
	if (rc != STORE_OK)
		return rc;
	return it->cb(&a, it->arg);
}

int
store_attempt_iter_failures(struct store_txn *t,
    int (*cb)(const struct store_attempt *a, void *arg), void *arg)
{
	struct iter it = { cb, arg, 8 };
	struct key prefix;

	key_init(&prefix);
	return dbenv_walk_back(t, DBI_ATT_FAIL, &prefix, NULL, -1,
	    each_failure, &it);
}
