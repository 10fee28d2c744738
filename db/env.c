/*
 * env.c - the environment: open (with recovery when due), close, reopen
 * after a failure, failchk and checkpoints (contracts in store.h; the
 * handle in env.h).
 *
 * Several processes (FastCGI workers, the sender, CLI runs) share one
 * environment.  Each opens it with DB_REGISTER | DB_RECOVER, so recovery
 * runs exactly when a previous user died inside the environment (the
 * registry notices), and configures set_thread_count/set_isalive so that
 * failchk can release the locks and abort the transactions of a dead
 * process; store_txn runs failchk after every deadlock/lock timeout and
 * store_checkpoint runs it too.  Lock waits are bounded by a lock timeout
 * and a transaction timeout, and the deadlock detector runs on every
 * conflict and, for expired lock waits, on a thread of its own (detect.c).
 *
 * Not DB_FAILCHK at open: with it, DB_REGISTER answers a dead process by
 * attaching to the regions and running failchk instead of recovery, and
 * when the dead process was killed holding a region mutex (SIGKILL in the
 * middle of a DB call) the opener blocks forever in that mutex (seen in
 * test_store_proc: __envreg_register -> __env_attach_regions ->
 * __env_ref_increment -> pthread_mutex_lock).  Plain DB_REGISTER |
 * DB_RECOVER removes and rebuilds the regions instead, which never waits on
 * the dead process's mutexes.  The price: after a process death the next
 * opener's recovery panics the other live handles; they reopen (below).
 *
 * A panic (DB_RUNRECOVERY) marks the handle dead.  If it shows at
 * txn_begin, nothing was done yet, so store_txn reopens at once and goes
 * on; if it shows inside a transaction, that store_txn returns STORE_ERR
 * and the next store_check/store_txn reopens (env_use).
 *
 * A process SIGKILLed inside a DB call can leave a region mutex locked
 * forever (no timeout ends a mutex wait).  Two defences (test_fault_open):
 *  - Opens are serialised by an flock on data_dir/open.lock, held for the
 *    env open and every database open/create.  Someone killed inside its
 *    open thus holds nothing that the next opener could wait on: the
 *    flock goes with the process, and the next opener finds it dead in
 *    __db.register and recovers.  Database files are created under it
 *    too, so handle-lock waits on a half-created file cannot happen.
 *  - The wedge watchdog (watchdog.c) exits a process stuck for good.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "db/ckflush.h"
#include "db/crypt.h"
#include "db/dbenv.h"
#include "db/detect.h"
#include "db/env.h"
#include "db/keycmp.h"
#include "db/logsum.h"
#include "db/rec.h"
#include "db/registry.h"
#include "db/rekey.h"
#include "db/replenv.h"
#include "db/watchdog.h"

/*
 * Page sizes, chosen by measurement (bench/store_bench.c, docs/design.md
 * "Storage layout"): STORE_PAGESIZE for the record databases, whose
 * records go up to a few KiB (events with bodies, attempts with a 4 KiB
 * response excerpt); a record larger than about a quarter of a page goes
 * to overflow pages, which serialise writers.  Index databases hold tiny
 * keys and use STORE_IDX_PAGESIZE.  events.db has pages of its own,
 * STORE_EVENT_PAGESIZE: it grows at its end by a page split every few
 * events, each logging the full page it splits (a fixed ~40,000
 * instructions of the committer besides the image's bytes, which are the
 * events' own size again whatever the page); at 32 KiB half as many
 * (docs/performance.md, session 9; 64 KiB, the largest page BDB takes,
 * saved little more and is the one size whose empty page's offset does
 * not fit BDB's 16-bit page offsets).  All apply when a database file is
 * created; an existing file keeps its own.
 */
#ifndef STORE_PAGESIZE
#define STORE_PAGESIZE 16384
#endif
#ifndef STORE_EVENT_PAGESIZE
#define STORE_EVENT_PAGESIZE 32768
#endif
#ifndef STORE_IDX_PAGESIZE
#define STORE_IDX_PAGESIZE 16384
#endif

#define OPEN_LOCK	"open.lock"	/* flock'd by every opener (data_dir) */
#define THREAD_COUNT	1024	/* processes/threads tracked for failchk */

/* Every database is a B-tree except the queue counters: a DB_QUEUE, whose
 * locks are per record, so that the per-process shards really are
 * independent (B-tree locks are per page, and all shards fit one page). */
