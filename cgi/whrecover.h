/*
 * whrecover.h - POST /v1/apps/{app}/webhooks/{wh}/recover: the webhook's
 * failed deliveries since a time, pending again and due now.
 */
#ifndef HOOKD_CGI_WHRECOVER_H
#define HOOKD_CGI_WHRECOVER_H

#include "cgi/call.h"

/* Handler (router.c's table). */
void whrecover_requeue(struct api_call *c);

#endif
