/*
 * master.h - writes on a replicated site (docs/api.md "Replication"): only
 * the master takes them; a client sends the writer to the master (307)
 * or, while no live master is known, answers 503 no_master.  The site's
 * role comes from hookd-repl's state file (lib/replstate.h).  Without
 * replication_listen nothing here does anything.
 */
#ifndef HOOKD_CGI_MASTER_H
#define HOOKD_CGI_MASTER_H

#include <json-c/json.h>

#include "cgi/call.h"

/* 1 if the method writes (anything but GET and HEAD). */
int master_writes(const char *method);

/*
 * Before a write: 0 when this site may take it (the master, or not
 * replicated); -1 with the answer written (307 to the master's
 * public_url + the same path from "/v1/" and query, or 503 no_master with
 * Retry-After: 1).
 */
int master_gate(struct api_call *c);

/* A write refused by the store (STORE_NOTMASTER: mastership lost during
 * the request): answer as master_gate does for a client. */
void master_redirect(struct api_call *c);

/* On a replicated site, add "role" and "master" (the master's public_url
 * or null) to the health answer o; elsewhere nothing. */
void master_health(const struct api_call *c, struct json_object *o);

#endif
