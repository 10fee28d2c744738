/*
 * due.c - the due index (see due.h) and its walks (store.h:
 * store_delivery_iter_due*, store_delivery_next_due).
 *
 *   key   i64 next_attempt_at, delivery id \0
 *   data  rec_due_enc: webhook id, event id, event type, attempts,
 *         sequence, lane, solo (empty in entries older than that);
 *         or a run of deliveries due together (duerun.h), keyed by its
 *         first member
 */
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/due.h"
#include "db/duerun.h"
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
	int rc;

	if ((rc = duerun_flush(t)) != STORE_OK)
		return rc;
	if (rec_due_enc(d, buf, sizeof(buf), &len) == -1)
		return dbenv_fail(t, "due entry field too long");
	key_at(&k, d->next_attempt_at, d->id);
	return dbenv_put(t, DBI_DLV_DUE, &k, buf, len, 0);
}

/* The entry under c: its key's (at, id) into *at, kid. */
static int
due_cur_key(const struct dbenv_cur *c, int64_t *at, char *kid)
{
	*at = 0;
	if (c->k.size < 9 || key_tail_str(c->k.data, c->k.size, 8, kid,
	    STORE_ID_MAX + 1) == -1) {
		kid[0] = '\0';
		return dbenv_fail(c->t, "corrupt due index key");
	}
	*at = key_get_i64(c->k.data);
	return STORE_OK;
}

/* (at, id) against (bat, bid), as the index orders them. */
static int
due_key_cmp(int64_t at, const char *id, int64_t bat, const char *bid)
{
	if (at != bat)
		return at < bat ? -1 : 1;
	return strcmp(id, bid);
}

/*
 * Move c by flag (DB_RMW added; k for DB_SET_RANGE) and compare the entry
 * it lands on with (at, id) into *cmp, its moment into *kat: 1, 0 when
 * there is none, or a failure (negative).
 */
static int
due_step(struct dbenv_cur *c, int flag, const struct key *k, int64_t at,
    const char *id, int64_t *kat, int *cmp)
{
	char kid[STORE_ID_MAX + 1];
	int rc;

	rc = dbenv_cur_get(c, flag | DB_RMW, k);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc != STORE_OK || (rc = due_cur_key(c, kat, kid)) != STORE_OK)
		return rc;
	*cmp = due_key_cmp(*kat, kid, at, id);
	return 1;
}

/*
 * Put the cursor on the entry that holds (at, id): the plain entry of
 * that key, a run keyed by it, or a run of the same moment with a smaller
 * key that lists id (duerun.h).  near: the cursor stands on an entry (or
 * where one was removed) whose key sorts after (at, id): a few steps back
 * from there first, a search from the root only when they do not reach it
 * (a batch's removals come in descending order, mostly next to each
 * other).  1 found (c->k/c->d are the entry), 0 absent, or a failure.
 */
#define DUE_STEPS 4

static int
due_locate(struct dbenv_cur *c, int64_t at, const char *id, int near)
{
	struct key k;
	int64_t kat = 0;
	int cmp = 1, steps, r;

	for (steps = 0; near && cmp > 0 && steps < DUE_STEPS; steps++)
		if ((r = due_step(c, DB_PREV, NULL, at, id, &kat, &cmp)) != 1)
			return r;	/* nothing before: absent */
	if (cmp > 0) {
		/* the last entry at or before (at, id) */
		key_at(&k, at, id);
		r = due_step(c, DB_SET_RANGE, &k, at, id, &kat, &cmp);
		if (r == 1 && cmp > 0)
			r = due_step(c, DB_PREV, NULL, at, id, &kat, &cmp);
		else if (r == 0)	/* past the last entry */
			r = due_step(c, DB_LAST, NULL, at, id, &kat, &cmp);
		if (r != 1)
			return r;
	}
	/* back over the entries of the same moment to the run of id */
	for (;;) {
		if (cmp == 0)
			return 1;
		if (kat != at)
			return 0;
		if (duerun_is(c->d.data, c->d.size)) {
			r = duerun_has(c->d.data, c->d.size, id);
			if (r == 1)
				return 1;
			if (r == -1)
				return dbenv_fail(c->t, "corrupt due run");
		}
		if ((r = due_step(c, DB_PREV, NULL, at, id, &kat, &cmp)) != 1)
			return r;
	}
}

/* The ids a removal takes out of one run (sorted descending: a batch's
 * order), or one id. */
