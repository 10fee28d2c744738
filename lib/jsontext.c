/* jsontext.c - the JSON text scanner: RFC 8259 + I-JSON, builds nothing. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/jsontext.h"
#include "lib/jsword.h"

#define JT_NAME_SHOWN	64	/* longest member name quoted in a message */

/* One scan: the text, the next byte to look at, the fault. */
struct jt {
	const unsigned char *p;
	size_t n;
	size_t i;
	size_t at;		/* offset of the fault, once failed */
	char *err;
	size_t errlen;
};

/* A member name: its content (between the quotes) is p[off..off+len). */
struct jt_name {
	size_t off;
	size_t len;
};

static int jt_fail(struct jt *s, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the fault: err = the message + " at byte AT".  Always -1. */
static int
jt_fail(struct jt *s, size_t at, const char *fmt, ...)
{
	va_list ap;
	int k;

	s->at = at;
	if (s->errlen == 0)
		return -1;
	va_start(ap, fmt);
	k = vsnprintf(s->err, s->errlen, fmt, ap);
	va_end(ap);
	if (k >= 0 && (size_t)k < s->errlen)
		(void)snprintf(s->err + k, s->errlen - (size_t)k, " at byte %zu",
		    at);
	return -1;
}

/* The first offset from i on that is not JSON whitespace (or n). */
static size_t
jt_ws(const unsigned char *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' ||
	    p[i] == '\t'))
		i++;
	return i;
}

static int
jt_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

/* The 4 hex digits at p (4 bytes readable) into *out; -1 if not hex. */
static int
jt_hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0, c;
	int k;

	for (k = 0; k < 4; k++) {
		c = p[k];
		if (jt_digit(c))
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | c;
	}
	*out = v;
	return 0;
}

/*
 * The length (2..4) of the well-formed UTF-8 sequence at s->i, whose first
 * byte is 0x80 or above; -1 (failed at s->i) if it is not one.  RFC 3629:
 * the second byte's range rules out overlong forms (E0 80..9F, F0
 * 80..8F; C0 and C1 always), encoded surrogates (ED A0..BF) and code
 * points past U+10FFFF (F4 90..BF, F5 and up).
 */
static int
jt_utf8(struct jt *s)
{
	const unsigned char *p = s->p + s->i;
	size_t left = s->n - s->i;
	unsigned c = p[0], c1;
	int len, k;

	if (c < 0xc0)
		return jt_fail(s, s->i, "invalid UTF-8: continuation byte "
		    "0x%02x without a lead byte", c);
	if (c < 0xc2)
		return jt_fail(s, s->i, "invalid UTF-8: overlong 2-byte form "
		    "(lead byte 0x%02x)", c);
	if (c < 0xe0)
		len = 2;
	else if (c < 0xf0)
		len = 3;
	else if (c < 0xf5)
		len = 4;
	else if (c < 0xf8)
		return jt_fail(s, s->i, "invalid UTF-8: lead byte 0x%02x is "
		    "for code points past U+10FFFF", c);
	else if (c < 0xfe)
		return jt_fail(s, s->i, "invalid UTF-8: 5- and 6-byte forms "
		    "(lead byte 0x%02x) are not UTF-8", c);
	else
		return jt_fail(s, s->i, "invalid UTF-8: byte 0x%02x is never "
		    "in UTF-8", c);
	for (k = 1; k < len; k++)
		if ((size_t)k >= left || (p[k] & 0xc0) != 0x80)
			return jt_fail(s, s->i, "invalid UTF-8: truncated "
			    "%d-byte sequence", len);
	c1 = p[1];
	if ((c == 0xe0 && c1 < 0xa0) || (c == 0xf0 && c1 < 0x90))
		return jt_fail(s, s->i, "invalid UTF-8: overlong %d-byte form",
		    len);
	if (c == 0xed && c1 > 0x9f)
		return jt_fail(s, s->i, "invalid UTF-8: surrogate U+%04X "
		    "encoded in UTF-8", 0xd000 | (c1 & 0x3f) << 6 | (p[2] & 0x3f));
	if (c == 0xf4 && c1 > 0x8f)
		return jt_fail(s, s->i, "invalid UTF-8: code point past "
		    "U+10FFFF");
	return len;
}

