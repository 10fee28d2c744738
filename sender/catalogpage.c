/*
 * catalogpage.c - catalog.html (see catalogpage.h).
 *
 * Writing is sticky (sender/html.h): the render reports a failed
 * append once, at the end.
 * The fields table is read from each type's JSON Schema document: the
 * properties of data, with local $ref followed (#/$defs/...), nested
 * objects and arrays of objects flattened to "a.b" and "a[].b" rows, down
 * to CP_DEPTH levels.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/atomicfile.h"
#include "lib/catalog.h"
#include "lib/embed.h"
#include "lib/version.h"
#include "sender/catalogpage.h"
#include "sender/html.h"

#define CP_DEPTH 6		/* nesting of fields shown */
#define CP_REFS 8		/* $ref followed in a row */
#define CP_NAME_MAX 512

/* A JSON value as compact JSON text, escaped. */
static void
cp_json(struct html *p, struct json_object *o)
{
	html_text(p, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
}

#define CP_INLINE_MAX 64	/* an array of scalars this short stays on a line */

static void
cp_indent(struct html *p, int n)
{
	while (n-- > 0)
		html_put(p, "  ");
}

/* o as indented JSON, escaped: objects one member a line, short arrays of
 * scalars on one line ("scopes": ["a", "b"]), longer ones one item a
 * line.  Bounded by o's depth (the parser's limit). */
static void
cp_pretty(struct html *p, struct json_object *o, int depth)
{
	struct json_object *k;
	const char *sep;
	size_t i, n, len = 0;
	int inl = 1;

	if (json_object_is_type(o, json_type_object)) {
		if (json_object_object_length(o) == 0) {
			html_put(p, "{}");
			return;
		}
		html_put(p, "{");
		sep = "\n";
		json_object_object_foreach(o, key, val) {
			html_put(p, sep);
			sep = ",\n";
			cp_indent(p, depth + 1);
			k = json_object_new_string(key);
			cp_json(p, k);
			json_object_put(k);
			html_put(p, ": ");
			cp_pretty(p, val, depth + 1);
		}
		html_put(p, "\n");
		cp_indent(p, depth);
		html_put(p, "}");
		return;
	}
	if (!json_object_is_type(o, json_type_array)) {
		cp_json(p, o);
		return;
	}
	n = json_object_array_length(o);
	for (i = 0; i < n && inl; i++) {
		struct json_object *e = json_object_array_get_idx(o, i);

		if (json_object_is_type(e, json_type_object) ||
		    json_object_is_type(e, json_type_array))
			inl = 0;
		else
			len += strlen(json_object_to_json_string_ext(e,
			    JSON_C_TO_STRING_PLAIN)) + 2;
	}
	if (len > CP_INLINE_MAX)
		inl = 0;
	html_put(p, "[");
	for (i = 0; i < n; i++) {
		if (inl)
			html_put(p, i > 0 ? ", " : "");
		else {
			html_put(p, i > 0 ? ",\n" : "\n");
			cp_indent(p, depth + 1);
		}
		cp_pretty(p, json_object_array_get_idx(o, i), depth + 1);
	}
	if (!inl && n > 0) {
		html_put(p, "\n");
		cp_indent(p, depth);
	}
	html_put(p, "]");
}

/* o[key] if o is an object that has it, else NULL. */
static struct json_object *
cp_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* The schema at local reference ref ("#", "#/$defs/a") in root, or NULL. */
static struct json_object *
cp_pointer(struct json_object *root, const char *ref)
{
	char tok[256];
	const char *s = ref + 1, *e;
	size_t n, i, o;

	while (*s == '/') {
		s++;
		e = strchr(s, '/');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		for (i = 0, o = 0; i < n && o + 1 < sizeof(tok); i++, o++) {
			if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' ||
			    s[i + 1] == '1'))
				tok[o] = s[++i] == '0' ? '~' : '/';
			else
				tok[o] = s[i];
		}
		tok[o] = '\0';
		root = cp_get(root, tok);
		if (root == NULL)
			return NULL;
		s += n;
	}
	return *s == '\0' ? root : NULL;
}

/* s with its $ref chain followed (bounded); s itself if it has none. */
static struct json_object *
cp_resolve(struct json_object *root, struct json_object *s)
{
	struct json_object *r, *t;
	int i;

	for (i = 0; i < CP_REFS; i++) {
		r = cp_get(s, "$ref");
		if (r == NULL || !json_object_is_type(r, json_type_string))
			break;
		t = cp_pointer(root, json_object_get_string(r));
		if (t == NULL)
			break;
		s = t;
	}
	return s;
}

