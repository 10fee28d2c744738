/*
 * statushtml.c - the status page as self-contained HTML (see statushtml.h).
 *
 * Writing is sticky: the first failed append marks the page bad and later
 * appends do nothing, so the render reads top to bottom without a check
 * per line; statushtml_render() reports it once.
 *
 * Every string that came from outside (ids included) goes through
 * html_text(), which escapes & < > " ' ; strings from statusdata are
 * already valid UTF-8 without controls.  Times are shown relative to the
 * moment of writing with the RFC 3339 time in a title and <time>.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/timefmt.h"
#include "sender/statusdata.h"
#include "sender/statushtml.h"

#define HOUR_MS 3600000LL

struct page {
	struct buf *b;
	int bad;
	int64_t now;
};

static void
put(struct page *p, const char *s)
{
	if (!p->bad && buf_adds(p->b, s) == -1)
		p->bad = 1;
}

static void putf(struct page *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
putf(struct page *p, const char *fmt, ...)
{
	va_list ap;

	if (p->bad)
		return;
	va_start(ap, fmt);
	if (buf_vprintf(p->b, fmt, ap) == -1)
		p->bad = 1;
	va_end(ap);
}

/* Escape n bytes of s for text and attribute values alike. */
static void
html_textn(struct page *p, const char *s, size_t n)
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
		if (!p->bad && buf_add(p->b, run, (size_t)(s - run)) == -1)
			p->bad = 1;
		put(p, rep);
		run = s + 1;
	}
	if (!p->bad && buf_add(p->b, run, (size_t)(s - run)) == -1)
		p->bad = 1;
}

static void
html_text(struct page *p, const char *s)
{
	html_textn(p, s, strlen(s));
}

/* Longest run of a URL without a line-break opportunity. */
#define URL_RUN_MAX 24

/*
 * A URL, escaped, with line-break opportunities (<wbr>) after each '/' and
 * '.' past "scheme://" and at least every URL_RUN_MAX characters, so long
 * URLs wrap at readable places (never inside an escape sequence).
 */
static void
html_url(struct page *p, const char *s, size_t n)
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
			put(p, "<wbr>");
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
put_cut_open(struct page *p, const char *cls, const char *s, size_t n)
{
	int cut = s[n] != '\0';

	putf(p, "<span class=\"%s\"", cls);
	if (cut) {
		put(p, " title=\"");
		html_text(p, s);
		put(p, "\"");
	}
	put(p, ">");
	return cut;
}

/*
 * A webhook URL as <span class="url">, cut after SHOW_URL_MAX code points
 * with "…" (the whole URL is then in the title); query_cut adds the "?…"
 * marker of a hidden query string.
 */
static void
put_url(struct page *p, const char *url, int query_cut)
{
	size_t n = utf8_prefix(url, SHOW_URL_MAX);
	int cut = put_cut_open(p, "url", url, n);

	html_url(p, url, n);
	if (cut)
		put(p, "…");
	if (query_cut)
		put(p, "<span class=\"muted\" title=\"query string not "
		    "shown\">?…</span>");
	put(p, "</span>");
}

/* A description, cut after SHOW_DESC_MAX code points (whole in title). */
static void
put_desc(struct page *p, const char *desc)
{
	size_t n = utf8_prefix(desc, SHOW_DESC_MAX);
	int cut = put_cut_open(p, "desc", desc, n);

	html_textn(p, desc, n);
	if (cut)
		put(p, "…");
	put(p, "</span>");
}

/* "1,234,567" */
static void
fmt_count(uint64_t v, char *out, size_t outlen)
{
	char tmp[32];
	size_t n, i, o = 0;

	n = (size_t)snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	for (i = 0; i < n && o + 2 < outlen; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = tmp[i];
	}
	out[o] = '\0';
}

static void
put_count(struct page *p, uint64_t v)
{
	char s[40];

	fmt_count(v, s, sizeof(s));
	put(p, s);
}

/* A span of time in words: "45 s", "12 min", "3 h 20 min", "4 d 2 h". */
static void
fmt_span(int64_t ms, char *out, size_t outlen)
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

/* <time> with relative words and the absolute time on hover; "—" if 0. */
static void
put_time(struct page *p, int64_t ms)
{
	char iso[TIMEFMT_LEN], span[48];
	int64_t d;

	if (ms == 0) {
		put(p, "<span class=\"muted\">—</span>");
		return;
	}
	timefmt_format(ms, iso, sizeof(iso));
	d = p->now - ms;
	putf(p, "<time datetime=\"%s\" title=\"%s\">", iso, iso);
	if (d > -5000 && d < 5000)
		put(p, "just now");
	else if (d > 0) {
		fmt_span(d, span, sizeof(span));
		putf(p, "%s ago", span);
	} else {
		fmt_span(-d, span, sizeof(span));
		putf(p, "in %s", span);
	}
	put(p, "</time>");
}

