/*
 * outcome.h - what an attempt's result does to the store, for a batch of
 * finished jobs in one transaction (one log flush for many deliveries).
 *
 * Per job: the attempt is recorded (time, status or error, duration, first
 * 4 KiB of the response); a delivery still pending becomes delivered (2xx),
 * failed (410, or the schedule exhausted) or stays pending with its next
 * attempt scheduled (backoff.h); a delivery that changed under the sender
 * (cancelled, failed by a disable, ...) keeps its state.  The webhook's
 * health and hourly stats are updated; a 410, or failures for disable_after,
 * disable the webhook and fail its pending deliveries.
 */
#ifndef HOOKD_SENDER_OUTCOME_H
#define HOOKD_SENDER_OUTCOME_H

#include <stddef.h>

#include "db/store.h"
#include "lib/config.h"
#include "sender/job.h"

/*
 * Commit the outcomes of jobs[0..n) in one transaction.  Sets each job's
 * final/disabled/next_at for the log.  0, or -1 with err (nothing was
 * written; the caller keeps the jobs and tries again).
 */
int outcome_flush(struct store *s, const struct config *cfg,
    struct job **jobs, size_t n, char *err, size_t errlen);

/* Outcome of one finished job without the store, for the log: "delivered",
 * "gone", "retry" or "fail". */
const char *outcome_class(const struct job *j);

#endif
