/*
 * api.h - the JSON API as a function of one request, independent of
 * FastCGI: main.c (FastCGI or CGI), unit tests and a fuzzer all drive
 * api_handle() with a filled struct api_request.
 */
#ifndef HOOKD_CGI_API_H
#define HOOKD_CGI_API_H

#include <stddef.h>

#include "db/store.h"
#include "lib/buf.h"
#include "lib/config.h"

#define API_BODY_MAX	(64 * 1024)	/* every body but the events' */
#define API_RESPONSE_MAX (16 * 1024 * 1024)	/* largest answer we build */
#define API_JSON_DEPTH	64		/* deepest JSON nesting accepted */
#define API_LOCATION_MAX 8192		/* a 307's Location (cgi/master.c) */

/* Per-process state.  cfg is borrowed; store is owned (store_close on
 * exit) and NULL while the environment could not be opened. */
struct api_ctx {
	const struct config *cfg;
	struct store *store;
};

/*
 * One request.  Every pointer is borrowed from the caller for the time of
 * api_handle().  Strings are NUL-terminated; body is body_len bytes and
 * need not be.  path is the request path without query string (REQUEST_URI
 * or SCRIPT_NAME + PATH_INFO); the API is found at its first "/v1/".
 */
struct api_request {
	const char *method;
	const char *path;
	const char *query;		/* after '?', NULL when none */
	const char *content_type;	/* NULL when absent */
	const char *authorization;	/* NULL when absent */
	const char *body;
	size_t body_len;
	int body_too_large;	/* more than api_body_cap() bytes were announced */
	int body_incomplete;	/* bad CONTENT_LENGTH or fewer bytes arrived */
	/*
	 * Set by a transport that can answer after api_handle returned
	 * (cgi/fcgi.c), else NULL.  A handler may then take the request
	 * over: api_handle returns 1 at once, and answer(answer_u) is
	 * called, on whatever thread, once resp holds the answer; the
	 * request and resp must stay valid until then.
	 */
	void (*answer)(void *u);
	void *answer_u;
};

/* The answer: status, a few headers, a JSON body (empty for 204). */
struct api_response {
	int status;
	char allow[64];		/* Allow header of a 405, "" otherwise */
	int www_authenticate;	/* 1 on 401: WWW-Authenticate: Bearer */
	int retry_after;	/* > 0: Retry-After: seconds (503) */
	char location[API_LOCATION_MAX + 1];	/* Location of a 307, "" */
	struct buf body;
};

/* Open the store if it is not open yet.  0, or -1 (logged). */
int api_open_store(struct api_ctx *ctx);

/* Largest body the request may carry (max_event_bytes for POST
 * /v1/events, max_batch_bytes for POST /v1/events/batch, API_BODY_MAX
 * otherwise); the reader refuses more. */
size_t api_body_cap(const struct api_ctx *ctx, const char *method,
    const char *path);

/*
 * Handle one request: resp (initialized with response_init) receives
 * the status and body.  Never fails as a whole: every error becomes a JSON
 * error answer.  Leaves no transaction or lock behind.  0, or 1 when a
 * handler took the request over (only with req->answer set): its answer
 * comes through req->answer, maybe before this returns, and the caller
 * must not touch req or resp any more.
 */
int api_handle(struct api_ctx *ctx, const struct api_request *req,
    struct api_response *resp);

#endif