/* The same, with the absolute time also visible in small text. */
static void
put_time_full(struct page *p, int64_t ms)
{
	char iso[TIMEFMT_LEN];

	put_time(p, ms);
	if (ms != 0) {
		/* RFC 3339 to the second; the title has the milliseconds */
		timefmt_format(ms, iso, sizeof(iso));
		putf(p, "<br><small class=\"abs\">%.19sZ</small>", iso);
	}
}

static void
fmt_ms(int64_t ms, char *out, size_t outlen)
{
	if (ms < 1000)
		snprintf(out, outlen, "%" PRId64 " ms", ms);
	else
		snprintf(out, outlen, "%.3g s", (double)ms / 1000.0);
}

/* A latency percentile cell: "&lt;256 ms" with the bucket in the title. */
static void
put_latency(struct page *p, const uint64_t lat[STORE_LAT_BUCKETS],
    double pct, const char *name)
{
	int64_t lo, hi;
	char a[32], z[32];
	int b;

	b = statusdata_percentile(lat, pct);
	if (b < 0) {
		put(p, "<td class=\"n muted\">—</td>");
		return;
	}
	statusdata_bucket_bounds(b, &lo, &hi);
	fmt_ms(lo, a, sizeof(a));
	if (hi < 0) {
		putf(p, "<td class=\"n\" title=\"%s: %s or more\">≥%s</td>",
		    name, a, a);
		return;
	}
	fmt_ms(hi, z, sizeof(z));
	putf(p, "<td class=\"n\" title=\"%s between %s and %s "
	    "(histogram bucket)\">&lt;%s</td>", name, a, z, z);
}

/* An attempt's outcome as a tag: "✓ 200", "✕ 503", "✕ timeout". */
static void
put_result(struct page *p, int status, const char *error)
{
	if (status >= 200 && status < 300) {
		putf(p, "<span class=\"tag ok\">✓ %d OK</span>", status);
		return;
	}
	put(p, "<span class=\"tag bad\">✕ ");
	if (status > 0)
		putf(p, "HTTP %d", status);
	else if (error[0] != '\0')
		html_text(p, error);
	else
		put(p, "failed");
	put(p, "</span>");
}

static const char page_css[] =
":root{--bg:#f4f5f7;--fg:#1b2130;--muted:#5d6678;--card:#fff;"
"--line:#dfe3ea;--head:#eef1f5;--ok:#17683f;--ok-bg:#e3f3ea;"
"--bad:#b3261e;--bad-bg:#fdeceb;--warn:#8a5300;--warn-bg:#fff3dc;"
"--off:#4a5160;--off-bg:#e9ebef;--good:#2f7d57;--fail:#d0362c;"
"--grid:#e6e9ee;--axis:#9aa1ad;--bad-line:#eeb0ab;--warn-line:#f0cf95;"
"--app-bg:#f8f9fb;--code-fg:#3a4254;--code-bg:#f3f4f7;--link:#2450b8;"
"color-scheme:light dark}\n"
"@media (prefers-color-scheme:dark){:root{--bg:#111418;--fg:#e4e8ee;"
"--muted:#9aa3b2;--card:#1a1e24;--line:#2c323b;--head:#20252d;"
"--ok:#72d39f;--ok-bg:#16301f;--bad:#ff8f85;--bad-bg:#3a1c1a;"
"--warn:#f1c36f;--warn-bg:#352913;--off:#b8bfca;--off-bg:#2a2f37;"
"--good:#3f9e6d;--grid:#2a3038;--axis:#5d6674;--bad-line:#7a3430;"
"--warn-line:#6b5323;--app-bg:#161a20;--code-fg:#c9d1dc;"
"--code-bg:#242a33;--link:#8ab4ff}}\n"
"*{box-sizing:border-box}\n"
"html{-webkit-text-size-adjust:100%}\n"
"body{margin:0;background:var(--bg);color:var(--fg);"
"font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,"
"\"Helvetica Neue\",Arial,sans-serif}\n"
"main{max-width:1500px;margin:0 auto;padding:16px 20px 40px}\n"
"header.top{display:flex;flex-wrap:wrap;gap:12px 24px;align-items:center;"
"justify-content:space-between;padding:4px 0 14px;"
"border-bottom:1px solid var(--line)}\n"
"h1{font-size:1.45rem;margin:0;letter-spacing:-.01em}\n"
"h2{font-size:1.1rem;margin:30px 0 10px}\n"
"h2 small{font-weight:400;color:var(--muted);font-size:.85rem}\n"
"p{margin:4px 0}\n"
".muted,small{color:var(--muted)}\n"
"small{font-size:.8rem}\n"
"code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"
"\"Liberation Mono\",monospace;font-size:.85em}\n"

