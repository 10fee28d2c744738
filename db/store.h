/*
 * store.h - hookd's records over one transactional Berkeley DB environment.
 *
 * No caller outside db/ includes db.h.  Every read and write happens inside
 * store_txn(), which runs a callback in a transaction, retries it on
 * deadlock or lock timeout (bounded), and commits when it returns 0.
 *
 * Return codes of every store_* call:
 *   STORE_OK (0)        done
 *   STORE_NOTFOUND      no such record (reads, deletes)
 *   STORE_EXISTS        create of a key that exists (ids, idempotency keys)
 *   STORE_RETRY         deadlock / lock timeout inside a transaction; the
 *                       callback must return it unchanged so store_txn
 *                       retries; never seen outside a callback
 *   STORE_ERR           storage unusable (I/O, corruption, DB_RUNRECOVERY,
 *                       disk full); the request gets 503
 *   STORE_NOTPERM       (replicated) committed, not acknowledged: 503
 *   STORE_NOTMASTER     (replicated) a write on a site that is not the
 *                       master: nothing written
 * A txn callback returns STORE_OK to commit, any other value to abort; that
 * value is what store_txn returns (callers may use positive values of their
 * own to abort without an error).  A callback may run more than once: it
 * must reset its own output on entry.
 *
 * Threads: one handle serves any number of threads (DB_THREAD).  A
 * callback must not call store_txn, store_check or store_checkpoint (the
 * handle's reopen lock is held for reading during a transaction, and a
 * waiting reopen would wait for the callback forever); store_close only
 * when no other thread uses the handle.
 *
 * Records are fixed-size structs (strings NUL-terminated and capped below)
 * except the event body, which is heap memory the caller frees with
 * store_event_free().  Times are ms since the epoch (int64_t).
 */
#ifndef HOOKD_STORE_H
#define HOOKD_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_OK	0
#define STORE_ERR	(-1)
#define STORE_NOTFOUND	(-2)
#define STORE_EXISTS	(-3)
#define STORE_RETRY	(-4)
/* Replicated sites only (docs/operations.md "Replication"): */
#define STORE_NOTPERM	(-5)	/* committed here, but the acknowledgements
				 * replication_ack asks for did not come in
				 * replication_ack_timeout: not durable as
				 * promised (the API answers 503
				 * replication_unavailable) */
#define STORE_NOTMASTER	(-6)	/* this site is not the master: the write
				 * was refused, nothing changed */
/* Only from store_txn with STORE_TXN_INDOUBT: the commit was written but
 * the log flush that makes it durable failed.  The writes are visible and
 * may or may not survive a crash (the environment usually needs recovery
 * after such a failure); the caller must neither report them stored nor
 * write them again as if they were not. */
#define STORE_INDOUBT	(-7)

/* String caps, without the NUL.  The API validates input against them. */
#define STORE_ID_MAX	64	/* ids; generated ones are 30-31 bytes */
#define STORE_ORG_MAX	128
#define STORE_NAME_MAX	256
#define STORE_URL_MAX	2048
#define STORE_DESC_MAX	1024
#define STORE_EVENTS_MAX 2048	/* webhook filter list, comma-joined */
#define STORE_SECRET_MAX 127
#define STORE_TYPE_MAX	127
#define STORE_REASON_MAX 255
#define STORE_ERROR_MAX	63	/* attempt error code, e.g. "timeout" */
#define STORE_RESP_MAX	4096	/* response excerpt */
#define STORE_USER_MAX	256	/* an event's user_id */
#define STORE_LANE_MAX	(2 + STORE_USER_MAX)	/* a FIFO lane's key */
/* A webhook's extra request headers in lib/xheader.h's stored form: its
 * XHEADER_TEXT_MAX (20 * (128 + 2 + 1024 + 1)); change both together. */
#define STORE_HEADERS_MAX 23100

struct store;
struct store_txn;
struct replconf;

struct store_opts {
	const char *home;	/* environment directory, created if missing */
	int nosync;		/* DB_TXN_WRITE_NOSYNC: survives process crash only */
	int lock_timeout_ms;	/* 0: default (2000) */
	const char *key_file;	/* passphrase file (lib/keyfile.h): an
				 * encrypted store; NULL or "": plaintext */
	/* The site's replication group (lib/replconf.h, copied); NULL or
	 * not enabled: a store of its own, as always.  repl_process: the
	 * one process that runs the replication manager (hookd-repl, db/
	 * repl.h); it opens the environment only. */
	const struct replconf *repl;
	int repl_process;
	/* 1: a commit without its acknowledgements is STORE_OK, not
	 * STORE_NOTPERM (the sender: its outcomes are redone by the next
	 * master if lost, and repeating a committed batch would count its
	 * attempts twice). */
	int repl_weak_ok;
};

