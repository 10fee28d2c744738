/*
 * statusdata.h - the figures of the admins' status page, read from the
 * store with bounded work.
 *
 * statusdata_collect() runs one read-only transaction and fills a struct
 * statusdata; statushtml.c and statusjson.c render it.  Every string in it
 * is NUL-terminated, valid UTF-8 without control characters (outside data
 * is cleaned on the way in, sender/statustext.h: invalid bytes and
 * controls become U+FFFD or a space), but NOT escaped: renderers escape
 * for their format.  No secret field of a webhook and no key hash of an
 * app is ever copied in.
 *
 * Bounds (so a big store costs the same as a small one):
 *   - the pending walk visits at most STATUSDATA_WALK_MAX entries of the
 *     due index (earliest next attempt first) and stops sooner when it
 *     has run statusdata_walk_budget_ms.  Each entry costs a primary
 *     lookup (10-30 us when the store is bigger than the cache: 10,000
 *     entries are ~0.1-0.3 s on a store of 1,000,000 deliveries), so "due
 *     now" is counted up to where the walk stopped and shown as "N+"
 *     beyond it, and the oldest pending age is exact only when the walk
 *     saw every pending delivery (else it is a lower bound and says so);
 *   - at most STATUSDATA_APPS_MAX apps and STATUSDATA_WEBHOOKS_MAX
 *     webhooks are listed, each with 24 stat rows and one health record;
 *   - the STATUSDATA_FAILURES most recent failed attempts;
 *   - at most STATUSDATA_LANES_MAX FIFO lane records over all listed
 *     webhooks (drained lanes included; a head lookup for each lane
 *     with deliveries waiting): past that, the stuck count is "N+" and
 *     the oldest stuck head is the oldest of those seen.
 */
#ifndef HOOKD_STATUSDATA_H
#define HOOKD_STATUSDATA_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "lib/replstate.h"
#include "lib/arr.h"

#define STATUSDATA_HOURS 24
#define STATUSDATA_WALK_MAX 10000
#define STATUSDATA_WALK_BUDGET_MS 250
#define STATUSDATA_APPS_MAX 1000
#define STATUSDATA_WEBHOOKS_MAX 2000
#define STATUSDATA_FAILURES 50
#define STATUSDATA_EXCERPT_CHARS 240	/* code points of a response excerpt */
#define STATUSDATA_EXCERPT_MAX (STATUSDATA_EXCERPT_CHARS * 4)
#define STATUSDATA_PASS_MAX 255
#define STATUSDATA_LANES_MAX 2000

/* One hour of attempts, from the global ("*") stat row. */
struct statusdata_hour {
	int64_t hour;			/* start of the hour, ms */
	uint32_t delivered;		/* successful attempts */
	uint32_t failed;		/* failed attempts */
};

struct statusdata_webhook {
	char id[STORE_ID_MAX + 1];
	char app_id[STORE_ID_MAX + 1];
	/* scheme://host/path: userinfo, query and fragment removed */
	char url[STORE_URL_MAX * 3 + 1];
	int url_cut;			/* a query or fragment was removed */
	char description[STORE_DESC_MAX * 3 + 1];
	int enabled;
	char disabled_reason[STORE_REASON_MAX * 3 + 1];
	int64_t last_attempt_at;	/* 0: never */
	int last_status;		/* HTTP status, 0 if none */
	char last_error[STORE_ERROR_MAX * 3 + 1];
	uint32_t consecutive_failures;
	int64_t failing_since;		/* 0: not failing */
	int64_t next_retry_at;		/* 0: nothing scheduled */
	uint64_t delivered_24h;		/* successful attempts */
	uint64_t failed_24h;		/* failed attempts */
	uint64_t latency[STORE_LAT_BUCKETS];	/* summed over 24 h */
	/* FIFO lanes: a lane is stuck when its head has failed at least
	 * once and is still pending (the lane waits behind it). */
	int fifo;			/* ordering is fifo */
	uint64_t lanes_stuck;		/* stuck lanes seen */
	int lanes_cut;			/* the lane walk stopped early */
	char stuck_lane[STORE_LANE_MAX * 3 + 1];	/* the oldest stuck */
	char stuck_head[STORE_ID_MAX + 1];	/* its head delivery */
	int64_t stuck_since;		/* the head's created_at; 0: none */
	uint32_t stuck_attempts;	/* attempts the head has had */
	uint64_t stuck_waiting;		/* deliveries in that lane */
};

