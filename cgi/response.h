/*
 * response.h - JSON answers and errors into a struct api_response.
 *
 * Errors are exactly {"error":{"code":"snake_case","message":"..."}}.
 */
#ifndef HOOKD_CGI_RESPONSE_H
#define HOOKD_CGI_RESPONSE_H

#include <json-c/json.h>

#include "cgi/api.h"

void response_init(struct api_response *r);
/* Forget status, headers and body (memory kept) for another answer. */
void response_reset(struct api_response *r);
void response_free(struct api_response *r);
/* End the answer between two requests of one slot: response_reset, the
 * body's memory kept for the next (up to a cap). */
void response_done(struct api_response *r);

/* Answer status with o serialized; takes o's reference (puts it). */
void response_json(struct api_response *r, int status, struct json_object *o);
/* Answer status with the n bytes of json as they are (the caller made
 * them valid JSON). */
void response_raw(struct api_response *r, int status, const char *json,
    size_t n);
/* Answer status with no body (204). */
void response_empty(struct api_response *r, int status);
/* Answer an error; message is printf-formatted, truncated at 512 bytes. */
void response_error(struct api_response *r, int status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Reason phrase of a status ("Not Found"), "Unknown" if not ours. */
const char *response_reason(int status);

#endif
