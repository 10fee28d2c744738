/*
 * statushooks.c - the status page's webhook tables, "Needs attention" and
 * "Applications and webhooks" (see statushooks.h), and the cells they
 * share: the state, the latency percentiles.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "db/store.h"
#include "sender/html.h"
#include "sender/statusdata.h"
#include "sender/statushooks.h"

/* A latency percentile cell: "&lt;256 ms" with the bucket in the title. */
static void
hooks_latency(struct html *p, const uint64_t lat[STORE_LAT_BUCKETS],
    double pct, const char *name)
{
	int64_t lo, hi;
	char a[32], z[32];
	int b;

	b = statusdata_percentile(lat, pct);
	if (b < 0) {
		html_put(p, "<td class=\"n muted\">—</td>");
		return;
	}
	statusdata_bucket_bounds(b, &lo, &hi);
	html_fmt_ms(lo, a, sizeof(a));
	if (hi < 0) {
		html_putf(p, "<td class=\"n\" title=\"%s: %s or more\">≥%s</td>",
		    name, a, a);
		return;
	}
	html_fmt_ms(hi, z, sizeof(z));
	html_putf(p, "<td class=\"n\" title=\"%s between %s and %s "
	    "(histogram bucket)\">&lt;%s</td>", name, a, z, z);
}

/* Under the state of a FIFO webhook: its stuck lanes, the oldest one's
 * head (the lane waits behind it). */
static void
hooks_lanes(struct html *p, const struct statusdata_webhook *w)
{
	if (!w->fifo || w->lanes_stuck == 0)
		return;
	html_put(p, "<br><small class=\"bad\">");
	html_count(p, w->lanes_stuck);
	html_put(p, w->lanes_cut ? "+" : "");
	html_put(p, w->lanes_stuck == 1 ? " stuck FIFO lane" :
	    " stuck FIFO lanes");
	html_put(p, "; oldest: ");
	if (w->stuck_lane[0] == '\0')
		html_put(p, "the webhook's lane");
	else if (w->stuck_lane[0] == 'u' && w->stuck_lane[1] == '\0')
		html_put(p, "events without user_id");
	else {
		html_put(p, "user ");
		html_text(p, w->stuck_lane + 2);
	}
	html_put(p, ", head <span class=\"mono\">");
	html_text(p, w->stuck_head);
	html_put(p, "</span> since ");
	html_time(p, w->stuck_since);
	html_putf(p, ", %" PRIu32 " attempts, %" PRIu64 " waiting</small>",
	    w->stuck_attempts, w->stuck_waiting);
}

/* The state cell: enabled, failing since, or disabled and why. */
static void
hooks_state(struct html *p, const struct statusdata_webhook *w)
{
	html_put(p, "<td class=\"wrap st\"><div class=\"cell\">");
	if (!w->enabled) {
		html_put(p, "<span class=\"tag off\">○ Disabled</span>");
		if (w->disabled_reason[0] != '\0') {
			html_put(p, "<br><small>");
			html_text(p, w->disabled_reason);
			html_put(p, "</small>");
		}
	} else if (w->consecutive_failures > 0) {
		html_put(p, "<span class=\"tag bad\">✕ Failing</span>");
		if (w->failing_since > 0) {
			html_put(p, "<br><small>since ");
			html_time(p, w->failing_since);
			html_put(p, "</small>");
		}
	} else
		html_put(p, "<span class=\"tag ok\">✓ Enabled</span>");
	hooks_lanes(p, w);
	html_put(p, "</div></td>");
}

/* The success rate and attempts cells of the last 24 h. */
static void
hooks_rate(struct html *p, const struct statusdata_webhook *w)
{
	uint64_t n = statusdata_webhook_attempts(w);
	double rate;
	const char *rc;

	if (n == 0)
		html_put(p, "<td class=\"n muted\">—</td>");
	else {
		rate = 100.0 * (double)w->delivered_24h / (double)n;
		rc = rate < 90.0 ? " bad" : rate < 99.0 ? " warn" : "";
		html_putf(p, "<td class=\"n rate%s\">%.1f %%</td>", rc,
		    w->delivered_24h == n ? 100.0 :
		    rate > 99.9 ? 99.9 : rate);
	}
	html_put(p, "<td class=\"n\">");
	html_count(p, n);
	if (w->failed_24h > 0) {
		html_put(p, "<br><small>");
		html_count(p, w->failed_24h);
		html_put(p, " failed</small>");
	}
	html_put(p, "</td>");
}

static void
hooks_row(struct html *p, const struct statusdata_webhook *w)
{
	if (!w->enabled)
		html_put(p, "<tr class=\"off\">");
	else if (w->consecutive_failures > 0)
		html_put(p, "<tr class=\"bad\">");
	else
		html_put(p, "<tr>");

	html_put(p, "<td class=\"wrap\"><div class=\"cell\">");
	html_url(p, w->url, w->url_cut);
	if (w->description[0] != '\0')
		html_desc(p, w->description);
	html_put(p, "<small class=\"mono wid\">");
	html_text(p, w->id);
	html_put(p, "</small></div></td>");

	hooks_state(p, w);
	hooks_rate(p, w);
	hooks_latency(p, w->latency, 0.50, "p50");
	hooks_latency(p, w->latency, 0.95, "p95");

	html_put(p, "<td>");
	html_time_full(p, w->last_attempt_at);
	html_put(p, "</td><td>");
	if (w->last_attempt_at == 0)
		html_put(p, "<span class=\"muted\">never tried</span>");
	else
		html_result(p, w->last_status, w->last_error);
	html_put(p, "</td>");
	if (w->consecutive_failures > 0)
		html_putf(p, "<td class=\"n rate bad\">%" PRIu32 "</td>",
		    w->consecutive_failures);
	else
		html_put(p, "<td class=\"n\">0</td>");
	html_put(p, "<td>");
	html_time_full(p, w->next_retry_at);
	html_put(p, "</td></tr>\n");
}

