/*
 * libFuzzer target: one raw request as CGI variables and a body, through
 * request_read(), api_handle() and request_write() (what cgi/main.c does
 * per request), without a server.
 *
 * Input format (lines split at '\n'; a missing line is absent):
 *   METHOD[ NAME=VALUE[;NAME=VALUE...]]\nPATH\nQUERY\nCONTENT-TYPE\n
 *   AUTHORIZATION\nBODY...
 * They become REQUEST_METHOD, REQUEST_URI (PATH, plus "?QUERY" when the
 * QUERY line is not empty), CONTENT_TYPE and HTTP_AUTHORIZATION (absent when
 * their line is empty), and CONTENT_LENGTH (the BODY's length); the BODY is
 * everything after the fifth '\n', NULs included.  NAME=VALUE pairs after
 * the method add or override CGI variables (CONTENT_LENGTH=99999999999,
 * QUERY_STRING=..., SCRIPT_NAME=/x;PATH_INFO=/v1/apps with REQUEST_URI=).
 * PATH, QUERY, AUTHORIZATION and BODY have placeholders replaced so that
 * the fuzzer reaches authorized handlers with ids that exist:
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
#include "cgi/request.h"
#include "cgi/response.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/log.h"
#include "lib/num.h"

#define FUZZ_RESET_EVERY 1000
#define FUZZ_FIELD_MAX	(16 * 1024)	/* one expanded header line */
#define FUZZ_BODY_MAX	(512 * 1024)	/* expanded body */
#define FUZZ_ADMIN	"fuzz-admin-token-0123456789"
#define FUZZ_VARS	16		/* CGI variables of one request */
#define FUZZ_OUT_MAX	(API_RESPONSE_MAX + 4096)	/* headers + body */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything the fuzzer keeps between inputs. */
struct fuzz_state {
	int ready;
	char dir[64];			/* mkdtemp template, then the path */
	struct config cfg;
	struct api_ctx ctx;
	struct api_response resp;
	struct request rq;
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
	request_free(&fz.rq);
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
	    "{\"type\":\"user.signin\",\"org_id\":\"org_a\",\"data\":"
	    "{\"method\":\"password\"}}",
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
		request_init(&fz.rq);
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

/* The oracle: abort on an answer that breaks docs/api.md's contract
 * (statuses and the error shape). */
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

/* One request's CGI variables and body, behind a struct request_io. */
struct fuzz_io {
	const char *name[FUZZ_VARS];
	const char *value[FUZZ_VARS];
	size_t n;
	const char *body;
	size_t body_len, body_pos;
	struct buf out;			/* what request_write() wrote */
};

static void
fuzz_setvar(struct fuzz_io *f, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0) {
			f->value[i] = value;
			return;
		}
	if (f->n < FUZZ_VARS) {
		f->name[f->n] = name;
		f->value[f->n++] = value;
	}
}

