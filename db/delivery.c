/*
 * delivery.c - deliveries and their indices (the queue counters they
 * keep are queue.c's).
 *
 * Indices are written explicitly here (not DB->associate): put already
 * reads the old record (for the counters and the due index), so it knows
 * exactly which index keys change and writes only those; an associated
 * secondary would decode the record once per index on every write and
 * rewrite index entries that did not change.
 *
 *   by app      app id \0 delivery id \0      the first of a run of a
 *               transaction's deliveries, the others in its data
 *               (dlvidx.c); newest first via DB_PREV
 *   by webhook  webhook id \0 delivery id \0  the same
 *   by event    event id \0 delivery id \0 -- no longer written: only
 *               deliveries of older stores have one (retention asks it;
 *               sender/purge.c), removed with the delivery
 *   due         i64 next_attempt_at, delivery id \0 -- pending ones only,
 *               of a FIFO lane only the head (due.c; lane.c keeps the
 *               lanes' heads there)
 */
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/due.h"
#include "db/duerun.h"
#include "db/lane.h"
#include "db/queue.h"
#include "db/rec.h"
#include "lib/str.h"

static int
dlv_load(struct store_txn *t, const char *id, struct store_delivery *out,
    int rmw)
{
	unsigned char buf[REC_DELIVERY_MAX];
	struct key k;
	size_t len;
	int rc;

	key_id(&k, id);
	if ((rc = dbenv_get(t, DBI_DLV, &k, buf, sizeof(buf), &len, rmw)) !=
	    STORE_OK)
		return rc;
	if (rec_delivery_dec(buf, len, out) == -1)
		return dbenv_fail(t, "corrupt delivery record");
	return STORE_OK;
}

