/*
 * key.c - composite B-tree keys (see key.h).
 */
#include <string.h>

#include "db/key.h"

void
key_init(struct key *k)
{
	k->len = 0;
	k->err = 0;
}

void
key_raw(struct key *k, const void *p, size_t n)
{
	if (k->err || n > KEY_MAX - k->len) {
		k->err = 1;
		return;
	}
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

void
key_str(struct key *k, const char *s)
{
	key_raw(k, s, strlen(s) + 1);
}

void
key_id(struct key *k, const char *id)
{
	key_init(k);
	key_str(k, id);
}

void
key_pair(struct key *k, const char *a, const char *id)
{
	key_init(k);
	key_str(k, a);
	if (id != NULL)
		key_str(k, id);
}

void
key_at(struct key *k, int64_t at, const char *id)
{
	key_init(k);
	key_i64(k, at);
	key_str(k, id);
}

void
key_put_u64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

uint64_t
key_get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* The sign bit flipped, so that negative numbers sort first. */
void
key_put_i64(unsigned char *p, int64_t v)
{
	key_put_u64(p, (uint64_t)v ^ (UINT64_C(1) << 63));
}

int64_t
key_get_i64(const unsigned char *p)
{
	return (int64_t)(key_get_u64(p) ^ (UINT64_C(1) << 63));
}

void
key_i64(struct key *k, int64_t v)
{
	unsigned char b[8];

	key_put_i64(b, v);
	key_raw(k, b, sizeof(b));
}

int
key_ok(const struct key *k)
{
	return !k->err;
}

int
key_has_prefix(const void *p, size_t n, const struct key *prefix)
{
	return n >= prefix->len && memcmp(p, prefix->b, prefix->len) == 0;
}

int
key_tail_str(const void *p, size_t n, size_t off, char *out, size_t outlen)
{
	const unsigned char *b = p;
	size_t len;

	if (n == 0 || off >= n || b[n - 1] != '\0')
		return -1;
	len = n - 1 - off;
	if (len + 1 > outlen || memchr(b + off, '\0', len) != NULL)
		return -1;
	memcpy(out, b + off, len);
	out[len] = '\0';
	return 0;
}
