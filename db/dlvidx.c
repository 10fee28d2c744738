/*
 * dlvidx.c - the deliveries' app and webhook indices (deliveries_app.db,
 * deliveries_webhook.db): entries that list a run of deliveries, their
 * writes gathered per transaction, and the newest-first walk (contracts
 * in dbenv.h).
 *
 * Entry: key owner id \0 + delivery id \0 (the owner an app or a webhook).
 * Data empty: a one-delivery entry (every entry of a store written before
 * runs; a transaction's lone delivery of an owner).  Data DLVIDX_V1 then
 * delivery ids, each \0-terminated, ascending and all after the key's:
 * the key's delivery is the run's first member.  A batch of events to one
 * app writes one entry per index for up to ~116 deliveries instead of one
 * put per delivery per index.  A new layout of the data needs a new
 * version byte; readers refuse one they do not know.
 *
 * The rule that keeps the walk simple: an owner's entries do not
 * interleave.  Every member of an entry sorts before the next entry's
 * key, so the entries' members in key order are the deliveries in id
 * order, and newest first is the entries backwards, each one's members
 * backwards.  Ids are time-ordered and one process makes them in order,
 * so a run's members are above every entry already there; but another
 * process may commit ids of the same moment.  So a run is put through a
 * cursor that then steps to its neighbours (write-locked): when one
 * overlaps it, they and the run become one sorted list again, written as
 * new entries (run_merge: rare, and exact).
 *
 * Per transaction (struct store_txn's dlvidx), each index has a few open
 * entries, at most one per owner: a run being made (dlvidx_add), or a
 * stored entry being cut (dlvidx_del: retention removes a run's members
 * in one transaction, so the entry is written back once, not once per
 * member).  They are written back when their slot is needed, before the
 * index is read in the transaction (dlvidx_walk_back), and before the
 * commit (dlvidx_end).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "lib/str.h"

#define DLVIDX_V1 1

/* A run's data at most: on-page in a 16 KiB index page (no overflow
 * pages), ~116 generated ids. */
#define DLVIDX_DATA_MAX 3600

/* open entries per index per transaction */
#define DLVIDX_SLOTS 4

struct slot {
	int used;
	int stored;	/* 1: an entry of the index (key: its key); 0: new run */
	int dirty;
	char owner[STORE_ID_MAX + 1];
	char key[STORE_ID_MAX + 1];	/* stored: its key's delivery id */
	size_t n;	/* members */
	size_t len;	/* bytes of members in m: each id \0, ascending */
	size_t last;	/* where the last member starts in m */
	unsigned char m[DLVIDX_DATA_MAX + STORE_ID_MAX + 1];
};

struct dlvidx {
	struct slot s[2][DLVIDX_SLOTS];	/* [0] by app, [1] by webhook */
	unsigned next[2];		/* the slot the next one replaces */
};

static int
which(enum dbi db)
{
	return db == DBI_DLV_WH;
}

/* ---- an entry's data --------------------------------------------------- */

/*
 * Check the data of an entry (d, dlen bytes): empty, or the version byte
 * then ids, each 1..STORE_ID_MAX bytes and \0-terminated.  STORE_OK or
 * a failure.
 */
static int
data_check(struct store_txn *t, const unsigned char *d, size_t dlen)
{
	const unsigned char *nul;
	size_t off;

	if (dlen == 0)
		return STORE_OK;
	if (d[0] != DLVIDX_V1)
		return dbenv_fail(t,
		    "delivery index entry of an unknown version");
	if (dlen == 1 || dlen > DLVIDX_DATA_MAX)
		return dbenv_fail(t, "corrupt delivery index entry");
	for (off = 1; off < dlen; off = (size_t)(nul - d) + 1) {
		nul = memchr(d + off, '\0', dlen - off);
		if (nul == NULL || nul == d + off ||
		    (size_t)(nul - (d + off)) > STORE_ID_MAX)
			return dbenv_fail(t, "corrupt delivery index entry");
	}
	return STORE_OK;
}

