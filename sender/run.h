/*
 * run.h - the sender's passes: pick due deliveries, run their transfers,
 * commit their outcomes in batches, keep house (retention, checkpoint,
 * status page).
 *
 * --once delivers what is due at the start and what becomes due while it
 * runs (looking poll_interval ahead, for at most RUN_ONCE_MAX_MS), then
 * purges, checkpoints, writes the status page and returns.  --loop runs
 * until *stop, then takes no new work, lets the transfers in flight finish
 * (each bounded by cfg.timeout), commits them and returns.
 */
#ifndef HOOKD_SENDER_RUN_H
#define HOOKD_SENDER_RUN_H

#include <signal.h>
#include <stddef.h>

#include "db/store.h"
#include "lib/config.h"

#define RUN_BATCH_MAX 1024		/* finished jobs per commit at most:
					 * while a slow fsync holds one commit,
					 * the next takes all that gathered */
#define RUN_BATCH_MIN 64		/* a batch this big commits at once */
#define RUN_FLUSH_MS 10			/* oldest finished job waits at most */
#define RUN_AHEAD 4			/* picked (running + ready) at most, in
					 * units of concurrency: the ready ones
					 * feed transfers while a batch commits */
#define RUN_SLOW_MS 100			/* a pick or commit this slow is logged */
#define RUN_WAKE_HELD_MS 20		/* a wake picks within this much even
					 * when the last pick was held back */
#define RUN_PICK_GAP_MS 2		/* picks (one read txn each) at most
					 * this often: wake-ups coalesce */
#define RUN_ONCE_MAX_MS (10LL * 60 * 1000)	/* --once stops picking after */
#define RUN_PURGE_EVERY_MS (10LL * 60 * 1000)	/* --loop retention pass */
#define RUN_CHECKPOINT_EVERY_MS (60LL * 1000)
#define RUN_STATUS_EVERY_MS (10LL * 1000)	/* --loop status page */

struct run_opts {
	const struct config *cfg;
	struct store *store;
	int loop;			/* 0: --once */
	volatile sig_atomic_t *stop;	/* set by SIGTERM/SIGINT; read atomically */
	int sigfd;			/* readable after a signal, or -1 */
	int wakefd;			/* wake.h socket (loop), or -1 */
	/* Replicated site (sender/standby.h): NULL, or 1 once the site has
	 * stopped being the master; then the pass ends as on *stop, without
	 * the closing house round (a client must not write). */
	int (*demoted)(const void *arg);
	const void *demoted_arg;
};

/* 0 done, -1 runtime error with err. */
int run_sender(const struct run_opts *o, char *err, size_t errlen);

#endif
