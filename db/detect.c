/*
 * detect.c - the per-process lock detector thread (detect.h).
 *
 * DB_THREAD: BDB checks lock timeouts only when its deadlock detector
 * runs, and a process blocked in a lock wait cannot run it; when the lock
 * holder died nobody else may ever conflict again, so the waiter would
 * sleep forever.  Each process therefore keeps one small watcher thread
 * that runs the detector every lock_timeout/4 (DB_THREAD makes the handle
 * usable from it).  The expired waiter gets DB_LOCK_NOTGRANTED, store_txn
 * aborts, runs failchk (which aborts the dead holder's transaction) and
 * retries.
 */
#include "db/detect.h"

static void
detect_tick(void *arg)
{
	DB_ENV *env = arg;

	/* Expires waits past their timeout, breaks deadlocks; errors (a
	 * panic) surface in the main thread's next call. */
	(void)env->lock_detect(env, 0, DB_LOCK_YOUNGEST, NULL);
}

int
detect_start(struct periodic *p, DB_ENV *env, int lock_timeout_ms)
{
	long ms = lock_timeout_ms / 4;

	if (ms < 20)
		ms = 20;
	if (ms > 500)
		ms = 500;
	return periodic_start(p, ms, detect_tick, env);
}

void
detect_stop(struct periodic *p)
{
	periodic_stop(p);
}
