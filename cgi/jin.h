/*
 * jin.h - reading request JSON: the parse (depth-limited, strict, UTF-8
 * validated, no trailing garbage) and typed field getters.
 *
 * Getters return 0 or -1 with a message naming the field in err; the
 * caller answers 422 with it.  A field whose value is JSON null counts as
 * absent.  Returned strings point into the object (valid while it lives).
 */
#ifndef HOOKD_CGI_JIN_H
#define HOOKD_CGI_JIN_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* Parse n bytes as one JSON value.  0 with *out owned by the caller, or -1
 * with err (400).  The whole input must be well-formed UTF-8 (RFC 3629:
 * overlong forms, encoded surrogates and code points past U+10FFFF are
 * refused). */
int jin_parse(const char *p, size_t n, int depth, struct json_object **out,
    char *err, size_t errlen);

/* -1 if o has a key not in the NULL-terminated list allowed. */
int jin_only(struct json_object *o, const char *const *allowed, char *err,
    size_t errlen);

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
