/*
 * statusdata.c - read the status page's figures in one read-only
 * transaction, with bounded work, and the figures derived from them:
 * percentiles, webhooks in trouble (see statusdata.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/store.h"
#include "lib/log.h"
#include "lib/timefmt.h"
#include "sender/statusdata.h"
#include "sender/statustext.h"

#define HOUR_MS 3600000LL

/* Clean a NUL-terminated field into a fixed array. */
#define CLEAN(dst, src) \
	statustext_clean((src), strlen(src), (dst), sizeof(dst), SIZE_MAX, NULL)

int
statusdata_percentile(const uint64_t lat[STORE_LAT_BUCKETS], double p)
{
	uint64_t total = 0, want, sum = 0;
	int i;

	for (i = 0; i < STORE_LAT_BUCKETS; i++)
		total += lat[i];
	if (total == 0)
		return -1;
	want = (uint64_t)((double)total * p);
	if ((double)want < (double)total * p)
		want++;		/* ceil */
	if (want == 0)
		want = 1;
	for (i = 0; i < STORE_LAT_BUCKETS; i++) {
		sum += lat[i];
		if (sum >= want)
			return i;
	}
	return STORE_LAT_BUCKETS - 1;
}

void
statusdata_bucket_bounds(int bucket, int64_t *lo, int64_t *hi)
{
	if (bucket <= 0) {
		*lo = 0;
		*hi = 1;
		return;
	}
	*lo = (int64_t)1 << (bucket - 1);
	*hi = bucket >= STORE_LAT_BUCKETS - 1 ? -1 : (int64_t)1 << bucket;
}

uint64_t
statusdata_webhook_attempts(const struct statusdata_webhook *w)
{
	return w->delivered_24h + w->failed_24h;
}

void
statusdata_trouble(const struct statusdata *sd, size_t *failing, size_t *off)
{
	size_t i;

	*failing = 0;
	*off = 0;
	for (i = 0; i < sd->webhooks.n; i++) {
		if (!STATUSDATA_WEBHOOK(sd, i)->enabled)
			(*off)++;
		else if (STATUSDATA_WEBHOOK(sd, i)->consecutive_failures > 0)
			(*failing)++;
	}
}

const struct statusdata_webhook *
statusdata_webhook_find(const struct statusdata *sd, const char *id)
{
	size_t i;

	for (i = 0; i < sd->webhooks.n; i++)
		if (strcmp(STATUSDATA_WEBHOOK(sd, i)->id, id) == 0)
			return STATUSDATA_WEBHOOK(sd, i);
	return NULL;
}

/* ---- the transaction ------------------------------------------------- */

struct collect {
	struct statusdata *sd;
	size_t app;			/* app whose webhooks are being read */
	int64_t walk_start;		/* mono ms when the pending walk began */
	struct store_txn *t;
	struct statusdata_webhook *w;	/* whose lanes are walked */
	size_t lanes;			/* lane records left to look at */
};

static int
collect_app(const struct store_app *a, void *arg)
{
	struct statusdata *sd = arg;
	struct statusdata_app *ap;

	if (sd->apps.n == sd->apps.cap) {
		sd->apps_cut = 1;
		return 1;
	}
	if ((ap = arr_push(&sd->apps)) == NULL)
		return STORE_ERR;
	/* Only public fields: key_hash is never copied. */
	CLEAN(ap->id, a->id);
	CLEAN(ap->org_id, a->org_id);
	CLEAN(ap->name, a->name);
	return 0;
}

static int
collect_webhook(const struct store_webhook *w, void *arg)
{
	struct collect *c = arg;
	struct statusdata *sd = c->sd;
	struct statusdata_webhook *wp;
	char url[STORE_URL_MAX + 1];

	if (sd->webhooks.n == sd->webhooks.cap) {
		sd->webhooks_cut = 1;
		return 1;
	}
	if ((wp = arr_push(&sd->webhooks)) == NULL)
		return STORE_ERR;
	/* Only public fields: secret and prev_secret are never read. */
	CLEAN(wp->id, w->id);
	CLEAN(wp->app_id, w->app_id);
	log_redact_url(w->url, url, sizeof(url));
	CLEAN(wp->url, url);
	wp->url_cut = strcspn(w->url, "?#") < strlen(w->url);
	CLEAN(wp->description, w->description);
	wp->enabled = w->enabled;
	wp->fifo = w->ordering == STORE_ORDER_FIFO;
	CLEAN(wp->disabled_reason, w->disabled_reason);
	STATUSDATA_APP(sd, c->app)->count++;
	return 0;
}

int64_t statusdata_walk_budget_ms = STATUSDATA_WALK_BUDGET_MS;

