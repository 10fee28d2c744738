/*
 * envelope.h - the body every receiver gets for an event, built once, at
 * intake, and stored as it is (the sender signs and sends those bytes):
 *
 *   {"id","type","timestamp","org_id","app_id"?,"user_id"?,"data"}
 *
 * in that order, compact, written exactly as json-c writes the same object
 * (json_object_to_json_string_ext with JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE): "/" is not escaped, \b \f \n \r \t \"
 * \\ are escaped by name and other bytes below 0x20 as \u00xx, UTF-8 and
 * 0x7f are written as they are, integers as 64-bit values, doubles as the
 * text they were parsed from.  tests/unit/test_envelope.c pins the bytes;
 * test_intake_fast.c checks them against json-c on generated data.
 */
#ifndef HOOKD_LIB_ENVELOPE_H
#define HOOKD_LIB_ENVELOPE_H

#include <stdint.h>

#include <json-c/json.h>

#include "lib/buf.h"

/*
 * The envelope into out (reset first).  Strings are NUL-terminated valid
 * UTF-8 (intake's parser checks every body); app_id NULL or "" and user_id
 * NULL are left out; ts_ms 0 is written as null.  data (borrowed) is an
 * object made by json-c's parser.  0, or -1 (memory, out's cap).
 */
int envelope_build(struct buf *out, const char *id, const char *type,
    int64_t ts_ms, const char *org_id, const char *app_id,
    const char *user_id, struct json_object *data);

#endif