/*
 * Open (creating if needed) the environment and every database; runs
 * recovery when a previous user died (DB_REGISTER | DB_RECOVER).  failchk
 * is not run here but by store_txn (after a deadlock or lock timeout) and
 * store_checkpoint.  0 or STORE_ERR with a message in err.
 */
int store_open(struct store **sp, const struct store_opts *o, char *err,
    size_t errlen);
void store_close(struct store *s);

/*
 * Convert the store in o->home, opened with o (o->key_file: its current
 * passphrase, or plaintext), into a store encrypted with new_key_file's
 * passphrase, or into plaintext when new_key_file is NULL or "".  Every
 * record is copied into a new store beside the old one, and the copy
 * replaces the old files only once it is complete and on disk; a crash at
 * any point leaves the old store or the new one, and the next open
 * finishes or undoes what was cut short.  Refused while another process
 * has the store open.  Nobody may open the store meanwhile (openers wait).
 * 0 or STORE_ERR with err set.
 */
int store_rekey(const struct store_opts *o, const char *new_key_file,
    char *err, size_t errlen);

/*
 * The wedge watchdog.  A process SIGKILLed inside Berkeley DB can leave a
 * region mutex locked forever, and everyone waiting on it sleeps forever
 * (nothing in BDB times out a mutex wait).  Each store keeps a watchdog
 * thread: when one section of BDB calls (an open, one transaction try, a
 * checkpoint, the close) has run longer than 1 s while a registered
 * process of the environment is dead or our own registration was wiped by
 * another's recovery, or longer than STORE_WEDGE_S in any case (an open
 * that runs recovery: STORE_WEDGE_RECOVER_S), the process is wedged: the
 * watchdog logs why, calls the hook set here (if any; it runs on the
 * watchdog thread while the main thread is stuck, may write an answer and
 * _exit itself) and then _exit(STORE_WEDGED_EXIT).  The next opener's
 * DB_REGISTER recovery then cleans up after us.  Set once, before
 * store_open.
 */
#define STORE_WEDGED_EXIT	75	/* EX_TEMPFAIL: restart me */
#define STORE_WEDGE_S		15
#define STORE_WEDGE_RECOVER_S	300
void store_set_wedged_hook(void (*fn)(void));

/*
 * Make sure the handles are usable: if an earlier call saw DB_RUNRECOVERY
 * (or failchk found a dead process), close and reopen.  store_txn() calls
 * it first; /v1/health calls it too.  0 or STORE_ERR.
 */
int store_check(struct store *s, char *err, size_t errlen);

#define STORE_RDONLY 0x1	/* read-committed, no log flush */
#define STORE_TXN_INDOUBT 0x2	/* a failed flush after the commit is
				 * STORE_INDOUBT, not STORE_ERR */
#define STORE_TXN_NOFLUSH 0x4	/* durability sync: commit without the log
				 * flush; the caller calls store_log_flush
				 * before it tells anyone the write is done */

typedef int (*store_txn_fn)(struct store_txn *t, void *arg);
int store_txn(struct store *s, int flags, store_txn_fn fn, void *arg,
    char *err, size_t errlen);

/*
 * Which opening of the environment t runs in (a count: the store reopens
 * after a panic).  A commit made with STORE_TXN_NOFLUSH sits in that
 * opening's log buffer, in shared memory, until flushed: store_log_flush
 * needs it.
 */
unsigned store_txn_opens(const struct store_txn *t);
/*
 * Flush the log to disk (everything committed so far, by any thread), for
 * commits made with STORE_TXN_NOFLUSH in the environment's opening opens
 * (store_txn_opens); nothing with durability nosync.  Several threads'
 * flushes share one fsync.  STORE_OK or STORE_ERR with err set (then
 * those commits are in doubt: STORE_INDOUBT's contract) - also when the
 * store was reopened since that opening: a recovery (after another
 * process died) rebuilt the regions from the log on disk, so a commit
 * that was only in the old log buffer may be gone, and flushing the new
 * one would say nothing about it.
 */
int store_log_flush(struct store *s, unsigned opens, char *err,
    size_t errlen);
