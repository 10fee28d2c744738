/*
 * replenv.h - db/ internal side of replication (repl.c): configuring an
 * environment handle before its open, and the per-thread "not durable"
 * flag that the commit path reads (txn.c).  Public side: repl.h.
 */
#ifndef HOOKD_DB_REPLENV_H
#define HOOKD_DB_REPLENV_H

#include <stddef.h>
#include <stdint.h>
#include <db.h>

#include "lib/replconf.h"

/*
 * Configure env (created, not open) for the group r: the event callback,
 * this site (DB_LOCAL_SITE, DB_GROUP_CREATOR when r->create), the peers
 * (DB_BOOTSTRAP_HELPER), priority, acknowledgement policy and timeout,
 * heartbeats, election and connection retry timeouts; DB_INIT_REP is
 * added to *flags.  Every process of the site configures the same values
 * (Berkeley DB accepts a repeated, matching local site).  0, or -1 with
 * err.
 */
int repl_env_setup(DB_ENV *env, const struct replconf *r, u_int32_t *flags,
    char *err, size_t errlen);

/* 1 when env (open, replicated) is the group's master now. */
int repl_env_master(DB_ENV *env);
/* 1 when env is a client whose master is known and has its repmgr
 * connection up in this process.  Caller holds the store's rw lock. */
int repl_env_master_up(DB_ENV *env);

/* The key check's request (replkey.c asks, repl.c's dispatch answers
 * with this site's check value). */
#define REPL_KEY_ASK	"hookd-key-check?"

/* After a replication connection came up in this process: TCP_NODELAY
 * on its TCP sockets (repl.c says why).  Cheap when none did. */
void repl_nodelay(void);

/* The calling thread's "the last commit was not acknowledged" flag
 * (DB_EVENT_REP_PERM_FAILED runs in the committing thread before commit
 * returns): clear before a commit, read after it.  clear also waits for
 * this process's first connections (repl.c). */
void repl_perm_clear(const struct replconf *r, const char *home);
int repl_perm_failed(void);
/* After repl_perm_clear: 1 when this process had fewer connections than
 * acknowledgements needed.  A subordinate's connections are made once, to
 * the sites known then (a site that joined later is never connected:
 * seen in tests), so txn.c reopens the environment after such a commit. */
int repl_perm_short(void);

/* Log bytes from lo to hi (0 when hi is not after lo); log files are
 * lg_max bytes. */
uint64_t repl_lsn_bytes(const DB_LSN *hi, const DB_LSN *lo, uint32_t lg_max);
/* The replication process's message dispatch, for a one-way message:
 * 1 when it was a client's log-end report (kept), 0 when not ours. */
int repl_lag_note(const DBT *msg, u_int32_t nmsg);
/* The lag of the site at addr behind end: -1 without a fresh report. */
int64_t repl_lag_of(const char *addr, const DB_LSN *end, uint32_t lg_max);

#endif
