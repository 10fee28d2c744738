/*
 * jsvalid.c - apply a compiled schema (lib/jsnode.h) to a json-c value.
 *
 * Each subschema is applied by jsv_node(), which returns 0 (valid), 1
 * (invalid) or -1 (gave up).  Branches whose failure is not an error in
 * itself (anyOf, oneOf, not, if, contains) are tried "quietly": no message
 * is formatted, so a failed trial costs no string work.  The instance
 * location is a chain of frames on the C stack, rendered into a JSON
 * pointer only when a message is written.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jshash.h"

#include "lib/jsnode.h"
#include "lib/jsvalid.h"

#define JSV_REGEX_COST 400	/* steps per regular expression run, + len/8 */

struct jsv_path {
	const struct jsv_path *up;
	const char *key;	/* NULL: an array index */
	size_t idx;
};

struct jsv {
	char *err;
	size_t errlen;
	int quiet;
	int depth;
	unsigned long steps;
};

static int jsv_node(struct jsv *v, const struct jsnode *n,
    struct json_object *o, const struct jsv_path *p);

#define JSV_FRAMES 128	/* deeper locations are shown from "/..." on */

/* The pointer of p into out (cut at outlen), e.g. "/a/0/b~1c". */
static void
jsv_pointer(const struct jsv_path *p, char *out, size_t outlen)
{
	const struct jsv_path *f[JSV_FRAMES];
	size_t nf = 0, o = 0, i;
	const char *k;
	char num[24];

	out[0] = '\0';
	for (; p != NULL && p->up != NULL && nf < JSV_FRAMES; p = p->up)
		f[nf++] = p;
	if (p != NULL && p->up != NULL && outlen > 4) {
		memcpy(out, "/...", 4);	/* the frames nearest the root */
		o = 4;
		out[o] = '\0';
	}
	while (nf > 0) {
		p = f[--nf];
		if (p->key == NULL) {
			snprintf(num, sizeof(num), "%zu", p->idx);
			k = num;
		} else
			k = p->key;
		if (o + 1 < outlen)
			out[o++] = '/';
		for (i = 0; k[i] != '\0' && o + 2 < outlen; i++) {
			if (k[i] == '~' || k[i] == '/') {
				out[o++] = '~';
				out[o++] = k[i] == '~' ? '0' : '1';
			} else
				out[o++] = k[i];
		}
		out[o] = '\0';
	}
}

