/* response.c - JSON answers and errors. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cgi/response.h"
#include "lib/log.h"

/* The most answer memory a request slot keeps between requests
 * (response_done): a batch of 100 answers ~6 KiB; freed, a block that
 * size made glibc consolidate its fast bins on every request. */
#define RESPONSE_BODY_KEEP ((size_t)256 << 10)

void
response_init(struct api_response *r)
{
	r->status = 500;
	r->allow[0] = '\0';
	r->www_authenticate = 0;
	r->retry_after = 0;
	r->location[0] = '\0';
	buf_init(&r->body, API_RESPONSE_MAX);
}

void
response_reset(struct api_response *r)
{
	r->status = 500;
	r->allow[0] = '\0';
	r->www_authenticate = 0;
	r->retry_after = 0;
	r->location[0] = '\0';
	buf_reset(&r->body);
}

void
response_free(struct api_response *r)
{
	buf_free(&r->body);
}

void
response_done(struct api_response *r)
{
	if (r->body.size > RESPONSE_BODY_KEEP)
		buf_free(&r->body);
	response_reset(r);
}

/* The fixed answer when even an error could not be built (out of memory,
 * answer over API_RESPONSE_MAX). */
static void
response_fallback(struct api_response *r)
{
	static const char msg[] =
	    "{\"error\":{\"code\":\"internal_error\",\"message\":"
	    "\"the answer could not be built\"}}";

	buf_reset(&r->body);
	r->status = 500;
	(void)buf_add(&r->body, msg, sizeof(msg) - 1);
}

void
response_json(struct api_response *r, int status, struct json_object *o)
{
	const char *s;
	size_t n;

	buf_reset(&r->body);
	r->status = status;
	if (o == NULL) {
		log_err("response: no JSON object for status %d", status);
		response_fallback(r);
		return;
	}
	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (s == NULL || buf_add(&r->body, s, n) == -1) {
		log_err("response: answer of status %d too large", status);
		response_fallback(r);
	}
	json_object_put(o);
}

void
response_raw(struct api_response *r, int status, const char *json, size_t n)
{
	buf_reset(&r->body);
	r->status = status;
	if (buf_add(&r->body, json, n) == -1) {
		log_err("response: answer of status %d too large", status);
		response_fallback(r);
	}
}

void
response_empty(struct api_response *r, int status)
{
	buf_reset(&r->body);
	r->status = status;
}

void
response_error(struct api_response *r, int status, const char *code,
    const char *fmt, ...)
{
	struct json_object *o, *e;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = json_object_new_object();
	o = json_object_new_object();
	if (e == NULL || o == NULL) {
		json_object_put(e);
		json_object_put(o);
		response_fallback(r);
		return;
	}
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	response_json(r, status, o);
}

const char *
response_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 307: return "Temporary Redirect";
	default: return "Unknown";
	}
}
