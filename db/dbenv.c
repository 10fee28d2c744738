/*
 * dbenv.c - DB call wrappers for db/ (contracts in dbenv.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/keycmp.h"
#include "db/replenv.h"

static const char *
errno_hint(int ret)
{
	switch (ret) {
	case ENOSPC:
		return " (disk full)";
	case EDQUOT:
		return " (disk quota exceeded)";
	case EFBIG:
		return " (file size limit)";
	case EIO:
		return " (I/O error)";
	case EROFS:
		return " (read-only file system)";
	case EACCES:
	case EPERM:
		return " (permission denied)";
	case ENOMEM:
		return " (out of memory)";
	default:
		return "";
	}
}

int
dbenv_rc(struct store_txn *t, int ret, const char *what)
{
	char msg[sizeof(t->s->bdbmsg)];

	switch (ret) {
	case 0:
		return STORE_OK;
	case DB_NOTFOUND:
	case DB_KEYEMPTY:
		return STORE_NOTFOUND;
	case DB_KEYEXIST:
		return STORE_EXISTS;
	case DB_LOCK_DEADLOCK:
	case DB_LOCK_NOTGRANTED:
		return STORE_RETRY;
	case DB_RUNRECOVERY:
		__atomic_store_n(&t->s->dead, 1, __ATOMIC_RELEASE);
		break;
	/* replicated stores (db/repl.c) */
	case DB_REP_LOCKOUT:		/* a client syncing: shortly */
		if (t->s->repl != NULL)
			return STORE_RETRY;
		break;
	case DB_REP_HANDLE_DEAD:	/* rolled back under us: reopen */
		t->repdead = 1;
		if (!t->s->repl_process)	/* repl.c: that db only */
			__atomic_store_n(&t->s->dead, 1, __ATOMIC_RELEASE);
		break;
	case EACCES:			/* a write on a client */
		if (t->s->repl != NULL && t->s->env != NULL &&
		    !repl_env_master(t->s->env)) {
			snprintf(t->err, sizeof(t->err), "storage: %s: this "
			    "site is not the master", what);
			return STORE_NOTMASTER;
		}
		break;
	default:
		break;
	}
	env_msg(t->s, msg, sizeof(msg));
	if (msg[0] != '\0')
		snprintf(t->err, sizeof(t->err), "storage: %s: %s%s [%s]", what,
		    db_strerror(ret), errno_hint(ret), msg);
	else
		snprintf(t->err, sizeof(t->err), "storage: %s: %s%s", what,
		    db_strerror(ret), errno_hint(ret));
	return STORE_ERR;
}

int
dbenv_fail(struct store_txn *t, const char *what)
{
	snprintf(t->err, sizeof(t->err), "storage: %s", what);
	return STORE_ERR;
}

/* kd set to k, after checking k; write 1: refused in a read-only txn. */
static int
dbt_key(struct store_txn *t, DBT *kd, const struct key *k, int write)
{
	if (!key_ok(k))
		return dbenv_fail(t, "key too long");
	if (write && t->rdonly)
		return dbenv_fail(t, "write in a read-only transaction");
	memset(kd, 0, sizeof(*kd));
	kd->data = (void *)k->b;
	kd->size = (u_int32_t)k->len;
	return STORE_OK;
}

void
dbenv_key_room(DBT *kd, unsigned char *kb, const struct key *k)
{
	memcpy(kb, k->b, k->len);
	memset(kd, 0, sizeof(*kd));
	kd->data = kb;
	kd->size = (u_int32_t)k->len;
	kd->ulen = KEY_MAX;
	kd->flags = DB_DBT_USERMEM;
}

