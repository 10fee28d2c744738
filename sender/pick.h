/*
 * pick.h - choose the due deliveries to send next, in one short read-only
 * transaction over the due index.
 *
 * Skips deliveries already in flight (idset), webhooks at
 * per_webhook_concurrency, and webhooks whose rate_limit allows no start
 * yet.  Reads each picked delivery's webhook (url, secrets) and event body.
 * A delivery whose webhook was deleted becomes a JOB_CANCEL, one whose
 * webhook is disabled or whose event is gone a JOB_FAIL.
 */
#ifndef HOOKD_SENDER_PICK_H
#define HOOKD_SENDER_PICK_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "lib/config.h"
#include "sender/idset.h"
#include "sender/job.h"
#include "sender/whtab.h"

/* Picks run ahead of the transfers: a webhook may have this many times
 * per_webhook_concurrency picked (running + waiting for a slot). */
#define PICK_AHEAD 8

/* Due-index entries looked at per pick at most, beyond those picked, and
 * of those, entries held back by a webhook's limits: a webhook with a deep
 * backlog must not make every pick walk all of it.  Deliveries behind more
 * than PICK_BLOCKED_MAX held-back ones wait until those move. */
#define PICK_SCAN_MAX 4096
#define PICK_BLOCKED_MAX 256

/*
 * Where the next pick may start in the due index.  The head of the index is
 * mostly deliveries in flight; a pick that filled all it wanted, holding
 * nothing back, leaves the moment its last one was due here and the next
 * one starts at that moment's first entry instead of walking past the
 * earlier ones again (the moment's own in flight are passed over again:
 * store_delivery_iter_due_from).  What it can miss (a delivery made due
 * earlier than that after the pick, e.g. an intake that committed late)
 * is found by the next pick from the head: after any pick that did not
 * fill, and at least every PICK_HEAD_EVERY_MS.  Zeroed: from the head.
 */
#define PICK_HEAD_EVERY_MS 1000
struct pick_cursor {
	int valid;
	int64_t at;		/* due index: next_attempt_at */
	int64_t head_mono;	/* mono ms of the last pick from the head */
};

struct pick_result {
	size_t n;		/* jobs filled */
	int more;		/* filled: more may be due now */
	int blocked;		/* something due was held back by a limit */
	int64_t next_at;	/* wall ms when more becomes due; 0: unknown */
	int64_t rate_at;	/* mono ms when a rate limit frees; 0: none */
	size_t held;		/* entries held back by a webhook's limits */
	int from_head;		/* walked from the head of the due index */
};

/*
 * FIFO lanes: the store puts only a lane's head in the due index, and a
 * lane's in-flight delivery also holds its lane's token in the in-flight
 * set, so that a delivery put in front of its lane meanwhile (recover)
 * waits until the one in flight is committed: never two of one lane in
 * flight.  The token of d's lane into out (PICK_LANE_TOKEN bytes): 1, or
 * 0 when d is in no lane (unordered, or retried on its own).  The set
 * must hold twice the jobs (ids and tokens).
 */
#define PICK_LANE_TOKEN 24
int pick_lane_token(const struct store_delivery *d, char *out);

/*
 * Fill up to want jobs from free[] (the caller's empty jobs) with deliveries
 * due at now, looking ahead horizon_ms for next_at, starting where cur says
 * (and updating it).  Picked ids are added to inflight and counted in wt
 * (the caller undoes both when a job ends).  0, or -1 with err.
 */
int pick_due(struct store *s, const struct config *cfg,
    struct idset *inflight, struct whtab *wt, struct pick_cursor *cur,
    int64_t now, int64_t horizon_ms, struct job **free, size_t want,
    struct pick_result *res, char *err, size_t errlen);

#endif
