/*
 * statushtml.h - render the status page's figures as one self-contained
 * HTML document: inline CSS, an inline SVG chart, no scripts, no external
 * assets.  Every string from the store is HTML-escaped (& < > " ').
 *
 * The skeleton is www/status.html and the style www/status.css, both
 * compiled in (sender/statuswww.h).  The skeleton's placeholders, each
 * written {{name}}, are filled here:
 *   css        www/status.css
 *   refresh    STATUSHTML_REFRESH_S
 *   written    the page's time, RFC 3339
 *   pass       who wrote it (statusdata.pass), escaped
 *   overall    the headline tag: healthy, some failed, or N failing
 *   nav        in-page links to the sections
 *   queue      the queue cards
 *   attention  "Needs attention" (sender/statushooks.h), may be empty
 *   hours      "Attempts per hour" (sender/statuschart.h)
 *   webhooks   "Applications and webhooks" (sender/statushooks.h)
 *   failures   "Recent failures" (sender/statusfailures.h)
 */
#ifndef HOOKD_STATUSHTML_H
#define HOOKD_STATUSHTML_H

#include "lib/buf.h"
#include "sender/statusdata.h"

/* Seconds between the page's own reloads (meta refresh, not a script). */
#define STATUSHTML_REFRESH_S 60

/*
 * Append the page to out.  0, or -1 when out's cap is reached (or the
 * skeleton names a placeholder not listed above: a build error that
 * every render shows, see tests/unit/test_statuspage.c).
 */
int statushtml_render(const struct statusdata *sd, struct buf *out);

#endif
