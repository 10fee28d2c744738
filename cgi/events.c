/* events.c - event intake: validate, build the envelope once, store and
 * fan out in one transaction. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/catalog.h"
#include "cgi/events.h"
#include "cgi/fanout.h"
#include "cgi/handlers.h"
#include "cgi/idlist.h"
#include "cgi/jin.h"
#include "cgi/jout.h"
#include "cgi/response.h"
#include "lib/id.h"
#include "lib/log.h"
#include "lib/timefmt.h"
#include "lib/wake.h"

#define EVENTS_USER_MAX STORE_NAME_MAX
#define EVENTS_DUP 1		/* txn outcome: the id exists, nothing written */

#define EVENTS_ONES UINT64_C(0x0101010101010101)
#define EVENTS_HIGHS UINT64_C(0x8080808080808080)

/* 1 if one of the 8 bytes of w is below 0x20, '"' or '\\': a byte that
 * json-c escapes (with JSON_C_TO_STRING_NOSLASHESCAPE). */
static int
events_word_escapes(uint64_t w)
{
	uint64_t q = w ^ (EVENTS_ONES * '"'), b = w ^ (EVENTS_ONES * '\\');

	return (((w - EVENTS_ONES * 0x20) & ~w) |
	    ((q - EVENTS_ONES) & ~q) | ((b - EVENTS_ONES) & ~b)) &
	    EVENTS_HIGHS ? 1 : 0;
}

/* s (n bytes) as a JSON string, escaped exactly as json-c escapes it:
 * \b \n \r \t \f \" \\ by name, other bytes below 0x20 as \u00xx,
 * everything else (UTF-8, '/', 0x7f) as it is. */
static int
events_json_str(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, start = 0;
	uint64_t w;
	char esc[6];
	unsigned char ch;

	if (buf_add(out, "\"", 1) == -1)
		return -1;
	while (i < n) {
		if (n - i >= 8) {
			memcpy(&w, s + i, sizeof(w));
			if (!events_word_escapes(w)) {
				i += 8;
				continue;
			}
		}
		ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\') {
			i++;
			continue;
		}
		esc[0] = '\\';
		switch (ch) {
		case '\b': esc[1] = 'b'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\f': esc[1] = 'f'; break;
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 0xf];
			break;
		}
		if (buf_add(out, s + start, i - start) == -1 ||
		    buf_add(out, esc, esc[1] == 'u' ? 6 : 2) == -1)
			return -1;
		start = ++i;
	}
	if (buf_add(out, s + start, n - start) == -1 ||
	    buf_add(out, "\"", 1) == -1)
		return -1;
	return 0;
}

/*
 * o serialized into out exactly as json_object_to_json_string_length(o,
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) writes it, for
 * a tree made by json-c's parser, without its per-byte string escaping
 * (most of the envelope's cost).  Doubles are written by json-c itself:
 * it keeps their input text.  0 or -1 (memory, cap).
 */
