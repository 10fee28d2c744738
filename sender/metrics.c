/* metrics.c - write status_dir/metrics.prom (see metrics.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/counter.h"
#include "lib/atomicfile.h"
#include "lib/log.h"
#include "lib/timefmt.h"
#include "sender/metrics.h"

/* The figures of one file, read in one transaction. */
struct metrics {
	int64_t now_ms;
	struct store_queue queue;
	uint64_t due;			/* pending, next attempt <= now */
	int64_t oldest_at;		/* earliest created_at seen; 0: none */
	uint64_t walked;
	int walk_cut;
	int64_t walk_start;		/* mono ms */
	uint64_t wh_enabled, wh_disabled;
	struct store_counter cnt;
	char (*apps)[STORE_ID_MAX + 1];	/* app ids, then their webhooks */
	size_t napps, size;
	int nomem;
};

static int
metrics_due(const struct store_delivery *d, void *arg)
{
	struct metrics *m = arg;

	if (d->next_attempt_at <= m->now_ms)
		m->due++;
	if (m->oldest_at == 0 || d->created_at < m->oldest_at)
		m->oldest_at = d->created_at;
	m->walked++;
	/* the clock is looked at every 256 entries: it costs more */
	if (m->walked >= METRICS_WALK_MAX || (m->walked % 256 == 0 &&
	    timefmt_mono_ms() - m->walk_start >= METRICS_WALK_BUDGET_MS)) {
		m->walk_cut = 1;
		return 1;
	}
	return 0;
}

static int
metrics_app(const struct store_app *a, void *arg)
{
	struct metrics *m = arg;
	void *p;

	if (m->napps == m->size) {
		p = realloc(m->apps, (m->size ? m->size * 2 : 64) *
		    sizeof(*m->apps));
		if (p == NULL) {
			m->nomem = 1;
			return 1;
		}
		m->apps = p;
		m->size = m->size ? m->size * 2 : 64;
	}
	memcpy(m->apps[m->napps++], a->id, sizeof(*m->apps));
	return 0;
}

static int
metrics_webhook(const struct store_webhook *w, void *arg)
{
	struct metrics *m = arg;

	if (w->enabled)
		m->wh_enabled++;
	else
		m->wh_disabled++;
	return 0;
}

static int
metrics_txn(struct store_txn *t, void *arg)
{
	struct metrics *m = arg;
	size_t i;
	int rc;

	/* may run again after a deadlock: start over */
	m->due = m->walked = m->wh_enabled = m->wh_disabled = 0;
	m->oldest_at = 0;
	m->walk_cut = m->nomem = 0;
	m->napps = 0;
	if ((rc = store_queue_get(t, &m->queue)) != STORE_OK)
		return rc;
	if ((rc = store_counter_get(t, &m->cnt)) != STORE_OK)
		return rc;
	m->walk_start = timefmt_mono_ms();
	rc = store_delivery_iter_due(t, INT64_MAX, metrics_due, m);
	if (rc < 0)
		return rc;
	/* apps first, then each app's webhooks: no nested cursors */
	if ((rc = store_app_iter(t, NULL, NULL, metrics_app, m)) < 0)
		return rc;
	if (m->nomem)
		return 1;
	for (i = 0; i < m->napps; i++) {
		rc = store_webhook_iter_app(t, m->apps[i], metrics_webhook, m);
		if (rc < 0)
			return rc;
	}
	return STORE_OK;
}

