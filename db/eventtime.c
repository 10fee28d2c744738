/*
 * eventtime.c - the events' time index (events_time.db), read by
 * retention only: its entries, the runs a batch writes, their walk and
 * retention's step (contracts in store.h, "events by creation time").
 *
 * Entry: key created_at (8 bytes) + event id \0.  Data empty: a one-event
 * entry (store_event_put; every entry of stores written before runs).
 * Data EVENTTIME_V1 then ids, each \0-terminated: a run, the events of
 * one created_at written in one transaction, the key's id first, then
 * these in the order written.  A run's member may be gone (store_event_del
 * removes only the key: eventtime_forget) or be a later event of a reused
 * id (another created_at): both are skipped, and retention drops them
 * when it writes the entry again.  A one-event entry's event is never
 * gone (its delete removes the entry): when it is, the store is corrupt.
 * A new layout of the data needs a new version byte; readers refuse one
 * they do not know.
 */
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"

#define EVENTTIME_V1 1

/* One entry, decoded: its key and its data (borrowed). */
struct entry {
	int64_t at;
	char id[STORE_ID_MAX + 1];	/* the key's id: the first member */
	const unsigned char *d;
	size_t len;
};

/* The entry of key k (klen bytes) and data d (dlen bytes) into *e. */
static int
entry_dec(struct store_txn *t, const void *k, size_t klen, const void *d,
    size_t dlen, struct entry *e)
{
	memset(e, 0, sizeof(*e));
	if (klen < 9 || key_tail_str(k, klen, 8, e->id, sizeof(e->id)) == -1)
		return dbenv_fail(t, "corrupt event index key");
	e->at = key_get_i64(k);
	e->d = d;
	e->len = dlen;
	if (e->len > 0 && e->d[0] != EVENTTIME_V1)
		return dbenv_fail(t, "event index entry of an unknown version");
	return STORE_OK;
}

/*
 * The member after *off of entry e (*off 0: the first, the key's id) into
 * *id (NUL-terminated, borrowed from e): 0, 1 past the last, or -1 when
 * the data is corrupt.
 */
static int
entry_next(const struct entry *e, size_t *off, const char **id)
{
	const unsigned char *p, *nul;

	if (*off == 0) {
		*id = e->id;
		*off = 1;	/* after the version byte */
		return 0;
	}
	if (*off >= e->len)
		return 1;
	p = e->d + *off;
	nul = memchr(p, '\0', e->len - *off);
	if (nul == NULL || nul == p || (size_t)(nul - p) > STORE_ID_MAX)
		return -1;
	*id = (const char *)p;
	*off = (size_t)(nul - e->d) + 1;
	return 0;
}

/*
 * Member id of entry e as an event: STORE_OK with *ev, STORE_NOTFOUND
 * when it is to be skipped (a run's member gone or another event of that
 * id), or a store code (a one-event entry's event gone: corrupt).
 */
static int
entry_member(struct store_txn *t, const struct entry *e, const char *id,
    struct store_event *ev)
{
	int rc;

	rc = event_head(t, id, ev, 0);
	if (rc == STORE_NOTFOUND && e->len == 0)
		return dbenv_fail(t, "event index points at a missing event");
	if (rc == STORE_OK && e->len > 0 && ev->created_at != e->at)
		rc = STORE_NOTFOUND;
	return rc;
}

/* ---- runs ---------------------------------------------------------------- */

int
store_eventtime_add(struct store_txn *t, struct store_eventtime_run *r,
    const struct store_event *e)
{
	size_t l = strlen(e->id) + 1;
	int rc;

	if (l == 1 || l > STORE_ID_MAX + 1)
		return dbenv_fail(t, "event id empty or too long");
	if (r->n > 0 && (e->created_at != r->at ||
	    r->len + l > sizeof(r->rest))) {
		if ((rc = store_eventtime_end(t, r)) != STORE_OK)
			return rc;
	}
	if (r->n == 0) {
		r->at = e->created_at;
		memcpy(r->first, e->id, l);
		r->rest[0] = EVENTTIME_V1;
		r->len = 1;
	} else {
		memcpy(r->rest + r->len, e->id, l);
		r->len += l;
	}
	r->n++;
	return STORE_OK;
}

int
store_eventtime_end(struct store_txn *t, struct store_eventtime_run *r)
{
	struct key k;
	int rc;

	if (r->n == 0)
		return STORE_OK;
	key_at(&k, r->at, r->first);
	/* one event: the one-event entry, as store_event_put writes it */
	rc = dbenv_put(t, DBI_EVT_TIME, &k, r->rest, r->n > 1 ? r->len : 0, 0);
	r->n = 0;
	r->len = 0;
	return rc;
}

