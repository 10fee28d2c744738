/*
 * fanout.h - intake's per-process cache of each org's fan-out: the org's
 * apps and their webhooks (id, app, enabled, event filter; no secrets, no
 * URLs), as read at one value of the org's fan-out generation (store.h).
 *
 * fanout_get reads the generation inside the caller's transaction (one
 * read) and answers from the cache only when the org was cached at that
 * very value; otherwise it reads the apps and webhooks in the same
 * transaction and caches them.  Every write to an org's apps or webhooks,
 * by any process, bumps the generation in its own transaction, and the
 * read's lock lasts to the caller's commit: the answer is always the
 * fan-out as of the caller's transaction, exactly what reading the
 * records would give.  The cache is keyed by the whole org id (tenants
 * never share an entry) and bounded: FANOUT_ORGS orgs and FANOUT_BYTES in
 * all, least recently used evicted first; an org larger than
 * FANOUT_BYTES / 8 is read every time and never cached.
 */
#ifndef HOOKD_CGI_FANOUT_H
#define HOOKD_CGI_FANOUT_H

#include <stddef.h>

#include "cgi/idlist.h"
#include "db/store.h"

#define FANOUT_ORGS	128
#define FANOUT_BYTES	(8u << 20)

struct fanout_org;

/*
 * The fan-out of org as of transaction t into *out, valid until the next
 * fanout_get or fanout_clear.  Store code (STORE_RETRY must go back to
 * store_txn unchanged; STORE_ERR also for memory).
 */
int fanout_get(struct store_txn *t, const char *org,
    const struct fanout_org **out);
/* 1 if app_id is one of the org's apps, else 0. */
int fanout_has_app(const struct fanout_org *f, const char *app_id);
/*
 * Append (webhook id, app id) to l for each enabled webhook of the org
 * (only app_id's when app_id is not NULL or "") whose filter matches type,
 * in app id then webhook id order (the order the store walks them).
 * 0, or -1 (memory).
 */
int fanout_match(const struct fanout_org *f, const char *app_id,
    const char *type, struct idlist *l);
/* Cached orgs and bytes now (tests, the status of the cache). */
void fanout_stats(size_t *orgs, size_t *bytes);
/* Forget everything. */
void fanout_clear(void);

#endif
