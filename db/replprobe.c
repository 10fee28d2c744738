/*
 * replprobe.c - the replication process's probe of Berkeley DB's
 * replication mutexes (contract in repl.h).
 *
 * Berkeley DB 5.3 can deadlock two of its own replication threads.  A
 * client that wins an election holds the replication region's mutex in
 * __rep_start_int and asks, in __rep_preclose, for the client database's
 * mutex; a message thread handling the master's heartbeat
 * (__rep_check_missing) holds the client database's mutex and asks for
 * the region's.  Then every thread that touches replication waits for
 * ever - the other message threads, elections, the deadlock detector,
 * hookd-repl's tick - and the site stays out of the group, its other
 * processes stuck too.  Caught once in about a hundred runs of the test
 * that SIGKILLs the master site's hookd-repl (gdb's stacks of the winner
 * and the message thread, as above).
 *
 * hookd cannot order Berkeley DB's locks, so it makes the deadlock end:
 * once a second a thread reads the replication statistics, which take
 * the client database's mutex, inside a section of the store's wedge
 * watchdog (db/watchdog.h).  Stuck there for STORE_WEDGE_S, the process
 * exits STORE_WEDGED_EXIT, its supervisor starts it again (the unit's
 * Restart=always) and its open recovers the environment, as after a
 * crash.  Neither mutex is held for long otherwise (a record or a page
 * being applied), so a live site never waits near that long.
 */
#include <pthread.h>
#include <stdlib.h>

#include "db/env.h"
#include "db/repl.h"
#include "db/watchdog.h"
#include "lib/periodic.h"

#define PROBE_EVERY_MS	1000

static struct periodic probe;

static void
probe_tick(void *arg)
{
	struct store *s = arg;
	DB_REP_STAT *sp = NULL;

	/* the replication process never reopens under a reader (it
	 * closes and opens again, with this thread stopped): try only */
	if (pthread_rwlock_tryrdlock(&s->rw) != 0)
		return;
	if (s->env != NULL && !__atomic_load_n(&s->dead, __ATOMIC_ACQUIRE)) {
		watchdog_enter(&s->dog, 0);
		if (s->env->rep_stat(s->env, &sp, 0) == 0)
			free(sp);
		watchdog_leave(&s->dog);
	}
	pthread_rwlock_unlock(&s->rw);
}

int
repl_probe_start(struct store *s)
{
	return periodic_start(&probe, PROBE_EVERY_MS, probe_tick, s);
}

void
repl_probe_stop(void)
{
	periodic_stop(&probe);
}
