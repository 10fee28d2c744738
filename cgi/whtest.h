/*
 * whtest.h - POST /v1/apps/{app}/webhooks/{wh}/test: a webhook.test event
 * delivered to that webhook only.
 */
#ifndef HOOKD_CGI_WHTEST_H
#define HOOKD_CGI_WHTEST_H

#include "cgi/call.h"

/* Handler (router.c's table). */
void whtest_send(struct api_call *c);

#endif
