/*
 * store.c - the environment: open, close, reopen after a failure, the
 * transaction runner, checkpoints and counts (contracts in store.h).
 *
 * Several processes (FastCGI workers, the sender, CLI runs) share one
 * environment.  Each opens it with DB_REGISTER | DB_RECOVER, so recovery
 * runs exactly when a previous user died inside the environment (the
 * registry notices), and configures set_thread_count/set_isalive so that
 * failchk can release the locks and abort the transactions of a dead
 * process; store_txn runs failchk after every deadlock/lock timeout and
 * store_checkpoint runs it too.  Lock waits are bounded by a lock timeout
 * and a transaction timeout, and the deadlock detector runs on every
 * conflict.
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
 * and the next store_check/store_txn reopens.
 *
 * DB_THREAD: BDB checks lock timeouts only when its deadlock detector
 * runs, and a process blocked in a lock wait cannot run it; when the lock
 * holder died nobody else may ever conflict again, so the waiter would
 * sleep forever.  Each process therefore keeps one small watcher thread
 * that runs the detector every lock_timeout/4 (DB_THREAD makes the handle
 * usable from it).  The expired waiter gets DB_LOCK_NOTGRANTED, store_txn
 * aborts, runs failchk (which aborts the dead holder's transaction) and
 * retries.
 *
 * What no timeout can end: a mutex (BDB's are process-shared pthread
 * mutexes) held by a process SIGKILLed inside a DB call.  Whoever waits on
 * it sleeps forever, and recovery by a later opener does not wake it (it
 * rebuilds the regions; the old mutex stays locked in the old mapping).
 * Two defences (test_fault_open):
 *  - Opens are serialised by an flock on data_dir/open.lock, held for the
 *    env open and every database open/create.  Someone killed inside its
 *    open thus holds nothing that the next opener could wait on: the
 *    flock goes with the process, and the next opener finds it dead in
 *    __db.register and recovers.  Database files are created under it
 *    too, so handle-lock waits on a half-created file cannot happen.
 *  - A watchdog thread (store.h) watches the main thread's sections of DB
 *    calls (open, each txn try, failchk, checkpoint, close) and reading
 *    __db.register itself decides when we are stuck for good: our slot
 *    wiped by another's recovery (1 s), a dead registrant and longer than
 *    any lock wait can take (2 lock timeouts + 1 s), or STORE_WEDGE_S
 *    whatever the reason.  Then the process exits 75: under a web server
 *    the request in hand gets a 5xx (plain CGI: 503, by cgi/main.c's
 *    hook), the server respawns it, and the next opener's DB_REGISTER
 *    recovery runs once for everyone.  An open that will run recovery
 *    (a dead registrant or no registry yet) only has the long limit
 *    (STORE_WEDGE_RECOVER_S): recovery may legitimately take a while.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "db/dbenv.h"
#include "db/rec.h"
#include "lib/log.h"

/*
 * Page sizes, chosen by measurement (bench/store_bench.c, docs/design.md
 * "Storage layout"): STORE_PAGESIZE for the record databases, whose
 * records go up to a few KiB (events with bodies, attempts with a 4 KiB
 * response excerpt); a record larger than about a quarter of a page goes
 * to overflow pages, which serialise writers.  Index databases hold tiny
 * keys and use STORE_IDX_PAGESIZE.  Both only apply when a database file
 * is created.
 */
#ifndef STORE_PAGESIZE
#define STORE_PAGESIZE 16384
#endif
#ifndef STORE_IDX_PAGESIZE
#define STORE_IDX_PAGESIZE 16384
#endif

#define TXN_TRIES	20	/* deadlock/lock-timeout retries per txn */
#define OPEN_LOCK	"open.lock"	/* flock'd by every opener (data_dir) */
#define REGISTRY	"__db.register"	/* BDB's DB_REGISTER file */
#define REG_SLOT	25	/* its lines: "%24lu\n" pid, or "X ... 0\n" */
#define DOG_TICK_MS	250	/* watchdog period */
#define SUSPECT_MS	1000	/* busy this long, our slot wiped: wedged */
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
	[DBI_EVT] = { "events.db", STORE_PAGESIZE, DB_BTREE },
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
};

