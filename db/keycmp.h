/*
 * keycmp.h - the btree key order of every database, as memcmp.
 *
 * Berkeley DB's default comparison (__bam_defcmp) and prefix function
 * (__bam_defpfx) walk keys a byte at a time; the store's keys share long
 * prefixes (ids that start with their creation time, index keys that
 * start with an owner's id), so those loops are a large part of every
 * search.  These two give exactly the same order and the same prefix
 * lengths (unsigned bytes, a key that is a prefix of another sorts
 * first), with memcmp: files written with either are the same, and the
 * db5.3_* utilities, which use the defaults, read them unchanged.
 */
#ifndef HOOKD_DB_KEYCMP_H
#define HOOKD_DB_KEYCMP_H

#include <db.h>
#include <stddef.h>

/* Order of a and b: <0, 0, >0 (DB->set_bt_compare). */
int keycmp_compare(DB *db, const DBT *a, const DBT *b);
/* Bytes of b needed to sort it after a, a < b (DB->set_bt_prefix). */
size_t keycmp_prefix(DB *db, const DBT *a, const DBT *b);

#endif
