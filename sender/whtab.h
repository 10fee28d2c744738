/*
 * whtab.h - what the sender knows per webhook while it runs: transfers in
 * flight (per_webhook_concurrency) and the rate limit's next free slot.
 *
 * Entries are created on first use and kept for the life of the process
 * (one per webhook seen, ~100 bytes); the table doubles when half full.
 */
#ifndef HOOKD_SENDER_WHTAB_H
#define HOOKD_SENDER_WHTAB_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"

struct whstate {
	char id[STORE_ID_MAX + 1];	/* "" = empty slot */
	unsigned inflight;		/* picked and not yet finished */
	unsigned running;		/* of those, transfers started */
	uint32_t rate_limit;		/* per second, 0 = none (last seen) */
	int64_t next_ok_us;		/* monotonic us of the next allowed start */
	int64_t gone_at;		/* wall ms of a 410 answer, 0: none */
};

/* After a 410 the webhook gets no new transfer for this long: its disable
 * (and the failing of its pending deliveries) commits well within it. */
#define WHTAB_GONE_HOLD_MS 10000

struct whtab;

struct whtab *whtab_new(void);
void whtab_free(struct whtab *t);
/* The entry of id, created if missing; NULL on allocation failure. */
struct whstate *whtab_get(struct whtab *t, const char *id);
/* The entry of id or NULL; never allocates. */
struct whstate *whtab_find(struct whtab *t, const char *id);

/*
 * Rate limiting: 1 if a start at now_us is allowed (then it is counted),
 * 0 if not, with the monotonic us when it will be in *when_us.
 */
int whtab_rate_take(struct whstate *w, int64_t now_us, int64_t *when_us);

#endif