/*
 * Durability nosync only (nothing otherwise): when more than kbytes KiB
 * of log are not yet known on disk, flush the log (write and fsync, by a
 * caller in a thread of its own: Berkeley DB holds no mutex that writers
 * need during the fsync).  Why: Berkeley DB fsyncs the log at each log
 * file switch while holding the log region's mutex, which stops every
 * writer of the environment for as long as the fsync of the whole file's
 * unwritten pages takes; flushed behind, that fsync finds little left.
 * Never less durable than not calling it.  STORE_OK or STORE_ERR with
 * err set.
 */
int store_log_write_behind(struct store *s, unsigned kbytes, char *err,
    size_t errlen);

/* Checkpoint and remove logs no longer needed (the sender calls it). */
int store_checkpoint(struct store *s, char *err, size_t errlen);
/*
 * Checkpoint only when more than kbytes KiB of log were written since the
 * last checkpoint of the environment (any process's); cheap when under
 * it (hookd.fcgi calls it every second: it bounds what a crash leaves to
 * replay).  No failchk.  STORE_OK or STORE_ERR with err set.
 */
int store_checkpoint_log(struct store *s, unsigned kbytes, char *err,
    size_t errlen);

/* Iteration callbacks return 0 to go on, 1 to stop, or a negative store
 * code to abort (returned by the iterator).  A callback must not write to
 * the records it is iterating: collect ids, then write after. */

/* ---- applications (index: by org, by key hash) ---------------------- */
struct store_app {
	char id[STORE_ID_MAX + 1];
	char org_id[STORE_ORG_MAX + 1];
	char name[STORE_NAME_MAX + 1];
	unsigned char key_hash[32];	/* SHA-256 of the app key */
	int64_t created_at;
};
typedef int (*store_app_cb)(const struct store_app *a, void *arg);

/* create: STORE_EXISTS if the id exists; else replace. */
int store_app_put(struct store_txn *t, const struct store_app *a, int create);
int store_app_get(struct store_txn *t, const char *id, struct store_app *out);
int store_app_by_key(struct store_txn *t, const unsigned char hash[32],
    struct store_app *out);
int store_app_del(struct store_txn *t, const char *id);
/* All apps (org NULL) or those of org, in id order, starting after after_id
 * (NULL or "" for the start). */
int store_app_iter(struct store_txn *t, const char *org, const char *after_id,
    store_app_cb cb, void *arg);

/* ---- webhooks (index: by app) ---------------------------------------- */
struct store_webhook {
	char id[STORE_ID_MAX + 1];
	char app_id[STORE_ID_MAX + 1];
	char url[STORE_URL_MAX + 1];
	char events[STORE_EVENTS_MAX + 1];	/* "a.b,c.*,*" */
	char description[STORE_DESC_MAX + 1];
	char secret[STORE_SECRET_MAX + 1];
	char prev_secret[STORE_SECRET_MAX + 1];	/* "" when none */
	int64_t prev_secret_until;		/* prev_secret signs until then */
	uint32_t rate_limit;			/* per second, 0 = none */
	int enabled;
	char disabled_reason[STORE_REASON_MAX + 1];
	int64_t created_at;
	int64_t updated_at;
	int ordering;				/* enum store_ordering */
	int ordering_key;			/* enum store_ordering_key */
	char headers[STORE_HEADERS_MAX + 1];	/* "Name: value\n"..., "" none */
};
/* FIFO lanes (lane.c): deliveries created while ordering is FIFO get a
 * lane and a sequence number in it. */
enum store_ordering { STORE_ORDER_NONE = 0, STORE_ORDER_FIFO = 1 };
enum store_ordering_key { STORE_OKEY_WEBHOOK = 0, STORE_OKEY_USER = 1 };
typedef int (*store_webhook_cb)(const struct store_webhook *w, void *arg);

int store_webhook_put(struct store_txn *t, const struct store_webhook *w,
    int create);
int store_webhook_get(struct store_txn *t, const char *id,
    struct store_webhook *out);
/* Only the webhook's ordering and ordering_key (enum store_ordering,
 * store_ordering_key): what each delivery created needs, without
 * copying the ~29 KiB record struct and its secrets.  Store code; both
 * are NONE / WEBHOOK unless STORE_OK. */
int store_webhook_ordering(struct store_txn *t, const char *id,
    int *ordering, int *okey);
/* Deletes the webhook and its health record (not its deliveries). */
int store_webhook_del(struct store_txn *t, const char *id);
/* Webhooks of one app, in id (creation) order. */
int store_webhook_iter_app(struct store_txn *t, const char *app_id,
    store_webhook_cb cb, void *arg);