/* The last member of checked data d (dlen > 1 bytes). */
static const char *
data_last(const unsigned char *d, size_t dlen)
{
	size_t i = dlen - 1;	/* its \0 */

	while (i > 1 && d[i - 1] != '\0')
		i--;
	return (const char *)d + i;
}

/* ---- open entries ------------------------------------------------------ */

static void
slot_member(struct slot *o, const char *id, size_t l)
{
	o->last = o->len;
	memcpy(o->m + o->len, id, l);
	o->len += l;
	o->n++;
}

/* A stored entry (key id kid, checked data d of dlen) into free slot o. */
static void
slot_load(struct slot *o, const char *owner, const char *kid,
    const unsigned char *d, size_t dlen)
{
	size_t off, l;

	memset(o, 0, offsetof(struct slot, m));
	o->used = o->stored = 1;
	/* lengths checked: open_idx, key_tail_str */
	(void)str_copy(o->owner, sizeof(o->owner), owner);
	(void)str_copy(o->key, sizeof(o->key), kid);
	slot_member(o, kid, strlen(kid) + 1);
	for (off = 1; off < dlen; off += l) {
		l = strlen((const char *)d + off) + 1;
		slot_member(o, (const char *)d + off, l);
	}
}

/* Remove member id of o: 1 if it was one, else 0. */
static int
slot_remove(struct slot *o, const char *id)
{
	size_t off, l, prev = 0;

	for (off = 0; off < o->len; off += l) {
		l = strlen((const char *)o->m + off) + 1;
		if (strcmp((const char *)o->m + off, id) == 0) {
			memmove(o->m + off, o->m + off + l, o->len - off - l);
			o->len -= l;
			o->n--;
			if (o->last == off)	/* it was the last */
				o->last = prev;
			else if (o->last > off)
				o->last -= l;
			o->dirty = 1;
			return 1;
		}
		prev = off;
	}
	return 0;
}

/* The data of the entry whose members are o's (the first is the key's):
 * into buf (DLVIDX_DATA_MAX bytes), its size returned. */
static size_t
slot_data(const struct slot *o, unsigned char *buf)
{
	size_t fl = strlen((const char *)o->m) + 1;

	if (o->n <= 1)
		return 0;
	buf[0] = DLVIDX_V1;
	memcpy(buf + 1, o->m + fl, o->len - fl);
	return 1 + o->len - fl;
}

/* ---- writing a run ----------------------------------------------------- */

/* A sorted list of ids being merged (run_merge). */
struct ids {
	char **v;
	size_t n, cap;
};

static int
ids_add(struct ids *l, const char *id)
{
	char **v;

	if (l->n == l->cap) {
		if ((v = realloc(l->v, (l->cap ? l->cap * 2 : 256) *
		    sizeof(*v))) == NULL)
			return -1;
		l->v = v;
		l->cap = l->cap ? l->cap * 2 : 256;
	}
	if ((l->v[l->n] = strdup(id)) == NULL)
		return -1;
	l->n++;
	return 0;
}

/* The members of the entry under c (key id kid) onto l. */
static int
ids_add_entry(struct store_txn *t, struct ids *l, const char *kid,
    const struct dbenv_cur *c)
{
	const unsigned char *d = c->d.data;
	size_t off;
	int rc;

	if ((rc = data_check(t, d, c->d.size)) != STORE_OK)
		return rc;
	if (ids_add(l, kid) == -1)
		return dbenv_fail(t, "out of memory");
	for (off = 1; off < c->d.size; off += strlen((const char *)d + off) + 1)
		if (ids_add(l, (const char *)d + off) == -1)
			return dbenv_fail(t, "out of memory");
	return STORE_OK;
}

