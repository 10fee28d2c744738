/*
 * count.c - exact record counts by walking whole databases (store_counts
 * in store.h): for the tests and small stores, never a hot path.
 */
#include <string.h>

#include "db/dbenv.h"
#include "db/due.h"

static int
count_db(struct store_txn *t, enum dbi db, uint64_t *n)
{
	struct dbenv_cur c;
	int rc;

	*n = 0;
	if ((rc = dbenv_cur_open(t, db, 0, &c)) != STORE_OK)
		return rc;
	while ((rc = dbenv_cur_get(&c, DB_NEXT, NULL)) == STORE_OK)
		(*n)++;
	dbenv_cur_close(&c);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
store_counts(struct store_txn *t, struct store_counts *c)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = count_db(t, DBI_APP, &c->apps)) != STORE_OK ||
	    (rc = count_db(t, DBI_WH, &c->webhooks)) != STORE_OK ||
	    (rc = count_db(t, DBI_EVT, &c->events)) != STORE_OK ||
	    (rc = count_db(t, DBI_DLV, &c->deliveries)) != STORE_OK ||
	    (rc = count_db(t, DBI_ATT_DLV, &c->attempts)) != STORE_OK ||
	    (rc = due_count(t, &c->pending)) != STORE_OK)
		return rc;
	return STORE_OK;
}