static const struct {
	const char *file;
	u_int32_t pagesize;
	DBTYPE type;
} dbtab[DBI_N] = {
	[DBI_APP] = { "apps.db", STORE_PAGESIZE, DB_BTREE },
	[DBI_APP_ORG] = { "apps_org.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_APP_KEY] = { "apps_key.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_WH] = { "webhooks.db", STORE_PAGESIZE, DB_BTREE },
	[DBI_WH_APP] = { "webhooks_app.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_HEALTH] = { "health.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_EVT] = { "events.db", STORE_EVENT_PAGESIZE, DB_BTREE },
	[DBI_EVT_TIME] = { "events_time.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_DLV] = { "deliveries.db", STORE_PAGESIZE, DB_BTREE },
	[DBI_DLV_APP] = { "deliveries_app.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_DLV_WH] = { "deliveries_webhook.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_DLV_EVT] = { "deliveries_event.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_DLV_DUE] = { "deliveries_due.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_ATT] = { "attempts.db", STORE_PAGESIZE, DB_BTREE },
	[DBI_ATT_DLV] = { "attempts_delivery.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_ATT_FAIL] = { "attempts_failed.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_QUEUE] = { "queue.db", 4096, DB_QUEUE },
	[DBI_STAT] = { "stats.db", STORE_IDX_PAGESIZE, DB_BTREE },
	/* one small record per org, written only when its apps or
	 * webhooks change: small pages keep orgs on separate locks */
	[DBI_FANOUT] = { "fanout.db", 4096, DB_BTREE },
	[DBI_COUNTER] = { "counters.db", 4096, DB_BTREE },
	[DBI_LANE] = { "lanes.db", STORE_IDX_PAGESIZE, DB_BTREE },
	[DBI_REPL] = { "replsites.db", 4096, DB_BTREE },
};

static void
errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	struct store *s = __atomic_load_n(&env->app_private, __ATOMIC_ACQUIRE);

	(void)pfx;
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->msg_mu);
	snprintf(s->bdbmsg, sizeof(s->bdbmsg), "%s", msg);
	pthread_mutex_unlock(&s->msg_mu);
}

void
env_msg(struct store *s, char *out, size_t n)
{
	pthread_mutex_lock(&s->msg_mu);
	snprintf(out, n, "%s", s->bdbmsg);
	pthread_mutex_unlock(&s->msg_mu);
}

static void
msgcall(const DB_ENV *env, const char *msg)
{
	/* failchk's notes ("Freeing read locks for locker ..."), verbose
	 * output: keep the last one with the error text, print nothing
	 * (stdout may be a FastCGI socket). */
	errcall(env, NULL, msg);
}

/* failchk's question: is this process still there?  Our processes are
 * single-threaded users of the environment, so the pid decides. */
static int
isalive(DB_ENV *env, pid_t pid, db_threadid_t tid, u_int32_t flags)
{
	(void)env;
	(void)tid;
	(void)flags;
	if (pid == getpid())
		return 1;
	return kill(pid, 0) == 0 || errno == EPERM;
}

/*
 * Serialise opens across processes: an exclusive flock on data_dir/
 * open.lock for the whole open (env open, every database open/create,
 * the region reservation).  A process killed in the middle of its open
 * releases it by dying, and the next opener then finds it dead in the
 * registry and recovers instead of waiting on what it held.  -1 on error
 * (then we open without it, as before).
 */
int
env_open_lock(const char *home)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", home, OPEN_LOCK) >=
	    (int)sizeof(path))
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660)) == -1)
		return -1;
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			(void)close(fd);
			return -1;
		}
	}
	return fd;
}

static void
close_handles(struct store *s)
{
	/* Every write is logged, so the log alone makes the databases
	 * recoverable; a close flushes each file anyway (an fsync each, 17
	 * files: a slow disk's worth of seconds at the end of every
	 * --once).  Right after a checkpoint of ours, with none of our
	 * writes since, the flush would only sync what the checkpoint
	 * already did: skip it.  Not on a replication site (its
	 * replication threads write without store_txn). */
	u_int32_t flags = __atomic_load_n(&s->ckpt_clean, __ATOMIC_SEQ_CST) &&
	    s->repl == NULL ? DB_NOSYNC : 0;
	int i;

	watchdog_enter(&s->dog, 0);
	detect_stop(&s->detector);
	/* After a panic the handles' close fails early and BDB keeps (leaks)
	 * some of their memory; DB_NOPANIC to force a full close crashed in
	 * testing, so that memory is given up (rare: once per recovery). */
	for (i = 0; i < DBI_N; i++) {
		if (s->db[i] != NULL)
			(void)s->db[i]->close(s->db[i], flags);
		s->db[i] = NULL;
	}
	registry_set_registered(&s->reg, 0);	/* env close empties our slot */
	if (s->env != NULL) {
		/* atomic: replication's threads run the callbacks until
		 * the close below has stopped them */
		__atomic_store_n(&s->env->app_private, NULL, __ATOMIC_RELEASE);
		(void)s->env->close(s->env, 0);
	}
	s->env = NULL;
	registry_close(&s->reg);
	watchdog_leave(&s->dog);
}

