/*
 * statustext.c - outside text made fit to show on the status page: valid
 * UTF-8 on one line, without controls, capped (see statustext.h).
 */
#include <stdint.h>
#include <string.h>

#include "sender/statustext.h"

/* Append code point cp as UTF-8 if it fits (with the NUL); 0 or -1. */
static int
clean_put(char *out, size_t outlen, size_t *o, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (outlen - *o <= n)
		return -1;
	memcpy(out + *o, b, n);
	*o += n;
	return 0;
}

/*
 * Decode one UTF-8 sequence at in[0..len); returns its length and sets
 * *cp, or returns 1 with *cp = U+FFFD for an invalid, overlong or
 * surrogate sequence.
 */
static size_t
clean_decode(const unsigned char *in, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (in[0] < 0x80) {
		*cp = in[0];
		return 1;
	}
	if (in[0] >= 0xc2 && in[0] <= 0xdf) {
		n = 2;
		c = in[0] & 0x1f;
	} else if (in[0] >= 0xe0 && in[0] <= 0xef) {
		n = 3;
		c = in[0] & 0x0f;
	} else if (in[0] >= 0xf0 && in[0] <= 0xf4) {
		n = 4;
		c = in[0] & 0x07;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (len < n)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((in[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (in[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = 0xfffd;
	return 1;
}

void
statustext_clean(const char *in, size_t inlen, char *out, size_t outlen,
    size_t maxchars, int *cut)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0, chars = 0, n;
	uint32_t cp;
	int space = 0;

	if (cut != NULL)
		*cut = 0;
	if (outlen == 0)
		return;
	while (i < inlen) {
		n = clean_decode(p + i, inlen - i, &cp);
		if (cp < 0x20 || cp == 0x7f || cp == ' ' ||
		    (cp >= 0x80 && cp < 0xa0)) {
			/* white space and controls: one space per run */
			i += n;
			space = 1;
			continue;
		}
		if ((cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
		    cp == 0x200f)
			cp = 0xfffd;	/* bidi controls could reorder the page */
		if (space && o > 0) {
			if (chars + 1 >= maxchars ||
			    clean_put(out, outlen, &o, ' ') == -1)
				break;
			chars++;
		}
		space = 0;
		if (chars >= maxchars || clean_put(out, outlen, &o, cp) == -1)
			break;
		chars++;
		i += n;
	}
	out[o] = '\0';
	/* Trailing white space alone is not a cut. */
	while (i < inlen && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	if (cut != NULL && i < inlen)
		*cut = 1;
}
