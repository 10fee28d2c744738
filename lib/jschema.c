/*
 * jschema.c - compile a JSON Schema document into jsnode trees (see
 * jschema.h; the validator is lib/jsvalid.c).
 *
 * Every keyword is checked for shape as it is compiled; the first problem
 * ends the compile with the pointer of the schema it is in and the
 * keyword.  $ref strings are resolved after the whole document is
 * compiled (a $ref may point forward), then a check refuses $ref cycles
 * that never descend into the instance ("a": {"$ref": "#/$defs/a"}),
 * which would otherwise recurse until the validator's depth limit on
 * every instance.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jschema.h"
#include "lib/jsnode.h"

struct jsc {
	struct jschema *s;
	char *err;
	size_t errlen;
};

static struct jsnode *jsc_node(struct jsc *c, struct json_object *o,
    const char *ptr);

static int jsc_fail(struct jsc *c, const char *ptr, const char *kw,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Write 'at "PTR": KW: message' into err.  Returns -1. */
static int
jsc_fail(struct jsc *c, const char *ptr, const char *kw, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, c->errlen, "at \"%.*s\": %s: ", JSCHEMA_PTR_MAX,
	    ptr, kw);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
jsc_nomem(struct jsc *c, const char *ptr)
{
	return jsc_fail(c, ptr, "schema", "out of memory");
}

/* base + "/" + seg, seg escaped as a JSON pointer token (~0 ~1).  Owned
 * by the caller; NULL on memory. */
static char *
jsc_ptr(const char *base, const char *seg)
{
	size_t nb = strlen(base), ns = strlen(seg), i, o;
	char *p;

	p = malloc(nb + 2 * ns + 2);
	if (p == NULL)
		return NULL;
	memcpy(p, base, nb);
	o = nb;
	p[o++] = '/';
	for (i = 0; i < ns; i++) {
		if (seg[i] == '~' || seg[i] == '/') {
			p[o++] = '~';
			p[o++] = seg[i] == '~' ? '0' : '1';
		} else
			p[o++] = seg[i];
	}
	p[o] = '\0';
	return p;
}

/* The subschema at base/seg (and base/seg/idx when idx >= 0). */
static struct jsnode *
jsc_child(struct jsc *c, struct json_object *o, const char *base,
    const char *seg, long idx)
{
	struct jsnode *n = NULL;
	char num[24], *p, *q = NULL;

	p = jsc_ptr(base, seg);
	if (p != NULL && idx >= 0) {
		snprintf(num, sizeof(num), "%ld", idx);
		q = jsc_ptr(p, num);
	}
	if (p == NULL || (idx >= 0 && q == NULL))
		jsc_nomem(c, base);
	else
		n = jsc_node(c, o, q != NULL ? q : p);
	free(p);
	free(q);
	return n;
}

/* A non-negative integer keyword into *out (huge values: INT64_MAX). */
static int
jsc_count(struct jsc *c, const char *ptr, const char *kw,
    struct json_object *v, int64_t *out)
{
	long double x;

	if (!jsnum_is(v) || !jsnum_is_integer(v) || (x = jsnum_value(v)) < 0)
		return jsc_fail(c, ptr, kw, "must be a non-negative integer");
	*out = x >= (long double)INT64_MAX ? INT64_MAX : (int64_t)x;
	return 0;
}

static int
jsc_type_name(const char *s, unsigned *bit)
{
	static const struct { const char *name; unsigned bit; } t[] = {
		{ "null", JSNODE_NULL }, { "boolean", JSNODE_BOOLEAN },
		{ "object", JSNODE_OBJECT }, { "array", JSNODE_ARRAY },
		{ "number", JSNODE_NUMBER }, { "string", JSNODE_STRING },
		{ "integer", JSNODE_INTEGER },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].name) == 0) {
			*bit = t[i].bit;
			return 0;
		}
	return -1;
}

static int
jsc_type(struct jsc *c, struct jsnode *n, struct json_object *v)
{
	size_t i, len;
	unsigned bit;

	if (json_object_is_type(v, json_type_string)) {
		if (jsc_type_name(json_object_get_string(v), &bit) == -1)
			goto bad;
		n->types = bit;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) ||
	    (len = json_object_array_length(v)) == 0)
		goto bad;
	for (i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string) ||
		    jsc_type_name(json_object_get_string(e), &bit) == -1)
			goto bad;
		if (n->types & bit)
			return jsc_fail(c, n->ptr, "type", "\"%s\" is listed "
			    "twice", json_object_get_string(e));
		n->types |= bit;
	}
	return 0;