static int
fail(struct store *s, int ret, const char *what, char *err, size_t errlen)
{
	struct store_txn t;

	memset(&t, 0, sizeof(t));
	t.s = s;
	(void)dbenv_rc(&t, ret, what);
	if (t.err[0] == '\0')	/* a code dbenv_rc does not explain */
		snprintf(t.err, sizeof(t.err), "storage: %s: %s", what,
		    db_strerror(ret));
	snprintf(err, errlen, "%s", t.err);
	return STORE_ERR;
}

/*
 * Back the region files (__db.001 ...) with real disk blocks up to the
 * size they are mapped at.  BDB maps each region file at its maximum size
 * but extends the file only as the region grows (the mpool's file goes
 * from ~1 MiB to ~40 MiB as the cache fills), and extends it sparsely.
 * Storing into an unbacked page of a shared file mapping when the file
 * system is full raises SIGBUS inside BDB (seen: memcpy in __db_poff from
 * store_event_put on a full tmpfs) instead of ENOSPC.  With every mapped
 * byte allocated here, later growth needs no new blocks, and a full disk
 * shows as ENOSPC from write()/fsync of the log and database files.
 *
 * The mapped sizes come from /proc/self/maps (the mapping length is BDB's
 * region maximum; no guessing its internals).  fallocate(2) and not
 * posix_fallocate: glibc's fallback for file systems without fallocate
 * writes a zero byte into each block it believes unallocated, which could
 * race with another process's store into the live region; there we do
 * nothing (no worse than before).  Already allocated ranges cost nothing.
 * Every opener does this (cheap), so the creator and recoverer do too.
 * ENOSPC here fails the open (the caller answers 503): an environment we
 * cannot back would crash later instead.
 */
static int
regions_reserve(struct store *s, char *err, size_t errlen)
{
	char home[PATH_MAX], line[PATH_MAX + 256], *path, *name;
	unsigned long long lo, hi, off;
	size_t hl;
	FILE *f;
	int fd, rc = STORE_OK;

	if (realpath(s->home, home) == NULL)
		return STORE_OK;	/* cannot tell our files: as before */
	hl = strlen(home);
	if ((f = fopen("/proc/self/maps", "re")) == NULL)
		return STORE_OK;
	while (rc == STORE_OK && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		/* hexadecimal fields the kernel writes (lib/num is decimal);
		 * a line that does not match is skipped (!= 3), and the
		 * values only size a fallocate: NOLINTNEXTLINE(cert-err34-c) */
		if (sscanf(line, "%llx-%llx %*s %llx", &lo, &hi, &off) != 3 ||
		    (path = strchr(line, '/')) == NULL)
			continue;
		/* <home>/__db.NNN exactly; not " (deleted)" old mappings */
		if (strncmp(path, home, hl) != 0 || path[hl] != '/')
			continue;
		name = path + hl + 1;
		if (strncmp(name, "__db.", 5) != 0 ||
		    strspn(name + 5, "0123456789") != strlen(name + 5) ||
		    name[5] == '\0')
			continue;
		if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1)
			continue;	/* removed by a recovery meanwhile */
		if (fallocate(fd, 0, 0, (off_t)(off + (hi - lo))) == -1 &&
		    errno != EOPNOTSUPP && errno != ENOSYS) {
			snprintf(err, errlen, "storage: reserving %llu bytes "
			    "for %s: %s%s", off + (hi - lo), name,
			    strerror(errno), errno == ENOSPC ||
			    errno == EDQUOT ? " (disk full)" : "");
			rc = STORE_ERR;
		}
		(void)close(fd);
	}
	(void)fclose(f);
	return rc;
}

