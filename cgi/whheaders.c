/* whheaders.c - a webhook's "headers" field (see whheaders.h). */
#include <string.h>
#include <strings.h>

#include "cgi/response.h"
#include "cgi/whheaders.h"
#include "db/store.h"
#include "lib/xheader.h"

_Static_assert(XHEADER_TEXT_MAX <= STORE_HEADERS_MAX,
    "the webhook record must hold every accepted headers set");

static int
whheaders_bad(struct api_call *c, const char *why)
{
	response_error(c->resp, 422, "invalid_field", "headers: %s", why);
	return -1;
}

int
whheaders_arg(struct api_call *c, int *present, char *out, size_t outlen)
{
	struct json_object *h = NULL;
	const char *names[XHEADER_COUNT_MAX];
	const char *why, *val;
	size_t n = 0, len = 0, i, nlen, vlen;

	*present = 0;
	if (c->body == NULL || !json_object_object_get_ex(c->body, "headers",
	    &h))
		return 0;
	*present = 1;
	if (h == NULL || !json_object_is_type(h, json_type_object))
		return whheaders_bad(c, "must be an object of header names "
		    "to string values ({} for none)");
	if (json_object_object_length(h) > XHEADER_COUNT_MAX)
		return whheaders_bad(c, "at most 20 headers");
	out[0] = '\0';
	json_object_object_foreach(h, key, v) {
		nlen = strlen(key);
		if (xheader_name_ok(key, nlen, &why) == -1)
			return whheaders_bad(c, why);
		if (!json_object_is_type(v, json_type_string)) {
			response_error(c->resp, 422, "invalid_field",
			    "headers: the value of %s must be a string", key);
			return -1;
		}
		val = json_object_get_string(v);
		vlen = (size_t)json_object_get_string_len(v);
		if (strlen(val) != vlen)
			return whheaders_bad(c, "a header value is printable "
			    "ASCII (0x20-0x7E)");
		if (xheader_value_ok(val, vlen, &why) == -1) {
			response_error(c->resp, 422, "invalid_field",
			    "headers: %s: %s", key, why);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (strcasecmp(names[i], key) == 0) {
				response_error(c->resp, 422, "invalid_field",
				    "headers: %s is given twice (names do not "
				    "differ by case)", key);
				return -1;
			}
		}
		names[n++] = key;
		if (xheader_append(out, outlen, &len, key, nlen, val, vlen) ==
		    -1)
			return whheaders_bad(c, "too long");
	}
	return 0;
}

struct json_object *
whheaders_json(const char *text)
{
	struct json_object *o = json_object_new_object();
	const char *name, *value;
	char key[XHEADER_NAME_MAX + 1];
	size_t off = 0, nlen, vlen;

	if (o == NULL)
		return NULL;
	while (xheader_next(text, &off, &name, &nlen, &value, &vlen) == 1) {
		memcpy(key, name, nlen);
		key[nlen] = '\0';
		json_object_object_add(o, key,
		    json_object_new_string_len(value, (int)vlen));
	}
	return o;
}
