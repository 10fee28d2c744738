/*
 * router.h - which handler serves a method and path.
 *
 * Routing uses the request path from its first "/v1/" (the API answers at
 * /v1/... of the server root whatever SCRIPT_NAME/PATH_INFO split the
 * server makes).  Path parameters are single segments of 1..STORE_ID_MAX
 * bytes; the handler checks their id format (a bad one is a 404).
 */
#ifndef HOOKD_CGI_ROUTER_H
#define HOOKD_CGI_ROUTER_H

#include <stddef.h>

#include "cgi/call.h"

enum router_auth {
	ROUTER_ANYONE,		/* no token needed */
	ROUTER_ADMIN,		/* admin token only (an app key: 403) */
	ROUTER_APP,		/* admin, or the key of the {app} in the path */
};

enum router_body {
	ROUTER_NOBODY,		/* any body is ignored */
	ROUTER_JSON,		/* a JSON object is required */
	ROUTER_JSON_OPT,	/* empty, or a JSON object */
};

/* The cap on a route's body: the reader refuses more (413). */
enum router_cap {
	ROUTER_CAP_API,		/* API_BODY_MAX */
	ROUTER_CAP_EVENT,	/* max_event_bytes */
	ROUTER_CAP_BATCH,	/* max_batch_bytes; its events nest 2 deeper */
};

typedef void (*router_fn)(struct api_call *c);

struct router_route {
	const char *method;
	const char *pattern;	/* "/v1/apps/{app}/webhooks/{wh}" */
	enum router_auth auth;
	enum router_body body;
	enum router_cap cap;
	router_fn fn;
};

/*
 * Find the route of method + path.  On a match, returns it with the path
 * parameters copied into param.  NULL when nothing matches: allow then
 * holds the methods of the path ("GET, PATCH") if the path is known (405),
 * else "" (404).
 */
const struct router_route *router_match(const char *method, const char *path,
    char param[][STORE_ID_MAX + 1], char *allow, size_t allowlen);

#endif
