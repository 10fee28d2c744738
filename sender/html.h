/*
 * html.h - the sender's HTML writer, for status.html and catalog.html: a
 * buffer with a sticky error, escaping, and the small pieces every section
 * of the status page writes (URLs, counts, times, result tags, section
 * heads, tables).
 *
 * Writing is sticky: the first failed append sets bad and later appends
 * do nothing, so a section reads top to bottom without a check per line;
 * the caller looks at bad once at the end.
 *
 * html_put/html_putf write trusted markup (string constants of the
 * program, numbers); every string that came from outside (ids included)
 * goes through html_text, which escapes & < > " ' for text and attribute
 * values alike.  Strings from sender/statusdata.h are already valid UTF-8
 * without controls.  Times are shown relative to now, the moment the page
 * is written, with the RFC 3339 time in a title and <time>.
 */
#ifndef HOOKD_SENDER_HTML_H
#define HOOKD_SENDER_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

struct html {
	struct buf *b;		/* the caller's, appended to */
	int bad;		/* an append failed (b's cap or no memory) */
	int64_t now;		/* ms, the "now" of relative times (0: none) */
};

/* Trusted markup: s, or its first n bytes. */
void html_put(struct html *p, const char *s);
void html_putn(struct html *p, const char *s, size_t n);
void html_putf(struct html *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Outside text, escaped: all of s, or its first n bytes. */
void html_text(struct html *p, const char *s);
void html_textn(struct html *p, const char *s, size_t n);

/*
 * A webhook URL as <span class="url">, escaped, with line-break hints
 * (<wbr>), cut after a few lines' worth of code points with "…" (the whole
 * URL is then in the title); query_cut adds the "?…" marker of a hidden
 * query string.
 */
void html_url(struct html *p, const char *url, int query_cut);
/* A description as <span class="desc">, cut the same way. */
void html_desc(struct html *p, const char *desc);

/* "1,234,567" into out, and the same written to the page. */
void html_fmt_count(uint64_t v, char *out, size_t outlen);
void html_count(struct html *p, uint64_t v);
/* A span of time in words: "45 s", "12 min", "3 h 20 min", "4 d 2 h". */
void html_fmt_span(int64_t ms, char *out, size_t outlen);
/* A duration: "250 ms", "1.5 s". */
void html_fmt_ms(int64_t ms, char *out, size_t outlen);

/* <time> with relative words ("3 min ago", "in 5 s") and the absolute
 * time on hover; a muted "—" for 0. */
void html_time(struct html *p, int64_t ms);
/* The same, with the absolute time to the second also in small text. */
void html_time_full(struct html *p, int64_t ms);

/* An attempt's outcome as a tag: "✓ 200 OK", "✕ HTTP 503", "✕ timeout"
 * (error is outside text; "" when none). */
void html_result(struct html *p, int status, const char *error);

/*
 * Open <section> with <h2 id="id">title <small>note</small></h2>; id,
 * title and note (NULL: none) are trusted markup.  The section's writer
 * closes it, or html_empty does.
 */
void html_section(struct html *p, const char *id, const char *title,
    const char *note);
/* An empty panel saying text (trusted), and the section's end. */
void html_empty(struct html *p, const char *text);
/* Open a scrolling panel with a <table> and its <thead> row of cols (the
 * <th> cells, trusted); the caller writes the bodies and closes both. */
void html_table(struct html *p, const char *cols);

#endif
