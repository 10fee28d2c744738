/*
 * repl.h - the store in a replication group (Berkeley DB's replication
 * manager): what hookd-repl asks of db/ (start, the site's role and view
 * of the group, the public_url table), without db.h.  How replication
 * is configured at open and how commits learn they are not durable is
 * db/ internal (replenv.h); the why is in repl.c.
 */
#ifndef HOOKD_DB_REPL_H
#define HOOKD_DB_REPL_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "lib/replconf.h"

#define REPL_ADDR_MAX (REPLCONF_HOST_MAX + 8)	/* "[host]:port" */
#define REPL_SITES_MAX 32			/* remote sites reported */

enum repl_role { REPL_NONE = 0, REPL_MASTER = 1, REPL_CLIENT = 2 };

struct repl_site {
	char addr[REPL_ADDR_MAX + 1];	/* "host:port", NUL-terminated */
	int eid;			/* Berkeley DB's environment id */
	int connected;			/* to our replication process */
	int master;			/* the site the group follows */
	/* how far its log is behind ours, in bytes: known on the master
	 * only (repl_lag_report); -1 when unknown */
	int64_t lag_bytes;
};

/* The site's view, as its replication process (the listener) sees it.
 * In another process the connection states are unknown (all 0). */
struct repl_info {
	int role;			/* enum repl_role */
	int self_eid, master_eid;	/* -1 when none */
	int master_connected;		/* master's connection is up (or we
					 * are the master) */
	char master_addr[REPL_ADDR_MAX + 1];	/* "" when none known */
	uint32_t gen;			/* election generation */
	/* Log this site knows it is missing (a gap while catching up);
	 * 0 on the master or when the client is current as far as it knows. */
	uint64_t lag_bytes;
	/* a client that has caught up with its master and applies its live
	 * log (Berkeley DB's startup done); 0 while it synchronises or
	 * copies the store, and on the master */
	int caught_up;
	struct repl_site sites[REPL_SITES_MAX];
	size_t nsites;
};

#define REPL_FP_MAX 64	/* a key check value (repl/site.c) */

/*
 * The replication process: start the replication manager on s (opened
 * with store_opts.repl and repl_process), as a client that calls an
 * election (DB_REP_ELECTION).  Only one process of a site may do it.  fp
 * is this site's encryption check value, given to any site that asks
 * (repl_keycheck).  A client does not synchronise with the master until
 * repl_sync.  0, or STORE_ERR with err.
 */
int repl_start(struct store *s, int nthreads, const char *fp, char *err,
    size_t errlen);

/*
 * The key check's request to the master (db/replkey.c): a thread that,
 * when asked, opens a repmgr channel to the master (only while its
 * connection is up) and asks for its check value (2 s at most), without
 * the store's lock.  repl_keycheck asks for a request when none runs
 * and waits for its result at most 200 ms; a result is returned once:
 * 0 with the master's value in out, or STORE_ERR with err (no answer
 * yet, or the request failed): call it again at the next tick.  Start
 * after repl_start: 0, or -1 (no thread: the site cannot synchronise).  Stop
 * before closing s: 0, or -1 when the thread did not stop within 3 s
 * (stuck on a master that does not answer): then s must not be closed.
 */
int repl_keycheck_start(struct store *s);
int repl_keycheck(char *out, size_t outlen, char *err, size_t errlen);
int repl_keycheck_stop(void);

/* Let this site synchronise with the master from now on (and at every
 * later change of master).  0 or STORE_ERR with err. */
int repl_sync(struct store *s, char *err, size_t errlen);

/* Fill *out.  0, or STORE_ERR with err (the handles may be dead: see
 * repl_dead). */
int repl_info(struct store *s, struct repl_info *out, char *err,
    size_t errlen);

/*
 * The replication process's lag reporter (db/repllag.c): a thread that,
 * while this site is a client with its master connected, tells the
 * master where this site's log ends (self: our "host:port") once a
 * second; the master's repl_info computes the site's lag_bytes from it.
 * Start after repl_start: 0, or -1 (no thread: lag stays unknown).  Stop
 * before closing s: 0, or -1 when the thread did not stop within 3 s
 * (stuck on a master that does not answer): then s must not be closed.
 */
int repl_lag_start(struct store *s, const char *self);
int repl_lag_stop(void);

/*
 * The replication process's probe (db/replprobe.c): a thread that reads
 * the replication statistics once a second under the store's wedge
 * watchdog, so that Berkeley DB's replication threads deadlocked on their
 * own mutexes end the process (STORE_WEDGED_EXIT: restart me) instead of
 * leaving the site out of the group for good.  Start after repl_start: 0,
 * or -1 (no thread).  Stop before closing s (waits for a read in
 * progress; a read that never ends is the watchdog's).
 */
int repl_probe_start(struct store *s);
void repl_probe_stop(void);

/* 1 when the environment panicked (another process ran recovery, or
 * Berkeley DB failed): the replication process closes and reopens it and
 * starts replication again. */
int repl_dead(struct store *s);

/*
 * The public_url table, a replicated database: addr ("host:port", a
 * site's replication_listen) -> its public_url.  put is for the master's
 * replication process (its own entry, when it becomes master); get works
 * on every site once the table has reached it (STORE_NOTFOUND before).
 * Store codes; url gets at most urllen - 1 bytes and a NUL.
 */
int repl_url_put(struct store *s, const char *addr, const char *url,
    char *err, size_t errlen);
int repl_url_get(struct store *s, const char *addr, char *url, size_t urllen,
    char *err, size_t errlen);

/*
 * In a store_txn callback of a replicated store: write a tiny record, so
 * that the commit waits for acknowledgements covering everything this
 * site has logged so far (they are cumulative).  An answer made from
 * records alone (an event's repeat: 200) is thus never given for a
 * record the group does not hold.  Not replicated: nothing, STORE_OK.
 */
int store_repl_touch(struct store_txn *t);

/*
 * Replication events (Berkeley DB's DB_EVENT_REP_*, numbered as there)
 * seen by this process, for the replication process to log: each call
 * returns the set seen since the last call (bit n: event n) and clears it.
 * Cheap; safe from any thread.
 */
uint32_t repl_events_take(void);
/*
 * fn is called on Berkeley DB's thread, at once, when a connection breaks,
 * the master is lost, two masters meet or the environment panics: the
 * replication process withdraws what it published (the master may be
 * gone) until its next look.  Set once, before repl_start; fn must be
 * short and call no DB function.
 */
void repl_set_loss_hook(void (*fn)(void));
/* A name for event bit n ("elected", "dupmaster", ...), "" if unknown. */
const char *repl_event_name(int n);

#endif