/*
 * The escape at s->i (a backslash) inside a string; its length, or -1.
 * \u escapes: a high surrogate must be followed by an escaped low one
 * (together one code point), a low one never stands alone (I-JSON), and
 * \u0000 may not be in a member name (key).
 */
static int
jt_escape(struct jt *s, size_t i, int key)
{
	const unsigned char *p = s->p;
	size_t left = s->n - i;
	unsigned u, u2 = 0, c;

	if (left < 2)
		return jt_fail(s, s->n, "unexpected end of text in a string");
	c = p[i + 1];
	switch (c) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r':
	case 't':
		return 2;
	case 'u':
		break;
	default:
		if (c > 0x20 && c < 0x7f)
			return jt_fail(s, i, "invalid escape \\%c", c);
		return jt_fail(s, i, "invalid escape: byte 0x%02x after a "
		    "backslash", c);
	}
	if (left < 6 || jt_hex4(p + i + 2, &u) == -1)
		return jt_fail(s, i, "\\u must be followed by 4 hex digits");
	if (u == 0 && key)
		return jt_fail(s, i, "\\u0000 in a member name");
	if (u >= 0xdc00 && u <= 0xdfff)
		return jt_fail(s, i, "lone surrogate \\u%04x: a low surrogate "
		    "without a high one before it", u);
	if (u < 0xd800 || u > 0xdbff)
		return 6;
	if (left >= 8 && p[i + 6] == '\\' && p[i + 7] == 'u' &&
	    (left < 12 || jt_hex4(p + i + 8, &u2) == -1))
		return jt_fail(s, i + 6, "\\u must be followed by 4 hex "
		    "digits");
	if (left < 12 || p[i + 6] != '\\' || p[i + 7] != 'u' ||
	    u2 < 0xdc00 || u2 > 0xdfff)
		return jt_fail(s, i, "lone surrogate \\u%04x: a high surrogate "
		    "without a low one after it", u);
	return 12;
}

/* The string whose opening quote is at s->i; on success s->i is just past
 * its closing quote.  key: a member name. */
static int
jt_string(struct jt *s, int key)
{
	const unsigned char *p = s->p;
	size_t n = s->n, i = s->i + 1;
	unsigned c;
	int len;

	for (;;) {
		i = jsword_find((const char *)p, i, n, JSWORD_SPECIAL);
		if (i >= n)
			return jt_fail(s, s->i, "unterminated string");
		c = p[i];
		if (c == '"') {
			s->i = i + 1;
			return 0;
		}
		if (c == '\\') {
			if ((len = jt_escape(s, i, key)) == -1)
				return -1;
		} else if (c < 0x20) {
			return jt_fail(s, i, "raw control character U+%04X in a "
			    "string (write it as an escape)", c);
		} else if (c < 0x80) {
			len = 1;
		} else {
			s->i = i;
			if ((len = jt_utf8(s)) == -1)
				return -1;
		}
		i += (size_t)len;
	}
}

/* The number at s->i ('-' or a digit); s->i just past it. */
static int
jt_number(struct jt *s)
{
	const unsigned char *p = s->p;
	size_t n = s->n, i = s->i;

	if (p[i] == '-') {
		i++;
		if (i < n && (p[i] == 'I' || p[i] == 'i'))
			return jt_fail(s, s->i, "NaN and Infinity are not JSON "
			    "numbers");
		if (i >= n || !jt_digit(p[i]))
			return jt_fail(s, i, "digit expected after '-'");
	}
	if (p[i] == '0') {
		if (i + 1 < n && jt_digit(p[i + 1]))
			return jt_fail(s, i, "leading zero in number");
		i++;
	} else {
		while (i < n && jt_digit(p[i]))
			i++;
	}
	if (i < n && p[i] == '.') {
		i++;
		if (i >= n || !jt_digit(p[i]))
			return jt_fail(s, i, "digit expected after the decimal "
			    "point");
		while (i < n && jt_digit(p[i]))
			i++;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i >= n || !jt_digit(p[i]))
			return jt_fail(s, i, "digit expected in the exponent");
		while (i < n && jt_digit(p[i]))
			i++;
	}
	if (i < n && (p[i] == '.' || p[i] == '+' || p[i] == '-' ||
	    p[i] == '_' || (p[i] >= 'a' && p[i] <= 'z') ||
	    (p[i] >= 'A' && p[i] <= 'Z')))
		return jt_fail(s, i, "invalid character '%c' in a number", p[i]);
	s->i = i;
	return 0;
}

