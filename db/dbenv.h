/*
 * dbenv.h - db/ internals shared by the store_*.c files: the handle
 * structs, the database table and thin wrappers over DB calls that map
 * Berkeley DB's return codes to store codes.  Nothing outside db/ includes
 * this (or db.h).
 */
#ifndef HOOKD_DB_DBENV_H
#define HOOKD_DB_DBENV_H

#include <pthread.h>
#include <stddef.h>
#include <db.h>

#include "db/key.h"
#include "db/store.h"

/* Every database of the environment; dbenv.c's table gives file names and
 * page sizes.  Index databases map a composite key (key.h) to nothing
 * (empty data) unless noted; each key ends with the primary id. */
enum dbi {
	DBI_APP,	/* app id -> app */
	DBI_APP_ORG,	/* org \0 app id \0 */
	DBI_APP_KEY,	/* key hash (32 bytes) -> app id */
	DBI_WH,		/* webhook id -> webhook */
	DBI_WH_APP,	/* app id \0 webhook id \0 */
	DBI_HEALTH,	/* webhook id -> health */
	DBI_EVT,	/* event id -> event (body last) */
	DBI_EVT_TIME,	/* i64 created_at, event id \0 */
	DBI_DLV,	/* delivery id -> delivery */
	DBI_DLV_APP,	/* app id \0 delivery id \0 */
	DBI_DLV_WH,	/* webhook id \0 delivery id \0 */
	DBI_DLV_EVT,	/* event id \0 delivery id \0 */
	DBI_DLV_DUE,	/* i64 next_attempt_at, delivery id \0 (pending only) */
	DBI_ATT,	/* attempt id -> attempt */
	DBI_ATT_DLV,	/* delivery id \0 attempt id \0 */
	DBI_ATT_FAIL,	/* i64 at, attempt id \0 (failed attempts only) */
	DBI_QUEUE,	/* DB_QUEUE: record number shard + 1 -> counters */
	DBI_STAT,	/* i64 hour, webhook id \0 -> stat */
	DBI_FANOUT,	/* org \0 -> fan-out generation (fanout.c) */
	DBI_COUNTER,	/* "attempts" -> the sender's counters (counter.c) */
	DBI_N
};

#define STORE_BUSY_SLOTS 8

struct store {
	DB_ENV *env;
	DB *db[DBI_N];
	char *home;
	int nosync;
	int lock_timeout_ms;
	int dead;		/* saw DB_RUNRECOVERY: reopen before use */
	unsigned opens;		/* environment opens so far (tests look) */
	/* The lock-timeout watcher (store.c): BDB only notices an expired
	 * lock wait when its deadlock detector runs, so each process runs it
	 * a few times per lock timeout. */
	pthread_t watcher;
	pthread_mutex_t wmu;
	pthread_cond_t wcv;
	int wstop, wrunning;
	char bdbmsg[256];	/* last message from BDB's error callback */
	/* Threads using the handles hold rw for reading (a transaction, a
	 * checkpoint); a reopen after a panic holds it for writing, so no
	 * thread is inside BDB with handles being closed under it. */
	pthread_rwlock_t rw;
	/* The wedge watchdog (store.c): one slot per thread inside a section
	 * of BDB calls: owner (pthread_t as an integer, 0: free), ms the
	 * CLOCK_MONOTONIC ms it entered, recover 1 when that section is an
	 * open that runs recovery.  The dog looks at the oldest.  More
	 * threads than slots at once go unwatched (the sender has three).
	 * regfd: our read-only fd on __db.register, -1 if none; never
	 * closed while the environment is open (closing any fd of that file
	 * would drop this process's registry lock).  registered: the env is
	 * open, so our pid must be in the registry. */
	struct {
		unsigned long owner;
		long long ms;
		int recover;
	} busy[STORE_BUSY_SLOTS];
	int regfd;
	int registered;
	pthread_t dog;
	pthread_mutex_t dmu;
	pthread_cond_t dcv;
	int dstop, drunning;
};

struct store_txn {
	struct store *s;
	DB_TXN *txn;
	int rdonly;
	char err[512];		/* why the last call failed (STORE_ERR) */
};

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
int dbenv_put(struct store_txn *t, enum dbi db, const struct key *k,
    const void *data, size_t len, int create);
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
	DBC *c;
	DBT k, d;
	long dlen;
};
int dbenv_cur_open(struct store_txn *t, enum dbi db, long dlen,
    struct dbenv_cur *c);
/* flag: DB_FIRST, DB_LAST, DB_NEXT, DB_PREV, or DB_SET_RANGE with k set
 * (k NULL otherwise).  OK, NOTFOUND (ran off the end), RETRY or ERR. */
int dbenv_cur_get(struct dbenv_cur *c, int flag, const struct key *k);
int dbenv_cur_del(struct dbenv_cur *c);
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
 * attempt.c, for store_delivery_del: delete attempt id and its failures
 * index entry, leaving its by-delivery entry to the caller (who is walking
 * that index).  OK or NOTFOUND.
 */
int store_attempt_unlink(struct store_txn *t, const char *id);

#endif
