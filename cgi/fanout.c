/*
 * fanout.c - intake's per-process cache of each org's fan-out (contract in
 * fanout.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/fanout.h"
#include "lib/arr.h"
#include "lib/fnv.h"
#include "lib/str.h"

/* Most apps and webhooks an org's entry holds: the match list (idlist)
 * holds no more either.  Far above any real org; a larger one fails
 * like running out of memory. */
#define FANOUT_APPS_MAX IDLIST_MAX
#define FANOUT_HOOKS_MAX IDLIST_MAX

struct fanout_app {
	char id[STORE_ID_MAX + 1];
	size_t first, n;		/* its webhooks: hooks[first..first+n) */
};

struct fanout_hook {
	char id[STORE_ID_MAX + 1];
	char app_id[STORE_ID_MAX + 1];
	char *events;			/* filter list, heap */
	int enabled;
};

struct fanout_org {
	char org[STORE_ORG_MAX + 1];
	uint64_t hash;			/* of org: a cheap first compare */
	struct store_fanout_gen gen;
	struct arr apps;		/* of struct fanout_app */
	struct arr hooks;		/* of struct fanout_hook, by app */
	size_t bytes;			/* heap held, for the budget */
	uint64_t used;			/* tick of the last use (LRU) */
	int over;			/* bytes passed FANOUT_BYTES / 8 */
};

#define FANOUT_APP(f, i) ARR_AT(&(f)->apps, struct fanout_app, i)
#define FANOUT_HOOK(f, i) ARR_AT(&(f)->hooks, struct fanout_hook, i)

static struct fanout_org *fanout_cache[FANOUT_ORGS];
static size_t fanout_bytes;		/* sum of the cached entries' bytes */
static struct fanout_org *fanout_spare;	/* last uncached answer */
static uint64_t fanout_tick;

static uint64_t
fanout_hash(const char *s)
{
	return fnv1a_str(FNV1A_OFFSET, s);
}

static void
fanout_free(struct fanout_org *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->hooks.n; i++)
		free(FANOUT_HOOK(f, i)->events);
	arr_free(&f->hooks);
	arr_free(&f->apps);
	free(f);
}

static int
fanout_app_cb(const struct store_app *a, void *arg)
{
	struct fanout_org *f = arg;
	struct fanout_app *x;

	if ((x = arr_push(&f->apps)) == NULL)
		return STORE_ERR;
	memcpy(x->id, a->id, sizeof(x->id));
	x->first = f->hooks.n;
	return 0;
}

static int
fanout_hook_cb(const struct store_webhook *w, void *arg)
{
	struct fanout_org *f = arg;
	struct fanout_hook *h;
	size_t n = strlen(w->events) + 1;

	if ((h = arr_push(&f->hooks)) == NULL)
		return STORE_ERR;
	if ((h->events = malloc(n)) == NULL) {
		f->hooks.n--;
		return STORE_ERR;
	}
	memcpy(h->events, w->events, n);
	memcpy(h->id, w->id, sizeof(h->id));
	memcpy(h->app_id, w->app_id, sizeof(h->app_id));
	h->enabled = w->enabled;
	f->bytes += n;
	return 0;
}

/* Read org's apps and webhooks in t into a new entry *out.  Store code. */
static int
fanout_read(struct store_txn *t, const char *org,
    const struct store_fanout_gen *g, struct fanout_org **out)
{
	struct fanout_org *f;
	struct fanout_app *x;
	size_t i;
	int rc;

	*out = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return STORE_ERR;
	if (str_copy(f->org, sizeof(f->org), org) == -1) {
		free(f);
		return STORE_ERR;
	}
	f->hash = fanout_hash(org);
	f->gen = *g;
	f->bytes = sizeof(*f);
	arr_init(&f->apps, sizeof(struct fanout_app), FANOUT_APPS_MAX);
	arr_init(&f->hooks, sizeof(struct fanout_hook), FANOUT_HOOKS_MAX);
	rc = store_app_iter(t, org, NULL, fanout_app_cb, f);
	for (i = 0; rc >= 0 && i < f->apps.n; i++) {
		x = FANOUT_APP(f, i);
		x->first = f->hooks.n;
		rc = store_webhook_iter_app(t, x->id, fanout_hook_cb, f);
		x->n = f->hooks.n - x->first;
	}
	if (rc < 0) {
		fanout_free(f);
		return rc;
	}
	f->bytes += arr_bytes(&f->apps) + arr_bytes(&f->hooks);
	f->over = f->bytes > FANOUT_BYTES / 8;
	*out = f;
	return STORE_OK;
}

