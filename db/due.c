/*
 * due.c - the due index (see due.h) and its walks (store.h:
 * store_delivery_iter_due*, store_delivery_next_due).
 *
 *   key   i64 next_attempt_at, delivery id \0
 *   data  rec_due_enc: webhook id, event id, event type, attempts,
 *         sequence, lane, solo (empty in entries older than that)
 */
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/due.h"
#include "db/keycmp.h"
#include "db/rec.h"
#include "lib/str.h"

int
due_same(const struct store_delivery *a, const struct store_delivery *b)
{
	return a->next_attempt_at == b->next_attempt_at &&
	    strcmp(a->id, b->id) == 0 &&
	    strcmp(a->webhook_id, b->webhook_id) == 0 &&
	    strcmp(a->event_id, b->event_id) == 0 &&
	    strcmp(a->event_type, b->event_type) == 0 &&
	    a->attempts == b->attempts && a->sequence == b->sequence &&
	    strcmp(a->lane, b->lane) == 0 && !a->solo == !b->solo;
}

int
due_put(struct store_txn *t, const struct store_delivery *d)
{
	unsigned char buf[REC_DUE_MAX];
	struct key k;
	size_t len;

	if (rec_due_enc(d, buf, sizeof(buf), &len) == -1)
		return dbenv_fail(t, "due entry field too long");
	key_at(&k, d->next_attempt_at, d->id);
	return dbenv_put(t, DBI_DLV_DUE, &k, buf, len, 0);
}

