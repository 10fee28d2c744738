/*
 * jout.h - building answer JSON from stored records.
 *
 * Every function returns a new json-c object (NULL only when out of
 * memory; json_object_object_add tolerates NULL values as JSON null).
 */
#ifndef HOOKD_CGI_JOUT_H
#define HOOKD_CGI_JOUT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* A JSON string of n bytes; invalid UTF-8 becomes U+FFFD. */
struct json_object *jout_str_len(const char *s, size_t n);
/* Same for a NUL-terminated string; "" gives JSON null when empty_null. */
struct json_object *jout_str(const char *s, int empty_null);
/* RFC 3339 time of ms; 0 gives JSON null. */
struct json_object *jout_time(int64_t ms);
/* An int64 number. */
struct json_object *jout_int(int64_t v);
/* A JSON array of the comma-separated entries of list. */
struct json_object *jout_list(const char *list);

#endif
