/* whtab.c - per-webhook sender state (see whtab.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fnv.h"
#include "sender/whtab.h"

struct whtab {
	struct whstate *e;
	size_t mask, count;
};

static size_t
whtab_hash(const char *id)
{
	uint64_t h = fnv1a_str(FNV1A_OFFSET, id);

	return (size_t)(h ^ (h >> 29));
}

struct whtab *
whtab_new(void)
{
	struct whtab *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->e = calloc(64, sizeof(*t->e));
	if (t->e == NULL) {
		free(t);
		return NULL;
	}
	t->mask = 63;
	return t;
}

void
whtab_free(struct whtab *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t);
}

static struct whstate *
whtab_slot(struct whstate *e, size_t mask, const char *id)
{
	size_t i = whtab_hash(id) & mask;

	while (e[i].id[0] != '\0' && strcmp(e[i].id, id) != 0)
		i = (i + 1) & mask;
	return &e[i];
}

static int
whtab_grow(struct whtab *t)
{
	size_t i, size = (t->mask + 1) * 2;
	struct whstate *e = calloc(size, sizeof(*e));

	if (e == NULL)
		return -1;
	for (i = 0; i <= t->mask; i++) {
		if (t->e[i].id[0] != '\0')
			*whtab_slot(e, size - 1, t->e[i].id) = t->e[i];
	}
	free(t->e);
	t->e = e;
	t->mask = size - 1;
	return 0;
}

struct whstate *
whtab_find(struct whtab *t, const char *id)
{
	struct whstate *w = whtab_slot(t->e, t->mask, id);

	return w->id[0] != '\0' ? w : NULL;
}

struct whstate *
whtab_get(struct whtab *t, const char *id)
{
	struct whstate *w;
	size_t n = strlen(id);

	if (n == 0 || n > STORE_ID_MAX)
		return NULL;
	if ((t->count + 1) * 2 > t->mask + 1 && whtab_grow(t) == -1)
		return NULL;
	w = whtab_slot(t->e, t->mask, id);
	if (w->id[0] == '\0') {
		memcpy(w->id, id, n + 1);
		t->count++;
	}
	return w;
}

int
whtab_rate_take(struct whstate *w, int64_t now_us, int64_t *when_us)
{
	int64_t gap;

	if (w->rate_limit == 0)
		return 1;
	gap = 1000000 / (int64_t)w->rate_limit;
	if (w->next_ok_us > now_us) {
		*when_us = w->next_ok_us;
		return 0;
	}
	/* No credit for idle time beyond one slot: no bursts. */
	w->next_ok_us = (w->next_ok_us < now_us - gap ? now_us : w->next_ok_us)
	    + gap;
	return 1;
}