/* 1 if the comma-joined filter list matches type (exact, "p.*", "*").
 * "*" never matches an operational type (store_type_operational): those
 * are named explicitly ("hookd.*", "hookd.delivery.*" or the type). */
int store_webhook_matches(const char *events, const char *type);

/* Operational events (lib/opev.h) are the types under this prefix.  A
 * delivery is of an operational event when its event_type is one: nothing
 * that happens to such a delivery emits another operational event. */
#define STORE_OPERATIONAL_PREFIX "hookd."
/* 1 if type is an operational type (starts with "hookd."). */
int store_type_operational(const char *type);

/* Health: written by the sender, kept apart from the webhook so that API
 * updates and delivery bookkeeping do not contend. */
struct store_health {
	char webhook_id[STORE_ID_MAX + 1];
	int64_t last_attempt_at;	/* 0: never */
	int last_status;		/* HTTP status of the last attempt, 0 if none */
	char last_error[STORE_ERROR_MAX + 1];	/* "" when it got a status */
	uint32_t consecutive_failures;
	int64_t failing_since;		/* first failure of the current streak, 0 */
	int64_t next_retry_at;		/* 0: nothing scheduled */
	/* The failing episode: 0 when none; else the failing_since that
	 * was current when a hookd.delivery.failing event was sent for this
	 * webhook, kept until a delivered attempt sends
	 * hookd.delivery.recovered (once per episode, lib/opev.h). */
	int64_t episode_since;
};
/* NOTFOUND gives a zeroed record with webhook_id set (and the code). */
int store_health_get(struct store_txn *t, const char *webhook_id,
    struct store_health *out);
int store_health_put(struct store_txn *t, const struct store_health *h);

/* ---- fan-out generation, per org --------------------------------------
 * A value that changes, in the writer's transaction, whenever the org's
 * fan-out may change: store_app_put/_del and store_webhook_put/_del bump
 * it themselves (the org of the app, before and after; a webhook whose app
 * does not exist bumps nothing: no event can reach it).  Intake reads it
 * once per event and keeps the org's apps and webhooks cached while it is
 * unchanged (cgi/fanout.h).  The read holds its lock to the reader's
 * commit, so a writer's bump waits for the transactions that read the old
 * value, and every transaction after the bump's commit sees the new one.
 * Never the same value twice (a count and a random salt). */
struct store_fanout_gen {
	uint64_t n;		/* bumps so far; 0 with salt 0: never bumped */
	uint64_t salt;		/* random, new at every bump */
};
/* The org's generation (never bumped: zeros, STORE_OK).  Store code. */
int store_fanout_gen(struct store_txn *t, const char *org,
    struct store_fanout_gen *g);
/* Change it.  A writer that takes other write locks first may call it at
 * its start as well (lock order: the generation before the records). */
int store_fanout_bump(struct store_txn *t, const char *org);

/* ---- events (index: by creation time, for retention) ---------------- */
struct store_event {
	char id[STORE_ID_MAX + 1];	/* also the idempotency key */
	char type[STORE_TYPE_MAX + 1];
	char org_id[STORE_ORG_MAX + 1];
	char app_id[STORE_ID_MAX + 1];	/* "" when org-wide */
	int64_t created_at;
	uint32_t deliveries;		/* fan-out count, for the idempotent answer */
	char *body;			/* exact bytes the receiver gets; heap */
	size_t body_len;
	/* The record as the put writes it, made before the transaction by
	 * store_event_encode (heap), or NULL: the put encodes it.  All but
	 * deliveries, which the put sets in it. */
	unsigned char *rec;
	size_t rec_len;
	/* 1: id was made by id_new for this put (not the client's): the put
	 * refuses it if taken all the same, more cheaply (dbenv.h,
	 * DBENV_PUT_FRESH) */
	int id_fresh;
};
/* The event and its one-event time index entry.  STORE_EXISTS when the
 * id is taken (waits for a racing writer). */
int store_event_put(struct store_txn *t, const struct store_event *e);
/* with_body 0 leaves body NULL (cheap). */
int store_event_get(struct store_txn *t, const char *id, int with_body,
    struct store_event *out);
/* The event and, when it is the key of its time index entry, that key (a
 * run's entry moves to its next member); a run's other members stay
 * listed and are skipped while they are gone.  NOTFOUND when absent. */
int store_event_del(struct store_txn *t, const char *id);
void store_event_free(struct store_event *e);	/* frees body and rec */
/* Encode e's record into e->rec now (every field final but deliveries):
 * a request thread does it before the hand-off, so that the committer
 * does not.  STORE_OK, or STORE_ERR (a field or body too long, memory);
 * then e->rec stays NULL and the put encodes as before. */