static int
open_env(struct store *s, char *err, size_t errlen)
{
	DB_ENV *env;
	u_int32_t flags, dbflags;
	db_timeout_t lt;
	int ret, i;

	/* before recovery reads the log: its checksums are logsum.c's from
	 * here on, or libdb's if the two ever differ */
	(void)logsum_check();
	if ((ret = db_env_create(&env, 0)) != 0)
		return fail(s, ret, "db_env_create", err, errlen);
	s->env = env;
	env->app_private = s;
	env->set_errcall(env, errcall);
	env->set_msgcall(env, msgcall);
	lt = (db_timeout_t)s->lock_timeout_ms * 1000;
	flags = DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL |
	    DB_INIT_TXN | DB_REGISTER | DB_RECOVER | DB_THREAD;
	if (crypt_env_setup(env, s->home, s->key_file, &flags, err,
	    errlen) == -1)
		goto bad;	/* ret is 0: err says why */
	if ((ret = env->set_cachesize(env, 0, 32 * 1024 * 1024, 1)) != 0 ||
	    (ret = env->set_lg_bsize(env, 2 * 1024 * 1024)) != 0 ||
	    (ret = env->set_lk_max_locks(env, 20000)) != 0 ||
	    (ret = env->set_lk_max_objects(env, 20000)) != 0 ||
	    (ret = env->set_lk_max_lockers(env, 4000)) != 0 ||
	    (ret = env->set_thread_count(env, THREAD_COUNT)) != 0 ||
	    (ret = env->set_isalive(env, isalive)) != 0 ||
	    (ret = env->set_lk_detect(env, DB_LOCK_YOUNGEST)) != 0 ||
	    (ret = env->set_timeout(env, lt, DB_SET_LOCK_TIMEOUT)) != 0 ||
	    (ret = env->set_timeout(env, lt * 5 < 10000000 ? 10000000 : lt * 5,
	    DB_SET_TXN_TIMEOUT)) != 0 ||
	    (ret = env->log_set_config(env, DB_LOG_AUTO_REMOVE,
	    s->repl != NULL)) != 0)
		goto bad;
	if (s->nosync && (ret = env->set_flags(env, DB_TXN_WRITE_NOSYNC,
	    1)) != 0)
		goto bad;
	if (s->repl != NULL &&
	    repl_env_setup(env, s->repl, &flags, err, errlen) == -1)
		goto bad;	/* ret is 0: err says why */
	if ((ret = env->open(env, s->home, flags, 0660)) != 0)
		goto bad;
	registry_open(&s->reg, s->home);	/* if only created now */
	registry_set_registered(&s->reg, 1);
	if (regions_reserve(s, err, errlen) != STORE_OK)
		goto bad;	/* ret is 0: err says why */
	/* Replicated: databases are created on the master only (a client's
	 * arrive from it; repl.c), the replication process opens none. */
	dbflags = DB_CREATE | DB_AUTO_COMMIT | DB_THREAD;
	if (s->repl != NULL && !repl_env_master(env))
		dbflags &= ~(u_int32_t)DB_CREATE;
	for (i = 0; i < DBI_N && !s->repl_process; i++) {
		if (i == DBI_REPL && s->repl == NULL)
			continue;
		if (s->repl != NULL)
			repl_nodelay();	/* each open waits for acks */
		if ((ret = env_db_open(env, i, s->key_file != NULL, dbflags,
		    &s->db[i])) != 0)
			goto bad;
	}
	s->opens++;
	if (detect_start(&s->detector, env, s->lock_timeout_ms) == -1) {
		snprintf(err, errlen, "storage: cannot start lock watcher");
		goto bad;
	}
	return STORE_OK;
bad:
	if (ret != 0)
		(void)fail(s, ret, "open", err, errlen);
	close_handles(s);
	return STORE_ERR;
}

int
env_db_open(DB_ENV *env, int i, int encrypted, u_int32_t flags, DB **dbp)
{
	DB *db;
	int ret;

	*dbp = NULL;
	if ((ret = db_create(&db, env, 0)) != 0)
		return ret;
	*dbp = db;
	if ((ret = db->set_pagesize(db, dbtab[i].pagesize)) != 0)
		return ret;
	/* the default order, faster (keycmp.h) */
	if (dbtab[i].type == DB_BTREE &&
	    ((ret = db->set_bt_compare(db, keycmp_compare)) != 0 ||
	    (ret = db->set_bt_prefix(db, keycmp_prefix)) != 0))
		return ret;
	if (dbtab[i].type == DB_QUEUE &&
	    (ret = db->set_re_len(db, REC_QUEUE_MAX)) != 0)
		return ret;
	if (encrypted && (ret = db->set_flags(db, DB_ENCRYPT)) != 0)
		return ret;
	return db->open(db, NULL, dbtab[i].file, NULL, dbtab[i].type, flags,
	    0660);
}

