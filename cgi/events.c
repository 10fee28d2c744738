/* events.c - POST /v1/events: validate the body (events_parse, also
 * the batch's check of each event), build the envelope (envelope.c) and
 * store the event with its fan-out (intake.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/catalog.h"
#include "lib/envelope.h"
#include "cgi/events.h"
#include "cgi/handlers.h"
#include "cgi/intake.h"
#include "cgi/master.h"
#include "cgi/jin.h"
#include "cgi/response.h"
#include "lib/id.h"
#include "lib/log.h"
#include "lib/timefmt.h"

#define EVENTS_USER_MAX STORE_NAME_MAX

/* 1 if s is 1..64 bytes of A-Za-z0-9_- (an idempotency key). */
static int
events_id_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char ch = s[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return 0;
	}
	return n >= 1 && n <= STORE_ID_MAX;
}

int
events_parse(struct api_call *c, struct intake *in, struct buf *env)
{
	/* the fields; f[F_x] the value of fields[F_x] */
	static const char *const fields[] = { "id", "type", "org_id",
	    "app_id", "user_id", "occurred_at", "data", NULL };
	enum { F_ID, F_TYPE, F_ORG, F_APP, F_USER, F_AT, F_DATA, F_N };
	struct json_object *f[F_N];
	const char *id, *type, *org, *app, *user;
	struct json_object *data;
	int64_t ts;
	int present;
	char err[256];

	/* one pass over the members (jin_fields), then each check in the
	 * order the field getters made them */
	if (jin_fields(c->body, fields, f, err, sizeof(err)) == -1 ||
	    jin_field_str(f[F_ID], "id", 0, 1, STORE_ID_MAX, &id, err,
	    sizeof(err)) == -1 ||
	    jin_field_str(f[F_TYPE], "type", 1, 1, STORE_TYPE_MAX, &type, err,
	    sizeof(err)) == -1 ||
	    jin_field_str(f[F_ORG], "org_id", 1, 1, STORE_ORG_MAX, &org, err,
	    sizeof(err)) == -1 ||
	    jin_field_str(f[F_APP], "app_id", 0, 1, STORE_ID_MAX, &app, err,
	    sizeof(err)) == -1 ||
	    jin_field_str(f[F_USER], "user_id", 0, 1, EVENTS_USER_MAX, &user,
	    err, sizeof(err)) == -1 ||
	    jin_field_time(f[F_AT], "occurred_at", 0, &ts, &present, err,
	    sizeof(err)) == -1) {
		call_invalid(c, err);
		return -1;
	}
	if (id != NULL && !events_id_ok(id)) {
		call_invalid(c, "id: must be 1 to 64 characters of "
		    "A-Z a-z 0-9 _ -");
		return -1;
	}
	if (strcmp(type, CATALOG_TEST_TYPE) == 0) {
		call_invalid(c, "type: webhook.test is sent only by "
		    "POST /v1/apps/{app}/webhooks/{wh}/test");
		return -1;
	}
	if (store_type_operational(type)) {
		call_invalid(c, "type: hookd.* events are sent only by hookd "
		    "itself");
		return -1;
	}
	if (!catalog_has(c->cfg, type)) {
		response_error(c->resp, 422, "invalid_field",
		    "type: \"%.128s\" is not in the event catalog", type);
		return -1;
	}
	if (!jin_printable(org)) {
		call_invalid(c, "org_id: must not contain control characters");
		return -1;
	}
	if (app != NULL && !id_valid("app", app)) {
		call_invalid(c, "app_id: no such app in org_id");
		return -1;
	}
	if ((data = f[F_DATA]) == NULL) {	/* absent (null: jin_fields) */
		call_invalid(c, "data: required");
		return -1;
	}
	if (!json_object_is_type(data, json_type_object)) {
		call_invalid(c, "data: must be a JSON object");
		return -1;
	}
	if (jin_ints_exact(data) == -1) {
		call_invalid(c, "data: an integer is beyond 64 bits; send it "
		    "as a string");
		return -1;
	}
	if (catalog_intake_check(c, type, data) == -1)
		return -1;
	in->given_id = id != NULL;
	if (id != NULL) {
		if (call_copy(c, "id", in->ev.id, sizeof(in->ev.id), id) == -1)
			return -1;
	} else if (id_new("evt", in->ev.id, sizeof(in->ev.id)) == -1) {
		response_error(c->resp, 503, "no_entropy",
		    "could not make an id");
		return -1;
	}
	in->ev.id_fresh = id == NULL;	/* ours: the put may skip its read */
	if (call_copy(c, "type", in->ev.type, sizeof(in->ev.type),
	    type) == -1 ||
	    call_copy(c, "org_id", in->ev.org_id, sizeof(in->ev.org_id),
	    org) == -1 ||
	    (app != NULL && call_copy(c, "app_id", in->ev.app_id,
	    sizeof(in->ev.app_id), app) == -1))
		return -1;
	if (in->ev.created_at == 0)	/* else the caller's (a batch's) */
		in->ev.created_at = timefmt_now_ms();
	if (!present)
		ts = in->ev.created_at;
	if (envelope_build(env, in->ev.id, type, ts, org, app, user,
	    data) == -1) {
		response_error(c->resp, 413, "payload_too_large",
		    "the event is larger than max_event_bytes");
		return -1;
	}
	in->ev.body = env->data;
	in->ev.body_len = env->len;
	in->user_id = user;
	/* the record now, on this thread, not in the committer's serial
	 * section (a failure leaves it to the put, which says why) */
	(void)store_event_encode(&in->ev);
	return 0;
}

