/*
 * backoff.h - when the next attempt of a delivery is due.
 *
 * Attempt i (0-based) is due retry_schedule[i] after the previous attempt,
 * with +-20% jitter on non-zero delays; after retry_count attempts the
 * delivery has failed.  A 429/503 Retry-After may push the next attempt
 * later, never sooner, and never more than 24 h (retryafter.h).
 */
#ifndef HOOKD_SENDER_BACKOFF_H
#define HOOKD_SENDER_BACKOFF_H

#include <stddef.h>
#include <stdint.h>

/* ms scaled by a factor in [0.8, 1.2) chosen by r in [0, 1); 0 stays 0. */
int64_t backoff_jitter(int64_t ms, double r);

/*
 * Delay before the next attempt once `made` attempts were made (so the
 * schedule entry `made`), jittered with r; -1 when the schedule (n entries)
 * is exhausted.  retry_after_ms < 0 means none was given.
 */
int64_t backoff_next(const int64_t *schedule, size_t n, uint32_t made,
    int64_t retry_after_ms, double r);

/* A uniform double in [0, 1) from a per-process generator. */
double backoff_random(void);

#endif
