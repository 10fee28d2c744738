/*
 * whtest.c - the test endpoint: a webhook.test event of the app, with its
 * envelope (envelope.c), stored through intake (intake.c) with one
 * delivery, to the webhook of the path whatever its filter.
 */
#include <string.h>

#include "cgi/apps.h"
#include "cgi/catalog.h"
#include "lib/envelope.h"
#include "cgi/intake.h"
#include "cgi/jout.h"
#include "cgi/response.h"
#include "cgi/whtest.h"
#include "lib/id.h"
#include "lib/timefmt.h"

#define WHTEST_MESSAGE "This is a test event sent by hookd."

struct whtest_app {
	struct api_call *c;
	struct store_app app;
};

static int
whtest_app_txn(struct store_txn *t, void *arg)
{
	struct whtest_app *a = arg;

	return apps_load(t, a->c, &a->app);
}

/* The envelope of the test event into env.  0, or -1 with the answer
 * written. */
static int
whtest_envelope(struct api_call *c, const struct store_event *ev,
    struct buf *env)
{
	struct json_object *data = json_object_new_object();
	int rc;

	json_object_object_add(data, "webhook_id", jout_str(c->param[1], 0));
	json_object_object_add(data, "message",
	    json_object_new_string(WHTEST_MESSAGE));
	rc = envelope_build(env, ev->id, ev->type, ev->created_at, ev->org_id,
	    ev->app_id, NULL, data);
	json_object_put(data);
	if (rc == -1)
		response_error(c->resp, 503, "out_of_memory", "out of memory");
	return rc;
}

void
whtest_send(struct api_call *c)
{
	struct whtest_app a;
	struct intake in;
	struct json_object *j;
	struct buf env;

	buf_init(&env, c->cfg->max_event_bytes);
	intake_init(&in);
	memset(&a, 0, sizeof(a));
	a.c = c;
	/* The org comes from the app (read first; the app id is immutable). */
	if (call_txn(c, STORE_RDONLY, whtest_app_txn, &a) != 0)
		goto out;
	if (id_new("evt", in.ev.id, sizeof(in.ev.id)) == -1) {
		response_error(c->resp, 503, "no_entropy",
		    "could not make an id");
		goto out;
	}
	memcpy(in.ev.type, CATALOG_TEST_TYPE, sizeof(CATALOG_TEST_TYPE));
	memcpy(in.ev.org_id, a.app.org_id, sizeof(in.ev.org_id));
	memcpy(in.ev.app_id, a.app.id, sizeof(in.ev.app_id));
	in.ev.created_at = timefmt_now_ms();
	if (whtest_envelope(c, &in.ev, &env) == -1)
		goto out;
	in.ev.body = env.data;
	in.ev.body_len = env.len;
	in.webhook_id = c->param[1];
	if (intake_store(c, &in) != 0)
		goto out;
	j = json_object_new_object();
	json_object_object_add(j, "id", jout_str(in.ev.id, 0));
	json_object_object_add(j, "deliveries", jout_int(in.deliveries));
	json_object_object_add(j, "delivery_id", jout_str(in.delivery_id, 0));
	response_json(c->resp, 202, j);
out:
	intake_free(&in);
	buf_free(&env);
}
