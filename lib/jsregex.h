/*
 * jsregex.h - the regular expressions of JSON Schema's pattern and
 * patternProperties, run by PCRE2 (8-bit, UTF mode).
 *
 * A pattern matches anywhere in the string (unanchored), as ECMA-262's
 * RegExp.test does.  Each match is bounded: a match limit and a depth
 * limit stop catastrophic backtracking ("(a+)+$") after bounded work; the
 * match then reports an error instead of running for minutes.
 * A compiled expression is read-only: any number of threads may match
 * it at once (each thread has its own match data).
 */
#ifndef HOOKD_JSREGEX_H
#define HOOKD_JSREGEX_H

#include <stddef.h>

struct jsregex;

/* Work limits of one match (PCRE2's match_limit and depth_limit). */
#define JSREGEX_MATCH_LIMIT 20000
#define JSREGEX_DEPTH_LIMIT 2000

/* Compile the UTF-8 pattern src (n bytes).  The jsregex, or NULL with
 * PCRE2's message and offset in err. */
struct jsregex *jsregex_compile(const char *src, size_t n, char *err,
    size_t errlen);

/* 1 match, 0 no match, -1 error (limit reached, bad UTF-8) with err. */
int jsregex_match(struct jsregex *re, const char *s, size_t n, char *err,
    size_t errlen);

/* The pattern's source text (NUL-terminated, owned by re). */
const char *jsregex_source(const struct jsregex *re);

void jsregex_free(struct jsregex *re);

#endif