const char *
env_db_file(int i)
{
	return dbtab[i].file;
}

/* Open everything under the open lock, watched by the watchdog. */
static int
open_handles(struct store *s, char *err, size_t errlen)
{
	int lockfd = -1, rc;

	s->dead = 0;
	pthread_mutex_lock(&s->msg_mu);
	s->bdbmsg[0] = '\0';
	pthread_mutex_unlock(&s->msg_mu);
	if (mkdir(s->home, 0770) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "storage: mkdir %s: %s", s->home,
		    strerror(errno));
		return STORE_ERR;
	}
	if (!s->lock_held)
		lockfd = env_open_lock(s->home);
	/* a key conversion cut short is finished or undone first */
	if (rekey_settle(s->home, err, errlen) == -1) {
		if (lockfd >= 0)
			(void)close(lockfd);
		return STORE_ERR;
	}
	registry_open(&s->reg, s->home);
	watchdog_enter(&s->dog, registry_will_recover(&s->reg));
	rc = open_env(s, err, errlen);
	watchdog_leave(&s->dog);
	if (lockfd >= 0)
		(void)close(lockfd);
	return rc;
}

/* What store_open made, once the handles are closed. */
static void
store_free(struct store *s)
{
	watchdog_stop(&s->dog);
	registry_destroy(&s->reg);
	pthread_rwlock_destroy(&s->rw);
	pthread_mutex_destroy(&s->msg_mu);
	free(s->repl);
	free(s->key_file);
	free(s->home);
	free(s);
}

int
store_open(struct store **sp, const struct store_opts *o, char *err,
    size_t errlen)
{
	return env_open(sp, o, 0, err, errlen);
}

int
env_open(struct store **sp, const struct store_opts *o, int lock_held,
    char *err, size_t errlen)
{
	pthread_rwlockattr_t rwa;
	struct store *s;

	*sp = NULL;
	if (o == NULL || o->home == NULL || o->home[0] == '\0') {
		snprintf(err, errlen, "storage: no data directory");
		return STORE_ERR;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->home = strdup(o->home)) == NULL ||
	    (o->key_file != NULL && o->key_file[0] != '\0' &&
	    (s->key_file = strdup(o->key_file)) == NULL) ||
	    (o->repl != NULL && o->repl->enabled &&
	    (s->repl = malloc(sizeof(*s->repl))) == NULL)) {
		if (s != NULL) {
			free(s->key_file);
			free(s->home);
		}
		free(s);
		snprintf(err, errlen, "storage: out of memory");
		return STORE_ERR;
	}
	pthread_rwlockattr_init(&rwa);
	/* a waiting reopen goes before new transactions */
	pthread_rwlockattr_setkind_np(&rwa,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->rw, &rwa);
	pthread_rwlockattr_destroy(&rwa);
	pthread_mutex_init(&s->msg_mu, NULL);
	registry_init(&s->reg);
	if (s->repl != NULL && o->repl != NULL)
		memcpy(s->repl, o->repl, sizeof(*s->repl));
	s->repl_process = o->repl_process;
	s->repl_weak_ok = o->repl_weak_ok;
	s->nosync = o->nosync;
	s->lock_held = lock_held;
	s->lock_timeout_ms = o->lock_timeout_ms > 0 ? o->lock_timeout_ms : 2000;
	if (watchdog_start(&s->dog, &s->reg, s->lock_timeout_ms) == -1) {
		snprintf(err, errlen, "storage: cannot start the watchdog");
		goto bad;
	}
	/* replicated: a commit waits for connections, then for acks */
	if (s->repl != NULL)
		s->dog.grace_ms = (int)(2 * s->repl->ack_timeout_ms + 1000);
	if (open_handles(s, err, errlen) != STORE_OK)
		goto bad;
	*sp = s;
	return STORE_OK;
bad:
	store_free(s);
	return STORE_ERR;
}

/*
 * The last process to close an encrypted store removes its regions (the
 * cache in the clear and the passphrase stay in memory otherwise); a
 * plaintext store keeps its region files, as it always did.  Under the
 * open lock, so that no opener joins what is being removed.
 */