static int
ids_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
ids_free(struct ids *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The greatest id of l into max (STORE_ID_MAX + 1 bytes; "" when l is
 * empty). */
static void
ids_max(const struct ids *l, char *max)
{
	const char *m = "";
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], m) > 0)
			m = l->v[i];
	(void)str_copy(max, STORE_ID_MAX + 1, m);	/* data_check'd */
}

/*
 * The key id of the entry under c, which has owner prefix p: into kid.
 * 1 when it is one of the owner's (c's rc STORE_OK), 0 when not
 * (STORE_NOTFOUND or another owner's), or a failure.
 */
static int
cur_entry(struct store_txn *t, int rc, const struct dbenv_cur *c,
    const struct key *p, char *kid)
{
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc != STORE_OK)
		return rc;
	if (!key_has_prefix(c->k.data, c->k.size, p))
		return 0;
	if (key_tail_str(c->k.data, c->k.size, p->len, kid,
	    STORE_ID_MAX + 1) == -1)
		return dbenv_fail(t, "corrupt delivery index key");
	return 1;
}

/* Put entries for the sorted, distinct ids v[0..n): as many members per
 * entry as DLVIDX_DATA_MAX allows. */
static int
put_chunks(struct store_txn *t, enum dbi db, const char *owner,
    char *const *v, size_t n)
{
	unsigned char buf[DLVIDX_DATA_MAX];
	struct key k;
	size_t i = 0, j, len, l;
	int rc;

	while (i < n) {
		buf[0] = DLVIDX_V1;
		len = 1;
		for (j = i + 1; j < n; j++) {
			l = strlen(v[j]) + 1;
			if (len + l > sizeof(buf))
				break;
			memcpy(buf + len, v[j], l);
			len += l;
		}
		key_pair(&k, owner, v[i]);
		if ((rc = dbenv_put(t, db, &k, buf, len > 1 ? len : 0, 0)) !=
		    STORE_OK)
			return rc;
		i = j;
	}
	return STORE_OK;
}

/*
 * Run o overlaps entries of its owner: those (the one before o's first
 * member when it reaches past it, and every one from there to o's last
 * member, and on while they reach further) and o's members sorted into
 * one list, the old entries deleted, the list written as new entries.
 */
static int
run_merge(struct store_txn *t, enum dbi db, const struct slot *o)
{
	struct ids l = { NULL, 0, 0 }, del = { NULL, 0, 0 };
	char kid[STORE_ID_MAX + 1], max[STORE_ID_MAX + 1];
	struct dbenv_cur c;
	struct key p, k;
	size_t i, off, n;
	int rc, r;

	key_pair(&p, o->owner, NULL);
	key_pair(&k, o->owner, (const char *)o->m);
	for (off = 0, rc = STORE_OK; off < o->len && rc == STORE_OK;
	    off += strlen((const char *)o->m + off) + 1)
		if (ids_add(&l, (const char *)o->m + off) == -1)
			rc = dbenv_fail(t, "out of memory");
	if (rc != STORE_OK || (rc = dbenv_cur_open(t, db, -1, &c)) != STORE_OK)
		goto out;
	r = dbenv_cur_get(&c, DB_SET_RANGE | DB_RMW, &k);
	if (r == STORE_OK || r == STORE_NOTFOUND)
		r = cur_entry(t, dbenv_cur_get(&c, r == STORE_OK ?
		    DB_PREV | DB_RMW : DB_LAST | DB_RMW, NULL), &c, &p, kid);
	if (r == 1 && (rc = data_check(t, c.d.data, c.d.size)) == STORE_OK &&
	    strcmp(c.d.size > 0 ? data_last(c.d.data, c.d.size) : kid,
	    (const char *)o->m) >= 0) {
		if ((rc = ids_add_entry(t, &l, kid, &c)) == STORE_OK &&
		    ids_add(&del, kid) == -1)
			rc = dbenv_fail(t, "out of memory");
	} else if (r < 0)
		rc = r;
	ids_max(&l, max);
	r = cur_entry(t, rc == STORE_OK ? dbenv_cur_get(&c, DB_SET_RANGE |
	    DB_RMW, &k) : rc, &c, &p, kid);
	while (r == 1 && strcmp(kid, max) <= 0) {
		if ((rc = ids_add_entry(t, &l, kid, &c)) != STORE_OK)
			break;
		if (ids_add(&del, kid) == -1) {
			rc = dbenv_fail(t, "out of memory");
			break;
		}
		ids_max(&l, max);
		r = cur_entry(t, dbenv_cur_get(&c, DB_NEXT | DB_RMW, NULL), &c,
		    &p, kid);
	}
	if (rc == STORE_OK && r < 0)
		rc = r;
	dbenv_cur_close(&c);
	for (i = 0; rc == STORE_OK && i < del.n; i++) {
		key_pair(&k, o->owner, del.v[i]);
		rc = dbenv_del(t, db, &k);
	}
	if (rc != STORE_OK)
		goto out;
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), ids_cmp);
	for (i = n = 0; i < l.n; i++) {		/* distinct */
		if (n > 0 && strcmp(l.v[n - 1], l.v[i]) == 0) {
			free(l.v[i]);
			continue;
		}
		l.v[n++] = l.v[i];
	}
	l.n = n;
	rc = put_chunks(t, db, o->owner, l.v, l.n);
