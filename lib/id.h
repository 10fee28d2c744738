/*
 * id.h - prefixed, time-ordered, URL-safe ids: "evt_01JD3X...".
 *
 * After the prefix and '_' come 26 Crockford base32 characters: a 48-bit
 * millisecond timestamp (10 chars) then 80 random bits from getrandom(2)
 * (16 chars).  Ids made later sort after earlier ones (byte order), which
 * keeps B-tree inserts at the right edge.
 *
 * Every token of the project has the shape prefix "_" body: the ids above
 * and also app keys ("hk_...") and signing secrets ("whsec_...").
 * id_body() is the one place that checks such a prefix.
 */
#ifndef HOOKD_ID_H
#define HOOKD_ID_H

#include <stddef.h>
#include <stdint.h>

#define ID_BODY_LEN 26
#define ID_MAX 32		/* longest generated id incl. NUL, prefix <= 4 */

/* Write prefix "_" body into out (>= ID_MAX bytes).  0 or -1 (no entropy). */
int id_new(const char *prefix, char *out, size_t outlen);
/* Same with a given timestamp: for tests and for cursors.  Calls with the
 * same timestamp in a row make ascending ids, as id_new does. */
int id_new_at(const char *prefix, int64_t ms, char *out, size_t outlen);
/* 1 if s is prefix "_" + 26 valid characters, else 0. */
int id_valid(const char *prefix, const char *s);
/*
 * The body of a prefixed token: s past prefix and '_', or NULL when s does
 * not start with them.  prefix is given without the '_' ("evt", "hk",
 * "whsec").  The body is not checked (it may be empty): id_valid does that
 * for ids.
 */
const char *id_body(const char *s, const char *prefix);
/* The millisecond timestamp in a generated id, or -1. */
int64_t id_time(const char *s);

/* n random bytes from the OS.  0 or -1. */
int id_random(void *buf, size_t n);

#endif