".cards{display:grid;gap:10px;margin-top:16px;"
"grid-template-columns:repeat(auto-fill,minmax(170px,1fr))}\n"
".card{background:var(--card);border:1px solid var(--line);"
"border-radius:10px;padding:10px 14px}\n"
".card .k{font-size:.75rem;color:var(--muted);text-transform:uppercase;"
"letter-spacing:.04em;font-weight:600}\n"
".card .v{font-size:1.7rem;font-weight:650;line-height:1.2;"
"font-variant-numeric:tabular-nums;margin:2px 0}\n"
".card small{display:block}\n"
".card.bad{border-color:var(--bad-line);background:var(--bad-bg)}\n"
".card.bad .v{color:var(--bad)}\n"
".card.warn{border-color:var(--warn-line);background:var(--warn-bg)}\n"
".card.warn .v{color:var(--warn)}\n"
".panel{background:var(--card);border:1px solid var(--line);"
"border-radius:10px}\n"
".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}\n"
".chart{padding:10px 12px 6px}\n"
".chart svg{display:block;width:100%;min-width:640px;height:auto}\n"
/* page colours override the SVG's own (kept for a standalone view) */
".chart .tx{fill:var(--muted)}.chart .gl{stroke:var(--grid)}"
".chart .ax{stroke:var(--axis)}.chart .bd{fill:var(--good)}\n"
".legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:.85rem;"
"padding:0 4px 6px;color:var(--muted)}\n"
".sw{display:inline-block;width:12px;height:12px;border-radius:2px;"
"vertical-align:-1px;margin-right:6px}\n"
"details{padding:0 4px 8px;font-size:.85rem}\n"
"summary{cursor:pointer;color:var(--muted)}\n"
"table{border-collapse:collapse;width:100%;font-size:.875rem}\n"
"th,td{padding:7px 10px;border-bottom:1px solid var(--line);"
"text-align:left;vertical-align:top;white-space:nowrap}\n"
"thead th{background:var(--head);color:var(--muted);font-size:.72rem;"
"text-transform:uppercase;letter-spacing:.03em;font-weight:650;"
"white-space:normal;vertical-align:bottom}\n"
"tbody tr:last-child td{border-bottom:0}\n"
"th.n,td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
"td.wrap{white-space:normal;min-width:17.5em}\n"
"td.st{min-width:10em}\n"
/* a cell's content is capped so one long string cannot widen the table */
".cell{max-width:32em;overflow-wrap:anywhere}\n"
"td.st .cell{max-width:18em}\n"
"td.resp .cell{max-width:44em}\n"
"td.resp{white-space:normal;min-width:16em}\n"
"tr.app th{overflow-wrap:anywhere;background:var(--app-bg);"
"text-align:left;font-size:.9rem;"
"border-bottom:1px solid var(--line);border-top:2px solid var(--line);"
"white-space:normal}\n"
"tr.app th small{font-weight:400;margin-left:8px}\n"
"tr.bad td:first-child{box-shadow:inset 4px 0 var(--bad)}\n"
"tr.off td:first-child{box-shadow:inset 4px 0 var(--axis)}\n"
".url{font-weight:600;overflow-wrap:break-word}\n"
".desc{display:block;color:var(--muted);font-size:.8rem}\n"
".wid{display:block;font-size:.75rem}\n"
".tag{display:inline-block;padding:1px 8px;border-radius:999px;"
"font-size:.78rem;font-weight:650;white-space:nowrap}\n"
".tag.ok{background:var(--ok-bg);color:var(--ok)}\n"
".tag.bad{background:var(--bad-bg);color:var(--bad);"
"border:1px solid var(--bad-line)}\n"
".tag.warn{background:var(--warn-bg);color:var(--warn)}\n"
".tag.off{background:var(--off-bg);color:var(--off)}\n"
".tag.overall{font-size:.95rem;padding:6px 14px;border-radius:8px;"
"flex:0 0 auto}\n"
".top .who{flex:1 1 30em;min-width:0}\n"
".jump{display:flex;flex-wrap:wrap;gap:6px 18px;margin:10px 0 0;"
"font-size:.85rem}\n"
".jump a{color:var(--link);text-decoration:none}\n"
".jump a:hover{text-decoration:underline}\n"
".rate.bad{color:var(--bad);font-weight:650}\n"
".rate.warn{color:var(--warn);font-weight:650}\n"
".abs{font-size:.72rem}\n"
".resp code{color:var(--code-fg);background:var(--code-bg);padding:1px 4px;"
"border-radius:4px}\n"
".empty{padding:14px;color:var(--muted)}\n"
"footer{margin-top:28px;font-size:.8rem;color:var(--muted)}\n"
"@media (max-width:640px){main{padding:10px 10px 30px}"
"h1{font-size:1.25rem}.cards{grid-template-columns:1fr 1fr}"
".card .v{font-size:1.35rem}th,td{padding:6px 8px}"
".chart svg{min-width:700px}.chart svg text{font-size:18px}"
"td.wrap{min-width:12.5em}td.st{min-width:8em}}\n";

