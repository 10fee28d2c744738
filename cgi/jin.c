/* jin.c - request JSON: strict parse and typed fields. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cgi/jin.h"
#include "lib/timefmt.h"

/*
 * 1 if o holds a NaN or Infinity literal, which json-c accepts even in
 * strict mode but JSON does not.  A number too large for a double (1e400)
 * is a valid JSON number: json-c keeps its text, which starts with a digit.
 */
static int
jin_has_nonnumber(struct json_object *o)
{
	const char *t;
	double d;
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_double:
		d = json_object_get_double(o);
		if (!isnan(d) && !isinf(d))
			return 0;
		t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		if (t != NULL && *t == '-')
			t++;
		return t == NULL || *t < '0' || *t > '9';
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (jin_has_nonnumber(json_object_array_get_idx(o, i)))
				return 1;
		return 0;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			if (jin_has_nonnumber(val))
				return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/*
 * Length of the longest prefix of p (n bytes) that is well-formed UTF-8
 * (RFC 3629: no overlong forms, no encoded surrogates, nothing past
 * U+10FFFF): n when all of it is.  Runs of ASCII go 8 bytes at a time.
 * Checked here on the raw body rather than by json-c's
 * JSON_TOKENER_VALIDATE_UTF8, which costs a call per byte and lets
 * overlong forms and surrogates through.
 */
static size_t
jin_utf8_prefix(const unsigned char *p, size_t n)
{
	size_t i = 0, len, k;
	uint64_t w;
	unsigned c, c1;

	while (i < n) {
		if (n - i >= 8) {
			memcpy(&w, p + i, sizeof(w));
			if ((w & UINT64_C(0x8080808080808080)) == 0) {
				i += 8;
				continue;
			}
		}
		c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return i;
		if (n - i < len)
			return i;
		for (k = 1; k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return i;
		/* The second byte's range rules out the overlong forms, the
		 * surrogates (ED A0..BF) and code points past U+10FFFF. */
		c1 = p[i + 1];
		if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) ||
		    (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f))
			return i;
		i += len;
	}
	return n;
}

/*
 * Duplicate keys: json-c keeps the last value of a repeated key, where a
 * proxy or another parser may keep the first, so a request could mean two
 * things.  Each member of an object has exactly one ':' outside strings in
 * the text; if the parsed tree holds fewer members than the text has
 * colons, some key was repeated.
 */
static size_t
jin_text_members(const char *p, size_t n)
{
	size_t i, colons = 0;
	int instr = 0;

	for (i = 0; i < n; i++) {
		if (instr) {
			if (p[i] == '\\')
				i++;		/* the escaped byte is string */
			else if (p[i] == '"')
				instr = 0;
		} else if (p[i] == '"')
			instr = 1;
		else if (p[i] == ':')
			colons++;
	}
	return colons;
}

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

int
jin_parse(const char *p, size_t n, int depth, struct json_object **out,
    char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	if (n == 0) {
		snprintf(err, errlen, "the body is empty");
		return -1;
	}
	if (n > (size_t)INT32_MAX) {
		snprintf(err, errlen, "the body is too large");
		return -1;
	}
	end = jin_utf8_prefix((const unsigned char *)p, n);
	if (end < n) {
		snprintf(err, errlen, "malformed JSON: invalid UTF-8 at byte %zu",
		    end);
		return -1;
	}
	tok = json_tokener_new_ex(depth);
	if (tok == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, p, (int)n);
	jerr = json_tokener_get_error(tok);
	if (o == NULL || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			snprintf(err, errlen, "malformed JSON: unexpected end");
		else
			snprintf(err, errlen, "malformed JSON: %s",
			    json_tokener_error_desc(jerr));
		goto bad;
	}
	end = json_tokener_get_parse_end(tok);
	for (; end < n; end++) {
		if (p[end] != ' ' && p[end] != '\t' && p[end] != '\r' &&
		    p[end] != '\n') {
			snprintf(err, errlen,
			    "malformed JSON: trailing data at byte %zu", end);
			goto bad;
		}
	}
	if (jin_has_nonnumber(o)) {
		snprintf(err, errlen, "malformed JSON: NaN and Infinity are not "
		    "JSON numbers");
		goto bad;
	}
	if (jin_tree_members(o) != jin_text_members(p, n)) {
		snprintf(err, errlen, "malformed JSON: a key appears twice in "
		    "one object");
		goto bad;
	}
	json_tokener_free(tok);
	*out = o;
	return 0;
bad:
	json_object_put(o);
	json_tokener_free(tok);
	return -1;
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
jin_only(struct json_object *o, const char *const *allowed, char *err,
    size_t errlen)
{
	size_t i;

	json_object_object_foreach(o, key, val) {
		(void)val;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(err, errlen, "%.64s: unknown field", key);
			return -1;
		}
	}
	return 0;
}

/* The value of key, NULL when absent or null. */
static struct json_object *
jin_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;	/* NULL for JSON null */
}

int
jin_str(struct json_object *o, const char *key, int required,
    size_t minlen, size_t maxlen, const char **out, char *err, size_t errlen)
{
	struct json_object *v = jin_get(o, key);
	const char *s;
	size_t n;

	*out = NULL;
	if (v == NULL) {
		if (!required)
			return 0;
		snprintf(err, errlen, "%s: required", key);
		return -1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s: must be a string", key);
		return -1;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
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

int
jin_int(struct json_object *o, const char *key, int required,
    int64_t min, int64_t max, int64_t *out, int *present, char *err,
    size_t errlen)
{
	struct json_object *v = jin_get(o, key);
	int64_t x;

	*present = 0;
	if (v == NULL) {
		if (!required)
			return 0;
		snprintf(err, errlen, "%s: required", key);
		return -1;
	}
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "%s: must be an integer", key);
		return -1;
	}
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
	struct json_object *v = jin_get(o, key);

	*present = 0;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(err, errlen, "%s: must be true or false", key);
		return -1;
	}
	*out = json_object_get_boolean(v) ? 1 : 0;
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