struct due_gone {
	const struct store_due_key *v;	/* NULL: one */
	size_t n;
	const char *one;
};

static int
due_gone_has(const struct due_gone *g, const char *id)
{
	size_t i;

	if (g->v == NULL)
		return strcmp(g->one, id) == 0;
	for (i = 0; i < g->n; i++)
		if (strcmp(g->v[i].id, id) == 0)
			return 1;
	return 0;
}

/*
 * Write the run under c (key at + its first member; data d, n bytes: a
 * copy, not the cursor's) again without the members in gone: removed
 * when none is left, a lone one left becomes a plain entry, and a run
 * that loses its first member goes under its new first (duerun.h).  The
 * cursor is then on the entry written, or where the run was.
 */
static int
due_run_rewrite(struct dbenv_cur *c, int64_t at, const unsigned char *d,
    size_t n, const struct due_gone *g)
{
	unsigned char out[DUERUN_DATA_MAX];
	struct duerun_member m, keep1;
	const char *prev = NULL;
	struct key k;
	size_t off = 1, len = 1, left = 0, i = 0;
	int r, rc, first_gone = 0;

	if (n > sizeof(out))
		return dbenv_fail(c->t, "corrupt due run");
	out[0] = DUERUN_V1;
	memset(&keep1, 0, sizeof(keep1));
	while ((r = duerun_next(d, n, &off, prev, &m)) == 1) {
		prev = m.id;
		if (due_gone_has(g, m.id)) {
			first_gone |= i++ == 0;
			continue;
		}
		i++;
		if (left++ == 0)
			keep1 = m;
		/* as it was: no longer than its place in d */
		duerun_put_member(out, &len, m.id, m.rec, m.rec_len);
	}
	if (r == -1)
		return dbenv_fail(c->t, "corrupt due run");
	if (left == i)
		return STORE_OK;	/* none of them there */
	if (left == 0 || first_gone) {
		if ((rc = dbenv_cur_del(c)) != STORE_OK || left == 0)
			return rc;
		key_at(&k, at, keep1.id);
		return left == 1 ?
		    dbenv_cur_put(c, &k, keep1.rec, keep1.rec_len) :
		    dbenv_cur_put(c, &k, out, len);
	}
	return left == 1 ?
	    dbenv_cur_put_current(c, keep1.rec, keep1.rec_len) :
	    dbenv_cur_put_current(c, out, len);
}

/* Take id out of the run under c (key at). */
static int
due_run_remove(struct dbenv_cur *c, int64_t at, const char *id)
{
	struct due_gone g = { NULL, 0, id };
	unsigned char copy[DUERUN_DATA_MAX];

	if (c->d.size > sizeof(copy))
		return dbenv_fail(c->t, "corrupt due run");
	memcpy(copy, c->d.data, c->d.size);
	return due_run_rewrite(c, at, copy, c->d.size, &g);
}

int
due_del(struct store_txn *t, const struct store_delivery *old)
{
	struct dbenv_cur c;
	int rc;

	if ((rc = duerun_flush(t)) != STORE_OK)
		return rc;
	if ((rc = dbenv_cur_open(t, DBI_DLV_DUE, -1, &c)) != STORE_OK)
		return rc;
	rc = due_locate(&c, old->next_attempt_at, old->id, 0);
	if (rc == 1)
		rc = duerun_is(c.d.data, c.d.size) ?
		    due_run_remove(&c, old->next_attempt_at, old->id) :
		    dbenv_cur_del(&c);
	else if (rc == 0)
		rc = STORE_OK;		/* absent is OK */
	dbenv_cur_close(&c);
	return rc;
}

/*
 * Old's entry goes first whenever it differs from d's, even under the same
 * key: it may be a run's (duerun.h), which a put under that key would
 * overwrite with other members in it.
 */
int
due_move(struct store_txn *t, const struct store_delivery *old,
    const struct store_delivery *d)
{
	int rc;

	if (old != NULL && d != NULL && due_same(old, d))
		return STORE_OK;
	if (old != NULL && (rc = due_del(t, old)) != STORE_OK)
		return rc;
	return d != NULL ? due_put(t, d) : STORE_OK;
}

