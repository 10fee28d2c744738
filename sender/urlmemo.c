/* urlmemo.c - a remembered URL, wiped when replaced (see urlmemo.h). */
#include <string.h>

#include "sender/urlmemo.h"

int
urlmemo_is(const struct urlmemo *m, const char *url, size_t len)
{
	return m->len != 0 && m->len == len && memcmp(m->url, url, len) == 0;
}

int
urlmemo_set(struct urlmemo *m, const char *url, size_t len)
{
	urlmemo_wipe(m);
	if (len == 0 || len >= sizeof(m->url))
		return -1;
	memcpy(m->url, url, len);	/* the NUL past it is zero already */
	m->len = len;
	return 0;
}

void
urlmemo_wipe(struct urlmemo *m)
{
	explicit_bzero(m->url, m->len);
	m->len = 0;
}
