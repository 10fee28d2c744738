/* outcome.c - recording attempts and scheduling retries (see outcome.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/counter.h"
#include "lib/fnv.h"
#include "lib/log.h"
#include "lib/opev.h"
#include "lib/str.h"
#include "lib/timefmt.h"
#include "sender/backoff.h"
#include "sender/outcome.h"

#define OC_HOUR_MS 3600000LL	/* store.h: rows are per hour */
#define OC_FAILING_AT 4		/* hookd.delivery.failing: at this failed
				 * attempt of a delivery */

/* A webhook seen in this batch: read once, health written once at the end
 * (a batch often holds many attempts to one webhook). */
struct oc_wh {
	char id[STORE_ID_MAX + 1];
	int exists, enabled;
	struct store_health h;
};

/* A statistics row the batch adds to: written once at the end. */
struct oc_st {
	const char *wid;	/* a job's webhook id, or "*" */
	int64_t hour;		/* start of the hour */
	struct store_stat add;
};

struct oc {
	const struct config *cfg;
	struct job **jobs;
	size_t n;
	int64_t now;
	struct oc_wh *wh;	/* n entries; nwh used, reset per run */
	size_t nwh;
	struct oc_st *st;	/* 2n entries; nst used, reset per run */
	size_t nst;
	/* Open-addressed indexes into wh and st (slot: entry + 1, 0 free),
	 * mask + 1 slots, a power of two above 4n: a batch may hold 1,024
	 * outcomes for as many webhooks; reset per run. */
	uint32_t *whix, *stix;
	size_t mask;
	struct store_due_later later;	/* due entries to remove, n room;
					 * reset per run */
	struct store_dlv_cur *dc;	/* the deliveries' cursor, per run */
	struct store_queue q;	/* queue counter changes, reset per run */
	struct store_counter cnt;	/* lifetime counters' changes, too */
};

/*
 * Disable webhook wid (if it exists and is enabled) with reason, and fail
 * its pending deliveries.  With code (not NULL: "gone" or "failing") the
 * disable is told as hookd.webhook.disabled in the same transaction;
 * NULL when an operational event's delivery caused it (no loops).  Store
 * code.
 */
static int
oc_disable(struct store_txn *t, const char *wid, const char *reason,
    const char *code, int64_t failing_since, int64_t now)
{
	struct store_webhook w;
	int rc;

	rc = store_webhook_get(t, wid, &w);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	if (!w.enabled)
		return STORE_OK;
	w.enabled = 0;
	snprintf(w.disabled_reason, sizeof(w.disabled_reason), "%s", reason);
	w.updated_at = now;
	if ((rc = store_webhook_put(t, &w, 0)) != STORE_OK ||
	    (rc = store_delivery_end_webhook(t, wid, STORE_DLV_FAILED, now,
	    NULL)) != STORE_OK)
		goto out;
	if (code != NULL)
		rc = opev_disabled(t, &w, code, failing_since, now, NULL);
out:
	explicit_bzero(&w, sizeof(w));		/* it holds the secrets */
	return rc;
}

static int
oc_attempt(struct store_txn *t, const struct job *j)
{
	struct store_attempt a;

	memset(&a, 0, sizeof(a));
	memcpy(a.id, j->att_id, sizeof(a.id));
	memcpy(a.delivery_id, j->d.id, sizeof(a.delivery_id));
	memcpy(a.webhook_id, j->d.webhook_id, sizeof(a.webhook_id));
	a.at = j->at;
	a.status_code = j->status;
	memcpy(a.error, j->error, sizeof(a.error));
	a.duration_ms = j->duration_ms;
	a.response_len = j->resp_len;
	memcpy(a.response, j->resp, j->resp_len);
	return store_attempt_put(t, &a);
}

/* FNV-1a of s, then of hour's bytes. */
static size_t
oc_hash(const char *s, int64_t hour)
{
	uint64_t h = fnv1a_bytes(fnv1a_str(FNV1A_OFFSET, s), &hour,
	    sizeof(hour));

	return (size_t)(h ^ (h >> 29));
}