int store_event_encode(struct store_event *e);
/*
 * Events created before ms, oldest first (db/eventtime.c's index: the
 * events of one entry in the order they were written); the callback gets
 * no body and returns 0 to go on, 1 to stop (after the rest of that
 * entry's events), a negative store code to abort.  after_id NULL or "":
 * from the oldest; else strictly after the index entry (after_at,
 * after_id), the key of an entry: a one-event entry's event, or a run's
 * first event (a resumed walk).
 */
int store_event_iter_before(struct store_txn *t, int64_t ms, int64_t after_at,
    const char *after_id, int (*cb)(const struct store_event *e, void *arg),
    void *arg);

/* ---- events by creation time (events_time.db, db/eventtime.c) --------
 * One index entry per event (store_event_put), or one per run of events
 * of one created_at written in one transaction (a batch: store_publish
 * with a struct store_publish_batch).  Retention walks it. */

/* Bytes of ids one run entry holds at most: a run beyond it starts a new
 * entry, so an entry stays on its 16 KiB index page (no overflow page). */
#define STORE_EVENTTIME_RUN_BYTES 3600

/* A run being collected: its first event's id (the entry's key with at)
 * and the other ids, each NUL-terminated, after a version byte.  Zeroed
 * (memset) is empty. */
struct store_eventtime_run {
	int64_t at;
	size_t n;			/* events in the run; 0: none */
	char first[STORE_ID_MAX + 1];
	size_t len;			/* bytes used in rest */
	unsigned char rest[STORE_EVENTTIME_RUN_BYTES];
};
/* Add e (stored in t without its index entry) to run r; when e's
 * created_at differs from the run's or its id does not fit, r's entry is
 * written first and r starts again with e.  Store code. */
int store_eventtime_add(struct store_txn *t, struct store_eventtime_run *r,
    const struct store_event *e);
/* Write r's entry (nothing when empty) and empty r.  Store code.  A run's
 * events must have their entry written in the transaction that stored
 * them, or retention never sees them. */
int store_eventtime_end(struct store_txn *t, struct store_eventtime_run *r);

/* Where a retention walk is: in, strictly after the entry (at, id) (id
 * "": from the oldest); out, the last entry looked at, and the counts. */
struct store_eventtime_purge {
	int64_t at;
	char id[STORE_ID_MAX + 1];
	size_t looked;		/* out: entries looked at (0: the walk is done) */
	size_t deleted;		/* out: events deleted */
};
/* Whether event e (no body) stays: 1 stays, 0 may go, or a negative store
 * code.  Reads in t as it likes; never writes. */
typedef int (*store_eventtime_keep_fn)(struct store_txn *t,
    const struct store_event *e, void *arg);
/*
 * Retention's step in t: from strictly after p->(at, id), the index
 * entries of events created before ms, whole entries until max events
 * were looked at; of each entry's events keep says which stay.  The
 * others are deleted (their records; their deliveries are the caller's
 * affair) and the entry is written again with those that stay (its key
 * then the first of them), or deleted when none does.  Members whose
 * event is gone (store_event_del) or is another event of that id are
 * dropped.  p->(at, id) end on the last entry looked at (its old key).
 * Store code.
 */
int store_eventtime_purge(struct store_txn *t, int64_t ms, size_t max,
    store_eventtime_keep_fn keep, void *arg, struct store_eventtime_purge *p);

/* ---- publishing: an event and its deliveries ------------------------
 * The one path by which events are stored, whoever makes them: the API's
 * intake (POST /v1/events, the test endpoint) and the operational events
 * of both programs (lib/opev.h).  Always inside the caller's transaction,
 * so that an event is stored together with what caused it. */

/* Target i of a caller's list: its webhook id and that webhook's app id
 * (both NUL-terminated, at most STORE_ID_MAX bytes, borrowed). */
typedef void (*store_target_fn)(const void *list, size_t i,
    const char **webhook_id, const char **app_id);
/*
 * Store ev with ev->deliveries = n (set here) and one pending delivery per
 * target, due and created at ev->created_at, with a new "dlv_" id each.
 * Each delivery gets its FIFO lane and sequence from its webhook
 * (store_delivery_put); user_id (the event's, NULL or "" when none)
 * picks the lane of webhooks ordered by user_id, and webhook.test goes
 * outside every lane.  last_id (STORE_ID_MAX + 1 bytes, or NULL) gets the
 * last delivery id written ("" when n is 0).  b NULL: the queue counters
 * and the event's time index entry are written here; else both go into
 * *b (below), which the caller writes once for all its events
 * (store_publish_batch_end) in the same transaction.  STORE_EXISTS when
 * ev->id is taken (nothing written); otherwise a store code (STORE_ERR
 * also for no entropy).
 */
