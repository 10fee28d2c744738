/*
 * queue.c - the queue counters: how many deliveries are in each status
 * (contracts in store.h and queue.h).
 *
 * DBI_QUEUE (a DB_QUEUE: record-level locks) has one fixed-length record
 * per shard, record number getpid() % 8 + 1; store_delivery_put and _del
 * add the status change to this process's shard, so concurrent writers of
 * different processes do not queue on one counter record; store_queue_get
 * sums the shards.
 */
#include <string.h>
#include <unistd.h>

#include "db/dbenv.h"
#include "db/queue.h"
#include "db/rec.h"

#define QUEUE_SHARDS 8

/* Count of status st in q, or NULL for a bad status. */
static int64_t *
queue_slot(struct store_queue *q, int st)
{
	switch (st) {
	case STORE_DLV_PENDING:
		return &q->pending;
	case STORE_DLV_DELIVERED:
		return &q->delivered;
	case STORE_DLV_FAILED:
		return &q->failed;
	case STORE_DLV_CANCELLED:
		return &q->cancelled;
	default:
		return NULL;
	}
}

/* *q += *add, status by status. */
static void
queue_sum(struct store_queue *q, const struct store_queue *add)
{
	q->pending += add->pending;
	q->delivered += add->delivered;
	q->failed += add->failed;
	q->cancelled += add->cancelled;
}

/* Add delta to this process's shard: one read and one write. */
static int
queue_apply(struct store_txn *t, const struct store_queue *delta)
{
	unsigned char buf[REC_QUEUE_MAX];
	db_recno_t shard = (db_recno_t)(getpid() % QUEUE_SHARDS) + 1;
	struct store_queue q;
	struct key k;
	size_t len;
	int rc;

	key_init(&k);
	key_raw(&k, &shard, sizeof(shard));
	rc = dbenv_get(t, DBI_QUEUE, &k, buf, sizeof(buf), &len, 1);
	if (rc == STORE_NOTFOUND)
		memset(&q, 0, sizeof(q));
	else if (rc != STORE_OK)
		return rc;
	else if (rec_queue_dec(buf, len, &q) == -1)
		return dbenv_fail(t, "corrupt queue counter");
	queue_sum(&q, delta);
	if (rec_queue_enc(&q, buf, sizeof(buf), &len) == -1)
		return dbenv_fail(t, "queue counter encoding");
	return dbenv_put(t, DBI_QUEUE, &k, buf, len, 0);
}

int
store_queue_add(struct store_txn *t, const struct store_queue *delta)
{
	if (delta->pending == 0 && delta->delivered == 0 &&
	    delta->failed == 0 && delta->cancelled == 0)
		return STORE_OK;
	return queue_apply(t, delta);
}

int
queue_move(struct store_txn *t, int from, int to, struct store_queue *acc)
{
	struct store_queue delta;
	int64_t *c;

	memset(&delta, 0, sizeof(delta));
	if (from != -1) {
		if ((c = queue_slot(&delta, from)) == NULL)
			return dbenv_fail(t, "bad delivery status");
		(*c)--;
	}
	if (to != -1) {
		if ((c = queue_slot(&delta, to)) == NULL)
			return dbenv_fail(t, "bad delivery status");
		(*c)++;
	}
	if (acc == NULL)
		return queue_apply(t, &delta);
	queue_sum(acc, &delta);
	return STORE_OK;
}

int
store_queue_get(struct store_txn *t, struct store_queue *q)
{
	struct store_queue one;
	struct dbenv_cur c;
	int rc;

	memset(q, 0, sizeof(*q));
	if ((rc = dbenv_cur_open(t, DBI_QUEUE, -1, &c)) != STORE_OK)
		return rc;
	while ((rc = dbenv_cur_get(&c, DB_NEXT, NULL)) == STORE_OK) {
		if (rec_queue_dec(c.d.data, c.d.size, &one) == -1) {
			rc = dbenv_fail(t, "corrupt queue counter");
			break;
		}
		queue_sum(q, &one);
	}
	dbenv_cur_close(&c);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}