/* Fail on the byte at s->i (< n), where a value should start. */
static int
jt_bad_value(struct jt *s)
{
	const unsigned char *p = s->p + s->i;
	size_t left = s->n - s->i;
	unsigned c = p[0];

	if (left >= 3 && (strncasecmp((const char *)p, "nan", 3) == 0 ||
	    strncasecmp((const char *)p, "inf", 3) == 0))
		return jt_fail(s, s->i, "NaN and Infinity are not JSON numbers");
	if (left >= 3 && c == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return jt_fail(s, s->i, "byte-order mark (a JSON text has "
		    "none)");
	switch (c) {
	case '\'':
		return jt_fail(s, s->i, "single quote: JSON strings are in "
		    "double quotes");
	case '/':
	case '#':
		return jt_fail(s, s->i, "comments are not JSON");
	case '+':
		return jt_fail(s, s->i, "'+' before a number");
	case '.':
		return jt_fail(s, s->i, "number starts with '.' (write 0.5)");
	case 't':
	case 'f':
	case 'n':
		return jt_fail(s, s->i, "invalid literal (true, false or null "
		    "expected)");
	default:
		break;
	}
	if (c >= 0x80 && jt_utf8(s) == -1)
		return -1;
	if (c >= 0x80)
		return jt_fail(s, s->i, "unexpected non-ASCII character");
	if (c < 0x20 || c == 0x7f)
		return jt_fail(s, s->i, "unexpected byte 0x%02x", c);
	return jt_fail(s, s->i, "unexpected character '%c'", c);
}

/* The literal word (len bytes) at s->i, or fail. */
static int
jt_literal(struct jt *s, const char *word, size_t len)
{
	if (s->n - s->i >= len && memcmp(s->p + s->i, word, len) == 0) {
		s->i += len;
		return 0;
	}
	if (memcmp(s->p + s->i, word, s->n - s->i < len ? s->n - s->i : len)
	    == 0)
		return jt_fail(s, s->n, "unexpected end of text");
	return jt_bad_value(s);
}

/* The value starting at s->i, when it is a string, number or literal. */
static int
jt_scalar(struct jt *s)
{
	switch (s->p[s->i]) {
	case '"':
		return jt_string(s, 0);
	case '-': case '0': case '1': case '2': case '3': case '4': case '5':
	case '6': case '7': case '8': case '9':
		return jt_number(s);
	case 't':
		return jt_literal(s, "true", 4);
	case 'f':
		return jt_literal(s, "false", 5);
	case 'n':
		return jt_literal(s, "null", 4);
	default:
		return jt_bad_value(s);
	}
}

enum jt_state { JT_VALUE, JT_NAME, JT_AFTER };

int
jsontext_check(const char *text, size_t n, int maxdepth, size_t *members,
    size_t *at, char *err, size_t errlen)
{
	unsigned char open[JSONTEXT_DEPTH_MAX];	/* '{' or '[' per level */
	enum jt_state st = JT_VALUE;
	struct jt s;
	size_t count = 0, comma = 0;
	int depth = 0, after_comma = 0;
	unsigned c;

	s.p = (const unsigned char *)text;
	s.n = n;
	s.at = 0;
	s.err = err;
	s.errlen = errlen;
	*members = 0;
	*at = 0;
	if (maxdepth > JSONTEXT_DEPTH_MAX)
		maxdepth = JSONTEXT_DEPTH_MAX;
	s.i = jt_ws(s.p, n, 0);
	if (s.i >= n) {
		(void)jt_fail(&s, n, n == 0 ? "empty body" :
		    "no JSON value, only whitespace");
		goto bad;
	}
	for (;;) {
		if (st == JT_AFTER)
			s.i = jt_ws(s.p, n, s.i);
		if (st == JT_AFTER && depth == 0) {
			if (s.i == n) {
				*members = count;
				return 0;
			}
			if (s.p[s.i] == '/' || s.p[s.i] == '#')
				(void)jt_fail(&s, s.i, "comments are not JSON");
			else
				(void)jt_fail(&s, s.i, "trailing data after "
				    "the JSON value");
			goto bad;
		}
		if (s.i >= n) {
			(void)jt_fail(&s, n, "unexpected end of text");
			goto bad;
		}
		c = s.p[s.i];
		switch (st) {
		case JT_VALUE:
			if (c == '{' || c == '[') {
				if (depth >= maxdepth) {
					(void)jt_fail(&s, s.i, "nesting deeper "
					    "than %d", maxdepth);
					goto bad;
				}
				open[depth++] = (unsigned char)c;
				s.i = jt_ws(s.p, n, s.i + 1);
				if (s.i < n && s.p[s.i] == c + 2) {
					depth--;	/* {} or [] */
					s.i++;
					st = JT_AFTER;
				} else if (c == '{') {
					after_comma = 0;
					st = JT_NAME;
				}
				break;
			}
			if (jt_scalar(&s) == -1)
				goto bad;
			st = JT_AFTER;
			break;
		case JT_NAME:
			if (c == '}' && after_comma) {
				(void)jt_fail(&s, comma, "trailing comma");
				goto bad;
			}
			if (c == '\'') {
				(void)jt_fail(&s, s.i, "single quote: member "
				    "names are in double quotes");
				goto bad;
			}
			if (c != '"') {
				(void)jt_fail(&s, s.i, "member name expected (a "
				    "string in double quotes)");
				goto bad;
			}
			if (jt_string(&s, 1) == -1)
				goto bad;
			count++;
			s.i = jt_ws(s.p, n, s.i);
			if (s.i >= n)
				break;		/* unexpected end, above */
			if (s.p[s.i] != ':') {
				(void)jt_fail(&s, s.i, "':' expected after a "
				    "member name");
				goto bad;
			}
			s.i = jt_ws(s.p, n, s.i + 1);
			st = JT_VALUE;
			break;
		case JT_AFTER:		/* inside an object or array */
			if (c == ',') {
				comma = s.i;
				s.i = jt_ws(s.p, n, s.i + 1);
				if (open[depth - 1] == '{') {
					after_comma = 1;
					st = JT_NAME;
				} else if (s.i < n && s.p[s.i] == ']') {
					(void)jt_fail(&s, comma, "trailing comma");
					goto bad;
				} else
					st = JT_VALUE;
			} else if (c == (unsigned)open[depth - 1] + 2) {
				depth--;
				s.i++;
			} else {
				if (c == '/' || c == '#')
					(void)jt_fail(&s, s.i, "comments are not "
					    "JSON");
				else
					(void)jt_fail(&s, s.i, open[depth - 1] ==
					    '{' ? "',' or '}' expected" :
					    "',' or ']' expected");
				goto bad;
			}
			break;
		}
	}
bad:
	*at = s.at;
	return -1;
}

/* The next code point of a member name that jsontext_check accepted,
 * starting at p[*k]; *k moves past it. */
static uint32_t
jt_next_cp(const unsigned char *p, size_t *k)
{
	size_t i = *k;
	unsigned c = p[i], u = 0, u2 = 0;

	if (c == '\\') {
		*k = i + 2;
		switch (p[i + 1]) {
		case 'b': return '\b';
		case 'f': return '\f';
		case 'n': return '\n';
		case 'r': return '\r';
		case 't': return '\t';
		case 'u':
			break;
		default:
			return p[i + 1];	/* " \ / */
		}
		(void)jt_hex4(p + i + 2, &u);
		*k = i + 6;
		if (u < 0xd800 || u > 0xdbff)
			return u;
		(void)jt_hex4(p + i + 8, &u2);
		*k = i + 12;
		return 0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00);
	}
	if (c < 0x80) {
		*k = i + 1;
		return c;
	}
	if (c < 0xe0) {
		*k = i + 2;
		return (c & 0x1f) << 6 | (p[i + 1] & 0x3f);
	}
	if (c < 0xf0) {
		*k = i + 3;
		return (c & 0x0f) << 12 | (p[i + 1] & 0x3f) << 6 |
		    (p[i + 2] & 0x3f);
	}
	*k = i + 4;
	return (uint32_t)(c & 0x07) << 18 | (p[i + 1] & 0x3f) << 12 |
	    (p[i + 2] & 0x3f) << 6 | (p[i + 3] & 0x3f);
}

