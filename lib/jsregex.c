/* jsregex.c - PCRE2 for JSON Schema patterns (see jsregex.h). */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "lib/jsregex.h"

struct jsregex {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	char *src;
};

struct jsregex *
jsregex_compile(const char *src, size_t n, char *err, size_t errlen)
{
	struct jsregex *re;
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE off;
	int code;

	re = calloc(1, sizeof(*re));
	if (re == NULL)
		goto nomem;
	re->src = malloc(n + 1);
	if (re->src == NULL)
		goto nomem;
	memcpy(re->src, src, n);
	re->src[n] = '\0';
	/* UTF: code points, not bytes ('.' is one character); no UCP: \d
	 * and \w stay ASCII as in ECMA-262 without the u flag's extras. */
	re->code = pcre2_compile((PCRE2_SPTR)src, n, PCRE2_UTF, &code, &off,
	    NULL);
	if (re->code == NULL) {
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		snprintf(err, errlen, "not a valid regular expression: %s "
		    "at offset %zu", (const char *)msg, (size_t)off);
		jsregex_free(re);
		return NULL;
	}
	/* JIT when the platform has it (the limits still apply); the
	 * interpreter otherwise. */
	(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
	re->md = pcre2_match_data_create(1, NULL);
	re->mc = pcre2_match_context_create(NULL);
	if (re->md == NULL || re->mc == NULL)
		goto nomem;
	pcre2_set_match_limit(re->mc, JSREGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mc, JSREGEX_DEPTH_LIMIT);
	return re;
nomem:
	snprintf(err, errlen, "out of memory");
	jsregex_free(re);
	return NULL;
}

int
jsregex_match(struct jsregex *re, const char *s, size_t n, char *err,
    size_t errlen)
{
	PCRE2_UCHAR msg[160];
	int rc;

	rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, re->md, re->mc);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", rc);
	snprintf(err, errlen, "%s", (const char *)msg);
	return -1;
}

const char *
jsregex_source(const struct jsregex *re)
{
	return re->src;
}

void
jsregex_free(struct jsregex *re)
{
	if (re == NULL)
		return;
	pcre2_match_context_free(re->mc);
	pcre2_match_data_free(re->md);
	pcre2_code_free(re->code);
	free(re->src);
	free(re);
}