int
store_delivery_get(struct store_txn *t, const char *id,
    struct store_delivery *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = dlv_load(t, id, out, 0);
	if (rc != STORE_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* List delivery id under owner now instead of was (NULL: a new one) in
 * index db (dlvidx.c), when they differ. */
static int
owner_move(struct store_txn *t, enum dbi db, const char *was,
    const char *now, const char *id)
{
	int rc;

	if (was != NULL && strcmp(was, now) == 0)
		return STORE_OK;
	if (was != NULL && was[0] != '\0' &&
	    (rc = dlvidx_del(t, db, was, id)) != STORE_OK)
		return rc;
	return dlvidx_add(t, db, now, id);
}

/* Write d over old (had: old is the stored record, else there is none). */
static int
dlv_write(struct store_txn *t, const struct store_delivery *d,
    const struct store_delivery *oldp, int had, int create,
    struct store_queue *qdelta, struct store_due_later *later,
    struct dbenv_cur *cur)
{
	unsigned char buf[REC_DELIVERY_MAX];
	const struct store_delivery old = *oldp;
	struct key k;
	size_t len;
	int rc;

	if (rec_delivery_enc(d, buf, sizeof(buf), &len) == -1)
		return dbenv_fail(t, "delivery field too long or bad status");
	key_id(&k, d->id);
	/* create: no read first; dbenv_put refuses a taken id
	 * (STORE_EXISTS, nothing written) under the same page write lock a
	 * DB_RMW read would take. */
	/* cur: on old's record (store_delivery_get_at) */
	if ((rc = cur != NULL ? dbenv_cur_put_current(cur, buf, len) :
	    dbenv_put(t, DBI_DLV, &k, buf, len, create)) != STORE_OK)
		return rc;

	/* the old entries only when there is an old record (a create has
	 * none: the intake path) */
	if ((rc = owner_move(t, DBI_DLV_APP, had ? old.app_id : NULL,
	    d->app_id, d->id)) != STORE_OK ||
	    (rc = owner_move(t, DBI_DLV_WH, had ? old.webhook_id : NULL,
	    d->webhook_id, d->id)) != STORE_OK)
		return rc;
	if ((had && lane_in(&old)) || lane_in(d))
		rc = lane_move(t, had ? &old : NULL, d);
	else if (create && d->status == STORE_DLV_PENDING)
		rc = duerun_add(t, d);	/* with the others of its moment */
	else
		rc = due_move_later(t,
		    had && old.status == STORE_DLV_PENDING ? &old : NULL,
		    d->status == STORE_DLV_PENDING ? d : NULL, later);
	if (rc != STORE_OK)
		return rc;

	if (had && old.status == d->status)
		return STORE_OK;
	return queue_move(t, had ? old.status : -1, d->status, qdelta);
}

int
delivery_create(struct store_txn *t, const struct store_delivery *d,
    struct store_queue *qdelta, int create)
{
	struct store_delivery old, nd;
	int rc;

	if (d->id[0] == '\0')
		return dbenv_fail(t, "delivery without id");
	memset(&old, 0, sizeof(old));
	/* the lane and its sequence, in this transaction (lane.h) */
	nd = *d;
	if ((rc = lane_assign(t, &nd)) != STORE_OK)
		return rc;
	return dlv_write(t, &nd, &old, 0, create, qdelta, NULL, NULL);
}

int
store_delivery_put(struct store_txn *t, const struct store_delivery *d,
    int create)
{
	struct store_delivery old;
	int rc;

	if (create)
		return delivery_create(t, d, NULL, 1);
	if (d->id[0] == '\0')
		return dbenv_fail(t, "delivery without id");
	memset(&old, 0, sizeof(old));
	rc = dlv_load(t, d->id, &old, 1);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	return dlv_write(t, d, &old, rc == STORE_OK, 0, NULL, NULL, NULL);
}

int
store_delivery_put_over(struct store_txn *t,
    const struct store_delivery *old, const struct store_delivery *d,
    struct store_queue *qdelta, struct store_due_later *later)
{
	if (d->id[0] == '\0' || strcmp(d->id, old->id) != 0)
		return dbenv_fail(t, "delivery put over another id");
	return dlv_write(t, d, old, 1, 0, qdelta, later, NULL);
}

struct store_dlv_cur {
	struct dbenv_cur c;
	int open;
	char id[STORE_ID_MAX + 1];	/* the record it is on, "" none */
};

int
store_dlv_cur_open(struct store_txn *t, struct store_dlv_cur **cp)
{
	struct store_dlv_cur *c;
	int rc;

	*cp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return dbenv_fail(t, "out of memory");
	if ((rc = dbenv_cur_open(t, DBI_DLV, 0, &c->c)) != STORE_OK) {
		free(c);
		return rc;
	}
	c->open = 1;
	*cp = c;
	return STORE_OK;
}

void
store_dlv_cur_close(struct store_dlv_cur *c)
{
	if (c == NULL)
		return;
	if (c->open)
		dbenv_cur_close(&c->c);
	free(c);
}

int
store_delivery_get_at(struct store_txn *t, struct store_dlv_cur *c,
    const char *id, struct store_delivery *out)
{
	unsigned char buf[REC_DELIVERY_MAX];
	struct key k;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	c->id[0] = '\0';
	key_id(&k, id);
	if ((rc = dbenv_cur_set(&c->c, &k, buf, sizeof(buf), &len, 1)) !=
	    STORE_OK)
		return rc;
	if (rec_delivery_dec(buf, len, out) == -1) {
		memset(out, 0, sizeof(*out));
		return dbenv_fail(t, "corrupt delivery record");
	}
	if (str_copy(c->id, sizeof(c->id), id) == -1)
		c->id[0] = '\0';	/* then no put through it */
	return STORE_OK;
}

int
store_delivery_put_over_at(struct store_txn *t, struct store_dlv_cur *c,
    const struct store_delivery *old, const struct store_delivery *d,
    struct store_queue *qdelta, struct store_due_later *later)
{
	int on = c->id[0] != '\0' && strcmp(c->id, old->id) == 0;

	if (d->id[0] == '\0' || strcmp(d->id, old->id) != 0)
		return dbenv_fail(t, "delivery put over another id");
	c->id[0] = '\0';	/* one put per get */
	return dlv_write(t, d, old, 1, 0, qdelta, later, on ? &c->c : NULL);
}

int
store_delivery_del(struct store_txn *t, const char *id)
{
	struct store_delivery old;
	struct key k;
	int rc;

	if ((rc = dlv_load(t, id, &old, 1)) != STORE_OK)
		return rc;
	key_id(&k, id);
	if ((rc = dbenv_del(t, DBI_DLV, &k)) != STORE_OK)
		return rc;
	if ((rc = dlvidx_del(t, DBI_DLV_APP, old.app_id, id)) != STORE_OK ||
	    (rc = dlvidx_del(t, DBI_DLV_WH, old.webhook_id, id)) != STORE_OK)
		return rc;
	/* an older store's by-event entry, when it has one */
	key_pair(&k, old.event_id, id);
	if ((rc = dbenv_del(t, DBI_DLV_EVT, &k)) != STORE_OK &&
	    rc != STORE_NOTFOUND)
		return rc;
	if (lane_in(&old)) {
		if ((rc = lane_move(t, &old, NULL)) != STORE_OK)
			return rc;
	} else if (old.status == STORE_DLV_PENDING) {
		if ((rc = due_del(t, &old)) != STORE_OK)
			return rc;
	}
	if ((rc = queue_move(t, old.status, -1, NULL)) != STORE_OK)
		return rc;
	return attempt_del_delivery(t, id);
}

struct iter {
	store_delivery_cb cb;
	void *arg;
	size_t off;	/* where the delivery id starts in the index key */
	int64_t limit;	/* iter_before: ms */
};

/* A delivery id of an index: load it, call back. */
static int
each_listed(struct store_txn *t, const char *id, void *arg)
{
	struct iter *it = arg;
	struct store_delivery d;
	int rc;

	rc = dlv_load(t, id, &d, 0);
	if (rc == STORE_NOTFOUND)
		return dbenv_fail(t,
		    "delivery index points at a missing delivery");
	if (rc != STORE_OK)
		return rc;
	return it->cb(&d, it->arg);
}

/* An index entry ending with a delivery id (by event): the same. */
static int
each_index(struct dbenv_cur *c, void *arg)
{
	struct iter *it = arg;
	char id[STORE_ID_MAX + 1];

	if (key_tail_str(c->k.data, c->k.size, it->off, id, sizeof(id)) == -1)
		return dbenv_fail(c->t, "corrupt delivery index key");
	return each_listed(c->t, id, arg);
}

/* Newest first through the app or webhook index. */
static int
iter_back(struct store_txn *t, enum dbi db, const char *id,
    const char *before_id, store_delivery_cb cb, void *arg)
{
	struct iter it = { cb, arg, 0, 0 };

	return dlvidx_walk_back(t, db, id, before_id, each_listed, &it);
}

int
store_delivery_iter_app(struct store_txn *t, const char *app_id,
    const char *before_id, store_delivery_cb cb, void *arg)
{
	return iter_back(t, DBI_DLV_APP, app_id, before_id, cb, arg);
}

int
store_delivery_iter_webhook(struct store_txn *t, const char *webhook_id,
    const char *before_id, store_delivery_cb cb, void *arg)
{
	return iter_back(t, DBI_DLV_WH, webhook_id, before_id, cb, arg);
}

int
store_delivery_iter_event(struct store_txn *t, const char *event_id,
    store_delivery_cb cb, void *arg)
{
	struct iter it = { cb, arg, 0, 0 };
	struct key prefix;

	key_pair(&prefix, event_id, NULL);
	it.off = prefix.len;
	return dbenv_walk(t, DBI_DLV_EVT, &prefix, NULL, 0, each_index, &it);
}

static int
each_before(struct dbenv_cur *c, void *arg)
{
	struct iter *it = arg;
	struct store_delivery d;

	if (rec_delivery_dec(c->d.data, c->d.size, &d) == -1)
		return dbenv_fail(c->t, "corrupt delivery record");
	if (d.created_at >= it->limit)
		return 1;
	return it->cb(&d, it->arg);
}

int
store_delivery_iter_before(struct store_txn *t, int64_t ms,
    const char *after_id, store_delivery_cb cb, void *arg)
{
	struct iter it = { cb, arg, 0, ms };
	struct key prefix;

	key_init(&prefix);
	return dbenv_walk(t, DBI_DLV, &prefix, after_id, -1, each_before, &it);
}
