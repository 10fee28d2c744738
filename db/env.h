/*
 * env.h - the store handle: one Berkeley DB environment and its databases
 * (db/ internal; the public contract is store.h, the why is in env.c).
 */
#ifndef HOOKD_DB_ENV_H
#define HOOKD_DB_ENV_H

#include <pthread.h>
#include <stddef.h>
#include <db.h>

#include "db/registry.h"
#include "db/store.h"
#include "db/watchdog.h"
#include "lib/periodic.h"
#include "lib/replconf.h"

/* Every database of the environment; env.c's table gives file names, page
 * sizes and access methods.  Index databases map a composite key (key.h)
 * to nothing (empty data) unless noted; each key ends with the primary id. */
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
	DBI_DLV_EVT,	/* event id \0 delivery id \0 (older stores only) */
	DBI_DLV_DUE,	/* i64 next_attempt_at, delivery id \0 (pending only) */
	DBI_ATT,	/* attempt id -> attempt (older stores only) */
	DBI_ATT_DLV,	/* delivery id \0 attempt id \0 -> attempt */
	DBI_ATT_FAIL,	/* i64 at, attempt id \0 -> delivery id (failed) */
	DBI_QUEUE,	/* DB_QUEUE: record number shard + 1 -> counters */
	DBI_STAT,	/* i64 hour, webhook id \0 -> stat */
	DBI_FANOUT,	/* org \0 -> fan-out generation (fanout.c) */
	DBI_COUNTER,	/* "attempts" -> the sender's counters (counter.c) */
	DBI_LANE,	/* FIFO lanes: records and waiting deliveries (lane.c) */
	DBI_REPL,	/* replicated sites only: listen addr -> public_url
			 * (repl.c) */
	DBI_N
};

struct store {
	DB_ENV *env;
	DB *db[DBI_N];
	char *home;
	char *key_file;		/* passphrase file; NULL: plaintext store */
	int lock_held;		/* the opener holds the open lock (rekey.c) */
	int nosync;
	int lock_timeout_ms;
	int dead;		/* saw DB_RUNRECOVERY: reopen before use */
	int ckpt_clean;		/* atomic: a checkpoint succeeded and no
				 * write transaction of ours ran since, so
				 * closing need not flush (close_handles) */
	struct replconf *repl;	/* NULL: not replicated; owned copy */
	int repl_process;	/* hookd-repl: open no database (repl.c) */
	int repl_weak_ok;	/* store_opts.repl_weak_ok */
	unsigned opens;		/* environment opens so far (tests look) */
	/* The last message from BDB's error callback, under msg_mu: any
	 * thread (a request, the detector, a checkpoint, replication's)
	 * may be told one while another formats its error (env_msg). */
	pthread_mutex_t msg_mu;
	char bdbmsg[256];
	/* Threads using the handles hold rw for reading (a transaction, a
	 * checkpoint); a reopen after a panic holds it for writing, so no
	 * thread is inside BDB with handles being closed under it. */
	pthread_rwlock_t rw;
	struct periodic detector;	/* detect.c, while the env is open */
	struct registry reg;		/* registry.c */
	struct watchdog dog;		/* watchdog.c, for the store's life */
};

/*
 * Take s->rw for reading with usable handles, reopening them first (under
 * the write lock, once for every thread that saw them die) when they are
 * dead.  STORE_OK holding the read lock, or STORE_ERR (err set) holding
 * nothing.
 */
int env_use(struct store *s, char *err, size_t errlen);
/* A copy of s->bdbmsg into out (n > 0 bytes, NUL-terminated; "" if none). */
void env_msg(struct store *s, char *out, size_t n);
/* store_open; lock_held 1: the caller holds the open lock already
 * (env_open_lock) for the store's whole life, opens and close. */
int env_open(struct store **sp, const struct store_opts *o, int lock_held,
    char *err, size_t errlen);
/* Take data_dir's open lock (flock, exclusive; waits): the fd to close to
 * release it, or -1 (then go on without it). */
int env_open_lock(const char *home);
/* Create database i of the table (file name, page size, access method;
 * DB_ENCRYPT when encrypted) in env and open it with flags.  *dbp is set
 * even on failure (the caller closes it).  A DB return code. */
int env_db_open(DB_ENV *env, int i, int encrypted, u_int32_t flags, DB **dbp);
/* Database i's file name. */
const char *env_db_file(int i);
/* Run failchk (a dead process's locks and transactions go); a
 * DB_RUNRECOVERY answer marks the handles dead.  Caller holds s->rw. */
void env_failchk(struct store *s);

#endif
