/* htmlout.c - sticky HTML output into a buf (see htmlout.h). */
#include <stdarg.h>
#include <string.h>

#include "sender/htmlout.h"

void
htmlout_putn(struct htmlout *h, const void *p, size_t n)
{
	if (!h->bad && buf_add(h->b, p, n) == -1)
		h->bad = 1;
}

void
htmlout_put(struct htmlout *h, const char *s)
{
	htmlout_putn(h, s, strlen(s));
}

void
htmlout_putf(struct htmlout *h, const char *fmt, ...)
{
	va_list ap;

	if (h->bad)
		return;
	va_start(ap, fmt);
	if (buf_vprintf(h->b, fmt, ap) == -1)
		h->bad = 1;
	va_end(ap);
}

void
htmlout_esc(struct htmlout *h, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *rep;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		htmlout_putn(h, s + run, i - run);
		htmlout_put(h, rep);
		run = i + 1;
	}
	htmlout_putn(h, s + run, n - run);
}