static void
errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	struct store *s = env->app_private;

	(void)pfx;
	if (s != NULL)
		snprintf(s->bdbmsg, sizeof(s->bdbmsg), "%s", msg);
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

static void *
watch(void *arg)
{
	struct store *s = arg;
	struct timespec ts;
	long ms = s->lock_timeout_ms / 4;

	if (ms < 20)
		ms = 20;
	if (ms > 500)
		ms = 500;
	pthread_mutex_lock(&s->wmu);
	while (!s->wstop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += ms / 1000;
		ts.tv_nsec += (ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&s->wcv, &s->wmu, &ts);
		if (s->wstop)
			break;
		pthread_mutex_unlock(&s->wmu);
		/* Expires waits past their timeout, breaks deadlocks; errors
		 * (a panic) surface in the main thread's next call. */
		(void)s->env->lock_detect(s->env, 0, DB_LOCK_YOUNGEST, NULL);
		pthread_mutex_lock(&s->wmu);
	}
	pthread_mutex_unlock(&s->wmu);
	return NULL;
}

static int
watch_start(struct store *s)
{
	s->wstop = 0;
	if (pthread_create(&s->watcher, NULL, watch, s) != 0)
		return -1;
	s->wrunning = 1;
	return 0;
}

static void
watch_stop(struct store *s)
{
	if (!s->wrunning)
		return;
	pthread_mutex_lock(&s->wmu);
	s->wstop = 1;
	pthread_cond_signal(&s->wcv);
	pthread_mutex_unlock(&s->wmu);
	pthread_join(s->watcher, NULL);
	s->wrunning = 0;
}

/* ---- the wedge watchdog (contract in store.h) ------------------------- */

static void (*wedged_hook)(void);