out:
	ids_free(&l);
	ids_free(&del);
	return rc;
}

/*
 * New run o into the index: put through a cursor, which then steps to its
 * neighbours (write-locked, no new search): the entry before must end
 * before o's first member, the one after (for a run of more than one:
 * any key after o's is after o's only member) must start after o's last;
 * run_merge when either overlaps (it reads o's new entry as one of those
 * it merges).
 */
static int
run_write(struct store_txn *t, enum dbi db, const struct slot *o)
{
	unsigned char buf[DLVIDX_DATA_MAX];
	char kid[STORE_ID_MAX + 1];
	struct dbenv_cur c;
	struct key p, k;
	int rc, prc, r, over = 0;

	key_pair(&p, o->owner, NULL);
	key_pair(&k, o->owner, (const char *)o->m);
	if ((rc = dbenv_cur_open(t, db, -1, &c)) != STORE_OK)
		return rc;
	if ((rc = dbenv_cur_put(&c, &k, buf, slot_data(o, buf))) !=
	    STORE_OK)
		goto out;
	prc = dbenv_cur_get(&c, DB_PREV | DB_RMW, NULL);
	r = cur_entry(t, prc, &c, &p, kid);
	if (r == 1 && (r = data_check(t, c.d.data, c.d.size)) == STORE_OK)
		over = strcmp(c.d.size > 0 ? data_last(c.d.data, c.d.size) :
		    kid, (const char *)o->m) >= 0;
	if (r >= 0 && !over && o->n > 1) {
		/* back onto o's entry (a get that found nothing did not
		 * move), then the one after it */
		r = prc == STORE_OK ? dbenv_cur_get(&c, DB_NEXT, NULL) :
		    STORE_OK;
		if (r == STORE_OK)
			r = cur_entry(t, dbenv_cur_get(&c, DB_NEXT | DB_RMW,
			    NULL), &c, &p, kid);
		if (r == 1)
			over = strcmp(kid, (const char *)o->m + o->last) <= 0;
	}
	rc = r < 0 ? r : STORE_OK;
out:
	dbenv_cur_close(&c);
	if (rc == STORE_OK && over)
		rc = run_merge(t, db, o);
	return rc;
}

