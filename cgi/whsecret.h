/*
 * whsecret.h - a webhook's signing secret: GET .../webhooks/{wh}/secret,
 * POST .../webhooks/{wh}/secret/rotate, and the optional "secret" field
 * that create and rotate share.
 */
#ifndef HOOKD_CGI_WHSECRET_H
#define HOOKD_CGI_WHSECRET_H

#include <stddef.h>

#include "cgi/call.h"

/* Handlers (router.c's table). */
void whsecret_get(struct api_call *c);
void whsecret_rotate(struct api_call *c);

/*
 * The body's optional "secret" into out (outlen bytes), else a new random
 * one.  0, or -1 with the answer (422 or 503) written.
 */
int whsecret_arg(struct api_call *c, char *out, size_t outlen);

#endif
