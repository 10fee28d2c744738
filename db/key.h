/*
 * key.h - composite B-tree keys for db/, compared bytewise (BDB's default).
 *
 * A key is a sequence of parts: a string part is its bytes followed by one
 * NUL (so "ab" sorts before "ab\0..." children and "abc": a prefix walk
 * stops at the first key whose leading part differs), a number part is 8
 * bytes big-endian with the sign bit flipped (so negative times still sort
 * before positive ones).  Strings never contain NUL (they are C strings).
 *
 * Keys are built into a caller's struct key (fixed cap: every key is a few
 * ids and numbers, far below KEY_MAX); key_str/key_i64 set k->err on
 * overflow and the caller checks it once (key_ok) before use.
 */
#ifndef HOOKD_DB_KEY_H
#define HOOKD_DB_KEY_H

#include <stddef.h>
#include <stdint.h>

#define KEY_MAX 512

struct key {
	unsigned char b[KEY_MAX];
	size_t len;
	int err;
};

void key_init(struct key *k);
void key_str(struct key *k, const char *s);	/* bytes + NUL */
void key_raw(struct key *k, const void *p, size_t n);	/* bytes as they are */
void key_i64(struct key *k, int64_t v);		/* 8 bytes, order-preserving */
int key_ok(const struct key *k);		/* 1 when nothing overflowed */

/* The shapes every database uses, each a fresh key: */
void key_id(struct key *k, const char *id);	/* id \0 (a primary key) */
/* a \0 id \0, or a \0 alone when id is NULL (the prefix of a's entries) */
void key_pair(struct key *k, const char *a, const char *id);
void key_at(struct key *k, int64_t at, const char *id);	/* i64 at, id \0 */

/* Encode/decode one order-preserving 64-bit number at p (8 bytes). */
void key_put_i64(unsigned char *p, int64_t v);
int64_t key_get_i64(const unsigned char *p);
/* The same for an unsigned number: 8 bytes, big-endian (also the
 * fixed-width fields of small records: fanout.c, lane.c, counter.c). */
void key_put_u64(unsigned char *p, uint64_t v);
uint64_t key_get_u64(const unsigned char *p);

/* 1 if the n-byte key p starts with the prefix (its first pl bytes). */
int key_has_prefix(const void *p, size_t n, const struct key *prefix);

/*
 * The string part of key p (n bytes) that starts at byte off and ends with
 * the key's final NUL, copied NUL-terminated into out (cap outlen).  Used to
 * get the primary id back out of an index key that ends with it (off is the
 * length of the index prefix).  0, or -1 when the key is malformed (no final
 * NUL, a NUL inside) or the id does not fit.
 */
int key_tail_str(const void *p, size_t n, size_t off, char *out,
    size_t outlen);

#endif
