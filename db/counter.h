/*
 * counter.h - the sender's lifetime counters, kept in the store so that
 * they survive restarts: attempts by outcome and a histogram of attempt
 * durations.  They feed the Prometheus counters of metrics.prom
 * (sender/metrics.h).  Only hookd-send writes them, once per batch
 * transaction (the batch's counts added in one write, in the transaction
 * that records the attempts), so a count and its attempts commit or abort
 * together.
 */
#ifndef HOOKD_DB_COUNTER_H
#define HOOKD_DB_COUNTER_H

#include <stdint.h>

#include "db/store.h"

enum store_outcome {
	STORE_OUTCOME_DELIVERED = 0,	/* HTTP 2xx */
	STORE_OUTCOME_FAILED = 1,	/* an HTTP status that is not 2xx */
	STORE_OUTCOME_ERROR = 2,	/* no HTTP answer (connect, timeout...) */
	STORE_OUTCOMES
};

/* Upper bounds (ms, inclusive) of the duration buckets; the last bucket,
 * past the last bound, is +Inf.  Changing them changes the record (bump
 * COUNTER_V in counter.c and say what an old record becomes). */
#define STORE_DUR_BOUNDS { 5, 10, 25, 50, 100, 250, 500, 1000, 2500, \
	5000, 10000, 30000, 60000 }
#define STORE_DUR_BUCKETS 14		/* the bounds above + Inf */

struct store_counter {
	uint64_t attempts[STORE_OUTCOMES];
	uint64_t dur[STORE_DUR_BUCKETS];	/* per bucket, not cumulative */
	uint64_t dur_sum_ms;			/* every attempt's duration */
};

extern const uint32_t store_dur_bounds_ms[STORE_DUR_BUCKETS - 1];

/* Count one attempt into c (in memory): its HTTP status (0: none) and
 * duration. */
void store_counter_count(struct store_counter *c, int http_status,
    uint32_t duration_ms);
/* The stored counters (never written: zeros, STORE_OK).  Store code. */
int store_counter_get(struct store_txn *t, struct store_counter *out);
/* Add delta to the stored counters (one read-modify-write).  A delta of
 * zeros writes nothing.  Store code. */
int store_counter_add(struct store_txn *t, const struct store_counter *delta);

#endif
