/*
 * libFuzzer target: one raw request through api_handle(), without a server.
 *
 * Input format (lines split at '\n'; a missing line is NULL):
 *   METHOD\nPATH\nQUERY\nCONTENT-TYPE\nAUTHORIZATION\nBODY...
 * An empty QUERY, CONTENT-TYPE or AUTHORIZATION line is NULL (absent); the
 * BODY is everything after the fifth '\n', NULs included.  PATH, QUERY,
 * AUTHORIZATION and BODY have placeholders replaced so that the fuzzer
 * reaches authorized handlers with ids that exist:
 *   {T} admin token   {A} {B} two apps (of orgs {O} and "org_b")
 *   {K} {L} their keys   {W} {X} a webhook of each   {D} a delivery of {A}
 *
 * The store is ONE environment in a temp dir, opened once (static).  It is
 * rebuilt from scratch every FUZZ_RESET_EVERY inputs, and after any
 * answer that may have destroyed a fixture (a successful DELETE or key
 * rotation), so it stays small and the placeholders stay valid.
 *
 * Oracle beyond the sanitizers: the status is a known 2xx/4xx (a 5xx of any
 * kind aborts: the store works here, so 500/503 is a bug), a 204 has no body,
 * every other answer is one JSON value, and a 4xx is exactly
 * {"error":{"code":STRING,"message":STRING}}.
 *
 * tests/unit/test_fuzz_regress.c includes this file (with
 * LLVMFuzzerTestOneInput renamed) to replay saved inputs.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cgi/api.h"
#include "cgi/response.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/log.h"

#define FUZZ_RESET_EVERY 1000
#define FUZZ_FIELD_MAX	(16 * 1024)	/* one expanded header line */
#define FUZZ_BODY_MAX	(512 * 1024)	/* expanded body */
#define FUZZ_ADMIN	"fuzz-admin-token-0123456789"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything the fuzzer keeps between inputs. */
struct fuzz_state {
	int ready;
	char dir[64];			/* mkdtemp template, then the path */
	struct config cfg;
	struct api_ctx ctx;
	struct api_response resp;
	unsigned runs;
	int dirty;			/* a fixture may be gone */
	char app_a[128], app_b[128], key_a[128], key_b[128];
	char wh_a[128], wh_b[128], dlv_a[128];
};

static struct fuzz_state fz;

static int
fuzz_rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	(void)remove(p);
	return 0;
}

