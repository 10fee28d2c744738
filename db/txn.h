/*
 * txn.h - the transaction handle passed to a store_txn callback (db/
 * internal; store_txn's contract is in store.h, the runner in txn.c).
 */
#ifndef HOOKD_DB_TXN_H
#define HOOKD_DB_TXN_H

#include <db.h>

#include "db/env.h"
#include "db/store.h"

struct dlvidx;		/* db/dlvidx.c */
struct duerun;		/* db/duerun.c */

/*
 * store_webhook_ordering's answers in this transaction (db/webhook.c),
 * write transactions only: the first read of a webhook record holds its
 * page's read lock to the commit, so no other writer can change its
 * ordering meanwhile; a write to webhooks.db in this transaction (dbenv.c)
 * empties the cache.  A batch of events to one webhook reads its record
 * once, not once per delivery.
 */
#define TXN_ORDER_CACHE 4

struct txn_order {
	char id[STORE_ID_MAX + 1];	/* NUL-terminated; "" = unused */
	int rc;				/* STORE_OK or STORE_NOTFOUND */
	int ordering, okey;
};

/* Longest key a put cursor remembers as its database's last (an id's key:
 * id \0); a longer one is not remembered. */
#define TXN_PUTC_KEY 72

/*
 * dbenv_put's cursor of one database in a transaction (db/dbenv.c), and
 * what it knows of the database's greatest key: last 1, lastkey holds it
 * (the greatest of DB_LAST's answer, read with a write lock, and of every
 * key put since); 0 not read yet; -1 not known (empty database, key too
 * long).
 */
struct txn_putc {
	DBC *c;			/* NULL: none open; closed by
				 * dbenv_put_close before the commit or
				 * abort */
	int puts;		/* puts so far (the first: DB->put) */
	int last;
	size_t lastlen;
	unsigned char lastkey[TXN_PUTC_KEY];
};

struct store_txn {
	struct store *s;
	DB_TXN *txn;		/* NULL once committed or aborted */
	int rdonly;
	int repdead;		/* saw DB_REP_HANDLE_DEAD (repl.c) */
	char err[512];		/* why the last call failed (STORE_ERR) */
	struct txn_order order[TXN_ORDER_CACHE];	/* zeroed per try */
	unsigned order_next;	/* the slot the next answer replaces */
	struct txn_putc putc[DBI_N];	/* zeroed per try */
	struct dlvidx *dlvidx;	/* the delivery indices' open entries
				 * (dlvidx.c): NULL per try, freed by
				 * dlvidx_end */
	struct duerun *duerun;	/* the due run being made (duerun.c):
				 * NULL per try, freed by duerun_end */
};

/* Forget every cached ordering of t (a write to webhooks.db). */
void txn_order_forget(struct store_txn *t);

/* The log flush after a sync commit (env->log_flush by default); tests
 * swap it to inject a flush that fails after the commit. */
extern int (*txn_log_flush)(DB_ENV *env);

#endif
