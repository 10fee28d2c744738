/*
 * auth.h - who is calling: the admin token (constant-time compare) or an
 * application key (hk_..., looked up by its SHA-256), and whether that
 * caller may use a route.
 */
#ifndef HOOKD_CGI_AUTH_H
#define HOOKD_CGI_AUTH_H

#include "cgi/call.h"
#include "cgi/router.h"

/*
 * Fill c->admin / c->key_app from the Authorization header and check the
 * route's rule.  0 when allowed; else -1 with the answer written: 401 (no
 * or bad token, with WWW-Authenticate), 403 (admin-only route, app key),
 * 404 (an app key on another app's path), 503 (store unusable).
 */
int auth_check(struct api_call *c, const struct router_route *r);

#endif
