/*
 * arr.c - a growable array with a cap (contract in arr.h).
 *
 * size * elem never overflows: arr_reserve refuses a size whose bytes do
 * not fit a size_t, whatever cap says.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arr.h"

void
arr_init(struct arr *a, size_t elem, size_t cap)
{
	a->v = NULL;
	a->n = 0;
	a->size = 0;
	a->cap = cap;
	a->elem = elem;
}

void
arr_free(struct arr *a)
{
	free(a->v);
	a->v = NULL;
	a->n = 0;
	a->size = 0;
}

void
arr_reset(struct arr *a)
{
	a->n = 0;
}

int
arr_reserve(struct arr *a, size_t more)
{
	size_t want, size;
	void *p;

	if (more > a->cap || a->n > a->cap - more)
		return -1;
	want = a->n + more;
	if (want <= a->size)
		return 0;
	size = a->size ? a->size : ARR_MIN;
	while (size < want && size <= SIZE_MAX / 2)
		size *= 2;
	if (size < want)
		size = want;
	if (size > a->cap)
		size = a->cap;
	if (a->elem == 0 || size > SIZE_MAX / a->elem)
		return -1;
	if ((p = realloc(a->v, size * a->elem)) == NULL)
		return -1;
	a->v = p;
	a->size = size;
	return 0;
}

void *
arr_push(struct arr *a)
{
	char *e;

	if (arr_reserve(a, 1) == -1)
		return NULL;
	e = (char *)a->v + a->n * a->elem;
	memset(e, 0, a->elem);
	a->n++;
	return e;
}

size_t
arr_bytes(const struct arr *a)
{
	return a->size * a->elem;
}
