/*
 * libFuzzer target: a differential check of the JSON scanner
 * (lib/jsontext.c) against a second, independent strict parser, Jansson
 * (libjansson, RFC 8259: UTF-8 checked, lone surrogates refused, NUL in
 * names refused; asked to refuse duplicate names and to allow "\u0000" in
 * values, as hookd does).  Both must say yes or no alike; the only
 * differences allowed are the ones hookd chose: numbers out of a double's
 * or an integer's range (valid JSON to hookd, an error to Jansson), the
 * depth limits (1024 here, 2048 in Jansson), and a raw NUL byte, which
 * ends the text for Jansson.
 *
 * Linked with lib/jsontext.o and Jansson only (see the Makefile): Jansson
 * and json-c export functions of the same names (json_object_get, ...), so
 * one program cannot hold both.  Not replayed by test_fuzz_regress (which
 * links json-c); make fuzz runs it over tests/fuzz/corpus/jsondiff.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/jsontext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Jansson's refusals that hookd does not share. */
static int
fuzz_jd_allowed(const char *jerr, const char *ours)
{
	return strstr(jerr, "real number overflow") != NULL ||
	    strstr(jerr, "too big integer") != NULL ||
	    strstr(jerr, "too big negative integer") != NULL ||
	    strstr(jerr, "maximum parsing depth") != NULL ||
	    (ours != NULL && strstr(ours, "nesting deeper than") != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	char err[256], derr[256];
	size_t members, at, dup_at;
	json_error_t je;
	json_t *j;
	int ours, theirs;

	err[0] = '\0';
	ours = jsontext_check(p, size, JSONTEXT_DEPTH_MAX, &members, &at, err,
	    sizeof(err)) == 0;
	if (ours && jsontext_dup(p, size, &dup_at, derr, sizeof(derr)) != 0) {
		ours = 0;
		memcpy(err, derr, sizeof(err));
	}
	j = json_loadb(p, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL, &je);
	theirs = j != NULL;
	json_decref(j);
	if (ours == theirs)
		return 0;
	/* Jansson reads a NUL byte as the end of the text ("1\0x" is 1 to
	 * it); a raw NUL is never JSON, and hookd refuses it. */
	if (!ours && memchr(p, '\0', size) != NULL)
		return 0;
	if (ours && fuzz_jd_allowed(je.text, NULL))
		return 0;
	if (!ours && fuzz_jd_allowed("", err))
		return 0;
	fprintf(stderr, "fuzz_jsondiff: hookd %s (%s), Jansson %s (%s at %d) "
	    "on %zu bytes: %.*s\n", ours ? "accepts" : "refuses", err,
	    theirs ? "accepts" : "refuses", je.text, je.position, size,
	    (int)(size > 300 ? 300 : size), p);
	abort();
}
