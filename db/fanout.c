/*
 * fanout.c - the per-org fan-out generation (contract in store.h).
 *
 * DBI_FANOUT (fanout.db, a small B-tree): org \0 -> 1 version byte, then
 * the bump count and a random salt, 8 bytes big-endian each.  The salt
 * makes a value never seen twice even if a bump were undone (an
 * environment restored from a copy, a commit lost with the OS under
 * nosync) and redone with other writes: a reader comparing values would
 * otherwise take the old list for the new.  Readers hold the page's read
 * lock to their commit (degree 3), so a bump waits for every transaction
 * that read the old value, and every transaction that starts after the
 * bump's commit reads the new one.
 */
#include <string.h>

#include "db/dbenv.h"
#include "lib/id.h"

#define FANOUT_V	1
#define FANOUT_LEN	17

static int
fanout_load(struct store_txn *t, const char *org, struct store_fanout_gen *g,
    int rmw)
{
	unsigned char buf[FANOUT_LEN];
	struct key k;
	size_t len;
	int rc;

	memset(g, 0, sizeof(*g));
	key_id(&k, org);
	rc = dbenv_get(t, DBI_FANOUT, &k, buf, sizeof(buf), &len, rmw);
	if (rc != STORE_OK)
		return rc;
	if (len != FANOUT_LEN || buf[0] != FANOUT_V)
		return dbenv_fail(t, "corrupt fan-out generation");
	g->n = key_get_u64(buf + 1);
	g->salt = key_get_u64(buf + 9);
	return STORE_OK;
}

int
store_fanout_gen(struct store_txn *t, const char *org,
    struct store_fanout_gen *g)
{
	int rc = fanout_load(t, org, g, 0);

	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
store_fanout_bump(struct store_txn *t, const char *org)
{
	unsigned char buf[FANOUT_LEN];
	struct store_fanout_gen g;
	struct key k;
	int rc;

	rc = fanout_load(t, org, &g, 1);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	g.n++;
	if (id_random(&g.salt, sizeof(g.salt)) == -1)
		return dbenv_fail(t, "no entropy for the fan-out generation");
	buf[0] = FANOUT_V;
	key_put_u64(buf + 1, g.n);
	key_put_u64(buf + 9, g.salt);
	key_id(&k, org);
	return dbenv_put(t, DBI_FANOUT, &k, buf, sizeof(buf), 0);
}
