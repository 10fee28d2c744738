/*
 * statuschart.h - the status page's "Attempts per hour" section: an inline
 * SVG bar chart of the last 24 hours (delivered stacked under failed
 * attempts, the last bar the current hour so far) and a table of the same
 * numbers for screen readers and copying.
 */
#ifndef HOOKD_SENDER_STATUSCHART_H
#define HOOKD_SENDER_STATUSCHART_H

#include "sender/html.h"
#include "sender/statusdata.h"

/* Write the whole section (id "hours"). */
void statuschart_put(struct html *p, const struct statusdata *sd);

#endif
