/* auth.c - bearer tokens: admin or application key. */
#include <string.h>
#include <strings.h>

#include "cgi/auth.h"
#include "cgi/response.h"
#include "lib/id.h"
#include "lib/log.h"
#include "lib/sign.h"

#define AUTH_TOKEN_MAX 512

struct auth_lookup {
	unsigned char hash[32];
	struct store_app app;
};

static int
auth_lookup_txn(struct store_txn *t, void *arg)
{
	struct auth_lookup *l = arg;

	return store_app_by_key(t, l->hash, &l->app);
}

/* The token of "Bearer TOKEN" into tok; -1 when absent or malformed. */
static int
auth_token(const char *h, char *tok, size_t toklen)
{
	size_t n;

	if (h == NULL || strncasecmp(h, "Bearer", 6) != 0 ||
	    (h[6] != ' ' && h[6] != '\t'))
		return -1;
	h += 6;
	while (*h == ' ' || *h == '\t')
		h++;
	n = strlen(h);
	while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= toklen)
		return -1;
	memcpy(tok, h, n);
	tok[n] = '\0';
	return 0;
}

static int
auth_unauthorized(struct api_call *c, const char *msg)
{
	response_error(c->resp, 401, "unauthorized", "%s", msg);
	c->resp->www_authenticate = 1;
	return -1;
}

int
auth_check(struct api_call *c, const struct router_route *r)
{
	struct auth_lookup l;
	char tok[AUTH_TOKEN_MAX], err[256];
	int rc;

	c->admin = 0;
	memset(&c->key_app, 0, sizeof(c->key_app));
	if (r->auth == ROUTER_ANYONE)
		return 0;
	if (auth_token(c->req->authorization, tok, sizeof(tok)) == -1)
		return auth_unauthorized(c,
		    "an Authorization: Bearer token is required");
	if (c->cfg->admin_token[0] != '\0' &&
	    sign_equal(tok, c->cfg->admin_token)) {
		c->admin = 1;
		return 0;
	}
	if (id_body(tok, SIGN_KEY_KIND) == NULL)
		return auth_unauthorized(c, "invalid token");
	sign_sha256(tok, strlen(tok), l.hash);
	err[0] = '\0';
	rc = store_txn(c->ctx->store, STORE_RDONLY, auth_lookup_txn, &l, err,
	    sizeof(err));
	if (rc == STORE_NOTFOUND)
		return auth_unauthorized(c, "invalid token");
	if (rc != STORE_OK) {
		log_err("auth: storage: %s", err);
		response_error(c->resp, 503, "storage_unavailable",
		    "storage is unavailable; try again later");
		return -1;
	}
	c->key_app = l.app;
	if (r->auth == ROUTER_ADMIN) {
		response_error(c->resp, 403, "forbidden",
		    "this endpoint needs the admin token");
		return -1;
	}
	/* ROUTER_APP: only the key's own application exists for it. */
	if (strcmp(c->param[0], c->key_app.id) != 0) {
		call_not_found(c, "app");
		return -1;
	}
	return 0;
}