/* The JSON type name of v ("string", "integer", "number", ...). */
static const char *
cp_json_type(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "boolean";
	case json_type_int: return "integer";
	case json_type_double: return "number";
	case json_type_string: return "string";
	case json_type_array: return "array";
	default: return "object";
	}
}

/* The "type" of s as text: "string", "integer or null", "any"; without
 * "type", the type all its const / enum values share ("value" if none). */
static void
cp_type_text(struct html *p, struct json_object *s)
{
	struct json_object *t = cp_get(s, "type"), *e;
	const char *name = NULL;
	size_t i, n;

	if (t == NULL) {
		if ((e = cp_get(s, "const")) != NULL)
			name = cp_json_type(e);
		else if ((e = cp_get(s, "enum")) != NULL &&
		    json_object_is_type(e, json_type_array)) {
			n = json_object_array_length(e);
			for (i = 0; i < n; i++) {
				const char *k = cp_json_type(
				    json_object_array_get_idx(e, i));

				if (name != NULL && strcmp(name, k) != 0)
					break;
				name = k;
			}
			if (i < n || n == 0)
				name = "value";
		}
		html_put(p, name != NULL ? name : "any");
		return;
	}
	if (json_object_is_type(t, json_type_string)) {
		html_text(p, json_object_get_string(t));
		return;
	}
	n = json_object_array_length(t);
	for (i = 0; i < n; i++) {
		if (i > 0)
			html_put(p, " or ");
		html_text(p, json_object_get_string(json_object_array_get_idx(t,
		    i)));
	}
}

/* One rule when s has key: before, the value (JSON text), after.  code:
 * the value in <code> (patterns). */
static void
cp_rule(struct html *p, struct json_object *s, const char *key,
    const char *before, const char *after, int code)
{
	struct json_object *v = cp_get(s, key);

	if (v == NULL)
		return;
	html_put(p, "<span class=\"rule\">");
	html_text(p, before);
	html_put(p, code ? "<code>" : "");
	if (json_object_is_type(v, json_type_string))
		html_text(p, json_object_get_string(v));
	else
		cp_json(p, v);
	html_put(p, code ? "</code>" : "");
	html_text(p, after);
	html_put(p, "</span>");
}

/* The rules of s (and of its items for an array): values, bounds. */
static void
cp_rules(struct html *p, struct json_object *root, struct json_object *s)
{
	struct json_object *v, *items;
	size_t i, n;

	if ((v = cp_get(s, "const")) != NULL) {
		html_put(p, "<span class=\"rule\">always <code>");
		cp_json(p, v);
		html_put(p, "</code></span>");
	}
	if ((v = cp_get(s, "enum")) != NULL &&
	    json_object_is_type(v, json_type_array)) {
		html_put(p, "<span class=\"vals\"><span class=\"k\">one "
		    "of</span>");
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			html_put(p, "<code>");
			cp_json(p, json_object_array_get_idx(v, i));
			html_put(p, "</code>");
		}
		html_put(p, "</span>");
	}
	cp_rule(p, s, "format", "format ", "", 1);
	cp_rule(p, s, "pattern", "matches ", "", 1);
	if ((v = cp_get(s, "minLength")) != NULL &&
	    json_object_get_int64(v) == 1)
		html_put(p, "<span class=\"rule\">not empty</span>");
	else
		cp_rule(p, s, "minLength", "at least ", " characters", 0);
	cp_rule(p, s, "maxLength", "at most ", " characters", 0);
	cp_rule(p, s, "minimum", "at least ", "", 0);
	cp_rule(p, s, "maximum", "at most ", "", 0);
	cp_rule(p, s, "exclusiveMinimum", "greater than ", "", 0);
	cp_rule(p, s, "exclusiveMaximum", "less than ", "", 0);
	cp_rule(p, s, "multipleOf", "a multiple of ", "", 0);
	if ((v = cp_get(s, "minItems")) != NULL &&
	    json_object_get_int64(v) == 1)
		html_put(p, "<span class=\"rule\">at least one item</span>");
	else
		cp_rule(p, s, "minItems", "at least ", " items", 0);
	cp_rule(p, s, "maxItems", "at most ", " items", 0);
	if ((v = cp_get(s, "uniqueItems")) != NULL &&
	    json_object_get_boolean(v))
		html_put(p, "<span class=\"rule\">no duplicates</span>");
	items = cp_get(s, "items");
	if (items != NULL && cp_get(cp_resolve(root, items), "properties") ==
	    NULL)
		cp_rules(p, root, cp_resolve(root, items));
}