void
store_set_wedged_hook(void (*fn)(void))
{
	wedged_hook = fn;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The calling thread's slot in s->busy, claimed if it has none; -1 when
 * every slot is taken (that thread goes unwatched). */
static int
busy_slot(struct store *s, int claim)
{
	unsigned long me = (unsigned long)pthread_self(), free0 = 0;
	int i;

	for (i = 0; i < STORE_BUSY_SLOTS; i++) {
		if (__atomic_load_n(&s->busy[i].owner, __ATOMIC_ACQUIRE) == me)
			return i;
	}
	for (i = 0; claim && i < STORE_BUSY_SLOTS; i++) {
		free0 = 0;
		if (__atomic_compare_exchange_n(&s->busy[i].owner, &free0, me,
		    0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return i;
	}
	return -1;
}

/* The calling thread enters / leaves a section of BDB calls. */
static void
busy_begin(struct store *s, int recover)
{
	int i = busy_slot(s, 1);

	if (i < 0)
		return;
	__atomic_store_n(&s->busy[i].recover, recover, __ATOMIC_RELAXED);
	__atomic_store_n(&s->busy[i].ms, now_ms(), __ATOMIC_RELEASE);
}

static void
busy_end(struct store *s)
{
	int i = busy_slot(s, 0);

	if (i < 0)
		return;
	__atomic_store_n(&s->busy[i].ms, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->busy[i].owner, 0UL, __ATOMIC_RELEASE);
}

/* The oldest section in progress: its start ms (0: none) and *recover. */
static long long
busy_oldest(struct store *s, int *recover)
{
	long long ms, old = 0;
	int i;

	*recover = 0;
	for (i = 0; i < STORE_BUSY_SLOTS; i++) {
		ms = __atomic_load_n(&s->busy[i].ms, __ATOMIC_ACQUIRE);
		if (ms != 0 && (old == 0 || ms < old)) {
			old = ms;
			*recover = __atomic_load_n(&s->busy[i].recover,
			    __ATOMIC_RELAXED);
		}
	}
	return old;
}

/*
 * Read __db.register through fd: 1 if a non-empty slot of another process
 * is not locked by anyone (that process died with the environment open:
 * BDB's own test), else 0.  *self: our pid has a slot.  F_GETLK only
 * tests; it takes no lock.
 */
static int
registry_scan(int fd, int *self)
{
	char slot[REG_SLOT + 1], *end;
	unsigned long pid;
	struct flock fl;
	off_t pos;
	pid_t me = getpid();

	*self = 0;
	for (pos = 0; pread(fd, slot, REG_SLOT, pos) == REG_SLOT;
	    pos += REG_SLOT) {
		slot[REG_SLOT] = '\0';
		if (slot[0] == 'X')
			continue;	/* empty */
		errno = 0;
		pid = strtoul(slot, &end, 10);
		if (errno != 0 || end == slot || *end != '\n' || pid == 0)
			continue;	/* torn line: BDB's business */
		if ((pid_t)pid == me) {
			*self = 1;
			continue;
		}
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = pos;
		fl.l_len = 1;
		if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK)
			return 1;
	}
	return 0;
}

/*
 * Is a main thread busy el ms stuck for good?  Yes when another's recovery
 * wiped our registry slot (our regions are dead: nobody will ever release
 * what we wait on) and el >= SUSPECT_MS, or when a registered process is
 * dead and el is past what a lock wait can take: a lock held by the dead
 * is released by the lock timeout and failchk (store_txn), so only a
 * mutex can hold us that long, and a dead holder never releases it.
 */
static int
registry_suspect(struct store *s, long long el)
{
	int dead = 0, self = 1;

	pthread_mutex_lock(&s->dmu);
	if (s->regfd >= 0) {
		dead = registry_scan(s->regfd, &self);
		if (!s->registered)
			self = 1;
	}
	pthread_mutex_unlock(&s->dmu);
	if (!self)
		return 1;
	return dead && el >= (long long)s->lock_timeout_ms * 2 + 1000;
}

static void
wedged(long long el, const char *why)
{
	log_err("storage: stuck %lld ms inside Berkeley DB (%s); exiting %d "
	    "so that the next opener recovers the environment", el, why,
	    STORE_WEDGED_EXIT);
	if (wedged_hook != NULL)
		wedged_hook();
	_exit(STORE_WEDGED_EXIT);
}

static void *
dog(void *arg)
{
	struct store *s = arg;
	struct timespec ts;
	long long busy, el, limit;
	int recover, suspect = 0;

	pthread_mutex_lock(&s->dmu);
	while (!s->dstop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += DOG_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&s->dcv, &s->dmu, &ts);
		if (s->dstop)
			break;
		pthread_mutex_unlock(&s->dmu);
		busy = busy_oldest(s, &recover);
		el = busy != 0 ? now_ms() - busy : 0;
		limit = (recover ? STORE_WEDGE_RECOVER_S : STORE_WEDGE_S) * 1000LL;
		if (busy != 0 && el >= limit)
			wedged(el, "no progress");
		/* Two looks in a row: a registrant between its slot write
		 * and its lock is not taken for dead. */
		if (busy != 0 && !recover && el >= SUSPECT_MS &&
		    registry_suspect(s, el)) {
			if (++suspect >= 2)
				wedged(el, "a process of the environment died "
				    "or recovery ran meanwhile");
		} else
			suspect = 0;
		pthread_mutex_lock(&s->dmu);
	}
	pthread_mutex_unlock(&s->dmu);
	return NULL;
}

static int
dog_start(struct store *s)
{
	s->dstop = 0;
	if (pthread_create(&s->dog, NULL, dog, s) != 0)
		return -1;
	s->drunning = 1;
	return 0;
}

static void
dog_stop(struct store *s)
{
	if (!s->drunning)
		return;
	pthread_mutex_lock(&s->dmu);
	s->dstop = 1;
	pthread_cond_signal(&s->dcv);
	pthread_mutex_unlock(&s->dmu);
	pthread_join(s->dog, NULL);
	s->drunning = 0;
}

/* Our own fd on the registry, kept until the env is closed (see dbenv.h). */
static void
regfd_open(struct store *s)
{
	char path[PATH_MAX];
	int fd;

	if (s->regfd >= 0)
		return;
	if (snprintf(path, sizeof(path), "%s/%s", s->home, REGISTRY) >=
	    (int)sizeof(path))
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	pthread_mutex_lock(&s->dmu);
	s->regfd = fd;
	pthread_mutex_unlock(&s->dmu);
}

/* Will this open run recovery?  A missing or empty registry, or a slot of
 * a dead process: what DB_REGISTER itself looks at. */
static int
will_recover(struct store *s)
{
	struct stat st;
	int self;

	if (s->regfd < 0 || fstat(s->regfd, &st) == -1 || st.st_size == 0)
		return 1;
	return registry_scan(s->regfd, &self);
}

/*
 * Serialise opens across processes: an exclusive flock on data_dir/
 * open.lock for the whole open (env open, every database open/create,
 * the region reservation).  A process killed in the middle of its open
 * releases it by dying, and the next opener then finds it dead in the
 * registry and recovers instead of waiting on what it held.  -1 on error
 * (then we open without it, as before).
 */
static int
open_lock(struct store *s)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", s->home, OPEN_LOCK) >=
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
	int i;

	busy_begin(s, 0);
	watch_stop(s);
	/* After a panic the handles' close fails early and BDB keeps (leaks)
	 * some of their memory; DB_NOPANIC to force a full close crashed in
	 * testing, so that memory is given up (rare: once per recovery). */
	for (i = 0; i < DBI_N; i++) {
		if (s->db[i] != NULL)
			(void)s->db[i]->close(s->db[i], 0);
		s->db[i] = NULL;
	}
	pthread_mutex_lock(&s->dmu);
	s->registered = 0;	/* env close empties our slot */
	pthread_mutex_unlock(&s->dmu);
	if (s->env != NULL) {
		s->env->app_private = NULL;
		(void)s->env->close(s->env, 0);
	}
	s->env = NULL;
	pthread_mutex_lock(&s->dmu);
	if (s->regfd >= 0)
		(void)close(s->regfd);
	s->regfd = -1;
	pthread_mutex_unlock(&s->dmu);
	busy_end(s);
}

