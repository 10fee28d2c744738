/*
 * commit.h - a committer thread: records a batch of outcomes (outcome.h)
 * while the main thread keeps transfers going.
 *
 * With durability = sync a commit waits for an fsync (3-6 ms on the build
 * machine); done inline it stalls every transfer for that long, done here it
 * overlaps with them (group commit: while one batch commits, the next one
 * gathers).  The store handle is opened with DB_THREAD, so both threads
 * use it.  Only the main thread touches the in-flight set and the webhook
 * table: it gets each batch back from commit_take and releases the jobs.
 */
#ifndef HOOKD_SENDER_COMMIT_H
#define HOOKD_SENDER_COMMIT_H

#include <stddef.h>

#include "db/store.h"
#include "lib/config.h"
#include "sender/job.h"

struct commit;

/* Start the thread.  s and cfg are borrowed.  0 or -1 with err. */
int commit_new(struct commit **cp, struct store *s, const struct config *cfg,
    char *err, size_t errlen);
/* Stop the thread (after the batch it holds, if any) and free.  Jobs of a
 * batch not taken back are not freed: take it first. */
void commit_free(struct commit *c);

/* Readable (poll) when a batch is done; commit_take drains it. */
int commit_fd(const struct commit *c);
/* 1 while a batch is submitted and not yet taken back. */
int commit_busy(const struct commit *c);

/* Hand jobs[0..n) over (the array is copied; the jobs belong to the thread
 * until commit_take gives them back).  0, or -1 if busy. */
int commit_submit(struct commit *c, struct job **jobs, size_t n);

/*
 * Take a finished batch back: returns 1 with the jobs in out (room for the
 * batch, which is at most what was submitted), their count in *n, and
 * *ok 1 if committed (job final/disabled/next_at set), 0 if not (err says
 * why; nothing was written).  Returns 0 when no batch is done.
 */
int commit_take(struct commit *c, struct job **out, size_t *n, int *ok,
    char *err, size_t errlen);

#endif
