/*
 * events.h - the envelope every receiver gets, built once per event:
 * {"id","type","timestamp","org_id","app_id"?,"user_id"?,"data"}.
 * app_id and user_id are left out when not known.
 */
#ifndef HOOKD_CGI_EVENTS_H
#define HOOKD_CGI_EVENTS_H

#include <stdint.h>

#include <json-c/json.h>

#include "lib/buf.h"

/* Serialize the envelope into out (reset first).  data is borrowed.
 * 0 or -1 (memory, cap). */
int events_envelope(struct buf *out, const char *id, const char *type,
    int64_t ts_ms, const char *org_id, const char *app_id,
    const char *user_id, struct json_object *data);

#endif
