/*
 * duerun.h - due index entries that list a run of deliveries (db/
 * internal; the index itself is due.h).
 *
 * A transaction that creates many pending deliveries due at the same
 * moment (a batch of events, a group of single posts committed together)
 * writes one entry for up to DUERUN_DATA_MAX bytes of them instead of one
 * put each: key (next_attempt_at, the first member's id), data
 * DUERUN_V1 then each member as id \0, u16 length (big-endian) and its
 * rec_due_enc bytes, ids strictly ascending.  The key's id is always the
 * first member's: a run whose first member goes is written again under
 * its new first (due.c), so no two entries ever have the same key and a
 * plain entry of a delivery can never overwrite a run.  A run of one is
 * written as a plain entry.  Members of a run are due together; entries
 * of other transactions with the same next_attempt_at may sort between
 * them, so a member is found by walking back from its own key over the
 * entries of that moment (due.c, due_locate).
 */
#ifndef HOOKD_DB_DUERUN_H
#define HOOKD_DB_DUERUN_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"

/* The first data byte of a run (a plain entry's is REC_V_DUE). */
#define DUERUN_V1 0x81

/* A run's data at most: stays on its 16 KiB index page (no overflow
 * pages); about 25 members of generated ids. */
#define DUERUN_DATA_MAX 3600

/* One member of a run, pointing into the entry's data. */
struct duerun_member {
	const char *id;			/* \0-terminated */
	const unsigned char *rec;	/* rec_due_enc bytes */
	size_t rec_len;
};

/* 1 when data (n bytes) is a run entry's. */
int duerun_is(const void *data, size_t n);

/*
 * The member at *off of run data d (n bytes; start with *off = 1) into m,
 * *off moved past it: 1, 0 at the end, -1 when the data is corrupt (a
 * member cut short, an empty or overlong id, ids not ascending: prev is
 * the member before, NULL for the first).
 */
int duerun_next(const unsigned char *d, size_t n, size_t *off,
    const char *prev, struct duerun_member *m);

/* Append a member (id \0, length, rec) to run data at out + *len, *len
 * moved past it; the caller has room (DUERUN_DATA_MAX and one member). */
void duerun_put_member(unsigned char *out, size_t *len, const char *id,
    const unsigned char *rec, size_t rec_len);

/* 1 when id is a member of run data d (n bytes), 0 when not, -1 corrupt. */
int duerun_has(const unsigned char *d, size_t n, const char *id);

/*
 * Gathering in a write transaction (struct store_txn's duerun): the entry
 * of d, a new pending delivery outside a FIFO lane, joins the run being
 * made when it is due at the same moment, sorts after its last member and
 * fits; else that run is written and a new one starts.  Written: by
 * duerun_flush, which every due.c call that reads or writes the index
 * makes first, and by duerun_end before the commit (txn.c).  Store codes.
 */
int duerun_add(struct store_txn *t, const struct store_delivery *d);
int duerun_flush(struct store_txn *t);
/* Write the open run when rc is STORE_OK, free it in any case: rc, or the
 * write's failure. */
int duerun_end(struct store_txn *t, int rc);

#endif
