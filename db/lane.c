/*
 * lane.c - FIFO lanes (contracts in lane.h and store.h).
 *
 * DBI_LANE (lanes.db, a B-tree) holds two kinds of keys per lane:
 *
 *   webhook id \0 lane \0            the lane record: 1 version byte
 *                                    (LANE_V), next_seq and waiting, 8
 *                                    bytes big-endian each
 *   webhook id \0 lane \0 i64 seq    a pending delivery waiting in the
 *                                    lane -> its delivery id (no NUL)
 *
 * A lane's record sorts right before its entries, the entries in sequence
 * order, and every key of a lane before the next lane's (the lane string
 * ends with NUL).  Every change to a lane reads its record with the write
 * lock first: the record is the lane's lock, so intake appending and the
 * sender moving the head on never interleave inside one lane.
 *
 * Only a lane's head is in the due index, so the sender's walk of the due
 * index never sees a delivery that must wait, and a lane stuck on its head
 * costs the walk one entry (or none while the head waits for a retry).
 */
#include <string.h>

#include "db/dbenv.h"
#include "db/due.h"
#include "db/lane.h"

#define LANE_V		1
#define LANE_REC_LEN	(1 + 8 + 8)

struct lane_rec {
	uint64_t next_seq;
	uint64_t waiting;
};

static void
lane_key(struct key *k, const char *wh, const char *lane)
{
	key_init(k);
	key_str(k, wh);
	key_str(k, lane);
}

static void
lane_entry_key(struct key *k, const char *wh, const char *lane, uint64_t seq)
{
	lane_key(k, wh, lane);
	key_i64(k, (int64_t)seq);
}

static int
lane_rec_dec(const unsigned char *p, size_t n, struct lane_rec *r)
{
	if (n != LANE_REC_LEN || p[0] != LANE_V)
		return -1;
	r->next_seq = key_get_u64(p + 1);
	r->waiting = key_get_u64(p + 9);
	return 0;
}

/* The lane record, write-locked (NOTFOUND: a new lane, zeros, OK, and
 * *found 0 when found is not NULL). */
static int
lane_lock(struct store_txn *t, const char *wh, const char *lane,
    struct lane_rec *r, int *found)
{
	unsigned char buf[LANE_REC_LEN];
	struct key k;
	size_t len;
	int rc;

	memset(r, 0, sizeof(*r));
	r->next_seq = 1;
	lane_key(&k, wh, lane);
	rc = dbenv_get(t, DBI_LANE, &k, buf, sizeof(buf), &len, 1);
	if (found != NULL)
		*found = rc == STORE_OK;
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	if (lane_rec_dec(buf, len, r) == -1)
		return dbenv_fail(t, "corrupt lane record");
	return STORE_OK;
}

static int
lane_save(struct store_txn *t, const char *wh, const char *lane,
    const struct lane_rec *r)
{
	unsigned char buf[LANE_REC_LEN];
	struct key k;

	buf[0] = LANE_V;
	key_put_u64(buf + 1, r->next_seq);
	key_put_u64(buf + 9, r->waiting);
	lane_key(&k, wh, lane);
	return dbenv_put(t, DBI_LANE, &k, buf, sizeof(buf), 0);
}

int
lane_in(const struct store_delivery *d)
{
	return d->sequence != 0 && !d->solo &&
	    d->status == STORE_DLV_PENDING;
}

int
lane_assign(struct store_txn *t, struct store_delivery *d)
{
	struct lane_rec r;
	int rc, ordering, okey;

	if (d->sequence == STORE_SEQ_NONE) {
		d->sequence = 0;
		d->lane[0] = '\0';
		return STORE_OK;
	}
	d->sequence = 0;
	d->lane[0] = '\0';
	d->solo = 0;
	rc = store_webhook_ordering(t, d->webhook_id, &ordering, &okey);
	if (rc == STORE_NOTFOUND || (rc == STORE_OK &&
	    ordering != STORE_ORDER_FIFO))
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	if (okey == STORE_OKEY_USER) {
		if (d->user_id == NULL || d->user_id[0] == '\0')
			memcpy(d->lane, "u", 2);
		else if (strnlen(d->user_id, STORE_USER_MAX + 1) >
		    STORE_USER_MAX)
			return dbenv_fail(t, "user_id too long for a lane");
		else {
			memcpy(d->lane, "u:", 2);
			memcpy(d->lane + 2, d->user_id,
			    strlen(d->user_id) + 1);
		}
	}
	if ((rc = lane_lock(t, d->webhook_id, d->lane, &r, NULL)) != STORE_OK)
		return rc;
	d->sequence = r.next_seq++;
	/* waiting is counted by lane_move, which writes the record again:
	 * the lock is held already, the page is in the cache */
	return lane_save(t, d->webhook_id, d->lane, &r);
}