/* 1 if name is in s's "required". */
static int
cp_required(struct json_object *s, const char *name)
{
	struct json_object *r = cp_get(s, "required");
	size_t i, n;

	if (r == NULL || !json_object_is_type(r, json_type_array))
		return 0;
	n = json_object_array_length(r);
	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(r,
		    i)), name) == 0)
			return 1;
	return 0;
}

static int cp_fields(struct html *p, struct json_object *root,
    struct json_object *s, const char *prefix, int depth);

/* The row of member name (schema ps) of parent; then its own fields. */
static int
cp_row(struct html *p, struct json_object *root, struct json_object *parent,
    const char *prefix, const char *name, struct json_object *ps, int depth)
{
	struct json_object *s = cp_resolve(root, ps), *d, *items;
	char full[CP_NAME_MAX];
	int rows = 1;

	d = cp_get(ps, "description");
	if (d == NULL)
		d = cp_get(s, "description");
	html_put(p, "<tr><td class=\"name\"><code>");
	if (prefix[0] != '\0') {
		html_put(p, "<span class=\"sub\">");
		html_text(p, prefix);
		html_put(p, "</span>");
	}
	html_text(p, name);
	html_put(p, "</code></td><td class=\"ty\">");
	cp_type_text(p, s);
	items = cp_get(s, "items");
	if (items != NULL) {
		html_put(p, " of ");
		cp_type_text(p, cp_resolve(root, items));
	}
	html_put(p, "</td><td>");
	html_put(p, cp_required(parent, name) ?
	    "<span class=\"tag req\">required</span>" :
	    "<span class=\"tag opt\">optional</span>");
	html_put(p, "</td><td class=\"d\">");
	if (d != NULL && json_object_is_type(d, json_type_string))
		html_text(p, json_object_get_string(d));
	html_put(p, "<div class=\"rules\">");
	cp_rules(p, root, s);
	html_put(p, "</div></td></tr>\n");
	if (depth >= CP_DEPTH)
		return rows;
	snprintf(full, sizeof(full), "%s%s.", prefix, name);
	if (cp_get(s, "properties") != NULL)
		rows += cp_fields(p, root, s, full, depth + 1);
	if (items != NULL && cp_get(cp_resolve(root, items), "properties")) {
		snprintf(full, sizeof(full), "%s%s[].", prefix, name);
		rows += cp_fields(p, root, cp_resolve(root, items), full,
		    depth + 1);
	}
	return rows;
}

/* The rows of s's properties; how many were written. */
static int
cp_fields(struct html *p, struct json_object *root, struct json_object *s,
    const char *prefix, int depth)
{
	struct json_object *props = cp_get(s, "properties");
	int rows = 0;

	if (props == NULL || !json_object_is_type(props, json_type_object))
		return 0;
	json_object_object_foreach(props, key, ps) {
		rows += cp_row(p, root, s, prefix, key, ps, depth);
	}
	return rows;
}

static void
cp_head(struct html *p, const struct config *cfg)
{
	const struct embed_file *css;
	size_t i, n = catalog_count(cfg);

	css = embed_find(embed_www, embed_www_count, "catalog.css");
	html_put(p, "<!doctype html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<title>Event catalog · hookd</title>\n<style>\n");
	if (css != NULL)
		html_putn(p, (const char *)css->data, css->len);
	html_put(p, "</style>\n</head>\n<body>\n<main>\n"
	    "<header class=\"top\">\n<h1>Event catalog</h1>\n"
	    "<p class=\"lead\">The events this service sends to your "
	    "webhooks. Each one arrives as an HTTP <code>POST</code> whose "
	    "JSON body is an envelope; what happened is in its "
	    "<code>data</code>, described below type by type.</p>\n"
	    "<ul class=\"jump\">\n<li><a href=\"#envelope\">envelope</a></li>\n");
	for (i = 0; i < n; i++) {
		const struct catalog_type *t = catalog_at(cfg, i);

		html_put(p, "<li><a href=\"#t-");
		html_text(p, t->name);
		html_put(p, "\">");
		html_text(p, t->name);
		html_put(p, "</a></li>\n");
	}
	html_put(p, "<li><a href=\"#verify\">verifying signatures</a></li>\n"
	    "</ul>\n</header>\n");
}

