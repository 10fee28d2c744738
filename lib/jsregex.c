/* jsregex.c - PCRE2 for JSON Schema patterns (see jsregex.h), and each
 * thread's memo of its last answers. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>

#include "lib/fnv.h"
#include "lib/jsregex.h"

/* code and mc are read-only once compiled and shared by every thread;
 * the match data is written by each match, so each thread has its own
 * (jsregex_md: one ovector pair is all a yes/no match needs, whatever
 * the pattern). */
struct jsregex {
	pcre2_code *code;
	pcre2_match_context *mc;
	char *src;
	uint64_t id;		/* unique in the process: the memo's key */
};

static uint64_t jsregex_ids;	/* the last id given */

/*
 * Each thread's memo of recent answers: (expression, string) -> match or
 * not, for strings up to JSREGEX_MEMO_LEN bytes, in JSREGEX_MEMO slots
 * picked by a hash (a collision replaces).  The events of a batch repeat
 * their values ("scopes": ["location.read", ...]): ~750 instructions of
 * pcre2_match each under callgrind, ~60 to hash and compare here.  Keyed
 * by the expression's id, never by its address (an address may be
 * reused by another expression; an id is not).  Errors are not kept.
 */
#define JSREGEX_MEMO_BITS 4	/* 16 slots */
#define JSREGEX_MEMO (1 << JSREGEX_MEMO_BITS)
#define JSREGEX_MEMO_LEN 64

struct jsregex_memo {
	uint64_t id;		/* 0: empty */
	size_t n;
	int match;
	char s[JSREGEX_MEMO_LEN];
};

static __thread struct jsregex_memo jsregex_memo[JSREGEX_MEMO];

static pthread_once_t jsregex_once = PTHREAD_ONCE_INIT;
static pthread_key_t jsregex_key;
static int jsregex_key_ok;

static void
jsregex_md_free(void *md)
{
	pcre2_match_data_free(md);
}

static void
jsregex_key_init(void)
{
	jsregex_key_ok = pthread_key_create(&jsregex_key,
	    jsregex_md_free) == 0;
}

/* This thread's match data (made on first use), or NULL (memory). */
static pcre2_match_data *
jsregex_md(void)
{
	pcre2_match_data *md;

	(void)pthread_once(&jsregex_once, jsregex_key_init);
	if (!jsregex_key_ok)
		return NULL;
	if ((md = pthread_getspecific(jsregex_key)) != NULL)
		return md;
	if ((md = pcre2_match_data_create(1, NULL)) == NULL)
		return NULL;
	if (pthread_setspecific(jsregex_key, md) != 0) {
		pcre2_match_data_free(md);
		return NULL;
	}
	return md;
}

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
	re->mc = pcre2_match_context_create(NULL);
	if (re->mc == NULL)
		goto nomem;
	pcre2_set_match_limit(re->mc, JSREGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mc, JSREGEX_DEPTH_LIMIT);
	re->id = __atomic_add_fetch(&jsregex_ids, 1, __ATOMIC_RELAXED);
	return re;
nomem:
	snprintf(err, errlen, "out of memory");
	jsregex_free(re);
	return NULL;
}

/* pcre2_match's answer: 1, 0, or -1 with err. */
static int
jsregex_run(struct jsregex *re, const char *s, size_t n, char *err,
    size_t errlen)
{
	PCRE2_UCHAR msg[160];
	pcre2_match_data *md;
	int rc;

	if ((md = jsregex_md()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, md, re->mc);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", rc);
	snprintf(err, errlen, "%s", (const char *)msg);
	return -1;
}

int
jsregex_match(struct jsregex *re, const char *s, size_t n, char *err,
    size_t errlen)
{
	struct jsregex_memo *m;
	int rc;

	if (n > JSREGEX_MEMO_LEN)
		return jsregex_run(re, s, n, err, errlen);
	/* the hash's top bits: its low ones see only the inputs' low ones */
	m = &jsregex_memo[fnv1a_bytes(fnv1a_bytes(FNV1A_OFFSET, &re->id,
	    sizeof(re->id)), s, n) >> (64 - JSREGEX_MEMO_BITS)];
	if (m->id == re->id && m->n == n && memcmp(m->s, s, n) == 0)
		return m->match;
	if ((rc = jsregex_run(re, s, n, err, errlen)) == -1)
		return -1;
	m->id = re->id;
	m->n = n;
	m->match = rc;
	memcpy(m->s, s, n);
	return rc;
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
	pcre2_code_free(re->code);
	free(re->src);
	free(re);
}