bad:
	return jsc_fail(c, n->ptr, "type", "must be one of null, boolean, "
	    "object, array, number, string, integer, or a non-empty array "
	    "of them");
}

/* A non-empty array of schemas (allOf, anyOf, oneOf, prefixItems). */
static int
jsc_list(struct jsc *c, struct jsnode *n, const char *kw,
    struct json_object *v, struct jsnode_list *l)
{
	size_t i, len;

	if (!json_object_is_type(v, json_type_array) ||
	    (len = json_object_array_length(v)) == 0)
		return jsc_fail(c, n->ptr, kw, "must be a non-empty array of "
		    "schemas");
	l->v = calloc(len, sizeof(struct jsnode *));
	if (l->v == NULL)
		return jsc_nomem(c, n->ptr);
	for (i = 0; i < len; i++) {
		l->v[i] = jsc_child(c, json_object_array_get_idx(v, i), n->ptr,
		    kw, (long)i);
		if (l->v[i] == NULL)
			return -1;
		l->n = i + 1;
	}
	return 0;
}

static int
jsc_properties(struct jsc *c, struct jsnode *n, struct json_object *v)
{
	size_t i = 0;

	if (!json_object_is_type(v, json_type_object))
		return jsc_fail(c, n->ptr, "properties", "must be an object "
		    "of schemas");
	n->props = calloc((size_t)json_object_object_length(v) + 1,
	    sizeof(*n->props));
	if (n->props == NULL)
		return jsc_nomem(c, n->ptr);
	json_object_object_foreach(v, key, val) {
		char *p = jsc_ptr(n->ptr, "properties");

		if (p == NULL)
			return jsc_nomem(c, n->ptr);
		n->props[i].name = key;
		n->props[i].schema = jsc_child(c, val, p, key, -1);
		free(p);
		if (n->props[i].schema == NULL)
			return -1;
		n->nprops = ++i;
	}
	return 0;
}

static int
jsc_pattern_props(struct jsc *c, struct jsnode *n, struct json_object *v)
{
	char msg[200];
	size_t i = 0;

	if (!json_object_is_type(v, json_type_object))
		return jsc_fail(c, n->ptr, "patternProperties", "must be an "
		    "object of schemas");
	n->pprops = calloc((size_t)json_object_object_length(v) + 1,
	    sizeof(*n->pprops));
	if (n->pprops == NULL)
		return jsc_nomem(c, n->ptr);
	json_object_object_foreach(v, key, val) {
		char *p = jsc_ptr(n->ptr, "patternProperties");

		if (p == NULL)
			return jsc_nomem(c, n->ptr);
		n->pprops[i].re = jsregex_compile(key, strlen(key), msg,
		    sizeof(msg));
		n->npprops = i + 1;
		if (n->pprops[i].re == NULL) {
			free(p);
			return jsc_fail(c, n->ptr, "patternProperties",
			    "\"%.80s\": %s", key, msg);
		}
		n->pprops[i].schema = jsc_child(c, val, p, key, -1);
		free(p);
		if (n->pprops[i].schema == NULL)
			return -1;
		i++;
	}
	return 0;
}

static int
jsc_required(struct jsc *c, struct jsnode *n, struct json_object *v)
{
	size_t i, j, len;

	if (!json_object_is_type(v, json_type_array))
		goto bad;
	len = json_object_array_length(v);
	n->required = calloc(len + 1, sizeof(*n->required));
	if (n->required == NULL)
		return jsc_nomem(c, n->ptr);
	for (i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string))
			goto bad;
		n->required[i] = json_object_get_string(e);
		for (j = 0; j < i; j++)
			if (strcmp(n->required[j], n->required[i]) == 0)
				return jsc_fail(c, n->ptr, "required", "\"%.80s\" "
				    "is listed twice", n->required[i]);
		n->nrequired = i + 1;
	}
	return 0;
bad:
	return jsc_fail(c, n->ptr, "required", "must be an array of strings");
}

