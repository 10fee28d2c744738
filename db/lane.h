/*
 * lane.h - FIFO lanes, kept in step by delivery.c: db/ internal (the
 * contract users of the store see is in store.h, struct store_delivery
 * and struct store_lane).
 */
#ifndef HOOKD_DB_LANE_H
#define HOOKD_DB_LANE_H

#include "db/store.h"

/*
 * On create: give d (whose webhook_id, user_id and sequence the caller
 * set) its lane and the lane's next sequence number, when its webhook is
 * FIFO and d->sequence is not STORE_SEQ_NONE; else sequence 0, lane "".
 * Reads the webhook and writes the lane record.  Store code.
 */
int lane_assign(struct store_txn *t, struct store_delivery *d);

/* 1 if d waits in its lane (pending, ordered, not retried on its own). */
int lane_in(const struct store_delivery *d);

/*
 * The due and lane index entries of a write from old (NULL: none) to d
 * (NULL: deleted), when either is lane_in: d enters the due index only as
 * its lane's head; a head that leaves hands the due index to the next
 * delivery of its lane.  Store code.
 */
int lane_move(struct store_txn *t, const struct store_delivery *old,
    const struct store_delivery *d);

/* Remove every lane of a deleted webhook (records and entries): after
 * its pending deliveries were cancelled.  Store code. */
int lane_drop(struct store_txn *t, const char *webhook_id);

#endif
