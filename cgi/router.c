/* router.c - the route table and path matching. */
#include <string.h>

#include "cgi/handlers.h"
#include "cgi/router.h"

/*
 * Every route: method, pattern and who may call it, then the body it
 * takes when it takes one (ROUTER_NOBODY otherwise) and its handler.
 * Routes of one path stand together: their order is the Allow header's.
 */
static const struct router_route router_table[] = {
	{ "GET", "/v1/health", ROUTER_ANYONE, .fn = catalog_health },
	{ "GET", "/v1/event-types", ROUTER_ANYONE, .fn = catalog_list },
	{ "GET", "/v1/event-types/{}", ROUTER_ANYONE, .fn = catalog_get },
	{ "POST", "/v1/apps", ROUTER_ADMIN, ROUTER_JSON, .fn = apps_create },
	{ "GET", "/v1/apps", ROUTER_ADMIN, .fn = apps_list },
	{ "GET", "/v1/apps/{}", ROUTER_APP, .fn = apps_get },
	{ "DELETE", "/v1/apps/{}", ROUTER_ADMIN, .fn = apps_delete },
	{ "POST", "/v1/apps/{}/keys", ROUTER_APP, .fn = apps_rotate_key },
	{ "POST", "/v1/apps/{}/webhooks", ROUTER_APP, ROUTER_JSON,
	    .fn = webhooks_create },
	{ "GET", "/v1/apps/{}/webhooks", ROUTER_APP, .fn = webhooks_list },
	{ "GET", "/v1/apps/{}/webhooks/{}", ROUTER_APP, .fn = webhooks_get },
	{ "PATCH", "/v1/apps/{}/webhooks/{}", ROUTER_APP, ROUTER_JSON,
	    .fn = webhooks_update },
	{ "DELETE", "/v1/apps/{}/webhooks/{}", ROUTER_APP,
	    .fn = webhooks_delete },
	{ "GET", "/v1/apps/{}/webhooks/{}/secret", ROUTER_APP,
	    .fn = whsecret_get },
	{ "POST", "/v1/apps/{}/webhooks/{}/secret/rotate", ROUTER_APP,
	    ROUTER_JSON_OPT, .fn = whsecret_rotate },
	{ "POST", "/v1/apps/{}/webhooks/{}/test", ROUTER_APP,
	    .fn = whtest_send },
	{ "POST", "/v1/apps/{}/webhooks/{}/recover", ROUTER_APP, ROUTER_JSON,
	    .fn = whrecover_requeue },
	{ "POST", "/v1/events", ROUTER_ADMIN, ROUTER_JSON,
	    .cap = ROUTER_CAP_EVENT, .fn = events_create },
	{ "POST", "/v1/events/batch", ROUTER_ADMIN, ROUTER_JSON,
	    .cap = ROUTER_CAP_BATCH, .fn = batch_create },
	{ "GET", "/v1/apps/{}/deliveries", ROUTER_APP, .fn = deliveries_list },
	{ "GET", "/v1/apps/{}/deliveries/{}", ROUTER_APP,
	    .fn = deliveries_get },
	{ "POST", "/v1/apps/{}/deliveries/{}/retry", ROUTER_APP,
	    .fn = deliveries_retry },
};

#define ROUTER_N (sizeof(router_table) / sizeof(router_table[0]))

/*
 * 1 if path matches pattern; parameters ("{}" segments) go to param
 * (when not NULL).  A parameter is 1..STORE_ID_MAX bytes without '/'.
 */
static int
router_path_match(const char *pattern, const char *path,
    char param[][STORE_ID_MAX + 1])
{
	const char *p = pattern, *s = path, *e;
	size_t n, np = 0;

	while (*p != '\0') {
		if (p[0] == '{' && p[1] == '}') {
			e = strchr(s, '/');
			if (e == NULL)
				e = s + strlen(s);
			n = (size_t)(e - s);
			if (n == 0 || n > STORE_ID_MAX || np >= CALL_PARAMS)
				return 0;
			if (param != NULL) {
				memcpy(param[np], s, n);
				param[np][n] = '\0';
			}
			np++;
			s = e;
			p += 2;
		} else if (*p == *s) {
			p++;
			s++;
		} else
			return 0;
	}
	return *s == '\0';
}

const struct router_route *
router_match(const char *method, const char *path,
    char param[][STORE_ID_MAX + 1], char *allow, size_t allowlen)
{
	const char *api;
	size_t i, len = 0, k;

	if (allowlen > 0)
		allow[0] = '\0';
	api = path != NULL ? strstr(path, "/v1/") : NULL;
	if (api == NULL)
		return NULL;
	for (i = 0; i < ROUTER_N; i++) {
		/* param may be written by a pattern that then fails: the
		 * route returned has filled every one of its parameters. */
		if (!router_path_match(router_table[i].pattern, api, param))
			continue;
		if (strcmp(router_table[i].method, method) == 0) {
			if (allowlen > 0)
				allow[0] = '\0';
			return &router_table[i];
		}
		k = strlen(router_table[i].method);
		if (len + k + 3 < allowlen) {
			if (len > 0) {
				memcpy(allow + len, ", ", 2);
				len += 2;
			}
			memcpy(allow + len, router_table[i].method, k);
			len += k;
			allow[len] = '\0';
		}
	}
	return NULL;
}
