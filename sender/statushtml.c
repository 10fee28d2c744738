/*
 * statushtml.c - the status page (see statushtml.h): fills the skeleton
 * www/status.html, and writes its head: the headline, the section links
 * and the queue cards.  The other sections have files of their own.
 */
#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/embed.h"
#include "lib/timefmt.h"
#include "sender/html.h"
#include "sender/statuschart.h"
#include "sender/statusdata.h"
#include "sender/statusfailures.h"
#include "sender/statushooks.h"
#include "sender/statushtml.h"
#include "sender/statusrepl.h"

/*
 * The page's files from www/, built into the program (lib/embed.h): the
 * skeleton whose {{name}} slots statushtml_render fills, and the style
 * sheet written inline into it.  NULL means the build lost one.
 */
static const struct embed_file *
www(const char *name)
{
	return embed_find(embed_www, embed_www_count, name);
}

static void
put_css(struct html *p, const struct statusdata *sd)
{
	const struct embed_file *css = www("status.css");

	(void)sd;
	if (css == NULL)
		p->bad = 1;
	else
		html_putn(p, (const char *)css->data, css->len);
}

static void
put_refresh(struct html *p, const struct statusdata *sd)
{
	(void)sd;
	html_putf(p, "%d", STATUSHTML_REFRESH_S);
}

static void
put_written(struct html *p, const struct statusdata *sd)
{
	char iso[TIMEFMT_LEN];

	timefmt_format(sd->now_ms, iso, sizeof(iso));
	html_put(p, iso);
}

static void
put_pass(struct html *p, const struct statusdata *sd)
{
	html_text(p, sd->pass);
}

/* The headline: one tag for the state of every listed webhook. */
static void
put_overall(struct html *p, const struct statusdata *sd)
{
	size_t failing, off;

	statusdata_trouble(sd, &failing, &off);
	if (sd->webhooks.n == 0)
		html_put(p, "<div class=\"overall tag off\">No webhooks yet"
		    "</div>\n");
	else if (failing == 0 && off == 0 && sd->failed_24h == 0)
		html_put(p, "<div class=\"overall tag ok\">✓ All webhooks "
		    "healthy</div>\n");
	else if (failing == 0 && off == 0)
		html_put(p, "<div class=\"overall tag warn\">! Some attempts "
		    "failed in 24 h; no webhook failing now</div>\n");
	else {
		html_put(p, "<div class=\"overall tag bad\">✕ ");
		if (failing > 0)
			html_putf(p, "%zu webhook%s failing", failing,
			    failing == 1 ? "" : "s");
		if (failing > 0 && off > 0)
			html_put(p, " · ");
		if (off > 0)
			html_putf(p, "%zu disabled", off);
		html_put(p, "</div>\n");
	}
}

/* In-page links to the sections (fragments only: nothing external). */
static void
put_nav(struct html *p, const struct statusdata *sd)
{
	size_t failing, off;

	statusdata_trouble(sd, &failing, &off);
	html_put(p, "<nav class=\"jump\" aria-label=\"Sections\">"
	    "<a href=\"#queue\">Queue</a>");
	if (failing + off > 0)
		html_put(p, "<a href=\"#attention\">Needs attention</a>");
	html_putf(p, "<a href=\"#hours\">Per hour</a>"
	    "<a href=\"#webhooks\">Webhooks</a>"
	    "<a href=\"#failures\">Recent failures (%zu)</a></nav>\n",
	    sd->failure_count);
}

/* Open a queue card: <div class="card cls"> with its key, then the
 * value's <div>; the caller writes the value and the rest. */
static void
put_card(struct html *p, const char *cls, const char *key)
{
	html_putf(p, "<div class=\"card%s%s\"><div class=\"k\">%s</div>"
	    "<div class=\"v\">", cls[0] ? " " : "", cls, key);
}

/* The "Due now" card: the count from the pending walk, how overdue. */
static void
put_due(struct html *p, const struct statusdata *sd)
{
	char span[48];
	int64_t overdue;

	overdue = sd->earliest_due_at > 0 && sd->earliest_due_at <= p->now ?
	    p->now - sd->earliest_due_at : 0;
	put_card(p, overdue > 60000 ? "warn" : "", "Due now");
	html_count(p, sd->due_now);
	if (sd->due_now_capped)
		html_put(p, "+");
	html_put(p, "</div><small>");
	if (overdue > 0) {
		html_fmt_span(overdue, span, sizeof(span));
		html_putf(p, "most overdue by %s", span);
	} else if (sd->earliest_due_at > 0) {
		html_put(p, "next attempt ");
		html_time(p, sd->earliest_due_at);
	} else
		html_put(p, "nothing scheduled");
	html_put(p, "</small></div>\n");
}