/* The batch's entry for webhook id, read from the store on first use. */
static int
oc_webhook(struct store_txn *t, struct oc *o, const char *id,
    struct oc_wh **out)
{
	struct store_webhook w;
	struct oc_wh *e;
	size_t i;
	int rc;

	for (i = oc_hash(id, 0) & o->mask; o->whix[i] != 0;
	    i = (i + 1) & o->mask) {
		if (strcmp(o->wh[o->whix[i] - 1].id, id) == 0) {
			*out = &o->wh[o->whix[i] - 1];
			return STORE_OK;
		}
	}
	e = &o->wh[o->nwh];
	memset(e, 0, sizeof(*e));
	/* A delivery's webhook id fits; a cut one would name another. */
	if (str_copy(e->id, sizeof(e->id), id) == -1)
		return STORE_ERR;
	rc = store_webhook_get(t, id, &w);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	e->exists = rc == STORE_OK;
	e->enabled = e->exists && w.enabled;
	if (e->exists) {
		rc = store_health_get(t, id, &e->h);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			return rc;
	}
	o->whix[i] = (uint32_t)++o->nwh;	/* i: the free slot found */
	*out = e;
	return STORE_OK;
}

/* Health after one attempt; may disable the webhook (410, disable_after). */
static int
oc_health(struct store_txn *t, struct oc *o, struct job *j)
{
	const struct config *cfg = o->cfg;
	struct store_health *h;
	struct oc_wh *e;
	char reason[STORE_REASON_MAX + 1], since[TIMEFMT_LEN];
	int rc, ok = job_ok(j), op = store_type_operational(j->d.event_type);

	if ((rc = oc_webhook(t, o, j->d.webhook_id, &e)) != STORE_OK)
		return rc;
	if (!e->exists)
		return STORE_OK;	/* deleted: no health to keep */
	h = &e->h;
	h->last_attempt_at = j->at;
	h->last_status = j->status;
	memcpy(h->last_error, j->error, sizeof(h->last_error));
	if (ok) {
		h->consecutive_failures = 0;
		h->failing_since = 0;
		h->next_retry_at = 0;
	} else {
		h->consecutive_failures++;
		if (h->failing_since == 0)
			h->failing_since = j->at;
		h->next_retry_at = j->next_at;
	}
	if (j->status == 410) {
		j->disabled = e->enabled;
		e->enabled = 0;
		h->next_retry_at = 0;
		return oc_disable(t, j->d.webhook_id,
		    "endpoint returned 410 Gone", op ? NULL : "gone",
		    h->failing_since, o->now);
	}
	if (!ok && e->enabled && cfg->disable_after_ms > 0 &&
	    j->at - h->failing_since >= cfg->disable_after_ms) {
		timefmt_format(h->failing_since, since, sizeof(since));
		snprintf(reason, sizeof(reason), "every attempt failed since "
		    "%s (%u in a row, last: %s%s%d)", since,
		    h->consecutive_failures, j->error,
		    j->error[0] ? " " : "status ", j->status);
		j->disabled = 1;
		e->enabled = 0;
		h->next_retry_at = 0;
		return oc_disable(t, j->d.webhook_id, reason,
		    op ? NULL : "failing", h->failing_since, o->now);
	}
	return STORE_OK;
}

/* Count attempt j in the batch's row (wid, hour of j->at). */
static void
oc_stat(struct oc *o, const char *wid, const struct job *j)
{
	int64_t hour = j->at - j->at % OC_HOUR_MS;
	struct oc_st *e = NULL;
	size_t i;

	if (j->at % OC_HOUR_MS < 0)
		hour -= OC_HOUR_MS;
	for (i = oc_hash(wid, hour) & o->mask; o->stix[i] != 0;
	    i = (i + 1) & o->mask) {
		e = &o->st[o->stix[i] - 1];
		if (e->hour == hour && strcmp(e->wid, wid) == 0)
			break;
		e = NULL;
	}
	if (e == NULL) {
		e = &o->st[o->nst++];	/* at most 2 per job: room for 2n */
		o->stix[i] = (uint32_t)o->nst;
		memset(e, 0, sizeof(*e));
		e->wid = wid;
		e->hour = hour;
		e->add.hour = hour;
	}
	if (job_ok(j))
		e->add.delivered++;
	else
		e->add.failed++;
	e->add.latency[store_stat_bucket(j->duration_ms)]++;
}