void
store_close(struct store *s)
{
	int lockfd = -1;

	if (s == NULL)
		return;
	close_handles(s);
	if (s->key_file != NULL) {
		if (!s->lock_held)
			lockfd = env_open_lock(s->home);
		watchdog_enter(&s->dog, 0);
		(void)crypt_regions_release(s->home);
		watchdog_leave(&s->dog);
		if (lockfd >= 0)
			(void)close(lockfd);
	}
	store_free(s);
}

int
env_use(struct store *s, char *err, size_t errlen)
{
	int rc = STORE_OK;

	for (;;) {
		pthread_rwlock_rdlock(&s->rw);
		if (s->env != NULL && !__atomic_load_n(&s->dead,
		    __ATOMIC_ACQUIRE))
			return STORE_OK;
		pthread_rwlock_unlock(&s->rw);
		if (s->repl_process) {
			/* hookd-repl reopens itself, and starts replication
			 * again (db/repl.c) */
			snprintf(err, errlen, "storage: the environment needs "
			    "recovery");
			return STORE_ERR;
		}
		pthread_rwlock_wrlock(&s->rw);
		if (s->env == NULL || s->dead) {
			close_handles(s);
			rc = open_handles(s, err, errlen);
		}
		pthread_rwlock_unlock(&s->rw);
		if (rc != STORE_OK)
			return rc;
	}
}

int
store_check(struct store *s, char *err, size_t errlen)
{
	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	pthread_rwlock_unlock(&s->rw);
	return STORE_OK;
}

void
env_failchk(struct store *s)
{
	int ret;

	if (s->env == NULL || __atomic_load_n(&s->dead, __ATOMIC_ACQUIRE))
		return;
	ret = s->env->failchk(s->env, 0);
	if (ret == DB_RUNRECOVERY)
		__atomic_store_n(&s->dead, 1, __ATOMIC_RELEASE);
}

/*
 * Remove the log files no checkpoint needs any more.  A replicated store
 * leaves that to Berkeley DB (DB_LOG_AUTO_REMOVE: its replication code
 * trims a client's log as checkpoints arrive, and a site may run nothing
 * but hookd-repl).  Otherwise it is done here, after each checkpoint, on
 * the thread that checkpoints: with DB_LOG_AUTO_REMOVE the transaction
 * whose record opens a new log file unlinks the old ones, and an unlink
 * of 10 MiB can take milliseconds (a file system mounted with discard
 * trims it there and then) while that transaction's group waits.
 */
static int
env_trim_log(struct store *s)
{
	if (s->repl != NULL)
		return 0;
	return s->env->log_archive(s->env, NULL, DB_ARCH_REMOVE);
}

int
store_checkpoint(struct store *s, char *err, size_t errlen)
{
	int ret, rc = STORE_OK;

	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	watchdog_enter(&s->dog, 0);
	env_failchk(s);
	if (__atomic_load_n(&s->dead, __ATOMIC_ACQUIRE)) {
		snprintf(err, errlen, "storage: failchk: recovery needed");
		rc = STORE_ERR;
		goto out;
	}
	/* Clean from before the checkpoint: a write txn that ends after
	 * this clears it (db/txn.c). */
	__atomic_store_n(&s->ckpt_clean, 1, __ATOMIC_SEQ_CST);
	ckflush_files(s->env, s->db, DBI_N);
	if ((ret = s->env->txn_checkpoint(s->env, 0, 0, 0)) != 0) {
		__atomic_store_n(&s->ckpt_clean, 0, __ATOMIC_SEQ_CST);
		rc = fail(s, ret, "checkpoint", err, errlen);
	} else if ((ret = env_trim_log(s)) != 0)
		rc = fail(s, ret, "log removal", err, errlen);
out:
	watchdog_leave(&s->dog);
	pthread_rwlock_unlock(&s->rw);
	return rc;
}

int
store_checkpoint_log(struct store *s, unsigned kbytes, char *err,
    size_t errlen)
{
	int ret, rc = STORE_OK;

	if (env_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	/* BDB compares the log written since the last checkpoint with
	 * kbytes under its log region's mutex: no I/O when under it. */
	watchdog_enter(&s->dog, 0);
	if ((ret = s->env->txn_checkpoint(s->env, kbytes, 0, 0)) != 0)
		rc = fail(s, ret, "checkpoint", err, errlen);
	else if ((ret = env_trim_log(s)) != 0)	/* ~1.5 us when none goes */
		rc = fail(s, ret, "log removal", err, errlen);
	watchdog_leave(&s->dog);
	pthread_rwlock_unlock(&s->rw);
	return rc;
}
