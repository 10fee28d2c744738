/*
 * rec.c - record encoding (the format and the version rule are in rec.h).
 */
#include <stdlib.h>
#include <string.h>

#include "db/rec.h"

struct wr {
	unsigned char *p;
	size_t len, cap;
	int err;
};

struct rd {
	const unsigned char *p;
	size_t len, off;
	int err;
};

static void
w_bytes(struct wr *w, const void *b, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void
w_uint(struct wr *w, uint64_t v, int width)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < width; i++) {
		b[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	w_bytes(w, b, (size_t)width);
}

static void w_u8(struct wr *w, unsigned v) { w_uint(w, v, 1); }
static void w_u32(struct wr *w, uint32_t v) { w_uint(w, v, 4); }
static void w_i64(struct wr *w, int64_t v) { w_uint(w, (uint64_t)v, 8); }
static void w_i32(struct wr *w, int v) { w_uint(w, (uint32_t)(int32_t)v, 4); }

/* A NUL-terminated string of at most cap bytes. */
static void
w_str(struct wr *w, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap + 1);

	if (n > cap) {
		w->err = 1;
		return;
	}
	w_uint(w, n, 2);
	w_bytes(w, s, n);
}

/* n raw bytes, at most cap. */
static void
w_blob16(struct wr *w, const void *b, size_t n, size_t cap)
{
	if (n > cap) {
		w->err = 1;
		return;
	}
	w_uint(w, n, 2);
	w_bytes(w, b, n);
}

static const unsigned char *
r_bytes(struct rd *r, size_t n)
{
	const unsigned char *b;

	if (r->err || n > r->len - r->off) {
		r->err = 1;
		return NULL;
	}
	b = r->p + r->off;
	r->off += n;
	return b;
}