int
due_move_later(struct store_txn *t, const struct store_delivery *old,
    const struct store_delivery *d, struct store_due_later *later)
{
	struct store_due_key *e;

	if (later == NULL || old == NULL || (d != NULL &&
	    old->next_attempt_at == d->next_attempt_at &&
	    strcmp(old->id, d->id) == 0))
		/* nothing to defer; or the same key: now (its removal
		 * later would take d's new entry) */
		return due_move(t, old, d);
	e = &later->v[later->n];
	e->at = old->next_attempt_at;
	if (str_copy(e->id, sizeof(e->id), old->id) == -1)
		return dbenv_fail(t, "due entry id too long");
	later->n++;
	return d != NULL ? due_put(t, d) : STORE_OK;
}

/* The due index's order, backwards: the newest key first. */
static int
due_key_cmp_desc(const void *a, const void *b)
{
	const struct store_due_key *x = a, *y = b;

	return due_key_cmp(y->at, y->id, x->at, x->id);
}

/*
 * Backwards, newest key first: a btree page keeps its items' bytes from
 * its end down in the order they came (the due index grows at its newest
 * keys), and removing an item moves every byte below it; removing the
 * newest first moves next to nothing, oldest first moves the whole page
 * each time.  The members of one run that go are gathered and the run
 * written once.
 */
