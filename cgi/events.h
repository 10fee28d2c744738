/*
 * events.h - the check of one event as POST /v1/events takes it, shared
 * by that endpoint (events.c) and the batch (batch.c): an event is valid
 * in a batch exactly when it is valid alone.
 */
#ifndef HOOKD_CGI_EVENTS_H
#define HOOKD_CGI_EVENTS_H

#include "cgi/call.h"
#include "cgi/intake.h"
#include "lib/buf.h"

/*
 * Check the event object c->body (a JSON object) and fill in->ev (id
 * given or made, type, org_id, app_id, created_at: now, unless the
 * caller set it, non-zero, before) and in->given_id; the
 * envelope is built into env (cap: max_event_bytes + 1 KiB, set by the
 * caller) and in->ev.body borrows it.  0, or -1 with the error answer
 * written into c->resp: 422 (a field), 413 (the envelope over env's cap),
 * 503 (no entropy for an id).  Only c->cfg, c->body and c->resp are used.
 */
int events_parse(struct api_call *c, struct intake *in, struct buf *env);

/* The cap events_parse's env buffer must have. */
#define EVENTS_ENVELOPE_CAP(cfg) ((cfg)->max_event_bytes + 1024)

#endif