static int
events_json(struct buf *out, struct json_object *o)
{
	const char *s;
	size_t i, n;
	char d[24];
	int64_t v;
	uint64_t u;
	int neg;

	switch (json_object_get_type(o)) {
	case json_type_null:
		return buf_add(out, "null", 4);
	case json_type_boolean:
		return json_object_get_boolean(o) ? buf_add(out, "true", 4) :
		    buf_add(out, "false", 5);
	case json_type_int:
		/* int64, or uint64 above INT64_MAX (get_int64 clamps) */
		v = json_object_get_int64(o);
		neg = v < 0;
		u = v == INT64_MAX ? json_object_get_uint64(o) :
		    neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		i = sizeof(d);
		do {
			d[--i] = (char)('0' + u % 10);
			u /= 10;
		} while (u > 0);
		if (neg)
			d[--i] = '-';
		return buf_add(out, d + i, sizeof(d) - i);
	case json_type_string:
		return events_json_str(out, json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
	case json_type_array:
		if (buf_add(out, "[", 1) == -1)
			return -1;
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if ((i > 0 && buf_add(out, ",", 1) == -1) ||
			    events_json(out, json_object_array_get_idx(o, i)) == -1)
				return -1;
		return buf_add(out, "]", 1);
	case json_type_object: {
		int first = 1;

		if (buf_add(out, "{", 1) == -1)
			return -1;
		json_object_object_foreach(o, key, val) {
			if ((!first && buf_add(out, ",", 1) == -1) ||
			    events_json_str(out, key, strlen(key)) == -1 ||
			    buf_add(out, ":", 1) == -1 ||
			    events_json(out, val) == -1)
				return -1;
			first = 0;
		}
		return buf_add(out, "}", 1);
	}
	default:	/* double: json-c keeps the text it parsed */
		s = json_object_to_json_string_length(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
		return s == NULL ? -1 : buf_add(out, s, n);
	}
}

/* 1 if json-c writes s as it is inside a JSON string: printable ASCII
 * other than '"' and '\\' (no escape, no UTF-8 repair). */
static int
events_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ||
		    *s == '"' || *s == '\\')
			return 0;
	return 1;
}

/* Append "name":"s" (s plain) with a leading comma unless first. */
static int
events_field(struct buf *out, const char *name, const char *s, int first)
{
	return (first ? 0 : buf_add(out, ",", 1)) == 0 &&
	    buf_add(out, "\"", 1) == 0 && buf_adds(out, name) == 0 &&
	    buf_add(out, "\":\"", 3) == 0 && buf_adds(out, s) == 0 &&
	    buf_add(out, "\"", 1) == 0 ? 0 : -1;
}

/*
 * The envelope written directly when every string field is plain (the
 * usual case): the same bytes json-c writes for the object built below,
 * for a fraction of the work (data through events_json).
 * 0, -1 (memory, cap) or 1 (not plain: build it with json-c).
 */
static int
events_envelope_plain(struct buf *out, const char *id, const char *type,
    int64_t ts_ms, const char *org_id, const char *app_id,
    const char *user_id, struct json_object *data)
{
	char t[TIMEFMT_LEN];

	if (ts_ms == 0 || !events_plain(id) || !events_plain(type) ||
	    !events_plain(org_id) || (app_id != NULL && !events_plain(app_id)) ||
	    (user_id != NULL && !events_plain(user_id)))
		return 1;
	timefmt_format(ts_ms, t, sizeof(t));
	if (buf_add(out, "{", 1) == -1 ||
	    events_field(out, "id", id, 1) == -1 ||
	    events_field(out, "type", type, 0) == -1 ||
	    events_field(out, "timestamp", t, 0) == -1 ||
	    events_field(out, "org_id", org_id, 0) == -1 ||
	    (app_id != NULL && app_id[0] != '\0' &&
	    events_field(out, "app_id", app_id, 0) == -1) ||
	    (user_id != NULL &&
	    events_field(out, "user_id", user_id, 0) == -1) ||
	    buf_adds(out, ",\"data\":") == -1 ||
	    events_json(out, data) == -1 || buf_add(out, "}", 1) == -1)
		return -1;
	return 0;
}

int
events_envelope(struct buf *out, const char *id, const char *type,
    int64_t ts_ms, const char *org_id, const char *app_id,
    const char *user_id, struct json_object *data)
{
	struct json_object *o;
	const char *s;
	size_t n;
	int rc = -1;

	buf_reset(out);
	rc = events_envelope_plain(out, id, type, ts_ms, org_id, app_id,
	    user_id, data);
	if (rc != 1)
		return rc;
	rc = -1;
	buf_reset(out);
	o = json_object_new_object();
	if (o == NULL)
		return -1;
	json_object_object_add(o, "id", jout_str(id, 0));
	json_object_object_add(o, "type", jout_str(type, 0));
	json_object_object_add(o, "timestamp", jout_time(ts_ms));
	json_object_object_add(o, "org_id", jout_str(org_id, 0));
	if (app_id != NULL && app_id[0] != '\0')
		json_object_object_add(o, "app_id", jout_str(app_id, 0));
	if (user_id != NULL)
		json_object_object_add(o, "user_id", jout_str(user_id, 0));
	json_object_object_add(o, "data", json_object_get(data));
	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (s != NULL && buf_add(out, s, n) == 0)
		rc = 0;
	json_object_put(o);
	return rc;
}

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