static int jsv_fail(struct jsv *v, const struct jsnode *n,
    const struct jsv_path *p, const char *kw, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Invalid: the message, unless quiet.  Returns 1. */
static int
jsv_fail(struct jsv *v, const struct jsnode *n, const struct jsv_path *p,
    const char *kw, const char *fmt, ...)
{
	char ptr[JSCHEMA_PTR_MAX + 1], msg[256];
	va_list ap;

	if (v->quiet)
		return 1;
	jsv_pointer(p, ptr, sizeof(ptr));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(v->err, v->errlen, "at \"%s\": %s: %s (schema \"%.*s\")",
	    ptr, kw, msg, JSCHEMA_PTR_MAX, n->ptr);
	return 1;
}

/* Gave up: the message whatever quiet says.  Returns -1. */
static int
jsv_abort(struct jsv *v, const struct jsnode *n, const struct jsv_path *p,
    const char *kw, const char *what)
{
	char ptr[JSCHEMA_PTR_MAX + 1];

	jsv_pointer(p, ptr, sizeof(ptr));
	snprintf(v->err, v->errlen, "at \"%s\": %s: %s (schema \"%.*s\")",
	    ptr, kw, what, JSCHEMA_PTR_MAX, n->ptr);
	return -1;
}

/* How jsv_count names a count and its bounds in a message. */
struct jsv_count_words {
	const char *min_kw, *max_kw;	/* "minItems", "maxItems" */
	const char *verb, *noun;	/* "must <verb> at least N <noun>" */
};

static const struct jsv_count_words jsv_chars = { "minLength",
    "maxLength", "be", "characters" };
static const struct jsv_count_words jsv_items = { "minItems", "maxItems",
    "have", "items" };
static const struct jsv_count_words jsv_props = { "minProperties",
    "maxProperties", "have", "properties" };

/* count within [min, max] (either JSNODE_UNSET: no bound): 0, else
 * jsv_fail's 1 with the keyword of the bound crossed. */
static int
jsv_count(struct jsv *v, const struct jsnode *n, const struct jsv_path *p,
    const struct jsv_count_words *w, int64_t count, int64_t min, int64_t max)
{
	if (min != JSNODE_UNSET && count < min)
		return jsv_fail(v, n, p, w->min_kw, "must %s at least %lld %s",
		    w->verb, (long long)min, w->noun);
	if (max != JSNODE_UNSET && count > max)
		return jsv_fail(v, n, p, w->max_kw, "must %s at most %lld %s",
		    w->verb, (long long)max, w->noun);
	return 0;
}

/* 1 if the step budget is spent. */
static int
jsv_spend(struct jsv *v, unsigned long k)
{
	v->steps += k;
	return v->steps > JSVALID_STEPS;
}

/* JSON equality: numbers by value, objects whatever their key order.
 * 1 equal, 0 not, -1 budget spent. */
static int
jsv_equal(struct jsv *v, struct json_object *a, struct json_object *b)
{
	enum json_type ta = json_object_get_type(a), tb;
	struct json_object *bv;
	size_t i, n;
	int r;

	if (jsv_spend(v, 1))
		return -1;
	tb = json_object_get_type(b);
	if (jsnum_is(a) && jsnum_is(b)) {
		if (ta == json_type_int && tb == json_type_int)
			return json_object_get_int64(a) ==
			    json_object_get_int64(b) &&
			    json_object_get_uint64(a) ==
			    json_object_get_uint64(b);
		return jsnum_value(a) == jsnum_value(b);
	}
	if (ta != tb)
		return 0;
	switch (ta) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return json_object_get_boolean(a) == json_object_get_boolean(b);
	case json_type_string:
		return json_object_get_string_len(a) ==
		    json_object_get_string_len(b) &&
		    memcmp(json_object_get_string(a), json_object_get_string(b),
		    (size_t)json_object_get_string_len(a)) == 0;
	case json_type_array:
		n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return 0;
		for (i = 0; i < n; i++) {
			r = jsv_equal(v, json_object_array_get_idx(a, i),
			    json_object_array_get_idx(b, i));
			if (r != 1)
				return r;
		}
		return 1;
	case json_type_object:
		if (json_object_object_length(a) !=
		    json_object_object_length(b))
			return 0;
		json_object_object_foreach(a, key, av) {
			if (!json_object_object_get_ex(b, key, &bv))
				return 0;
			r = jsv_equal(v, av, bv);
			if (r != 1)
				return r;
		}
		return 1;
	default:
		return 0;
	}
}

/* Apply n to o without messages.  0, 1 or -1 as jsv_node. */
static int
jsv_try(struct jsv *v, const struct jsnode *n, struct json_object *o,
    const struct jsv_path *p)
{
	int rc;

	v->quiet++;
	rc = jsv_node(v, n, o, p);
	v->quiet--;
	return rc;
}

static int
jsv_type(struct json_object *o, unsigned types)
{
	switch (json_object_get_type(o)) {
	case json_type_null: return (types & JSNODE_NULL) != 0;
	case json_type_boolean: return (types & JSNODE_BOOLEAN) != 0;
	case json_type_object: return (types & JSNODE_OBJECT) != 0;
	case json_type_array: return (types & JSNODE_ARRAY) != 0;
	case json_type_string: return (types & JSNODE_STRING) != 0;
	default:
		return (types & JSNODE_NUMBER) != 0 ||
		    ((types & JSNODE_INTEGER) != 0 && jsnum_is_integer(o));
	}
}

static const char *
jsv_type_name(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	default: return jsnum_is_integer(o) ? "an integer" : "a number";
	}
}

