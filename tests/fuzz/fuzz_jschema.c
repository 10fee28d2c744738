/*
 * libFuzzer target: the JSON Schema compiler and validator
 * (lib/jschema.h, lib/jsvalid.h).
 *
 * Input: a schema, a NUL byte, an instance (no NUL: the text is both, a
 * schema validating itself).  Oracles: a refused schema or instance always
 * comes with a message naming a pointer ('at "...'), and the validator's
 * answer is one of 0, 1, -1.  Time is bounded by the validator's own limits
 * (steps, depth, PCRE2 match limits); libFuzzer's -timeout catches a
 * pathological input that escapes them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/jschema.h"
#include "lib/jsvalid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_JSCHEMA_DEPTH 64

static struct json_object *
fuzz_jschema_parse(const uint8_t *p, size_t n, int *ok)
{
	struct json_tokener *tok;
	struct json_object *o;

	*ok = 0;
	if (n > INT32_MAX)
		return NULL;
	tok = json_tokener_new_ex(FUZZ_JSCHEMA_DEPTH);
	if (tok == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, (const char *)p, (int)n);
	*ok = json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t ns = nul != NULL ? (size_t)(nul - data) : size;
	struct json_object *schema, *inst;
	struct jschema *js = NULL;
	char err[1024];
	int ok_s, ok_i = 0, rc;

	schema = fuzz_jschema_parse(data, ns, &ok_s);
	inst = nul != NULL ? fuzz_jschema_parse(nul + 1, size - ns - 1, &ok_i) :
	    json_object_get(schema);
	if (nul == NULL)
		ok_i = ok_s;
	if (!ok_s || !ok_i)
		goto out;
	err[0] = '\0';
	if (jschema_compile(schema, &js, err, sizeof(err)) == -1) {
		if (strncmp(err, "at \"", 4) != 0 &&
		    strcmp(err, "out of memory") != 0)
			abort();
		goto out;
	}
	rc = jsvalid_check(js, inst, err, sizeof(err));
	if (rc != 0 && rc != 1 && rc != -1)
		abort();
	if (rc != 0 && strncmp(err, "at \"", 4) != 0)
		abort();
out:
	jschema_free(js);
	json_object_put(schema);
	json_object_put(inst);
	return 0;
}
