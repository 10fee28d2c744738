/*
 * batch.c - POST /v1/events/batch: {"events": [EVENT, ...]}, 1 to
 * BATCH_MAX events, each checked exactly as POST /v1/events checks one
 * (events_parse) and all the valid ones stored in one transaction
 * (intake_store_batch: one commit, one log flush, one wake).  The answer
 * is 200 with one result per event, in request order:
 *
 *   {"id":ID,"status":202|200,"deliveries":N}   stored, or already stored
 *   {"index":I,"status":422,"error":{...}}      refused, nothing written
 *
 * A body not of that shape is refused as a whole (422), as is a storage
 * failure (503): then nothing of the batch is stored.
 */
#include <stdlib.h>
#include <string.h>

#include "cgi/events.h"
#include "cgi/handlers.h"
#include "cgi/intake.h"
#include "cgi/master.h"
#include "cgi/jin.h"
#include "cgi/response.h"
#include "lib/buf.h"

#define BATCH_MAX 1000		/* events per request */

struct batch_item {
	struct intake in;
	struct buf env;		/* the envelope in.ev.body borrows */
	int status;		/* 202, 200 or 422 */
	char *error;		/* 422: the error object as JSON; heap */
};

/* Refuse item it with the error {code, message}.  0, or -1 (memory). */
static int
batch_refuse(struct batch_item *it, const char *code, const char *msg)
{
	struct json_object *e;
	const char *s;
	int rc = -1;

	it->status = 422;
	if ((e = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	s = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s != NULL && (it->error = strdup(s)) != NULL)
		rc = 0;
	json_object_put(e);
	return rc;
}

/*
 * Refuse it with the error answer events_parse wrote into r (an
 * {"error":{code,message}} object).  0, or -1 (memory).
 */
static int
batch_refuse_answer(struct batch_item *it, const struct api_response *r)
{
	struct json_object *o, *e, *code, *msg;
	int rc;

	o = json_tokener_parse(r->body.data != NULL ? r->body.data : "");
	if (o == NULL || !json_object_object_get_ex(o, "error", &e) ||
	    !json_object_object_get_ex(e, "code", &code) ||
	    !json_object_object_get_ex(e, "message", &msg))
		rc = batch_refuse(it, "invalid_field", "invalid event");
	else
		rc = batch_refuse(it, json_object_get_string(code),
		    json_object_get_string(msg));
	json_object_put(o);
	return rc;
}

/* The events array of the body, 1..BATCH_MAX objects.  0, or -1 with
 * the answer (422) written. */
static int
batch_shape(struct api_call *c, struct json_object **out, size_t *n)
{
	static const char *const fields[] = { "events", NULL };
	struct json_object *a;
	char err[256];
	size_t i;

	if (jin_only(c->body, fields, err, sizeof(err)) == -1) {
		call_invalid(c, err);
		return -1;
	}
	if (!json_object_object_get_ex(c->body, "events", &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) < 1 ||
	    json_object_array_length(a) > BATCH_MAX) {
		response_error(c->resp, 422, "invalid_field", "events: must be "
		    "an array of 1 to %d events", BATCH_MAX);
		return -1;
	}
	*n = json_object_array_length(a);
	for (i = 0; i < *n; i++)
		if (!json_object_is_type(json_object_array_get_idx(a, i),
		    json_type_object)) {
			response_error(c->resp, 422, "invalid_field",
			    "events[%zu]: must be a JSON object", i);
			return -1;
		}
	*out = a;
	return 0;
}

/* The answer {"data":[...]} into out.  0, or -1 (memory, cap).  Ids
 * need no escaping (1..64 of A-Z a-z 0-9 _ -, events_parse). */
static int
batch_answer(struct buf *out, const struct batch_item *items, size_t n)
{
	const struct batch_item *it;
	size_t i;

	if (buf_adds(out, "{\"data\":[") == -1)
		return -1;
	for (i = 0; i < n; i++) {
		it = &items[i];
		if (i > 0 && buf_add(out, ",", 1) == -1)
			return -1;
		if (it->status == 422) {
			if (buf_adds(out, "{\"index\":") == -1 ||
			    buf_add_u64(out, i) == -1 ||
			    buf_adds(out, ",\"status\":422,\"error\":") == -1 ||
			    buf_adds(out, it->error) == -1 ||
			    buf_add(out, "}", 1) == -1)
				return -1;
			continue;
		}
		if (buf_adds(out, "{\"id\":\"") == -1 ||
		    buf_adds(out, it->in.ev.id) == -1 ||
		    buf_adds(out, "\",\"status\":") == -1 ||
		    buf_add_u64(out, (uint64_t)it->status) == -1 ||
		    buf_adds(out, ",\"deliveries\":") == -1 ||
		    buf_add_u64(out, it->in.deliveries) == -1 ||
		    buf_add(out, "}", 1) == -1)
			return -1;
	}
	return buf_adds(out, "]}");
}

void
batch_create(struct api_call *c)
{
	struct batch_item *items = NULL, *it;
	struct intake **v = NULL;
	struct json_object *a;
	struct api_response scratch;
	struct api_call ec;
	struct buf ans;
	size_t n = 0, i, nv = 0;

	response_init(&scratch);
	buf_init(&ans, API_RESPONSE_MAX);
	if (batch_shape(c, &a, &n) == -1)
		goto out;
	items = calloc(n, sizeof(*items));
	v = calloc(n, sizeof(struct intake *));
	if (items == NULL || v == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		intake_init(&items[i].in);
		buf_init(&items[i].env, EVENTS_ENVELOPE_CAP(c->cfg));
	}
	/* Each event through the single event's check, its answer caught in
	 * scratch: a refusal there is this event's result. */
	ec = *c;
	ec.resp = &scratch;
	for (i = 0; i < n; i++) {
		it = &items[i];
		ec.body = json_object_array_get_idx(a, i);
		response_reset(&scratch);
		if (events_parse(&ec, &it->in, &it->env) == 0) {
			v[nv++] = &it->in;
			continue;
		}
		if (scratch.status != 422 && scratch.status != 413) {
			/* not the event's fault (503): the batch's answer */
			response_raw(c->resp, scratch.status, scratch.body.data,
			    scratch.body.len);
			goto out;
		}
		if (batch_refuse_answer(it, &scratch) == -1)
			goto nomem;
	}
	if (nv > 0 && intake_store_batch(c, v, nv) == -1)
		goto out;	/* answered; nothing stored */
	/* replicated: repeats answer 200 only if the group holds them */
	for (i = 0; i < nv && v[i]->result != INTAKE_DUP; i++)
		;
	if (i < nv && master_durable(c) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		it = &items[i];
		if (it->status == 422)
			continue;
		if (it->in.result == 0)
			it->status = 202;
		else if (it->in.result == INTAKE_DUP)
			it->status = 200;
		else if (batch_refuse(it, it->in.ecode != NULL ?
		    it->in.ecode : "invalid_field", it->in.emsg) == -1)
			goto nomem;
	}
	if (batch_answer(&ans, items, n) == -1) {
		response_error(c->resp, 500, "internal_error",
		    "the answer could not be built");
		goto out;
	}
	response_raw(c->resp, 200, ans.data, ans.len);
	goto out;
nomem:
	response_error(c->resp, 503, "out_of_memory", "out of memory");
out:
	for (i = 0; items != NULL && i < n; i++) {
		intake_free(&items[i].in);
		buf_free(&items[i].env);
		free(items[i].error);
	}
	free(items);
	free(v);
	buf_free(&ans);
	response_free(&scratch);
}