static void
fuzz_rm_tree(const char *dir)
{
	(void)nftw(dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
fuzz_cleanup(void)
{
	if (fz.ctx.store != NULL)
		store_close(fz.ctx.store);
	fz.ctx.store = NULL;
	response_free(&fz.resp);
	if (fz.dir[0] != '\0')
		fuzz_rm_tree(fz.dir);
}

/* One request for the fixtures; the answer's JSON (caller puts) or
 * exit on anything unexpected: the harness itself is broken then. */
static struct json_object *
fuzz_call(const char *method, const char *path, const char *auth,
    const char *body, int want)
{
	struct api_request rq;
	struct json_object *o;

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = path;
	rq.authorization = auth;
	rq.content_type = body != NULL ? "application/json" : NULL;
	rq.body = body != NULL ? body : "";
	rq.body_len = body != NULL ? strlen(body) : 0;
	api_handle(&fz.ctx, &rq, &fz.resp);
	if (fz.resp.status != want) {
		fprintf(stderr, "fuzz_request fixture: %s %s: %d %s\n", method,
		    path, fz.resp.status, fz.resp.body.data);
		exit(1);
	}
	o = json_tokener_parse(fz.resp.body.data);
	if (o == NULL) {
		fprintf(stderr, "fuzz_request fixture: %s %s: not JSON\n",
		    method, path);
		exit(1);
	}
	return o;
}

/* Copy a string member of o (or of o.data[0] when list) into out; puts
 * one reference of o. */
static void
fuzz_take(struct json_object *o, const char *key, char *out, size_t outlen,
    int list)
{
	struct json_object *v, *item = o;
	const char *s;

	if (list) {
		if (!json_object_object_get_ex(o, "data", &v) ||
		    json_object_array_length(v) == 0) {
			fprintf(stderr, "fuzz_request fixture: empty list\n");
			exit(1);
		}
		item = json_object_array_get_idx(v, 0);
	}
	if (!json_object_object_get_ex(item, key, &v) ||
	    (s = json_object_get_string(v)) == NULL ||
	    (size_t)snprintf(out, outlen, "%s", s) >= outlen) {
		fprintf(stderr, "fuzz_request fixture: no %s\n", key);
		exit(1);
	}
	json_object_put(o);
}

/* Two apps, a webhook each, one event fanned out to both. */
static void
fuzz_fixtures(void)
{
	char path[256], auth[256];
	const char *wh = "{\"url\":\"http://127.0.0.1:9/hook\","
	    "\"events\":[\"*\"],\"description\":\"fuzz\"}";
	struct json_object *o;

	(void)snprintf(auth, sizeof(auth), "Bearer %s", FUZZ_ADMIN);
	o = fuzz_call("POST", "/v1/apps", auth,
	    "{\"org_id\":\"org_a\",\"name\":\"a\"}", 201);
	json_object_get(o);
	fuzz_take(o, "id", fz.app_a, sizeof(fz.app_a), 0);
	fuzz_take(o, "api_key", fz.key_a, sizeof(fz.key_a), 0);
	o = fuzz_call("POST", "/v1/apps", auth,
	    "{\"org_id\":\"org_b\",\"name\":\"b\"}", 201);
	json_object_get(o);
	fuzz_take(o, "id", fz.app_b, sizeof(fz.app_b), 0);
	fuzz_take(o, "api_key", fz.key_b, sizeof(fz.key_b), 0);
	(void)snprintf(path, sizeof(path), "/v1/apps/%s/webhooks", fz.app_a);
	fuzz_take(fuzz_call("POST", path, auth, wh, 201), "id", fz.wh_a,
	    sizeof(fz.wh_a), 0);
	(void)snprintf(path, sizeof(path), "/v1/apps/%s/webhooks", fz.app_b);
	fuzz_take(fuzz_call("POST", path, auth, wh, 201), "id", fz.wh_b,
	    sizeof(fz.wh_b), 0);
	json_object_put(fuzz_call("POST", "/v1/events", auth,
	    "{\"type\":\"user.signin\",\"org_id\":\"org_a\",\"data\":{}}",
	    202));
	(void)snprintf(path, sizeof(path), "/v1/apps/%s/deliveries",
	    fz.app_a);
	fuzz_take(fuzz_call("GET", path, auth, NULL, 200), "id", fz.dlv_a,
	    sizeof(fz.dlv_a), 1);
}

/* (Re)create the data dir, open the store, build the fixtures. */
static void
fuzz_setup(void)
{
	if (!fz.ready) {
		log_init("fuzz_request", 0, LOG_EMERG);
		config_defaults(&fz.cfg);
		(void)snprintf(fz.cfg.admin_token, sizeof(fz.cfg.admin_token),
		    "%s", FUZZ_ADMIN);
		fz.cfg.allow_private_targets = 1;
		fz.cfg.nosync = 1;
		fz.ctx.cfg = &fz.cfg;
		response_init(&fz.resp);
		atexit(fuzz_cleanup);
		fz.ready = 1;
	} else {
		if (fz.ctx.store != NULL)
			store_close(fz.ctx.store);
		fz.ctx.store = NULL;
		fuzz_rm_tree(fz.dir);
	}
	(void)snprintf(fz.dir, sizeof(fz.dir), "/tmp/hookd-fuzz-XXXXXX");
	if (mkdtemp(fz.dir) == NULL) {
		perror("fuzz_request: mkdtemp");
		exit(1);
	}
	(void)snprintf(fz.cfg.data_dir, sizeof(fz.cfg.data_dir), "%s/data",
	    fz.dir);
	(void)snprintf(fz.cfg.status_dir, sizeof(fz.cfg.status_dir), "%s",
	    fz.dir);
	if (api_open_store(&fz.ctx) == -1) {
		fprintf(stderr, "fuzz_request: cannot open the store\n");
		exit(1);
	}
	fuzz_fixtures();
	fz.dirty = 0;
	fz.runs = 0;
}

/* Append s[0..n) to b with the placeholders replaced.  -1 over cap. */
static int
fuzz_expand(struct buf *b, const char *s, size_t n)
{
	const char *v;
	size_t i;

	for (i = 0; i < n; i++) {
		v = NULL;
		if (s[i] == '{' && i + 2 < n && s[i + 2] == '}') {
			switch (s[i + 1]) {
			case 'T': v = FUZZ_ADMIN; break;
			case 'A': v = fz.app_a; break;
			case 'B': v = fz.app_b; break;
			case 'K': v = fz.key_a; break;
			case 'L': v = fz.key_b; break;
			case 'W': v = fz.wh_a; break;
			case 'X': v = fz.wh_b; break;
			case 'D': v = fz.dlv_a; break;
			case 'O': v = "org_a"; break;
			default: break;
			}
		}
		if (v != NULL) {
			if (buf_adds(b, v) == -1)
				return -1;
			i += 2;
		} else if (buf_add(b, s + i, 1) == -1)
			return -1;
	}
	return 0;
}

/* The next line of the input: [*p, '\n') into b (expanded if asked). */
static int
fuzz_line(const uint8_t **p, const uint8_t *end, struct buf *b, int expand,
    int *present)
{
	const uint8_t *nl;
	size_t n;

	*present = 0;
	if (*p >= end)
		return 0;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	n = nl != NULL ? (size_t)(nl - *p) : (size_t)(end - *p);
	*present = 1;
	if (expand) {
		if (fuzz_expand(b, (const char *)*p, n) == -1)
			return -1;
	} else if (buf_add(b, *p, n) == -1)
		return -1;
	*p += n + (nl != NULL);
	return 0;
}

/* The oracle: abort on an answer that breaks SPEC.md's contract. */
static void
fuzz_judge(const struct api_response *r)
{
	struct json_object *o, *e, *v;
	json_tokener *tok;
	int ok = 0;

	if (r->status >= 500 || r->status < 200 ||
	    (r->status >= 300 && r->status < 400)) {
		fprintf(stderr, "fuzz_request: status %d: %.*s\n", r->status,
		    (int)(r->body.len > 2000 ? 2000 : r->body.len),
		    r->body.data ? r->body.data : "");
		abort();
	}
	if (r->status == 204) {
		if (r->body.len != 0) {
			fprintf(stderr, "fuzz_request: 204 with a body\n");
			abort();
		}
		return;
	}
	tok = json_tokener_new_ex(64);
	o = tok != NULL ? json_tokener_parse_ex(tok, r->body.data,
	    (int)r->body.len) : NULL;
	if (o != NULL && json_tokener_get_parse_end(tok) == r->body.len)
		ok = 1;
	if (ok && r->status >= 400) {
		ok = json_object_is_type(o, json_type_object) &&
		    json_object_object_length(o) == 1 &&
		    json_object_object_get_ex(o, "error", &e) &&
		    json_object_is_type(e, json_type_object) &&
		    json_object_object_length(e) == 2 &&
		    json_object_object_get_ex(e, "code", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    json_object_object_get_ex(e, "message", &v) &&
		    json_object_is_type(v, json_type_string);
	}
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	if (!ok) {
		fprintf(stderr, "fuzz_request: bad answer %d: %.*s\n",
		    r->status, (int)(r->body.len > 2000 ? 2000 : r->body.len),
		    r->body.data ? r->body.data : "");
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf method, path, query, ctype, auth, body;
	struct api_request rq;
	const uint8_t *p = data, *end = data + size;
	int has_q, has_ct, has_auth, has;

	if (!fz.ready || fz.dirty || ++fz.runs >= FUZZ_RESET_EVERY)
		fuzz_setup();
	buf_init(&method, 64);
	buf_init(&path, FUZZ_FIELD_MAX);
	buf_init(&query, FUZZ_FIELD_MAX);
	buf_init(&ctype, FUZZ_FIELD_MAX);
	buf_init(&auth, FUZZ_FIELD_MAX);
	buf_init(&body, FUZZ_BODY_MAX);
	if (fuzz_line(&p, end, &method, 0, &has) == -1 || !has ||
	    fuzz_line(&p, end, &path, 1, &has) == -1 || !has ||
	    fuzz_line(&p, end, &query, 1, &has_q) == -1 ||
	    fuzz_line(&p, end, &ctype, 0, &has_ct) == -1 ||
	    fuzz_line(&p, end, &auth, 1, &has_auth) == -1 ||
	    fuzz_expand(&body, (const char *)p, (size_t)(end - p)) == -1)
		goto done;
	/* CGI variables are C strings: a NUL ends them, as in a real server. */
	memset(&rq, 0, sizeof(rq));
	rq.method = method.data;
	rq.path = path.data;
	rq.query = has_q && query.len > 0 ? query.data : NULL;
	rq.content_type = has_ct && ctype.len > 0 ? ctype.data : NULL;
	rq.authorization = has_auth && auth.len > 0 ? auth.data : NULL;
	rq.body = body.data != NULL ? body.data : "";
	rq.body_len = body.len;
	/* What request.c does with an announced length over the cap. */
	rq.body_too_large = body.len > api_body_cap(&fz.ctx, rq.method,
	    rq.path);
	api_handle(&fz.ctx, &rq, &fz.resp);
	fuzz_judge(&fz.resp);
	if (fz.resp.status < 300 && (strcmp(rq.method, "DELETE") == 0 ||
	    strstr(rq.path, "/keys") != NULL))
		fz.dirty = 1;
done:
	buf_free(&method);
	buf_free(&path);
	buf_free(&query);
	buf_free(&ctype);
	buf_free(&auth);
	buf_free(&body);
	return 0;
}
