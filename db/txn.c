/*
 * txn.c - the transaction runner, store_txn (contract in store.h): begin,
 * the caller's body, commit or abort, retried on deadlock or lock timeout.
 *
 * Each try holds the handle's reopen lock for reading (env_use) and is one
 * watched section (watchdog.c).  On deadlock or lock timeout the try
 * aborts, runs failchk (a dead process may hold the lock we waited for),
 * backs off 1-64 ms at random and tries again, TXN_TRIES times at most.  A
 * panic (DB_RUNRECOVERY) marks the handles dead (env.c): seen at
 * txn_begin, nothing was done yet, so the handles are reopened and the
 * body runs; seen later, the call is STORE_ERR and the next one reopens.
 *
 * Replicated stores (db/repl.c): a commit whose acknowledgements did not
 * come (DB_EVENT_REP_PERM_FAILED, raised in this thread during commit) is
 * STORE_NOTPERM; DB_REP_HANDLE_DEAD (a client's handles rolled back under
 * it) reopens and runs the body once more, as a panic at txn_begin does.
 *
 * A log flush that fails after the commit went in is STORE_INDOUBT when
 * the caller asked (STORE_TXN_INDOUBT): the writes may be durable, so
 * "not stored" would be a lie.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/dbenv.h"
#include "db/duerun.h"
#include "db/env.h"
#include "db/replenv.h"
#include "db/txn.h"
#include "db/watchdog.h"

#define TXN_TRIES	20	/* deadlock/lock-timeout retries per txn */

static int
txn_flush_env(DB_ENV *env)
{
	return env->log_flush(env, NULL);
}

int (*txn_log_flush)(DB_ENV *env) = txn_flush_env;

void
txn_order_forget(struct store_txn *t)
{
	memset(t->order, 0, sizeof(t->order));
	t->order_next = 0;
}

/* A few ms, random, growing with the try number: let the winner finish. */
static void
txn_backoff(int try)
{
	static unsigned seed;
	struct timespec ts;
	long max_us, us;

	if (seed == 0)
		seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	max_us = 1000L << (try < 6 ? try : 6);	/* 1 ms .. 64 ms */
	us = (long)(rand_r(&seed) % max_us);
	ts.tv_sec = 0;
	ts.tv_nsec = us * 1000;
	nanosleep(&ts, NULL);
}

/*
 * One try, the caller holding s->rw for reading: begin, fn, commit (fn's
 * STORE_OK) or abort.  What fn returned, STORE_RETRY, or STORE_ERR with
 * the reason in t->err.  *begun 0: txn_begin itself failed.
 */
static int
txn_try(struct store *s, int flags, store_txn_fn fn, void *arg,
    struct store_txn *t, int *begun)
{
	int rc, ret, lazy, committed;

	memset(t, 0, sizeof(*t));
	t->s = s;
	t->rdonly = (flags & STORE_RDONLY) != 0;
	lazy = !t->rdonly && !s->nosync && !(flags & STORE_TXN_NOFLUSH);
	*begun = 0;
	if (!t->rdonly)		/* at both ends: see close_handles */
		__atomic_store_n(&s->ckpt_clean, 0, __ATOMIC_SEQ_CST);
	watchdog_enter(&s->dog, 0);
	ret = s->env->txn_begin(s->env, NULL, &t->txn,
	    t->rdonly ? DB_READ_COMMITTED : 0);
	if (ret != 0) {
		t->txn = NULL;
		/* marks the handles dead (a panic) while still ours: never
		 * the fresh ones of another thread's reopen */
		rc = dbenv_rc(t, ret, "txn_begin");
		if (rc != STORE_RETRY)
			rc = STORE_ERR;
		goto out;
	}
	*begun = 1;
	/* the body's gathered index entries written (dlvidx.c, duerun.c),
	 * its put cursors closed before the commit or the abort, whatever
	 * it returned (a failed write or close: abort) */
	if ((rc = dbenv_put_close(t, duerun_end(t,
	    dlvidx_end(t, fn(t, arg))))) ==
	    STORE_OK) {
		/*
		 * sync: commit without the flush, so the locks go at once,
		 * then flush the log to disk before returning.  Writers of
		 * the same hot pages (every intake appends to the same last
		 * leaves) then work while this fsync runs, and one fsync
		 * covers every commit written before it (BDB's group
		 * commit); with the flush inside commit they queued behind
		 * each fsync in turn.  Nobody is told STORE_OK before the
		 * flush is done; a reader may see the commit a moment
		 * earlier.
		 */
		if (s->repl != NULL && !t->rdonly) {
			repl_perm_clear(s->repl, s->home);
			if (repl_perm_short() && !s->repl_process) {
				/* connections to too few sites: reconnect
				 * (reopen) and run the body again, once */
				(void)t->txn->abort(t->txn);
				t->txn = NULL;
				t->repdead = 1;
				__atomic_store_n(&s->dead, 1,
				    __ATOMIC_RELEASE);
				snprintf(t->err, sizeof(t->err), "storage: "
				    "connected to too few sites of the "
				    "replication group");
				rc = STORE_ERR;
				goto out;
			}
		}
		/* (nosync keeps the environment's WRITE_NOSYNC: the log is
		 * written to the OS at commit, so a process crash keeps it) */
		ret = t->txn->commit(t->txn, t->rdonly || lazy ||
		    ((flags & STORE_TXN_NOFLUSH) && !s->nosync) ?
		    DB_TXN_NOSYNC : 0);
		t->txn = NULL;
		committed = ret == 0;
		if (ret == 0 && lazy)
			ret = txn_log_flush(s->env);
		if (ret != 0 && committed) {
			/* committed, not known durable: say so when asked */
			(void)dbenv_rc(t, ret, "flush after commit");
			rc = (flags & STORE_TXN_INDOUBT) ? STORE_INDOUBT :
			    STORE_ERR;
		} else if (ret != 0) {
			(void)dbenv_rc(t, ret, "commit");
			rc = STORE_ERR;
		} else if (s->repl != NULL && !t->rdonly &&
		    repl_perm_failed()) {
			/* replication: committed here, acknowledgements
			 * missing (db/repl.c) */
			snprintf(t->err, sizeof(t->err), "storage: commit: "
			    "not acknowledged by the replication group in "
			    "time");
			rc = s->repl_weak_ok ? STORE_OK : STORE_NOTPERM;
			if (repl_perm_short() && !s->repl_process)
				__atomic_store_n(&s->dead, 1,
				    __ATOMIC_RELEASE);	/* reconnect */
		}
		goto out;
	}
	ret = t->txn->abort(t->txn);
	t->txn = NULL;
	if (ret != 0) {
		/* keep the first reason; a panic still marks dead */
		char first[sizeof(t->err)];

		memcpy(first, t->err, sizeof(first));
		(void)dbenv_rc(t, ret, "abort");
		if (first[0] != '\0')
			memcpy(t->err, first, sizeof(t->err));
	}
	if (rc == STORE_RETRY) {
		/* A dead process may hold the lock we waited for: failchk,
		 * a section of its own for the watchdog. */
		watchdog_enter(&s->dog, 0);
		env_failchk(s);
	}
out:
	if (!t->rdonly)
		__atomic_store_n(&s->ckpt_clean, 0, __ATOMIC_SEQ_CST);
	watchdog_leave(&s->dog);
	return rc;
}

