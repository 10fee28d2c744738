/* pick.c - choosing due deliveries (see pick.h). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fnv.h"
#include "lib/timefmt.h"
#include "sender/pick.h"

struct pk {
	const struct config *cfg;
	struct idset *inflight;
	struct whtab *wt;
	int64_t now, now_us, until;
	struct job **jobs;
	size_t want;
	/* output, reset at every run of the transaction */
	size_t n, scanned;
	struct pick_result *res;
	struct job *last;		/* last job that got an event body */
	int from;			/* walk from cur, not the head */
	struct pick_cursor *cur;
	int w_rc;
	char err[128];
	/* last webhook read (cache), valid when w_rc is STORE_OK.  Last, and
	 * not zeroed at the start: some 29 KiB, set by pk_txn's first read
	 * (pick_due zeroes the members before it only). */
	struct store_webhook w;
};

int
pick_lane_token(const struct store_delivery *d, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h;
	int i;

	out[0] = '\0';
	if (d->sequence == 0 || d->solo)
		return 0;
	/* 0xff between the two: no UTF-8 string has it */
	h = fnv1a_str(fnv1a_bytes(fnv1a_str(FNV1A_OFFSET, d->webhook_id),
	    "\xff", 1), d->lane);
	/* "lane:" + 16 hex: never a delivery id (those start "dlv_"); a
	 * collision only makes two lanes wait for each other a while */
	memcpy(out, "lane:", 5);
	for (i = 0; i < 16; i++)
		out[5 + i] = hex[(h >> (60 - 4 * i)) & 0xf];
	out[21] = '\0';
	return 1;
}

/* Drop the in-flight marks of a job's delivery (id and lane token). */
static void
pk_forget(struct idset *inflight, const struct store_delivery *d)
{
	char tok[PICK_LANE_TOKEN];

	idset_del(inflight, d->id);
	if (pick_lane_token(d, tok))
		idset_del(inflight, tok);
}

/*
 * Before a due entry's delivery is read: the entries at the head of the due
 * index are mostly in flight (picked, not yet committed), and each pick
 * walks past them again; they are passed over unread.  Counts the entry
 * towards PICK_SCAN_MAX.  0 (read it), 1 (pass over) or 2 (stop).
 */
static int
pk_skip(const char *id, void *arg)
{
	struct pk *p = arg;

	if (++p->scanned > PICK_SCAN_MAX) {
		p->res->blocked = 1;	/* look again when something ends */
		return 2;
	}
	return idset_has(p->inflight, id) ? 1 : 0;
}

/* Pending-in-this-pick count per webhook goes into whstate.inflight right
 * away (undone on a rerun), so per_webhook_concurrency holds inside one
 * pick too.  pk_skip saw the entry first. */
static int
pk_due(const struct store_delivery *d, void *arg)
{
	struct pk *p = arg;
	struct whstate *ws;
	char tok[PICK_LANE_TOKEN];
	int laned;

	if (d->next_attempt_at > p->now) {
		p->res->next_at = d->next_attempt_at;
		return 1;		/* the rest is later still */
	}
	/* A delivery moved under the walk (read committed) can show up
	 * twice: the set already has it then. */
	if (idset_has(p->inflight, d->id))
		return 0;
	/* One delivery of a FIFO lane in flight at most (pick.h). */
	laned = pick_lane_token(d, tok);
	if (laned && idset_has(p->inflight, tok)) {
		p->res->blocked = 1;
		return ++p->res->held >= PICK_BLOCKED_MAX ? 1 : 0;
	}
	ws = whtab_get(p->wt, d->webhook_id);
	if (ws == NULL) {
		snprintf(p->err, sizeof(p->err), "out of memory");
		return STORE_ERR;
	}
	if (p->cfg->per_webhook_concurrency > 0 &&
	    ws->inflight >= PICK_AHEAD * p->cfg->per_webhook_concurrency) {
		p->res->blocked = 1;
		return ++p->res->held >= PICK_BLOCKED_MAX ? 1 : 0;
	}
	if (ws->gone_at != 0 && p->now - ws->gone_at < WHTAB_GONE_HOLD_MS)
		return ++p->res->held >= PICK_BLOCKED_MAX ? 1 : 0;
	if (ws->rate_limit > 0 && ws->next_ok_us > p->now_us) {
		p->res->blocked = 1;
		if (p->res->rate_at == 0 || ws->next_ok_us / 1000 <
		    p->res->rate_at)
			p->res->rate_at = ws->next_ok_us / 1000;
		return ++p->res->held >= PICK_BLOCKED_MAX ? 1 : 0;
	}
	/* Cannot fail: the set holds as many ids as there are jobs (the
	 * caller sizes both), and every id in it belongs to a job. */
	(void)idset_add(p->inflight, d->id);
	if (laned)
		(void)idset_add(p->inflight, tok);
	p->jobs[p->n]->d = *d;
	p->n++;
	ws->inflight++;		/* both undone by pk_undo on a rerun */
	if (p->n >= p->want) {
		p->res->more = 1;
		return 1;
	}
	return 0;
}

