/*
 * rec.h - the on-disk encoding of every record in store.h.
 *
 * A record is: one version byte, then the struct's fields in declaration
 * order.  Integers are fixed-width little-endian (u8 for flags, u32, i64);
 * a string is a u16 length then its bytes (no NUL stored); the attempt's
 * response is a u16 length then raw bytes (may hold NULs); the event body
 * is a u32 length then raw bytes, and comes last so that a partial read of
 * the first REC_EVENT_HEAD_MAX bytes yields everything but the body.
 *
 * Decoding checks everything: the version, each length against the field's
 * cap in store.h, no NUL inside a string, no bytes missing and none left
 * over.  Any failure is "corrupt" (-1), which store_* report as STORE_ERR.
 *
 * VERSION RULE: bump a record's REC_V_* whenever its encoding changes in
 * any way: a field added, removed, reordered, resized, or its meaning or
 * unit changed.  A decoder accepts only the versions it knows (today: only
 * the current one, and the older ones listed at their REC_V_*); an unknown
 * version is STORE_ERR, never a guess.  When
 * a bump happens, keep a decoder for the old version (upgrade on read) or
 * ship a migration; never reinterpret old bytes under a new layout.
 */
#ifndef HOOKD_DB_REC_H
#define HOOKD_DB_REC_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"

#define REC_V_APP	1
#define REC_V_WEBHOOK	3	/* 2 added headers, 3 ordering and ordering_key
				 * (u8 each); 1 and 2 are still read */
#define REC_V_HEALTH	2	/* 1: without episode_since (still read) */
#define REC_V_EVENT	1
#define REC_V_DELIVERY	2	/* 2: + sequence (i64), lane, solo (u8);
				 * 1 reads as sequence 0 */
#define REC_V_DUE	1	/* a due index entry's data (due.c); an
				 * empty one (written before it existed)
				 * means: read the delivery */
#define REC_V_ATTEMPT	1
#define REC_V_QUEUE	1
#define REC_V_STAT	1

/* Largest event body the store accepts (the API's own limit is lower). */
#define REC_BODY_MAX	(16u * 1024 * 1024)

#define REC_S(cap)	(2 + (cap))	/* an encoded string of cap bytes */
#define REC_APP_MAX	(1 + REC_S(STORE_ID_MAX) + REC_S(STORE_ORG_MAX) + \
	REC_S(STORE_NAME_MAX) + 32 + 8)
#define REC_WEBHOOK_MAX	(1 + 2 * REC_S(STORE_ID_MAX) + REC_S(STORE_URL_MAX) + \
	REC_S(STORE_EVENTS_MAX) + REC_S(STORE_DESC_MAX) + \
	2 * REC_S(STORE_SECRET_MAX) + 8 + 4 + 1 + REC_S(STORE_REASON_MAX) + 8 + 8 + \
	REC_S(STORE_HEADERS_MAX) + 1 + 1)
#define REC_HEALTH_MAX	(1 + REC_S(STORE_ID_MAX) + 8 + 4 + \
	REC_S(STORE_ERROR_MAX) + 4 + 8 + 8 + 8)
#define REC_EVENT_HEAD_MAX (1 + REC_S(STORE_ID_MAX) + REC_S(STORE_TYPE_MAX) + \
	REC_S(STORE_ORG_MAX) + REC_S(STORE_ID_MAX) + 8 + 4 + 4)
#define REC_DELIVERY_MAX (1 + 4 * REC_S(STORE_ID_MAX) + REC_S(STORE_TYPE_MAX) + \
	1 + 4 + 8 + 8 + 8 + 8 + REC_S(STORE_LANE_MAX) + 1)
#define REC_DUE_MAX	(1 + 2 * REC_S(STORE_ID_MAX) + REC_S(STORE_TYPE_MAX) + \
	4 + 8 + REC_S(STORE_LANE_MAX) + 1)