struct store_publish_batch;
struct store_queue;
int store_publish(struct store_txn *t, struct store_event *ev,
    const char *user_id, size_t n, store_target_fn target, const void *list,
    char *last_id, struct store_publish_batch *b);
/*
 * Publish ev to every enabled webhook of ev->app_id whose filter matches
 * ev->type (store_webhook_matches), as read in t; when none does, nothing
 * is stored (unlike intake, which keeps an event without deliveries for
 * its idempotency: an event made here has no client to answer).  The
 * deliveries written go to *n (may be NULL).  Store code, as
 * store_publish.
 */
int store_publish_app(struct store_txn *t, struct store_event *ev,
    size_t *n);

/* ---- deliveries (indices: by app, by webhook, due) -------------------- */
enum store_dlv_status {
	STORE_DLV_PENDING = 0,
	STORE_DLV_DELIVERED = 1,
	STORE_DLV_FAILED = 2,
	STORE_DLV_CANCELLED = 3,
};
struct store_delivery {
	char id[STORE_ID_MAX + 1];
	char event_id[STORE_ID_MAX + 1];
	char webhook_id[STORE_ID_MAX + 1];
	char app_id[STORE_ID_MAX + 1];
	char event_type[STORE_TYPE_MAX + 1];
	int status;			/* enum store_dlv_status */
	uint32_t attempts;		/* attempts made */
	int64_t next_attempt_at;	/* meaningful while pending */
	int64_t created_at;
	int64_t updated_at;
	/*
	 * FIFO lanes.  sequence: the delivery's place in its lane, 1, 2, ...
	 * (0: not ordered).  lane: the lane within the webhook ("" the
	 * webhook's one lane, "u" events without user_id, "u:" + user_id).
	 * solo: retried out of order, no longer waits in (or holds) its lane.
	 * On create the store fills all three from the webhook's ordering
	 * (read in the same transaction) and user_id; a caller that wants no
	 * lane (webhook.test) sets sequence = STORE_SEQ_NONE.
	 */
	uint64_t sequence;
	char lane[STORE_LANE_MAX + 1];
	int solo;
	const char *user_id;	/* create only, not stored: the event's
				 * user_id, NULL or "" when none */
};
#define STORE_SEQ_NONE UINT64_MAX
typedef int (*store_delivery_cb)(const struct store_delivery *d, void *arg);

/* The due index holds the pending deliveries that may be sent, keyed by
 * (next_attempt_at, id): every pending one outside a FIFO lane and the
 * head (lowest sequence) of each lane; the lane index holds the pending
 * deliveries of each lane in sequence order.  put keeps both in step
 * with status: a lane's next delivery enters the due index in the
 * transaction where its head stops being pending. */
int store_delivery_put(struct store_txn *t, const struct store_delivery *d,
    int create);
int store_delivery_get(struct store_txn *t, const char *id,
    struct store_delivery *out);
/*
 * store_delivery_put(t, d, 0) when old is the record as read by
 * store_delivery_get in this same transaction (d->id == old->id): the
 * record is not read again.  With qdelta not NULL the queue counters are
 * not written: the status change is added to *qdelta, and the caller must
 * store_queue_add it in the same transaction (a batch writes them once).
 *
 * A batch of outcomes removes its due-index entries in one walk, in key
 * order, instead of one search from the root each: with later not NULL,
 * old's due-index entry, when it has to go, is appended to later (room
 * for one more: the caller sizes it, one per put) instead of removed; the
 * caller then calls store_due_del_later in the same transaction, before
 * anything in it reads the due index.  A new entry (a retry) is written
 * at once; FIFO lane deliveries are not deferred.  store_due_del_later
 * sorts later and removes each entry with one cursor (entries already
 * gone are passed over), and empties it.
 */
struct store_due_key {
	int64_t at;			/* next_attempt_at of the entry */
	char id[STORE_ID_MAX + 1];	/* delivery id */
};
struct store_due_later {
	struct store_due_key *v;
	size_t n;
};
int store_delivery_put_over(struct store_txn *t,
    const struct store_delivery *old, const struct store_delivery *d,
    struct store_queue *qdelta, struct store_due_later *later);