/* The subschemas of $defs: compiled so that $ref can point at them. */
static int
jsc_defs(struct jsc *c, struct jsnode *n, struct json_object *v)
{
	char *p;

	if (!json_object_is_type(v, json_type_object))
		return jsc_fail(c, n->ptr, "$defs", "must be an object of "
		    "schemas");
	p = jsc_ptr(n->ptr, "$defs");
	if (p == NULL)
		return jsc_nomem(c, n->ptr);
	json_object_object_foreach(v, key, val) {
		if (jsc_child(c, val, p, key, -1) == NULL) {
			free(p);
			return -1;
		}
	}
	free(p);
	return 0;
}

static int
jsc_bound(struct jsc *c, struct jsnode *n, const char *kw,
    struct json_object *v, struct jsnode_bound *b)
{
	if (!jsnum_is(v))
		return jsc_fail(c, n->ptr, kw, "must be a number");
	b->set = 1;
	b->v.v = jsnum_value(v);
	return 0;
}

/* One keyword kw with value v into n.  0 or -1 with err. */
static int
jsc_keyword(struct jsc *c, struct jsnode *n, const char *kw,
    struct json_object *v)
{
	static const char *const annot_str[] = { "title", "description",
	    "$comment", "$schema", "format", NULL };
	static const char *const annot_bool[] = { "deprecated", "readOnly",
	    "writeOnly", "uniqueItems", NULL };
	static const struct { const char *kw; size_t off; } counts[] = {
		{ "minItems", offsetof(struct jsnode, min_items) },
		{ "maxItems", offsetof(struct jsnode, max_items) },
		{ "minLength", offsetof(struct jsnode, min_len) },
		{ "maxLength", offsetof(struct jsnode, max_len) },
		{ "minProperties", offsetof(struct jsnode, min_props) },
		{ "maxProperties", offsetof(struct jsnode, max_props) },
	};
	static const struct { const char *kw; size_t off; } subs[] = {
		{ "additionalProperties", offsetof(struct jsnode, additional) },
		{ "items", offsetof(struct jsnode, items) },
		{ "contains", offsetof(struct jsnode, contains) },
		{ "not", offsetof(struct jsnode, not_) },
		{ "if", offsetof(struct jsnode, if_) },
		{ "then", offsetof(struct jsnode, then_) },
		{ "else", offsetof(struct jsnode, else_) },
	};
	char msg[200];
	size_t i;

