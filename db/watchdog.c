/*
 * watchdog.c - the wedge watchdog: exit a process that is stuck inside
 * Berkeley DB for good (contracts in watchdog.h and store.h).
 *
 * What no timeout can end: a mutex (BDB's are process-shared pthread
 * mutexes) held by a process SIGKILLed inside a DB call.  Whoever waits on
 * it sleeps forever, and recovery by a later opener does not wake it (it
 * rebuilds the regions; the old mutex stays locked in the old mapping).
 * Two defences (test_fault_open): opens serialised by an flock (env.c),
 * and this watchdog.
 *
 * A watchdog thread watches the main thread's sections of DB calls (open,
 * each txn try, failchk, checkpoint, close) and reading __db.register
 * itself (registry.c) decides when we are stuck for good: our slot wiped
 * by another's recovery (1 s), a dead registrant and longer than any lock
 * wait can take (2 lock timeouts + 1 s), or STORE_WEDGE_S whatever the
 * reason.  Then the process exits 75: under a web server the request in
 * hand gets a 5xx (plain CGI: 503, by cgi/main.c's hook), the server
 * respawns it, and the next opener's DB_REGISTER recovery runs once for
 * everyone.  An open that will run recovery (a dead registrant or no
 * registry yet) only has the long limit (STORE_WEDGE_RECOVER_S): recovery
 * may legitimately take a while.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "db/store.h"
#include "db/watchdog.h"
#include "lib/log.h"

#define DOG_TICK_MS	250	/* watchdog period */
#define SUSPECT_MS	1000	/* busy this long, our slot wiped: wedged */

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

/* The calling thread's slot in w->busy, claimed if it has none; -1 when
 * every slot is taken (that thread goes unwatched). */
static int
watchdog_slot(struct watchdog *w, int claim)
{
	unsigned long me = (unsigned long)pthread_self(), free0;
	int i;

	for (i = 0; i < WATCHDOG_SLOTS; i++) {
		if (__atomic_load_n(&w->busy[i].owner, __ATOMIC_ACQUIRE) == me)
			return i;
	}
	for (i = 0; claim && i < WATCHDOG_SLOTS; i++) {
		free0 = 0;
		if (__atomic_compare_exchange_n(&w->busy[i].owner, &free0, me,
		    0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return i;
	}
	return -1;
}

void
watchdog_enter(struct watchdog *w, int recover)
{
	int i = watchdog_slot(w, 1);

	if (i < 0)
		return;
	__atomic_store_n(&w->busy[i].recover, recover, __ATOMIC_RELAXED);
	__atomic_store_n(&w->busy[i].ms, now_ms(), __ATOMIC_RELEASE);
}

void
watchdog_leave(struct watchdog *w)
{
	int i = watchdog_slot(w, 0);

	if (i < 0)
		return;
	__atomic_store_n(&w->busy[i].ms, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&w->busy[i].owner, 0UL, __ATOMIC_RELEASE);
}

/* The oldest section in progress: its start ms (0: none) and *recover. */
static long long
watchdog_oldest(struct watchdog *w, int *recover)
{
	long long ms, old = 0;
	int i;

	*recover = 0;
	for (i = 0; i < WATCHDOG_SLOTS; i++) {
		ms = __atomic_load_n(&w->busy[i].ms, __ATOMIC_ACQUIRE);
		if (ms != 0 && (old == 0 || ms < old)) {
			old = ms;
			*recover = __atomic_load_n(&w->busy[i].recover,
			    __ATOMIC_RELAXED);
		}
	}
	return old;
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
watchdog_suspect(struct watchdog *w, long long el)
{
	int dead, self;

	registry_look(w->reg, &dead, &self);
	if (!self)
		return el >= SUSPECT_MS + (long long)w->grace_ms;
	return dead && el >= (long long)w->lock_timeout_ms * 2 + 1000 +
	    w->grace_ms;
}

static void
watchdog_wedged(long long el, const char *why)
{
	log_err("storage: stuck %lld ms inside Berkeley DB (%s); exiting %d "
	    "so that the next opener recovers the environment", el, why,
	    STORE_WEDGED_EXIT);
	if (wedged_hook != NULL)
		wedged_hook();
	_exit(STORE_WEDGED_EXIT);
}

/* Every DOG_TICK_MS, on the watchdog thread. */
static void
watchdog_tick(void *arg)
{
	struct watchdog *w = arg;
	long long busy, el, limit;
	int recover;

	busy = watchdog_oldest(w, &recover);
	el = busy != 0 ? now_ms() - busy : 0;
	limit = (recover ? STORE_WEDGE_RECOVER_S : STORE_WEDGE_S) * 1000LL;
	if (busy != 0 && el >= limit)
		watchdog_wedged(el, "no progress");
	/* Two looks in a row: a registrant between its slot write
	 * and its lock is not taken for dead. */
	if (busy != 0 && !recover && el >= SUSPECT_MS &&
	    watchdog_suspect(w, el)) {
		if (++w->suspect >= 2)
			watchdog_wedged(el, "a process of the environment "
			    "died or recovery ran meanwhile");
	} else
		w->suspect = 0;
}

int
watchdog_start(struct watchdog *w, struct registry *reg, int lock_timeout_ms)
{
	w->reg = reg;
	w->lock_timeout_ms = lock_timeout_ms;
	w->grace_ms = 0;
	w->suspect = 0;
	return periodic_start(&w->thread, DOG_TICK_MS, watchdog_tick, w);
}

void
watchdog_stop(struct watchdog *w)
{
	periodic_stop(&w->thread);
}
