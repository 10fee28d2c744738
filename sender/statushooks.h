/*
 * statushooks.h - the status page's webhook tables: "Needs attention"
 * (webhooks failing now or disabled, first, so an admin sees them at
 * once) and "Applications and webhooks" (every listed webhook under its
 * app: state, 24 h success rate and attempts, p50/p95 latency, last
 * attempt and its result, failures in a row, next retry).
 */
#ifndef HOOKD_SENDER_STATUSHOOKS_H
#define HOOKD_SENDER_STATUSHOOKS_H

#include "sender/html.h"
#include "sender/statusdata.h"

/* The "Needs attention" section (id "attention"), at most
 * STATUSHOOKS_ATTENTION_MAX rows; nothing when no webhook is in trouble. */
#define STATUSHOOKS_ATTENTION_MAX 20
void statushooks_attention(struct html *p, const struct statusdata *sd);

/* The "Applications and webhooks" section (id "webhooks"). */
void statushooks_list(struct html *p, const struct statusdata *sd);

#endif