static void
pk_undo(struct pk *p)
{
	struct whstate *ws;
	size_t i;

	for (i = 0; i < p->n; i++) {
		ws = whtab_find(p->wt, p->jobs[i]->d.webhook_id);
		if (ws != NULL && ws->inflight > 0)
			ws->inflight--;
		pk_forget(p->inflight, &p->jobs[i]->d);
		job_clear(p->jobs[i]);
	}
	p->n = 0;
}

/* Fill job i's webhook and event parts; decide its kind. */
static int
pk_fill(struct store_txn *t, struct pk *p, struct job *j)
{
	struct whstate *ws;
	char *body;
	int rc;

	j->kind = JOB_SEND;
	if (p->w_rc != STORE_OK || strcmp(p->w.id, j->d.webhook_id) != 0) {
		p->w_rc = store_webhook_get(t, j->d.webhook_id, &p->w);
		if (p->w_rc != STORE_OK && p->w_rc != STORE_NOTFOUND)
			return p->w_rc;
		if (p->w_rc == STORE_NOTFOUND)
			p->w.id[0] = '\0';
	}
	if (p->w_rc == STORE_NOTFOUND) {
		j->kind = JOB_CANCEL;
		return STORE_OK;
	}
	if (!p->w.enabled) {
		j->kind = JOB_FAIL;
		return STORE_OK;
	}
	ws = whtab_find(p->wt, j->d.webhook_id);
	if (ws != NULL)
		ws->rate_limit = p->w.rate_limit;
	j->rate_limit = p->w.rate_limit;
	/* the strings, not their whole buffers (the URL's is 2 KiB) */
	memcpy(j->url, p->w.url, strnlen(p->w.url, sizeof(j->url) - 1) + 1);
	j->url[sizeof(j->url) - 1] = '\0';
	job_headers(j, p->w.headers);
	memcpy(j->secret, p->w.secret,
	    strnlen(p->w.secret, sizeof(j->secret) - 1) + 1);
	j->secret[sizeof(j->secret) - 1] = '\0';
	if (p->w.prev_secret[0] != '\0' && p->w.prev_secret_until > p->now) {
		memcpy(j->prev_secret, p->w.prev_secret,
		    strnlen(p->w.prev_secret, sizeof(j->prev_secret) - 1) + 1);
		j->prev_secret[sizeof(j->prev_secret) - 1] = '\0';
	} else {
		j->prev_secret[0] = '\0';
	}
	/* Deliveries of one event (its fan-out) sit next to each other in
	 * the due index: copy the body of the previous job instead of
	 * reading the event again. */
	if (p->last != NULL && p->last->ev.body != NULL &&
	    strcmp(p->last->ev.id, j->d.event_id) == 0 &&
	    (j->ev.body = malloc(p->last->ev.body_len + 1)) != NULL) {
		body = j->ev.body;
		j->ev = p->last->ev;
		j->ev.body = body;
		memcpy(j->ev.body, p->last->ev.body, p->last->ev.body_len);
		j->ev.body[j->ev.body_len] = '\0';
		p->last = j;
		return STORE_OK;
	}
	rc = store_event_get(t, j->d.event_id, 1, &j->ev);
	if (rc == STORE_OK)
		p->last = j;
	if (rc == STORE_NOTFOUND) {
		memset(&j->ev, 0, sizeof(j->ev));
		j->kind = JOB_FAIL;
		return STORE_OK;
	}
	return rc;
}

