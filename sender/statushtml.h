/*
 * statushtml.h - render the status page's figures as one self-contained
 * HTML document: inline CSS, an inline SVG chart, no scripts, no external
 * assets.  Every string from the store is HTML-escaped (& < > " ').
 */
#ifndef HOOKD_STATUSHTML_H
#define HOOKD_STATUSHTML_H

#include "lib/buf.h"
#include "sender/statusdata.h"

/* Seconds between the page's own reloads (meta refresh, not a script). */
#define STATUSHTML_REFRESH_S 60

/* Append the page to out.  0, or -1 when out's cap is reached. */
int statushtml_render(const struct statusdata *sd, struct buf *out);

#endif