static int
jsv_number(struct jsv *v, const struct jsnode *n, struct json_object *o,
    const struct jsv_path *p)
{
	long double x = jsnum_value(o);

	if (n->minimum.set && x < n->minimum.v.v)
		return jsv_fail(v, n, p, "minimum", "must be at least %.17Lg",
		    n->minimum.v.v);
	if (n->maximum.set && x > n->maximum.v.v)
		return jsv_fail(v, n, p, "maximum", "must be at most %.17Lg",
		    n->maximum.v.v);
	if (n->ex_minimum.set && x <= n->ex_minimum.v.v)
		return jsv_fail(v, n, p, "exclusiveMinimum", "must be greater "
		    "than %.17Lg", n->ex_minimum.v.v);
	if (n->ex_maximum.set && x >= n->ex_maximum.v.v)
		return jsv_fail(v, n, p, "exclusiveMaximum", "must be less "
		    "than %.17Lg", n->ex_maximum.v.v);
	if (n->multiple.text != NULL && !jsnum_multiple(o, &n->multiple))
		return jsv_fail(v, n, p, "multipleOf", "must be a multiple of "
		    "%.60s", n->multiple.text);
	return 0;
}

/* Run re over s (len bytes): 1 match, 0 not, -1 gave up (err written). */
static int
jsv_regex(struct jsv *v, const struct jsnode *n, struct jsregex *re,
    const char *s, size_t len, const struct jsv_path *p, const char *kw)
{
	char msg[160];
	int rc;

	if (jsv_spend(v, JSV_REGEX_COST + len / 8))
		return jsv_abort(v, n, p, kw, "the validation needs more work "
		    "than allowed");
	rc = jsregex_match(re, s, len, msg, sizeof(msg));
	if (rc == -1)
		return jsv_abort(v, n, p, kw, msg);
	return rc;
}

static int
jsv_string(struct jsv *v, const struct jsnode *n, struct json_object *o,
    const struct jsv_path *p)
{
	const char *s = json_object_get_string(o);
	size_t len = (size_t)json_object_get_string_len(o), i;
	int64_t cps = 0;
	int rc;

	if (n->min_len != JSNODE_UNSET || n->max_len != JSNODE_UNSET) {
		for (i = 0; i < len; i++)	/* code points, not bytes */
			cps += ((unsigned char)s[i] & 0xc0) != 0x80;
		rc = jsv_count(v, n, p, &jsv_chars, cps, n->min_len,
		    n->max_len);
		if (rc != 0)
			return rc;
	}
	if (n->pattern != NULL) {
		rc = jsv_regex(v, n, n->pattern, s, len, p, "pattern");
		if (rc != 1)
			return rc == 0 ? jsv_fail(v, n, p, "pattern", "must "
			    "match /%.80s/", jsregex_source(n->pattern)) : -1;
	}
	return 0;
}

struct jsv_item {
	uint64_t hash;
	size_t idx;
};

