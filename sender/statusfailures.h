/*
 * statusfailures.h - the status page's "Recent failures" section: the
 * STATUSDATA_FAILURES most recent failed attempts, newest first, each with
 * its result, webhook, duration and the start of the response.
 */
#ifndef HOOKD_SENDER_STATUSFAILURES_H
#define HOOKD_SENDER_STATUSFAILURES_H

#include "sender/html.h"
#include "sender/statusdata.h"

/* Write the whole section (id "failures"). */
void statusfailures_put(struct html *p, const struct statusdata *sd);

#endif
