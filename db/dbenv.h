/*
 * dbenv.h - db/ internals shared by the record files (app.c, event.c,
 * ...): thin wrappers over DB calls inside a transaction that map Berkeley
 * DB's return codes to store codes, and cursor walks.  The handles
 * themselves are in env.h and txn.h.  Nothing outside db/ includes this
 * (or db.h), but white-box tests.
 */
#ifndef HOOKD_DB_DBENV_H
#define HOOKD_DB_DBENV_H

#include <stddef.h>
#include <db.h>

#include "db/env.h"
#include "db/key.h"
#include "db/store.h"
#include "db/txn.h"

/*
 * Map a DB return value to a store code, noting why in t->err for
 * STORE_ERR (what names the operation): DB_NOTFOUND/DB_KEYEMPTY ->
 * NOTFOUND, DB_KEYEXIST -> EXISTS, deadlock/lock timeout -> RETRY,
 * DB_RUNRECOVERY -> ERR and the store marked dead, anything else
 * (ENOSPC, EIO, ...) -> ERR.
 */
int dbenv_rc(struct store_txn *t, int ret, const char *what);
/* Note a non-DB failure (corrupt record, bad argument) in t->err: STORE_ERR. */
int dbenv_fail(struct store_txn *t, const char *what);

/*
 * Get the record under k into buf (cap bytes), its size in *len.  rmw: take
 * the write lock now (read-modify-write; avoids lock-upgrade deadlocks).
 * A record larger than cap is corrupt (STORE_ERR).
 */
int dbenv_get(struct store_txn *t, enum dbi db, const struct key *k,
    unsigned char *buf, size_t cap, size_t *len, int rmw);
/* The first cap bytes at most (partial read); *len is what was read. */
int dbenv_get_head(struct store_txn *t, enum dbi db, const struct key *k,
    unsigned char *buf, size_t cap, size_t *len);
/* The whole record in heap memory *out (caller frees). */
int dbenv_get_alloc(struct store_txn *t, enum dbi db, const struct key *k,
    unsigned char **out, size_t *len, int rmw);
/* OK if k exists, NOTFOUND if not. */
int dbenv_exists(struct store_txn *t, enum dbi db, const struct key *k,
    int rmw);
/* Put; create 1: STORE_EXISTS when k exists. */
/* kd set to a copy of k (key_ok) in kb, KEY_MAX bytes of the caller's:
 * with a comparison function of its own (keycmp.h) a B-tree get or cursor
 * positioning may write back the key it found, so it gets memory it may
 * write, and k stays const. */
void dbenv_key_room(DBT *kd, unsigned char *kb, const struct key *k);
int dbenv_put(struct store_txn *t, enum dbi db, const struct key *k,
    const void *data, size_t len, int create);
/* create for a key just made by id_new (time-ordered: most likely after
 * every key of db): the same refusal of a taken key, cheaper when it is
 * past the last one (db/dbenv.c, put_learn_last). */
#define DBENV_PUT_FRESH 2
/* Close t's put cursors (dbenv_put keeps one per database per
 * transaction): before its commit or abort.  rc, or the first failure
 * when rc is STORE_OK. */
int dbenv_put_close(struct store_txn *t, int rc);
/* Delete k; NOTFOUND when absent. */
int dbenv_del(struct store_txn *t, enum dbi db, const struct key *k);

/*
 * A cursor walk.  After a successful dbenv_cur_get, c->k / c->d hold the
 * current key and data (memory owned by the cursor, valid until the next
 * get or close).  Data reads are limited to dlen bytes (0: none, -1 whole
 * record), set at open.
 */
struct dbenv_cur {
	struct store_txn *t;
	enum dbi db;
	DBC *c;
	DBT k, d;
	long dlen;
};
int dbenv_cur_open(struct store_txn *t, enum dbi db, long dlen,
    struct dbenv_cur *c);
/* flag: DB_FIRST, DB_LAST, DB_NEXT, DB_PREV, or DB_SET_RANGE with k set
 * (k NULL otherwise), each may have DB_RMW (write-locked).  OK, NOTFOUND (ran off the end), RETRY or ERR. */
int dbenv_cur_get(struct dbenv_cur *c, int flag, const struct key *k);
int dbenv_cur_del(struct dbenv_cur *c);
/* Onto key k exactly (DB_SET; rmw: write-locked), its whole record into
 * buf (cap bytes, *len); NOTFOUND when absent.  For a read-modify-write
 * through the cursor: dbenv_cur_put_current then replaces the record
 * under it (no second search). */
int dbenv_cur_set(struct dbenv_cur *c, const struct key *k,
    unsigned char *buf, size_t cap, size_t *len, int rmw);
int dbenv_cur_put_current(struct dbenv_cur *c, const void *data,
    size_t len);
/* Put k (DB_KEYLAST): the cursor is then on it. */
int dbenv_cur_put(struct dbenv_cur *c, const struct key *k, const void *data,
    size_t len);