/* Write back o (when it changed) and free it. */
static int
slot_write(struct store_txn *t, enum dbi db, struct slot *o)
{
	unsigned char buf[DLVIDX_DATA_MAX];
	struct key k;
	int rc;

	if (!o->used)
		return STORE_OK;
	o->used = 0;
	if (!o->dirty)
		return STORE_OK;
	if (!o->stored)
		return run_write(t, db, o);
	/* members removed only: no new overlap */
	key_pair(&k, o->owner, o->key);
	if (o->n == 0 || strcmp((const char *)o->m, o->key) != 0) {
		rc = dbenv_del(t, db, &k);
		if (rc != STORE_OK || o->n == 0)
			return rc;
		key_pair(&k, o->owner, (const char *)o->m);
	}
	return dbenv_put(t, db, &k, buf, slot_data(o, buf), 0);
}

/* The open entry of owner in index w, or NULL. */
static struct slot *
slot_find(struct dlvidx *x, int w, const char *owner)
{
	int i;

	for (i = 0; i < DLVIDX_SLOTS; i++)
		if (x->s[w][i].used && strcmp(x->s[w][i].owner, owner) == 0)
			return &x->s[w][i];
	return NULL;
}

/* A free slot of index w for owner (its open entry written back first,
 * else a free one, else the oldest written back): *op. */
static int
slot_take(struct store_txn *t, enum dbi db, const char *owner,
    struct slot **op)
{
	struct dlvidx *x = t->dlvidx;
	int w = which(db), i;
	struct slot *o;

	if ((o = slot_find(x, w, owner)) == NULL) {
		for (i = 0; i < DLVIDX_SLOTS && o == NULL; i++)
			if (!x->s[w][i].used)
				o = &x->s[w][i];
		if (o == NULL)
			o = &x->s[w][x->next[w]++ % DLVIDX_SLOTS];
	}
	*op = o;
	return slot_write(t, db, o);
}

static int
open_idx(struct store_txn *t, const char *owner, const char *id)
{
	size_t ol = strlen(owner), il = strlen(id);
	int w, i;

	if (ol == 0 || ol > STORE_ID_MAX || il == 0 || il > STORE_ID_MAX)
		return dbenv_fail(t, "delivery index: id empty or too long");
	if (t->dlvidx != NULL)
		return STORE_OK;
	/* not zeroed whole: only the flags say what is in use */
	if ((t->dlvidx = malloc(sizeof(*t->dlvidx))) == NULL)
		return dbenv_fail(t, "out of memory");
	for (w = 0; w < 2; w++) {
		for (i = 0; i < DLVIDX_SLOTS; i++)
			t->dlvidx->s[w][i].used = 0;
		t->dlvidx->next[w] = 0;
	}
	return STORE_OK;
}

/* ---- the contract ------------------------------------------------------ */

int
dlvidx_add(struct store_txn *t, enum dbi db, const char *owner,
    const char *id)
{
	struct slot *o;
	size_t l = strlen(id) + 1;
	int rc;

	if ((rc = open_idx(t, owner, id)) != STORE_OK)
		return rc;
	o = slot_find(t->dlvidx, which(db), owner);
	if (o != NULL && !o->stored &&
	    strcmp(id, (const char *)o->m + o->last) > 0 &&
	    1 + o->len - (strlen((const char *)o->m) + 1) + l <=
	    DLVIDX_DATA_MAX) {
		slot_member(o, id, l);
		return STORE_OK;
	}
	if ((rc = slot_take(t, db, owner, &o)) != STORE_OK)
		return rc;
	memset(o, 0, offsetof(struct slot, m));
	o->used = o->dirty = 1;
	(void)str_copy(o->owner, sizeof(o->owner), owner);	/* open_idx */
	slot_member(o, id, l);
	return STORE_OK;
}

