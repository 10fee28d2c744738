/*
 * stat.c - hourly statistics per webhook plus the global row "*".
 *
 * Key: i64 hour start, webhook id \0 -- hour first, so that purging old
 * hours is a walk from the start of the database that stops at the first
 * recent row.
 */
#include <string.h>

#include "db/dbenv.h"
#include "db/rec.h"

#define HOUR_MS 3600000LL

static int64_t
hour_of(int64_t at)
{
	int64_t r = at % HOUR_MS;

	return r < 0 ? at - r - HOUR_MS : at - r;
}

/* Bucket i holds [2^(i-1), 2^i) ms, bucket 0 holds 0 ms, the last holds
 * everything larger. */
int
store_stat_bucket(uint32_t ms)
{
	int i = 0;

	while (ms != 0 && i < STORE_LAT_BUCKETS - 1) {
		ms >>= 1;
		i++;
	}
	return i;
}

static int
stat_load(struct store_txn *t, const char *wid, int64_t hour,
    struct store_stat *out, int rmw)
{
	unsigned char buf[REC_STAT_MAX];
	struct key k;
	size_t len;
	int rc;

	key_at(&k, hour, wid);
	rc = dbenv_get(t, DBI_STAT, &k, buf, sizeof(buf), &len, rmw);
	if (rc != STORE_OK) {
		memset(out, 0, sizeof(*out));
		out->hour = hour;
		return rc;
	}
	if (rec_stat_dec(buf, len, out) == -1)
		return dbenv_fail(t, "corrupt stat record");
	return STORE_OK;
}

int
store_stat_merge(struct store_txn *t, const char *webhook_id,
    const struct store_stat *add)
{
	unsigned char buf[REC_STAT_MAX];
	int64_t hour = hour_of(add->hour);
	struct store_stat st;
	struct key k;
	size_t len;
	int i, rc;

	rc = stat_load(t, webhook_id, hour, &st, 1);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	st.delivered += add->delivered;
	st.failed += add->failed;
	for (i = 0; i < STORE_LAT_BUCKETS; i++)
		st.latency[i] += add->latency[i];
	if (rec_stat_enc(&st, buf, sizeof(buf), &len) == -1)
		return dbenv_fail(t, "stat encoding");
	key_at(&k, hour, webhook_id);
	return dbenv_put(t, DBI_STAT, &k, buf, len, 0);
}

/* One attempt is a merge of counts of one. */
int
store_stat_add(struct store_txn *t, const char *webhook_id, int64_t at,
    int ok, uint32_t duration_ms)
{
	struct store_stat one;
	int rc;

	memset(&one, 0, sizeof(one));
	one.hour = at;
	if (ok)
		one.delivered = 1;
	else
		one.failed = 1;
	one.latency[store_stat_bucket(duration_ms)] = 1;
	if ((rc = store_stat_merge(t, webhook_id, &one)) != STORE_OK)
		return rc;
	return store_stat_merge(t, "*", &one);
}

int
store_stat_get(struct store_txn *t, const char *webhook_id, int64_t hour,
    struct store_stat *out)
{
	return stat_load(t, webhook_id, hour_of(hour), out, 0);
}

static int
each_purge(struct dbenv_cur *c, void *arg)
{
	int64_t before = *(int64_t *)arg;

	if (c->k.size < 9)
		return dbenv_fail(c->t, "corrupt stat key");
	if (key_get_i64(c->k.data) >= before)
		return 1;
	return dbenv_cur_del(c);
}

int
store_stat_purge(struct store_txn *t, int64_t before_ms)
{
	struct key prefix;

	key_init(&prefix);
	return dbenv_walk(t, DBI_STAT, &prefix, NULL, 0, each_purge,
	    &before_ms);
}
