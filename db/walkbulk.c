/*
 * walkbulk.c - forward index walks read in bulk (dbenv.h,
 * dbenv_walk_bulk): one cursor call (DB_MULTIPLE_KEY) fills a buffer with
 * many key/data pairs, where a DB_NEXT per entry costs BDB a cursor
 * duplicate, a cleanup and a page latch each (the due walk of every pick).
 */
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"

/* The first buffer: a multiple of 1024 and at least the page size (BDB's
 * conditions for a bulk buffer), some 100 due entries. */
#define WALKBULK_BUF (16 * 1024)
/* No buffer grows past this (a record larger than it is corrupt). */
#define WALKBULK_MAX (4 * 1024 * 1024)

/* fn on each pair of the filled buffer bd, through c; what fn ends with
 * (1 stop, < 0 abort), 0 when the buffer ran out. */
static int
walkbulk_each(DBT *bd, struct dbenv_cur *c,
    int (*fn)(struct dbenv_cur *c, void *arg), void *arg)
{
	void *p, *kp, *dp;
	u_int32_t klen, dlen;
	int r;

	DB_MULTIPLE_INIT(p, bd);
	for (;;) {
		DB_MULTIPLE_KEY_NEXT(p, bd, kp, klen, dp, dlen);
		if (p == NULL)
			return 0;
		c->k.data = kp;
		c->k.size = klen;
		c->d.data = dp;
		c->d.size = dlen;
		if ((r = fn(c, arg)) != 0)
			return r;
	}
}

int
dbenv_walk_bulk(struct store_txn *t, enum dbi db, const struct key *start,
    int (*fn)(struct dbenv_cur *c, void *arg), void *arg)
{
	unsigned char kb[KEY_MAX];
	struct dbenv_cur c;
	DBC *dbc = NULL;
	DBT kd, bd;
	size_t cap = WALKBULK_BUF;
	void *buf, *nb;
	u_int32_t flag;
	int ret, rc = STORE_OK, r;

	if (!key_ok(start))
		return dbenv_fail(t, "key too long");
	if ((buf = malloc(cap)) == NULL)
		return dbenv_fail(t, "out of memory");
	ret = t->s->db[db]->cursor(t->s->db[db], t->txn, &dbc,
	    t->rdonly ? DB_READ_COMMITTED : 0);
	if (ret != 0) {
		rc = dbenv_rc(t, ret, "cursor");
		dbc = NULL;
		goto out;
	}
	/* fn sees the pairs through a cursor of no DB cursor of its own:
	 * c.k / c.d point into buf, valid until fn returns */
	memset(&c, 0, sizeof(c));
	c.t = t;
	c.db = db;
	c.dlen = -1;
	dbenv_key_room(&kd, kb, start);
	flag = start->len == 0 ? DB_FIRST : DB_SET_RANGE;
	for (;;) {
		memset(&bd, 0, sizeof(bd));
		bd.data = buf;
		bd.ulen = (u_int32_t)cap;
		bd.flags = DB_DBT_USERMEM;
		ret = dbc->get(dbc, &kd, &bd, flag | DB_MULTIPLE_KEY);
		if (ret == DB_BUFFER_SMALL && bd.size > cap &&
		    bd.size <= WALKBULK_MAX) {
			/* one pair larger than the buffer: room for it, the
			 * same call again (the cursor has not moved) */
			cap = ((size_t)bd.size + 1023) / 1024 * 1024;
			if ((nb = realloc(buf, cap)) == NULL) {
				rc = dbenv_fail(t, "out of memory");
				goto out;
			}
			buf = nb;
			continue;
		}
		if (ret == DB_NOTFOUND)
			break;
		if (ret != 0) {
			rc = dbenv_rc(t, ret, "cursor get");
			goto out;
		}
		if ((r = walkbulk_each(&bd, &c, fn, arg)) != 0) {
			rc = r > 0 ? STORE_OK : r;
			goto out;
		}
		/* the cursor stands on the last pair returned */
		flag = DB_NEXT;
	}
out:
	if (dbc != NULL && (ret = dbc->close(dbc)) != 0 && rc == STORE_OK)
		rc = dbenv_rc(t, ret, "cursor close");
	free(buf);
	return rc;
}