/* ms as seconds: "5" -> "0.005", "2500" -> "2.5", "1000" -> "1". */
static void
metrics_secs(char *out, size_t outlen, uint64_t ms)
{
	char frac[4];
	int n;

	snprintf(frac, sizeof(frac), "%03u", (unsigned)(ms % 1000));
	for (n = 3; n > 0 && frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	snprintf(out, outlen, "%llu%s%s", (unsigned long long)(ms / 1000),
	    frac[0] ? "." : "", frac);
}

/* buf_printf that notes a failure (out of room or memory) in *bad. */
static void __attribute__((format(printf, 3, 4)))
metrics_printf(struct buf *b, int *bad, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (buf_vprintf(b, fmt, ap) == -1)
		*bad = 1;
	va_end(ap);
}

static void
metrics_head(struct buf *b, int *bad, const char *name, const char *type,
    const char *help)
{
	metrics_printf(b, bad, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static int
metrics_text(const struct metrics *m, struct buf *b)
{
	static const char *dlv[] = { "pending", "delivered", "failed",
	    "cancelled" };
	static const char *outcome[STORE_OUTCOMES] = { "delivered", "failed",
	    "error" };
	int64_t q[4] = { m->queue.pending, m->queue.delivered,
	    m->queue.failed, m->queue.cancelled };
	int complete = !m->walk_cut ||
	    (m->queue.pending >= 0 && (uint64_t)m->queue.pending <= m->walked);
	uint64_t cum = 0, total = 0;
	char s[32];
	size_t i;
	int bad = 0;

	metrics_head(b, &bad, "hookd_deliveries", "gauge",
	    "Deliveries in the store, by status.");
	for (i = 0; i < 4; i++)
		metrics_printf(b, &bad, "hookd_deliveries{status=\"%s\"} %lld\n",
		    dlv[i], (long long)(q[i] > 0 ? q[i] : 0));
	metrics_head(b, &bad, "hookd_due_deliveries", "gauge", "Pending deliveries "
	    "whose next attempt is due now (a lower bound when "
	    "hookd_pending_walk_complete is 0).");
	metrics_printf(b, &bad, "hookd_due_deliveries %llu\n",
	    (unsigned long long)m->due);
	metrics_head(b, &bad, "hookd_oldest_pending_seconds", "gauge", "Age of the "
	    "oldest pending delivery, 0 when none (a lower bound when "
	    "hookd_pending_walk_complete is 0).");
	metrics_secs(s, sizeof(s), m->oldest_at > 0 &&
	    m->oldest_at < m->now_ms ? (uint64_t)(m->now_ms - m->oldest_at) :
	    0);
	metrics_printf(b, &bad, "hookd_oldest_pending_seconds %s\n", s);
	metrics_head(b, &bad, "hookd_pending_walk_complete", "gauge", "1 when the "
	    "due count and the oldest pending age saw every pending "
	    "delivery.");
	metrics_printf(b, &bad, "hookd_pending_walk_complete %d\n", complete);
	metrics_head(b, &bad, "hookd_webhooks", "gauge", "Webhooks, by state.");
	metrics_printf(b, &bad, "hookd_webhooks{state=\"enabled\"} %llu\n"
	    "hookd_webhooks{state=\"disabled\"} %llu\n",
	    (unsigned long long)m->wh_enabled,
	    (unsigned long long)m->wh_disabled);
	metrics_head(b, &bad, "hookd_replication_role", "gauge", "1 where "
	    "deliveries are sent (a master, or a site without replication), "
	    "0 on a replication client.");
	metrics_printf(b, &bad, "hookd_replication_role 1\n");
	metrics_head(b, &bad, "hookd_last_pass_timestamp_seconds", "gauge",
	    "When hookd-send last wrote this file after a pass (Unix time).");
	metrics_secs(s, sizeof(s), m->now_ms > 0 ? (uint64_t)m->now_ms : 0);
	metrics_printf(b, &bad, "hookd_last_pass_timestamp_seconds %s\n", s);
	metrics_head(b, &bad, "hookd_attempts_total", "counter", "Delivery attempts "
	    "by outcome: delivered (2xx), failed (another HTTP status), "
	    "error (no HTTP answer).");
	for (i = 0; i < STORE_OUTCOMES; i++)
		metrics_printf(b, &bad, "hookd_attempts_total{outcome=\"%s\"} "
		    "%llu\n", outcome[i],
		    (unsigned long long)m->cnt.attempts[i]);
	metrics_head(b, &bad, "hookd_attempt_duration_seconds", "histogram",
	    "Duration of delivery attempts.");
	for (i = 0; i < STORE_DUR_BUCKETS; i++)
		total += m->cnt.dur[i];
	for (i = 0; i < STORE_DUR_BUCKETS; i++) {
		cum += m->cnt.dur[i];
		if (i < STORE_DUR_BUCKETS - 1)
			metrics_secs(s, sizeof(s), store_dur_bounds_ms[i]);
		else
			snprintf(s, sizeof(s), "+Inf");
		metrics_printf(b, &bad, "hookd_attempt_duration_seconds_bucket"
		    "{le=\"%s\"} %llu\n", s, (unsigned long long)cum);
	}
	metrics_secs(s, sizeof(s), m->cnt.dur_sum_ms);
	metrics_printf(b, &bad, "hookd_attempt_duration_seconds_sum %s\n"
	    "hookd_attempt_duration_seconds_count %llu\n", s,
	    (unsigned long long)total);
	return bad ? -1 : 0;
}

int
metrics_render(struct store *s, int64_t now_ms, struct buf *out, char *err,
    size_t errlen)
{
	struct metrics m;
	int rc;

	memset(&m, 0, sizeof(m));
	m.now_ms = now_ms;
	rc = store_txn(s, STORE_RDONLY, metrics_txn, &m, err, errlen);
	free(m.apps);
	if (rc != STORE_OK) {
		if (rc > 0 || err[0] == '\0')
			snprintf(err, errlen, "metrics: %s", m.nomem ?
			    "out of memory" : "reading the store failed");
		return -1;
	}
	if (metrics_text(&m, out) == -1) {	/* a cut file is worse than none */
		snprintf(err, errlen, "metrics: more than %zu bytes", out->cap);
		return -1;
	}
	return 0;
}

int
metrics_write(struct store *s, const struct config *cfg, int64_t now_ms,
    char *err, size_t errlen)
{
	struct buf b;
	char e[512];
	int rc = -1;

	buf_init(&b, METRICS_MAX_BYTES);
	err[0] = '\0';
	if (metrics_render(s, now_ms, &b, err, errlen) == -1)
		goto out;
	if (atomicfile_replace(cfg->status_dir, METRICS_FILE, b.data, b.len,
	    0644, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "metrics: %s", e);
		goto out;
	}
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

void
metrics_pass(struct store *s, const struct config *cfg, int64_t now_ms)
{
	char err[1024];

	if (metrics_write(s, cfg, now_ms, err, sizeof(err)) == -1)
		log_err("%s", err);
}