void dbenv_cur_close(struct dbenv_cur *c);

/*
 * Walk an index newest first: the keys that start with prefix and sort
 * strictly before prefix + before (before NULL or "": from the last key of
 * the prefix), reading dlen bytes of data as dbenv_cur_open does,
 * calling fn(c, arg) on each; fn returns 0 to go on, 1 to
 * stop, a negative store code to abort.  OK at the end (or stop), else the
 * code.
 */
int dbenv_walk_back(struct store_txn *t, enum dbi db, const struct key *prefix,
    const char *before, long dlen,
    int (*fn)(struct dbenv_cur *c, void *arg), void *arg);
/* The same forward (oldest first), strictly after after (NULL/"": all). */
int dbenv_walk(struct store_txn *t, enum dbi db, const struct key *prefix,
    const char *after, long dlen,
    int (*fn)(struct dbenv_cur *c, void *arg), void *arg);
/* Every key from start (passed over when exclusive) to the end, forward. */
int dbenv_walk_from(struct store_txn *t, enum dbi db, const struct key *start,
    int exclusive, long dlen, int (*fn)(struct dbenv_cur *c, void *arg),
    void *arg);
/*
 * walkbulk.c: every key from start (inclusive; empty: the first) to the
 * end, forward, whole records, read many pairs per cursor call.  fn sees
 * c->t, c->k and c->d only (no cursor under c: not for dbenv_cur_* calls);
 * returns as for dbenv_walk.  Under a read-only transaction (read
 * committed) the pairs of one call are read together, so a change
 * committed meanwhile may show up a few entries later than a walk by
 * DB_NEXT would see it.
 */
int dbenv_walk_bulk(struct store_txn *t, enum dbi db, const struct key *start,
    int (*fn)(struct dbenv_cur *c, void *arg), void *arg);

/*
 * attempt.c, for store_delivery_del: delete every attempt of a delivery
 * (its by-delivery entries, their failures entries, an older store's
 * records in attempts.db).  Store code.
 */
int attempt_del_delivery(struct store_txn *t, const char *delivery_id);

/*
 * dlvidx.c, for delivery.c: the app and webhook indices (db DBI_DLV_APP or
 * DBI_DLV_WH; owner the app's or the webhook's id) of a transaction's
 * deliveries.  dlvidx_add lists delivery id under owner, dlvidx_del
 * removes it (nothing when it is not listed): both gathered in t and
 * written by dlvidx_end, or before dlvidx_walk_back reads that index.
 * dlvidx_walk_back: owner's deliveries newest first, those strictly
 * before before (NULL or "": all), fn(t, id, arg) on each, which returns
 * 0 to go on, 1 to stop, a negative store code to abort.  dlvidx_end
 * (txn.c, before the commit or abort): with rc STORE_OK, writes what is
 * gathered; frees it; rc, or the first failure.  Store codes.
 */
int dlvidx_add(struct store_txn *t, enum dbi db, const char *owner,
    const char *id);
int dlvidx_del(struct store_txn *t, enum dbi db, const char *owner,
    const char *id);
int dlvidx_walk_back(struct store_txn *t, enum dbi db, const char *owner,
    const char *before, int (*fn)(struct store_txn *t, const char *id,
    void *arg), void *arg);
int dlvidx_end(struct store_txn *t, int rc);

/*
 * delivery.c, for store_publish: store_delivery_put(t, d, 1) with the
 * queue counters' change added to *qdelta instead of written: the caller
 * writes it once (store_queue_add) in the same transaction, for all the
 * deliveries of an event.  create: dbenv_put's (1, or DBENV_PUT_FRESH for
 * an id just made by id_new).  Store code.
 */
int delivery_create(struct store_txn *t, const struct store_delivery *d,
    struct store_queue *qdelta, int create);

/*
 * event.c, for eventtime.c and store_publish: an event's record alone.
 * event_head: without its body (rmw: write-locked).  event_put_record:
 * store_event_put without the time index entry (the caller writes one:
 * store_eventtime_add).  event_del_record: NOTFOUND when absent.  Store
 * codes.
 */
int event_head(struct store_txn *t, const char *id, struct store_event *out,
    int rmw);
int event_put_record(struct store_txn *t, const struct store_event *e);
int event_del_record(struct store_txn *t, const char *id);

/*
 * eventtime.c, for event.c.  eventtime_forget: event id (created at at,
 * its record deleted) leaves the key of its entry: a one-event entry is
 * deleted, a run's entry moves to its next member still stored; nothing
 * when id is no entry's key (a run's other member: skipped while gone).
 * eventtime_iter: store_event_iter_before.  Store codes.
 */
int eventtime_forget(struct store_txn *t, int64_t at, const char *id);
int eventtime_iter(struct store_txn *t, int64_t ms, int64_t after_at,
    const char *after_id, int (*cb)(const struct store_event *e, void *arg),
    void *arg);

#endif