int
store_due_del_later(struct store_txn *t, struct store_due_later *later)
{
	unsigned char run[DUERUN_DATA_MAX];
	struct dbenv_cur c;
	struct due_gone g;
	size_t i, runlen = 0, gfrom = 0;
	int64_t run_at = 0, ck_at = 0;
	char ck_id[STORE_ID_MAX + 1];
	int rc = STORE_OK, on = 0, near = 0, r;
	const struct store_due_key *e;

	if ((rc = duerun_flush(t)) != STORE_OK)
		return rc;
	if (later->n == 0)
		return STORE_OK;
	qsort(later->v, later->n, sizeof(*later->v), due_key_cmp_desc);
	if ((rc = dbenv_cur_open(t, DBI_DLV_DUE, -1, &c)) != STORE_OK)
		return rc;
	ck_id[0] = '\0';
	for (i = 0; i < later->n; i++) {
		e = &later->v[i];
		if (i > 0 && due_key_cmp_desc(&later->v[i - 1], e) == 0)
			continue;	/* twice in the batch: gone already */
		if (on) {
			if (e->at == run_at &&
			    (r = duerun_has(run, runlen, e->id)) != 0) {
				if (r == -1) {
					rc = dbenv_fail(t, "corrupt due run");
					goto out;
				}
				continue;	/* gathered: v[gfrom..i] */
			}
			g.v = later->v + gfrom;
			g.n = i - gfrom;
			g.one = NULL;
			if ((rc = due_run_rewrite(&c, run_at, run, runlen,
			    &g)) != STORE_OK)
				goto out;
			on = 0;
			/* the cursor is on the run's key or its new one:
			 * after e, which sorts before the run's members */
			near = 1;
		}
		near = near && due_key_cmp(ck_at, ck_id, e->at, e->id) > 0;
		if ((r = due_locate(&c, e->at, e->id, near)) < 0) {
			rc = r;
			goto out;
		}
		if (r == 0) {
			/* absent: the cursor may be anywhere before it */
			near = 0;
			continue;
		}
		if ((rc = due_cur_key(&c, &ck_at, ck_id)) != STORE_OK)
			goto out;
		near = 1;
		if (!duerun_is(c.d.data, c.d.size)) {
			if ((rc = dbenv_cur_del(&c)) != STORE_OK)
				goto out;
			continue;
		}
		/* a run: gather its members in the batch, write it once */
		if (c.d.size > sizeof(run)) {
			rc = dbenv_fail(t, "corrupt due run");
			goto out;
		}
		memcpy(run, c.d.data, c.d.size);
		runlen = c.d.size;
		run_at = ck_at;
		gfrom = i;
		on = 1;
	}
	if (on) {
		g.v = later->v + gfrom;
		g.n = later->n - gfrom;
		g.one = NULL;
		rc = due_run_rewrite(&c, run_at, run, runlen, &g);
	}
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

/* One delivery of an entry: as rec (its due data: rlen > 0, it.entry)
 * says, else as its record says. */
static int
each_one(struct due_iter *it, struct store_txn *t, int64_t at,
    const char *id, const unsigned char *rec, size_t rlen)
{
	struct store_delivery d;
	int rc;

	if (it->skip != NULL && (rc = it->skip(id, it->arg)) != 0)
		return rc == 1 ? 0 : 1;
	if (it->entry && rlen > 0) {
		memset(&d, 0, sizeof(d));
		if (str_copy(d.id, sizeof(d.id), id) == -1)
			return dbenv_fail(t, "corrupt due index entry");
		if (rec_due_dec(rec, rlen, &d) == -1)
			return dbenv_fail(t, "corrupt due index entry");
		d.status = STORE_DLV_PENDING;
		d.next_attempt_at = at;
		return it->cb(&d, it->arg);
	}
	rc = store_delivery_get(t, id, &d);
	if (rc == STORE_NOTFOUND)
		return dbenv_fail(t,
		    "delivery index points at a missing delivery");
	if (rc != STORE_OK)
		return rc;
	return it->cb(&d, it->arg);
}

/* One entry: its delivery, or each member of its run in id order. */
static int
each_due(struct dbenv_cur *c, void *arg)
{
	struct due_iter *it = arg;
	struct duerun_member m;
	const char *prev = NULL;
	char id[STORE_ID_MAX + 1];
	int64_t at;
	size_t off = 1;
	int rc, r;

	if ((rc = due_cur_key(c, &at, id)) != STORE_OK)
		return rc;
	if (at > it->until)
		return 1;
	if (!duerun_is(c->d.data, c->d.size))
		return each_one(it, c->t, at, id, c->d.data, c->d.size);
	while ((r = duerun_next(c->d.data, c->d.size, &off, prev, &m)) == 1) {
		if ((rc = each_one(it, c->t, at, m.id, m.rec, m.rec_len)) != 0)
			return rc;
		prev = m.id;
	}
	return r == -1 ? dbenv_fail(c->t, "corrupt due run") : 0;
}

int
store_delivery_iter_due(struct store_txn *t, int64_t until,
    store_delivery_cb cb, void *arg)
{
	struct due_iter it = { cb, arg, until, NULL, 0 };
	struct key prefix;
	int rc;

	if ((rc = duerun_flush(t)) != STORE_OK)
		return rc;
	key_init(&prefix);
	return dbenv_walk(t, DBI_DLV_DUE, &prefix, NULL, -1, each_due, &it);
}

int
store_delivery_iter_due_skip(struct store_txn *t, int64_t until,
    int (*skip)(const char *id, void *arg), store_delivery_cb cb, void *arg)
{
	struct due_iter it = { cb, arg, until, skip, 1 };
	struct key prefix;
	int rc;

	if ((rc = duerun_flush(t)) != STORE_OK)
		return rc;
	key_init(&prefix);
	return dbenv_walk_bulk(t, DBI_DLV_DUE, &prefix, each_due, &it);
}

int
store_delivery_iter_due_from(struct store_txn *t, int64_t from_at,
    int64_t until,
    int (*skip)(const char *id, void *arg), store_delivery_cb cb, void *arg)
{
	struct due_iter it = { cb, arg, until, skip, 1 };
	struct key k;
	int rc;

	if ((rc = duerun_flush(t)) != STORE_OK)
		return rc;
	key_at(&k, from_at, "");
	return dbenv_walk_bulk(t, DBI_DLV_DUE, &k, each_due, &it);
}

int
store_delivery_next_due(struct store_txn *t, int64_t *at)
{
	struct dbenv_cur c;
	int rc;

	*at = 0;
	if ((rc = duerun_flush(t)) != STORE_OK)
		return rc;
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

int
due_count(struct store_txn *t, uint64_t *n)
{
	struct dbenv_cur c;
	struct duerun_member m;
	const char *prev;
	size_t off;
	int rc, r;

	*n = 0;
	if ((rc = duerun_flush(t)) != STORE_OK)
		return rc;
	if ((rc = dbenv_cur_open(t, DBI_DLV_DUE, -1, &c)) != STORE_OK)
		return rc;
	while ((rc = dbenv_cur_get(&c, DB_NEXT, NULL)) == STORE_OK) {
		if (!duerun_is(c.d.data, c.d.size)) {
			(*n)++;
			continue;
		}
		for (prev = NULL, off = 1; (r = duerun_next(c.d.data,
		    c.d.size, &off, prev, &m)) == 1; prev = m.id)
			(*n)++;
		if (r == -1) {
			rc = dbenv_fail(t, "corrupt due run");
			break;
		}
	}
	dbenv_cur_close(&c);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}
