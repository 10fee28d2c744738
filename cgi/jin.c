/* jin.c - request JSON: the strict parse (lib/jsontext.c, then the tree
 * by lib/jsontree.c, json-c's tokener for what that leaves to it) and
 * typed fields. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cgi/jin.h"
#include "lib/jsontext.h"
#include "lib/jsontree.h"
#include "lib/timefmt.h"

/*
 * The number of object members in the tree o (every object, every level).
 * json-c keeps one value per member name, so a tree with fewer members than
 * its text has had a name repeated.
 */
static size_t
jin_tree_members(struct json_object *o)
{
	size_t i, n, count = 0;

	switch (json_object_get_type(o)) {
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			count += jin_tree_members(
			    json_object_array_get_idx(o, i));
		return count;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			count += 1 + jin_tree_members(val);
		}
		return count;
	}
	default:
		return 0;
	}
}

/* What the tokener makes of p, which jsontext_check accepted with
 * `members` members: json-c's own parse, for the texts jsontree_build
 * leaves to it (an integer of 19 digits or more). */
static int
jin_parse_jsonc(const char *p, size_t n, int depth, size_t members,
    struct json_object **out, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	enum json_tokener_error jerr;
	size_t at;

	/* json-c counts a scalar inside the deepest container as a level. */
	tok = json_tokener_new_ex(depth + 1);
	if (tok == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, p, (int)n);
	jerr = json_tokener_get_error(tok);
	/* A number or literal at the top ends only at a NUL for json-c. */
	if (o == NULL && jerr == json_tokener_continue) {
		o = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
	}
	if (jerr != json_tokener_success) {
		/* jsontext_check accepted it: json-c should too. */
		snprintf(err, errlen, "%s at byte %zu",
		    json_tokener_error_desc(jerr), json_tokener_get_parse_end(tok));
		goto bad;
	}
	if (jin_tree_members(o) != members) {
		if (jsontext_dup(p, n, &at, err, errlen) == 0)
			snprintf(err, errlen, "duplicate member name");
		goto bad;
	}
	json_tokener_free(tok);
	*out = o;	/* NULL for a top-level null */
	return 0;
bad:
	json_object_put(o);
	json_tokener_free(tok);
	return -1;
}

int
jin_parse(const char *p, size_t n, int depth, struct json_object **out,
    char *err, size_t errlen)
{
	size_t members, at;
	int rc;

	*out = NULL;
	if (n > (size_t)INT32_MAX) {
		snprintf(err, errlen, "the body is too large");
		return -1;
	}
	if (jsontext_check(p, n, depth, &members, &at, err, errlen) == -1)
		return -1;
	rc = jsontree_build(p, n, out);
	if (rc == JSONTREE_OTHER)
		return jin_parse_jsonc(p, n, depth, members, out, err, errlen);
	if (rc == JSONTREE_DUP) {
		if (jsontext_dup(p, n, &at, err, errlen) == 0)
			snprintf(err, errlen, "duplicate member name");
		return -1;
	}
	if (rc == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;	/* *out NULL for a top-level null */
}

/* The length of key cut to at most 64 bytes at a UTF-8 boundary, so that
 * an error message quoting it stays UTF-8. */
static int
jin_key_shown(const char *key)
{
	size_t n = strlen(key);

	if (n <= 64)
		return (int)n;
	n = 64;
	while (n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

int
jin_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int
jin_fields(struct json_object *o, const char *const *allowed,
    struct json_object **vals, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; vals != NULL && allowed[i] != NULL; i++)
		vals[i] = NULL;
	json_object_object_foreach(o, key, val) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(err, errlen, "%.*s: unknown field",
			    jin_key_shown(key), key);
			return -1;
		}
		if (val == NULL) {
			snprintf(err, errlen, "%s: must not be null (leave "
			    "the field out instead)", key);
			return -1;
		}
		if (vals != NULL)
			vals[i] = val;
	}
	return 0;
}

int
jin_only(struct json_object *o, const char *const *allowed, char *err,
    size_t errlen)
{
	return jin_fields(o, allowed, NULL, err, errlen);
}

/*
 * The check of a field's value v (present 0: the field is absent) of
 * JSON type t: 0, or -1 with err when the field is present as JSON null
 * (which no field takes), absent but required, or not of type t ("must
 * be <what>").
 */
static int
jin_typed(int present, struct json_object *v, const char *key, int required,
    enum json_type t, const char *what, char *err, size_t errlen)
{
	if (!present) {
		if (!required)
			return 0;
		snprintf(err, errlen, "%s: required", key);
		return -1;
	}
	if (v == NULL) {
		snprintf(err, errlen, "%s: must not be null (leave the field "
		    "out instead)", key);
		return -1;
	}
	if (!json_object_is_type(v, t)) {
		snprintf(err, errlen, "%s: must be %s", key, what);
		return -1;
	}
	return 0;
}