static int
fail(struct store *s, int ret, const char *what, char *err, size_t errlen)
{
	struct store_txn t;

	memset(&t, 0, sizeof(t));
	t.s = s;
	(void)dbenv_rc(&t, ret, what);
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
	u_int32_t flags;
	db_timeout_t lt;
	int ret, i;

	if ((ret = db_env_create(&env, 0)) != 0)
		return fail(s, ret, "db_env_create", err, errlen);
	s->env = env;
	env->app_private = s;
	env->set_errcall(env, errcall);
	env->set_msgcall(env, msgcall);
	lt = (db_timeout_t)s->lock_timeout_ms * 1000;
	flags = DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL |
	    DB_INIT_TXN | DB_REGISTER | DB_RECOVER | DB_THREAD;
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
	    (ret = env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1)) != 0)
		goto bad;
	if (s->nosync && (ret = env->set_flags(env, DB_TXN_WRITE_NOSYNC,
	    1)) != 0)
		goto bad;
	if ((ret = env->open(env, s->home, flags, 0660)) != 0)
		goto bad;
	regfd_open(s);		/* if the registry was only created now */
	pthread_mutex_lock(&s->dmu);
	s->registered = 1;
	pthread_mutex_unlock(&s->dmu);
	if (regions_reserve(s, err, errlen) != STORE_OK) {
		close_handles(s);
		return STORE_ERR;
	}
	for (i = 0; i < DBI_N; i++) {
		DB *db;

		if ((ret = db_create(&db, env, 0)) != 0)
			goto bad;
		s->db[i] = db;
		if ((ret = db->set_pagesize(db, dbtab[i].pagesize)) != 0)
			goto bad;
		if (dbtab[i].type == DB_QUEUE &&
		    (ret = db->set_re_len(db, REC_QUEUE_MAX)) != 0)
			goto bad;
		if ((ret = db->open(db, NULL, dbtab[i].file, NULL, dbtab[i].type,
		    DB_CREATE | DB_AUTO_COMMIT | DB_THREAD, 0660)) != 0)
			goto bad;
	}
	s->opens++;
	if (watch_start(s) == -1) {
		snprintf(err, errlen, "storage: cannot start lock watcher");
		close_handles(s);
		return STORE_ERR;
	}
	return STORE_OK;
bad:
	(void)fail(s, ret, "open", err, errlen);
	close_handles(s);
	return STORE_ERR;
}

/* Open everything under the open lock, watched by the watchdog. */
static int
open_handles(struct store *s, char *err, size_t errlen)
{
	int lockfd, rc;

	s->dead = 0;
	s->bdbmsg[0] = '\0';
	if (mkdir(s->home, 0770) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "storage: mkdir %s: %s", s->home,
		    strerror(errno));
		return STORE_ERR;
	}
	lockfd = open_lock(s);
	regfd_open(s);
	busy_begin(s, will_recover(s));
	rc = open_env(s, err, errlen);
	busy_end(s);
	if (lockfd >= 0)
		(void)close(lockfd);
	return rc;
}

