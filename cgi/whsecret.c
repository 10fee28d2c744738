/*
 * whsecret.c - a webhook's signing secret: read it, rotate it (the old one
 * keeps signing for a day), and the "secret" field of create and rotate.
 */
#include <string.h>

#include "cgi/jin.h"
#include "cgi/jout.h"
#include "cgi/response.h"
#include "cgi/webhooks.h"
#include "cgi/whsecret.h"
#include "lib/sign.h"
#include "lib/timefmt.h"

#define WHSECRET_BYTES 32			/* generated secrets */
#define WHSECRET_PREV_MS (24LL * 3600 * 1000)	/* old secret still signs */

struct whsecret_op {
	struct api_call *c;
	struct store_webhook w;		/* get: the webhook as stored */
	char secret[SIGN_SECRET_MAX];	/* rotate: the new secret */
};

int
whsecret_arg(struct api_call *c, char *out, size_t outlen)
{
	const char *secret = NULL;
	char err[256];

	if (c->body != NULL && jin_str(c->body, "secret", 0, 1,
	    STORE_SECRET_MAX, &secret, err, sizeof(err)) == -1) {
		call_invalid(c, err);
		return -1;
	}
	if (secret != NULL && !sign_secret_valid(secret)) {
		call_invalid(c, "secret: must be \"whsec_\" + base64 of 24 to "
		    "64 bytes");
		return -1;
	}
	if (secret != NULL) {
		if (strlen(secret) >= outlen) {
			call_invalid(c, "secret: too long");
			return -1;
		}
		memcpy(out, secret, strlen(secret) + 1);
	} else if (sign_new_secret(WHSECRET_BYTES, out, outlen) == -1) {
		response_error(c->resp, 503, "no_entropy",
		    "could not make a secret");
		return -1;
	}
	return 0;
}

/* {"secret": s} */
static void
whsecret_answer(struct api_call *c, const char *s)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "secret", jout_str(s, 0));
	response_json(c->resp, 200, j);
}

/* ---- get --------------------------------------------------------------- */
static int
whsecret_get_txn(struct store_txn *t, void *arg)
{
	struct whsecret_op *o = arg;

	return webhooks_load(t, o->c, o->c->param[0], o->c->param[1], &o->w);
}

void
whsecret_get(struct api_call *c)
{
	struct whsecret_op o;

	memset(&o, 0, sizeof(o));
	o.c = c;
	if (call_txn(c, STORE_RDONLY, whsecret_get_txn, &o) == 0)
		whsecret_answer(c, o.w.secret);
	explicit_bzero(&o, sizeof(o));
}

/* ---- rotate ------------------------------------------------------------ */
static int
whsecret_rotate_txn(struct store_txn *t, void *arg)
{
	struct whsecret_op *o = arg;
	struct store_webhook *w = &o->w;
	int64_t now = timefmt_now_ms();
	int rc;

	if ((rc = webhooks_load(t, o->c, o->c->param[0], o->c->param[1],
	    w)) != STORE_OK)
		return rc;
	if (strcmp(w->secret, o->secret) == 0)
		return call_fail(o->c, 409, "secret_unchanged",
		    "secret: the new secret is the current one");
	memcpy(w->prev_secret, w->secret, sizeof(w->prev_secret));
	w->prev_secret_until = now + WHSECRET_PREV_MS;
	memcpy(w->secret, o->secret, strlen(o->secret) + 1);
	w->updated_at = now;
	return store_webhook_put(t, w, 0);
}

void
whsecret_rotate(struct api_call *c)
{
	static const char *const fields[] = { "secret", NULL };
	struct whsecret_op o;
	char err[256];

	memset(&o, 0, sizeof(o));
	o.c = c;
	if (c->body != NULL &&
	    jin_only(c->body, fields, err, sizeof(err)) == -1) {
		call_invalid(c, err);
		goto out;
	}
	if (whsecret_arg(c, o.secret, sizeof(o.secret)) == -1)
		goto out;
	if (call_txn(c, 0, whsecret_rotate_txn, &o) != 0)
		goto out;
	whsecret_answer(c, o.secret);
out:
	explicit_bzero(&o, sizeof(o));
}
