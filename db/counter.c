/*
 * counter.c - the sender's lifetime counters (contract in counter.h).
 *
 * DBI_COUNTER (counters.db, a small B-tree): one record under the key
 * "attempts": 1 version byte (COUNTER_V), then STORE_OUTCOMES attempt
 * counts, STORE_DUR_BUCKETS bucket counts and the duration sum in ms,
 * 8 bytes big-endian each.  A record of another version or length is
 * corrupt (STORE_ERR): a new layout needs a new version and a rule for
 * reading the old one.
 */
#include <string.h>

#include "db/counter.h"
#include "db/dbenv.h"

#define COUNTER_V	1
#define COUNTER_N	(STORE_OUTCOMES + STORE_DUR_BUCKETS + 1)
#define COUNTER_LEN	(1 + 8 * COUNTER_N)
#define COUNTER_KEY	"attempts"

const uint32_t store_dur_bounds_ms[STORE_DUR_BUCKETS - 1] = STORE_DUR_BOUNDS;

void
store_counter_count(struct store_counter *c, int http_status,
    uint32_t duration_ms)
{
	int i = 0;

	if (http_status <= 0)
		c->attempts[STORE_OUTCOME_ERROR]++;
	else if (http_status >= 200 && http_status <= 299)
		c->attempts[STORE_OUTCOME_DELIVERED]++;
	else
		c->attempts[STORE_OUTCOME_FAILED]++;
	while (i < STORE_DUR_BUCKETS - 1 && duration_ms > store_dur_bounds_ms[i])
		i++;
	c->dur[i]++;
	c->dur_sum_ms += duration_ms;
}

/* The record's fields in their stored order. */
static uint64_t *
counter_field(struct store_counter *c, int i)
{
	if (i < STORE_OUTCOMES)
		return &c->attempts[i];
	i -= STORE_OUTCOMES;
	if (i < STORE_DUR_BUCKETS)
		return &c->dur[i];
	return &c->dur_sum_ms;
}

static int
counter_load(struct store_txn *t, struct store_counter *out, int rmw)
{
	unsigned char buf[COUNTER_LEN];
	struct key k;
	size_t len;
	int rc, i;

	memset(out, 0, sizeof(*out));
	key_init(&k);
	key_str(&k, COUNTER_KEY);
	rc = dbenv_get(t, DBI_COUNTER, &k, buf, sizeof(buf), &len, rmw);
	if (rc != STORE_OK)
		return rc;
	if (len != COUNTER_LEN || buf[0] != COUNTER_V)
		return dbenv_fail(t, "corrupt counter record");
	for (i = 0; i < COUNTER_N; i++)
		*counter_field(out, i) = key_get_u64(buf + 1 + 8 * i);
	return STORE_OK;
}

int
store_counter_get(struct store_txn *t, struct store_counter *out)
{
	int rc = counter_load(t, out, 0);

	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
store_counter_add(struct store_txn *t, const struct store_counter *delta)
{
	static const struct store_counter zero;
	struct store_counter c, d = *delta;
	unsigned char buf[COUNTER_LEN];
	struct key k;
	int rc, i;

	if (memcmp(&d, &zero, sizeof(d)) == 0)
		return STORE_OK;
	rc = counter_load(t, &c, 1);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	buf[0] = COUNTER_V;
	for (i = 0; i < COUNTER_N; i++) {
		key_put_u64(buf + 1 + 8 * i,
		    *counter_field(&c, i) + *counter_field(&d, i));
	}
	key_init(&k);
	key_str(&k, COUNTER_KEY);
	return dbenv_put(t, DBI_COUNTER, &k, buf, sizeof(buf), 0);
}