/* Order of two names by their decoded code points: -1, 0 or 1. */
static int
jt_name_order(const unsigned char *p, const struct jt_name *x,
    const struct jt_name *y)
{
	size_t i = x->off, j = y->off;
	uint32_t cx, cy;

	while (i < x->off + x->len && j < y->off + y->len) {
		cx = jt_next_cp(p, &i);
		cy = jt_next_cp(p, &j);
		if (cx != cy)
			return cx < cy ? -1 : 1;
	}
	if (i < x->off + x->len)
		return 1;
	return j < y->off + y->len ? -1 : 0;
}

/* qsort_r order: by name, equal names in text order.  ctx: the text. */
static int
jt_name_cmp(const void *a, const void *b, void *ctx)
{
	const struct jt_name *x = a, *y = b;
	int o = jt_name_order(ctx, x, y);

	if (o != 0)
		return o;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The names of one object (k of them, reordered here): lower *first to
 * the offset of the earliest name that repeats an earlier one. */
static void
jt_object_dups(const unsigned char *p, struct jt_name *names, size_t k,
    struct jt_name *first)
{
	size_t j;

	if (k < 2)
		return;
	qsort_r(names, k, sizeof(*names), jt_name_cmp, (void *)(uintptr_t)p);
	for (j = 1; j < k; j++)
		if (names[j].off < first->off &&
		    jt_name_order(p, &names[j - 1], &names[j]) == 0)
			*first = names[j];
}

int
jsontext_dup(const char *text, size_t n, size_t *at, char *err,
    size_t errlen)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t marks[JSONTEXT_DEPTH_MAX];	/* first name of each open object */
	struct jt_name *names = NULL, *nn, first;
	size_t cap = 0, count = 0, depth = 0, i, j, k;
	int rc = -1;

	*at = 0;
	first.off = SIZE_MAX;
	first.len = 0;
	for (i = 0; i < n; i++) {
		if (p[i] == '{') {
			if (depth == JSONTEXT_DEPTH_MAX) {
				(void)snprintf(err, errlen, "nesting too deep");
				goto out;
			}
			marks[depth++] = count;
		} else if (p[i] == '}' && depth > 0) {
			depth--;
			if (count - marks[depth] > 1)	/* names is not NULL */
				jt_object_dups(p, names + marks[depth],
				    count - marks[depth], &first);
			count = marks[depth];
		} else if (p[i] == '"') {
			for (j = i + 1; j < n && p[j] != '"'; j++)
				if (p[j] == '\\')
					j++;
			k = jt_ws(p, n, j + 1);
			if (k < n && p[k] == ':' && depth > 0) {
				if (count == cap) {
					cap = cap ? cap * 2 : 64;
					nn = reallocarray(names, cap,
					    sizeof(*names));
					if (nn == NULL) {
						(void)snprintf(err, errlen,
						    "out of memory");
						goto out;
					}
					names = nn;
				}
				names[count].off = i + 1;
				names[count++].len = j - (i + 1);
			}
			i = j;
		}
	}
	rc = 0;
	if (first.off != SIZE_MAX) {
		rc = 1;
		*at = first.off - 1;
		if (first.len <= JT_NAME_SHOWN)
			(void)snprintf(err, errlen, "duplicate member name "
			    "\"%.*s\" at byte %zu", (int)first.len,
			    text + first.off, *at);
		else
			(void)snprintf(err, errlen, "duplicate member name at "
			    "byte %zu", *at);
	}
out:
	free(names);
	return rc;
}
