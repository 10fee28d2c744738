/*
 * txn.h - the transaction handle passed to a store_txn callback (db/
 * internal; store_txn's contract is in store.h, the runner in txn.c).
 */
#ifndef HOOKD_DB_TXN_H
#define HOOKD_DB_TXN_H

#include <db.h>

#include "db/env.h"

struct store_txn {
	struct store *s;
	DB_TXN *txn;		/* NULL once committed or aborted */
	int rdonly;
	int repdead;		/* saw DB_REP_HANDLE_DEAD (repl.c) */
	char err[512];		/* why the last call failed (STORE_ERR) */
};

/* The log flush after a sync commit (env->log_flush by default); tests
 * swap it to inject a flush that fails after the commit. */
extern int (*txn_log_flush)(DB_ENV *env);

#endif
