/*
 * batch.c - POST /v1/events/batch: {"events": [EVENT, ...]}, 1 to
 * BATCH_MAX events, each checked exactly as POST /v1/events checks one
 * (events_parse) and all the valid ones stored in one transaction: one
 * job of the group committer (cgi/commit.h; one commit, one log flush,
 * one wake, maybe shared with other requests), handed over to it like a
 * single event's when the transport answers later (batch_done).  The
 * answer is 200 with one result per event, in request order:
 *
 *   {"id":ID,"status":202|200,"deliveries":N}   stored, or already stored
 *   {"index":I,"status":422,"error":{...}}      refused, nothing written
 *   {"id":ID,"status":503,"error":{...}}        storage_unconfirmed: the
 *                                               commit went in, its flush
 *                                               failed (may be stored)
 *
 * A body not of that shape is refused as a whole (422), as is a storage
 * failure (503): then nothing of the batch is stored.  Every allocation
 * the answer needs is made inside the transaction, before the commit: a
 * stored batch always gets its 200.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/events.h"
#include "cgi/handlers.h"
#include "cgi/intake.h"
#include "cgi/master.h"
#include "cgi/jin.h"
#include "cgi/response.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/timefmt.h"

#define BATCH_MAX 1000		/* events per request */

struct batch_item {
	struct intake in;
	struct buf env;		/* the envelope in.ev.body borrows */
	int status;		/* 202, 200 or 422 */
	char *error;		/* 422: the error object as JSON; heap */
	int refused_in_txn;	/* error was made by batch_job (else parse) */
};

/* The batch as one commit job (the job first: the committer hands it). */
struct batch_job {
	struct commit_job job;
	struct api_call *c;
	struct batch_item *items;
	size_t n;
	struct intake_batch shared;	/* fan-out look-ups, queue counters */
	size_t room;		/* bytes kept in c->resp for the answer */
};

/* The most an item's storage_unconfirmed result is longer than its
 * stored result (both are written from the same id). */
#define BATCH_UNSURE_EXTRA 256

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

/* The answer {"data":[...]} into out; rc the batch's store result
 * (STORE_OK or STORE_INDOUBT: then each written event is 503).  0, or -1
 * (memory, cap).  Ids need no escaping (1..64 of A-Z a-z 0-9 _ -,
 * events_parse). */
static int
batch_answer(struct buf *out, const struct batch_item *items, size_t n,
    int rc)
{
	const struct batch_item *it;
	const char *code, *msg;
	int st;
	size_t i;

	call_store_error(STORE_INDOUBT, &st, &code, &msg);
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
		    buf_adds(out, it->in.ev.id) == -1)
			return -1;
		if (rc == STORE_INDOUBT && it->status == 202) {
			if (buf_adds(out, "\",\"status\":503,\"error\":"
			    "{\"code\":\"") == -1 || buf_adds(out, code) == -1 ||
			    buf_adds(out, "\",\"message\":\"") == -1 ||
			    buf_adds(out, msg) == -1 ||
			    buf_adds(out, "\"}}") == -1)
				return -1;
			continue;
		}
		if (buf_adds(out, "\",\"status\":") == -1 ||
		    buf_add_u64(out, (uint64_t)it->status) == -1 ||
		    buf_adds(out, ",\"deliveries\":") == -1 ||
		    buf_add_u64(out, it->in.deliveries) == -1 ||
		    buf_add(out, "}", 1) == -1)
			return -1;
	}
	return buf_adds(out, "]}");
}

/* The most bytes batch_answer writes for items (STORE_OK): an upper
 * bound, counted without writing (the commit's serial section). */
#define BATCH_ITEM_FIXED 64	/* an item's answer but its id or error:
				 * at most 52 bytes and the comma */

static size_t
batch_answer_max(const struct batch_item *items, size_t n)
{
	size_t i, len = sizeof("{\"data\":[]}");

	for (i = 0; i < n; i++)
		len += BATCH_ITEM_FIXED + strlen(items[i].status == 422 ?
		    items[i].error : items[i].in.ev.id);
	return len;
}

/*
 * The batch's writes in the group's transaction t: every event not
 * refused by events_parse, in order, then every allocation the answer
 * needs (refusals made here, room in c->resp for the answer and its
 * storage_unconfirmed variant: batch_create writes it after the commit,
 * into that room).  A failure of those is STORE_ERR: the
 * transaction aborts and nothing is stored.  May run again (retries).
 */
static int
batch_job(struct store_txn *t, struct commit_job *j)
{
	struct batch_job *b = (struct batch_job *)j;
	struct api_call *c = b->c;
	struct batch_item *it;
	size_t i, written = 0;
	int rc;

	intake_batch_reset(&b->shared);
	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		if (it->status == 422 && !it->refused_in_txn)
			continue;	/* refused by its check: not tried */
		free(it->error);
		it->error = NULL;
		it->refused_in_txn = 0;
		c->ecode = NULL;
		c->emsg[0] = '\0';
		rc = intake_run(t, c, &it->in, &b->shared);
		if (rc == STORE_OK) {
			it->status = 202;
			written++;
			j->wake |= it->in.deliveries > 0;
		} else if (rc == INTAKE_DUP)
			it->status = 200;
		else if (rc > 0 && c->ecode != NULL) {
			/* refused on its own, before it wrote: go on */
			it->refused_in_txn = 1;
			if (batch_refuse(it, c->ecode, c->emsg) == -1)
				goto nomem;
		} else
			return rc < 0 ? rc : STORE_ERR;
	}
	if ((rc = intake_batch_end(t, &b->shared)) != STORE_OK)
		return rc;
	c->ecode = NULL;
	c->emsg[0] = '\0';
	/* room for the answer, written after the commit (batch_create) */
	response_reset(c->resp);
	b->room = batch_answer_max(b->items, b->n) +
	    written * BATCH_UNSURE_EXTRA;
	if (buf_reserve(&c->resp->body, b->room) == -1)
		goto nomem;
	return STORE_OK;
