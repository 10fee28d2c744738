/*
 * arr.h - a growable array of fixed-size elements with a named cap.
 *
 * The one growable array of the tree (lib/buf.h is its byte-string twin).
 * The caller gives the element size and the most elements the array may
 * ever hold (a named constant: IDLIST_MAX, STATUSDATA_APPS_MAX, ...);
 * growing past cap fails, like running out of memory, and leaves the array
 * as it was.  Memory grows by doubling from ARR_MIN elements, never beyond
 * cap.  v is NULL until the first grow; elements are reached through v
 * with the caller's type: ((struct x *)a.v)[i], or ARR_AT(&a, struct x, i).
 *
 * The array owns v: arr_free releases it.  Pointers into v are valid
 * until the next arr_push / arr_reserve (which may move it).
 */
#ifndef HOOKD_ARR_H
#define HOOKD_ARR_H

#include <stddef.h>

#define ARR_MIN 16		/* elements allocated by the first grow */

struct arr {
	void *v;		/* size elements of elem bytes; NULL at first */
	size_t n;		/* elements in use: v[0..n) */
	size_t size;		/* elements allocated */
	size_t cap;		/* most elements it may ever hold */
	size_t elem;		/* bytes per element */
};

/* Element i (no bounds check) as a pointer to type. */
#define ARR_AT(a, type, i) ((type *)(a)->v + (i))

/* An empty array of elem-byte elements, at most cap of them. */
void arr_init(struct arr *a, size_t elem, size_t cap);
/* Release v; the array is empty again (elem and cap kept). */
void arr_free(struct arr *a);
/* n = 0, memory kept. */
void arr_reset(struct arr *a);
/*
 * Room for more elements after the n in use, without moving v until n +
 * more is passed.  0, or -1 (n + more > cap, or out of memory) with the
 * array unchanged.
 */
int arr_reserve(struct arr *a, size_t more);
/* Append one zero-filled element and return it; NULL at cap or out of
 * memory (array unchanged). */
void *arr_push(struct arr *a);
/* Bytes of heap the array holds (for memory budgets). */
size_t arr_bytes(const struct arr *a);

#endif