/* The get every dbenv_get* is: k into dd, which the caller has set up. */
static int
get_dbt(struct store_txn *t, enum dbi db, const struct key *k, DBT *dd,
    int rmw)
{
	unsigned char kb[KEY_MAX];
	DBT kd;
	int ret;

	if (!key_ok(k))
		return dbenv_fail(t, "key too long");
	dbenv_key_room(&kd, kb, k);
	ret = t->s->db[db]->get(t->s->db[db], t->txn, &kd, dd,
	    (rmw && !t->rdonly) ? DB_RMW : 0);
	if (ret == 0)
		return STORE_OK;
	if (ret == DB_BUFFER_SMALL)	/* only a whole read into buf can */
		return dbenv_fail(t, "record larger than its type allows (corrupt)");
	return dbenv_rc(t, ret, "get");
}

/* Into buf: the whole record, or its first cap bytes (head). */
static int
get_buf(struct store_txn *t, enum dbi db, const struct key *k,
    unsigned char *buf, size_t cap, size_t *len, int rmw, int head)
{
	DBT dd;
	int rc;

	memset(&dd, 0, sizeof(dd));
	dd.data = buf;
	dd.ulen = (u_int32_t)cap;
	dd.flags = DB_DBT_USERMEM;
	if (head) {
		dd.dlen = (u_int32_t)cap;
		dd.doff = 0;
		dd.flags |= DB_DBT_PARTIAL;
	}
	if ((rc = get_dbt(t, db, k, &dd, rmw)) == STORE_OK)
		*len = dd.size;
	return rc;
}

int
dbenv_get(struct store_txn *t, enum dbi db, const struct key *k,
    unsigned char *buf, size_t cap, size_t *len, int rmw)
{
	return get_buf(t, db, k, buf, cap, len, rmw, 0);
}

int
dbenv_get_head(struct store_txn *t, enum dbi db, const struct key *k,
    unsigned char *buf, size_t cap, size_t *len)
{
	return get_buf(t, db, k, buf, cap, len, 0, 1);
}

int
dbenv_get_alloc(struct store_txn *t, enum dbi db, const struct key *k,
    unsigned char **out, size_t *len, int rmw)
{
	DBT dd;
	int rc;

	*out = NULL;
	memset(&dd, 0, sizeof(dd));
	dd.flags = DB_DBT_MALLOC;
	if ((rc = get_dbt(t, db, k, &dd, rmw)) == STORE_OK) {
		*out = dd.data;
		*len = dd.size;
	}
	return rc;
}

int
dbenv_exists(struct store_txn *t, enum dbi db, const struct key *k, int rmw)
{
	DBT dd;

	memset(&dd, 0, sizeof(dd));
	dd.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;	/* read no data */
	return get_dbt(t, db, k, &dd, rmw);
}

/*
 * The put cursor of db in t: one per database per transaction, opened by
 * the second put and kept for the others, because DB->put opens and closes
 * a cursor of its own for every put (~1,500 instructions, a third of what
 * an index put costs besides its log record).  DB_CURSOR_BULK: a search
 * first tries the page of the cursor's last put, which is where the next
 * key of an appending writer (time-ordered ids) goes.  DBC_TRANSIENT (the
 * flag DB->put sets on its own cursor, in db.h with the DBC struct): a
 * put or get then runs on the cursor itself instead of on a duplicate
 * (__dbc_iput, __dbc_get), which would cost what the open and close
 * saved; the price is that the cursor's position is unknown after a
 * failed call, and dbenv_put never uses a position: each call searches
 * by its key.  NULL when db is not a B-tree (the queue counters), in a
 * read-only transaction, or for the first put to db in t: DB->put then.
 * The first: a transaction with one put per database (a single event)
 * would pay the public cursor calls' framing for nothing (~600 more per
 * database than DB->put's internal open and close).
 */
static struct txn_putc *
put_cursor(struct store_txn *t, enum dbi db, int *ret)
{
	struct txn_putc *pc = &t->putc[db];
	DB *dbp = t->s->db[db];
	DBC *c;

	*ret = 0;
	if (pc->c != NULL)
		return pc;
	if (dbp->type != DB_BTREE || t->rdonly || pc->puts++ == 0)
		return NULL;
	if ((*ret = dbp->cursor(dbp, t->txn, &c, DB_CURSOR_BULK)) != 0)
		return NULL;
#ifdef DBC_TRANSIENT
	c->flags |= DBC_TRANSIENT;
#endif
	pc->c = c;
	pc->last = 0;
	return pc;
}

