/*
 * jsontree.c - json-c's tree of an already checked JSON text (contract in
 * jsontree.h).  Recursive: the depth is the one jsontext_check allowed.
 *
 * Decoded strings (those with escapes, and every member name, which json-c
 * wants NUL-terminated) go to a scratch buffer used as a stack: a member
 * name stays at its offset while its value is built above it, and each
 * piece is popped once json-c has copied it.
 *
 * What json-c prints otherwise than it was sent (besides whitespace) is
 * counted as it is read (in->odd): an escape it writes another way
 * ("\/", "\u00e9", "\u000A", "\u000a": json-c writes "/", the UTF-8,
 * "\n"), the integer -0.  A container read without a new one is its own
 * text, whitespace left out: its span is noted, and once the tree is
 * whole the spans go to one allocation the root owns (jsontree_raw).
 * Everything else json-c prints as sent: strings' raw bytes (the scan
 * refused raw control characters in them), its short escapes and \u00xx
 * for the other controls, integers (no leading zeros, no '+'), doubles
 * (json-c keeps their text), literals, members in the order read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/jsontree.h"
#include "lib/jsword.h"

#define JSONTREE_SCRATCH_CAP ((size_t)1 << 31)	/* past any body */
#define JSONTREE_INT_DIGITS 18	/* any such integer fits int64 */

static const char jsontree_tag;	/* its address marks a span */

struct jsontree_in {
	const char *p;
	size_t n;
	size_t i;		/* the next byte */
	struct buf sc;		/* decoded strings, a stack */
	size_t odd;		/* spots json-c prints otherwise, so far */
	struct buf recs;	/* struct jsontree_rec: containers to mark */
};

/* A container printed as its text, noted until the tree is whole. */
struct jsontree_rec {
	struct json_object *o;
	const char *p;
	size_t n;
};

static void
jsontree_ws(struct jsontree_in *in)
{
	while (in->i < in->n && (in->p[in->i] == ' ' ||
	    in->p[in->i] == '\t' || in->p[in->i] == '\n' ||
	    in->p[in->i] == '\r'))
		in->i++;
}

/* The value of 4 hex digits at s (checked by the scan). */
static unsigned
jsontree_hex4(const char *s)
{
	unsigned v = 0, d;
	int k;

	for (k = 0; k < 4; k++) {
		d = (unsigned char)s[k];
		v = v * 16 + (d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10);
	}
	return v;
}