static int
collect_due(const struct store_delivery *d, void *arg)
{
	struct collect *c = arg;
	struct statusdata *sd = c->sd;

	if (sd->walked == 0)
		sd->earliest_due_at = d->next_attempt_at;
	if (d->next_attempt_at <= sd->now_ms)
		sd->due_now++;
	if (sd->oldest_created_at == 0 || d->created_at < sd->oldest_created_at)
		sd->oldest_created_at = d->created_at;
	sd->walked++;
	/* Stop at the cap, or when the time budget is spent (looked at
	 * every 256 entries: the clock costs more than an entry). */
	if (sd->walked >= STATUSDATA_WALK_MAX ||
	    (statusdata_walk_budget_ms > 0 && sd->walked % 256 == 0 &&
	    timefmt_mono_ms() - c->walk_start >= statusdata_walk_budget_ms)) {
		sd->walk_cut = 1;
		/* The due count is exact only if this entry was already
		 * past now (the index is ordered by next attempt). */
		sd->due_now_capped = d->next_attempt_at <= sd->now_ms;
		return 1;
	}
	return 0;
}

/* One FIFO lane with deliveries waiting: is its head stuck, and is it
 * the webhook's oldest stuck head so far? */
static int
collect_lane(const struct store_lane *l, void *arg)
{
	struct collect *c = arg;
	struct statusdata_webhook *w = c->w;
	struct store_delivery d;
	int rc;

	rc = store_delivery_get(c->t, l->head_id, &d);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc != STORE_OK)
		return rc;
	if (d.status != STORE_DLV_PENDING || d.attempts == 0)
		return 0;
	w->lanes_stuck++;
	if (w->stuck_since != 0 && d.created_at >= w->stuck_since)
		return 0;
	CLEAN(w->stuck_lane, l->lane);
	CLEAN(w->stuck_head, d.id);
	w->stuck_since = d.created_at;
	w->stuck_attempts = d.attempts;
	w->stuck_waiting = l->waiting;
	return 0;
}

static int
collect_failure(const struct store_attempt *a, void *arg)
{
	struct statusdata *sd = arg;
	struct statusdata_failure *f;
	size_t len;

	if (sd->failure_count >= STATUSDATA_FAILURES)
		return 1;
	f = &sd->failures[sd->failure_count++];
	memset(f, 0, sizeof(*f));
	CLEAN(f->attempt_id, a->id);
	CLEAN(f->delivery_id, a->delivery_id);
	CLEAN(f->webhook_id, a->webhook_id);
	f->at = a->at;
	f->status_code = a->status_code;
	CLEAN(f->error, a->error);
	f->duration_ms = a->duration_ms;
	len = a->response_len <= STORE_RESP_MAX ? a->response_len :
	    STORE_RESP_MAX;
	f->response_len = len;
	statustext_clean(a->response, len, f->excerpt, sizeof(f->excerpt),
	    STATUSDATA_EXCERPT_CHARS, &f->excerpt_cut);
	return sd->failure_count >= STATUSDATA_FAILURES;
}

/* Add the 24 stat rows of one webhook (or "*") into the given sums. */
static int
collect_stats(struct store_txn *t, const char *id, struct statusdata *sd,
    uint64_t *delivered, uint64_t *failed, uint64_t *lat, int global)
{
	struct store_stat st;
	size_t h;
	int rc, i;

	for (h = 0; h < STATUSDATA_HOURS; h++) {
		rc = store_stat_get(t, id, sd->hours[h].hour, &st);
		if (rc == STORE_NOTFOUND)
			continue;
		if (rc != STORE_OK)
			return rc;
		*delivered += st.delivered;
		*failed += st.failed;
		for (i = 0; i < STORE_LAT_BUCKETS; i++)
			lat[i] += st.latency[i];
		if (global) {
			sd->hours[h].delivered = st.delivered;
			sd->hours[h].failed = st.failed;
		}
	}
	return STORE_OK;
}

