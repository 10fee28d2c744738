/* request.c - CGI variables + body in, status + headers + JSON out. */
#include <stdint.h>
#include <string.h>

#include "cgi/request.h"
#include "cgi/response.h"
#include "lib/num.h"

#define REQUEST_PATH_MAX 8192

/* The most body memory a request slot keeps between requests: a batch of
 * 100 1 KiB events is ~100 KiB.  Freeing a block that large made glibc
 * consolidate its fast bins on every request (the thousands of small
 * blocks of the parsed body just freed: ~2,100 instructions per batch
 * event under callgrind); kept, the next body reuses it. */
#define REQUEST_BODY_KEEP ((size_t)1 << 20)

void
request_init(struct request *r)
{
	memset(&r->req, 0, sizeof(r->req));
	buf_init(&r->path, REQUEST_PATH_MAX);
	buf_init(&r->body, 0);
}

void
request_free(struct request *r)
{
	buf_free(&r->path);
	buf_free(&r->body);
	memset(&r->req, 0, sizeof(r->req));
}

void
request_done(struct request *r)
{
	buf_reset(&r->path);
	if (r->body.size > REQUEST_BODY_KEEP)
		buf_free(&r->body);
	else
		buf_reset(&r->body);
	memset(&r->req, 0, sizeof(r->req));
}

/* Parse a CONTENT_LENGTH value (digits only; NULL or "" is 0).  0 or -1. */
static int
request_length(const char *s, uint64_t *out)
{
	if (s == NULL || *s == '\0') {
		*out = 0;
		return 0;
	}
	return num_parse_u64(s, NUM_CSTR, 0, UINT64_MAX, out, NULL);
}

/* The path: REQUEST_URI's path part, else SCRIPT_NAME + PATH_INFO. */
static void
request_path(struct request *r, const struct request_io *io)
{
	const char *uri, *q, *s;

	buf_reset(&r->path);
	uri = io->getenv(io->u, "REQUEST_URI");
	if (uri != NULL && *uri != '\0') {
		q = strchr(uri, '?');
		(void)buf_add(&r->path, uri,
		    q != NULL ? (size_t)(q - uri) : strlen(uri));
	} else {
		if ((s = io->getenv(io->u, "SCRIPT_NAME")) != NULL)
			(void)buf_adds(&r->path, s);
		if ((s = io->getenv(io->u, "PATH_INFO")) != NULL)
			(void)buf_adds(&r->path, s);
	}
	/* An over-long path is cut: it then matches no route (404). */
	r->req.path = r->path.data != NULL ? r->path.data : "";
	r->req.query = io->getenv(io->u, "QUERY_STRING");
	if (r->req.query == NULL && uri != NULL && (q = strchr(uri, '?')))
		r->req.query = q + 1;
}

void
request_read(struct request *r, const struct api_ctx *ctx,
    const struct request_io *io)
{
	struct api_request *q = &r->req;
	uint64_t len;
	char chunk[16384];
	size_t cap, want;
	long n;

	memset(q, 0, sizeof(*q));
	buf_reset(&r->body);	/* memory kept from the last (request_done) */
	/* No REQUEST_METHOD: api_handle answers 400. */
	q->method = io->getenv(io->u, "REQUEST_METHOD");
	request_path(r, io);
	q->content_type = io->getenv(io->u, "CONTENT_TYPE");
	q->authorization = io->getenv(io->u, "HTTP_AUTHORIZATION");
	q->body = "";
	if (request_length(io->getenv(io->u, "CONTENT_LENGTH"), &len) == -1) {
		q->body_incomplete = 1;
		return;
	}
	cap = q->method != NULL ?
	    api_body_cap(ctx, q->method, q->path) : API_BODY_MAX;
	if (len > cap) {
		q->body_too_large = 1;
		return;
	}
	if (len == 0)
		return;
	r->body.cap = (size_t)len;	/* this body's length, not more */
	/* one allocation of the announced size, not a doubling series (a
	 * 1 KiB event took 5); a failure is the loop's to see */
	(void)buf_reserve(&r->body, (size_t)len);
	while (r->body.len < (size_t)len) {
		want = (size_t)len - r->body.len;
		if (want > sizeof(chunk))
			want = sizeof(chunk);
		n = io->read(io->u, chunk, want);
		if (n <= 0 || buf_add(&r->body, chunk, (size_t)n) == -1)
			break;
	}
	q->body = r->body.data;
	q->body_len = r->body.len;
	if (r->body.len < (size_t)len)
		q->body_incomplete = 1;
}

int
request_write(const struct api_response *resp, const struct request_io *io)
{
	struct buf h;
	int rc = -1;

	buf_init(&h, 1024);
	(void)buf_reserve(&h, 256);	/* the usual headers in one malloc */
	if (resp->status < 100 || resp->status > 999 ||
	    buf_adds(&h, "Status: ") == -1 ||
	    buf_add_u64(&h, (uint64_t)resp->status) == -1 ||
	    buf_add(&h, " ", 1) == -1 ||
	    buf_adds(&h, response_reason(resp->status)) == -1 ||
	    buf_add(&h, "\r\n", 2) == -1)
		goto out;
	if (resp->body.len > 0 && (buf_adds(&h,
	    "Content-Type: application/json\r\nContent-Length: ") == -1 ||
	    buf_add_u64(&h, (uint64_t)resp->body.len) == -1 ||
	    buf_add(&h, "\r\n", 2) == -1))
		goto out;
	if (resp->allow[0] != '\0' &&
	    buf_printf(&h, "Allow: %s\r\n", resp->allow) == -1)
		goto out;
	if (resp->www_authenticate &&
	    buf_adds(&h, "WWW-Authenticate: Bearer realm=\"hookd\"\r\n") == -1)
		goto out;
	if (resp->location[0] != '\0' &&
	    buf_printf(&h, "Location: %s\r\n", resp->location) == -1)
		goto out;
	if (resp->retry_after > 0 &&
	    buf_printf(&h, "Retry-After: %d\r\n", resp->retry_after) == -1)
		goto out;
	if (buf_adds(&h, "Cache-Control: no-store\r\n\r\n") == -1)
		goto out;
	if (io->write(io->u, h.data, h.len) == -1)
		goto out;
	if (resp->body.len > 0 &&
	    io->write(io->u, resp->body.data, resp->body.len) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&h);
	return rc;
}
