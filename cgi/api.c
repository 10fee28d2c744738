/* api.c - one request: route, store, auth, body, handler. */
#include <ctype.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "cgi/api.h"
#include "cgi/auth.h"
#include "cgi/catalog.h"
#include "cgi/handlers.h"
#include "cgi/jin.h"
#include "cgi/master.h"
#include "cgi/response.h"
#include "cgi/router.h"
#include "lib/id.h"
#include "lib/log.h"

/* One open at a time: the request threads share ctx->store. */
static pthread_mutex_t api_open_mu = PTHREAD_MUTEX_INITIALIZER;

static int
api_open_locked(struct api_ctx *ctx)
{
	struct store_opts o;
	char err[512];

	if (ctx->store != NULL)
		return 0;
	memset(&o, 0, sizeof(o));
	o.home = ctx->cfg->data_dir;
	o.nosync = ctx->cfg->nosync;
	o.key_file = ctx->cfg->encryption_key_file;
	o.repl = &ctx->cfg->repl;
	err[0] = '\0';
	if (store_open(&ctx->store, &o, err, sizeof(err)) != STORE_OK) {
		log_err("store_open %s: %s", ctx->cfg->data_dir, err);
		ctx->store = NULL;
		return -1;
	}
	return 0;
}

int
api_open_store(struct api_ctx *ctx)
{
	int rc;

	pthread_mutex_lock(&api_open_mu);
	rc = api_open_locked(ctx);
	pthread_mutex_unlock(&api_open_mu);
	return rc;
}

/* The body cap of route r (NULL: no route). */
static size_t
api_route_cap(const struct config *cfg, const struct router_route *r)
{
	if (r == NULL)
		return API_BODY_MAX;
	switch (r->cap) {
	case ROUTER_CAP_EVENT:
		return cfg->max_event_bytes;
	case ROUTER_CAP_BATCH:
		return cfg->max_batch_bytes;
	default:
		return API_BODY_MAX;
	}
}

size_t
api_body_cap(const struct api_ctx *ctx, const char *method, const char *path)
{
	char param[CALL_PARAMS][STORE_ID_MAX + 1];
	char allow[64];

	return api_route_cap(ctx->cfg, router_match(method, path, param, allow,
	    sizeof(allow)));
}

/* 1 if ct is application/json with no parameter but charset=utf-8. */
static int
api_json_type(const char *ct)
{
	const char *p;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	p = ct + 16;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 1;
	if (*p++ != ';')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "charset", 7) != 0)
		return 0;
	p += 7;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '=')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '"') {
		if (strncasecmp(p, "\"utf-8\"", 7) != 0)
			return 0;
		p += 7;
	} else {
		if (strncasecmp(p, "utf-8", 5) != 0)
			return 0;
		p += 5;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0';
}

/* 1 if the body holds only whitespace (or nothing). */
static int
api_body_blank(const struct api_request *req)
{
	size_t i;

	for (i = 0; i < req->body_len; i++)
		if (!isspace((unsigned char)req->body[i]))
			return 0;
	return 1;
}

/* Parse the body as the route asks.  0, or -1 with the answer written. */
static int
api_body(struct api_call *c, const struct router_route *r)
{
	const struct api_request *req = c->req;
	char err[256];

	if (req->body_too_large) {
		response_error(c->resp, 413, "payload_too_large",
		    "the body is larger than %zu bytes",
		    api_route_cap(c->cfg, r));
		return -1;
	}
	if (r->body == ROUTER_NOBODY)
		return 0;
	if (req->body_incomplete) {
		response_error(c->resp, 400, "incomplete_body",
		    "the body is shorter than its Content-Length");
		return -1;
	}
	if (r->body == ROUTER_JSON_OPT && api_body_blank(req))
		return 0;
	if (req->body_len == 0) {	/* not a JSON text, whatever its type */
		response_error(c->resp, 400, "invalid_json",
		    "empty body at byte 0");
		return -1;
	}
	if (!api_json_type(req->content_type)) {
		response_error(c->resp, 415, "unsupported_media_type",
		    "Content-Type must be application/json");
		return -1;
	}
	/* A batch's events sit 2 levels down ({"events":[EVENT]}): each may
	 * nest as deep as one posted alone. */
	if (jin_parse(req->body, req->body_len, API_JSON_DEPTH +
	    (r->cap == ROUTER_CAP_BATCH ? 2 : 0), &c->body, err,
	    sizeof(err)) == -1) {
		response_error(c->resp, 400, "invalid_json", "%s", err);
		return -1;
	}
	if (!json_object_is_type(c->body, json_type_object)) {
		response_error(c->resp, 422, "invalid_field",
		    "body: must be a JSON object");
		return -1;
	}
	return 0;
}

/* Path parameters: {app} then {wh} or {dlv}; a malformed id is a 404. */
static int
api_params(struct api_call *c, const struct router_route *r)
{
	if (strncmp(r->pattern, "/v1/apps/", 9) != 0)
		return 0;	/* no id parameter ({type} is not an id) */
	if (!id_valid("app", c->param[0])) {
		call_not_found(c, "app");
		return -1;
	}
	if (strstr(r->pattern, "/webhooks/{}") != NULL &&
	    !id_valid("wh", c->param[1])) {
		call_not_found(c, "webhook");
		return -1;
	}
	if (strstr(r->pattern, "/deliveries/{}") != NULL &&
	    !id_valid("dlv", c->param[1])) {
		call_not_found(c, "delivery");
		return -1;
	}
	return 0;
}

int
api_handle(struct api_ctx *ctx, const struct api_request *req,
    struct api_response *resp)
{
	const struct router_route *r;
	struct api_call c;

	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.cfg = ctx->cfg;
	c.req = req;
	c.resp = resp;
	response_reset(resp);
	if (req->method == NULL || req->path == NULL) {
		response_error(resp, 400, "bad_request", "no method or path");
		return 0;
	}
	r = router_match(req->method, req->path, c.param, resp->allow,
	    sizeof(resp->allow));
	if (r == NULL) {
		if (resp->allow[0] != '\0')
			response_error(resp, 405, "method_not_allowed",
			    "%s is not allowed here; allowed: %s", req->method,
			    resp->allow);
		else
			response_error(resp, 404, "not_found",
			    "no such endpoint");
		return 0;
	}
	/* A catalog that did not load (a bad event_schemas_dir file, logged
	 * at start): nothing can be checked against it. */
	if (!catalog_ok(ctx->cfg)) {
		response_error(resp, 503, "catalog_unavailable", "the event "
		    "catalog could not be loaded; see the server's log");
		return 0;
	}
	/* a replicated site that is not the master: 307 or 503 no_master
	 * before anything is read (cgi/master.c) */
	if (master_gate(&c) == -1)
		return 0;
	if (r->fn != catalog_list && r->fn != catalog_get &&
	    api_open_store(ctx) == -1) {
		response_error(resp, 503, "storage_unavailable",
		    "storage is unavailable; try again later");
		return 0;
	}
	if (auth_check(&c, r) == -1)
		goto done;
	if (api_params(&c, r) == -1 || api_body(&c, r) == -1)
		goto done;
	r->fn(&c);
done:
	json_object_put(c.body);	/* NULL when a handler took it over */
	return c.taken;
}
