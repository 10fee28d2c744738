/*
 * jin.h - reading request JSON: the one gate every request body passes
 * (exactly RFC 8259 + I-JSON, lib/jsontext.h, then json-c builds the
 * tree) and typed field getters.
 *
 * Getters return 0 or -1 with a message naming the field in err; the
 * caller answers 422 with it.  No field takes JSON null: jin_only and every
 * getter refuse a field present as null ("url: must not be null ...").
 * Returned strings point into the object (valid while it lives).
 */
#ifndef HOOKD_CGI_JIN_H
#define HOOKD_CGI_JIN_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/*
 * Parse n bytes as one JSON text: 0 with *out owned by the caller (NULL
 * for the text "null"), or -1 with err (400 invalid_json) saying what is
 * wrong and at which byte.  Accepted: exactly what jsontext_check accepts
 * (RFC 8259, UTF-8, no escaped lone surrogate, no \u0000 in a member
 * name, nesting at most depth) with no member name twice in one object.
 * A "\u0000" inside a string value is kept: such strings carry their
 * length (json_object_get_string_len); member names hold no NUL.
 */
int jin_parse(const char *p, size_t n, int depth, struct json_object **out,
    char *err, size_t errlen);

/* -1 if o has a key not in the NULL-terminated list allowed, or a key
 * whose value is null. */
int jin_only(struct json_object *o, const char *const *allowed, char *err,
    size_t errlen);

/*
 * jin_only, and the value of each allowed field into vals (vals[i] that
 * of allowed[i], NULL when absent; vals has room for every name), in one
 * pass over o's members rather than a look-up per field.  Then
 * jin_field_str and jin_field_time check a value as jin_str and jin_time
 * check the field (v NULL: absent), with the same messages.
 */
int jin_fields(struct json_object *o, const char *const *allowed,
    struct json_object **vals, char *err, size_t errlen);
int jin_field_str(struct json_object *v, const char *key, int required,
    size_t minlen, size_t maxlen, const char **out, char *err, size_t errlen);
int jin_field_time(struct json_object *v, const char *key, int required,
    int64_t *out, int *present, char *err, size_t errlen);

/* A string of minlen..maxlen bytes without NUL.  *out NULL when absent
 * and not required. */
int jin_str(struct json_object *o, const char *key, int required,
    size_t minlen, size_t maxlen, const char **out, char *err, size_t errlen);

/* 1 if s (a string a getter returned) holds no control character (below
 * 0x20, or 0x7f), else 0: for names and ids that are shown and logged. */
int jin_printable(const char *s);

/* An integer in [min, max].  *present 0 when absent and not required. */
int jin_int(struct json_object *o, const char *key, int required,
    int64_t min, int64_t max, int64_t *out, int *present, char *err,
    size_t errlen);

/* true/false.  *present 0 when absent. */
int jin_bool(struct json_object *o, const char *key, int *out, int *present,
    char *err, size_t errlen);

/* An RFC 3339 time string, into ms.  *present 0 when absent. */
int jin_time(struct json_object *o, const char *key, int required,
    int64_t *out, int *present, char *err, size_t errlen);

/*
 * 0 if every integer inside o can be sent back exactly as it came; -1 if
 * one lies beyond 64 bits (json-c clamps those to INT64_MIN / UINT64_MAX,
 * so those two values are refused too).
 */
int jin_ints_exact(struct json_object *o);

#endif