nomem:
	snprintf(j->err, sizeof(j->err), "batch: out of memory for the answer");
	return STORE_ERR;
}

/* The batch's call: on the heap, so that the committer can answer it
 * (batch_done) while the request thread goes back to accept. */
struct batch_call {
	struct batch_job bj;	/* first: the committer's job */
	struct api_call c;	/* the call's copy, once handed over */
};

static void
batch_call_free(struct batch_call *w)
{
	size_t i;

	for (i = 0; w->bj.items != NULL && i < w->bj.n; i++) {
		intake_free(&w->bj.items[i].in);
		buf_free(&w->bj.items[i].env);
		free(w->bj.items[i].error);
	}
	free(w->bj.items);
	intake_batch_free(&w->bj.shared);
	free(w);
}

/* The answer of the committed batch b into its call's response; rc is
 * call_answer's (0: stored, -1: the error answer is written). */
static void
batch_stored(struct batch_job *b, int rc)
{
	struct api_call *c = b->c;
	size_t i;

	/* replicated: repeats answer 200 only if the group holds them (the
	 * whole batch is then answered 503 and is safe to send again) */
	for (i = 0; rc == 0 && i < b->n && b->items[i].status != 200; i++)
		;
	if (rc == 0 && i < b->n && master_durable(c) == -1)
		return;
	if (rc == 0 || (rc == -1 && b->job.rc == STORE_INDOUBT)) {
		/* the answer, into the room batch_job kept for it (also for
		 * a commit not known durable): no allocation */
		response_reset(c->resp);
		c->resp->status = 200;
		if (batch_answer(&c->resp->body, b->items, b->n, b->job.rc) ==
		    -1)
			log_err("batch: the reserved answer did not fit");
		else if (c->resp->body.len > b->room)
			log_err("batch: the answer outgrew the room kept for it");
		return;
	}
	if (rc > 0)	/* not expected: every refusal is taken per event */
		response_error(c->resp, 500, "internal_error",
		    "the batch could not be stored");
}

/* The committer's end of a handed-over batch: answer it, free it. */
static void
batch_done(struct commit_job *j)
{
	struct batch_call *w = (struct batch_call *)j;
	const struct api_request *req = w->c.req;

	batch_stored(&w->bj, call_answer(&w->c, j->rc, j->err));
	batch_call_free(w);
	req->answer(req->answer_u);
}

void
batch_create(struct api_call *c)
{
	struct batch_call *w;
	struct batch_item *items, *it;
	struct json_object *a;
	struct api_response scratch;
	struct api_call ec;
	struct buf ans;
	size_t n = 0, i, nv = 0;
	int64_t now;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		response_error(c->resp, 503, "out_of_memory", "out of memory");
		return;
	}
	response_init(&scratch);
	buf_init(&ans, API_RESPONSE_MAX);
	intake_batch_init(&w->bj.shared);
	w->bj.c = c;
	if (batch_shape(c, &a, &n) == -1)
		goto out;
	/* n <= BATCH_MAX: no overflow; each field set below (intake_init
	 * clears the large part, so no calloc clearing it first) */
	items = malloc(n * sizeof(*items));
	if (items == NULL)
		goto nomem;
	w->bj.items = items;
	w->bj.n = n;
	/* One time of intake for the whole batch: its events, written in
	 * one transaction, share one time index entry per run
	 * (store_publish_batch) instead of one each. */
	now = timefmt_now_ms();
	for (i = 0; i < n; i++) {
		intake_init(&items[i].in);
		items[i].in.ev.created_at = now;
		buf_init(&items[i].env, EVENTS_ENVELOPE_CAP(c->cfg));
		items[i].status = 0;
		items[i].error = NULL;
		items[i].refused_in_txn = 0;
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
			nv++;
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
	if (nv == 0) {
		/* every event refused: nothing to store */
		if (batch_answer(&ans, items, n, STORE_OK) == -1)
			goto nomem;
		response_raw(c->resp, 200, ans.data, ans.len);
		goto out;
	}
	w->bj.job.fn = batch_job;
	w->bj.job.weight = nv;
	/* Handed over (call_can_defer), as events_create does: the
	 * committer answers the batch once its group is committed, and this
	 * thread goes back to accept, so that under load one thread commits
	 * group after group while the others read and check the next
	 * requests. */
	if (call_can_defer(c)) {
		for (i = 0; i < n; i++)
			if (items[i].status != 422 &&
			    intake_keep_user(&items[i].in) == -1)
				goto nomem;
		json_object_put(c->body);	/* here, not on the committer */
		c->body = NULL;
		c->taken = 1;
		w->c = *c;
		w->bj.c = &w->c;
		w->bj.job.done = batch_done;
		response_free(&scratch);
		buf_free(&ans);
		call_defer(&w->c, &w->bj.job);
		return;			/* w is the committer's */
	}
	batch_stored(&w->bj, call_commit(c, &w->bj.job));
	goto out;
nomem:
	response_error(c->resp, 503, "out_of_memory", "out of memory");
out:
	batch_call_free(w);
	buf_free(&ans);
	response_free(&scratch);
}