static const char cp_envelope[] =
"<section class=\"panel\" id=\"envelope\">\n<h2>The envelope</h2>\n"
"<p class=\"desc\">Every delivery has the same outer fields; keys come in "
"this order and a retry sends the same bytes.</p>\n"
"<div class=\"scroll\"><table><thead><tr><th>Field</th><th>Type</th>"
"<th>Required</th><th>Description</th></tr></thead><tbody>\n"
"<tr><td class=\"name\"><code>id</code></td><td class=\"ty\">string</td>"
"<td><span class=\"tag req\">required</span></td><td class=\"d\">The "
"event's id, also sent as the <code>webhook-id</code> header: the same on "
"every retry, so use it to ignore duplicates.</td></tr>\n"
"<tr><td class=\"name\"><code>type</code></td><td class=\"ty\">string</td>"
"<td><span class=\"tag req\">required</span></td><td class=\"d\">One of "
"the types below.</td></tr>\n"
"<tr><td class=\"name\"><code>timestamp</code></td><td class=\"ty\">string"
"</td><td><span class=\"tag req\">required</span></td><td class=\"d\">When "
"it happened, RFC 3339 in UTC with milliseconds.</td></tr>\n"
"<tr><td class=\"name\"><code>org_id</code></td><td class=\"ty\">string"
"</td><td><span class=\"tag req\">required</span></td><td class=\"d\">The "
"organization the event belongs to.</td></tr>\n"
"<tr><td class=\"name\"><code>app_id</code></td><td class=\"ty\">string"
"</td><td><span class=\"tag opt\">optional</span></td><td class=\"d\">The "
"application it concerns, when it concerns one.</td></tr>\n"
"<tr><td class=\"name\"><code>user_id</code></td><td class=\"ty\">string"
"</td><td><span class=\"tag opt\">optional</span></td><td class=\"d\">The "
"user it concerns, when it concerns one.</td></tr>\n"
"<tr><td class=\"name\"><code>data</code></td><td class=\"ty\">object</td>"
"<td><span class=\"tag req\">required</span></td><td class=\"d\">What "
"happened: the fields of the event's type.</td></tr>\n"
"</tbody></table></div>\n</section>\n";

/* One type's panel. */
static void
cp_type(struct html *p, const struct catalog_type *t)
{
	struct json_object *env, *ap;
	int rows;

	html_put(p, "<section class=\"panel type\" id=\"t-");
	html_text(p, t->name);
	html_put(p, "\">\n<div class=\"head\"><h2><code>");
	html_text(p, t->name);
	html_put(p, "</code></h2>");
	html_put(p, t->origin == CATALOG_BUILTIN ?
	    "<span class=\"tag builtin\">built in</span>" :
	    "<span class=\"tag custom\">this installation</span>");
	html_put(p, "</div>\n<p class=\"desc\">");
	html_text(p, t->description);
	html_put(p, "</p>\n<h3>Fields of <code>data</code></h3>\n"
	    "<div class=\"scroll\"><table><thead><tr><th>Field</th>"
	    "<th>Type</th><th>Required</th><th>Description</th></tr></thead>"
	    "<tbody>\n");
	rows = cp_fields(p, t->schema, t->schema, "", 0);
	if (rows == 0)
		html_put(p, "<tr><td colspan=\"4\" class=\"empty\">The schema "
		    "lists no fields: any JSON object.</td></tr>\n");
	html_put(p, "</tbody></table></div>\n");
	ap = cp_get(t->schema, "additionalProperties");
	if (rows > 0 && !(ap != NULL &&
	    json_object_is_type(ap, json_type_boolean) &&
	    !json_object_get_boolean(ap)))
		html_put(p, "<p class=\"lead\">More fields may be added later: "
		    "ignore the ones you do not know.</p>\n");
	env = json_object_new_object();
	json_object_object_add(env, "id",
	    json_object_new_string("evt_01JDQ6Z5R8M1V3K9T2N4P7X0BC"));
	json_object_object_add(env, "type", json_object_new_string(t->name));
	json_object_object_add(env, "timestamp",
	    json_object_new_string("2026-11-26T19:52:32.123Z"));
	json_object_object_add(env, "org_id", json_object_new_string("org-1"));
	json_object_object_add(env, "app_id",
	    json_object_new_string("app_01JDQ6Y1C4W8Z2H5K7M9P3R6TV"));
	if (strcmp(t->name, CATALOG_TEST_TYPE) != 0)
		json_object_object_add(env, "user_id",
		    json_object_new_string("user-123"));
	json_object_object_add(env, "data", json_object_get(t->example));
	html_put(p, "<h3>Example envelope</h3>\n<pre>");
	cp_pretty(p, env, 0);
	html_put(p, "</pre>\n</section>\n");
	json_object_put(env);
}