/* The cache slot of org, or -1. */
static int
fanout_find(const char *org, uint64_t h)
{
	int i;

	for (i = 0; i < FANOUT_ORGS; i++)
		if (fanout_cache[i] != NULL && fanout_cache[i]->hash == h &&
		    strcmp(fanout_cache[i]->org, org) == 0)
			return i;
	return -1;
}

/* Evict least recently used entries until need more bytes fit and a
 * slot is free; the free slot. */
static int
fanout_room(size_t need)
{
	int i, lru, empty;

	for (;;) {
		lru = empty = -1;
		for (i = 0; i < FANOUT_ORGS; i++) {
			if (fanout_cache[i] == NULL) {
				if (empty < 0)
					empty = i;
			} else if (lru < 0 ||
			    fanout_cache[i]->used < fanout_cache[lru]->used)
				lru = i;
		}
		if (empty >= 0 && fanout_bytes + need <= FANOUT_BYTES)
			return empty;
		/* lru >= 0 here: an empty cache has a slot and no bytes */
		fanout_bytes -= fanout_cache[lru]->bytes;
		fanout_free(fanout_cache[lru]);
		fanout_cache[lru] = NULL;
	}
}

int
fanout_get(struct store_txn *t, const char *org,
    const struct fanout_org **out)
{
	struct store_fanout_gen g;
	struct fanout_org *f;
	uint64_t h = fanout_hash(org);
	int rc, i;

	*out = NULL;
	fanout_free(fanout_spare);
	fanout_spare = NULL;
	if ((rc = store_fanout_gen(t, org, &g)) != STORE_OK)
		return rc;
	i = fanout_find(org, h);
	if (i >= 0 && fanout_cache[i]->gen.n == g.n &&
	    fanout_cache[i]->gen.salt == g.salt) {
		fanout_cache[i]->used = ++fanout_tick;
		*out = fanout_cache[i];
		return STORE_OK;
	}
	if (i >= 0) {		/* stale: out before anything is read */
		fanout_bytes -= fanout_cache[i]->bytes;
		fanout_free(fanout_cache[i]);
		fanout_cache[i] = NULL;
	}
	if ((rc = fanout_read(t, org, &g, &f)) != STORE_OK)
		return rc;
	f->used = ++fanout_tick;
	if (f->over) {
		fanout_spare = f;
	} else {
		i = fanout_room(f->bytes);
		fanout_cache[i] = f;
		fanout_bytes += f->bytes;
	}
	*out = f;
	return STORE_OK;
}

int
fanout_has_app(const struct fanout_org *f, const char *app_id)
{
	size_t i;

	for (i = 0; i < f->apps.n; i++)
		if (strcmp(FANOUT_APP(f, i)->id, app_id) == 0)
			return 1;
	return 0;
}

int
fanout_match(const struct fanout_org *f, const char *app_id,
    const char *type, struct idlist *l)
{
	const struct fanout_app *x;
	const struct fanout_hook *w;
	size_t a, i;

	for (a = 0; a < f->apps.n; a++) {
		x = FANOUT_APP(f, a);
		if (app_id != NULL && app_id[0] != '\0' &&
		    strcmp(x->id, app_id) != 0)
			continue;
		for (i = 0; i < x->n; i++) {
			w = FANOUT_HOOK(f, x->first + i);
			if (w->enabled &&
			    store_webhook_matches(w->events, type) &&
			    idlist_add(l, w->id, w->app_id) != 0)
				return -1;
		}
	}
	return 0;
}

void
fanout_stats(size_t *orgs, size_t *bytes)
{
	size_t n = 0;
	int i;

	for (i = 0; i < FANOUT_ORGS; i++)
		n += fanout_cache[i] != NULL;
	*orgs = n;
	*bytes = fanout_bytes;
}

void
fanout_clear(void)
{
	int i;

	for (i = 0; i < FANOUT_ORGS; i++) {
		fanout_free(fanout_cache[i]);
		fanout_cache[i] = NULL;
	}
	fanout_bytes = 0;
	fanout_free(fanout_spare);
	fanout_spare = NULL;
}