/* Close t's put cursor of db, if open: before any other access that
 * deletes in db (dbenv_del, a walk's cursor), so that no deleted item is
 * left referenced by a cursor of ours (BDB would then only mark it until
 * the cursor closes). */
static int
put_cursor_close(struct store_txn *t, enum dbi db)
{
	DBC *c = t->putc[db].c;

	if (c == NULL)
		return STORE_OK;
	t->putc[db].c = NULL;
	t->putc[db].last = 0;
	return dbenv_rc(t, c->close(c), "cursor close");
}

int
dbenv_put_close(struct store_txn *t, int rc)
{
	size_t i;
	int r;

	for (i = 0; i < DBI_N; i++) {
		r = put_cursor_close(t, (enum dbi)i);
		if (rc == STORE_OK && r != STORE_OK)
			rc = r;
	}
	return rc;
}

/* 1 if kd is past the greatest key pc knows (pc->last 1). */
static int
put_past_last(const struct txn_putc *pc, const DBT *kd)
{
	DBT ld;

	memset(&ld, 0, sizeof(ld));
	ld.data = (void *)pc->lastkey;
	ld.size = (u_int32_t)pc->lastlen;
	return keycmp_compare(NULL, kd, &ld) > 0;
}

/*
 * Learn the database's greatest key (pc->last 0 -> 1 or -1): DB_LAST with
 * a write lock, at the first fresh create through pc.  That lock (a
 * transaction's: held to its end) is on the last leaf, and on every page
 * DB_LAST stepped back over to reach its key when the last ones hold
 * none: the pages any greater key would be put on.  So until this
 * transaction ends no other can put a key past it, and a key past it (and
 * past every key this transaction put since) is not taken: a create of
 * such a key needs no read of its own.
 */
static int
put_learn_last(struct store_txn *t, struct txn_putc *pc)
{
	DBT lk, ld;
	int ret;

	memset(&lk, 0, sizeof(lk));
	lk.data = pc->lastkey;
	lk.ulen = sizeof(pc->lastkey);
	lk.flags = DB_DBT_USERMEM;
	memset(&ld, 0, sizeof(ld));
	ld.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;	/* no data */
	ret = pc->c->get(pc->c, &lk, &ld, DB_LAST | DB_RMW);
	if (ret == 0) {
		pc->last = 1;
		pc->lastlen = lk.size;
		return STORE_OK;
	}
	pc->last = -1;		/* empty, or a key too long: read each */
	if (ret == DB_NOTFOUND || ret == DB_BUFFER_SMALL)
		return STORE_OK;
	return dbenv_rc(t, ret, "put");
}

/*
 * The put of kd, dd through pc.  create: DB_NOOVERWRITE's refusal, which
 * DBC->put does not take: a read of kd with a write lock (the page lock
 * DB->put's own search would take), then the put; DBENV_PUT_FRESH (a key
 * just made by id_new: after every other, but for another process's
 * clock) skips the read when kd is past the last key (put_learn_last).
 */