/*
 * Write the entry of the members kept (first, then rest: len bytes,
 * version byte included; n members) in place of e: nothing written when
 * unchanged, e deleted when n is 0 or its key changes.
 */
static int
entry_rewrite(struct store_txn *t, const struct entry *e, const char *first,
    const unsigned char *rest, size_t len, size_t n, int changed)
{
	struct key k;
	int rc;

	if (!changed)
		return STORE_OK;
	key_at(&k, e->at, e->id);
	if (n == 0 || strcmp(first, e->id) != 0) {
		rc = dbenv_del(t, DBI_EVT_TIME, &k);
		if (rc != STORE_OK || n == 0)
			return rc;
		key_at(&k, e->at, first);
	}
	return dbenv_put(t, DBI_EVT_TIME, &k, rest, n > 1 ? len : 0, 0);
}

/* A run's members kept, being collected for entry_rewrite. */
struct kept {
	char first[STORE_ID_MAX + 1];
	unsigned char *rest;	/* heap, as long as the old entry's data */
	size_t len, n;
	int changed;		/* a member was dropped */
};

static void
kept_add(struct kept *kp, const char *id)
{
	size_t l = strlen(id) + 1;

	if (kp->n++ == 0) {
		memcpy(kp->first, id, l);
		kp->rest[0] = EVENTTIME_V1;
		kp->len = 1;
		return;
	}
	memcpy(kp->rest + kp->len, id, l);	/* fits: a subset of e's ids */
	kp->len += l;
}

int
eventtime_forget(struct store_txn *t, int64_t at, const char *id)
{
	struct store_event ev;
	struct kept kp;
	struct entry e;
	struct key k;
	unsigned char *buf;
	const char *m;
	size_t len, off = 0;
	int rc, more = 1;

	key_at(&k, at, id);
	rc = dbenv_get_alloc(t, DBI_EVT_TIME, &k, &buf, &len, 1);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;	/* a run's member, not its key */
	if (rc != STORE_OK)
		return rc;
	memset(&kp, 0, sizeof(kp));
	memset(&e, 0, sizeof(e));
	if ((kp.rest = malloc(len + 1)) == NULL) {
		free(buf);
		return dbenv_fail(t, "out of memory");
	}
	if ((rc = entry_dec(t, k.b, k.len, buf, len, &e)) == STORE_OK)
		(void)entry_next(&e, &off, &m);		/* the key: it goes */
	/* the members after the key: the first still stored is the key */
	while (rc == STORE_OK && (more = entry_next(&e, &off, &m)) == 0) {
		if (kp.n > 0) {
			kept_add(&kp, m);
			continue;
		}
		rc = entry_member(t, &e, m, &ev);
		if (rc == STORE_OK)
			kept_add(&kp, m);
		else if (rc == STORE_NOTFOUND)
			rc = STORE_OK;
	}
	if (rc == STORE_OK && more == -1)
		rc = dbenv_fail(t, "corrupt event index entry");
	if (rc == STORE_OK)
		rc = entry_rewrite(t, &e, kp.first, kp.rest, kp.len, kp.n, 1);
	free(kp.rest);
	free(buf);
	return rc;
}

/* ---- the walk (store_event_iter_before) ---------------------------------- */

struct iter {
	int (*cb)(const struct store_event *e, void *arg);
	void *arg;
	int64_t before;
};

static int
iter_entry(struct dbenv_cur *c, void *arg)
{
	struct iter *it = arg;
	struct store_event ev;
	struct entry e;
	const char *m;
	size_t off = 0;
	int rc, more, stop = 0;

	if ((rc = entry_dec(c->t, c->k.data, c->k.size, c->d.data, c->d.size,
	    &e)) != STORE_OK)
		return rc;
	if (e.at >= it->before)
		return 1;
	while ((more = entry_next(&e, &off, &m)) == 0) {
		rc = entry_member(c->t, &e, m, &ev);
		if (rc == STORE_NOTFOUND)
			continue;
		if (rc != STORE_OK)
			return rc;
		if ((rc = it->cb(&ev, it->arg)) < 0)
			return rc;
		stop |= rc;	/* the rest of the entry first (contract) */
	}
	if (more == -1)
		return dbenv_fail(c->t, "corrupt event index entry");
	return stop ? 1 : 0;
}