static int
jsv_item_cmp(const void *a, const void *b)
{
	const struct jsv_item *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* uniqueItems: sort the items by hash (jshash.h), compare only those
 * whose hashes are equal.  0, 1 or -1 as jsv_node. */
static int
jsv_unique(struct jsv *v, const struct jsnode *n, struct json_object *o,
    const struct jsv_path *p)
{
	size_t len = json_object_array_length(o), i, j;
	struct jsv_item *it;
	int rc = 0;

	if (jsv_spend(v, len))
		return jsv_abort(v, n, p, "uniqueItems", "the validation needs "
		    "more work than allowed");
	it = calloc(len, sizeof(*it));
	if (it == NULL)
		return jsv_abort(v, n, p, "uniqueItems", "out of memory");
	for (i = 0; i < len; i++) {
		it[i].hash = jshash_value(json_object_array_get_idx(o, i));
		it[i].idx = i;
	}
	qsort(it, len, sizeof(*it), jsv_item_cmp);
	for (i = 0; i < len && rc == 0; i++)
		for (j = i + 1; j < len && it[j].hash == it[i].hash; j++) {
			rc = jsv_equal(v, json_object_array_get_idx(o,
			    it[i].idx), json_object_array_get_idx(o, it[j].idx));
			if (rc == -1) {
				rc = jsv_abort(v, n, p, "uniqueItems", "the "
				    "validation needs more work than allowed");
				break;
			}
			if (rc == 1) {
				rc = jsv_fail(v, n, p, "uniqueItems", "items "
				    "%zu and %zu are equal", it[i].idx,
				    it[j].idx);
				break;
			}
		}
	free(it);
	return rc;
}

static int
jsv_array(struct jsv *v, const struct jsnode *n, struct json_object *o,
    const struct jsv_path *p)
{
	size_t len = json_object_array_length(o), i;
	struct jsv_path f = { p, NULL, 0 };
	int rc, found = 0;

	rc = jsv_count(v, n, p, &jsv_items, (int64_t)len, n->min_items,
	    n->max_items);
	if (rc != 0)
		return rc;
	for (i = 0; i < len && (n->items != NULL || i < n->prefix.n); i++) {
		f.idx = i;
		rc = jsv_node(v, i < n->prefix.n ? n->prefix.v[i] : n->items,
		    json_object_array_get_idx(o, i), &f);
		if (rc != 0)
			return rc;
	}
	if (n->unique && len > 1 && (rc = jsv_unique(v, n, o, p)) != 0)
		return rc;
	if (n->contains != NULL) {
		for (i = 0; i < len && !found; i++) {
			f.idx = i;
			rc = jsv_try(v, n->contains,
			    json_object_array_get_idx(o, i), &f);
			if (rc == -1)
				return -1;
			found = rc == 0;
		}
		if (!found)
			return jsv_fail(v, n, p, "contains", "no item matches "
			    "the schema \"%.*s\"", JSCHEMA_PTR_MAX,
			    n->contains->ptr);
	}
	return 0;
}

/* Apply properties, patternProperties and additionalProperties to one
 * member (key, val) at frame f. */
static int
jsv_member(struct jsv *v, const struct jsnode *n, const char *key,
    struct json_object *val, const struct jsv_path *f)
{
	size_t i;
	int rc, seen = 0;

	for (i = 0; i < n->nprops; i++)
		if (strcmp(n->props[i].name, key) == 0) {
			seen = 1;
			if ((rc = jsv_node(v, n->props[i].schema, val, f)) != 0)
				return rc;
			break;
		}
	for (i = 0; i < n->npprops; i++) {
		rc = jsv_regex(v, n, n->pprops[i].re, key, strlen(key), f,
		    "patternProperties");
		if (rc == -1)
			return -1;
		if (rc == 1) {
			seen = 1;
			if ((rc = jsv_node(v, n->pprops[i].schema, val, f)) != 0)
				return rc;
		}
	}
	if (!seen && n->additional != NULL) {
		if (n->additional->boolean == 0)
			return jsv_fail(v, n, f, "additionalProperties",
			    "\"%.80s\" is not an allowed property", key);
		return jsv_node(v, n->additional, val, f);
	}
	return 0;
}

static int
jsv_object(struct jsv *v, const struct jsnode *n, struct json_object *o,
    const struct jsv_path *p)
{
	int64_t len = json_object_object_length(o);
	struct jsv_path f = { p, NULL, 0 };
	size_t i;
	int rc;

	rc = jsv_count(v, n, p, &jsv_props, len, n->min_props, n->max_props);
	if (rc != 0)
		return rc;
	for (i = 0; i < n->nrequired; i++)
		if (!json_object_object_get_ex(o, n->required[i], NULL))
			return jsv_fail(v, n, p, "required", "\"%.80s\" is "
			    "missing", n->required[i]);
	if (n->nprops == 0 && n->npprops == 0 && n->additional == NULL)
		return 0;
	json_object_object_foreach(o, key, val) {
		f.key = key;
		if ((rc = jsv_member(v, n, key, val, &f)) != 0)
			return rc;
	}
	return 0;
}

/* anyOf, oneOf, not, if/then/else. */
static int
jsv_logic(struct jsv *v, const struct jsnode *n, struct json_object *o,
    const struct jsv_path *p)
{
	size_t i, first = 0, hits = 0;
	int rc;

	if (n->any_of.n > 0) {
		for (i = 0; i < n->any_of.n && hits == 0; i++) {
			if ((rc = jsv_try(v, n->any_of.v[i], o, p)) == -1)
				return -1;
			hits += rc == 0;
		}
		if (hits == 0)
			return jsv_fail(v, n, p, "anyOf", "matches none of the "
			    "%zu schemas", n->any_of.n);
	}
	for (i = 0, hits = 0; i < n->one_of.n && hits < 2; i++) {
		if ((rc = jsv_try(v, n->one_of.v[i], o, p)) == -1)
			return -1;
		if (rc == 0 && hits++ == 0)
			first = i;
	}
	if (n->one_of.n > 0 && hits == 0)
		return jsv_fail(v, n, p, "oneOf", "matches none of the %zu "
		    "schemas", n->one_of.n);
	if (hits > 1)
		return jsv_fail(v, n, p, "oneOf", "matches schemas %zu and %zu; "
		    "exactly one must match", first, i - 1);
	if (n->not_ != NULL) {
		if ((rc = jsv_try(v, n->not_, o, p)) == -1)
			return -1;
		if (rc == 0)
			return jsv_fail(v, n, p, "not", "must not match the "
			    "schema \"%.*s\"", JSCHEMA_PTR_MAX, n->not_->ptr);
	}
	if (n->if_ != NULL) {
		if ((rc = jsv_try(v, n->if_, o, p)) == -1)
			return -1;
		if (rc == 0 && n->then_ != NULL)
			return jsv_node(v, n->then_, o, p);
		if (rc == 1 && n->else_ != NULL)
			return jsv_node(v, n->else_, o, p);
	}
	return 0;
}

static int
jsv_apply(struct jsv *v, const struct jsnode *n, struct json_object *o,
    const struct jsv_path *p)
{
	size_t i;
	int rc;

	if (n->boolean == 1)
		return 0;
	if (n->boolean == 0)
		return jsv_fail(v, n, p, "false", "no value is allowed here");
	if (n->types != 0 && !jsv_type(o, n->types))
		return jsv_fail(v, n, p, "type", "must not be %s",
		    jsv_type_name(o));
	if (n->has_const) {
		if ((rc = jsv_equal(v, o, n->const_v)) == -1)
			return jsv_abort(v, n, p, "const", "the validation "
			    "needs more work than allowed");
		if (rc == 0)
			return jsv_fail(v, n, p, "const", "must be the value "
			    "the schema gives");
	}
	if (n->enum_v != NULL) {
		size_t len = json_object_array_length(n->enum_v);

		for (i = 0, rc = 0; i < len && rc == 0; i++)
			rc = jsv_equal(v, o, json_object_array_get_idx(
			    n->enum_v, i));
		if (rc == -1)
			return jsv_abort(v, n, p, "enum", "the validation needs "
			    "more work than allowed");
		if (rc == 0)
			return jsv_fail(v, n, p, "enum", "must be one of the "
			    "%zu values the schema lists", len);
	}
	switch (json_object_get_type(o)) {
	case json_type_string: rc = jsv_string(v, n, o, p); break;
	case json_type_array: rc = jsv_array(v, n, o, p); break;
	case json_type_object: rc = jsv_object(v, n, o, p); break;
	case json_type_int:
	case json_type_double: rc = jsv_number(v, n, o, p); break;
	default: rc = 0; break;
	}
	if (rc != 0)
		return rc;
	if (n->ref_to != NULL && (rc = jsv_node(v, n->ref_to, o, p)) != 0)
		return rc;
	for (i = 0; i < n->all_of.n; i++)
		if ((rc = jsv_node(v, n->all_of.v[i], o, p)) != 0)
			return rc;
	return jsv_logic(v, n, o, p);
}

static int
jsv_node(struct jsv *v, const struct jsnode *n, struct json_object *o,
    const struct jsv_path *p)
{
	int rc;

	if (jsv_spend(v, 1))
		return jsv_abort(v, n, p, "schema", "the validation needs more "
		    "work than allowed");
	if (v->depth >= JSVALID_DEPTH)
		return jsv_abort(v, n, p, "schema", "subschemas nest too "
		    "deeply");
	v->depth++;
	rc = jsv_apply(v, n, o, p);
	v->depth--;
	return rc;
}

int
jsvalid_check(const struct jschema *s, struct json_object *inst, char *err,
    size_t errlen)
{
	struct jsv_path root = { NULL, NULL, 0 };
	struct jsv v;

	memset(&v, 0, sizeof(v));
	v.err = err;
	v.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	return jsv_node(&v, s->root, inst, &root);
}