/*
 * The operational events attempt j causes (lib/opev.h), after its health:
 * failing at a delivery's 4th failed attempt (a 410 is told by the
 * disable instead), exhausted when it ran out of attempts (exhausted),
 * recovered at the first delivered attempt to a webhook after failing
 * was told for it (once per episode: the health's episode_since).  None
 * for the delivery of an operational event.  Store code.
 */
static int
oc_events(struct store_txn *t, struct oc *o, struct job *j,
    const struct store_delivery *d, int was_pending, int exhausted)
{
	struct opev_attempt a = { j->at, j->status, j->error };
	struct oc_wh *e;
	int rc;

	if (store_type_operational(j->d.event_type))
		return STORE_OK;
	if ((rc = oc_webhook(t, o, j->d.webhook_id, &e)) != STORE_OK)
		return rc;
	if (job_ok(j)) {
		if (!e->exists || e->h.episode_since == 0)
			return STORE_OK;
		rc = opev_recovered(t, j->d.webhook_id, e->h.episode_since,
		    o->now, NULL);
		e->h.episode_since = 0;
		return rc;
	}
	if (!was_pending)
		return STORE_OK;	/* ended under us: not this attempt */
	if (d->attempts == OC_FAILING_AT && j->status != 410) {
		if ((rc = opev_delivery(t, OPEV_FAILING, d, d->attempts, &a,
		    o->now, NULL)) != STORE_OK)
			return rc;
		if (e->exists && e->h.episode_since == 0)
			e->h.episode_since = e->h.failing_since != 0 ?
			    e->h.failing_since : j->at;
	}
	if (exhausted)
		return opev_delivery(t, OPEV_EXHAUSTED, d, d->attempts, &a,
		    o->now, NULL);
	return STORE_OK;
}

static int
oc_one(struct store_txn *t, struct oc *o, struct job *j)
{
	const struct config *cfg = o->cfg;
	int64_t now = o->now;
	struct store_delivery cur, d;
	int64_t delay;
	int rc, was_pending, exhausted = 0;

	rc = store_delivery_get_at(t, o->dc, j->d.id, &cur);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;	/* deleted under us: nothing to keep */
	if (rc != STORE_OK)
		return rc;
	d = cur;
	if (j->kind == JOB_SEND) {
		if ((rc = oc_attempt(t, j)) != STORE_OK)
			return rc;
		store_counter_count(&o->cnt, j->status, j->duration_ms);
		d.attempts++;
	}
	was_pending = d.status == STORE_DLV_PENDING;
	if (d.status == STORE_DLV_PENDING) {
		if (j->kind == JOB_CANCEL) {
			d.status = STORE_DLV_CANCELLED;
		} else if (j->kind == JOB_FAIL || j->status == 410) {
			d.status = STORE_DLV_FAILED;	/* 410: never ok */
		} else if (job_ok(j)) {
			d.status = STORE_DLV_DELIVERED;
		} else {
			delay = backoff_next(cfg->retry_schedule,
			    cfg->retry_count, d.attempts, j->retry_after_ms,
			    backoff_random());
			if (delay < 0) {
				d.status = STORE_DLV_FAILED;
				exhausted = 1;
			} else {
				d.next_attempt_at = now + delay;
				j->next_at = d.next_attempt_at;
			}
		}
		j->final = d.status != STORE_DLV_PENDING;
	}
	d.updated_at = now;
	/* its due entry goes with the batch's others, in one walk */
	if ((rc = store_delivery_put_over_at(t, o->dc, &cur, &d, &o->q,
	    &o->later)) != STORE_OK)
		return rc;
	if (j->kind != JOB_SEND)
		return STORE_OK;
	if ((rc = oc_health(t, o, j)) != STORE_OK ||
	    (rc = oc_events(t, o, j, &d, was_pending, exhausted)) != STORE_OK)
		return rc;
	oc_stat(o, j->d.webhook_id, j);
	oc_stat(o, "*", j);
	return STORE_OK;
}

