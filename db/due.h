/*
 * due.h - the due index, kept in step by delivery.c and lane.c: db/
 * internal (store.h has the iterators users of the store see).
 *
 * An entry per pending delivery that may be sent (every one outside a
 * FIFO lane, and each lane's head): key (next_attempt_at, delivery id),
 * data what a pick needs of it (rec.h, rec_due_enc), so that a pick reads
 * no delivery record.  An entry with empty data was written before the
 * data existed; it reads as the delivery record says, and is rewritten
 * with data the next time its delivery changes.
 */
#ifndef HOOKD_DB_DUE_H
#define HOOKD_DB_DUE_H

#include "db/store.h"

/* 1 when the entries of a and b are identical (key and data). */
int due_same(const struct store_delivery *a, const struct store_delivery *b);
/* d's entry (d pending; the caller decides it belongs in the index). */
int due_put(struct store_txn *t, const struct store_delivery *d);
/* Remove old's entry (keyed by old's next_attempt_at); absent is OK. */
int due_del(struct store_txn *t, const struct store_delivery *old);
/*
 * From old's entry (NULL: none) to d's (NULL: none): nothing is written
 * when both are the same key with the same data, the data alone is
 * rewritten when only it changed.  Store code.
 */
int due_move(struct store_txn *t, const struct store_delivery *old,
    const struct store_delivery *d);
/* due_move, except that old's entry, when it has to go, is appended to
 * later (store.h: store_delivery_put_over); later NULL: due_move. */
int due_move_later(struct store_txn *t, const struct store_delivery *old,
    const struct store_delivery *d, struct store_due_later *later);
/* The pending deliveries the index holds (a run's members each). */
int due_count(struct store_txn *t, uint64_t *n);

#endif