int
dlvidx_del(struct store_txn *t, enum dbi db, const char *owner,
    const char *id)
{
	char kid[STORE_ID_MAX + 1];
	struct dbenv_cur c;
	struct slot *o;
	struct key p, k;
	int rc, r;

	if ((rc = open_idx(t, owner, id)) != STORE_OK)
		return rc;
	o = slot_find(t->dlvidx, which(db), owner);
	if (o != NULL && slot_remove(o, id))
		return STORE_OK;
	if ((rc = slot_take(t, db, owner, &o)) != STORE_OK)
		return rc;
	/* the entry that lists id: its key, or the one before it */
	key_pair(&p, owner, NULL);
	key_pair(&k, owner, id);
	if ((rc = dbenv_cur_open(t, db, -1, &c)) != STORE_OK)
		return rc;
	rc = dbenv_cur_get(&c, DB_SET_RANGE | DB_RMW, &k);
	r = cur_entry(t, rc, &c, &p, kid);
	if (r >= 0 && (r == 0 || strcmp(kid, id) != 0))
		r = cur_entry(t, dbenv_cur_get(&c, rc == STORE_OK ?
		    DB_PREV | DB_RMW : DB_LAST | DB_RMW, NULL), &c, &p, kid);
	if (r == 1 && (r = data_check(t, c.d.data, c.d.size)) == STORE_OK) {
		slot_load(o, owner, kid, c.d.data, c.d.size);
		(void)slot_remove(o, id);	/* absent: nothing to do */
	}
	dbenv_cur_close(&c);
	return r < 0 ? r : STORE_OK;
}

int
dlvidx_end(struct store_txn *t, int rc)
{
	int w, i, r;

	if (t->dlvidx == NULL)
		return rc;
	for (w = 0; w < 2; w++)
		for (i = 0; i < DLVIDX_SLOTS; i++) {
			r = rc == STORE_OK ? slot_write(t, w ? DBI_DLV_WH :
			    DBI_DLV_APP, &t->dlvidx->s[w][i]) : STORE_OK;
			if (rc == STORE_OK)
				rc = r;
		}
	free(t->dlvidx);
	t->dlvidx = NULL;
	return rc;
}

/* ---- the walk ---------------------------------------------------------- */

struct walk {
	const struct key *p;
	const char *before;	/* NULL: all */
	int (*fn)(struct store_txn *t, const char *id, void *arg);
	void *arg;
};

static int
walk_member(struct store_txn *t, const struct walk *wk, const char *id)
{
	if (wk->before != NULL && strcmp(id, wk->before) >= 0)
		return 0;
	return wk->fn(t, id, wk->arg);
}

/* An entry, newest member first. */
static int
walk_entry(struct dbenv_cur *c, void *arg)
{
	const struct walk *wk = arg;
	const unsigned char *d = c->d.data;
	char kid[STORE_ID_MAX + 1];
	size_t end, i;
	int rc;

	if (key_tail_str(c->k.data, c->k.size, wk->p->len, kid,
	    sizeof(kid)) == -1)
		return dbenv_fail(c->t, "corrupt delivery index key");
	if ((rc = data_check(c->t, d, c->d.size)) != STORE_OK)
		return rc;
	for (end = c->d.size; end > 1; end = i) {
		/* the member whose \0 is at end - 1 starts at i */
		for (i = end - 1; i > 1 && d[i - 1] != '\0'; i--)
			;
		if ((rc = walk_member(c->t, wk, (const char *)d + i)) != 0)
			return rc;
	}
	return walk_member(c->t, wk, kid);
}

int
dlvidx_walk_back(struct store_txn *t, enum dbi db, const char *owner,
    const char *before, int (*fn)(struct store_txn *t, const char *id,
    void *arg), void *arg)
{
	struct walk wk;
	struct key p;
	int w, i, rc;

	/* this transaction's own entries first */
	for (w = which(db), i = 0; t->dlvidx != NULL &&
	    i < DLVIDX_SLOTS; i++)
		if ((rc = slot_write(t, db, &t->dlvidx->s[w][i])) != STORE_OK)
			return rc;
	key_pair(&p, owner, NULL);
	wk.p = &p;
	wk.before = before != NULL && before[0] != '\0' ? before : NULL;
	wk.fn = fn;
	wk.arg = arg;
	return dbenv_walk_back(t, db, &p, wk.before, -1, walk_entry, &wk);
}
