/*
 * request.h - a request from CGI-style variables and a body stream into a
 * struct api_request, and the answer back out; the transport (FastCGI or
 * plain CGI) is a struct request_io of callbacks.
 */
#ifndef HOOKD_CGI_REQUEST_H
#define HOOKD_CGI_REQUEST_H

#include <stddef.h>

#include "cgi/api.h"
#include "lib/buf.h"

struct request_io {
	void *u;
	/* The variable's value or NULL.  Valid until the request ends. */
	const char *(*getenv)(void *u, const char *name);
	/* Up to n bytes of body: count read, 0 at end, -1 on error. */
	long (*read)(void *u, char *p, size_t n);
	/* All n bytes, 0 or -1. */
	int (*write)(void *u, const void *p, size_t n);
};

/* One request's storage.  Owns path and body; req points into them and
 * into the transport's variables. */
struct request {
	struct api_request req;
	struct buf path;
	struct buf body;
};

void request_init(struct request *r);
/* Free what the request holds (the last one of r). */
void request_free(struct request *r);
/* End the request between two of the same r: what it held is let go,
 * the memory of the body (up to a cap) and the path kept for the next
 * one. */
void request_done(struct request *r);

/*
 * Read variables and body.  The body is read only up to
 * api_body_cap(): a larger CONTENT_LENGTH sets body_too_large and the body
 * is left unread.  Never fails: problems are flags in r->req.
 */
void request_read(struct request *r, const struct api_ctx *ctx,
    const struct request_io *io);

/* Write status, headers and body.  0, or -1 when the client went away. */
int request_write(const struct api_response *resp,
    const struct request_io *io);

#endif
