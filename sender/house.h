/*
 * house.h - the housekeeping thread of hookd-send --loop: status page,
 * checkpoints and retention, off the thread that runs the transfers.
 *
 * Done inline, a status page (100+ ms on a big store) or a retention pass
 * stalled every transfer and every outcome for that long.  This thread does
 * the same work at the same intervals on the shared store handle (opened
 * with DB_THREAD, as for sender/worker.h), and the loop never waits for it.
 *
 * What it does, each on its own clock (CLOCK_MONOTONIC, counted from
 * house_start; a job that runs late is not made up twice):
 *   every iv.status_ms       status_write(s, cfg, "loop")
 *   every iv.checkpoint_ms   store_checkpoint
 *   iv.purge_first_ms after the start, then every iv.purge_ms:
 *                            purge_run, then store_checkpoint (which also
 *                            resets the checkpoint clock)
 * Failures are logged (log_err) and the thread goes on; nothing it does is
 * fatal.  Between jobs it sleeps on a condition variable, holding no store
 * transaction (every store call it makes opens and ends its own), so
 * house_stop wakes it at once.
 *
 * Only this thread calls status_write and purge_run while it runs (both
 * keep static state): call them elsewhere only after house_stop.
 */
#ifndef HOOKD_SENDER_HOUSE_H
#define HOOKD_SENDER_HOUSE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "lib/config.h"
#include "sender/run.h"

struct house;

/* Intervals in ms, each > 0 (purge_first_ms >= 0).  House_start with NULL
 * uses HOUSE_INTERVALS_RUN: the values of sender/run.h, the first purge a
 * checkpoint interval after the start (a sender restarted often still
 * purges).  Tests pass short ones. */
struct house_intervals {
	int64_t status_ms;
	int64_t checkpoint_ms;
	int64_t purge_ms;
	int64_t purge_first_ms;
};
#define HOUSE_INTERVALS_RUN { RUN_STATUS_EVERY_MS, RUN_CHECKPOINT_EVERY_MS, \
	RUN_PURGE_EVERY_MS, RUN_CHECKPOINT_EVERY_MS }

/*
 * Start the thread.  s, cfg and stop are borrowed until house_stop; stop
 * (may be NULL) is the process's shutdown flag: once it is set the thread
 * starts no new job (a purge under way sees it at house_stop, which the
 * caller should therefore call as soon as it sees the flag).  iv NULL:
 * HOUSE_INTERVALS_RUN; the struct is copied.  SIGTERM and SIGINT are
 * blocked in the thread, so their handlers run on the caller's threads.
 * 0, or -1 with err (bad intervals, no thread).
 */
int house_start(struct house **hp, struct store *s, const struct config *cfg,
    volatile sig_atomic_t *stop, const struct house_intervals *iv,
    char *err, size_t errlen);

/*
 * Stop the thread, wait for it and free.  Returns at once if the thread
 * sleeps; if it is in a job, after that job's current step: a status page
 * or checkpoint under way is finished, a purge stops after its current batch
 * transaction (PURGE_BATCH records), a purge's checkpoint is skipped.
 * NULL is fine.
 */
void house_stop(struct house *h);

/*
 * The same jobs once, inline, when no house thread runs (the end of a
 * pass): with purge, a retention pass (which stops between batches once
 * *stop is set; stop may be NULL) and a checkpoint; then the status page,
 * written as pass ("once", "loop").  Failures are logged.
 */
void house_round(struct store *s, const struct config *cfg,
    volatile sig_atomic_t *stop, int purge, const char *pass);

#endif
