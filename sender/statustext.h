/*
 * statustext.h - outside text (names, URLs, errors, response bodies) made
 * fit to show on the status page and in status.json: valid UTF-8 on one
 * line, without controls that could hide or reorder text, capped.  Not
 * escaped: the renderers escape for their format.
 */
#ifndef HOOKD_SENDER_STATUSTEXT_H
#define HOOKD_SENDER_STATUSTEXT_H

#include <stddef.h>

/*
 * Copy at most inlen bytes of in into out (outlen > 0) as valid UTF-8 of at
 * most maxchars code points: invalid bytes and bidi controls become U+FFFD,
 * other controls a space (runs of white space collapse to one).  Sets *cut
 * (if not NULL) when anything was left out.  Always NUL-terminates.
 */
void statustext_clean(const char *in, size_t inlen, char *out, size_t outlen,
    size_t maxchars, int *cut);

#endif