static int
put_cur(struct store_txn *t, struct txn_putc *pc, DBT *kd, DBT *dd,
    int create)
{
	unsigned char kb[KEY_MAX];
	DBT gk, gd;
	int ret, rc, past = 0;

	if (create == DBENV_PUT_FRESH && pc->last == 0 &&
	    (rc = put_learn_last(t, pc)) != STORE_OK)
		return rc;
	if (pc->last == 1)
		past = put_past_last(pc, kd);
	if (create && !(create == DBENV_PUT_FRESH && past)) {
		memcpy(kb, kd->data, kd->size);
		memset(&gk, 0, sizeof(gk));
		gk.data = kb;
		gk.size = kd->size;
		gk.ulen = KEY_MAX;
		gk.flags = DB_DBT_USERMEM;
		memset(&gd, 0, sizeof(gd));
		gd.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;	/* no data */
		ret = pc->c->get(pc->c, &gk, &gd, DB_SET | DB_RMW);
		if (ret == 0)
			return STORE_EXISTS;
		if (ret != DB_NOTFOUND)
			return dbenv_rc(t, ret, "put");
	}
	if ((rc = dbenv_rc(t, pc->c->put(pc->c, kd, dd, DB_KEYLAST), "put")) !=
	    STORE_OK)
		return rc;
	if (past) {
		/* every put, not only creates: the last key stays the
		 * greatest this transaction may have written */
		if (kd->size <= sizeof(pc->lastkey)) {
			memcpy(pc->lastkey, kd->data, kd->size);
			pc->lastlen = kd->size;
		} else
			pc->last = -1;
	}
	return STORE_OK;
}

int
dbenv_put(struct store_txn *t, enum dbi db, const struct key *k,
    const void *data, size_t len, int create)
{
	struct txn_putc *pc;
	DBT kd, dd;
	int ret;

	if (dbt_key(t, &kd, k, 1) != STORE_OK)
		return STORE_ERR;
	if (db == DBI_WH)
		txn_order_forget(t);
	memset(&dd, 0, sizeof(dd));
	dd.data = (void *)data;
	dd.size = (u_int32_t)len;
	if ((pc = put_cursor(t, db, &ret)) != NULL)
		return put_cur(t, pc, &kd, &dd, create);
	if (ret != 0)
		return dbenv_rc(t, ret, "cursor");
	ret = t->s->db[db]->put(t->s->db[db], t->txn, &kd, &dd,
	    create ? DB_NOOVERWRITE : 0);
	return dbenv_rc(t, ret, "put");
}

int
dbenv_del(struct store_txn *t, enum dbi db, const struct key *k)
{
	DBT kd;
	int ret;

	if (dbt_key(t, &kd, k, 1) != STORE_OK)
		return STORE_ERR;
	if (db == DBI_WH)
		txn_order_forget(t);
	if (put_cursor_close(t, db) != STORE_OK)
		return STORE_ERR;
	ret = t->s->db[db]->del(t->s->db[db], t->txn, &kd, 0);
	return dbenv_rc(t, ret, "del");
}

int
dbenv_cur_open(struct store_txn *t, enum dbi db, long dlen,
    struct dbenv_cur *c)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->t = t;
	c->db = db;
	c->dlen = dlen;
	c->k.flags = DB_DBT_REALLOC;
	c->d.flags = DB_DBT_REALLOC;
	if (dlen >= 0) {
		c->d.flags |= DB_DBT_PARTIAL;
		c->d.dlen = (u_int32_t)dlen;
		c->d.doff = 0;
	}
	/* it may delete (walks, dbenv_cur_del) */
	if (!t->rdonly && put_cursor_close(t, db) != STORE_OK)
		return STORE_ERR;
	ret = t->s->db[db]->cursor(t->s->db[db], t->txn, &c->c,
	    t->rdonly ? DB_READ_COMMITTED : 0);
	if (ret != 0) {
		c->c = NULL;
		return dbenv_rc(t, ret, "cursor");
	}
	return STORE_OK;
}

int
dbenv_cur_get(struct dbenv_cur *c, int flag, const struct key *k)
{
	void *p;
	int ret;

	if (c->c == NULL)	/* dbenv_cur_open failed: no cursor to read */
		return dbenv_fail(c->t, "cursor not open");
	if ((flag & DB_OPFLAGS_MASK) == DB_SET_RANGE) {
		if (!key_ok(k))
			return dbenv_fail(c->t, "key too long");
		/* The key DBT is input and output here: give BDB our own
		 * heap copy it may realloc. */
		if ((p = realloc(c->k.data, k->len ? k->len : 1)) == NULL)
			return dbenv_fail(c->t, "out of memory");
		memcpy(p, k->b, k->len);
		c->k.data = p;
		c->k.size = (u_int32_t)k->len;
	}
	ret = c->c->get(c->c, &c->k, &c->d, (u_int32_t)flag);
	return dbenv_rc(c->t, ret, "cursor get");
}