/*
 * The first (nth 1) or second (nth 2) delivery waiting in the lane: its
 * sequence into *seq and id into id (cap STORE_ID_MAX + 1).  NOTFOUND
 * when the lane has fewer.
 */
static int
lane_nth(struct store_txn *t, const char *wh, const char *lane, int nth,
    uint64_t *seq, char *id)
{
	struct dbenv_cur c;
	struct key prefix;
	int rc, flag = DB_SET_RANGE;

	lane_key(&prefix, wh, lane);
	if ((rc = dbenv_cur_open(t, DBI_LANE, -1, &c)) != STORE_OK)
		return rc;
	for (;;) {
		rc = dbenv_cur_get(&c, flag, flag == DB_SET_RANGE ? &prefix :
		    NULL);
		flag = DB_NEXT;
		if (rc != STORE_OK)
			break;
		if (!key_has_prefix(c.k.data, c.k.size, &prefix)) {
			rc = STORE_NOTFOUND;
			break;
		}
		if (c.k.size == prefix.len)
			continue;		/* the lane record */
		if (c.k.size != prefix.len + 8 || c.d.size == 0 ||
		    c.d.size > STORE_ID_MAX ||
		    memchr(c.d.data, '\0', c.d.size) != NULL) {
			rc = dbenv_fail(t, "corrupt lane entry");
			break;
		}
		if (--nth > 0)
			continue;
		*seq = (uint64_t)key_get_i64((unsigned char *)c.k.data +
		    prefix.len);
		memcpy(id, c.d.data, c.d.size);
		id[c.d.size] = '\0';
		break;
	}
	dbenv_cur_close(&c);
	return rc;
}

/* Put (in 1) or take (in 0) the due entry of the delivery id, which is
 * not the one being written (its record is current). */
static int
due_other(struct store_txn *t, const char *id, int in)
{
	struct store_delivery o;
	int rc;

	rc = store_delivery_get(t, id, &o);
	if (rc == STORE_NOTFOUND)
		return dbenv_fail(t, "lane entry points at a missing delivery");
	if (rc != STORE_OK)
		return rc;
	return in ? due_put(t, &o) : due_del(t, &o);
}

/* old leaves its lane (it was lane_in). */
static int
lane_leave(struct store_txn *t, const struct store_delivery *old)
{
	char id[STORE_ID_MAX + 1];
	struct lane_rec r;
	struct key k;
	uint64_t seq;
	int rc, head, found;

	if ((rc = lane_lock(t, old->webhook_id, old->lane, &r, &found)) !=
	    STORE_OK)
		return rc;
	rc = lane_nth(t, old->webhook_id, old->lane, 1, &seq, id);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	head = rc == STORE_OK && seq == old->sequence;
	lane_entry_key(&k, old->webhook_id, old->lane, old->sequence);
	rc = dbenv_del(t, DBI_LANE, &k);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	if (rc == STORE_OK && r.waiting > 0)
		r.waiting--;
	/* no record: its webhook was deleted (lane_drop); none made again */
	if (found && (rc = lane_save(t, old->webhook_id, old->lane, &r)) !=
	    STORE_OK)
		return rc;
	if (!head)
		return STORE_OK;
	if ((rc = due_del(t, old)) != STORE_OK)
		return rc;
	rc = lane_nth(t, old->webhook_id, old->lane, 1, &seq, id);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	return due_other(t, id, 1);	/* the next one is the head now */
}

/* d enters its lane (it is lane_in). */
static int
lane_enter(struct store_txn *t, const struct store_delivery *d)
{
	char id[STORE_ID_MAX + 1];
	struct lane_rec r;
	struct key k;
	uint64_t seq;
	int rc;

	if ((rc = lane_lock(t, d->webhook_id, d->lane, &r, NULL)) != STORE_OK)
		return rc;
	lane_entry_key(&k, d->webhook_id, d->lane, d->sequence);
	rc = dbenv_put(t, DBI_LANE, &k, d->id, strlen(d->id), 1);
	if (rc == STORE_EXISTS)
		return dbenv_fail(t, "two deliveries with one lane sequence");
	if (rc != STORE_OK)
		return rc;
	r.waiting++;
	if (r.next_seq <= d->sequence)
		r.next_seq = d->sequence + 1;
	if ((rc = lane_save(t, d->webhook_id, d->lane, &r)) != STORE_OK)
		return rc;
	if ((rc = lane_nth(t, d->webhook_id, d->lane, 1, &seq, id)) !=
	    STORE_OK)
		return rc;
	if (seq != d->sequence)
		return STORE_OK;	/* waits behind the head */
	if ((rc = due_put(t, d)) != STORE_OK)
		return rc;
	/* Put back in front of the lane (recover): the old head waits. */
	rc = lane_nth(t, d->webhook_id, d->lane, 2, &seq, id);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	return due_other(t, id, 0);
}

