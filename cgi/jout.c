/* jout.c - answer JSON from stored records. */
#include <string.h>

#include "cgi/jout.h"
#include "lib/buf.h"
#include "lib/timefmt.h"

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t
jout_utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

struct json_object *
jout_str_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	struct json_object *o;
	struct buf b;
	size_t i, k;

	for (i = 0; i < n; i += k)
		if ((k = jout_utf8_seq(p + i, n - i)) == 0)
			break;
	if (i == n)
		return json_object_new_string_len(s, (int)n);
	/* Rare: repair into a copy. */
	buf_init(&b, n * 3 + 1);
	for (i = 0; i < n; i += k) {
		k = jout_utf8_seq(p + i, n - i);
		if (k == 0) {
			(void)buf_add(&b, "\xef\xbf\xbd", 3);
			k = 1;
		} else
			(void)buf_add(&b, p + i, k);
	}
	o = json_object_new_string_len(b.data ? b.data : "", (int)b.len);
	buf_free(&b);
	return o;
}

struct json_object *
jout_str(const char *s, int empty_null)
{
	if (s == NULL || (empty_null && s[0] == '\0'))
		return NULL;
	return jout_str_len(s, strlen(s));
}

struct json_object *
jout_time(int64_t ms)
{
	return timefmt_json(ms);
}

struct json_object *
jout_int(int64_t v)
{
	return json_object_new_int64(v);
}

struct json_object *
jout_list(const char *list)
{
	struct json_object *a;
	const char *p, *e;

	a = json_object_new_array();
	if (a == NULL)
		return NULL;
	for (p = list; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p)
			json_object_array_add(a, jout_str_len(p, (size_t)(e - p)));
	}
	return a;
}