int
dbenv_cur_del(struct dbenv_cur *c)
{
	if (c->t->rdonly)
		return dbenv_fail(c->t, "write in a read-only transaction");
	if (c->db == DBI_WH)
		txn_order_forget(c->t);
	return dbenv_rc(c->t, c->c->del(c->c, 0), "cursor del");
}

int
dbenv_cur_set(struct dbenv_cur *c, const struct key *k, unsigned char *buf,
    size_t cap, size_t *len, int rmw)
{
	unsigned char kb[KEY_MAX];
	DBT kd, dd;
	int ret;

	if (c->c == NULL)
		return dbenv_fail(c->t, "cursor not open");
	if (!key_ok(k))
		return dbenv_fail(c->t, "key too long");
	dbenv_key_room(&kd, kb, k);
	memset(&dd, 0, sizeof(dd));
	dd.data = buf;
	dd.ulen = (u_int32_t)cap;
	dd.flags = DB_DBT_USERMEM;
	ret = c->c->get(c->c, &kd, &dd,
	    DB_SET | (rmw && !c->t->rdonly ? DB_RMW : 0));
	if (ret == DB_BUFFER_SMALL)
		return dbenv_fail(c->t,
		    "record larger than its type allows (corrupt)");
	if (ret == 0)
		*len = dd.size;
	return dbenv_rc(c->t, ret, "cursor get");
}

/* A put through cursor c: key kd (ignored with DB_CURRENT), flag
 * DB_KEYLAST or DB_CURRENT. */
static int
cur_put(struct dbenv_cur *c, DBT *kd, const void *data, size_t len,
    u_int32_t flag)
{
	DBT dd;

	if (c->t->rdonly)
		return dbenv_fail(c->t, "write in a read-only transaction");
	if (c->c == NULL)
		return dbenv_fail(c->t, "cursor not open");
	if (c->db == DBI_WH)
		txn_order_forget(c->t);
	memset(&dd, 0, sizeof(dd));
	dd.data = (void *)data;
	dd.size = (u_int32_t)len;
	return dbenv_rc(c->t, c->c->put(c->c, kd, &dd, flag), "cursor put");
}

int
dbenv_cur_put(struct dbenv_cur *c, const struct key *k, const void *data,
    size_t len)
{
	unsigned char kb[KEY_MAX];
	DBT kd;

	if (!key_ok(k))
		return dbenv_fail(c->t, "key too long");
	dbenv_key_room(&kd, kb, k);
	return cur_put(c, &kd, data, len, DB_KEYLAST);
}

int
dbenv_cur_put_current(struct dbenv_cur *c, const void *data, size_t len)
{
	DBT kd;

	memset(&kd, 0, sizeof(kd));
	return cur_put(c, &kd, data, len, DB_CURRENT);
}

void
dbenv_cur_close(struct dbenv_cur *c)
{
	int ret;

	if (c->c != NULL) {
		ret = c->c->close(c->c);
		if (ret != 0)
			(void)dbenv_rc(c->t, ret, "cursor close");
		c->c = NULL;
	}
	free(c->k.data);
	free(c->d.data);
	c->k.data = NULL;
	c->d.data = NULL;
}

/* prefix + s (+ its NUL) as a search key. */
static void
key_plus(struct key *out, const struct key *prefix, const char *s)
{
	key_init(out);
	key_raw(out, prefix->b, prefix->len);
	if (s != NULL && s[0] != '\0')
		key_str(out, s);
}

