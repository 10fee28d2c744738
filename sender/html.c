/*
 * html.c - the sender's HTML writer (see html.h): the sticky-error
 * buffer, escaping, URLs and descriptions cut to a readable length,
 * counts, spans and times, result tags, section heads and tables.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/num.h"
#include "lib/timefmt.h"
#include "sender/html.h"

void
html_put(struct html *p, const char *s)
{
	if (!p->bad && buf_adds(p->b, s) == -1)
		p->bad = 1;
}

void
html_putn(struct html *p, const char *s, size_t n)
{
	if (!p->bad && buf_add(p->b, s, n) == -1)
		p->bad = 1;
}

void
html_putf(struct html *p, const char *fmt, ...)
{
	va_list ap;

	if (p->bad)
		return;
	va_start(ap, fmt);
	if (buf_vprintf(p->b, fmt, ap) == -1)
		p->bad = 1;
	va_end(ap);
}

void
html_textn(struct html *p, const char *s, size_t n)
{
	const char *run = s, *end = s + n, *rep;

	for (; s < end; s++) {
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		html_putn(p, run, (size_t)(s - run));
		html_put(p, rep);
		run = s + 1;
	}
	html_putn(p, run, (size_t)(s - run));
}

void
html_text(struct html *p, const char *s)
{
	html_textn(p, s, strlen(s));
}

/* Longest run of a URL without a line-break opportunity. */
#define URL_RUN_MAX 24

/*
 * n bytes of URL s, escaped, with line-break opportunities (<wbr>) after
 * each '/' and '.' past "scheme://" and at least every URL_RUN_MAX
 * characters, so long URLs wrap at readable places (never inside an
 * escape sequence).
 */
static void
html_url_wrapped(struct html *p, const char *s, size_t n)
{
	const char *auth, *q, *end = s + n;
	size_t run = 0;

	if ((auth = strstr(s, "://")) != NULL && auth + 3 <= end) {
		html_textn(p, s, (size_t)(auth + 3 - s));
		s = auth + 3;
	}
	for (q = s; q < end; q++) {
		html_textn(p, q, 1);
		run++;
		if (q + 1 < end && (*q == '/' || *q == '.' ||
		    (run >= URL_RUN_MAX && (q[1] & 0xc0) != 0x80))) {
			html_put(p, "<wbr>");
			run = 0;
		}
	}
}

/* Bytes of the first max code points of UTF-8 s (all of s if shorter). */
static size_t
utf8_prefix(const char *s, size_t max)
{
	size_t i, chars = 0;

	for (i = 0; s[i] != '\0'; i++)
		if ((s[i] & 0xc0) != 0x80 && chars++ == max)
			return i;
	return i;
}

#define SHOW_URL_MAX 160	/* code points of a URL shown in full */
#define SHOW_DESC_MAX 200	/* ... of a description */

/*
 * Open <span class="cls"> for s of which the first n bytes will be shown;
 * when that cuts s, the whole of s goes in the title.  Returns 1 if cut
 * (the caller then ends the text with "…"), else 0.
 */
static int
html_cut_open(struct html *p, const char *cls, const char *s, size_t n)
{
	int cut = s[n] != '\0';

	html_putf(p, "<span class=\"%s\"", cls);
	if (cut) {
		html_put(p, " title=\"");
		html_text(p, s);
		html_put(p, "\"");
	}
	html_put(p, ">");
	return cut;
}

void
html_url(struct html *p, const char *url, int query_cut)
{
	size_t n = utf8_prefix(url, SHOW_URL_MAX);
	int cut = html_cut_open(p, "url", url, n);

	html_url_wrapped(p, url, n);
	if (cut)
		html_put(p, "…");
	if (query_cut)
		html_put(p, "<span class=\"muted\" title=\"query string not "
		    "shown\">?…</span>");
	html_put(p, "</span>");
}

void
html_desc(struct html *p, const char *desc)
{
	size_t n = utf8_prefix(desc, SHOW_DESC_MAX);
	int cut = html_cut_open(p, "desc", desc, n);

	html_textn(p, desc, n);
	if (cut)
		html_put(p, "…");
	html_put(p, "</span>");
}

