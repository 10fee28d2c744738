/* router.c - the route table and path matching. */
#include <string.h>

#include "cgi/handlers.h"
#include "cgi/router.h"

static const struct router_route router_table[] = {
	{ "GET", "/v1/health", ROUTER_ANYONE, ROUTER_NOBODY, 0, catalog_health },
	{ "GET", "/v1/event-types", ROUTER_ANYONE, ROUTER_NOBODY, 0, catalog_list },
	{ "GET", "/v1/event-types/{}", ROUTER_ANYONE, ROUTER_NOBODY, 0,
	    catalog_get },
	{ "POST", "/v1/apps", ROUTER_ADMIN, ROUTER_JSON, 0, apps_create },
	{ "GET", "/v1/apps", ROUTER_ADMIN, ROUTER_NOBODY, 0, apps_list },
	{ "GET", "/v1/apps/{}", ROUTER_APP, ROUTER_NOBODY, 0, apps_get },
	{ "DELETE", "/v1/apps/{}", ROUTER_ADMIN, ROUTER_NOBODY, 0, apps_delete },
	{ "POST", "/v1/apps/{}/keys", ROUTER_APP, ROUTER_NOBODY, 0,
	    apps_rotate_key },
	{ "POST", "/v1/apps/{}/webhooks", ROUTER_APP, ROUTER_JSON, 0,
	    webhooks_create },
	{ "GET", "/v1/apps/{}/webhooks", ROUTER_APP, ROUTER_NOBODY, 0,
	    webhooks_list },
	{ "GET", "/v1/apps/{}/webhooks/{}", ROUTER_APP, ROUTER_NOBODY, 0,
	    webhooks_get },
	{ "PATCH", "/v1/apps/{}/webhooks/{}", ROUTER_APP, ROUTER_JSON, 0,
	    webhooks_update },
	{ "DELETE", "/v1/apps/{}/webhooks/{}", ROUTER_APP, ROUTER_NOBODY, 0,
	    webhooks_delete },
	{ "GET", "/v1/apps/{}/webhooks/{}/secret", ROUTER_APP, ROUTER_NOBODY, 0,
	    webhooks_secret },
	{ "POST", "/v1/apps/{}/webhooks/{}/secret/rotate", ROUTER_APP,
	    ROUTER_JSON_OPT, 0, webhooks_rotate_secret },
	{ "POST", "/v1/apps/{}/webhooks/{}/test", ROUTER_APP, ROUTER_NOBODY, 0,
	    webhooks_test },
	{ "POST", "/v1/apps/{}/webhooks/{}/recover", ROUTER_APP, ROUTER_JSON, 0,
	    webhooks_recover },
	{ "POST", "/v1/events", ROUTER_ADMIN, ROUTER_JSON, 1, events_create },
	{ "GET", "/v1/apps/{}/deliveries", ROUTER_APP, ROUTER_NOBODY, 0,
	    deliveries_list },
	{ "GET", "/v1/apps/{}/deliveries/{}", ROUTER_APP, ROUTER_NOBODY, 0,
	    deliveries_get },
	{ "POST", "/v1/apps/{}/deliveries/{}/retry", ROUTER_APP, ROUTER_NOBODY,
	    0, deliveries_retry },
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
