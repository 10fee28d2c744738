/*
 * metrics.h - status_dir/metrics.prom, the Prometheus text format for
 * node_exporter's textfile collector, written after each pass of
 * hookd-send (--once, and every status interval of --loop; not by
 * --status-only, so that hookd_last_pass_timestamp_seconds says when a
 * sender last worked).
 *
 * Gauges from one read-only transaction: deliveries by status (the queue
 * counters), webhooks by state, and from a walk of the due index (at most
 * METRICS_WALK_MAX entries and METRICS_WALK_BUDGET_MS, like the status
 * page's) the due count and the oldest pending delivery's age; when the
 * walk is cut, those two are lower bounds and hookd_pending_walk_complete
 * is 0.  Counters and the duration histogram come from the store's
 * lifetime counters (db/counter.h), so they survive restarts.  No label
 * carries a per-webhook or per-application value.  The file is replaced
 * atomically, mode 0644 (like the status page).
 */
#ifndef HOOKD_SENDER_METRICS_H
#define HOOKD_SENDER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "lib/buf.h"
#include "lib/config.h"

#define METRICS_FILE "metrics.prom"
/* The walk's caps: the status page's (sender/statusdata.h), so a pass
 * reads at most twice STATUSDATA_WALK_MAX due entries however large the
 * backlog (100,000 cost ~150 ms on every pass of an idle sender). */
#define METRICS_WALK_MAX 10000
#define METRICS_WALK_BUDGET_MS 250
#define METRICS_MAX_BYTES (64u * 1024)

/* Render the metrics as of now_ms into out (appended).  0, or -1 with err
 * (store unreadable, out full). */
int metrics_render(struct store *s, int64_t now_ms, struct buf *out,
    char *err, size_t errlen);

/* Write cfg->status_dir/metrics.prom as of now_ms.  0, or -1 with err. */
int metrics_write(struct store *s, const struct config *cfg, int64_t now_ms,
    char *err, size_t errlen);

/* metrics_write, logging a failure (a pass does not fail for it). */
void metrics_pass(struct store *s, const struct config *cfg, int64_t now_ms);

#endif