#define REC_ATTEMPT_MAX	(1 + 3 * REC_S(STORE_ID_MAX) + 8 + 4 + \
	REC_S(STORE_ERROR_MAX) + 4 + REC_S(STORE_RESP_MAX))
#define REC_QUEUE_MAX	(1 + 4 * 8)
#define REC_STAT_MAX	(1 + 8 + 4 + 4 + 4 + 4 * STORE_LAT_BUCKETS)

/*
 * Encoders write into buf (cap bytes, at least REC_*_MAX) and set *len.
 * They fail (-1) only when a string exceeds its cap (a caller bug: the API
 * validates first) or the buffer is too small.
 */
int rec_app_enc(const struct store_app *a, unsigned char *buf, size_t cap,
    size_t *len);
int rec_webhook_enc(const struct store_webhook *w, unsigned char *buf,
    size_t cap, size_t *len);
int rec_health_enc(const struct store_health *h, unsigned char *buf,
    size_t cap, size_t *len);
int rec_delivery_enc(const struct store_delivery *d, unsigned char *buf,
    size_t cap, size_t *len);
/* A due index entry: the fields of d a pick needs besides the key's
 * next_attempt_at and id (webhook_id, event_id, event_type, attempts,
 * sequence, lane, solo); the decoder sets only those. */
int rec_due_enc(const struct store_delivery *d, unsigned char *buf,
    size_t cap, size_t *len);
int rec_due_dec(const unsigned char *p, size_t n, struct store_delivery *d);
int rec_attempt_enc(const struct store_attempt *a, unsigned char *buf,
    size_t cap, size_t *len);
int rec_queue_enc(const struct store_queue *q, unsigned char *buf,
    size_t cap, size_t *len);
int rec_stat_enc(const struct store_stat *st, unsigned char *buf, size_t cap,
    size_t *len);
/* The event, body included, into *out (heap, caller frees). */
int rec_event_enc(const struct store_event *e, unsigned char **out,
    size_t *len);
/* Set the deliveries field of p, a record of len bytes rec_event_enc wrote
 * for an event whose body is body_len bytes (the field is the 8th and 5th
 * bytes before the body: deliveries, then the body's length).  0, or -1
 * when the record cannot be one (the body's length does not match). */
int rec_event_set_deliveries(unsigned char *p, size_t len, size_t body_len,
    uint32_t n);

/* Decoders: 0, or -1 when corrupt or of an unknown version. */
int rec_app_dec(const unsigned char *p, size_t n, struct store_app *a);
int rec_webhook_dec(const unsigned char *p, size_t n, struct store_webhook *w);
/* Only the webhook's ordering and ordering_key (checked as a whole, as
 * rec_webhook_dec; nothing of the secrets copied). */
int rec_webhook_order_dec(const unsigned char *p, size_t n, int *ordering,
    int *okey);
int rec_health_dec(const unsigned char *p, size_t n, struct store_health *h);
int rec_delivery_dec(const unsigned char *p, size_t n,
    struct store_delivery *d);
int rec_attempt_dec(const unsigned char *p, size_t n, struct store_attempt *a);
int rec_queue_dec(const unsigned char *p, size_t n, struct store_queue *q);
int rec_stat_dec(const unsigned char *p, size_t n, struct store_stat *st);
/*
 * Event: with_body 0 decodes the fields before the body from a prefix of
 * the record (p may hold only the first n <= total bytes: a partial read)
 * and leaves body NULL, body_len 0.  with_body 1 needs the whole record and
 * mallocs body (plus a NUL after it, not counted in body_len).
 */
int rec_event_dec(const unsigned char *p, size_t n, int with_body,
    struct store_event *e);
/* rec_event_dec with the body, without a second copy: p is a whole record
 * in malloc'd memory; on 0 the body is moved to its start and e->body is
 * p (freed with the event), on -1 p stays the caller's. */
int rec_event_dec_take(unsigned char *p, size_t n, struct store_event *e);

#endif