int store_due_del_later(struct store_txn *t, struct store_due_later *later);
/*
 * One cursor on the deliveries for a batch that reads and rewrites many
 * (the sender's outcomes), instead of a search from the root for each read
 * and again for each write: store_delivery_get_at is store_delivery_get
 * through it (the record's page write-locked: a write follows), and
 * store_delivery_put_over_at is store_delivery_put_over with old as
 * that get read it, written through the cursor where it stands.  Nothing
 * else may write deliveries between the two.  Close the cursor before the
 * transaction ends, on every path (store_txn runs the function again
 * after a deadlock: open it in there).
 */
struct store_dlv_cur;
int store_dlv_cur_open(struct store_txn *t, struct store_dlv_cur **cp);
void store_dlv_cur_close(struct store_dlv_cur *c);
int store_delivery_get_at(struct store_txn *t, struct store_dlv_cur *c,
    const char *id, struct store_delivery *out);
int store_delivery_put_over_at(struct store_txn *t, struct store_dlv_cur *c,
    const struct store_delivery *old, const struct store_delivery *d,
    struct store_queue *qdelta, struct store_due_later *later);
/* Deletes the delivery and its attempts. */
int store_delivery_del(struct store_txn *t, const char *id);
/* Newest first, starting strictly before before_id (NULL/"" = newest). */
int store_delivery_iter_app(struct store_txn *t, const char *app_id,
    const char *before_id, store_delivery_cb cb, void *arg);
int store_delivery_iter_webhook(struct store_txn *t, const char *webhook_id,
    const char *before_id, store_delivery_cb cb, void *arg);
/* The deliveries of an event in the by-event index, which only stores
 * written before it was dropped have (those deliveries keep their entry
 * until deleted); retention asks it for them (sender/purge.c). */
int store_delivery_iter_event(struct store_txn *t, const char *event_id,
    store_delivery_cb cb, void *arg);
/* Pending deliveries with next_attempt_at <= until, earliest first. */
int store_delivery_iter_due(struct store_txn *t, int64_t until,
    store_delivery_cb cb, void *arg);
/* As store_delivery_iter_due, but skip(id, arg) is asked first for each
 * entry: 0 calls cb, 1 passes over it, 2 ends the walk (STORE_OK).  For
 * picks: cb gets the delivery as its due entry carries it (id, webhook_id,
 * event_id, event_type, attempts, next_attempt_at, sequence, lane, solo,
 * status pending; app_id, created_at and updated_at empty), without
 * reading the delivery record, except for an older store's entry without
 * data (then the record). */
int store_delivery_iter_due_skip(struct store_txn *t, int64_t until,
    int (*skip)(const char *id, void *arg), store_delivery_cb cb, void *arg);
/* As store_delivery_iter_due_skip, starting at the first entry due at
 * from_at instead of the earliest one.  Not at a delivery of that moment:
 * a run entry (db/duerun.h) keyed before it may list it, and the runs of
 * one moment made by different transactions interleave, so a walk meets
 * their members out of id order. */
int store_delivery_iter_due_from(struct store_txn *t, int64_t from_at,
    int64_t until,
    int (*skip)(const char *id, void *arg), store_delivery_cb cb, void *arg);
/* Earliest next_attempt_at of any pending delivery, or STORE_NOTFOUND. */
int store_delivery_next_due(struct store_txn *t, int64_t *at);
/* All deliveries created before ms, oldest first (ids are time-ordered),
 * strictly after after_id (NULL or "": from the oldest). */
int store_delivery_iter_before(struct store_txn *t, int64_t ms,
    const char *after_id, store_delivery_cb cb, void *arg);

/*
 * End every pending delivery of a webhook: status STORE_DLV_CANCELLED (the
 * webhook was deleted) or STORE_DLV_FAILED (it was disabled), updated_at
 * = now.  The count goes to *n (may be NULL).  Cancelled also removes
 * the webhook's FIFO lanes (their records and sequence counters).  Store
 * code.
 */
int store_delivery_end_webhook(struct store_txn *t, const char *webhook_id,
    int status, int64_t now, size_t *n);

/* ---- FIFO lanes (lane.c) ----------------------------------------------
 * One lane record per (webhook, lane): its next sequence number and the
 * pending deliveries waiting in it. */
