/*
 * statusjson.h - the status page's figures as JSON (status.json), for
 * monitoring tools.  Shape (version 1; a field is only ever added):
 *
 *   {"version":1, "generated_at":RFC3339, "pass":"...",
 *    "queue":{"pending","due_now","due_now_capped","failed","delivered",
 *             "cancelled","delivered_24h","failed_attempts_24h",
 *             "oldest_pending_created_at","oldest_pending_age_s",
 *             "oldest_pending_exact","pending_walked",
 *             "earliest_next_attempt_at","most_overdue_s"},
 *    "hours":[{"hour":RFC3339,"delivered","failed"} x 24, oldest first],
 *    "latency_24h":{"p50_ms":{"min","max"},"p95_ms":{...}},
 *    "apps":[{"id","org_id","name","webhooks":[{"id","url","url_cut",
 *             "description","enabled","disabled_reason","delivered_24h",
 *             "failed_24h","success_rate_24h","p50_ms","p95_ms",
 *             "last_attempt_at","last_status","last_error",
 *             "consecutive_failures","failing_since","next_retry_at"}]}],
 *    "apps_cut", "webhooks_cut",
 *    "recent_failures":[{"id","delivery_id","webhook_id","at",
 *             "status_code","error","duration_ms","response_excerpt",
 *             "response_cut","response_bytes"}]}
 *
 * Counts of attempts (delivered_24h, failed_*_24h, hours) come from the
 * hourly statistics; latency percentiles are histogram bucket bounds
 * (max null for the open-ended last bucket); absent times are null.
 */
#ifndef HOOKD_STATUSJSON_H
#define HOOKD_STATUSJSON_H

#include "lib/buf.h"
#include "sender/statusdata.h"

/* Append the document to out.  0, or -1 (no memory, or out's cap). */
int statusjson_render(const struct statusdata *sd, struct buf *out);

#endif