static int
events_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

struct events_in {
	struct api_call *c;
	struct store_event ev;		/* body points into env */
	int given_id;			/* ev.id came with the request */
	struct idlist hooks;		/* (webhook id, app id) to deliver to */
	uint32_t deliveries;		/* answer */
};

/* The stored event of our id: answer it (200) and write nothing. */
static int
events_dup(struct store_txn *t, struct events_in *in)
{
	struct store_event old;
	int rc;

	rc = store_event_get(t, in->ev.id, 0, &old);
	if (rc != STORE_OK)
		return rc;
	in->deliveries = old.deliveries;
	store_event_free(&old);
	return EVENTS_DUP;
}

static int
events_txn(struct store_txn *t, void *arg)
{
	struct events_in *in = arg;
	const struct fanout_org *f;
	struct store_delivery d;
	size_t i;
	int rc;

	idlist_reset(&in->hooks);
	in->deliveries = 0;
	/* A repeated id: answer from the first event, before any work.  An
	 * id made here is new (time + 80 random bits): no look-up, and no
	 * read lock on the events page that the put below must upgrade (two
	 * processes doing both deadlock).  The put still refuses a taken id. */
	if (in->given_id) {
		rc = events_dup(t, in);
		if (rc != STORE_NOTFOUND)
			return rc;
	}
	/* The org's apps and webhooks as of this transaction: one read of
	 * its fan-out generation when this process has them cached
	 * (cgi/fanout.h). */
	if ((rc = fanout_get(t, in->ev.org_id, &f)) != STORE_OK)
		return rc;
	if (in->ev.app_id[0] != '\0' && !fanout_has_app(f, in->ev.app_id))
		return call_fail(in->c, 422, "invalid_field",
		    "app_id: no such app in org_id");
	if (fanout_match(f, in->ev.app_id, in->ev.type, &in->hooks) == -1)
		return STORE_ERR;
	in->ev.deliveries = (uint32_t)in->hooks.n;
	rc = store_event_put(t, &in->ev);
	if (rc == STORE_EXISTS)
		return events_dup(t, in);	/* a racing writer won */
	if (rc != STORE_OK)
		return rc;
	memset(&d, 0, sizeof(d));
	memcpy(d.event_id, in->ev.id, sizeof(d.event_id));
	memcpy(d.event_type, in->ev.type, sizeof(d.event_type));
	d.status = STORE_DLV_PENDING;
	d.next_attempt_at = d.created_at = d.updated_at = in->ev.created_at;
	for (i = 0; i < in->hooks.n; i++) {
		if (id_new("dlv", d.id, sizeof(d.id)) == -1)
			return STORE_ERR;
		memcpy(d.webhook_id, in->hooks.v[i].id, sizeof(d.webhook_id));
		memcpy(d.app_id, in->hooks.v[i].owner, sizeof(d.app_id));
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	in->deliveries = in->ev.deliveries;
	return STORE_OK;
}

/* Validate the body into in->ev and the envelope.  0 or -1 (answered). */
static int
events_parse(struct api_call *c, struct events_in *in, struct buf *env)
{
	static const char *const fields[] = { "id", "type", "org_id",
	    "app_id", "user_id", "data", "occurred_at", NULL };
	const char *id, *type, *org, *app, *user;
	struct json_object *data = NULL;
	int64_t ts;
	int present;
	char err[256];

	if (jin_only(c->body, fields, err, sizeof(err)) == -1 ||
	    jin_str(c->body, "id", 0, 1, STORE_ID_MAX, &id, err,
	    sizeof(err)) == -1 ||
	    jin_str(c->body, "type", 1, 1, STORE_TYPE_MAX, &type, err,
	    sizeof(err)) == -1 ||
	    jin_str(c->body, "org_id", 1, 1, STORE_ORG_MAX, &org, err,
	    sizeof(err)) == -1 ||
	    jin_str(c->body, "app_id", 0, 1, STORE_ID_MAX, &app, err,
	    sizeof(err)) == -1 ||
	    jin_str(c->body, "user_id", 0, 1, EVENTS_USER_MAX, &user, err,
	    sizeof(err)) == -1 ||
	    jin_time(c->body, "occurred_at", 0, &ts, &present, err,
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
	if (!catalog_has(c->cfg, type)) {
		response_error(c->resp, 422, "invalid_field",
		    "type: \"%.128s\" is not in the event catalog", type);
		return -1;
	}
	if (!events_printable(org)) {
		call_invalid(c, "org_id: must not contain control characters");
		return -1;
	}
	if (app != NULL && !id_valid("app", app)) {
		call_invalid(c, "app_id: no such app in org_id");
		return -1;
	}
	if (!json_object_object_get_ex(c->body, "data", &data) ||
	    data == NULL) {
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
	if (id != NULL)
		memcpy(in->ev.id, id, strlen(id) + 1);
	else if (id_new("evt", in->ev.id, sizeof(in->ev.id)) == -1) {
		response_error(c->resp, 503, "no_entropy",
		    "could not make an id");
		return -1;
	}
	memcpy(in->ev.type, type, strlen(type) + 1);
	memcpy(in->ev.org_id, org, strlen(org) + 1);
	if (app != NULL)
		memcpy(in->ev.app_id, app, strlen(app) + 1);
	in->ev.created_at = timefmt_now_ms();
	if (!present)
		ts = in->ev.created_at;
	if (events_envelope(env, in->ev.id, type, ts, org, app, user,
	    data) == -1) {
		response_error(c->resp, 413, "payload_too_large",
		    "the event is larger than max_event_bytes");
		return -1;
	}
	in->ev.body = env->data;
	in->ev.body_len = env->len;
	return 0;
}

/* {"id":"ID","deliveries":N} into out (id needs no escaping). */
static int
events_answer(struct buf *out, const char *id, uint32_t n)
{
	char d[16];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	return buf_adds(out, "{\"id\":\"") == 0 && buf_adds(out, id) == 0 &&
	    buf_adds(out, "\",\"deliveries\":") == 0 &&
	    buf_add(out, d + i, sizeof(d) - i) == 0 &&
	    buf_add(out, "}", 1) == 0 ? 0 : -1;
}

void
events_create(struct api_call *c)
{
	struct events_in *in;
	struct buf env, ans;
	int rc;

	/* The envelope adds ~200 bytes and escapes to what came in. */
	buf_init(&env, c->cfg->max_event_bytes + 1024);
	in = calloc(1, sizeof(*in));
	if (in == NULL) {
		response_error(c->resp, 503, "out_of_memory", "out of memory");
		return;
	}
	in->c = c;
	idlist_init(&in->hooks);
	if (events_parse(c, in, &env) == -1)
		goto out;
	rc = call_txn(c, 0, events_txn, in);
	if (rc == -1)
		goto out;
	if (rc == 0 && in->deliveries > 0)
		wake_send(c->cfg->data_dir);
	/* {"id":ID,"deliveries":N} written directly: the id is 1..64 of
	 * A-Z a-z 0-9 _ - (checked in events_parse or made by id_new), so it
	 * needs no escaping. */
	buf_init(&ans, 64 + STORE_ID_MAX);
	if (events_answer(&ans, in->ev.id, in->deliveries) == 0)
		response_raw(c->resp, rc == EVENTS_DUP ? 200 : 202, ans.data,
		    ans.len);
	else
		response_error(c->resp, 500, "internal_error",
		    "the answer could not be built");
	buf_free(&ans);
out:
	idlist_free(&in->hooks);
	free(in);
	buf_free(&env);
}