static int
collect_txn(struct store_txn *t, void *arg)
{
	struct collect *c = arg;
	struct statusdata *sd = c->sd;
	struct statusdata_app *ap;
	struct statusdata_webhook *w;
	struct store_health h;
	int64_t first_hour;
	size_t i;
	int rc;

	/* A callback may run again after a deadlock: start over. */
	arr_reset(&sd->apps);
	sd->apps_cut = 0;
	arr_reset(&sd->webhooks);
	sd->webhooks_cut = 0;
	sd->failure_count = 0;
	sd->due_now = 0;
	sd->due_now_capped = 0;
	sd->walked = 0;
	sd->walk_cut = 0;
	sd->walk_complete = 0;
	sd->oldest_created_at = 0;
	sd->earliest_due_at = 0;
	sd->delivered_24h = 0;
	sd->failed_24h = 0;
	memset(sd->latency_24h, 0, sizeof(sd->latency_24h));
	memset(&sd->queue, 0, sizeof(sd->queue));
	first_hour = sd->now_ms - sd->now_ms % HOUR_MS -
	    (STATUSDATA_HOURS - 1) * HOUR_MS;
	for (i = 0; i < STATUSDATA_HOURS; i++) {
		sd->hours[i].hour = first_hour + (int64_t)i * HOUR_MS;
		sd->hours[i].delivered = 0;
		sd->hours[i].failed = 0;
	}

	if ((rc = store_queue_get(t, &sd->queue)) != STORE_OK)
		return rc;
	rc = collect_stats(t, "*", sd, &sd->delivered_24h, &sd->failed_24h,
	    sd->latency_24h, 1);
	if (rc != STORE_OK)
		return rc;

	c->walk_start = timefmt_mono_ms();
	rc = store_delivery_iter_due(t, INT64_MAX, collect_due, c);
	if (rc < 0)
		return rc;
	/* Complete if it ran to the end, or saw as many as are pending. */
	sd->walk_complete = !sd->walk_cut ||
	    (sd->queue.pending >= 0 &&
	    (uint64_t)sd->queue.pending <= sd->walked);
	if (sd->walk_complete)
		sd->due_now_capped = 0;

	rc = store_attempt_iter_failures(t, collect_failure, sd);
	if (rc < 0)
		return rc;

	/* Apps first, then each app's webhooks: no nested cursors. */
	rc = store_app_iter(t, NULL, NULL, collect_app, sd);
	if (rc < 0)
		return rc;
	for (i = 0; i < sd->apps.n && !sd->webhooks_cut; i++) {
		c->app = i;
		ap = STATUSDATA_APP(sd, i);
		ap->first = sd->webhooks.n;
		ap->count = 0;
		rc = store_webhook_iter_app(t, ap->id,
		    collect_webhook, c);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < sd->webhooks.n; i++) {
		w = STATUSDATA_WEBHOOK(sd, i);
		rc = store_health_get(t, w->id, &h);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			return rc;
		if (rc == STORE_OK) {
			w->last_attempt_at = h.last_attempt_at;
			w->last_status = h.last_status;
			CLEAN(w->last_error, h.last_error);
			w->consecutive_failures = h.consecutive_failures;
			w->failing_since = h.failing_since;
			w->next_retry_at = h.next_retry_at;
		}
		rc = collect_stats(t, w->id, sd, &w->delivered_24h,
		    &w->failed_24h, w->latency, 0);
		if (rc != STORE_OK)
			return rc;
	}
	/* FIFO lanes of the listed webhooks, up to STATUSDATA_LANES_MAX */
	c->t = t;
	c->lanes = STATUSDATA_LANES_MAX;
	for (i = 0; i < sd->webhooks.n; i++) {
		w = STATUSDATA_WEBHOOK(sd, i);
		w->lanes_stuck = 0;
		w->lanes_cut = 0;
		w->stuck_since = 0;
		w->stuck_lane[0] = w->stuck_head[0] = '\0';
		if (!w->fifo)
			continue;
		c->w = w;
		rc = store_lane_iter(t, w->id, &c->lanes, collect_lane, c);
		if (rc < 0)
			return rc;
		w->lanes_cut = c->lanes == 0;
	}
	return STORE_OK;
}

int
statusdata_collect(struct store *s, const char *pass, int64_t now_ms,
    struct statusdata *sd, char *err, size_t errlen)
{
	struct collect c;
	int rc;

	statusdata_free(sd);
	arr_init(&sd->apps, sizeof(struct statusdata_app),
	    STATUSDATA_APPS_MAX);
	arr_init(&sd->webhooks, sizeof(struct statusdata_webhook),
	    STATUSDATA_WEBHOOKS_MAX);
	sd->now_ms = now_ms;
	if (pass == NULL)
		pass = "unknown";
	statustext_clean(pass, strlen(pass), sd->pass, sizeof(sd->pass),
	    STATUSDATA_PASS_MAX, NULL);
	memset(&c, 0, sizeof(c));
	c.sd = sd;
	rc = store_txn(s, STORE_RDONLY, collect_txn, &c, err, errlen);
	if (rc != STORE_OK) {
		if (rc > 0 || err[0] == '\0')
			snprintf(err, errlen, "status page: reading the store "
			    "failed (%d)", rc);
		return -1;
	}
	return 0;
}

void
statusdata_free(struct statusdata *sd)
{
	arr_free(&sd->apps);
	arr_free(&sd->webhooks);
}