static void
put_head(struct page *p, const struct statusdata *sd)
{
	char iso[TIMEFMT_LEN];

	timefmt_format(sd->now_ms, iso, sizeof(iso));
	put(p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n");
	putf(p, "<meta http-equiv=\"refresh\" content=\"%d\">\n",
	    STATUSHTML_REFRESH_S);
	put(p, "<meta name=\"robots\" content=\"noindex\">\n");
	putf(p, "<title>hookd status · %s</title>\n", iso);
	put(p, "<style>\n");
	put(p, page_css);
	put(p, "</style>\n</head>\n<body>\n<main>\n");
}

/* Webhooks failing now / disabled, for the headline. */
static void
count_trouble(const struct statusdata *sd, size_t *failing, size_t *off)
{
	size_t i;

	*failing = 0;
	*off = 0;
	for (i = 0; i < sd->webhook_count; i++) {
		if (!sd->webhooks[i].enabled)
			(*off)++;
		else if (sd->webhooks[i].consecutive_failures > 0)
			(*failing)++;
	}
}

static void
put_header(struct page *p, const struct statusdata *sd)
{
	size_t failing, off;
	char iso[TIMEFMT_LEN];

	timefmt_format(sd->now_ms, iso, sizeof(iso));
	count_trouble(sd, &failing, &off);
	put(p, "<header class=\"top\">\n<div class=\"who\">\n"
	    "<h1>hookd delivery status</h1>\n");
	putf(p, "<p>Written <time datetime=\"%s\"><strong>%s</strong></time>"
	    " by <code>", iso, iso);
	html_text(p, sd->pass);
	putf(p, "</code></p>\n<p><small>A static page, reloaded every %d s; "
	    "if the time above is more than a few minutes old, hookd-send is "
	    "not running. Relative times (\"3 min ago\") are as of that "
	    "moment; hover for the exact time.</small></p>\n</div>\n",
	    STATUSHTML_REFRESH_S);
	if (sd->webhook_count == 0)
		put(p, "<div class=\"overall tag off\">No webhooks yet</div>\n");
	else if (failing == 0 && off == 0 && sd->failed_24h == 0)
		put(p, "<div class=\"overall tag ok\">✓ All webhooks "
		    "healthy</div>\n");
	else if (failing == 0 && off == 0)
		put(p, "<div class=\"overall tag warn\">! Some attempts failed "
		    "in 24 h; no webhook failing now</div>\n");
	else {
		put(p, "<div class=\"overall tag bad\">✕ ");
		if (failing > 0)
			putf(p, "%zu webhook%s failing", failing,
			    failing == 1 ? "" : "s");
		if (failing > 0 && off > 0)
			put(p, " · ");
		if (off > 0)
			putf(p, "%zu disabled", off);
		put(p, "</div>\n");
	}
	put(p, "</header>\n");
}

/* In-page links to the sections (fragments only: nothing external). */
static void
put_nav(struct page *p, const struct statusdata *sd)
{
	size_t failing, off;

	count_trouble(sd, &failing, &off);
	put(p, "<nav class=\"jump\" aria-label=\"Sections\">"
	    "<a href=\"#queue\">Queue</a>");
	if (failing + off > 0)
		put(p, "<a href=\"#attention\">Needs attention</a>");
	putf(p, "<a href=\"#hours\">Per hour</a>"
	    "<a href=\"#webhooks\">Webhooks</a>"
	    "<a href=\"#failures\">Recent failures (%zu)</a></nav>\n",
	    sd->failure_count);
}

static void
put_card(struct page *p, const char *cls, const char *key)
{
	putf(p, "<div class=\"card%s%s\"><div class=\"k\">%s</div>"
	    "<div class=\"v\">", cls[0] ? " " : "", cls, key);
}

static void
put_queue(struct page *p, const struct statusdata *sd)
{
	const struct store_queue *q = &sd->queue;
	char span[48];
	int64_t overdue;

	put(p, "<section aria-labelledby=\"queue\">\n"
	    "<h2 id=\"queue\">Queue</h2>\n<div class=\"cards\">\n");

	put_card(p, "", "Pending");
	put_count(p, (uint64_t)(q->pending > 0 ? q->pending : 0));
	put(p, "</div><small>waiting for a first attempt or a retry</small>"
	    "</div>\n");

	overdue = sd->earliest_due_at > 0 && sd->earliest_due_at <= p->now ?
	    p->now - sd->earliest_due_at : 0;
	put_card(p, overdue > 60000 ? "warn" : "", "Due now");
	put_count(p, sd->due_now);
	if (sd->due_now_capped)
		put(p, "+");
	put(p, "</div><small>");
	if (overdue > 0) {
		fmt_span(overdue, span, sizeof(span));
		putf(p, "most overdue by %s", span);
	} else if (sd->earliest_due_at > 0) {
		put(p, "next attempt ");
		put_time(p, sd->earliest_due_at);
	} else
		put(p, "nothing scheduled");
	put(p, "</small></div>\n");

	put_card(p, "", "Delivered 24 h");
	put_count(p, sd->delivered_24h);
	put(p, "</div><small>");
	put_count(p, (uint64_t)(q->delivered > 0 ? q->delivered : 0));
	put(p, " in retention</small></div>\n");

	put_card(p, sd->failed_24h > 0 ? "bad" : "", "Failed attempts 24 h");
	put_count(p, sd->failed_24h);
	put(p, "</div><small>");
	if (sd->failed_24h + sd->delivered_24h > 0)
		putf(p, "%.1f %% of attempts", 100.0 * (double)sd->failed_24h /
		    (double)(sd->failed_24h + sd->delivered_24h));
	else
		put(p, "no attempts");
	put(p, "</small></div>\n");

	put_card(p, q->failed > 0 ? "bad" : "", "Failed deliveries");
	put_count(p, (uint64_t)(q->failed > 0 ? q->failed : 0));
	put(p, "</div><small>gave up or webhook disabled; in retention"
	    "</small></div>\n");

	put_card(p, "", "Oldest pending");
	if (sd->oldest_created_at > 0) {
		fmt_span(p->now > sd->oldest_created_at ?
		    p->now - sd->oldest_created_at : 0, span, sizeof(span));
		if (!sd->walk_complete)
			put(p, "≥ ");
		put(p, span);
		put(p, "</div><small>created ");
		put_time(p, sd->oldest_created_at);
		if (!sd->walk_complete) {
			put(p, "<br>lower bound: the ");
			put_count(p, sd->walked);
			put(p, " earliest due of ");
			put_count(p, (uint64_t)(q->pending > 0 ? q->pending : 0));
			put(p, " checked");
		}
		put(p, "</small></div>\n");
	} else
		put(p, "—</div><small>nothing pending</small></div>\n");
	put(p, "</div>\n</section>\n");
}

/* A round axis maximum (1, 2 or 5 times a power of ten) above max. */
static uint64_t
chart_step(uint64_t max, int ticks)
{
	uint64_t raw, mag = 1;

	raw = (max + (uint64_t)ticks - 1) / (uint64_t)ticks;
	if (raw < 1)
		raw = 1;
	while (mag <= raw / 10)
		mag *= 10;
	if (raw <= mag)
		return mag;
	if (raw <= 2 * mag)
		return 2 * mag;
	if (raw <= 5 * mag)
		return 5 * mag;
	return 10 * mag;
}

/* "12k" style labels for the axis. */
static void
fmt_short(uint64_t v, char *out, size_t outlen)
{
	if (v >= 1000000 && v % 100000 == 0)
		snprintf(out, outlen, "%.1fM", (double)v / 1e6);
	else if (v >= 1000 && v % 1000 == 0)
		snprintf(out, outlen, "%" PRIu64 "k", v / 1000);
	else
		fmt_count(v, out, outlen);
}

static void
hour_label(int64_t ms, char *out, size_t outlen)
{
	char iso[TIMEFMT_LEN];

	timefmt_format(ms, iso, sizeof(iso));
	/* "YYYY-MM-DDTHH:..." -> "HH:00" */
	snprintf(out, outlen, "%.2s:00", iso + 11);
}

#define CH_W 960
#define CH_H 260
#define CH_L 60
#define CH_R 14
#define CH_T 14
#define CH_B 44

static void
put_chart(struct page *p, const struct statusdata *sd)
{
	const double pw = CH_W - CH_L - CH_R, ph = CH_H - CH_T - CH_B;
	const double slot = pw / STATUSDATA_HOURS, bw = slot * 0.68;
	uint64_t max = 0, step, top, v;
	char lab[40], lab2[40], iso[TIMEFMT_LEN], a[40], f[40];
	double x, y, hd, hf;
	size_t i;
	int ticks;

	for (i = 0; i < STATUSDATA_HOURS; i++) {
		v = (uint64_t)sd->hours[i].delivered + sd->hours[i].failed;
		if (v > max)
			max = v;
	}
	/* a round step, then just enough steps (1..4) to cover max */
	step = chart_step(max, 4);
	ticks = max == 0 ? 4 : (int)((max + step - 1) / step);
	top = step * (uint64_t)ticks;

	put(p, "<section aria-labelledby=\"hours\">\n<h2 id=\"hours\">"
	    "Attempts per hour <small>last 24 h, UTC; the last bar is the "
	    "current hour so far</small></h2>\n<div class=\"panel\">\n"
	    "<div class=\"legend\" style=\"padding-top:10px;padding-left:14px\">"
	    "<span><span class=\"sw\" style=\"background:var(--good)\"></span>"
	    "Delivered (2xx)</span><span><span class=\"sw\" style=\"background:"
	    "repeating-linear-gradient(45deg,var(--fail) 0 3px,#f08a82 3px 5px)"
	    "\"></span>Failed attempt (retried or given up)</span></div>\n"
	    "<div class=\"scroll chart\">\n");
	putf(p, "<svg viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"Delivered and failed attempts per hour over the "
	    "last 24 hours\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "font-family=\"system-ui,sans-serif\" font-size=\"14\">\n",
	    CH_W, CH_H);
	put(p, "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
	    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	    "<rect width=\"6\" height=\"6\" fill=\"#d0362c\"/>"
	    "<rect width=\"2\" height=\"6\" fill=\"#f08a82\"/></pattern></defs>\n");

	/* grid and y labels */
	for (i = 0; i <= (size_t)ticks; i++) {
		y = CH_T + ph - ph * (double)i / (double)ticks;
		fmt_short(step * i, lab, sizeof(lab));
		putf(p, "<line class=\"%s\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>"
		    "<text class=\"tx\" x=\"%d\" y=\"%.1f\" "
		    "text-anchor=\"end\" fill=\"#5d6678\">%s</text>\n",
		    i == 0 ? "ax" : "gl", CH_L, CH_W - CH_R, y, y,
		    i == 0 ? "#9aa1ad" : "#e6e9ee", CH_L - 8, y + 4.5, lab);
	}
	putf(p, "<text class=\"tx\" x=\"14\" y=\"%.1f\" fill=\"#5d6678\" "
	    "font-size=\"12\" "
	    "transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">"
	    "attempts</text>\n", CH_T + ph / 2, CH_T + ph / 2);

	for (i = 0; i < STATUSDATA_HOURS; i++) {
		const struct statusdata_hour *h = &sd->hours[i];

		x = CH_L + slot * (double)i + (slot - bw) / 2;
		hd = ph * (double)h->delivered / (double)top;
		hf = ph * (double)h->failed / (double)top;
		hour_label(h->hour, lab, sizeof(lab));
		hour_label(h->hour + HOUR_MS, lab2, sizeof(lab2));
		timefmt_format(h->hour, iso, sizeof(iso));
		fmt_count(h->delivered, a, sizeof(a));
		fmt_count(h->failed, f, sizeof(f));
		putf(p, "<g><title>%.10s %s–%s UTC: %s delivered, %s failed"
		    "</title>", iso, lab, lab2, a, f);
		/* an invisible full-height target so the title shows */
		putf(p, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"transparent\"/>", x, CH_T, bw, ph);
		if (h->delivered > 0)
			putf(p, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\" class=\"bd\" fill=\"#2f7d57\"/>", x,
			    CH_T + ph - hd, bw, hd < 0.5 ? 0.5 : hd);
		if (h->failed > 0)
			putf(p, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\" fill=\"url(#hatch)\" "
			    "stroke=\"#a3231b\" stroke-width=\"1\"/>", x,
			    CH_T + ph - hd - (hf < 1.5 ? 1.5 : hf), bw,
			    hf < 1.5 ? 1.5 : hf);
		put(p, "</g>\n");
		if (i % 3 == 0 || i == STATUSDATA_HOURS - 1) {
			putf(p, "<line class=\"ax\" x1=\"%.1f\" x2=\"%.1f\" "
			    "y1=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa1ad\"/>",
			    x + bw / 2,
			    x + bw / 2, CH_T + ph, CH_T + ph + 5);
			putf(p, "<text class=\"tx\" x=\"%.1f\" y=\"%.1f\" "
			    "text-anchor=\"middle\" fill=\"#5d6678\">%s</text>\n",
			    x + bw / 2, CH_T + ph + 20,
			    i == STATUSDATA_HOURS - 1 ? "now" : lab);
		}
	}
	if (max == 0)
		putf(p, "<text class=\"tx\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\" fill=\"#5d6678\" font-size=\"15\">"
		    "No attempts in the last "
		    "24 hours</text>\n", CH_L + pw / 2, CH_T + ph / 2);
	putf(p, "<text class=\"tx\" x=\"%.1f\" y=\"%d\" "
	    "text-anchor=\"middle\" fill=\"#5d6678\" font-size=\"12\">"
	    "hour starting (UTC)</text>\n",
	    CH_L + pw / 2, CH_H - 4);
	put(p, "</svg>\n</div>\n");

	/* the same numbers as a table, for screen readers and copying */
	put(p, "<details><summary>Show as a table</summary>\n<div class=\"scroll\">"
	    "<table><thead><tr><th>Hour (UTC)</th><th class=\"n\">Delivered"
	    "</th><th class=\"n\">Failed</th></tr></thead><tbody>\n");
	for (i = 0; i < STATUSDATA_HOURS; i++) {
		timefmt_format(sd->hours[i].hour, iso, sizeof(iso));
		putf(p, "<tr><td>%.10s %.5s</td><td class=\"n\">", iso, iso + 11);
		put_count(p, sd->hours[i].delivered);
		put(p, "</td><td class=\"n\">");
		put_count(p, sd->hours[i].failed);
		put(p, "</td></tr>\n");
	}
	put(p, "</tbody></table></div></details>\n</div>\n</section>\n");
}

/* The state cell: enabled, failing since, or disabled and why. */
static void
put_state(struct page *p, const struct statusdata_webhook *w)
{
	put(p, "<td class=\"wrap st\"><div class=\"cell\">");
	if (!w->enabled) {
		put(p, "<span class=\"tag off\">○ Disabled</span>");
		if (w->disabled_reason[0] != '\0') {
			put(p, "<br><small>");
			html_text(p, w->disabled_reason);
			put(p, "</small>");
		}
	} else if (w->consecutive_failures > 0) {
		put(p, "<span class=\"tag bad\">✕ Failing</span>");
		if (w->failing_since > 0) {
			put(p, "<br><small>since ");
			put_time(p, w->failing_since);
			put(p, "</small>");
		}
	} else
		put(p, "<span class=\"tag ok\">✓ Enabled</span>");
	put(p, "</div></td>");
}

static void
put_webhook_row(struct page *p, const struct statusdata_webhook *w)
{
	uint64_t n = statusdata_webhook_attempts(w);
	double rate;
	const char *rc;

	if (!w->enabled)
		put(p, "<tr class=\"off\">");
	else if (w->consecutive_failures > 0)
		put(p, "<tr class=\"bad\">");
	else
		put(p, "<tr>");

	put(p, "<td class=\"wrap\"><div class=\"cell\">");
	put_url(p, w->url, w->url_cut);
	if (w->description[0] != '\0')
		put_desc(p, w->description);
	put(p, "<small class=\"mono wid\">");
	html_text(p, w->id);
	put(p, "</small></div></td>");

	put_state(p, w);

	if (n == 0)
		put(p, "<td class=\"n muted\">—</td>");
	else {
		rate = 100.0 * (double)w->delivered_24h / (double)n;
		rc = rate < 90.0 ? " bad" : rate < 99.0 ? " warn" : "";
		putf(p, "<td class=\"n rate%s\">%.1f %%</td>", rc,
		    w->delivered_24h == n ? 100.0 :
		    rate > 99.9 ? 99.9 : rate);
	}
	put(p, "<td class=\"n\">");
	put_count(p, n);
	if (w->failed_24h > 0) {
		put(p, "<br><small>");
		put_count(p, w->failed_24h);
		put(p, " failed</small>");
	}
	put(p, "</td>");
	put_latency(p, w->latency, 0.50, "p50");
	put_latency(p, w->latency, 0.95, "p95");

	put(p, "<td>");
	put_time_full(p, w->last_attempt_at);
	put(p, "</td><td>");
	if (w->last_attempt_at == 0)
		put(p, "<span class=\"muted\">never tried</span>");
	else
		put_result(p, w->last_status, w->last_error);
	put(p, "</td>");
	if (w->consecutive_failures > 0)
		putf(p, "<td class=\"n rate bad\">%" PRIu32 "</td>",
		    w->consecutive_failures);
	else
		put(p, "<td class=\"n\">0</td>");
	put(p, "<td>");
	put_time_full(p, w->next_retry_at);
	put(p, "</td></tr>\n");
}

/* The app a listed webhook belongs to (its name, else its id). */
static const char *
app_name(const struct statusdata *sd, size_t wi)
{
	size_t i;

	for (i = 0; i < sd->app_count; i++)
		if (wi >= sd->apps[i].first &&
		    wi < sd->apps[i].first + sd->apps[i].count)
			return sd->apps[i].name[0] ? sd->apps[i].name :
			    sd->apps[i].id;
	return "";
}

#define ATTENTION_MAX 20

/* Failing and disabled webhooks first, so an admin sees them at once. */
static void
put_attention(struct page *p, const struct statusdata *sd)
{
	const struct statusdata_webhook *w;
	size_t failing, off, i, shown = 0;

	count_trouble(sd, &failing, &off);
	if (failing + off == 0)
		return;
	put(p, "<section aria-labelledby=\"attention\">\n<h2 id=\"attention\">"
	    "Needs attention <small>webhooks failing now or disabled</small>"
	    "</h2>\n<div class=\"panel scroll\">\n<table>\n<thead><tr>"
	    "<th>Webhook</th><th>State</th><th class=\"n\">Fails in a row</th>"
	    "<th>Last result</th><th>Next retry</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < sd->webhook_count && shown < ATTENTION_MAX; i++) {
		w = &sd->webhooks[i];
		if (w->enabled && w->consecutive_failures == 0)
			continue;
		shown++;
		put(p, w->enabled ? "<tr class=\"bad\">" : "<tr class=\"off\">");
		put(p, "<td class=\"wrap\"><div class=\"cell\">");
		put_url(p, w->url, w->url_cut);
		put(p, "<span class=\"desc\">");
		html_text(p, app_name(sd, i));
		put(p, "</span></div></td>");
		put_state(p, w);
		putf(p, "<td class=\"n%s\">%" PRIu32 "</td><td>",
		    w->consecutive_failures > 0 ? " rate bad" : "",
		    w->consecutive_failures);
		if (w->last_attempt_at == 0)
			put(p, "<span class=\"muted\">never tried</span>");
		else {
			put_result(p, w->last_status, w->last_error);
			put(p, "<br><small>");
			put_time(p, w->last_attempt_at);
			put(p, "</small>");
		}
		put(p, "</td><td>");
		put_time_full(p, w->next_retry_at);
		put(p, "</td></tr>\n");
	}
	put(p, "</tbody>\n</table>\n</div>\n");
	if (failing + off > shown)
		putf(p, "<p><small>%zu more below.</small></p>\n",
		    failing + off - shown);
	put(p, "</section>\n");
}

static void
put_webhooks(struct page *p, const struct statusdata *sd)
{
	const struct statusdata_app *a;
	size_t i, j;

	put(p, "<section aria-labelledby=\"webhooks\">\n<h2 id=\"webhooks\">"
	    "Applications and webhooks <small>success rate and latency over "
	    "the attempts of the last 24 h</small></h2>\n");
	if (sd->app_count == 0) {
		put(p, "<div class=\"panel empty\">No applications yet.</div>\n"
		    "</section>\n");
		return;
	}
	put(p, "<div class=\"panel scroll\">\n<table>\n<thead><tr>"
	    "<th>Webhook</th><th>State</th><th class=\"n\">Success 24 h</th>"
	    "<th class=\"n\">Attempts 24 h</th><th class=\"n\">p50</th>"
	    "<th class=\"n\">p95</th><th>Last attempt</th><th>Result</th>"
	    "<th class=\"n\">Fails in a row</th><th>Next retry</th>"
	    "</tr></thead>\n");
	for (i = 0; i < sd->app_count; i++) {
		a = &sd->apps[i];
		put(p, "<tbody><tr class=\"app\"><th colspan=\"10\">");
		html_text(p, a->name[0] ? a->name : a->id);
		put(p, "<small>org <code>");
		html_text(p, a->org_id);
		put(p, "</code> · <code>");
		html_text(p, a->id);
		putf(p, "</code> · %zu webhook%s</small></th></tr>\n", a->count,
		    a->count == 1 ? "" : "s");
		if (a->count == 0)
			put(p, "<tr><td colspan=\"10\" class=\"muted\">"
			    "No webhooks.</td></tr>\n");
		for (j = 0; j < a->count; j++)
			put_webhook_row(p, &sd->webhooks[a->first + j]);
		put(p, "</tbody>\n");
	}
	put(p, "</table>\n</div>\n");
	if (sd->apps_cut || sd->webhooks_cut)
		putf(p, "<p><small>Only the first %d applications and %d "
		    "webhooks are listed; status.json has the same list."
		    "</small></p>\n", STATUSDATA_APPS_MAX,
		    STATUSDATA_WEBHOOKS_MAX);
	put(p, "</section>\n");
}

static void
put_failures(struct page *p, const struct statusdata *sd)
{
	const struct statusdata_failure *f;
	const struct statusdata_webhook *w;
	char dur[32];
	size_t i;

	putf(p, "<section aria-labelledby=\"failures\">\n<h2 id=\"failures\">"
	    "Recent failures <small>the %d most recent failed attempts, "
	    "newest first</small></h2>\n", STATUSDATA_FAILURES);
	if (sd->failure_count == 0) {
		put(p, "<div class=\"panel empty\">✓ No failed attempts on "
		    "record.</div>\n</section>\n");
		return;
	}
	put(p, "<div class=\"panel scroll\">\n<table>\n<thead><tr>"
	    "<th>When</th><th>Result</th><th>Webhook</th>"
	    "<th class=\"n\">Duration</th><th>Response (excerpt)</th>"
	    "</tr></thead>\n<tbody>\n");
	for (i = 0; i < sd->failure_count; i++) {
		f = &sd->failures[i];
		w = statusdata_webhook_find(sd, f->webhook_id);
		put(p, "<tr class=\"bad\"><td>");
		put_time_full(p, f->at);
		put(p, "</td><td>");
		put_result(p, f->status_code, f->error);
		if (f->status_code > 0 && f->error[0] != '\0') {
			put(p, "<br><small>");
			html_text(p, f->error);
			put(p, "</small>");
		}
		put(p, "</td><td class=\"wrap\"><div class=\"cell\">");
		if (w != NULL)
			put_url(p, w->url, w->url_cut);
		put(p, "<small class=\"desc mono\">");
		html_text(p, f->webhook_id);
		put(p, " · ");
		html_text(p, f->delivery_id);
		fmt_ms(f->duration_ms, dur, sizeof(dur));
		putf(p, "</small></div></td><td class=\"n\">%s</td>"
		    "<td class=\"resp\"><div class=\"cell\">", dur);
		if (f->response_len == 0 || f->excerpt[0] == '\0')
			put(p, "<span class=\"muted\">(no response body)</span>");
		else {
			put(p, "<code>");
			html_text(p, f->excerpt);
			if (f->excerpt_cut)
				put(p, "…");
			put(p, "</code>");
			if (f->excerpt_cut) {
				put(p, "<br><small>");
				put_count(p, f->response_len);
				put(p, " bytes stored</small>");
			}
		}
		put(p, "</div></td></tr>\n");
	}
	put(p, "</tbody>\n</table>\n</div>\n</section>\n");
}

int
statushtml_render(const struct statusdata *sd, struct buf *out)
{
	struct page p;

	p.b = out;
	p.bad = 0;
	p.now = sd->now_ms;
	put_head(&p, sd);
	put_header(&p, sd);
	put_nav(&p, sd);
	put_queue(&p, sd);
	put_attention(&p, sd);
	put_chart(&p, sd);
	put_webhooks(&p, sd);
	put_failures(&p, sd);
	put(&p, "<footer>hookd · status.json next to this page has the same "
	    "figures for monitoring. Secrets and keys are never shown; query "
	    "strings of callback URLs are hidden.</footer>\n"
	    "</main>\n</body>\n</html>\n");
	return p.bad ? -1 : 0;
}