	for (i = 0; annot_str[i] != NULL; i++)
		if (strcmp(kw, annot_str[i]) == 0)
			return json_object_is_type(v, json_type_string) ? 0 :
			    jsc_fail(c, n->ptr, kw, "must be a string");
	for (i = 0; annot_bool[i] != NULL; i++)
		if (strcmp(kw, annot_bool[i]) == 0) {
			if (!json_object_is_type(v, json_type_boolean))
				return jsc_fail(c, n->ptr, kw, "must be true "
				    "or false");
			if (strcmp(kw, "uniqueItems") == 0)
				n->unique = json_object_get_boolean(v);
			return 0;
		}
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if (strcmp(kw, counts[i].kw) == 0)
			return jsc_count(c, n->ptr, kw, v,
			    (int64_t *)(void *)((char *)n + counts[i].off));
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(kw, subs[i].kw) == 0) {
			if (strcmp(kw, "items") == 0 &&
			    json_object_is_type(v, json_type_array))
				return jsc_fail(c, n->ptr, kw, "must be a "
				    "schema (an array of schemas is "
				    "prefixItems in draft 2020-12)");
			*(struct jsnode **)(void *)((char *)n + subs[i].off) =
			    jsc_child(c, v, n->ptr, kw, -1);
			return *(struct jsnode **)(void *)((char *)n +
			    subs[i].off) == NULL ? -1 : 0;
		}
	if (strcmp(kw, "type") == 0)
		return jsc_type(c, n, v);
	if (strcmp(kw, "enum") == 0) {
		if (!json_object_is_type(v, json_type_array))
			return jsc_fail(c, n->ptr, kw, "must be an array");
		n->enum_v = v;
		return 0;
	}
	if (strcmp(kw, "const") == 0) {
		n->const_v = v;
		n->has_const = 1;
		return 0;
	}
	if (strcmp(kw, "examples") == 0)
		return json_object_is_type(v, json_type_array) ? 0 :
		    jsc_fail(c, n->ptr, kw, "must be an array");
	if (strcmp(kw, "default") == 0)
		return 0;
	if (strcmp(kw, "$id") == 0) {
		if (n != c->s->root)
			return jsc_fail(c, n->ptr, kw, "only the root schema "
			    "may have an $id (no embedded resources)");
		return json_object_is_type(v, json_type_string) ? 0 :
		    jsc_fail(c, n->ptr, kw, "must be a string");
	}
	if (strcmp(kw, "properties") == 0)
		return jsc_properties(c, n, v);
	if (strcmp(kw, "patternProperties") == 0)
		return jsc_pattern_props(c, n, v);
	if (strcmp(kw, "required") == 0)
		return jsc_required(c, n, v);
	if (strcmp(kw, "prefixItems") == 0)
		return jsc_list(c, n, kw, v, &n->prefix);
	if (strcmp(kw, "allOf") == 0)
		return jsc_list(c, n, kw, v, &n->all_of);
	if (strcmp(kw, "anyOf") == 0)
		return jsc_list(c, n, kw, v, &n->any_of);
	if (strcmp(kw, "oneOf") == 0)
		return jsc_list(c, n, kw, v, &n->one_of);
	if (strcmp(kw, "$defs") == 0)
		return jsc_defs(c, n, v);
	if (strcmp(kw, "$ref") == 0) {
		if (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string(v)[0] != '#')
			return jsc_fail(c, n->ptr, kw, "must be a local "
			    "reference (\"#\" or \"#/$defs/NAME\")");
		n->ref = json_object_get_string(v);
		return 0;
	}
	if (strcmp(kw, "pattern") == 0) {
		if (!json_object_is_type(v, json_type_string))
			return jsc_fail(c, n->ptr, kw, "must be a string");
		n->pattern = jsregex_compile(json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), msg, sizeof(msg));
		return n->pattern == NULL ?
		    jsc_fail(c, n->ptr, kw, "%s", msg) : 0;
	}
	if (strcmp(kw, "minimum") == 0)
		return jsc_bound(c, n, kw, v, &n->minimum);
	if (strcmp(kw, "maximum") == 0)
		return jsc_bound(c, n, kw, v, &n->maximum);
	if (strcmp(kw, "exclusiveMinimum") == 0)
		return jsc_bound(c, n, kw, v, &n->ex_minimum);
	if (strcmp(kw, "exclusiveMaximum") == 0)
		return jsc_bound(c, n, kw, v, &n->ex_maximum);
	if (strcmp(kw, "multipleOf") == 0) {
		if (!jsnum_is(v) || !(jsnum_value(v) > 0))
			return jsc_fail(c, n->ptr, kw, "must be a number "
			    "greater than 0");
		return jsnum_set(&n->multiple, v) == -1 ?
		    jsc_nomem(c, n->ptr) : 0;
	}
	return jsc_fail(c, n->ptr, kw, "unknown keyword (not supported by "
	    "hookd; see docs/api.md for the list)");
}

/* A new node for schema o at ptr (copied), registered in c->s. */
static struct jsnode *
jsc_node(struct jsc *c, struct json_object *o, const char *ptr)
{
	struct jschema *s = c->s;
	struct jsnode *n, **nv;

	if (s->n == s->size) {
		nv = realloc(s->nodes,
		    (s->size * 2 + 16) * sizeof(struct jsnode *));
		if (nv == NULL)
			goto nomem;
		s->nodes = nv;
		s->size = s->size * 2 + 16;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		goto nomem;
	s->nodes[s->n++] = n;
	if (s->root == NULL)
		s->root = n;
	n->ptr = strdup(ptr);
	if (n->ptr == NULL)
		goto nomem;
	n->min_items = n->max_items = n->min_len = n->max_len =
	    n->min_props = n->max_props = JSNODE_UNSET;
	if (json_object_is_type(o, json_type_boolean)) {
		n->boolean = json_object_get_boolean(o) ? 1 : 0;
		return n;
	}
	n->boolean = -1;
	if (!json_object_is_type(o, json_type_object)) {
		jsc_fail(c, ptr, "schema", "a schema must be an object or a "
		    "boolean");
		return NULL;
	}
	json_object_object_foreach(o, kw, v) {
		if (jsc_keyword(c, n, kw, v) == -1)
			return NULL;
	}
	return n;
nomem:
	jsc_nomem(c, ptr);
	return NULL;
}

/* The value of hex digit ch, or 4096 (makes any sum invalid). */
static unsigned
jsc_hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return (unsigned)(ch - '0');
	if (ch >= 'a' && ch <= 'f')
		return (unsigned)(ch - 'a' + 10);
	if (ch >= 'A' && ch <= 'F')
		return (unsigned)(ch - 'A' + 10);
	return 4096;
}

