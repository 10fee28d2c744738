/* keycmp.c - the btree key order, as memcmp (see keycmp.h). */
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
	/* equal up to the shorter: the shorter first */
	return a->size < b->size ? -1 : a->size > b->size ? 1 : 0;
}

size_t
keycmp_prefix(DB *db, const DBT *a, const DBT *b)
{
	const unsigned char *p = a->data, *q = b->data;
	size_t n = a->size < b->size ? a->size : b->size, i = 0;

	(void)db;
	/* whole words while they match, then bytes (as __bam_defpfx: the
	 * first differing byte's position + 1) */
	while (i + sizeof(size_t) <= n && memcmp(p + i, q + i,
	    sizeof(size_t)) == 0)
		i += sizeof(size_t);
	for (; i < n; i++)
		if (p[i] != q[i])
			return i + 1;
	if (a->size < b->size)
		return a->size + 1;
	if (b->size < a->size)
		return b->size + 1;
	return b->size;
}