/*
 * The value of key into *v, checked by jin_typed: 0 (*v NULL when absent
 * and not required), or -1 with err.
 */
static int
jin_get(struct json_object *o, const char *key, int required,
    enum json_type t, const char *what, struct json_object **v, char *err,
    size_t errlen)
{
	int present;

	*v = NULL;
	present = json_object_object_get_ex(o, key, v);
	return jin_typed(present, *v, key, required, t, what, err, errlen);
}

/* The string v of field key: minlen..maxlen bytes without NUL. */
static int
jin_str_of(struct json_object *v, const char *key, size_t minlen,
    size_t maxlen, const char **out, char *err, size_t errlen)
{
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);

	if (memchr(s, '\0', n) != NULL) {
		snprintf(err, errlen, "%s: must not contain NUL", key);
		return -1;
	}
	if (n < minlen || n > maxlen) {
		snprintf(err, errlen, "%s: length must be %zu to %zu bytes",
		    key, minlen, maxlen);
		return -1;
	}
	*out = s;
	return 0;
}

/* jin_str's check of the field's value v (present 0: absent). */
static int
jin_str_at(int present, struct json_object *v, const char *key,
    int required, size_t minlen, size_t maxlen, const char **out, char *err,
    size_t errlen)
{
	*out = NULL;
	if (jin_typed(present, v, key, required, json_type_string,
	    "a string", err, errlen) == -1)
		return -1;
	if (!present)
		return 0;
	return jin_str_of(v, key, minlen, maxlen, out, err, errlen);
}

int
jin_str(struct json_object *o, const char *key, int required,
    size_t minlen, size_t maxlen, const char **out, char *err, size_t errlen)
{
	struct json_object *v = NULL;
	int present = json_object_object_get_ex(o, key, &v);

	return jin_str_at(present, v, key, required, minlen, maxlen, out, err,
	    errlen);
}

int
jin_field_str(struct json_object *v, const char *key, int required,
    size_t minlen, size_t maxlen, const char **out, char *err, size_t errlen)
{
	/* jin_fields refused null: NULL is an absent field */
	return jin_str_at(v != NULL, v, key, required, minlen, maxlen, out,
	    err, errlen);
}

int
jin_int(struct json_object *o, const char *key, int required,
    int64_t min, int64_t max, int64_t *out, int *present, char *err,
    size_t errlen)
{
	struct json_object *v;
	int64_t x;

	*present = 0;
	if (jin_get(o, key, required, json_type_int, "an integer", &v, err,
	    errlen) == -1)
		return -1;
	if (v == NULL)
		return 0;
	x = json_object_get_int64(v);
	/* json-c keeps values above INT64_MAX as uint64: out of any range. */
	if (x < min || x > max || (x == INT64_MAX &&
	    json_object_get_uint64(v) != (uint64_t)INT64_MAX)) {
		snprintf(err, errlen, "%s: must be from %lld to %lld", key,
		    (long long)min, (long long)max);
		return -1;
	}
	*out = x;
	*present = 1;
	return 0;
}

int
jin_bool(struct json_object *o, const char *key, int *out, int *present,
    char *err, size_t errlen)
{
	struct json_object *v;

	*present = 0;
	if (jin_get(o, key, 0, json_type_boolean, "true or false", &v, err,
	    errlen) == -1)
		return -1;
	if (v == NULL)
		return 0;
	*out = json_object_get_boolean(v) ? 1 : 0;
	*present = 1;
	return 0;
}

/* The time string s of field key (NULL: absent) into ms. */
static int
jin_time_of(const char *s, const char *key, int64_t *out, int *present,
    char *err, size_t errlen)
{
	if (s == NULL)
		return 0;
	if (timefmt_parse(s, out) == -1) {
		snprintf(err, errlen, "%s: must be an RFC 3339 time", key);
		return -1;
	}
	*present = 1;
	return 0;
}

int
jin_time(struct json_object *o, const char *key, int required,
    int64_t *out, int *present, char *err, size_t errlen)
{
	const char *s;

	*present = 0;
	if (jin_str(o, key, required, 1, 64, &s, err, errlen) == -1)
		return -1;
	return jin_time_of(s, key, out, present, err, errlen);
}

int
jin_field_time(struct json_object *v, const char *key, int required,
    int64_t *out, int *present, char *err, size_t errlen)
{
	const char *s;

	*present = 0;
	if (jin_field_str(v, key, required, 1, 64, &s, err, errlen) == -1)
		return -1;
	return jin_time_of(s, key, out, present, err, errlen);
}

int
jin_ints_exact(struct json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_int:
		if (json_object_get_int64(o) == INT64_MIN ||
		    json_object_get_uint64(o) == UINT64_MAX)
			return -1;
		return 0;
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (jin_ints_exact(json_object_array_get_idx(o, i)) == -1)
				return -1;
		return 0;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			if (jin_ints_exact(val) == -1)
				return -1;
		}
		return 0;
	}
	default:
		return 0;
	}
}
