/*
 * event.c - events: their records (events.db), and each with its
 * one-event time index entry (events_time.db, whose entries eventtime.c
 * owns).
 *
 * The record keeps the body last (rec.h), so reads without the body are a
 * partial read of the record's head: a large body on overflow pages is not
 * touched.
 */
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/rec.h"

int
event_head(struct store_txn *t, const char *id, struct store_event *out,
    int rmw)
{
	unsigned char buf[REC_EVENT_HEAD_MAX];
	struct key k;
	size_t len;
	int rc;

	key_id(&k, id);
	if (rmw && (rc = dbenv_exists(t, DBI_EVT, &k, 1)) != STORE_OK)
		return rc;
	if ((rc = dbenv_get_head(t, DBI_EVT, &k, buf, sizeof(buf), &len)) !=
	    STORE_OK)
		return rc;
	if (rec_event_dec(buf, len, 0, out) == -1)
		return dbenv_fail(t, "corrupt event record");
	return STORE_OK;
}

int
store_event_encode(struct store_event *e)
{
	free(e->rec);
	e->rec = NULL;
	e->rec_len = 0;
	if (e->id[0] == '\0' || rec_event_enc(e, &e->rec, &e->rec_len) == -1)
		return STORE_ERR;
	return STORE_OK;
}

int
event_put_record(struct store_txn *t, const struct store_event *e)
{
	unsigned char *buf;
	struct key k;
	size_t len;
	int rc;

	if (e->id[0] == '\0')
		return dbenv_fail(t, "event without id");
	if (e->rec != NULL) {
		/* encoded before the transaction (store_event_encode): only
		 * the fan-out count is new */
		buf = e->rec;
		len = e->rec_len;
		if (rec_event_set_deliveries(buf, len, e->body_len,
		    e->deliveries) == -1)
			return dbenv_fail(t, "event record does not match "
			    "its body");
	} else if (rec_event_enc(e, &buf, &len) == -1)
		return dbenv_fail(t, "event field or body too long");
	key_id(&k, e->id);
	/* DB_NOOVERWRITE: a racing writer of the same id holds the page's
	 * write lock until it ends, so we wait and then see its record. */
	rc = dbenv_put(t, DBI_EVT, &k, buf, len,
	    e->id_fresh ? DBENV_PUT_FRESH : 1);
	if (buf != e->rec)
		free(buf);
	return rc;
}

int
event_del_record(struct store_txn *t, const char *id)
{
	struct key k;

	key_id(&k, id);
	return dbenv_del(t, DBI_EVT, &k);
}

int
store_event_put(struct store_txn *t, const struct store_event *e)
{
	struct key k;
	int rc;

	if ((rc = event_put_record(t, e)) != STORE_OK)
		return rc;
	key_at(&k, e->created_at, e->id);
	return dbenv_put(t, DBI_EVT_TIME, &k, "", 0, 0);
}

int
store_event_get(struct store_txn *t, const char *id, int with_body,
    struct store_event *out)
{
	unsigned char *buf;
	struct key k;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!with_body)
		return event_head(t, id, out, 0);
	key_id(&k, id);
	if ((rc = dbenv_get_alloc(t, DBI_EVT, &k, &buf, &len, 0)) != STORE_OK)
		return rc;
	/* the record's buffer becomes the body's (no second copy) */
	if (rec_event_dec_take(buf, len, out) == -1) {
		free(buf);
		memset(out, 0, sizeof(*out));
		return dbenv_fail(t, "corrupt event record");
	}
	return STORE_OK;
}

int
store_event_del(struct store_txn *t, const char *id)
{
	struct store_event old;
	int rc;

	if ((rc = event_head(t, id, &old, 1)) != STORE_OK)
		return rc;
	if ((rc = event_del_record(t, id)) != STORE_OK)
		return rc;
	return eventtime_forget(t, old.created_at, id);
}

void
store_event_free(struct store_event *e)
{
	if (e == NULL)
		return;
	free(e->body);
	e->body = NULL;
	e->body_len = 0;
	free(e->rec);
	e->rec = NULL;
	e->rec_len = 0;
}

int
store_event_iter_before(struct store_txn *t, int64_t ms, int64_t after_at,
    const char *after_id, int (*cb)(const struct store_event *e, void *arg),
    void *arg)
{
	return eventtime_iter(t, ms, after_at, after_id, cb, arg);
}
