/*
 * fnv.h - FNV-1a, 64 bits: the one byte-string hash of the tree, for
 * in-memory hash tables and derived keys.  Not for anything an attacker
 * chooses the input of where collisions would cost more than a probe.
 *
 * h = fnv1a_str(FNV1A_OFFSET, s) hashes s; chain calls to hash several
 * parts (fnv1a_bytes for non-strings).
 */
#ifndef HOOKD_LIB_FNV_H
#define HOOKD_LIB_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_OFFSET UINT64_C(14695981039346656037)
#define FNV1A_PRIME UINT64_C(1099511628211)

static inline uint64_t
fnv1a_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * FNV1A_PRIME;
	return h;
}

static inline uint64_t
fnv1a_str(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * FNV1A_PRIME;
	return h;
}

#endif
