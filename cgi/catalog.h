/*
 * catalog.h - the event types hookd knows: eleven built in (ten user
 * events and webhook.test; the list is in docs/api.md, "GET
 * /v1/event-types") plus the config's event_types, and webhook filter
 * entries over them.
 */
#ifndef HOOKD_CGI_CATALOG_H
#define HOOKD_CGI_CATALOG_H

#include "lib/config.h"

#define CATALOG_TEST_TYPE "webhook.test"

/* 1 if type is in the catalog (built in or configured). */
int catalog_has(const struct config *cfg, const char *type);

/* 1 if entry is a valid webhook filter entry: a catalog type, "*", or
 * "PREFIX.*" where "PREFIX." starts at least one catalog type. */
int catalog_filter_ok(const struct config *cfg, const char *entry);

#endif
