/*
 * queue.h - the queue counters (store_queue_get/_add in store.h), kept in
 * step by delivery.c: db/ internal.
 */
#ifndef HOOKD_DB_QUEUE_H
#define HOOKD_DB_QUEUE_H

#include "db/store.h"

/*
 * One delivery leaves status from (unless from is -1) and enters status to
 * (unless to is -1): added to *acc when acc is not NULL, else written to
 * this process's shard in one read and one write.  Store code.
 */
int queue_move(struct store_txn *t, int from, int to, struct store_queue *acc);

#endif
