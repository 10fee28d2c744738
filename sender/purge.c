/* purge.c - retention (see purge.h). */
#include <stdio.h>
#include <string.h>

#include "sender/purge.h"

struct pg {
	int64_t before;
	size_t skip;		/* entries known to stay, skipped by the scan */
	size_t seen;
	char id[PURGE_BATCH][STORE_ID_MAX + 1];
	size_t n;
	size_t kept;		/* scanned and kept in this batch */
	uint64_t done;
};

static int
pg_dlv_cb(const struct store_delivery *d, void *arg)
{
	struct pg *p = arg;

	if (p->seen++ < p->skip)
		return 0;
	if (d->status == STORE_DLV_PENDING) {
		p->kept++;
		return 0;
	}
	memcpy(p->id[p->n++], d->id, sizeof(p->id[0]));
	return p->n == PURGE_BATCH ? 1 : 0;
}

static int
pg_dlv_txn(struct store_txn *t, void *arg)
{
	struct pg *p = arg;
	size_t i;
	int rc;

	p->n = 0;
	p->seen = 0;
	p->kept = 0;
	rc = store_delivery_iter_before(t, p->before, pg_dlv_cb, p);
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

static int
pg_evt_cb(const struct store_event *e, void *arg)
{
	struct pg *p = arg;

	if (p->seen++ < p->skip)
		return 0;
	memcpy(p->id[p->n++], e->id, sizeof(p->id[0]));
	return p->n == PURGE_BATCH ? 1 : 0;
}

static int
pg_evt_txn(struct store_txn *t, void *arg)
{
	struct pg *p = arg;
	size_t i;
	int rc, has;

	p->n = 0;
	p->seen = 0;
	p->kept = 0;
	p->done = 0;
	rc = store_event_iter_before(t, p->before, pg_evt_cb, p);
	for (i = 0; rc == STORE_OK && i < p->n; i++) {
		has = 0;
		rc = store_delivery_iter_event(t, p->id[i], pg_has_dlv, &has);
		if (rc != STORE_OK)
			break;
		if (has) {
			p->kept++;
			continue;
		}
		rc = store_event_del(t, p->id[i]);
		if (rc == STORE_NOTFOUND)
			rc = STORE_OK;
		p->done++;
	}
	return rc;
}

static int
pg_stats_txn(struct store_txn *t, void *arg)
{
	return store_stat_purge(t, *(int64_t *)arg);
}

int
purge_run(struct store *s, const struct config *cfg, int64_t now,
    volatile sig_atomic_t *stop, struct purge_counts *out, char *err,
    size_t errlen)
{
	static struct pg p;	/* ~13 KiB: keep it off the stack */
	int64_t stats_before = now - PURGE_STATS_MS;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.before = now - cfg->retention_ms;
	/* Deliveries: pending ones stay; skip past those already seen. */
	do {
		if (store_txn(s, 0, pg_dlv_txn, &p, err, errlen) != STORE_OK)
			return -1;
		out->deliveries += p.n;
		p.skip += p.kept;
	} while (p.n == PURGE_BATCH && (stop == NULL || !*stop));
	if (stop != NULL && *stop)
		return 0;	/* the rest at the next pass */
	/* Events: those still referenced stay. */
	p.skip = 0;
	do {
		if (store_txn(s, 0, pg_evt_txn, &p, err, errlen) != STORE_OK)
			return -1;
		out->events += p.done;
		p.skip += p.kept;
	} while (p.n == PURGE_BATCH && (stop == NULL || !*stop));
	if (stop != NULL && *stop)
		return 0;
	if (store_txn(s, 0, pg_stats_txn, &stats_before, err, errlen) !=
	    STORE_OK)
		return -1;
	return 0;
}
