/*
 * keycmp.c - the B-tree key order, Berkeley DB's default done with
 * memcmp (contract in keycmp.h).
 */
#include <string.h>

#include "db/keycmp.h"

int
keycmp_compare(DB *db, const DBT *a, const DBT *b)
{
	size_t n = a->size < b->size ? a->size : b->size;
	int c;

	(void)db;
	if (n > 0 && (c = memcmp(a->data, b->data, n)) != 0)
		return c;
	return a->size < b->size ? -1 : a->size > b->size;
}

/*
 * How many bytes of b an internal page must keep to sort after a (a <
 * b): __bam_defpfx's answer - the common prefix plus one byte, or, when
 * one is a prefix of the other, the shorter's length plus one (or b's
 * length when they are equal).
 */
size_t
keycmp_prefix(DB *db, const DBT *a, const DBT *b)
{
	const unsigned char *p = a->data, *q = b->data;
	size_t n = a->size < b->size ? a->size : b->size, i;

	(void)db;
	for (i = 0; i < n; i++)
		if (p[i] != q[i])
			return i + 1;
	if (a->size < b->size)
		return (size_t)a->size + 1;
	if (b->size < a->size)
		return (size_t)b->size + 1;
	return b->size;
}
