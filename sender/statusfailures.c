/*
 * statusfailures.c - the status page's "Recent failures" table (see
 * statusfailures.h).
 */
#include <stdio.h>

#include "sender/html.h"
#include "sender/statusdata.h"
#include "sender/statusfailures.h"

/* The response cell: the excerpt as code, cut with "…" and the size. */
static void
failures_response(struct html *p, const struct statusdata_failure *f)
{
	if (f->response_len == 0 || f->excerpt[0] == '\0') {
		html_put(p, "<span class=\"muted\">(no response body)</span>");
		return;
	}
	html_put(p, "<code>");
	html_text(p, f->excerpt);
	if (f->excerpt_cut)
		html_put(p, "…");
	html_put(p, "</code>");
	if (f->excerpt_cut) {
		html_put(p, "<br><small>");
		html_count(p, f->response_len);
		html_put(p, " bytes stored</small>");
	}
}

static void
failures_row(struct html *p, const struct statusdata *sd,
    const struct statusdata_failure *f)
{
	const struct statusdata_webhook *w;
	char dur[32];

	w = statusdata_webhook_find(sd, f->webhook_id);
	html_put(p, "<tr class=\"bad\"><td>");
	html_time_full(p, f->at);
	html_put(p, "</td><td>");
	html_result(p, f->status_code, f->error);
	if (f->status_code > 0 && f->error[0] != '\0') {
		html_put(p, "<br><small>");
		html_text(p, f->error);
		html_put(p, "</small>");
	}
	html_put(p, "</td><td class=\"wrap\"><div class=\"cell\">");
	if (w != NULL)
		html_url(p, w->url, w->url_cut);
	html_put(p, "<small class=\"desc mono\">");
	html_text(p, f->webhook_id);
	html_put(p, " · ");
	html_text(p, f->delivery_id);
	html_fmt_ms(f->duration_ms, dur, sizeof(dur));
	html_putf(p, "</small></div></td><td class=\"n\">%s</td>"
	    "<td class=\"resp\"><div class=\"cell\">", dur);
	failures_response(p, f);
	html_put(p, "</div></td></tr>\n");
}

void
statusfailures_put(struct html *p, const struct statusdata *sd)
{
	char note[96];
	size_t i;

	snprintf(note, sizeof(note), "the %d most recent failed attempts, "
	    "newest first", STATUSDATA_FAILURES);
	html_section(p, "failures", "Recent failures", note);
	if (sd->failure_count == 0) {
		html_empty(p, "✓ No failed attempts on record.");
		return;
	}
	html_table(p, "<th>When</th><th>Result</th><th>Webhook</th>"
	    "<th class=\"n\">Duration</th><th>Response (excerpt)</th>");
	html_put(p, "<tbody>\n");
	for (i = 0; i < sd->failure_count; i++)
		failures_row(p, sd, &sd->failures[i]);
	html_put(p, "</tbody>\n</table>\n</div>\n</section>\n");
}
