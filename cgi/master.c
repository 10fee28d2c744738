/*
 * master.c - writes on a replicated site (contract in master.h).
 *
 * A 307 keeps method and body; the Location is the master's public_url
 * followed by this request's path from its "/v1/" on and its query, so
 * the writer repeats the same call there.  Never a 307 to a master that
 * is not live: hookd-repl publishes "client" only while the master's
 * connection is up, and its file goes stale within REPLSTATE_STALE_MS of
 * its death.
 */
#include <stdio.h>
#include <string.h>

#include "cgi/master.h"
#include "cgi/response.h"
#include "lib/replstate.h"
#include "lib/timefmt.h"

int
master_writes(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

static void
master_no_master(struct api_call *c)
{
	response_error(c->resp, 503, "no_master", "no master is known to "
	    "this site now (start-up or an election); try again shortly");
	c->resp->retry_after = 1;
}

/* Answer a write on a site that is not the master, as st says. */
static void
master_send_away(struct api_call *c, const struct replstate *st)
{
	const char *v1 = strstr(c->req->path, "/v1/");
	const char *q = c->req->query;
	int n;

	if (q != NULL && q[0] == '\0')
		q = NULL;	/* the server sets QUERY_STRING="" without '?' */

	if (st->role != REPLSTATE_CLIENT || st->master_url[0] == '\0' ||
	    v1 == NULL) {
		master_no_master(c);
		return;
	}
	response_error(c->resp, 307, "not_master", "this site is a replica; "
	    "repeat the request at the master: %s", st->master_url);
	n = snprintf(c->resp->location, sizeof(c->resp->location),
	    "%s%s%s%s", st->master_url, v1, q != NULL ? "?" : "",
	    q != NULL ? q : "");
	if (n < 0 || (size_t)n >= sizeof(c->resp->location)) {
		c->resp->location[0] = '\0';
		response_error(c->resp, 414, "uri_too_long", "the request is "
		    "too long to send to the master");
	}
}

int
master_gate(struct api_call *c)
{
	struct replstate st;

	if (!c->cfg->repl.enabled || !master_writes(c->req->method))
		return 0;
	replstate_read(c->cfg->data_dir, timefmt_now_ms(), &st);
	if (st.role == REPLSTATE_MASTER)
		return 0;
	master_send_away(c, &st);
	return -1;
}

void
master_redirect(struct api_call *c)
{
	struct replstate st;

	replstate_read(c->cfg->data_dir, timefmt_now_ms(), &st);
	if (st.role == REPLSTATE_MASTER)
		st.role = REPLSTATE_NONE;	/* not what the store says */
	master_send_away(c, &st);
}

void
master_health(const struct api_call *c, struct json_object *o)
{
	struct replstate st;

	if (!c->cfg->repl.enabled)
		return;		/* a site of its own: the answer as always */
	replstate_read(c->cfg->data_dir, timefmt_now_ms(), &st);
	json_object_object_add(o, "role",
	    json_object_new_string(replstate_role_name(st.role)));
	json_object_object_add(o, "master", st.master_url[0] != '\0' ?
	    json_object_new_string(st.master_url) : NULL);
}
