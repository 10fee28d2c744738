/*
 * xheader.h - a webhook's extra request headers ("headers" of the API):
 * their rules and their stored form.
 *
 * Rules (xheader_check): a name is an RFC 9110 token (1..XHEADER_NAME_MAX
 * of ! # $ % & ' * + - . ^ _ ` | ~ digits letters) and, compared without
 * case, not Host, Content-*, Transfer-Encoding, Connection, User-Agent nor
 * Webhook-* (framing and signing stay the sender's); a value is 0..1024
 * bytes of printable ASCII (0x20-0x7E) that neither starts nor ends with a
 * space (HTTP would strip such spaces: the receiver would see another
 * value than the one shown).  At most XHEADER_COUNT_MAX headers, no name
 * twice (without case).
 *
 * Stored form (the webhook record's headers, NUL-terminated): one
 * "Name: value\n" per header, in the order given, names as given.  Names
 * hold no ':' and values no '\n', so the form is unambiguous.
 */
#ifndef HOOKD_XHEADER_H
#define HOOKD_XHEADER_H

#include <stddef.h>

#define XHEADER_COUNT_MAX 20
#define XHEADER_NAME_MAX 128
#define XHEADER_VALUE_MAX 1024
/* The longest stored form (store.h's STORE_HEADERS_MAX holds it). */
#define XHEADER_TEXT_MAX (XHEADER_COUNT_MAX * \
	(XHEADER_NAME_MAX + 2 + XHEADER_VALUE_MAX + 1))

/* 0 if the name is a token hookd lets through, else -1 and *why. */
int xheader_name_ok(const char *name, size_t n, const char **why);
/* 0 if the value is acceptable, else -1 and *why. */
int xheader_value_ok(const char *value, size_t n, const char **why);

/* Append "name: value\n" to text (cap bytes, *len used, kept
 * NUL-terminated).  0, or -1 when it does not fit. */
int xheader_append(char *text, size_t cap, size_t *len, const char *name,
    size_t nlen, const char *value, size_t vlen);

/*
 * The header at *off of the stored form: name and value spans (not
 * NUL-terminated), *off moved past it.  1 for a header, 0 at the end, -1
 * when the text is not in the stored form or breaks a rule.
 */
int xheader_next(const char *text, size_t *off, const char **name,
    size_t *nlen, const char **value, size_t *vlen);

#endif