/* The "Oldest pending" card: exact, or a lower bound that says so. */
static void
put_oldest(struct html *p, const struct statusdata *sd)
{
	int64_t pending = sd->queue.pending > 0 ? sd->queue.pending : 0;
	char span[48];

	put_card(p, "", "Oldest pending");
	if (sd->oldest_created_at == 0) {
		html_put(p, "—</div><small>nothing pending</small></div>\n");
		return;
	}
	html_fmt_span(p->now > sd->oldest_created_at ?
	    p->now - sd->oldest_created_at : 0, span, sizeof(span));
	if (!sd->walk_complete)
		html_put(p, "≥ ");
	html_put(p, span);
	html_put(p, "</div><small>created ");
	html_time(p, sd->oldest_created_at);
	if (!sd->walk_complete) {
		html_put(p, "<br>lower bound: the ");
		html_count(p, sd->walked);
		html_put(p, " earliest due of ");
		html_count(p, (uint64_t)pending);
		html_put(p, " checked");
	}
	html_put(p, "</small></div>\n");
}

static void
put_queue(struct html *p, const struct statusdata *sd)
{
	const struct store_queue *q = &sd->queue;

	put_card(p, "", "Pending");
	html_count(p, (uint64_t)(q->pending > 0 ? q->pending : 0));
	html_put(p, "</div><small>waiting for a first attempt or a retry"
	    "</small></div>\n");

	put_due(p, sd);

	put_card(p, "", "Delivered 24 h");
	html_count(p, sd->delivered_24h);
	html_put(p, "</div><small>");
	html_count(p, (uint64_t)(q->delivered > 0 ? q->delivered : 0));
	html_put(p, " in retention</small></div>\n");

	put_card(p, sd->failed_24h > 0 ? "bad" : "", "Failed attempts 24 h");
	html_count(p, sd->failed_24h);
	html_put(p, "</div><small>");
	if (sd->failed_24h + sd->delivered_24h > 0)
		html_putf(p, "%.1f %% of attempts", 100.0 *
		    (double)sd->failed_24h /
		    (double)(sd->failed_24h + sd->delivered_24h));
	else
		html_put(p, "no attempts");
	html_put(p, "</small></div>\n");

	put_card(p, q->failed > 0 ? "bad" : "", "Failed deliveries");
	html_count(p, (uint64_t)(q->failed > 0 ? q->failed : 0));
	html_put(p, "</div><small>gave up or webhook disabled; in retention"
	    "</small></div>\n");

	put_oldest(p, sd);
}

/* The skeleton's placeholders and what fills each. */
static const struct {
	const char *name;
	void (*put)(struct html *p, const struct statusdata *sd);
} slots[] = {
	{ "css", put_css },
	{ "refresh", put_refresh },
	{ "written", put_written },
	{ "pass", put_pass },
	{ "overall", put_overall },
	{ "nav", put_nav },
	{ "queue", put_queue },
	{ "attention", statushooks_attention },
	{ "hours", statuschart_put },
	{ "webhooks", statushooks_list },
	{ "failures", statusfailures_put },
	{ "replication", statusrepl_put },
};

/* Fill the placeholder name (n bytes); 0, or -1 if there is none such. */
static int
put_slot(struct html *p, const struct statusdata *sd, const char *name,
    size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		if (strlen(slots[i].name) == n &&
		    memcmp(slots[i].name, name, n) == 0) {
			slots[i].put(p, sd);
			return 0;
		}
	}
	return -1;
}

int
statushtml_render(const struct statusdata *sd, struct buf *out)
{
	struct html p = { .b = out, .bad = 0, .now = sd->now_ms };
	const struct embed_file *skel = www("status.html");
	const char *s, *open, *close;

	if (skel == NULL)
		return -1;
	s = (const char *)skel->data;	/* NUL-terminated (lib/embed.h) */

	while ((open = strstr(s, "{{")) != NULL) {
		html_putn(&p, s, (size_t)(open - s));
		close = strstr(open + 2, "}}");
		if (close == NULL || put_slot(&p, sd, open + 2,
		    (size_t)(close - open - 2)) == -1)
			return -1;
		s = close + 2;
	}
	html_put(&p, s);
	return p.bad ? -1 : 0;
}