int
store_txn(struct store *s, int flags, store_txn_fn fn, void *arg, char *err,
    size_t errlen)
{
	struct store_txn t;
	int try, rc = STORE_RETRY, begun, reopened = 0;

	for (try = 0; try < TXN_TRIES; try++) {
		if (env_use(s, err, errlen) != STORE_OK)
			return STORE_ERR;	/* err set, nothing held */
		rc = txn_try(s, flags, fn, arg, &t, &begun);
		pthread_rwlock_unlock(&s->rw);
		if (rc == STORE_RETRY) {
			txn_backoff(try);
			continue;
		}
		if ((!begun || t.repdead) && !reopened &&
		    __atomic_load_n(&s->dead, __ATOMIC_ACQUIRE)) {
			/* another process ran recovery: reopen, go on */
			reopened = 1;
			continue;
		}
		break;
	}
	if (try == TXN_TRIES) {
		rc = STORE_ERR;
		snprintf(err, errlen, "storage: gave up after %d deadlocks "
		    "or lock timeouts", TXN_TRIES);
	} else if (rc == STORE_ERR || rc == STORE_INDOUBT ||
	    rc == STORE_NOTPERM || rc == STORE_NOTMASTER)
		snprintf(err, errlen, "%s",
		    t.err[0] ? t.err : "storage: transaction failed");
	return rc;
}

/* STORE_OK for BDB's ret 0; else STORE_ERR with what failed in err (the
 * store's own message for ret, as a transaction's, dbenv_rc). */
static int
txn_env_result(struct store *s, int ret, const char *what, char *err,
    size_t errlen)
{
	struct store_txn t;

	if (ret == 0)
		return STORE_OK;
	memset(&t, 0, sizeof(t));
	t.s = s;
	(void)dbenv_rc(&t, ret, what);
	snprintf(err, errlen, "%s", t.err);
	return STORE_ERR;
}

unsigned
store_txn_opens(const struct store_txn *t)
{
	return t->s->opens;	/* t's thread holds s->rw: no reopen now */
}

int
store_log_flush(struct store *s, unsigned opens, char *err, size_t errlen)
{
	int ret;

	if (s->nosync)
		return STORE_OK;
	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	if (s->opens != opens) {
		pthread_rwlock_unlock(&s->rw);
		snprintf(err, errlen, "storage: the environment was recovered "
		    "between the commit and its log flush (another process "
		    "died): the write is not known durable");
		return STORE_ERR;
	}
	watchdog_enter(&s->dog, 0);
	ret = txn_log_flush(s->env);
	watchdog_leave(&s->dog);
	pthread_rwlock_unlock(&s->rw);
	return txn_env_result(s, ret, "log flush", err, errlen);
}

/* Bytes of log from a to b (b after a; lg_max: the size of a log file). */
static uint64_t
txn_log_gap(uint32_t af, uint32_t ao, uint32_t bf, uint32_t bo,
    uint32_t lg_max)
{
	if (bf < af || (bf == af && bo <= ao))
		return 0;
	return (uint64_t)(bf - af) * lg_max + bo - ao;
}

int
store_log_write_behind(struct store *s, unsigned kbytes, char *err,
    size_t errlen)
{
	DB_LOG_STAT *st = NULL;
	u_int32_t lg_max = 10 * 1024 * 1024;	/* BDB's default */
	int ret;

	if (!s->nosync)
		return STORE_OK;	/* sync: every commit flushes */
	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	watchdog_enter(&s->dog, 0);
	(void)s->env->get_lg_max(s->env, &lg_max);
	/* the stat takes the log region's mutex for a copy: no I/O */
	if ((ret = s->env->log_stat(s->env, &st, 0)) == 0 &&
	    txn_log_gap(st->st_disk_file, st->st_disk_offset,
	    st->st_cur_file, st->st_cur_offset, lg_max) >=
	    (uint64_t)kbytes * 1024)
		ret = txn_flush_env(s->env);	/* fsync without the mutex */
	watchdog_leave(&s->dog);
	pthread_rwlock_unlock(&s->rw);
	free(st);
	return txn_env_result(s, ret, "log write-behind", err, errlen);
}