int
eventtime_iter(struct store_txn *t, int64_t ms, int64_t after_at,
    const char *after_id, int (*cb)(const struct store_event *e, void *arg),
    void *arg)
{
	struct iter it = { cb, arg, ms };
	struct key k;

	if (after_id != NULL && after_id[0] != '\0') {
		key_at(&k, after_at, after_id);
		return dbenv_walk_from(t, DBI_EVT_TIME, &k, 1, -1, iter_entry,
		    &it);
	}
	key_init(&k);
	return dbenv_walk(t, DBI_EVT_TIME, &k, NULL, -1, iter_entry, &it);
}

/* ---- retention ----------------------------------------------------------- */

/*
 * The first entry strictly after p->(at, id) (id "": the first entry),
 * copied: *kb (its key, KEY_MAX bytes of the caller's) and *data (heap,
 * the caller frees).  NOTFOUND past the last.
 */
static int
purge_next(struct store_txn *t, const struct store_eventtime_purge *p,
    struct key *kb, unsigned char **data, size_t *len)
{
	struct dbenv_cur c;
	struct key k;
	int rc;

	*data = NULL;
	*len = 0;
	key_init(kb);
	if ((rc = dbenv_cur_open(t, DBI_EVT_TIME, -1, &c)) != STORE_OK)
		goto out;
	if (p->id[0] == '\0')
		rc = dbenv_cur_get(&c, DB_FIRST, NULL);
	else {
		key_at(&k, p->at, p->id);
		rc = dbenv_cur_get(&c, DB_SET_RANGE, &k);
		if (rc == STORE_OK && c.k.size == k.len &&
		    memcmp(c.k.data, k.b, k.len) == 0)
			rc = dbenv_cur_get(&c, DB_NEXT, NULL);
	}
	if (rc != STORE_OK)
		goto out;
	if (c.k.size > KEY_MAX ||
	    (*data = malloc(c.d.size > 0 ? c.d.size : 1)) == NULL) {
		rc = dbenv_fail(t, "corrupt event index key or out of memory");
		goto out;
	}
	key_init(kb);
	key_raw(kb, c.k.data, c.k.size);
	memcpy(*data, c.d.data, c.d.size);
	*len = c.d.size;
out:
	dbenv_cur_close(&c);
	return rc;
}

/* Retention of one entry e: *events counts its members looked at. */
static int
purge_entry(struct store_txn *t, const struct entry *e,
    store_eventtime_keep_fn keep, void *arg,
    struct store_eventtime_purge *p, size_t *events)
{
	struct store_event ev;
	struct kept kp;
	const char *m;
	size_t off = 0;
	int rc = STORE_OK, more;

	memset(&kp, 0, sizeof(kp));
	if ((kp.rest = malloc(e->len + 1)) == NULL)
		return dbenv_fail(t, "out of memory");
	while ((more = entry_next(e, &off, &m)) == 0) {
		rc = entry_member(t, e, m, &ev);
		if (rc == STORE_NOTFOUND) {
			kp.changed = 1;		/* gone: dropped */
			rc = STORE_OK;
			continue;
		}
		if (rc != STORE_OK)
			break;
		(*events)++;
		if ((rc = keep(t, &ev, arg)) < 0)
			break;
		if (rc > 0) {
			rc = STORE_OK;
			kept_add(&kp, m);
			continue;
		}
		rc = event_del_record(t, m);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			break;
		rc = STORE_OK;
		p->deleted++;
		kp.changed = 1;
	}
	if (rc == STORE_OK && more == -1)
		rc = dbenv_fail(t, "corrupt event index entry");
	if (rc == STORE_OK)
		rc = entry_rewrite(t, e, kp.first, kp.rest, kp.len, kp.n,
		    kp.changed);
	free(kp.rest);
	return rc;
}

int
store_eventtime_purge(struct store_txn *t, int64_t ms, size_t max,
    store_eventtime_keep_fn keep, void *arg, struct store_eventtime_purge *p)
{
	struct entry e;
	struct key k;
	unsigned char *data;
	size_t len = 0, events = 0;
	int rc = STORE_OK;

	p->looked = 0;
	p->deleted = 0;
	while (rc == STORE_OK && events < max) {
		rc = purge_next(t, p, &k, &data, &len);
		if (rc == STORE_NOTFOUND) {
			rc = STORE_OK;
			break;
		}
		if (rc != STORE_OK)
			break;
		rc = entry_dec(t, k.b, k.len, data, len, &e);
		if (rc == STORE_OK && e.at >= ms) {
			free(data);
			break;
		}
		if (rc == STORE_OK) {
			p->at = e.at;
			memcpy(p->id, e.id, sizeof(p->id));
			p->looked++;
			rc = purge_entry(t, &e, keep, arg, p, &events);
		}
		free(data);
	}
	return rc;
}
