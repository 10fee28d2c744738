/* xheader.c - a webhook's extra request headers (see xheader.h). */
#include <string.h>
#include <strings.h>

#include "lib/xheader.h"

static int
xheader_tchar(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z') || (ch != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* 1 if name (n bytes) is word, or starts with it when word ends in '-'. */
static int
xheader_is(const char *name, size_t n, const char *word)
{
	size_t w = strlen(word);

	if (word[w - 1] == '-')
		return n >= w && strncasecmp(name, word, w) == 0;
	return n == w && strncasecmp(name, word, w) == 0;
}

int
xheader_name_ok(const char *name, size_t n, const char **why)
{
	static const char *const reserved[] = { "host", "content-",
	    "transfer-encoding", "connection", "user-agent", "webhook-" };
	size_t i;

	if (n == 0 || n > XHEADER_NAME_MAX) {
		*why = "a header name is 1 to 128 characters";
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!xheader_tchar((unsigned char)name[i])) {
			*why = "a header name is an HTTP token (letters, "
			    "digits and !#$%&'*+-.^_`|~)";
			return -1;
		}
	}
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (xheader_is(name, n, reserved[i])) {
			*why = "Host, Content-*, Transfer-Encoding, Connection, "
			    "User-Agent and Webhook-* are set by hookd";
			return -1;
		}
	}
	return 0;
}

int
xheader_value_ok(const char *value, size_t n, const char **why)
{
	size_t i;

	if (n > XHEADER_VALUE_MAX) {
		*why = "a header value is at most 1024 bytes";
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (value[i] < 0x20 || value[i] > 0x7e) {
			*why = "a header value is printable ASCII "
			    "(0x20-0x7E)";
			return -1;
		}
	}
	if (n > 0 && (value[0] == ' ' || value[n - 1] == ' ')) {
		*why = "a header value does not start or end with a space";
		return -1;
	}
	return 0;
}

int
xheader_append(char *text, size_t cap, size_t *len, const char *name,
    size_t nlen, const char *value, size_t vlen)
{
	size_t need = nlen + 2 + vlen + 1;

	if (*len >= cap || need >= cap - *len)
		return -1;
	memcpy(text + *len, name, nlen);
	memcpy(text + *len + nlen, ": ", 2);
	memcpy(text + *len + nlen + 2, value, vlen);
	text[*len + need - 1] = '\n';
	*len += need;
	text[*len] = '\0';
	return 0;
}

int
xheader_next(const char *text, size_t *off, const char **name,
    size_t *nlen, const char **value, size_t *vlen)
{
	const char *p = text + *off, *colon, *nl;
	const char *why;

	if (*p == '\0')
		return 0;
	if ((nl = strchr(p, '\n')) == NULL ||
	    (colon = memchr(p, ':', (size_t)(nl - p))) == NULL ||
	    colon + 1 == nl || colon[1] != ' ')
		return -1;
	*name = p;
	*nlen = (size_t)(colon - p);
	*value = colon + 2;
	*vlen = (size_t)(nl - (colon + 2));
	if (xheader_name_ok(*name, *nlen, &why) == -1 ||
	    xheader_value_ok(*value, *vlen, &why) == -1)
		return -1;
	*off = (size_t)(nl + 1 - text);
	return 1;
}
