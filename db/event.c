/*
 * event.c - events (index: by creation time, for retention).
 *
 * The record keeps the body last (rec.h), so reads without the body are a
 * partial read of the record's head: a large body on overflow pages is not
 * touched.
 */
#include <stdlib.h>
#include <string.h>

#include "db/dbenv.h"
#include "db/rec.h"

/* The event without its body; rmw locks it for a following write. */
static int
head_load(struct store_txn *t, const char *id, struct store_event *out,
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
store_event_put(struct store_txn *t, const struct store_event *e)
{
	unsigned char *buf;
	struct key k;
	size_t len;
	int rc;

	if (e->id[0] == '\0')
		return dbenv_fail(t, "event without id");
	if (rec_event_enc(e, &buf, &len) == -1)
		return dbenv_fail(t, "event field or body too long");
	key_id(&k, e->id);
	/* DB_NOOVERWRITE: a racing writer of the same id holds the page's
	 * write lock until it ends, so we wait and then see its record. */
	rc = dbenv_put(t, DBI_EVT, &k, buf, len, 1);
	free(buf);
	if (rc != STORE_OK)
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
		return head_load(t, id, out, 0);
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
	struct key k;
	int rc;

	if ((rc = head_load(t, id, &old, 1)) != STORE_OK)
		return rc;
	key_id(&k, id);
	if ((rc = dbenv_del(t, DBI_EVT, &k)) != STORE_OK)
		return rc;
	key_at(&k, old.created_at, id);
	rc = dbenv_del(t, DBI_EVT_TIME, &k);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

void
store_event_free(struct store_event *e)
{
	if (e == NULL)
		return;
	free(e->body);
	e->body = NULL;
	e->body_len = 0;
}

struct iter {
	int (*cb)(const struct store_event *e, void *arg);
	void *arg;
	int64_t before;
};

static int
each_time(struct dbenv_cur *c, void *arg)
{
	struct iter *it = arg;
	char id[STORE_ID_MAX + 1];
	struct store_event e;
	int rc;

	if (c->k.size < 9 || key_tail_str(c->k.data, c->k.size, 8, id,
	    sizeof(id)) == -1)
		return dbenv_fail(c->t, "corrupt event index key");
	if (key_get_i64(c->k.data) >= it->before)
		return 1;
	rc = head_load(c->t, id, &e, 0);
	if (rc == STORE_NOTFOUND)
		return dbenv_fail(c->t, "event index points at a missing event");
	if (rc != STORE_OK)
		return rc;
	return it->cb(&e, it->arg);
}

int
store_event_iter_before(struct store_txn *t, int64_t ms, int64_t after_at,
    const char *after_id, int (*cb)(const struct store_event *e, void *arg),
    void *arg)
{
	struct iter it = { cb, arg, ms };
	struct key k;

	if (after_id != NULL && after_id[0] != '\0') {
		key_at(&k, after_at, after_id);
		return dbenv_walk_from(t, DBI_EVT_TIME, &k, 1, 0, each_time,
		    &it);
	}
	key_init(&k);
	return dbenv_walk(t, DBI_EVT_TIME, &k, NULL, 0, each_time, &it);
}