static const char *
fuzz_getenv(void *u, const char *name)
{
	struct fuzz_io *f = u;
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

static long
fuzz_read(void *u, char *p, size_t n)
{
	struct fuzz_io *f = u;

	if (n > f->body_len - f->body_pos)
		n = f->body_len - f->body_pos;
	memcpy(p, f->body + f->body_pos, n);
	f->body_pos += n;
	return (long)n;
}

static int
fuzz_write(void *u, const void *p, size_t n)
{
	return buf_add(&((struct fuzz_io *)u)->out, p, n);
}

/* The bytes written must be "Status: N", headers, a blank line, and the
 * answer's body with its length announced. */
static void
fuzz_judge_output(const struct api_response *r, const struct buf *out)
{
	char want[64];
	const char *end;
	size_t hlen;

	(void)snprintf(want, sizeof(want), "Status: %d ", r->status);
	end = memmem(out->data, out->len, "\r\n\r\n", 4);
	if (strncmp(out->data, want, strlen(want)) != 0 || end == NULL) {
		fprintf(stderr, "fuzz_request: bad output head: %.200s\n",
		    out->data);
		abort();
	}
	hlen = (size_t)(end - out->data) + 4;
	if (out->len - hlen != r->body.len ||
	    memcmp(out->data + hlen, r->body.data, r->body.len) != 0 ||
	    (r->body.len > 0 && memmem(out->data, hlen, "Content-Length: ",
	    16) == NULL)) {
		fprintf(stderr, "fuzz_request: body written wrongly\n");
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf method, path, query, ctype, auth, body, uri;
	struct request_io io;
	struct fuzz_io f;
	const uint8_t *p = data, *end = data + size;
	char clen[32], *extra, *kv, *next, *eq;
	int has_q, has_ct, has_auth, has;

	if (!fz.ready || fz.dirty || ++fz.runs >= FUZZ_RESET_EVERY)
		fuzz_setup();
	memset(&f, 0, sizeof(f));
	buf_init(&f.out, FUZZ_OUT_MAX);
	buf_init(&method, 4096);
	buf_init(&path, FUZZ_FIELD_MAX);
	buf_init(&query, FUZZ_FIELD_MAX);
	buf_init(&ctype, FUZZ_FIELD_MAX);
	buf_init(&auth, FUZZ_FIELD_MAX);
	buf_init(&body, FUZZ_BODY_MAX);
	buf_init(&uri, 2 * FUZZ_FIELD_MAX + 2);
	if (fuzz_line(&p, end, &method, 0, &has) == -1 || !has ||
	    fuzz_line(&p, end, &path, 1, &has) == -1 || !has ||
	    fuzz_line(&p, end, &query, 1, &has_q) == -1 ||
	    fuzz_line(&p, end, &ctype, 0, &has_ct) == -1 ||
	    fuzz_line(&p, end, &auth, 1, &has_auth) == -1 ||
	    fuzz_expand(&body, (const char *)p, (size_t)(end - p)) == -1)
		goto done;
	/* CGI variables are C strings: a NUL ends them, as in a real server. */
	if (buf_adds(&uri, path.data) == -1 || (has_q && query.len > 0 &&
	    (buf_adds(&uri, "?") == -1 || buf_adds(&uri, query.data) == -1)))
		goto done;
	if (num_format_u64(body.len, clen, sizeof(clen)) == -1)
		goto done;
	extra = strchr(method.data, ' ');
	if (extra != NULL)
		*extra++ = '\0';
	fuzz_setvar(&f, "REQUEST_METHOD", method.data);
	fuzz_setvar(&f, "REQUEST_URI", uri.data);
	if (has_ct && ctype.len > 0)
		fuzz_setvar(&f, "CONTENT_TYPE", ctype.data);
	if (has_auth && auth.len > 0)
		fuzz_setvar(&f, "HTTP_AUTHORIZATION", auth.data);
	if (body.len > 0)
		fuzz_setvar(&f, "CONTENT_LENGTH", clen);
	for (kv = extra; kv != NULL && *kv != '\0'; kv = next) {
		if ((next = strchr(kv, ';')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(kv, '=')) != NULL) {
			*eq = '\0';
			fuzz_setvar(&f, kv, eq + 1);
		}
	}
	f.body = body.data;
	f.body_len = body.len;
	io.u = &f;
	io.getenv = fuzz_getenv;
	io.read = fuzz_read;
	io.write = fuzz_write;

	request_read(&fz.rq, &fz.ctx, &io);
	api_handle(&fz.ctx, &fz.rq.req, &fz.resp);
	if (request_write(&fz.resp, &io) == -1) {
		fprintf(stderr, "fuzz_request: answer over %d bytes\n",
		    FUZZ_OUT_MAX);
		abort();
	}
	fuzz_judge(&fz.resp);
	fuzz_judge_output(&fz.resp, &f.out);
	if (fz.resp.status < 300 && fz.rq.req.method != NULL &&
	    (strcmp(fz.rq.req.method, "DELETE") == 0 ||
	    strstr(fz.rq.req.path, "/keys") != NULL))
		fz.dirty = 1;
	request_free(&fz.rq);
done:
	buf_free(&f.out);
	buf_free(&method);
	buf_free(&path);
	buf_free(&query);
	buf_free(&ctype);
	buf_free(&auth);
	buf_free(&body);
	buf_free(&uri);
	return 0;
}
