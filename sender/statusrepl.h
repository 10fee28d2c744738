/*
 * statusrepl.h - the status page's replication part: the site's role, the
 * master and each site of the group (status.json "replication", and a
 * section of status.html), from hookd-repl's state file (lib/replstate.h).
 * Absent on a site that is not replicated.
 */
#ifndef HOOKD_SENDER_STATUSREPL_H
#define HOOKD_SENDER_STATUSREPL_H

#include <json-c/json.h>

#include "sender/html.h"
#include "sender/statusdata.h"

/* status.json's "replication" object, or NULL when not replicated. */
json_object *statusrepl_json(const struct statusdata *sd);

/* status.html's {{replication}} slot: nothing when not replicated. */
void statusrepl_put(struct html *p, const struct statusdata *sd);

#endif