struct statusdata_app {
	char id[STORE_ID_MAX + 1];
	char org_id[STORE_ORG_MAX * 3 + 1];
	char name[STORE_NAME_MAX * 3 + 1];
	size_t first;			/* index of its first webhook */
	size_t count;			/* webhooks listed */
};

struct statusdata_failure {
	char attempt_id[STORE_ID_MAX + 1];
	char delivery_id[STORE_ID_MAX + 1];
	char webhook_id[STORE_ID_MAX + 1];
	int64_t at;
	int status_code;		/* 0 when none */
	char error[STORE_ERROR_MAX * 3 + 1];	/* "" when it got a status */
	uint32_t duration_ms;
	char excerpt[STATUSDATA_EXCERPT_MAX + 1];	/* cleaned, one line */
	int excerpt_cut;		/* the response was longer */
	size_t response_len;		/* bytes stored */
};

/* App i and webhook i (below apps.n and webhooks.n) of a statusdata. */
#define STATUSDATA_APP(sd, i) ARR_AT(&(sd)->apps, struct statusdata_app, i)
#define STATUSDATA_WEBHOOK(sd, i) \
	ARR_AT(&(sd)->webhooks, struct statusdata_webhook, i)

struct statusdata {
	int64_t now_ms;			/* the page's "now" */
	char pass[STATUSDATA_PASS_MAX * 3 + 1];

	struct store_queue queue;	/* counters: pending, delivered, ... */
	/* The pending walk: due index from the earliest next attempt. */
	uint64_t due_now;		/* next_attempt_at <= now_ms */
	int due_now_capped;		/* the walk stopped before passing now */
	uint64_t walked;		/* entries visited */
	int walk_cut;			/* stopped by the cap or the budget */
	int walk_complete;		/* every pending delivery was visited */
	int64_t oldest_created_at;	/* earliest created_at seen; 0: none */
	int64_t earliest_due_at;	/* first entry's next_attempt_at; 0 */

	struct statusdata_hour hours[STATUSDATA_HOURS];	/* oldest first */
	uint64_t delivered_24h, failed_24h;	/* attempts, sum of hours */
	uint64_t latency_24h[STORE_LAT_BUCKETS];

	struct arr apps;		/* of struct statusdata_app */
	int apps_cut;			/* more apps than listed */
	struct arr webhooks;		/* of struct statusdata_webhook */
	int webhooks_cut;		/* more webhooks than listed */

	struct statusdata_failure failures[STATUSDATA_FAILURES];
	size_t failure_count;

	/* Replicated site only (repl_on): hookd-repl's view, read by
	 * statuspage.c after the collect (sender/statusrepl.h). */
	int repl_on;
	struct replstate repl;
};

/* Time budget of the pending walk, ms; 0: no limit (tests).  Defaults to
 * STATUSDATA_WALK_BUDGET_MS. */
extern int64_t statusdata_walk_budget_ms;

/*
 * Fill sd (which the caller zeroes once, or reuses) from the store as of
 * now_ms; pass (may be NULL) names the writer.  0, or -1 with err.
 * Free with statusdata_free().
 */
int statusdata_collect(struct store *s, const char *pass, int64_t now_ms,
    struct statusdata *sd, char *err, size_t errlen);
void statusdata_free(struct statusdata *sd);

/*
 * The histogram bucket holding the p-th percentile (0 < p <= 1) of lat,
 * or -1 when it is empty.  statusdata_bucket_bounds() gives the bucket's
 * [lo, hi) in ms; hi is -1 for the last, open-ended bucket.
 */
int statusdata_percentile(const uint64_t lat[STORE_LAT_BUCKETS], double p);
void statusdata_bucket_bounds(int bucket, int64_t *lo, int64_t *hi);

/* Attempts of the webhook in the 24 h window (delivered + failed). */
uint64_t statusdata_webhook_attempts(const struct statusdata_webhook *w);

/* Listed webhooks failing now (enabled, with failures in a row) and
 * disabled ones: the page's headline and its "Needs attention" list. */
void statusdata_trouble(const struct statusdata *sd, size_t *failing,
    size_t *off);

/* Look a listed webhook up by id; NULL when not listed. */
const struct statusdata_webhook *statusdata_webhook_find(
    const struct statusdata *sd, const char *id);

#endif
