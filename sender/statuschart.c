/*
 * statuschart.c - the status page's "Attempts per hour" section: the SVG
 * chart of the global hourly statistics and its table (see statuschart.h).
 *
 * The SVG carries its own colours (fill, stroke) for a standalone view;
 * the page's CSS overrides them through the classes tx, gl, ax and bd.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/timefmt.h"
#include "sender/html.h"
#include "sender/statuschart.h"
#include "sender/statusdata.h"

#define HOUR_MS 3600000LL

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
		html_fmt_count(v, out, outlen);
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

/* The chart's frame: its scale from the busiest hour. */
struct chart {
	double pw, ph;			/* plot width and height */
	double slot, bw;		/* one hour's width, a bar's width */
	uint64_t max, step, top;	/* busiest hour, tick step, axis top */
	int ticks;
};

static void
chart_scale(struct chart *c, const struct statusdata *sd)
{
	uint64_t v;
	size_t i;

	c->pw = CH_W - CH_L - CH_R;
	c->ph = CH_H - CH_T - CH_B;
	c->slot = c->pw / STATUSDATA_HOURS;
	c->bw = c->slot * 0.68;
	c->max = 0;
	for (i = 0; i < STATUSDATA_HOURS; i++) {
		v = (uint64_t)sd->hours[i].delivered + sd->hours[i].failed;
		if (v > c->max)
			c->max = v;
	}
	/* a round step, then just enough steps (1..4) to cover max */
	c->step = chart_step(c->max, 4);
	c->ticks = c->max == 0 ? 4 : (int)((c->max + c->step - 1) / c->step);
	c->top = c->step * (uint64_t)c->ticks;
}

/* The SVG's start: its pattern, the grid and the y axis. */
static void
chart_axes(struct html *p, const struct chart *c)
{
	char lab[40];
	double y;
	size_t i;

	html_putf(p, "<svg viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"Delivered and failed attempts per hour over the "
	    "last 24 hours\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "font-family=\"system-ui,sans-serif\" font-size=\"14\">\n",
	    CH_W, CH_H);
	html_put(p, "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
	    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	    "<rect width=\"6\" height=\"6\" fill=\"#d0362c\"/>"
	    "<rect width=\"2\" height=\"6\" fill=\"#f08a82\"/></pattern>"
	    "</defs>\n");
	for (i = 0; i <= (size_t)c->ticks; i++) {
		y = CH_T + c->ph - c->ph * (double)i / (double)c->ticks;
		fmt_short(c->step * i, lab, sizeof(lab));
		html_putf(p, "<line class=\"%s\" x1=\"%d\" x2=\"%d\" "
		    "y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>"
		    "<text class=\"tx\" x=\"%d\" y=\"%.1f\" "
		    "text-anchor=\"end\" fill=\"#5d6678\">%s</text>\n",
		    i == 0 ? "ax" : "gl", CH_L, CH_W - CH_R, y, y,
		    i == 0 ? "#9aa1ad" : "#e6e9ee", CH_L - 8, y + 4.5, lab);
	}
	html_putf(p, "<text class=\"tx\" x=\"14\" y=\"%.1f\" "
	    "fill=\"#5d6678\" font-size=\"12\" "
	    "transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">"
	    "attempts</text>\n", CH_T + c->ph / 2, CH_T + c->ph / 2);
}

/* Hour i's bars (delivered under failed) with a title, and every third
 * hour's tick on the x axis. */
