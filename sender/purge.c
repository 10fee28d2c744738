/* purge.c - retention (see purge.h). */
#include <stdio.h>
#include <string.h>

#include "sender/idset.h"
#include "sender/purge.h"

/*
 * A pass walks deliveries (then events) created before the cutoff in
 * batches of one transaction each.  Each batch starts strictly after the
 * last entry the previous one looked at (from, then at/id for events:
 * an entry of the time index, which holds one event or a batch's run,
 * store_eventtime_purge), so the entries that stay (pending deliveries,
 * events still referenced) are walked once per pass, not once per batch.
 *
 * An event stays while a pending delivery refers to it.  A delivery is
 * created with its event's created_at, so after the delivery pass every
 * delivery left of an event created before the cut is one the pass saw
 * pending: their event ids are kept in a set (keep), and an event in the
 * set stays.  Deliveries of stores written before this rule are also in
 * the by-event index (store_delivery_iter_event), which is asked too.
 * When the set fills (a backlog of more than PURGE_KEEP_MAX pending
 * deliveries past retention), no event is removed in that pass.
 */
struct pg {
	int64_t before;
	char from[STORE_ID_MAX + 1];	/* batch starts after this ("": start) */
	int64_t from_at;		/* events: the entry's created_at */
	char last[STORE_ID_MAX + 1];	/* last looked at in this batch */
	char id[PURGE_BATCH][STORE_ID_MAX + 1];
	size_t n;
	size_t looked;			/* entries looked at in this batch */
	struct idset *keep;		/* events of pending deliveries */
	struct store_eventtime_purge ev;	/* the events' batch */
	int keep_full;			/* keep overflowed: remove no event */
};

size_t purge_keep_max = PURGE_KEEP_MAX;

/* A batch's transaction may run again: start over from p->from. */
static void
pg_reset(struct pg *p)
{
	p->n = 0;
	p->looked = 0;
	memcpy(p->last, p->from, sizeof(p->last));
}

static int
pg_dlv_cb(const struct store_delivery *d, void *arg)
{
	struct pg *p = arg;

	memcpy(p->last, d->id, sizeof(p->last));
	p->looked++;
	if (d->status != STORE_DLV_PENDING)
		memcpy(p->id[p->n++], d->id, sizeof(p->id[0]));
	else if (idset_add(p->keep, d->event_id) == -1)
		p->keep_full = 1;
	/* full, or a long run of pending ones: the next batch goes on */
	return p->n == PURGE_BATCH || p->looked >= 4 * PURGE_BATCH ? 1 : 0;
}

static int
pg_dlv_txn(struct store_txn *t, void *arg)
{
	struct pg *p = arg;
	size_t i;
	int rc;

	pg_reset(p);
	rc = store_delivery_iter_before(t, p->before, p->from, pg_dlv_cb, p);
	for (i = 0; rc == STORE_OK && i < p->n; i++) {
		rc = store_delivery_del(t, p->id[i]);
		if (rc == STORE_NOTFOUND)
			rc = STORE_OK;
	}
	return rc;
}

static int
pg_has_dlv(const struct store_delivery *d, void *arg)
{
	(void)d;
	*(int *)arg = 1;
	return 1;
}

/* Whether event e stays (store_eventtime_keep_fn): referenced by a
 * pending delivery this pass saw, or by an older store's by-event index. */
static int
pg_evt_keep(struct store_txn *t, const struct store_event *e, void *arg)
{
	struct pg *p = arg;
	int rc, has = 0;

	if (idset_has(p->keep, e->id))
		return 1;	/* a pending delivery needs it */
	rc = store_delivery_iter_event(t, e->id, pg_has_dlv, &has);
	return rc != STORE_OK ? rc : has;
}

static int
pg_evt_txn(struct store_txn *t, void *arg)
{
	struct pg *p = arg;

	/* a run again starts over from p->from (pg_reset's rule) */
	p->ev.at = p->from_at;
	memcpy(p->ev.id, p->from, sizeof(p->ev.id));
	return store_eventtime_purge(t, p->before, PURGE_BATCH, pg_evt_keep, p,
	    &p->ev);
}

static int
pg_stats_txn(struct store_txn *t, void *arg)
{
	return store_stat_purge(t, *(int64_t *)arg);
}

int
purge_run(struct store *s, const struct config *cfg, int64_t now,
    const volatile sig_atomic_t *stop, struct purge_counts *out, char *err,
    size_t errlen)
{
	static struct pg p;	/* ~13 KiB: keep it off the stack */
	int64_t stats_before = now - PURGE_STATS_MS;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.before = now - cfg->retention_ms;
	if ((p.keep = idset_new(purge_keep_max)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Deliveries: pending ones stay (and their events, in p.keep). */
	do {
		if (store_txn(s, 0, pg_dlv_txn, &p, err, errlen) != STORE_OK)
			goto out;
		out->deliveries += p.n;
		memcpy(p.from, p.last, sizeof(p.from));
	} while (p.looked > 0 && (stop == NULL || !__atomic_load_n(stop, __ATOMIC_ACQUIRE)));
	if (stop != NULL && __atomic_load_n(stop, __ATOMIC_ACQUIRE))
		goto done;	/* the rest at the next pass */
	/* Events: those still referenced stay; all of them when p.keep
	 * could not hold every referenced one. */
	p.from[0] = '\0';
	p.from_at = 0;
	do {
		if (p.keep_full)
			break;
		if (store_txn(s, 0, pg_evt_txn, &p, err, errlen) != STORE_OK)
			goto out;
		out->events += p.ev.deleted;
		memcpy(p.from, p.ev.id, sizeof(p.from));
		p.from_at = p.ev.at;
	} while (p.ev.looked > 0 && (stop == NULL || !__atomic_load_n(stop, __ATOMIC_ACQUIRE)));
	if (stop != NULL && __atomic_load_n(stop, __ATOMIC_ACQUIRE))
		goto done;
	if (store_txn(s, 0, pg_stats_txn, &stats_before, err, errlen) !=
	    STORE_OK)
		goto out;
done:
	rc = 0;
out:
	idset_free(p.keep);
	p.keep = NULL;
	return rc;
}
