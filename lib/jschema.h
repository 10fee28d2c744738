/*
 * jschema.h - JSON Schema (draft 2020-12) over json-c values: compile a
 * schema once, then validate any number of instances with it
 * (lib/jsvalid.h).
 *
 * Supported keywords: type, enum, const, properties, required,
 * additionalProperties, patternProperties, items, prefixItems, minItems,
 * maxItems, uniqueItems, contains, minLength, maxLength, pattern, minimum,
 * maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, minProperties,
 * maxProperties, allOf, anyOf, oneOf, not, if/then/else, $defs with local
 * $ref ("#", "#/$defs/NAME", any JSON pointer to a subschema of the same
 * document), boolean schemas, and format as an annotation.  title,
 * description, examples, default, deprecated, readOnly, writeOnly,
 * $schema, $comment and a root $id are accepted and ignored.  Any other
 * keyword, or a keyword whose value has the wrong shape, makes the
 * schema invalid: an unknown keyword is more often a typo than an
 * extension, and a typo would silently accept everything.
 *
 * pattern and patternProperties are ECMA-262-like regular expressions run
 * by PCRE2 in UTF mode, unanchored, with match and depth limits.  Lengths
 * count Unicode code points.  Numbers compare as the numbers their JSON
 * text writes (1.0 is the integer 1; multipleOf is exact on the decimal
 * text, lib/jsnum.h).
 */
#ifndef HOOKD_JSCHEMA_H
#define HOOKD_JSCHEMA_H

#include <stddef.h>

#include <json-c/json.h>

struct jschema;

/* The longest JSON pointer shown in a message; longer ones are cut. */
#define JSCHEMA_PTR_MAX 256

/*
 * Compile root.  0 with *out (free with jschema_free), or -1 with
 * "at \"#/POINTER\": KEYWORD: message" in err.  The compiled schema holds a
 * reference to root (json_object_get), so enum and const values stay
 * valid; the caller may put its own.  Bounded by root's depth (the parser's
 * limit) and size.
 */
int jschema_compile(struct json_object *root, struct jschema **out,
    char *err, size_t errlen);

void jschema_free(struct jschema *s);

#endif