/* Code point u as UTF-8 onto the scratch stack. */
static int
jsontree_utf8(struct jsontree_in *in, unsigned u)
{
	char t[4];
	size_t k;

	if (u < 0x80) {
		t[0] = (char)u;
		k = 1;
	} else if (u < 0x800) {
		t[0] = (char)(0xc0 | (u >> 6));
		t[1] = (char)(0x80 | (u & 0x3f));
		k = 2;
	} else if (u < 0x10000) {
		t[0] = (char)(0xe0 | (u >> 12));
		t[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		t[2] = (char)(0x80 | (u & 0x3f));
		k = 3;
	} else {
		t[0] = (char)(0xf0 | (u >> 18));
		t[1] = (char)(0x80 | ((u >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((u >> 6) & 0x3f));
		t[3] = (char)(0x80 | (u & 0x3f));
		k = 4;
	}
	return buf_add(&in->sc, t, k);
}

/* 1 if json-c prints the code point u of the escape \uXXXX at s as
 * those 6 bytes: a control character without a short escape, in
 * lowercase hex. */
static int
jsontree_u_kept(const char *s, unsigned u)
{
	int k;

	if (u >= 0x20 || u == '\b' || u == '\t' || u == '\n' || u == '\f' ||
	    u == '\r')
		return 0;
	for (k = 2; k < 6; k++)
		if (s[k] >= 'A' && s[k] <= 'F')
			return 0;
	return 1;
}

/* Decode the escape at in->i (its backslash) onto the scratch stack. */
static int
jsontree_escape(struct jsontree_in *in)
{
	const char *s = in->p + in->i;
	unsigned u, lo;
	char ch;

	switch (s[1]) {
	case '/': ch = '/'; in->odd++; break;	/* json-c prints '/' */
	case 'b': ch = '\b'; break;
	case 'f': ch = '\f'; break;
	case 'n': ch = '\n'; break;
	case 'r': ch = '\r'; break;
	case 't': ch = '\t'; break;
	case 'u':
		u = jsontree_hex4(s + 2);
		if (!jsontree_u_kept(s, u))
			in->odd++;
		in->i += 6;
		if (u >= 0xd800 && u <= 0xdbff) {
			/* the scan refused a lone surrogate: a low one follows */
			lo = jsontree_hex4(s + 8);
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			in->i += 6;
		}
		return jsontree_utf8(in, u);
	default: ch = s[1]; break;	/* '"', '\\' */
	}
	in->i += 2;
	return buf_add(&in->sc, &ch, 1);
}

/*
 * The string at in->i (its opening quote); in->i ends past the closing
 * one.  Without escapes and !copy: *s points into the text.  Otherwise
 * the decoded bytes are pushed onto the scratch stack (NUL after them)
 * and *s points there, valid until the stack moves.  0 or -1 (memory).
 */
static int
jsontree_str(struct jsontree_in *in, int copy, const char **s, size_t *len)
{
	size_t start = ++in->i, base = in->sc.len, run;

	for (;;) {
		/* the scan saw the closing quote: found before in->n */
		in->i = jsword_find(in->p, in->i, in->n, JSWORD_STOPS);
		if (in->p[in->i] == '"')
			break;
		/* an escape: the run before it, then its bytes */
		run = in->i - start;
		if (buf_add(&in->sc, in->p + start, run) == -1 ||
		    jsontree_escape(in) == -1)
			return -1;
		start = in->i;
		copy = 1;
	}
	run = in->i - start;
	in->i++;
	if (!copy) {
		*s = in->p + start;
		*len = run;
		return 0;
	}
	if (buf_add(&in->sc, in->p + start, run) == -1)
		return -1;
	*s = in->sc.data + base;
	*len = in->sc.len - base;
	return 0;
}

/* The number at in->i as json-c makes it: int64, or a double keeping its
 * text.  JSONTREE_OTHER for a longer integer. */
static int
jsontree_num(struct jsontree_in *in, struct json_object **out)
{
	size_t start = in->i, digits = 0, base = in->sc.len;
	int dbl = 0, neg = 0;
	int64_t v = 0;
	char ch;

	if (in->p[in->i] == '-') {
		neg = 1;
		in->i++;
	}
	for (; in->i < in->n; in->i++) {
		ch = in->p[in->i];
		if (ch >= '0' && ch <= '9') {
			if (!dbl && digits < JSONTREE_INT_DIGITS)
				v = v * 10 + (ch - '0');	/* no overflow */
			digits++;
		} else if (ch == '.' || ch == 'e' || ch == 'E' || ch == '+' ||
		    ch == '-')
			dbl = 1;
		else
			break;
	}
	if (!dbl) {
		if (digits > JSONTREE_INT_DIGITS)
			return JSONTREE_OTHER;
		if (neg && v == 0)
			in->odd++;	/* json-c prints -0 as 0 */
		*out = json_object_new_int64(neg ? -v : v);
		return *out == NULL ? -1 : 0;
	}
	/* json-c: strtod of the text, the text kept for printing */
	if (buf_add(&in->sc, in->p + start, in->i - start) == -1)
		return -1;
	*out = json_object_new_double_s(strtod(in->sc.data + base, NULL),
	    in->sc.data + base);
	in->sc.len = base;
	return *out == NULL ? -1 : 0;
}

static int jsontree_value(struct jsontree_in *, struct json_object **);

/* Note the container o, from start to in->i, for jsontree_spans.  0 or
 * -1 (memory). */
static int
jsontree_keep(struct jsontree_in *in, struct json_object *o,
    const char *start)
{
	struct jsontree_rec r;

	r.o = o;
	r.p = start;
	r.n = (size_t)(in->p + in->i - start);
	return buf_add(&in->recs, &r, sizeof(r));
}

/*
 * Member names json-c keeps without a copy of its own
 * (JSON_C_OBJECT_ADD_CONSTANT_KEY: no strdup, no free): those of the
 * API's event bodies, read 100 times a batch.  Any name is correct here;
 * these only save work.
 */
static const struct {
	const char *s;
	size_t n;
} jsontree_names[] = {
	{ "id", 2 }, { "type", 4 }, { "data", 4 }, { "org_id", 6 },
	{ "app_id", 6 }, { "events", 6 }, { "user_id", 7 },
	{ "occurred_at", 11 },
};

/* The constant equal to the n bytes at s, or NULL. */
static const char *
jsontree_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(jsontree_names) / sizeof(jsontree_names[0]);
	    i++)
		if (jsontree_names[i].n == n &&
		    memcmp(jsontree_names[i].s, s, n) == 0)
			return jsontree_names[i].s;
	return NULL;
}

/* The object at in->i ('{') into o. */
static int
jsontree_obj(struct jsontree_in *in, struct json_object *o)
{
	struct json_object *v;
	const char *key, *name;
	size_t base = in->sc.len, len;
	int rc, had;

	in->i++;
	jsontree_ws(in);
	if (in->p[in->i] == '}') {
		in->i++;
		return 0;
	}
	for (;;) {
		jsontree_ws(in);
		/* the name: one of jsontree_names as it is in the text, or
		 * with its NUL on the stack, below what the value pushes */
		if (jsontree_str(in, 0, &key, &len) == -1)
			return -1;
		name = in->sc.len == base ? jsontree_name(key, len) : NULL;
		if (name == NULL && ((in->sc.len == base &&
		    buf_add(&in->sc, key, len) == -1) ||
		    buf_add(&in->sc, "", 1) == -1))
			return -1;
		jsontree_ws(in);
		in->i++;	/* ':' */
		jsontree_ws(in);
		if ((rc = jsontree_value(in, &v)) != 0)
			return rc;
		had = json_object_object_length(o);
		if (name != NULL)
			rc = json_object_object_add_ex(o, name, v,
			    JSON_C_OBJECT_ADD_CONSTANT_KEY);
		else	/* the value may have moved the stack: at base */
			rc = json_object_object_add(o, in->sc.data + base, v);
		if (rc != 0) {
			json_object_put(v);
			return -1;
		}
		in->sc.len = base;
		if (json_object_object_length(o) == had)
			return JSONTREE_DUP;	/* json-c replaced the value */
		jsontree_ws(in);
		if (in->p[in->i++] == '}')
			return 0;
	}
}

/* The array at in->i ('[') into a. */
static int
jsontree_arr(struct jsontree_in *in, struct json_object *a)
{
	struct json_object *v;
	int rc;

	in->i++;
	jsontree_ws(in);
	if (in->p[in->i] == ']') {
		in->i++;
		return 0;
	}
	for (;;) {
		jsontree_ws(in);
		if ((rc = jsontree_value(in, &v)) != 0)
			return rc;
		if (json_object_array_add(a, v) != 0) {
			json_object_put(v);
			return -1;
		}
		jsontree_ws(in);
		if (in->p[in->i++] == ']')
			return 0;
	}
}

/* The value at in->i into *out (NULL for null; a container is freed
 * here when it fails). */
static int
jsontree_value(struct jsontree_in *in, struct json_object **out)
{
	const char *s, *start = in->p + in->i;
	size_t len, base = in->sc.len, odd = in->odd;
	int rc;

	*out = NULL;
	switch (*start) {
	case '{':
	case '[':
		if ((*out = *start == '{' ? json_object_new_object() :
		    json_object_new_array()) == NULL)
			return -1;
		rc = *start == '{' ? jsontree_obj(in, *out) :
		    jsontree_arr(in, *out);
		if (rc != 0) {
			json_object_put(*out);
			*out = NULL;
		} else if (in->odd == odd && jsontree_keep(in, *out,
		    start) == -1) {
			json_object_put(*out);
			*out = NULL;
			return -1;
		}
		return rc;
	case '"':
		if (jsontree_str(in, 0, &s, &len) == -1)
			return -1;
		*out = json_object_new_string_len(s, (int)len);
		in->sc.len = base;
		return *out == NULL ? -1 : 0;
	case 't':
		in->i += 4;
		return (*out = json_object_new_boolean(1)) == NULL ? -1 : 0;
	case 'f':
		in->i += 5;
		return (*out = json_object_new_boolean(0)) == NULL ? -1 : 0;
	case 'n':
		in->i += 4;
		return 0;
	default:
		return jsontree_num(in, out);
	}
}

const struct jsontree_span *
jsontree_raw(struct json_object *o)
{
	const struct jsontree_span *sp;

	if (!json_object_is_type(o, json_type_object) &&
	    !json_object_is_type(o, json_type_array))
		return NULL;
	sp = json_object_get_userdata(o);
	/* nothing else in hookd gives a container userdata; the tag says
	 * it is jsontree_spans' all the same */
	return sp != NULL && sp->tag == &jsontree_tag && sp->p != NULL ? sp :
	    NULL;
}

static void
jsontree_spans_free(struct json_object *o, void *spans)
{
	(void)o;
	free(spans);
}

/*
 * The noted containers' spans, in one allocation owned by the root (its
 * userdata, freed with it; entry 0 is the root's own, p NULL when the
 * root is not printed as its text).  0 or -1 (memory).
 */
static int
jsontree_spans(struct jsontree_in *in, struct json_object *root)
{
	const struct jsontree_rec *r = (const void *)in->recs.data;
	size_t k = in->recs.len / sizeof(*r), i, j = 1;
	struct jsontree_span *sp;

	if (k == 0)
		return 0;
	if ((sp = calloc(k + 1, sizeof(*sp))) == NULL)
		return -1;
	sp[0].tag = &jsontree_tag;
	for (i = 0; i < k; i++) {
		if (r[i].o == root) {
			sp[0].p = r[i].p;
			sp[0].n = r[i].n;
			continue;
		}
		sp[j].tag = &jsontree_tag;
		sp[j].p = r[i].p;
		sp[j].n = r[i].n;
		json_object_set_userdata(r[i].o, &sp[j++], NULL);
	}
	json_object_set_userdata(root, sp, jsontree_spans_free);
	return 0;
}

int
jsontree_build(const char *text, size_t n, struct json_object **out)
{
	struct jsontree_in in;
	int rc;

	*out = NULL;
	in.p = text;
	in.n = n;
	in.i = 0;
	in.odd = 0;
	buf_init(&in.sc, JSONTREE_SCRATCH_CAP);
	buf_init(&in.recs, JSONTREE_SCRATCH_CAP);
	jsontree_ws(&in);
	rc = jsontree_value(&in, out);
	if (rc == 0 && jsontree_spans(&in, *out) == -1)
		rc = -1;
	if (rc != 0) {
		json_object_put(*out);
		*out = NULL;
	}
	buf_free(&in.sc);
	buf_free(&in.recs);
	return rc;
}
