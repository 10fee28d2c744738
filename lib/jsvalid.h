/*
 * jsvalid.h - validate a json-c value against a compiled JSON Schema
 * (lib/jschema.h).
 *
 * Validation stops at the first failure and reports it as
 *   at "/INSTANCE/POINTER": KEYWORD: message (schema "#/SCHEMA/POINTER")
 * The work is bounded whatever the schema and instance: at most
 * JSVALID_STEPS steps (a subschema applied or two values compared is one
 * step; a regular expression run is 400 + length/8, so at most 10,000 runs,
 * each under PCRE2's match limit: well under a second in all) and
 * JSVALID_DEPTH nested subschemas; beyond that the instance is refused with
 * a message saying so.
 */
#ifndef HOOKD_JSVALID_H
#define HOOKD_JSVALID_H

#include <stddef.h>

#include <json-c/json.h>

#include "lib/jschema.h"

#define JSVALID_STEPS 4000000UL
#define JSVALID_DEPTH 256

/*
 * 0 if inst is valid; 1 if not, with the message in err; -1 if the
 * validation gave up (a work limit, a regular expression's match limit,
 * memory), with err.  Callers refusing invalid data refuse both.
 * Not thread-safe for one s (its regular expressions keep match data).
 */
int jsvalid_check(const struct jschema *s, struct json_object *inst,
    char *err, size_t errlen);

#endif