static const char cp_verify[] =
"<section class=\"panel\" id=\"verify\">\n<h2>Verifying a signature</h2>\n"
"<p class=\"desc\">Each request is signed as Standard Webhooks 1.0 says; "
"any Standard Webhooks library verifies it (<code>standardwebhooks</code> "
"on PyPI and npm, the <code>svix</code> libraries).</p>\n"
"<div class=\"cols\"><div>\n<ol class=\"steps\">\n"
"<li>Read the headers <code>webhook-id</code>, "
"<code>webhook-timestamp</code> (Unix seconds) and "
"<code>webhook-signature</code>, and the raw body, before parsing it.</li>\n"
"<li>Refuse a timestamp more than 5 minutes from now (replays).</li>\n"
"<li>The key is the base64-decoded part of your webhook's secret after "
"<code>whsec_</code>.</li>\n"
"<li>Compute <code>v1,</code> + base64(HMAC-SHA256(key, "
"<code>id.timestamp.body</code>)).</li>\n"
"<li>Accept if it equals any of the space-separated entries of "
"<code>webhook-signature</code> (two during a secret rotation), compared "
"in constant time.</li>\n"
"<li>Answer 2xx quickly, then do the work; dedupe on "
"<code>webhook-id</code>.</li>\n</ol>\n"
"<p>Test vector: secret <code>whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw</code>, "
"id <code>msg_p5jXN8AQM9LWM0D4loKWxJek</code>, timestamp "
"<code>1614265330</code>, body <code>{\"test\": 2432232314}</code> give "
"<code>v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=</code>.</p>\n"
"</div><div>\n<pre>import base64, hashlib, hmac, time\n\n"
"def verify(secret, headers, body, tolerance=300):\n"
"    msg_id = headers[&quot;webhook-id&quot;]\n"
"    ts = headers[&quot;webhook-timestamp&quot;]\n"
"    if abs(time.time() - int(ts)) &gt; tolerance:\n"
"        return False\n"
"    key = base64.b64decode(secret.removeprefix(&quot;whsec_&quot;))\n"
"    mac = hmac.new(key, f&quot;{msg_id}.{ts}.&quot;.encode() + body,\n"
"                   hashlib.sha256)\n"
"    want = &quot;v1,&quot; + base64.b64encode(mac.digest()).decode()\n"
"    return any(hmac.compare_digest(want, s)\n"
"               for s in headers[&quot;webhook-signature&quot;].split())"
"</pre>\n</div></div>\n</section>\n";

int
catalogpage_render(const struct config *cfg, struct buf *out)
{
	struct html p = { .b = out };
	size_t i, n = catalog_count(cfg);

	cp_head(&p, cfg);
	html_put(&p, cp_envelope);
	for (i = 0; i < n; i++)
		cp_type(&p, catalog_at(cfg, i));
	html_put(&p, cp_verify);
	html_putf(&p, "<footer>hookd %s · <code>GET /v1/event-types</code> "
	    "serves the same catalog as JSON, with each type's JSON Schema "
	    "(draft 2020-12).</footer>\n</main>\n</body>\n</html>\n",
	    HOOKD_VERSION);
	return p.bad ? -1 : 0;
}

/* What this process last wrote (to skip identical rewrites). */
static struct {
	char *data;
	size_t len;
} catalogpage_last;

int
catalogpage_write(const struct config *cfg, const char *dir, char *err,
    size_t errlen)
{
	char path[PATH_MAX], e[PATH_MAX + 128];
	struct stat st;
	struct buf b;
	int rc = -1;

	buf_init(&b, CATALOGPAGE_MAX_BYTES);
	if (catalogpage_render(cfg, &b) == -1) {
		snprintf(err, errlen, "catalog page: catalog.html would exceed "
		    "%u bytes or memory ran out", CATALOGPAGE_MAX_BYTES);
		goto out;
	}
	if (catalogpage_last.data != NULL && catalogpage_last.len == b.len &&
	    memcmp(catalogpage_last.data, b.data, b.len) == 0 &&
	    (size_t)snprintf(path, sizeof(path), "%s/catalog.html", dir) <
	    sizeof(path) && stat(path, &st) == 0) {
		rc = 0;
		goto out;
	}
	if (atomicfile_replace(dir, "catalog.html", b.data, b.len, 0644, e,
	    sizeof(e)) == -1) {
		snprintf(err, errlen, "catalog page: %s", e);
		goto out;
	}
	free(catalogpage_last.data);
	catalogpage_last.data = b.data;		/* taken over */
	catalogpage_last.len = b.len;
	b.data = NULL;
	b.size = 0;
	rc = 0;
out:
	buf_free(&b);
	return rc;
}