static int
pk_txn(struct store_txn *t, void *arg)
{
	struct pk *p = arg;
	struct pick_result *res = p->res;
	size_t i;
	int rc;

	pk_undo(p);
	p->scanned = 0;
	p->w_rc = STORE_NOTFOUND;
	p->w.id[0] = '\0';
	p->last = NULL;
	memset(res, 0, sizeof(*res));
	if (p->from)
		rc = store_delivery_iter_due_from(t, p->cur->at, p->until,
		    pk_skip, pk_due, p);
	else
		rc = store_delivery_iter_due_skip(t, p->until, pk_skip,
		    pk_due, p);
	if (rc != STORE_OK)
		return rc;
	for (i = 0; i < p->n; i++) {
		if ((rc = pk_fill(t, p, p->jobs[i])) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

/* After the transaction: rate limits need the webhook's rate_limit, known
 * only now; a job the limit holds back is dropped (picked again later). */
static void
pk_rate(struct pk *p)
{
	struct whstate *ws;
	int64_t when;
	size_t i, k = 0;

	for (i = 0; i < p->n; i++) {
		struct job *j = p->jobs[i];

		ws = whtab_find(p->wt, j->d.webhook_id);
		if (ws != NULL && j->kind == JOB_SEND) {
			if (!whtab_rate_take(ws, p->now_us, &when)) {
				p->res->blocked = 1;
				if (p->res->rate_at == 0 ||
				    when / 1000 < p->res->rate_at)
					p->res->rate_at = when / 1000;
				if (ws->inflight > 0)
					ws->inflight--;
				pk_forget(p->inflight, &j->d);
				job_clear(j);
				continue;
			}
		}
		/* keep: swap to the front so no job pointer is lost (jobs is
		 * the caller's window of free jobs) */
		p->jobs[i] = p->jobs[k];
		p->jobs[k++] = j;
	}
	p->n = k;
}

/* Where the next pick starts (pick.h, struct pick_cursor). */
static void
pk_cursor(struct pk *p)
{
	struct pick_cursor *cur = p->cur;
	const struct store_delivery *d;

	cur->valid = 0;
	if (!p->res->more || p->res->blocked || p->res->held > 0 || p->n == 0)
		return;
	d = &p->jobs[p->n - 1]->d;	/* the last picked, in walk order */
	cur->valid = 1;
	cur->at = d->next_attempt_at;
}

int
pick_due(struct store *s, const struct config *cfg, struct idset *inflight,
    struct whtab *wt, struct pick_cursor *cur, int64_t now,
    int64_t horizon_ms, struct job **free, size_t want,
    struct pick_result *res, char *err, size_t errlen)
{
	struct pk p;
	int64_t mono = timefmt_mono_ms();
	int rc;

	memset(res, 0, sizeof(*res));
	if (want == 0)
		return 0;
	memset(&p, 0, offsetof(struct pk, w));
	p.w_rc = STORE_NOTFOUND;
	p.w.id[0] = '\0';
	p.cfg = cfg;
	p.inflight = inflight;
	p.wt = wt;
	p.now = now;
	p.until = now + (horizon_ms > 0 ? horizon_ms : 0);
	p.now_us = mono * 1000;
	p.jobs = free;
	p.want = want;
	p.res = res;
	p.cur = cur;
	p.from = cur->valid && mono - cur->head_mono < PICK_HEAD_EVERY_MS;
	if (!p.from)
		cur->head_mono = mono;
	rc = store_txn(s, STORE_RDONLY, pk_txn, &p, err, errlen);
	res->from_head = !p.from;
	explicit_bzero(&p.w, sizeof(p.w));	/* the webhook cache: secrets */
	if (rc != STORE_OK && p.err[0] != '\0')
		snprintf(err, errlen, "%s", p.err);
	if (rc != STORE_OK) {
		pk_undo(&p);
		cur->valid = 0;
		return -1;
	}
	pk_cursor(&p);
	pk_rate(&p);
	if (res->blocked)
		cur->valid = 0;	/* held back behind the cursor */
	res->n = p.n;
	return 0;
}
