/* jsnum.c - JSON numbers compared by value (see jsnum.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsnum.h"

#define JSNUM_DIGITS 400	/* significant digits handled exactly */
#define JSNUM_EXP_MAX 100000	/* |exponent| handled exactly */
#define JSNUM_B_DIGITS 36	/* a divisor that fits in 128 bits */

/* A decimal: value = dig (nd digits, no leading or trailing zeros) * 10^exp;
 * nd 0 is zero. */
struct jsnum_dec {
	char dig[JSNUM_DIGITS];
	size_t nd;
	long exp;
};

int
jsnum_is(struct json_object *o)
{
	return json_object_is_type(o, json_type_int) ||
	    json_object_is_type(o, json_type_double);
}

static const char *
jsnum_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

long double
jsnum_value(struct json_object *o)
{
	const char *s;
	int64_t i;

	if (json_object_is_type(o, json_type_int)) {
		i = json_object_get_int64(o);
		if (i == INT64_MAX)	/* maybe a uint64 above it */
			return (long double)json_object_get_uint64(o);
		return (long double)i;
	}
	s = jsnum_text(o);
	if (s != NULL)
		return strtold(s, NULL);
	return (long double)json_object_get_double(o);
}

/* Parse JSON number text s into d.  0, or -1 when beyond the caps. */
static int
jsnum_parse(const char *s, struct jsnum_dec *d)
{
	long e = 0, x = 0;
	int frac = 0, neg = 0;

	d->nd = 0;
	if (*s == '-')
		s++;
	for (; (*s >= '0' && *s <= '9') || *s == '.'; s++) {
		if (*s == '.') {
			frac = 1;
			continue;
		}
		if (frac)
			e--;
		if (d->nd == 0 && *s == '0')
			continue;
		if (d->nd == sizeof(d->dig))
			return -1;
		d->dig[d->nd++] = *s;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			neg = *s++ == '-';
		for (; *s >= '0' && *s <= '9'; s++) {
			x = x * 10 + (*s - '0');
			if (x > JSNUM_EXP_MAX)
				return -1;
		}
	}
	if (*s != '\0')
		return -1;
	d->exp = e + (neg ? -x : x);
	while (d->nd > 0 && d->dig[d->nd - 1] == '0') {
		d->nd--;
		d->exp++;
	}
	return 0;
}

int
jsnum_is_integer(struct json_object *o)
{
	struct jsnum_dec d;
	const char *s;
	long double v;

	if (json_object_is_type(o, json_type_int))
		return 1;
	if (!json_object_is_type(o, json_type_double))
		return 0;
	s = jsnum_text(o);
	if (s != NULL && jsnum_parse(s, &d) == 0)
		return d.nd == 0 || d.exp >= 0;
	v = jsnum_value(o);
	return isfinite(v) && v == truncl(v);
}

int
jsnum_set(struct jsnum *n, struct json_object *o)
{
	const char *s = jsnum_text(o);

	n->v = jsnum_value(o);
	n->text = s != NULL ? strdup(s) : NULL;
	return n->text == NULL ? -1 : 0;
}

void
jsnum_clear(struct jsnum *n)
{
	free(n->text);
	n->text = NULL;
}

/* The fallback when the texts are beyond the exact method's caps. */
static int
jsnum_multiple_approx(long double x, long double m)
{
	if (!isfinite(x) || !isfinite(m) || m == 0)
		return 0;
	return fmodl(fabsl(x), m) == 0;
}

int
jsnum_multiple(struct json_object *o, const struct jsnum *m)
{
	struct jsnum_dec a, b;
	unsigned __int128 B = 0, r = 0;
	const char *s = jsnum_text(o);
	long e, za, zb, k;
	size_t i;

	if (s == NULL || jsnum_parse(s, &a) == -1 ||
	    jsnum_parse(m->text, &b) == -1)
		return jsnum_multiple_approx(jsnum_value(o), m->v);
	if (a.nd == 0)
		return 1;		/* 0 is a multiple of everything */
	if (b.nd == 0)
		return 0;
	/* Scale both to the smaller exponent: A = a * 10^za, B = b * 10^zb,
	 * integers; o is a multiple of m iff A mod B == 0. */
	e = a.exp < b.exp ? a.exp : b.exp;
	za = a.exp - e;
	zb = b.exp - e;
	if ((long)b.nd + zb > JSNUM_B_DIGITS || za > JSNUM_EXP_MAX)
		return jsnum_multiple_approx(jsnum_value(o), m->v);
	for (i = 0; i < b.nd; i++)
		B = B * 10 + (unsigned)(b.dig[i] - '0');
	for (k = 0; k < zb; k++)
		B *= 10;
	for (i = 0; i < a.nd; i++)
		r = (r * 10 + (unsigned)(a.dig[i] - '0')) % B;
	for (k = 0; k < za && r != 0; k++)
		r = (r * 10) % B;
	return r == 0;
}