struct store_lane {
	char webhook_id[STORE_ID_MAX + 1];
	char lane[STORE_LANE_MAX + 1];
	uint64_t next_seq;		/* the sequence the next delivery gets */
	uint64_t waiting;		/* pending deliveries in the lane */
	char head_id[STORE_ID_MAX + 1];	/* lowest sequence pending, "" none */
	uint64_t head_seq;
};
/* The lanes of one webhook (webhook_id NULL or "": of all webhooks) that
 * have a pending delivery, in key order.  Callback rules as above.
 * budget (NULL: none): lane records to look at at most, drained lanes
 * included (a lane record lives as long as its webhook, for its
 * sequence); counted down, 0 when the walk stopped for it. */
int store_lane_iter(struct store_txn *t, const char *webhook_id,
    size_t *budget, int (*cb)(const struct store_lane *l, void *arg),
    void *arg);

/* ---- attempts (keyed by delivery; index: failures) --------------------
 * An attempt is identified by (delivery_id, id): putting the same pair
 * again replaces it. */
struct store_attempt {
	char id[STORE_ID_MAX + 1];
	char delivery_id[STORE_ID_MAX + 1];
	char webhook_id[STORE_ID_MAX + 1];
	int64_t at;
	int status_code;		/* HTTP status, 0 when none */
	char error[STORE_ERROR_MAX + 1];	/* "" when it got a status */
	uint32_t duration_ms;
	char response[STORE_RESP_MAX + 1];	/* may hold NULs: use response_len */
	size_t response_len;
};
int store_attempt_put(struct store_txn *t, const struct store_attempt *a);
/* Attempts of one delivery, oldest first. */
int store_attempt_iter_delivery(struct store_txn *t, const char *delivery_id,
    int (*cb)(const struct store_attempt *a, void *arg), void *arg);

/* Failed attempts (error or non-2xx), newest first: the status page's list. */
int store_attempt_iter_failures(struct store_txn *t,
    int (*cb)(const struct store_attempt *a, void *arg), void *arg);

/* ---- queue counters, kept by store_delivery_put/_del ------------------
 * Sharded by process (a few keys summed on read) so concurrent intake
 * writers do not all wait on one counter record. */
struct store_queue {
	int64_t pending, delivered, failed, cancelled;
};
int store_queue_get(struct store_txn *t, struct store_queue *q);
/* Add delta (per status, may be negative) to the counters. */
int store_queue_add(struct store_txn *t, const struct store_queue *delta);

/* What the events published in one transaction with a batch (publishing,
 * store_publish above) leave to write at its end: their deliveries' queue
 * counters and their time index run.  Zeroed (memset) is empty; zero it
 * again when the transaction runs again (a retry). */
struct store_publish_batch {
	struct store_queue q;
	struct store_eventtime_run run;
};
/* Write b's counters and run entry in t, and empty b.  Store code. */
int store_publish_batch_end(struct store_txn *t,
    struct store_publish_batch *b);

/* ---- hourly statistics per webhook, written by the sender ------------
 * One row per (webhook, hour) plus a global row under webhook_id "*".
 * Latency buckets are powers of two in ms: bucket i holds [2^(i-1), 2^i)
 * (bucket 0 holds 0 ms); the last bucket holds everything larger. */
#define STORE_LAT_BUCKETS 20
struct store_stat {
	int64_t hour;			/* start of the hour, ms */
	uint32_t delivered;		/* successful attempts */
	uint32_t failed;		/* failed attempts */
	uint32_t latency[STORE_LAT_BUCKETS];
};
/* Add one attempt to the webhook's row and to the global row. */
int store_stat_add(struct store_txn *t, const char *webhook_id, int64_t at,
    int ok, uint32_t duration_ms);
/* Add add's counts to one row (webhook_id, or "*" for the global row;
 * add->hour may be any ms inside the hour): many attempts in one write. */
int store_stat_merge(struct store_txn *t, const char *webhook_id,
    const struct store_stat *add);
/* The latency bucket (index into latency[]) of an attempt of ms. */
int store_stat_bucket(uint32_t ms);
/* NOTFOUND gives a zeroed row with hour set (and the code). */
int store_stat_get(struct store_txn *t, const char *webhook_id, int64_t hour,
    struct store_stat *out);
/* Remove rows of hours before ms. */
int store_stat_purge(struct store_txn *t, int64_t before_ms);

/* ---- counts, for the status page and the tests ----------------------- */
struct store_counts {
	uint64_t apps, webhooks, events, deliveries, attempts;
	uint64_t pending;		/* entries of the due index */
};
/* Exact counts (walks the databases: tests and small stores only). */
int store_counts(struct store_txn *t, struct store_counts *c);

#endif