/* {"id":"ID","deliveries":N} into out (id needs no escaping). */
static int
events_answer(struct buf *out, const char *id, uint32_t n)
{
	return buf_adds(out, "{\"id\":\"") == 0 && buf_adds(out, id) == 0 &&
	    buf_adds(out, "\",\"deliveries\":") == 0 &&
	    buf_add_u64(out, n) == 0 &&
	    buf_add(out, "}", 1) == 0 ? 0 : -1;
}

/* Room the answer of a stored event needs, {"id":ID,"deliveries":N}
 * (ID up to 64, N up to 10 digits), reserved before the commit.  Small:
 * a request of 1 KiB or more makes glibc consolidate its fast bins (1.8 %
 * of the process in a profile).  An error answer may still allocate. */
#define EVENTS_ANSWER_ROOM 160

/* A single event and what its answer needs: handed over to the
 * committer whole when the transport answers later (events_done). */
struct events_call {
	struct api_call c;	/* the call's copy, once handed over */
	struct intake in;
	struct buf env;		/* the envelope: in.ev.body */
};

static void
events_call_free(struct events_call *w)
{
	intake_free(&w->in);
	buf_free(&w->env);
	free(w);
}

/* The answer of event in into c->resp, rc being intake_store's result
 * (-1: the error answer is written already). */
static void
events_stored(struct api_call *c, struct intake *in, int rc)
{
	if (rc == -1)
		return;
	/* replicated: a repeat answers 200 only if the group holds it */
	if (rc == INTAKE_DUP && master_durable(c) == -1)
		return;
	/* {"id":ID,"deliveries":N} written directly into the reserved
	 * memory: the id is 1..64 of A-Z a-z 0-9 _ - (checked in
	 * events_parse or made by id_new), so it needs no escaping. */
	response_reset(c->resp);
	c->resp->status = rc == INTAKE_DUP ? 200 : 202;
	if (events_answer(&c->resp->body, in->ev.id, in->deliveries) == -1)
		response_error(c->resp, 500, "internal_error",
		    "the answer could not be built");	/* cannot happen */
}

/* The committer's call once a handed-over event is stored or failed
 * (on its thread): its answer, then the transport's answer call. */
static void
events_done(struct commit_job *j)
{
	struct intake *in = intake_of(j);
	struct events_call *w = (struct events_call *)((char *)in -
	    offsetof(struct events_call, in));
	const struct api_request *req = w->c.req;

	events_stored(&w->c, in, intake_result(in));
	events_call_free(w);
	req->answer(req->answer_u);
}

void
events_create(struct api_call *c)
{
	struct events_call *w;

	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		response_error(c->resp, 503, "out_of_memory", "out of memory");
		return;
	}
	/* The envelope adds ~200 bytes and escapes to what came in. */
	buf_init(&w->env, EVENTS_ENVELOPE_CAP(c->cfg));
	intake_init(&w->in);
	if (events_parse(c, &w->in, &w->env) == -1)
		goto out;
	/* Once the event is stored, building its answer must not fail:
	 * the memory is taken now, while a failure still stores nothing. */
	response_reset(c->resp);
	if (buf_reserve(&c->resp->body, EVENTS_ANSWER_ROOM) == -1) {
		response_error(c->resp, 503, "out_of_memory", "out of memory");
		goto out;
	}
	/*
	 * Handed over (call_can_defer): the committer answers the event
	 * once its group is committed (and flushed, sync), and this thread
	 * goes back to accept - a wake-up less per request.
	 */
	if (call_can_defer(c)) {
		if (intake_keep_user(&w->in) == -1) {
			response_error(c->resp, 503, "out_of_memory",
			    "out of memory");
			goto out;
		}
		json_object_put(c->body);	/* here, not on the committer */
		c->body = NULL;
		c->taken = 1;
		w->c = *c;
		intake_defer(&w->c, &w->in, events_done);
		return;			/* w is the committer's */
	}
	events_stored(c, &w->in, intake_store(c, &w->in));
out:
	events_call_free(w);
}