static void
chart_bar(struct html *p, const struct chart *c,
    const struct statusdata_hour *h, size_t i)
{
	char lab[40], lab2[40], iso[TIMEFMT_LEN], a[40], f[40];
	double x, hd, hf;

	x = CH_L + c->slot * (double)i + (c->slot - c->bw) / 2;
	hd = c->ph * (double)h->delivered / (double)c->top;
	hf = c->ph * (double)h->failed / (double)c->top;
	hour_label(h->hour, lab, sizeof(lab));
	hour_label(h->hour + HOUR_MS, lab2, sizeof(lab2));
	timefmt_format(h->hour, iso, sizeof(iso));
	html_fmt_count(h->delivered, a, sizeof(a));
	html_fmt_count(h->failed, f, sizeof(f));
	html_putf(p, "<g><title>%.10s %s–%s UTC: %s delivered, %s failed"
	    "</title>", iso, lab, lab2, a, f);
	/* an invisible full-height target so the title shows */
	html_putf(p, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
	    "height=\"%.1f\" fill=\"transparent\"/>", x, CH_T, c->bw, c->ph);
	if (h->delivered > 0)
		html_putf(p, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" class=\"bd\" fill=\"#2f7d57\"/>", x,
		    CH_T + c->ph - hd, c->bw, hd < 0.5 ? 0.5 : hd);
	if (h->failed > 0)
		html_putf(p, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"url(#hatch)\" "
		    "stroke=\"#a3231b\" stroke-width=\"1\"/>", x,
		    CH_T + c->ph - hd - (hf < 1.5 ? 1.5 : hf), c->bw,
		    hf < 1.5 ? 1.5 : hf);
	html_put(p, "</g>\n");
	if (i % 3 == 0 || i == STATUSDATA_HOURS - 1) {
		html_putf(p, "<line class=\"ax\" x1=\"%.1f\" x2=\"%.1f\" "
		    "y1=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa1ad\"/>",
		    x + c->bw / 2, x + c->bw / 2, CH_T + c->ph,
		    CH_T + c->ph + 5);
		html_putf(p, "<text class=\"tx\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\" fill=\"#5d6678\">%s</text>\n",
		    x + c->bw / 2, CH_T + c->ph + 20,
		    i == STATUSDATA_HOURS - 1 ? "now" : lab);
	}
}

/* The same numbers as a table, for screen readers and copying. */
static void
chart_table(struct html *p, const struct statusdata *sd)
{
	char iso[TIMEFMT_LEN];
	size_t i;

	html_put(p, "<details><summary>Show as a table</summary>\n"
	    "<div class=\"scroll\"><table><thead><tr><th>Hour (UTC)</th>"
	    "<th class=\"n\">Delivered</th><th class=\"n\">Failed</th></tr>"
	    "</thead><tbody>\n");
	for (i = 0; i < STATUSDATA_HOURS; i++) {
		timefmt_format(sd->hours[i].hour, iso, sizeof(iso));
		html_putf(p, "<tr><td>%.10s %.5s</td><td class=\"n\">", iso,
		    iso + 11);
		html_count(p, sd->hours[i].delivered);
		html_put(p, "</td><td class=\"n\">");
		html_count(p, sd->hours[i].failed);
		html_put(p, "</td></tr>\n");
	}
	html_put(p, "</tbody></table></div></details>\n");
}

void
statuschart_put(struct html *p, const struct statusdata *sd)
{
	struct chart c;
	size_t i;

	chart_scale(&c, sd);
	html_section(p, "hours", "Attempts per hour", "last 24 h, UTC; the "
	    "last bar is the current hour so far");
	html_put(p, "<div class=\"panel\">\n<div class=\"legend\" "
	    "style=\"padding-top:10px;padding-left:14px\"><span><span "
	    "class=\"sw\" style=\"background:var(--good)\"></span>"
	    "Delivered (2xx)</span><span><span class=\"sw\" style=\"background:"
	    "repeating-linear-gradient(45deg,var(--fail) 0 3px,#f08a82 3px 5px)"
	    "\"></span>Failed attempt (retried or given up)</span></div>\n"
	    "<div class=\"scroll chart\">\n");
	chart_axes(p, &c);
	for (i = 0; i < STATUSDATA_HOURS; i++)
		chart_bar(p, &c, &sd->hours[i], i);
	if (c.max == 0)
		html_putf(p, "<text class=\"tx\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\" fill=\"#5d6678\" font-size=\"15\">"
		    "No attempts in the last 24 hours</text>\n",
		    CH_L + c.pw / 2, CH_T + c.ph / 2);
	html_putf(p, "<text class=\"tx\" x=\"%.1f\" y=\"%d\" "
	    "text-anchor=\"middle\" fill=\"#5d6678\" font-size=\"12\">"
	    "hour starting (UTC)</text>\n", CH_L + c.pw / 2, CH_H - 4);
	html_put(p, "</svg>\n</div>\n");
	chart_table(p, sd);
	html_put(p, "</div>\n</section>\n");
}