static int
lane_same(const struct store_delivery *a, const struct store_delivery *b)
{
	return a->sequence == b->sequence &&
	    strcmp(a->webhook_id, b->webhook_id) == 0 &&
	    strcmp(a->lane, b->lane) == 0;
}

int
lane_move(struct store_txn *t, const struct store_delivery *old,
    const struct store_delivery *d)
{
	char id[STORE_ID_MAX + 1];
	uint64_t seq;
	int old_in = old != NULL && lane_in(old);
	int new_in = d != NULL && lane_in(d);
	int rc;

	if (old_in && new_in && lane_same(old, d)) {
		/* Stays in place; as the head, its due entry may change
		 * (key: next_attempt_at; data: attempts, solo, ...). */
		if (due_same(old, d))
			return STORE_OK;
		rc = lane_nth(t, d->webhook_id, d->lane, 1, &seq, id);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			return rc;
		if (rc == STORE_NOTFOUND || seq != d->sequence)
			return STORE_OK;
		return due_move(t, old, d);
	}
	if (old_in)
		rc = lane_leave(t, old);
	else if (old != NULL && old->status == STORE_DLV_PENDING)
		rc = due_del(t, old);
	else
		rc = STORE_OK;
	if (rc != STORE_OK)
		return rc;
	if (new_in)
		return lane_enter(t, d);
	if (d != NULL && d->status == STORE_DLV_PENDING)
		return due_put(t, d);
	return STORE_OK;
}

static int
lane_drop_one(struct dbenv_cur *c, void *arg)
{
	(void)arg;
	return dbenv_cur_del(c);
}

int
lane_drop(struct store_txn *t, const char *webhook_id)
{
	struct key prefix;

	key_init(&prefix);
	key_str(&prefix, webhook_id);
	return dbenv_walk(t, DBI_LANE, &prefix, NULL, 0, lane_drop_one, NULL);
}

/* ---- iteration (store_lane_iter) ------------------------------------ */

int
store_lane_iter(struct store_txn *t, const char *webhook_id,
    size_t *budget, int (*cb)(const struct store_lane *l, void *arg),
    void *arg)
{
	struct store_lane l;
	struct lane_rec r;
	struct dbenv_cur c;
	struct key k, prefix;
	const unsigned char *p;
	size_t n, a, b;
	int rc, stop = 0;

	key_init(&prefix);
	if (webhook_id != NULL && webhook_id[0] != '\0')
		key_str(&prefix, webhook_id);
	if ((rc = dbenv_cur_open(t, DBI_LANE, -1, &c)) != STORE_OK)
		return rc;
	rc = dbenv_cur_get(&c, DB_SET_RANGE, &prefix);
	while (rc == STORE_OK && !stop) {
		if (budget != NULL && (*budget)-- == 0) {
			*budget = 0;
			break;
		}
		p = c.k.data;
		n = c.k.size;
		if (!key_has_prefix(p, n, &prefix)) {
			rc = STORE_NOTFOUND;
			break;
		}
		/* a lane record: "wh \0 lane \0" */
		a = strnlen((const char *)p, n);
		b = a + 1 < n ? strnlen((const char *)p + a + 1, n - a - 1) :
		    0;
		if (a + 1 + b + 1 != n || a > STORE_ID_MAX ||
		    b > STORE_LANE_MAX || lane_rec_dec(c.d.data, c.d.size,
		    &r) == -1) {
			rc = dbenv_fail(t, "corrupt lane record");
			break;
		}
		memset(&l, 0, sizeof(l));
		memcpy(l.webhook_id, p, a);
		memcpy(l.lane, p + a + 1, b);
		l.next_seq = r.next_seq;
		l.waiting = r.waiting;
		if (r.waiting > 0) {
			rc = lane_nth(t, l.webhook_id, l.lane, 1, &l.head_seq,
			    l.head_id);
			if (rc != STORE_OK && rc != STORE_NOTFOUND)
				break;
			if (rc == STORE_OK && (rc = cb(&l, arg)) != 0) {
				stop = rc > 0;
				if (rc < 0)
					break;
			}
		}
		/* past this lane's entries: to the next lane record */
		lane_key(&k, l.webhook_id, l.lane);
		key_raw(&k, "\xff", 1);
		rc = dbenv_cur_get(&c, DB_SET_RANGE, &k);
	}
	dbenv_cur_close(&c);
	if (stop || rc == STORE_NOTFOUND)
		return STORE_OK;
	return rc;
}
