/*
 * keycmp.h - the B-tree key order of every database (db/ internal).
 *
 * Exactly Berkeley DB's default order - bytes compared unsigned, a
 * shorter key before a longer one it begins - and its default prefix
 * for the keys of internal pages, so files written with either are the
 * same and read with either (db5.3_verify, db5.3_dump use the default).
 * Only faster: memcmp instead of BDB's byte loop (__bam_defcmp), which
 * cost ~180 instructions per comparison over our keys' long shared
 * prefixes (22 comparisons per batch event, inside the commit).
 * Set on each B-tree handle before DB->open (env.c); not stored.
 */
#ifndef HOOKD_DB_KEYCMP_H
#define HOOKD_DB_KEYCMP_H

#include <stddef.h>
#include <db.h>

int keycmp_compare(DB *db, const DBT *a, const DBT *b);
size_t keycmp_prefix(DB *db, const DBT *a, const DBT *b);

#endif
