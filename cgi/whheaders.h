/*
 * whheaders.h - a webhook's "headers" field: extra request headers the
 * sender adds to every attempt (rules and stored form: lib/xheader.h).
 */
#ifndef HOOKD_CGI_WHHEADERS_H
#define HOOKD_CGI_WHHEADERS_H

#include <json-c/json.h>
#include <stddef.h>

#include "cgi/call.h"

/*
 * The body's "headers" (an object of string values) into out (outlen
 * bytes, at least STORE_HEADERS_MAX + 1) in the stored form; {} gives "".
 * *present is 0 when the body has no "headers" (out untouched).  0, or -1
 * with the 422 (code invalid_field, message "headers: ...") written; a
 * null "headers" is 422 too.
 */
int whheaders_arg(struct api_call *c, int *present, char *out,
    size_t outlen);

/* The stored form as a JSON object (names as given); {} when none. */
struct json_object *whheaders_json(const char *text);

#endif
