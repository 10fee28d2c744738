/*
 * jsnum.h - JSON numbers as JSON Schema compares them: by the value their
 * text writes, not by json-c's storage type.
 *
 * Values are long double: on x86-64 (64-bit mantissa) and on targets with
 * a binary128 long double every int64, uint64 and double is exact in it,
 * so comparisons between json-c's integers and doubles are exact.  A
 * double's value is read back from the JSON text json-c kept for it
 * (strtold), so 0.1 in an instance equals 0.1 in a schema and 1e400
 * (json-c's inf) is still 1e400.  Integer-ness and multipleOf are decided
 * on the decimal text itself: 1.0 and 1e2 are integers, 0.3 is a multiple
 * of 0.1.
 */
#ifndef HOOKD_JSNUM_H
#define HOOKD_JSNUM_H

#include <json-c/json.h>

struct jsnum {
	long double v;
	char *text;		/* the decimal text, owned; NULL if unset */
};

/* 1 if o is a JSON number (json-c int or double). */
int jsnum_is(struct json_object *o);

/* o's value (o a number). */
long double jsnum_value(struct json_object *o);

/* 1 if number o is an integer in value (1, 1.0, 2.5e1), else 0. */
int jsnum_is_integer(struct json_object *o);

/*
 * Fill n from number o (text copied).  0 or -1 (memory).  Free with
 * jsnum_clear.
 */
int jsnum_set(struct jsnum *n, struct json_object *o);
void jsnum_clear(struct jsnum *n);

/* 1 if number o is an integer multiple of m (m->text set, m > 0), else 0. */
int jsnum_multiple(struct json_object *o, const struct jsnum *m);

#endif
