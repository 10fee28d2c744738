/*
 * worker.h - the sender's store threads: a committer records batches of
 * outcomes (outcome.h) and a picker picks due deliveries (pick.h), while
 * the main thread does nothing but transfers.
 *
 * The main thread hands over a round in two halves that run on their own
 * threads, each submitted when its thread is idle and taken back when it
 * is done: finished jobs to commit, and empty jobs to fill with a pick.
 * A pick never waits for a commit's flush (with durability = sync an
 * fsync, 3-6 ms here; most of a round before): the transfers get new work
 * while the outcomes of the last ones are being made durable.  The two
 * transactions may meet on a page of the due index; Berkeley DB's
 * detector breaks such a deadlock and store_txn runs the loser again.
 *
 * The threads share what picks decide with, under one mutex: the in-flight
 * set (idset.h: ids picked and not yet committed, never picked twice) and
 * their own webhook table (whtab.h: picked-per-webhook counts, rate
 * limits).  A pick holds that mutex for its whole transaction, so the set
 * only grows while a pick walks the due index: an entry it read before a
 * commit removed it is still in flight when the pick looks the id up.  A
 * job counts towards its webhook's picks from the pick until the transfer
 * thread hands its webhook back (worker_round.uncount, with the next pick
 * half; or, if it did not, until the commit half that returns the job
 * starts); its id stays in flight until that commit succeeds.  A job
 * of kind JOB_UNSENT (picked, never started) writes nothing and is only
 * released.  The committer also makes each
 * attempt's id and writes its log line (once per job, before its first
 * commit try), so neither costs the transfer thread.  The main thread
 * keeps its own table for transfers running per webhook.  The store
 * handle is opened with DB_THREAD, so every thread uses it.
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

struct worker_id {
	char id[STORE_ID_MAX + 1];
};

struct worker_round {
	/* in: jobs are the thread's from worker_submit to worker_take */
	struct job **done;		/* finished: commit their outcomes */
	size_t ndone;
	struct job **fill;		/* empty: fill with due deliveries */
	size_t want;
	/* with the pick half: the webhooks of jobs that came back from their
	 * transfers since the last pick (one id per job, repeats allowed),
	 * no longer counted as that webhook's picks; copied */
	const struct worker_id *uncount;
	size_t nuncount;
	int64_t now;			/* wall ms of the pick */
	int64_t horizon_ms;		/* pick_due's look-ahead */
	/* out, set by worker_take */
	int commit_ok;			/* 0: nothing written (commit_err) */
	char commit_err[256];
	int pick_ok;			/* 0: nothing picked (pick_err) */
	char pick_err[256];
	struct pick_result res;		/* fill[0..res.n) are picked */
};

/* Start the threads, with room for max_ids deliveries in flight.  s and cfg
 * are borrowed.  0 or -1 with err. */
int worker_new(struct worker **wp, struct store *s, const struct config *cfg,
    size_t max_ids, char *err, size_t errlen);
/* Stop the threads (after the halves they hold, if any) and free.  Jobs
 * of a half not taken back are not freed: take them first. */
void worker_free(struct worker *w);

/* CPU time both threads have used so far, in ms (-1 if unknown). */
int64_t worker_cpu_ms(const struct worker *w);

/* Half-rounds each thread has run so far and their wall time (ms),
 * for the pass's summary line. */
struct worker_stats {
	uint64_t commits, picks;
	int64_t commit_ms, pick_ms;
};
void worker_stats(struct worker *w, struct worker_stats *st);

/* Readable (poll) when a half is done; worker_take drains it. */
int worker_fd(const struct worker *w);
/* 1 while a half is submitted and not yet taken back: the commit half,
 * the pick half, either. */
int worker_commit_busy(const struct worker *w);
int worker_pick_busy(const struct worker *w);
int worker_busy(const struct worker *w);

/* Hand a round over: its commit half when in->ndone > 0 (the committer
 * must be idle), its pick half when in->want > 0 (the picker must be
 * idle).  Both arrays are copied; the jobs belong to the threads until
 * worker_take.  0, or -1 (a half's thread busy, or out of memory: nothing
 * was handed over). */
int worker_submit(struct worker *w, const struct worker_round *in);

/* Take back what is done: 1 with out's done/fill (the same jobs as
 * submitted, done first) and results of each half that came back, ndone
 * or want 0 for a half that did not; 0 if neither is done.  out->done and
 * out->fill must have room for what was submitted. */
int worker_take(struct worker *w, struct worker_round *out);

#endif