static int oc_run(struct store_txn *t, struct oc *o);

/* The transaction: its run, with the deliveries' cursor open around it. */
static int
oc_txn(struct store_txn *t, void *arg)
{
	struct oc *o = arg;
	int rc;

	if ((rc = store_dlv_cur_open(t, &o->dc)) != STORE_OK)
		return rc;
	rc = oc_run(t, o);
	store_dlv_cur_close(o->dc);	/* before the commit or abort */
	o->dc = NULL;
	return rc;
}

static int
oc_run(struct store_txn *t, struct oc *o)
{
	size_t i;
	int rc;

	for (i = 0; i < o->n; i++) {
		o->jobs[i]->final = 0;
		o->jobs[i]->disabled = 0;
		o->jobs[i]->next_at = 0;
	}
	o->nwh = 0;
	o->nst = 0;
	o->later.n = 0;
	memset(o->whix, 0, (o->mask + 1) * sizeof(*o->whix));
	memset(o->stix, 0, (o->mask + 1) * sizeof(*o->stix));
	memset(&o->q, 0, sizeof(o->q));
	memset(&o->cnt, 0, sizeof(o->cnt));
	for (i = 0; i < o->n; i++) {
		if (o->jobs[i]->kind == JOB_UNSENT)
			continue;	/* never started: nothing to record */
		if ((rc = oc_one(t, o, o->jobs[i])) != STORE_OK)
			return rc;
	}
	/* Nothing here reads the due index: its removals go last, in key
	 * order (store.h, store_due_del_later). */
	if ((rc = store_due_del_later(t, &o->later)) != STORE_OK)
		return rc;
	for (i = 0; i < o->nwh; i++) {
		if (o->wh[i].exists &&
		    (rc = store_health_put(t, &o->wh[i].h)) != STORE_OK)
			return rc;
	}
	/* The queue counters once per batch, not once per attempt. */
	if ((rc = store_queue_add(t, &o->q)) != STORE_OK ||
	    (rc = store_counter_add(t, &o->cnt)) != STORE_OK)
		return rc;
	/* Statistics once per (webhook, hour) of the batch, not twice per
	 * attempt. */
	for (i = 0; i < o->nst; i++) {
		if ((rc = store_stat_merge(t, o->st[i].wid, &o->st[i].add)) !=
		    STORE_OK)
			return rc;
	}
	return STORE_OK;
}

int
outcome_flush(struct store *s, const struct config *cfg, struct job **jobs,
    size_t n, char *err, size_t errlen)
{
	struct oc o = { .cfg = cfg, .jobs = jobs, .n = n };
	int rc;

	if (n == 0)
		return 0;
	o.now = timefmt_now_ms();
	o.wh = calloc(n, sizeof(*o.wh));
	o.st = calloc(2 * n, sizeof(*o.st));
	o.later.v = calloc(n, sizeof(*o.later.v));	/* one per put */
	for (o.mask = 15; o.mask + 1 < 4 * n; o.mask = 2 * o.mask + 1)
		;
	o.whix = calloc(o.mask + 1, sizeof(*o.whix));
	o.stix = calloc(o.mask + 1, sizeof(*o.stix));
	if (o.wh == NULL || o.st == NULL || o.later.v == NULL ||
	    o.whix == NULL || o.stix == NULL) {
		free(o.wh);
		free(o.st);
		free(o.later.v);
		free(o.whix);
		free(o.stix);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = store_txn(s, 0, oc_txn, &o, err, errlen);
	free(o.wh);
	free(o.st);
	free(o.later.v);
	free(o.whix);
	free(o.stix);
	return rc == STORE_OK ? 0 : -1;
}

const char *
outcome_class(const struct job *j)
{
	if (job_ok(j))
		return "delivered";
	if (j->status == 410)
		return "gone";
	return "retry";
}