int
due_del(struct store_txn *t, const struct store_delivery *old)
{
	struct key k;
	int rc;

	key_at(&k, old->next_attempt_at, old->id);
	rc = dbenv_del(t, DBI_DLV_DUE, &k);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
due_move(struct store_txn *t, const struct store_delivery *old,
    const struct store_delivery *d)
{
	int rc;

	if (old != NULL && d != NULL && due_same(old, d))
		return STORE_OK;
	/* the same key: one put replaces the data */
	if (old != NULL && (d == NULL ||
	    old->next_attempt_at != d->next_attempt_at ||
	    strcmp(old->id, d->id) != 0) &&
	    (rc = due_del(t, old)) != STORE_OK)
		return rc;
	return d != NULL ? due_put(t, d) : STORE_OK;
}

int
due_move_later(struct store_txn *t, const struct store_delivery *old,
    const struct store_delivery *d, struct store_due_later *later)
{
	struct store_due_key *e;

	if (later == NULL)
		return due_move(t, old, d);
	if (old != NULL && d != NULL && due_same(old, d))
		return STORE_OK;
	if (old != NULL && (d == NULL ||
	    old->next_attempt_at != d->next_attempt_at ||
	    strcmp(old->id, d->id) != 0)) {
		e = &later->v[later->n];
		e->at = old->next_attempt_at;
		if (str_copy(e->id, sizeof(e->id), old->id) == -1)
			return dbenv_fail(t, "due entry id too long");
		later->n++;
	}
	return d != NULL ? due_put(t, d) : STORE_OK;
}

/* The due index's order, backwards: the newest key first. */
static int
due_key_cmp_desc(const void *a, const void *b)
{
	const struct store_due_key *x = a, *y = b;

	if (x->at != y->at)
		return x->at > y->at ? -1 : 1;
	return strcmp(y->id, x->id);
}

/* Where the cursor is against k: <0 before, 0 on it, >0 past. */
static int
due_cur_cmp(const struct dbenv_cur *c, const struct key *k)
{
	DBT kd;

	memset(&kd, 0, sizeof(kd));
	kd.data = (void *)k->b;
	kd.size = (u_int32_t)k->len;
	return keycmp_compare(NULL, &c->k, &kd);
}

/*
 * A few steps back from an entry of the walk before: the next key is
 * usually the entry before, or close ahead of in-flight ones; beyond that
 * a search from the root is cheaper.
 */
#define DUE_STEPS 4

/*
 * Backwards, newest key first: a btree page keeps its items' bytes from
 * its end down in the order they came (the due index grows at its newest
 * keys), and removing an item moves every byte below it; removing the
 * newest first moves next to nothing, oldest first moves the whole page
 * each time.
 */
int
store_due_del_later(struct store_txn *t, struct store_due_later *later)
{
	struct dbenv_cur c;
	struct key k;
	size_t i;
	int rc = STORE_OK, at = 0, cmp, steps;

	if (later->n == 0)
		return STORE_OK;
	qsort(later->v, later->n, sizeof(*later->v), due_key_cmp_desc);
	if ((rc = dbenv_cur_open(t, DBI_DLV_DUE, 0, &c)) != STORE_OK)
		return rc;
	for (i = 0; i < later->n; i++) {
		if (i > 0 &&
		    due_key_cmp_desc(&later->v[i - 1], &later->v[i]) == 0)
			continue;	/* twice in the batch: gone already */
		key_at(&k, later->v[i].at, later->v[i].id);
		/* at: the cursor is on an entry after k (the last one
		 * removed, or passed over) */
		cmp = 1;
		for (steps = 0; at && cmp > 0 && steps < DUE_STEPS; steps++) {
			rc = dbenv_cur_get(&c, DB_PREV, NULL);
			if (rc == STORE_NOTFOUND) {
				cmp = -1;	/* nothing before: k is gone */
				break;
			}
			if (rc != STORE_OK)
				goto out;
			cmp = due_cur_cmp(&c, &k);
		}
		if (cmp > 0) {
			/* the first entry at or after k */
			rc = dbenv_cur_get(&c, DB_SET_RANGE, &k);
			if (rc == STORE_NOTFOUND) {
				at = 0;		/* none: k is gone */
				continue;
			}
			if (rc != STORE_OK)
				goto out;
			cmp = due_cur_cmp(&c, &k);
			at = 1;			/* on or after k */
			if (cmp > 0)
				continue;	/* k is gone */
		}
		if (cmp < 0) {
			/* stepped past k: gone, and the cursor is before
			 * the next key, maybe */
			at = 0;
			continue;
		}
		if ((rc = dbenv_cur_del(&c)) != STORE_OK)
			goto out;
		at = 1;
	}
	rc = STORE_OK;
out:
	dbenv_cur_close(&c);
	later->n = 0;
	return rc;
}

struct due_iter {
	store_delivery_cb cb;
	void *arg;
	int64_t until;
	int (*skip)(const char *id, void *arg);	/* NULL: none */
	int entry;	/* 1: the entry's data is enough (picks) */
};

/* One entry: its delivery as the entry says (it.entry and data present),
 * else as its record says. */
static int
each_due(struct dbenv_cur *c, void *arg)
{
	struct due_iter *it = arg;
	struct store_delivery d;
	char id[STORE_ID_MAX + 1];
	int rc;

	if (c->k.size < 9)
		return dbenv_fail(c->t, "corrupt due index key");
	if (key_get_i64(c->k.data) > it->until)
		return 1;
	if (key_tail_str(c->k.data, c->k.size, 8, id, sizeof(id)) == -1)
		return dbenv_fail(c->t, "corrupt due index key");
	if (it->skip != NULL && (rc = it->skip(id, it->arg)) != 0)
		return rc == 1 ? 0 : 1;
	if (it->entry && c->d.size > 0) {
		memset(&d, 0, sizeof(d));
		memcpy(d.id, id, sizeof(d.id));
		if (rec_due_dec(c->d.data, c->d.size, &d) == -1)
			return dbenv_fail(c->t, "corrupt due index entry");
		d.status = STORE_DLV_PENDING;
		d.next_attempt_at = key_get_i64(c->k.data);
		return it->cb(&d, it->arg);
	}
	rc = store_delivery_get(c->t, id, &d);
	if (rc == STORE_NOTFOUND)
		return dbenv_fail(c->t,
		    "delivery index points at a missing delivery");
	if (rc != STORE_OK)
		return rc;
	return it->cb(&d, it->arg);
}

int
store_delivery_iter_due(struct store_txn *t, int64_t until,
    store_delivery_cb cb, void *arg)
{
	struct due_iter it = { cb, arg, until, NULL, 0 };
	struct key prefix;

	key_init(&prefix);
	return dbenv_walk(t, DBI_DLV_DUE, &prefix, NULL, 0, each_due, &it);
}

int
store_delivery_iter_due_skip(struct store_txn *t, int64_t until,
    int (*skip)(const char *id, void *arg), store_delivery_cb cb, void *arg)
{
	struct due_iter it = { cb, arg, until, skip, 1 };
	struct key prefix;

	key_init(&prefix);
	return dbenv_walk_bulk(t, DBI_DLV_DUE, &prefix, each_due, &it);
}

int
store_delivery_iter_due_from(struct store_txn *t, int64_t from_at,
    const char *from_id, int64_t until,
    int (*skip)(const char *id, void *arg), store_delivery_cb cb, void *arg)
{
	struct due_iter it = { cb, arg, until, skip, 1 };
	struct key k;

	key_at(&k, from_at, from_id);
	return dbenv_walk_bulk(t, DBI_DLV_DUE, &k, each_due, &it);
}

int
store_delivery_next_due(struct store_txn *t, int64_t *at)
{
	struct dbenv_cur c;
	int rc;

	*at = 0;
	if ((rc = dbenv_cur_open(t, DBI_DLV_DUE, 0, &c)) != STORE_OK)
		return rc;
	rc = dbenv_cur_get(&c, DB_FIRST, NULL);
	if (rc == STORE_OK) {
		if (c.k.size < 9)
			rc = dbenv_fail(t, "corrupt due index key");
		else
			*at = key_get_i64(c.k.data);
	}
	dbenv_cur_close(&c);
	return rc;
}
