/*
 * worker.h - the sender's store thread: records batches of outcomes
 * (outcome.h) and picks due deliveries (pick.h), while the main thread does
 * nothing but transfers.
 *
 * The main thread hands over a round: finished jobs to commit (possibly
 * none) and empty jobs to fill with a pick (possibly none).  The thread
 * commits first, then picks, so a pick never waits behind the commit's
 * page locks and sees the outcomes just written.  With durability = sync a
 * commit waits for an fsync (3-6 ms here); that wait and the store reads
 * overlap the transfers instead of stalling them.
 *
 * The thread owns what picks decide with: the in-flight set (idset.h: ids
 * picked and not yet committed, never picked twice) and its own webhook
 * table (whtab.h: picked-per-webhook counts, rate limits).  A job counts
 * towards its webhook's picks from the pick until the round that returns
 * it as finished; its id stays in flight until that round's commit
 * succeeds.  A job of kind JOB_UNSENT (picked, never started) writes
 * nothing and is only released.  The main thread keeps its own table for
 * transfers running per webhook.  The store handle is opened with
 * DB_THREAD, so both threads use it.
 */
#ifndef HOOKD_SENDER_WORKER_H
#define HOOKD_SENDER_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "lib/config.h"
#include "sender/job.h"
#include "sender/pick.h"

struct worker;

struct worker_round {
	/* in: jobs are the thread's from worker_submit to worker_take */
	struct job **done;		/* finished: commit their outcomes */
	size_t ndone;
	struct job **fill;		/* empty: fill with due deliveries */
	size_t want;
	int64_t now;			/* wall ms of the pick */
	int64_t horizon_ms;		/* pick_due's look-ahead */
	/* out, set by worker_take */
	int commit_ok;			/* 0: nothing written (commit_err) */
	char commit_err[256];
	int pick_ok;			/* 0: nothing picked (pick_err) */
	char pick_err[256];
	struct pick_result res;		/* fill[0..res.n) are picked */
};

/* Start the thread, with room for max_ids deliveries in flight.  s and cfg
 * are borrowed.  0 or -1 with err. */
int worker_new(struct worker **wp, struct store *s, const struct config *cfg,
    size_t max_ids, char *err, size_t errlen);
/* Stop the thread (after the round it holds, if any) and free.  Jobs of a
 * round not taken back are not freed: take it first. */
void worker_free(struct worker *w);

/* CPU time the thread has used so far, in ms (-1 if unknown). */
int64_t worker_cpu_ms(const struct worker *w);

/* Readable (poll) when a round is done; worker_take drains it. */
int worker_fd(const struct worker *w);
/* 1 while a round is submitted and not yet taken back. */
int worker_busy(const struct worker *w);

/* Hand a round over (both arrays are copied; the jobs belong to the thread
 * until worker_take).  0, or -1 if busy or out of memory. */
int worker_submit(struct worker *w, const struct worker_round *in);

/* Take a finished round back: 1 with out's done/fill (the same jobs as
 * submitted, done first), ndone, want and results set; 0 if none is done.
 * out->done and out->fill must have room for what was submitted. */
int worker_take(struct worker *w, struct worker_round *out);

#endif