int
store_open(struct store **sp, const struct store_opts *o, char *err,
    size_t errlen)
{
	pthread_rwlockattr_t rwa;
	struct store *s;

	*sp = NULL;
	if (o == NULL || o->home == NULL || o->home[0] == '\0') {
		snprintf(err, errlen, "storage: no data directory");
		return STORE_ERR;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->home = strdup(o->home)) == NULL) {
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
	pthread_mutex_init(&s->wmu, NULL);
	pthread_cond_init(&s->wcv, NULL);
	pthread_mutex_init(&s->dmu, NULL);
	pthread_cond_init(&s->dcv, NULL);
	s->regfd = -1;
	s->nosync = o->nosync;
	s->lock_timeout_ms = o->lock_timeout_ms > 0 ? o->lock_timeout_ms : 2000;
	if (dog_start(s) == -1) {
		snprintf(err, errlen, "storage: cannot start the watchdog");
		goto bad;
	}
	if (open_handles(s, err, errlen) != STORE_OK)
		goto bad;
	*sp = s;
	return STORE_OK;
bad:
	dog_stop(s);
	pthread_rwlock_destroy(&s->rw);
	pthread_mutex_destroy(&s->dmu);
	pthread_cond_destroy(&s->dcv);
	pthread_mutex_destroy(&s->wmu);
	pthread_cond_destroy(&s->wcv);
	free(s->home);
	free(s);
	return STORE_ERR;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	close_handles(s);
	dog_stop(s);
	pthread_rwlock_destroy(&s->rw);
	pthread_mutex_destroy(&s->dmu);
	pthread_cond_destroy(&s->dcv);
	pthread_mutex_destroy(&s->wmu);
	pthread_cond_destroy(&s->wcv);
	free(s->home);
	free(s);
}

/*
 * Take s->rw for reading with usable handles, reopening them first (under
 * the write lock, once for every thread that saw them die) when they are
 * dead.  STORE_OK holding the read lock, or STORE_ERR holding nothing.
 */