void
html_fmt_count(uint64_t v, char *out, size_t outlen)
{
	char tmp[NUM_I64_LEN];
	size_t n, i, o = 0;

	n = (size_t)num_format_u64(v, tmp, sizeof(tmp));	/* always fits */
	for (i = 0; i < n && o + 2 < outlen; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = tmp[i];
	}
	out[o] = '\0';
}

void
html_count(struct html *p, uint64_t v)
{
	char s[40];

	html_fmt_count(v, s, sizeof(s));
	html_put(p, s);
}

void
html_fmt_span(int64_t ms, char *out, size_t outlen)
{
	int64_t s = ms / 1000;

	if (s < 90)
		snprintf(out, outlen, "%" PRId64 " s", s);
	else if (s < 90 * 60)
		snprintf(out, outlen, "%" PRId64 " min", (s + 30) / 60);
	else if (s < 10 * 3600)
		snprintf(out, outlen, "%" PRId64 " h %" PRId64 " min",
		    s / 3600, s % 3600 / 60);
	else if (s < 48 * 3600)
		snprintf(out, outlen, "%" PRId64 " h", (s + 1800) / 3600);
	else
		snprintf(out, outlen, "%" PRId64 " d %" PRId64 " h",
		    s / 86400, s % 86400 / 3600);
}

void
html_fmt_ms(int64_t ms, char *out, size_t outlen)
{
	if (ms < 1000)
		snprintf(out, outlen, "%" PRId64 " ms", ms);
	else
		snprintf(out, outlen, "%.3g s", (double)ms / 1000.0);
}

void
html_time(struct html *p, int64_t ms)
{
	char iso[TIMEFMT_LEN], span[48];
	int64_t d;

	if (ms == 0) {
		html_put(p, "<span class=\"muted\">—</span>");
		return;
	}
	timefmt_format(ms, iso, sizeof(iso));
	d = p->now - ms;
	html_putf(p, "<time datetime=\"%s\" title=\"%s\">", iso, iso);
	if (d > -5000 && d < 5000)
		html_put(p, "just now");
	else if (d > 0) {
		html_fmt_span(d, span, sizeof(span));
		html_putf(p, "%s ago", span);
	} else {
		html_fmt_span(-d, span, sizeof(span));
		html_putf(p, "in %s", span);
	}
	html_put(p, "</time>");
}

void
html_time_full(struct html *p, int64_t ms)
{
	char iso[TIMEFMT_LEN];

	html_time(p, ms);
	if (ms != 0) {
		/* RFC 3339 to the second; the title has the milliseconds */
		timefmt_format(ms, iso, sizeof(iso));
		html_putf(p, "<br><small class=\"abs\">%.19sZ</small>", iso);
	}
}

void
html_result(struct html *p, int status, const char *error)
{
	if (status >= 200 && status < 300) {
		html_putf(p, "<span class=\"tag ok\">✓ %d OK</span>", status);
		return;
	}
	html_put(p, "<span class=\"tag bad\">✕ ");
	if (status > 0)
		html_putf(p, "HTTP %d", status);
	else if (error[0] != '\0')
		html_text(p, error);
	else
		html_put(p, "failed");
	html_put(p, "</span>");
}

void
html_section(struct html *p, const char *id, const char *title,
    const char *note)
{
	html_putf(p, "<section aria-labelledby=\"%s\">\n<h2 id=\"%s\">%s", id,
	    id, title);
	if (note != NULL)
		html_putf(p, " <small>%s</small>", note);
	html_put(p, "</h2>\n");
}

void
html_empty(struct html *p, const char *text)
{
	html_putf(p, "<div class=\"panel empty\">%s</div>\n</section>\n", text);
}

void
html_table(struct html *p, const char *cols)
{
	html_putf(p, "<div class=\"panel scroll\">\n<table>\n<thead><tr>%s"
	    "</tr></thead>\n", cols);
}
