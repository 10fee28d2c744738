/*
 * watchdog.h - the wedge watchdog of one store (public contract:
 * store_set_wedged_hook in store.h; the why in watchdog.c).
 *
 * Threads mark the sections in which they call into Berkeley DB (an open,
 * one transaction try, failchk, a checkpoint, the close) with
 * watchdog_enter/watchdog_leave; a periodic thread looks at the oldest
 * section in progress and at the registry, and exits the process when it
 * is stuck for good.
 */
#ifndef HOOKD_DB_WATCHDOG_H
#define HOOKD_DB_WATCHDOG_H

#include "db/registry.h"
#include "lib/periodic.h"

#define WATCHDOG_SLOTS 8	/* threads watched at once (the sender has 3) */

/*
 * One slot per thread inside a section: owner (pthread_t as an integer, 0:
 * free), ms the CLOCK_MONOTONIC ms it entered (0: not inside), recover 1
 * when that section is an open that runs recovery.  Slots are claimed and
 * read with atomics (no lock: a stuck thread may hold anything).  More
 * threads than slots at once go unwatched.
 */
struct watchdog {
	struct {
		unsigned long owner;
		long long ms;
		int recover;
	} busy[WATCHDOG_SLOTS];
	struct registry *reg;	/* the store's; read by the dog thread */
	int lock_timeout_ms;
	/* Replicated stores: a commit may wait this long for connections and
	 * acknowledgements (db/repl.c) before it returns; added to both
	 * suspicion thresholds.  0 otherwise.  Set before the store opens. */
	int grace_ms;
	int suspect;		/* ticks in a row that suspected: dog only */
	struct periodic thread;
};

/* Start watching (reg must outlive the watchdog).  0 or -1. */
int watchdog_start(struct watchdog *w, struct registry *reg,
    int lock_timeout_ms);
void watchdog_stop(struct watchdog *w);
/* The calling thread enters a section (again: its clock restarts). */
void watchdog_enter(struct watchdog *w, int recover);
/* The calling thread leaves its section. */
void watchdog_leave(struct watchdog *w);

#endif