/*
 * Every walk's loop, on an open cursor c already positioned (rc: how that
 * went): fn on each entry while its key has prefix, moving by step (DB_NEXT
 * or DB_PREV); an entry whose key is skip (not NULL) is passed over.  What
 * fn ends with is returned as it is; else OK at the end.  Closes c.
 */
static int
walk_run(struct dbenv_cur *c, int rc, int step, const struct key *prefix,
    const struct key *skip, int (*fn)(struct dbenv_cur *c, void *arg),
    void *arg)
{
	int r;

	while (rc == STORE_OK) {
		if (!key_has_prefix(c->k.data, c->k.size, prefix))
			break;
		if (skip == NULL || c->k.size != skip->len ||
		    memcmp(c->k.data, skip->b, skip->len) != 0) {
			r = fn(c, arg);
			if (r != 0) {
				rc = r > 0 ? STORE_OK : r;
				goto out;
			}
		}
		rc = dbenv_cur_get(c, step, NULL);
	}
	if (rc == STORE_NOTFOUND)
		rc = STORE_OK;
out:
	dbenv_cur_close(c);
	return rc;
}

int
dbenv_walk_back(struct store_txn *t, enum dbi db, const struct key *prefix,
    const char *before, long dlen,
    int (*fn)(struct dbenv_cur *c, void *arg), void *arg)
{
	struct dbenv_cur c;
	struct key start;
	int rc;

	key_plus(&start, prefix, before);
	if (before == NULL || before[0] == '\0') {
		/* Just past every key with this prefix: the prefix with its
		 * last byte incremented, or the end when that overflows. */
		size_t i = start.len;

		while (i > 0 && start.b[i - 1] == 0xff)
			i--;
		start.len = i;
		if (i > 0)
			start.b[i - 1]++;
	}
	if ((rc = dbenv_cur_open(t, db, dlen, &c)) != STORE_OK)
		return rc;
	if (start.len == 0)
		rc = dbenv_cur_get(&c, DB_LAST, NULL);
	else {
		rc = dbenv_cur_get(&c, DB_SET_RANGE, &start);
		if (rc == STORE_OK)
			rc = dbenv_cur_get(&c, DB_PREV, NULL);
		else if (rc == STORE_NOTFOUND)
			rc = dbenv_cur_get(&c, DB_LAST, NULL);
	}
	return walk_run(&c, rc, DB_PREV, prefix, NULL, fn, arg);
}

/* dbenv_walk's start: the keys with prefix from start on (the start key
 * itself passed over when skip_start), forward. */
static int
walk(struct store_txn *t, enum dbi db, const struct key *prefix,
    const struct key *start, int skip_start, long dlen,
    int (*fn)(struct dbenv_cur *c, void *arg), void *arg)
{
	struct dbenv_cur c;
	int rc;

	if ((rc = dbenv_cur_open(t, db, dlen, &c)) != STORE_OK)
		return rc;
	if (start->len == 0)
		rc = dbenv_cur_get(&c, DB_FIRST, NULL);
	else
		rc = dbenv_cur_get(&c, DB_SET_RANGE, start);
	return walk_run(&c, rc, DB_NEXT, prefix, skip_start ? start : NULL,
	    fn, arg);
}

int
dbenv_walk(struct store_txn *t, enum dbi db, const struct key *prefix,
    const char *after, long dlen,
    int (*fn)(struct dbenv_cur *c, void *arg), void *arg)
{
	struct key start;

	key_plus(&start, prefix, after);
	return walk(t, db, prefix, &start, after != NULL && after[0] != '\0',
	    dlen, fn, arg);
}

int
dbenv_walk_from(struct store_txn *t, enum dbi db, const struct key *start,
    int exclusive, long dlen, int (*fn)(struct dbenv_cur *c, void *arg),
    void *arg)
{
	struct key all;

	key_init(&all);
	return walk(t, db, &all, start, exclusive, dlen, fn, arg);
}