/* Percent-decode the fragment of ref (after '#') into a new "#..." */
static char *
jsc_ref_target(const char *ref)
{
	size_t n = strlen(ref), i, o = 0;
	char *t = malloc(n + 1);
	unsigned v;

	if (t == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (ref[i] == '%' && i + 2 < n &&
		    (v = jsc_hex(ref[i + 1]) * 16 + jsc_hex(ref[i + 2])) > 0 &&
		    v < 256) {
			t[o++] = (char)v;
			i += 2;
		} else
			t[o++] = ref[i];
	}
	t[o] = '\0';
	return t;
}

static int
jsc_resolve(struct jsc *c)
{
	struct jschema *s = c->s;
	size_t i, j;
	char *t;

	for (i = 0; i < s->n; i++) {
		struct jsnode *n = s->nodes[i];

		if (n->ref == NULL)
			continue;
		t = jsc_ref_target(n->ref);
		if (t == NULL)
			return jsc_nomem(c, n->ptr);
		for (j = 0; j < s->n && n->ref_to == NULL; j++)
			if (strcmp(s->nodes[j]->ptr, t) == 0)
				n->ref_to = s->nodes[j];
		free(t);
		if (n->ref_to == NULL)
			return jsc_fail(c, n->ptr, "$ref", "\"%.120s\" does not "
			    "point to a subschema of this document", n->ref);
	}
	return 0;
}

/* Depth-first over the applicators that stay at the same instance
 * location; meeting a node on the current path is a cycle. */
static int
jsc_cycles(struct jsc *c, struct jsnode *n)
{
	struct jsnode *one[5] = { n->ref_to, n->not_, n->if_, n->then_,
	    n->else_ };
	const struct jsnode_list *l[3] = { &n->all_of, &n->any_of,
	    &n->one_of };
	size_t i, j;

	if (n->mark == 2)
		return 0;
	if (n->mark == 1)
		return jsc_fail(c, n->ptr, "$ref", "a cycle of references "
		    "that never descends into the instance");
	n->mark = 1;
	for (i = 0; i < 5; i++)
		if (one[i] != NULL && jsc_cycles(c, one[i]) == -1)
			return -1;
	for (i = 0; i < 3; i++)
		for (j = 0; j < l[i]->n; j++)
			if (jsc_cycles(c, l[i]->v[j]) == -1)
				return -1;
	n->mark = 2;
	return 0;
}

int
jschema_compile(struct json_object *root, struct jschema **out, char *err,
    size_t errlen)
{
	struct jsc c;
	size_t i;

	*out = NULL;
	c.err = err;
	c.errlen = errlen;
	c.s = calloc(1, sizeof(*c.s));
	if (c.s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c.s->doc = json_object_get(root);
	if (jsc_node(&c, root, "#") == NULL || jsc_resolve(&c) == -1)
		goto bad;
	for (i = 0; i < c.s->n; i++)
		if (jsc_cycles(&c, c.s->nodes[i]) == -1)
			goto bad;
	*out = c.s;
	return 0;
bad:
	jschema_free(c.s);
	return -1;
}

static void
jsc_free_node(struct jsnode *n)
{
	size_t i;

	for (i = 0; i < n->npprops; i++)
		jsregex_free(n->pprops[i].re);
	free(n->pprops);
	free(n->props);
	free(n->required);
	free(n->prefix.v);
	free(n->all_of.v);
	free(n->any_of.v);
	free(n->one_of.v);
	jsregex_free(n->pattern);
	jsnum_clear(&n->multiple);
	free(n->ptr);
	free(n);
}

void
jschema_free(struct jschema *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		jsc_free_node(s->nodes[i]);
	free(s->nodes);
	json_object_put(s->doc);
	free(s);
}