static uint64_t
r_uint(struct rd *r, int width)
{
	const unsigned char *b = r_bytes(r, (size_t)width);
	uint64_t v = 0;
	int i;

	if (b == NULL)
		return 0;
	for (i = width - 1; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

static unsigned r_u8(struct rd *r) { return (unsigned)r_uint(r, 1); }
static uint32_t r_u32(struct rd *r) { return (uint32_t)r_uint(r, 4); }
static int64_t r_i64(struct rd *r) { return (int64_t)r_uint(r, 8); }
static int r_i32(struct rd *r) { return (int32_t)(uint32_t)r_uint(r, 4); }

/* Into out (cap + 1 bytes): at most cap bytes, no NUL inside.  out NULL:
 * checked the same and skipped. */
static void
r_str(struct rd *r, char *out, size_t cap)
{
	size_t n = (size_t)r_uint(r, 2);
	const unsigned char *b;

	if (out != NULL)
		out[0] = '\0';
	if (r->err)
		return;
	if (n > cap) {
		r->err = 1;
		return;
	}
	if ((b = r_bytes(r, n)) == NULL)
		return;
	if (memchr(b, '\0', n) != NULL) {
		r->err = 1;
		return;
	}
	if (out == NULL)
		return;
	memcpy(out, b, n);
	out[n] = '\0';
}

static void
r_version(struct rd *r, unsigned want)
{
	if (r_u8(r) != want)
		r->err = 1;
}

/* The version byte, one of old..cur (else an error and cur). */
static unsigned
r_versions(struct rd *r, unsigned old, unsigned cur)
{
	unsigned v = r_u8(r);

	if (v < old || v > cur) {
		r->err = 1;
		return cur;
	}
	return v;
}

/* 0 when the whole record was read without error. */
static int
r_end(const struct rd *r)
{
	return (r->err || r->off != r->len) ? -1 : 0;
}

static void
wr_init(struct wr *w, unsigned char *buf, size_t cap)
{
	w->p = buf;
	w->len = 0;
	w->cap = cap;
	w->err = 0;
}

static void
rd_init(struct rd *r, const unsigned char *p, size_t n)
{
	r->p = p;
	r->len = n;
	r->off = 0;
	r->err = 0;
}

static int
wr_done(const struct wr *w, size_t *len)
{
	if (w->err)
		return -1;
	*len = w->len;
	return 0;
}

/* ---- apps ------------------------------------------------------------ */

int
rec_app_enc(const struct store_app *a, unsigned char *buf, size_t cap,
    size_t *len)
{
	struct wr w;

	wr_init(&w, buf, cap);
	w_u8(&w, REC_V_APP);
	w_str(&w, a->id, STORE_ID_MAX);
	w_str(&w, a->org_id, STORE_ORG_MAX);
	w_str(&w, a->name, STORE_NAME_MAX);
	w_bytes(&w, a->key_hash, sizeof(a->key_hash));
	w_i64(&w, a->created_at);
	return wr_done(&w, len);
}

int
rec_app_dec(const unsigned char *p, size_t n, struct store_app *a)
{
	struct rd r;
	const unsigned char *h;

	memset(a, 0, sizeof(*a));
	rd_init(&r, p, n);
	r_version(&r, REC_V_APP);
	r_str(&r, a->id, STORE_ID_MAX);
	r_str(&r, a->org_id, STORE_ORG_MAX);
	r_str(&r, a->name, STORE_NAME_MAX);
	if ((h = r_bytes(&r, sizeof(a->key_hash))) != NULL)
		memcpy(a->key_hash, h, sizeof(a->key_hash));
	a->created_at = r_i64(&r);
	return r_end(&r);
}

/* ---- webhooks -------------------------------------------------------- */

int
rec_webhook_enc(const struct store_webhook *wh, unsigned char *buf,
    size_t cap, size_t *len)
{
	struct wr w;

	wr_init(&w, buf, cap);
	w_u8(&w, REC_V_WEBHOOK);
	w_str(&w, wh->id, STORE_ID_MAX);
	w_str(&w, wh->app_id, STORE_ID_MAX);
	w_str(&w, wh->url, STORE_URL_MAX);
	w_str(&w, wh->events, STORE_EVENTS_MAX);
	w_str(&w, wh->description, STORE_DESC_MAX);
	w_str(&w, wh->secret, STORE_SECRET_MAX);
	w_str(&w, wh->prev_secret, STORE_SECRET_MAX);
	w_i64(&w, wh->prev_secret_until);
	w_u32(&w, wh->rate_limit);
	w_u8(&w, wh->enabled ? 1 : 0);
	w_str(&w, wh->disabled_reason, STORE_REASON_MAX);
	w_i64(&w, wh->created_at);
	w_i64(&w, wh->updated_at);
	w_str(&w, wh->headers, STORE_HEADERS_MAX);
	w_u8(&w, (unsigned)wh->ordering);
	w_u8(&w, (unsigned)wh->ordering_key);
	return wr_done(&w, len);
}

/*
 * The one reading of a webhook record, for both decoders: into wh, or
 * with wh NULL every field checked the same and only the ordering kept
 * (*ordering, *okey; also set with wh).  0, or -1 (corrupt).
 */
static int
webhook_rd(const unsigned char *p, size_t n, struct store_webhook *wh,
    int *ordering, int *okey)
{
	struct rd r;
	unsigned v;
	int enabled;
	int64_t until, created, updated;
	uint32_t rate;

	*ordering = STORE_ORDER_NONE;
	*okey = STORE_OKEY_WEBHOOK;
	if (wh != NULL)
		memset(wh, 0, sizeof(*wh));
	rd_init(&r, p, n);
	/* Version 1 is version 2 without headers (none), 2 is 3 without
	 * the ordering (none). */
	v = r_versions(&r, 1, REC_V_WEBHOOK);
	r_str(&r, wh != NULL ? wh->id : NULL, STORE_ID_MAX);
	r_str(&r, wh != NULL ? wh->app_id : NULL, STORE_ID_MAX);
	r_str(&r, wh != NULL ? wh->url : NULL, STORE_URL_MAX);
	r_str(&r, wh != NULL ? wh->events : NULL, STORE_EVENTS_MAX);
	r_str(&r, wh != NULL ? wh->description : NULL, STORE_DESC_MAX);
	r_str(&r, wh != NULL ? wh->secret : NULL, STORE_SECRET_MAX);
	r_str(&r, wh != NULL ? wh->prev_secret : NULL, STORE_SECRET_MAX);
	until = r_i64(&r);
	rate = r_u32(&r);
	enabled = r_u8(&r) ? 1 : 0;
	r_str(&r, wh != NULL ? wh->disabled_reason : NULL, STORE_REASON_MAX);
	created = r_i64(&r);
	updated = r_i64(&r);
	if (v >= 2)
		r_str(&r, wh != NULL ? wh->headers : NULL, STORE_HEADERS_MAX);
	if (v >= 3) {
		*ordering = (int)r_u8(&r);
		*okey = (int)r_u8(&r);
		if (*ordering > STORE_ORDER_FIFO || *okey > STORE_OKEY_USER)
			return -1;
	}
	if (wh != NULL) {
		wh->prev_secret_until = until;
		wh->rate_limit = rate;
		wh->enabled = enabled;
		wh->created_at = created;
		wh->updated_at = updated;
		wh->ordering = *ordering;
		wh->ordering_key = *okey;
	}
	return r_end(&r);
}

int
rec_webhook_dec(const unsigned char *p, size_t n, struct store_webhook *wh)
{
	int ordering, okey;

	return webhook_rd(p, n, wh, &ordering, &okey);
}

int
rec_webhook_order_dec(const unsigned char *p, size_t n, int *ordering,
    int *okey)
{
	return webhook_rd(p, n, NULL, ordering, okey);
}

/* ---- health ---------------------------------------------------------- */

int
rec_health_enc(const struct store_health *h, unsigned char *buf, size_t cap,
    size_t *len)
{
	struct wr w;

	wr_init(&w, buf, cap);
	w_u8(&w, REC_V_HEALTH);
	w_str(&w, h->webhook_id, STORE_ID_MAX);
	w_i64(&w, h->last_attempt_at);
	w_i32(&w, h->last_status);
	w_str(&w, h->last_error, STORE_ERROR_MAX);
	w_u32(&w, h->consecutive_failures);
	w_i64(&w, h->failing_since);
	w_i64(&w, h->next_retry_at);
	w_i64(&w, h->episode_since);
	return wr_done(&w, len);
}

int
rec_health_dec(const unsigned char *p, size_t n, struct store_health *h)
{
	struct rd r;
	unsigned v;

	memset(h, 0, sizeof(*h));
	rd_init(&r, p, n);
	/* Version 1 lacks episode_since (read as 0: no episode). */
	v = r_u8(&r);
	if (v != REC_V_HEALTH && v != 1)
		r.err = 1;
	r_str(&r, h->webhook_id, STORE_ID_MAX);
	h->last_attempt_at = r_i64(&r);
	h->last_status = r_i32(&r);
	r_str(&r, h->last_error, STORE_ERROR_MAX);
	h->consecutive_failures = r_u32(&r);
	h->failing_since = r_i64(&r);
	h->next_retry_at = r_i64(&r);
	if (v == REC_V_HEALTH)
		h->episode_since = r_i64(&r);
	return r_end(&r);
}

/* ---- events ---------------------------------------------------------- */

int
rec_event_enc(const struct store_event *e, unsigned char **out, size_t *len)
{
	struct wr w;
	unsigned char *buf;
	size_t cap;

	*out = NULL;
	if (e->body_len > REC_BODY_MAX || (e->body_len > 0 && e->body == NULL))
		return -1;
	cap = REC_EVENT_HEAD_MAX + e->body_len;
	if ((buf = malloc(cap)) == NULL)
		return -1;
	wr_init(&w, buf, cap);
	w_u8(&w, REC_V_EVENT);
	w_str(&w, e->id, STORE_ID_MAX);
	w_str(&w, e->type, STORE_TYPE_MAX);
	w_str(&w, e->org_id, STORE_ORG_MAX);
	w_str(&w, e->app_id, STORE_ID_MAX);
	w_i64(&w, e->created_at);
	w_u32(&w, e->deliveries);
	w_u32(&w, (uint32_t)e->body_len);
	w_bytes(&w, e->body, e->body_len);
	if (wr_done(&w, len) == -1) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

int
rec_event_set_deliveries(unsigned char *p, size_t len, size_t body_len,
    uint32_t n)
{
	unsigned char *q;
	size_t i;
	uint64_t blen = 0;

	if (len < body_len + 9)		/* the version byte at least */
		return -1;
	q = p + len - body_len - 8;
	for (i = 0; i < 4; i++)		/* the body's length, as w_u32 */
		blen |= (uint64_t)q[4 + i] << (8 * i);
	if (blen != body_len)
		return -1;
	for (i = 0; i < 4; i++) {
		q[i] = (unsigned char)(n & 0xff);
		n >>= 8;
	}
	return 0;
}

/* The fields before the body, into e; *blen the body's length, r just
 * before the body.  0 or -1. */
static int
event_head(struct rd *r, const unsigned char *p, size_t n,
    struct store_event *e, uint32_t *blen)
{
	memset(e, 0, sizeof(*e));
	rd_init(r, p, n);
	r_version(r, REC_V_EVENT);
	r_str(r, e->id, STORE_ID_MAX);
	r_str(r, e->type, STORE_TYPE_MAX);
	r_str(r, e->org_id, STORE_ORG_MAX);
	r_str(r, e->app_id, STORE_ID_MAX);
	e->created_at = r_i64(r);
	e->deliveries = r_u32(r);
	*blen = r_u32(r);
	return r->err || *blen > REC_BODY_MAX ? -1 : 0;
}

int
rec_event_dec(const unsigned char *p, size_t n, int with_body,
    struct store_event *e)
{
	struct rd r;
	const unsigned char *b;
	uint32_t blen;

	if (event_head(&r, p, n, e, &blen) == -1)
		return -1;
	if (!with_body)
		return 0;
	if ((b = r_bytes(&r, blen)) == NULL || r_end(&r) == -1)
		return -1;
	if ((e->body = malloc((size_t)blen + 1)) == NULL)
		return -1;
	memcpy(e->body, b, blen);
	e->body[blen] = '\0';
	e->body_len = blen;
	return 0;
}

int
rec_event_dec_take(unsigned char *p, size_t n, struct store_event *e)
{
	struct rd r;
	const unsigned char *b;
	uint32_t blen;

	if (event_head(&r, p, n, e, &blen) == -1 ||
	    (b = r_bytes(&r, blen)) == NULL || r_end(&r) == -1) {
		e->body = NULL;
		return -1;
	}
	/* the head (a version byte at least) comes before the body, so the
	 * body and its NUL fit from p on */
	memmove(p, b, blen);
	p[blen] = '\0';
	e->body = (char *)p;
	e->body_len = blen;
	return 0;
}

/* ---- deliveries ------------------------------------------------------ */

int
rec_delivery_enc(const struct store_delivery *d, unsigned char *buf,
    size_t cap, size_t *len)
{
	struct wr w;

	if (d->status < STORE_DLV_PENDING || d->status > STORE_DLV_CANCELLED)
		return -1;
	wr_init(&w, buf, cap);
	w_u8(&w, REC_V_DELIVERY);
	w_str(&w, d->id, STORE_ID_MAX);
	w_str(&w, d->event_id, STORE_ID_MAX);
	w_str(&w, d->webhook_id, STORE_ID_MAX);
	w_str(&w, d->app_id, STORE_ID_MAX);
	w_str(&w, d->event_type, STORE_TYPE_MAX);
	w_u8(&w, (unsigned)d->status);
	w_u32(&w, d->attempts);
	w_i64(&w, d->next_attempt_at);
	w_i64(&w, d->created_at);
	w_i64(&w, d->updated_at);
	w_i64(&w, (int64_t)d->sequence);
	w_str(&w, d->lane, STORE_LANE_MAX);
	w_u8(&w, d->solo ? 1 : 0);
	return wr_done(&w, len);
}

int
rec_delivery_dec(const unsigned char *p, size_t n, struct store_delivery *d)
{
	struct rd r;
	unsigned v;

	memset(d, 0, sizeof(*d));
	rd_init(&r, p, n);
	v = r_versions(&r, 1, REC_V_DELIVERY);
	r_str(&r, d->id, STORE_ID_MAX);
	r_str(&r, d->event_id, STORE_ID_MAX);
	r_str(&r, d->webhook_id, STORE_ID_MAX);
	r_str(&r, d->app_id, STORE_ID_MAX);
	r_str(&r, d->event_type, STORE_TYPE_MAX);
	d->status = (int)r_u8(&r);
	d->attempts = r_u32(&r);
	d->next_attempt_at = r_i64(&r);
	d->created_at = r_i64(&r);
	d->updated_at = r_i64(&r);
	if (v >= 2) {
		d->sequence = (uint64_t)r_i64(&r);
		r_str(&r, d->lane, STORE_LANE_MAX);
		d->solo = r_u8(&r) ? 1 : 0;
	}
	if (d->status > STORE_DLV_CANCELLED)
		return -1;
	return r_end(&r);
}

/* ---- due index entries ----------------------------------------------- */

int
rec_due_enc(const struct store_delivery *d, unsigned char *buf, size_t cap,
    size_t *len)
{
	struct wr w;

	wr_init(&w, buf, cap);
	w_u8(&w, REC_V_DUE);
	w_str(&w, d->webhook_id, STORE_ID_MAX);
	w_str(&w, d->event_id, STORE_ID_MAX);
	w_str(&w, d->event_type, STORE_TYPE_MAX);
	w_u32(&w, d->attempts);
	w_i64(&w, (int64_t)d->sequence);
	w_str(&w, d->lane, STORE_LANE_MAX);
	w_u8(&w, d->solo ? 1 : 0);
	return wr_done(&w, len);
}

int
rec_due_dec(const unsigned char *p, size_t n, struct store_delivery *d)
{
	struct rd r;

	rd_init(&r, p, n);
	r_version(&r, REC_V_DUE);
	r_str(&r, d->webhook_id, STORE_ID_MAX);
	r_str(&r, d->event_id, STORE_ID_MAX);
	r_str(&r, d->event_type, STORE_TYPE_MAX);
	d->attempts = r_u32(&r);
	d->sequence = (uint64_t)r_i64(&r);
	r_str(&r, d->lane, STORE_LANE_MAX);
	d->solo = r_u8(&r) ? 1 : 0;
	return r_end(&r);
}

/* ---- attempts -------------------------------------------------------- */

int
rec_attempt_enc(const struct store_attempt *a, unsigned char *buf,
    size_t cap, size_t *len)
{
	struct wr w;

	wr_init(&w, buf, cap);
	w_u8(&w, REC_V_ATTEMPT);
	w_str(&w, a->id, STORE_ID_MAX);
	w_str(&w, a->delivery_id, STORE_ID_MAX);
	w_str(&w, a->webhook_id, STORE_ID_MAX);
	w_i64(&w, a->at);
	w_i32(&w, a->status_code);
	w_str(&w, a->error, STORE_ERROR_MAX);
	w_u32(&w, a->duration_ms);
	w_blob16(&w, a->response, a->response_len, STORE_RESP_MAX);
	return wr_done(&w, len);
}

int
rec_attempt_dec(const unsigned char *p, size_t n, struct store_attempt *a)
{
	struct rd r;
	const unsigned char *b;
	size_t rl;

	memset(a, 0, sizeof(*a));
	rd_init(&r, p, n);
	r_version(&r, REC_V_ATTEMPT);
	r_str(&r, a->id, STORE_ID_MAX);
	r_str(&r, a->delivery_id, STORE_ID_MAX);
	r_str(&r, a->webhook_id, STORE_ID_MAX);
	a->at = r_i64(&r);
	a->status_code = r_i32(&r);
	r_str(&r, a->error, STORE_ERROR_MAX);
	a->duration_ms = r_u32(&r);
	rl = (size_t)r_uint(&r, 2);
	if (r.err || rl > STORE_RESP_MAX)
		return -1;
	if ((b = r_bytes(&r, rl)) == NULL)
		return -1;
	memcpy(a->response, b, rl);
	a->response[rl] = '\0';
	a->response_len = rl;
	return r_end(&r);
}

/* ---- queue counters -------------------------------------------------- */

int
rec_queue_enc(const struct store_queue *q, unsigned char *buf, size_t cap,
    size_t *len)
{
	struct wr w;

	wr_init(&w, buf, cap);
	w_u8(&w, REC_V_QUEUE);
	w_i64(&w, q->pending);
	w_i64(&w, q->delivered);
	w_i64(&w, q->failed);
	w_i64(&w, q->cancelled);
	return wr_done(&w, len);
}

int
rec_queue_dec(const unsigned char *p, size_t n, struct store_queue *q)
{
	struct rd r;

	memset(q, 0, sizeof(*q));
	rd_init(&r, p, n);
	r_version(&r, REC_V_QUEUE);
	q->pending = r_i64(&r);
	q->delivered = r_i64(&r);
	q->failed = r_i64(&r);
	q->cancelled = r_i64(&r);
	return r_end(&r);
}

/* ---- hourly stats ---------------------------------------------------- */

int
rec_stat_enc(const struct store_stat *st, unsigned char *buf, size_t cap,
    size_t *len)
{
	struct wr w;
	int i;

	wr_init(&w, buf, cap);
	w_u8(&w, REC_V_STAT);
	w_i64(&w, st->hour);
	w_u32(&w, st->delivered);
	w_u32(&w, st->failed);
	w_u32(&w, STORE_LAT_BUCKETS);
	for (i = 0; i < STORE_LAT_BUCKETS; i++)
		w_u32(&w, st->latency[i]);
	return wr_done(&w, len);
}

int
rec_stat_dec(const unsigned char *p, size_t n, struct store_stat *st)
{
	struct rd r;
	int i;

	memset(st, 0, sizeof(*st));
	rd_init(&r, p, n);
	r_version(&r, REC_V_STAT);
	st->hour = r_i64(&r);
	st->delivered = r_u32(&r);
	st->failed = r_u32(&r);
	if (r_u32(&r) != STORE_LAT_BUCKETS)
		return -1;
	for (i = 0; i < STORE_LAT_BUCKETS; i++)
		st->latency[i] = r_u32(&r);
	return r_end(&r);
}
