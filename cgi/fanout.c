/*
 * fanout.c - intake's per-process cache of each org's fan-out (contract in
 * fanout.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/fanout.h"

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
	struct fanout_app *apps;
	size_t napps, capps;
	struct fanout_hook *hooks;
	size_t nhooks, chooks;
	size_t bytes;			/* heap held, for the budget */
	uint64_t used;			/* tick of the last use (LRU) */
	int over;			/* bytes passed FANOUT_BYTES / 8 */
};

static struct fanout_org *fanout_cache[FANOUT_ORGS];
static size_t fanout_bytes;		/* sum of the cached entries' bytes */
static struct fanout_org *fanout_spare;	/* last uncached answer */
static uint64_t fanout_tick;

static uint64_t
fanout_hash(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

static void
fanout_free(struct fanout_org *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nhooks; i++)
		free(f->hooks[i].events);
	free(f->hooks);
	free(f->apps);
	free(f);
}

/* Grow *v (elements of size sz, *cap of them) to hold n + 1.  0 or -1. */
static int
fanout_grow(void **v, size_t *cap, size_t n, size_t sz, size_t *bytes)
{
	size_t nc;
	void *p;

	if (n < *cap)
		return 0;
	nc = *cap == 0 ? 4 : *cap * 2;
	if ((p = realloc(*v, nc * sz)) == NULL)
		return -1;
	*bytes += (nc - *cap) * sz;
	*v = p;
	*cap = nc;
	return 0;
}

static int
fanout_app_cb(const struct store_app *a, void *arg)
{
	struct fanout_org *f = arg;
	struct fanout_app *x;

	if (fanout_grow((void **)&f->apps, &f->capps, f->napps,
	    sizeof(*f->apps), &f->bytes) == -1)
		return STORE_ERR;
	x = &f->apps[f->napps++];
	memcpy(x->id, a->id, sizeof(x->id));
	x->first = f->nhooks;
	x->n = 0;
	return 0;
}

static int
fanout_hook_cb(const struct store_webhook *w, void *arg)
{
	struct fanout_org *f = arg;
	struct fanout_hook *h;
	size_t n = strlen(w->events) + 1;

	if (fanout_grow((void **)&f->hooks, &f->chooks, f->nhooks,
	    sizeof(*f->hooks), &f->bytes) == -1)
		return STORE_ERR;
	h = &f->hooks[f->nhooks];
	if ((h->events = malloc(n)) == NULL)
		return STORE_ERR;
	memcpy(h->events, w->events, n);
	memcpy(h->id, w->id, sizeof(h->id));
	memcpy(h->app_id, w->app_id, sizeof(h->app_id));
	h->enabled = w->enabled;
	f->nhooks++;
	f->bytes += n;
	return 0;
}

/* Read org's apps and webhooks in t into a new entry *out.  Store code. */
static int
fanout_read(struct store_txn *t, const char *org,
    const struct store_fanout_gen *g, struct fanout_org **out)
{
	struct fanout_org *f;
	size_t i;
	int rc;

	*out = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return STORE_ERR;
	memcpy(f->org, org, strlen(org) + 1);
	f->hash = fanout_hash(org);
	f->gen = *g;
	f->bytes = sizeof(*f);
	rc = store_app_iter(t, org, NULL, fanout_app_cb, f);
	for (i = 0; rc >= 0 && i < f->napps; i++) {
		f->apps[i].first = f->nhooks;
		rc = store_webhook_iter_app(t, f->apps[i].id, fanout_hook_cb,
		    f);
		f->apps[i].n = f->nhooks - f->apps[i].first;
	}
	if (rc < 0) {
		fanout_free(f);
		return rc;
	}
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

	for (i = 0; i < f->napps; i++)
		if (strcmp(f->apps[i].id, app_id) == 0)
			return 1;
	return 0;
}

int
fanout_match(const struct fanout_org *f, const char *app_id,
    const char *type, struct idlist *l)
{
	const struct fanout_hook *w;
	size_t a, i;

	for (a = 0; a < f->napps; a++) {
		if (app_id != NULL && app_id[0] != '\0' &&
		    strcmp(f->apps[a].id, app_id) != 0)
			continue;
		for (i = 0; i < f->apps[a].n; i++) {
			w = &f->hooks[f->apps[a].first + i];
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
