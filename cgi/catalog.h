/*
 * catalog.h - the API's side of the event catalog: the catalog itself
 * (types, schemas, examples, filter entries) is lib/catalog.h, shared with
 * the sender; this adds the check of an event's data at intake.
 * The handlers (GET /v1/event-types[/{type}], GET /v1/health) are in
 * cgi/handlers.h.
 */
#ifndef HOOKD_CGI_CATALOG_H
#define HOOKD_CGI_CATALOG_H

#include <json-c/json.h>

#include "cgi/call.h"
#include "lib/catalog.h"

/*
 * Intake's check of data against type's schema (validate_events): 0 if
 * it may be stored, or -1 with the answer written (422 invalid_field,
 * "data: at \"/POINTER\": KEYWORD: ...").  For single and batch events.
 */
int catalog_intake_check(struct api_call *c, const char *type,
    struct json_object *data);

#endif
