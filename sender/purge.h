/*
 * purge.h - retention: remove what is older than cfg.retention, in small
 * transactions so the API never waits long on the sender's locks.
 *
 * Order: delivered/failed/cancelled deliveries created before the cut (with
 * their attempts), then events created before the cut that no delivery
 * references any more, then hourly stats rows older than 48 h.  Pending
 * deliveries are never purged, nor the events they need.
 */
#ifndef HOOKD_SENDER_PURGE_H
#define HOOKD_SENDER_PURGE_H

#include <signal.h>

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "lib/config.h"

/* Records removed per transaction; for events, those looked at, in whole
 * time index entries: a batch's run entry (db/eventtime.c) may add up to
 * its 1,000 events over the count. */
#define PURGE_BATCH 200
#define PURGE_KEEP_MAX 50000	/* events kept for pending deliveries, at
				 * most, per pass (purge.c): an idset of
				 * ~8 MiB, its pages touched as it fills */
#define PURGE_STATS_MS (48LL * 3600 * 1000)

/* The most event ids a pass keeps for pending deliveries: PURGE_KEEP_MAX;
 * tests lower it to reach the overflow. */
extern size_t purge_keep_max;

struct purge_counts {
	uint64_t deliveries, events;
};

/*
 * Purge relative to now (wall ms).  *stop (may be NULL) is checked between
 * transactions so a shutdown is not held up.  0 or -1 with err.
 */
int purge_run(struct store *s, const struct config *cfg, int64_t now,
    const volatile sig_atomic_t *stop, struct purge_counts *out, char *err,
    size_t errlen);

#endif