static int
store_use(struct store *s, char *err, size_t errlen)
{
	int rc = STORE_OK;

	for (;;) {
		pthread_rwlock_rdlock(&s->rw);
		if (s->env != NULL && !__atomic_load_n(&s->dead,
		    __ATOMIC_ACQUIRE))
			return STORE_OK;
		pthread_rwlock_unlock(&s->rw);
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
	if (store_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	pthread_rwlock_unlock(&s->rw);
	return STORE_OK;
}

/* A few ms, random, growing with the try number: let the winner finish. */
static void
backoff(int try)
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

static void
run_failchk(struct store *s)
{
	int ret;

	if (s->env == NULL || __atomic_load_n(&s->dead, __ATOMIC_ACQUIRE))
		return;
	ret = s->env->failchk(s->env, 0);
	if (ret == DB_RUNRECOVERY)
		__atomic_store_n(&s->dead, 1, __ATOMIC_RELEASE);
}

int
store_txn(struct store *s, int flags, store_txn_fn fn, void *arg, char *err,
    size_t errlen)
{
	struct store_txn t;
	int try, rc, ret, reopened = 0;

	for (try = 0; try < TXN_TRIES; try++) {
		/* each try holds s->rw for reading (store_use) */
		if (store_use(s, err, errlen) != STORE_OK)
			return STORE_ERR;
		memset(&t, 0, sizeof(t));
		t.s = s;
		t.rdonly = (flags & STORE_RDONLY) != 0;
		busy_begin(s, 0);	/* one try: begin .. commit/abort */
		ret = s->env->txn_begin(s->env, NULL, &t.txn,
		    t.rdonly ? DB_READ_COMMITTED : 0);
		if (ret != 0) {
			busy_end(s);
			t.txn = NULL;
			/* marks the handles dead (a panic) while still ours:
			 * never the fresh ones of another thread's reopen */
			rc = dbenv_rc(&t, ret, "txn_begin");
			pthread_rwlock_unlock(&s->rw);
			if (rc == STORE_RETRY) {
				backoff(try);
				continue;
			}
			if (s->dead && !reopened) {
				/* another process ran recovery: reopen */
				reopened = 1;
				continue;
			}
			snprintf(err, errlen, "%s", t.err);
			return STORE_ERR;
		}
		rc = fn(&t, arg);
		if (rc == STORE_OK) {
			/*
			 * sync: commit without the flush, so the locks go at
			 * once, then flush the log to disk before returning.
			 * Writers of the same hot pages (every intake appends
			 * to the same last leaves) then work while this fsync
			 * runs, and one fsync covers every commit written
			 * before it (BDB's group commit); with the flush
			 * inside commit they queued behind each fsync in turn.
			 * Nobody is told STORE_OK before the flush is done; a
			 * reader may see the commit a moment earlier.
			 */
			int lazy = !t.rdonly && !s->nosync;

			ret = t.txn->commit(t.txn,
			    t.rdonly || lazy ? DB_TXN_NOSYNC : 0);
			if (ret == 0 && lazy)
				ret = s->env->log_flush(s->env, NULL);
			busy_end(s);
			if (ret != 0)
				(void)dbenv_rc(&t, ret,
				    lazy ? "commit/flush" : "commit");
			pthread_rwlock_unlock(&s->rw);
			if (ret == 0)
				return STORE_OK;
			snprintf(err, errlen, "%s", t.err);
			return STORE_ERR;
		}
		ret = t.txn->abort(t.txn);
		busy_end(s);
		if (ret != 0) {
			/* keep the first reason; a panic still marks dead */
			char first[sizeof(t.err)];

			memcpy(first, t.err, sizeof(first));
			(void)dbenv_rc(&t, ret, "abort");
			if (first[0] != '\0')
				memcpy(t.err, first, sizeof(t.err));
		}
		if (rc == STORE_RETRY) {
			/* A dead process may hold the lock we waited for. */
			busy_begin(s, 0);
			run_failchk(s);
			busy_end(s);
			pthread_rwlock_unlock(&s->rw);
			backoff(try);
			continue;
		}
		pthread_rwlock_unlock(&s->rw);
		if (rc == STORE_ERR)
			snprintf(err, errlen, "%s",
			    t.err[0] ? t.err : "storage: transaction failed");
		return rc;
	}
	snprintf(err, errlen,
	    "storage: gave up after %d deadlocks or lock timeouts", TXN_TRIES);
	return STORE_ERR;
}

int
store_checkpoint(struct store *s, char *err, size_t errlen)
{
	int ret;

	if (store_use(s, err, errlen) != STORE_OK)
		return STORE_ERR;
	busy_begin(s, 0);
	run_failchk(s);
	if (s->dead) {
		busy_end(s);
		pthread_rwlock_unlock(&s->rw);
		snprintf(err, errlen, "storage: failchk: recovery needed");
		return STORE_ERR;
	}
	/* With DB_LOG_AUTO_REMOVE, logs no longer needed go away here. */
	ret = s->env->txn_checkpoint(s->env, 0, 0, 0);
	busy_end(s);
	if (ret != 0)
		(void)fail(s, ret, "checkpoint", err, errlen);
	pthread_rwlock_unlock(&s->rw);
	return ret == 0 ? STORE_OK : STORE_ERR;
}

static int
count_db(struct store_txn *t, enum dbi db, uint64_t *n)
{
	struct dbenv_cur c;
	int rc;

	*n = 0;
	if ((rc = dbenv_cur_open(t, db, 0, &c)) != STORE_OK)
		return rc;
	while ((rc = dbenv_cur_get(&c, DB_NEXT, NULL)) == STORE_OK)
		(*n)++;
	dbenv_cur_close(&c);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
store_counts(struct store_txn *t, struct store_counts *c)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = count_db(t, DBI_APP, &c->apps)) != STORE_OK ||
	    (rc = count_db(t, DBI_WH, &c->webhooks)) != STORE_OK ||
	    (rc = count_db(t, DBI_EVT, &c->events)) != STORE_OK ||
	    (rc = count_db(t, DBI_DLV, &c->deliveries)) != STORE_OK ||
	    (rc = count_db(t, DBI_ATT, &c->attempts)) != STORE_OK ||
	    (rc = count_db(t, DBI_DLV_DUE, &c->pending)) != STORE_OK)
		return rc;
	return STORE_OK;
}