/* The app a listed webhook belongs to (its name, else its id). */
static const char *
hooks_app_name(const struct statusdata *sd, size_t wi)
{
	const struct statusdata_app *a;
	size_t i;

	for (i = 0; i < sd->apps.n; i++) {
		a = STATUSDATA_APP(sd, i);
		if (wi >= a->first && wi < a->first + a->count)
			return a->name[0] ? a->name : a->id;
	}
	return "";
}

/* One row of "Needs attention": webhook, state, failures, result, retry. */
static void
hooks_attention_row(struct html *p, const struct statusdata *sd, size_t i)
{
	const struct statusdata_webhook *w = STATUSDATA_WEBHOOK(sd, i);

	html_put(p, w->enabled ? "<tr class=\"bad\">" : "<tr class=\"off\">");
	html_put(p, "<td class=\"wrap\"><div class=\"cell\">");
	html_url(p, w->url, w->url_cut);
	html_put(p, "<span class=\"desc\">");
	html_text(p, hooks_app_name(sd, i));
	html_put(p, "</span></div></td>");
	hooks_state(p, w);
	html_putf(p, "<td class=\"n%s\">%" PRIu32 "</td><td>",
	    w->consecutive_failures > 0 ? " rate bad" : "",
	    w->consecutive_failures);
	if (w->last_attempt_at == 0)
		html_put(p, "<span class=\"muted\">never tried</span>");
	else {
		html_result(p, w->last_status, w->last_error);
		html_put(p, "<br><small>");
		html_time(p, w->last_attempt_at);
		html_put(p, "</small>");
	}
	html_put(p, "</td><td>");
	html_time_full(p, w->next_retry_at);
	html_put(p, "</td></tr>\n");
}

void
statushooks_attention(struct html *p, const struct statusdata *sd)
{
	const struct statusdata_webhook *w;
	size_t failing, off, i, shown = 0;

	statusdata_trouble(sd, &failing, &off);
	if (failing + off == 0)
		return;
	html_section(p, "attention", "Needs attention",
	    "webhooks failing now or disabled");
	html_table(p, "<th>Webhook</th><th>State</th>"
	    "<th class=\"n\">Fails in a row</th><th>Last result</th>"
	    "<th>Next retry</th>");
	html_put(p, "<tbody>\n");
	for (i = 0; i < sd->webhooks.n &&
	    shown < STATUSHOOKS_ATTENTION_MAX; i++) {
		w = STATUSDATA_WEBHOOK(sd, i);
		if (w->enabled && w->consecutive_failures == 0)
			continue;
		shown++;
		hooks_attention_row(p, sd, i);
	}
	html_put(p, "</tbody>\n</table>\n</div>\n");
	if (failing + off > shown)
		html_putf(p, "<p><small>%zu more below.</small></p>\n",
		    failing + off - shown);
	html_put(p, "</section>\n");
}

/* An app's <tbody>: a heading row, then its webhooks. */
static void
hooks_app(struct html *p, const struct statusdata *sd,
    const struct statusdata_app *a)
{
	size_t j;

	html_put(p, "<tbody><tr class=\"app\"><th colspan=\"10\">");
	html_text(p, a->name[0] ? a->name : a->id);
	html_put(p, "<small>org <code>");
	html_text(p, a->org_id);
	html_put(p, "</code> · <code>");
	html_text(p, a->id);
	html_putf(p, "</code> · %zu webhook%s</small></th></tr>\n", a->count,
	    a->count == 1 ? "" : "s");
	if (a->count == 0)
		html_put(p, "<tr><td colspan=\"10\" class=\"muted\">"
		    "No webhooks.</td></tr>\n");
	for (j = 0; j < a->count; j++)
		hooks_row(p, STATUSDATA_WEBHOOK(sd, a->first + j));
	html_put(p, "</tbody>\n");
}

void
statushooks_list(struct html *p, const struct statusdata *sd)
{
	size_t i;

	html_section(p, "webhooks", "Applications and webhooks", "success "
	    "rate and latency over the attempts of the last 24 h");
	if (sd->apps.n == 0) {
		html_empty(p, "No applications yet.");
		return;
	}
	html_table(p, "<th>Webhook</th><th>State</th>"
	    "<th class=\"n\">Success 24 h</th>"
	    "<th class=\"n\">Attempts 24 h</th>"
	    "<th class=\"n\">p50</th><th class=\"n\">p95</th>"
	    "<th>Last attempt</th><th>Result</th>"
	    "<th class=\"n\">Fails in a row</th><th>Next retry</th>");
	for (i = 0; i < sd->apps.n; i++)
		hooks_app(p, sd, STATUSDATA_APP(sd, i));
	html_put(p, "</table>\n</div>\n");
	if (sd->apps_cut || sd->webhooks_cut)
		html_putf(p, "<p><small>Only the first %d applications and %d "
		    "webhooks are listed; status.json has the same list."
		    "</small></p>\n", STATUSDATA_APPS_MAX,
		    STATUSDATA_WEBHOOKS_MAX);
	html_put(p, "</section>\n");
}
