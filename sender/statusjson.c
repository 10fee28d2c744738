/*
 * statusjson.c - status.json with json-c (see statusjson.h for the shape).
 *
 * Objects are built and then serialised once; json-c does the escaping.
 * The strings are already valid UTF-8 without controls (statusdata.h), so
 * the output is valid JSON.  Allocation failures inside json-c's builders
 * are not reported by json_object_object_add(); only the root and the
 * final serialisation are checked.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/timefmt.h"
#include "sender/statusdata.h"
#include "sender/statusjson.h"
#include "sender/statusrepl.h"

static void
add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void
add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void
add_bool(json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_boolean(v != 0));
}

/* RFC 3339, or null for 0 (never / none). */
static void
add_time(json_object *o, const char *k, int64_t ms)
{
	char iso[TIMEFMT_LEN];

	if (ms == 0) {
		json_object_object_add(o, k, NULL);
		return;
	}
	timefmt_format(ms, iso, sizeof(iso));
	add_str(o, k, iso);
}

/* {"min": lo, "max": hi|null}, or null when there is no sample. */
static void
add_pct(json_object *o, const char *k, const uint64_t lat[STORE_LAT_BUCKETS],
    double p)
{
	json_object *r;
	int64_t lo, hi;
	int b;

	b = statusdata_percentile(lat, p);
	if (b < 0) {
		json_object_object_add(o, k, NULL);
		return;
	}
	statusdata_bucket_bounds(b, &lo, &hi);
	r = json_object_new_object();
	add_int(r, "min", lo);
	if (hi < 0)
		json_object_object_add(r, "max", NULL);
	else
		add_int(r, "max", hi);
	json_object_object_add(o, k, r);
}

static json_object *
queue_json(const struct statusdata *sd)
{
	json_object *q = json_object_new_object();

	add_int(q, "pending", sd->queue.pending);
	add_int(q, "due_now", (int64_t)sd->due_now);
	add_bool(q, "due_now_capped", sd->due_now_capped);
	add_int(q, "failed", sd->queue.failed);
	add_int(q, "delivered", sd->queue.delivered);
	add_int(q, "cancelled", sd->queue.cancelled);
	add_int(q, "delivered_24h", (int64_t)sd->delivered_24h);
	add_int(q, "failed_attempts_24h", (int64_t)sd->failed_24h);
	add_time(q, "oldest_pending_created_at", sd->oldest_created_at);
	if (sd->oldest_created_at == 0)
		json_object_object_add(q, "oldest_pending_age_s", NULL);
	else
		add_int(q, "oldest_pending_age_s",
		    sd->now_ms > sd->oldest_created_at ?
		    (sd->now_ms - sd->oldest_created_at) / 1000 : 0);
	add_bool(q, "oldest_pending_exact", sd->walk_complete);
	add_int(q, "pending_walked", (int64_t)sd->walked);
	add_time(q, "earliest_next_attempt_at", sd->earliest_due_at);
	add_int(q, "most_overdue_s", sd->earliest_due_at > 0 &&
	    sd->earliest_due_at < sd->now_ms ?
	    (sd->now_ms - sd->earliest_due_at) / 1000 : 0);
	return q;
}

static json_object *
webhook_json(const struct statusdata_webhook *w)
{
	json_object *o = json_object_new_object();
	uint64_t n = statusdata_webhook_attempts(w);

	add_str(o, "id", w->id);
	add_str(o, "url", w->url);
	add_bool(o, "url_cut", w->url_cut);
	add_str(o, "description", w->description);
	add_bool(o, "enabled", w->enabled);
	add_str(o, "disabled_reason", w->disabled_reason);
	add_int(o, "delivered_24h", (int64_t)w->delivered_24h);
	add_int(o, "failed_24h", (int64_t)w->failed_24h);
	if (n == 0)
		json_object_object_add(o, "success_rate_24h", NULL);
	else
		json_object_object_add(o, "success_rate_24h",
		    json_object_new_double((double)w->delivered_24h /
		    (double)n));
	add_pct(o, "p50_ms", w->latency, 0.50);
	add_pct(o, "p95_ms", w->latency, 0.95);
	add_time(o, "last_attempt_at", w->last_attempt_at);
	add_int(o, "last_status", w->last_status);
	add_str(o, "last_error", w->last_error);
	add_int(o, "consecutive_failures", w->consecutive_failures);
	add_time(o, "failing_since", w->failing_since);
	add_time(o, "next_retry_at", w->next_retry_at);
	if (w->fifo) {		/* stuck FIFO lanes (statusdata.h) */
		json_object *l = json_object_new_object();

		add_int(l, "stuck", (int64_t)w->lanes_stuck);
		add_bool(l, "cut", w->lanes_cut);
		if (w->stuck_since != 0) {
			add_str(l, "oldest_lane", w->stuck_lane);
			add_str(l, "oldest_head", w->stuck_head);
			add_time(l, "oldest_since", w->stuck_since);
			add_int(l, "oldest_attempts", w->stuck_attempts);
			add_int(l, "oldest_waiting",
			    (int64_t)w->stuck_waiting);
		}
		json_object_object_add(o, "fifo_lanes", l);
	}
	return o;
}

static json_object *
failure_json(const struct statusdata_failure *f)
{
	json_object *o = json_object_new_object();

	add_str(o, "id", f->attempt_id);
	add_str(o, "delivery_id", f->delivery_id);
	add_str(o, "webhook_id", f->webhook_id);
	add_time(o, "at", f->at);
	add_int(o, "status_code", f->status_code);
	add_str(o, "error", f->error);
	add_int(o, "duration_ms", f->duration_ms);
	add_str(o, "response_excerpt", f->excerpt);
	add_bool(o, "response_cut", f->excerpt_cut);
	add_int(o, "response_bytes", (int64_t)f->response_len);
	return o;
}

int
statusjson_render(const struct statusdata *sd, struct buf *out)
{
	json_object *root, *arr, *o, *whs, *lat;
	const struct statusdata_app *a;
	char iso[TIMEFMT_LEN];
	const char *text;
	size_t i, j, len;
	int rc = -1;

	root = json_object_new_object();
	if (root == NULL)
		return -1;
	add_int(root, "version", 1);
	timefmt_format(sd->now_ms, iso, sizeof(iso));
	add_str(root, "generated_at", iso);
	add_str(root, "pass", sd->pass);
	json_object_object_add(root, "queue", queue_json(sd));

	arr = json_object_new_array();
	for (i = 0; i < STATUSDATA_HOURS; i++) {
		o = json_object_new_object();
		add_time(o, "hour", sd->hours[i].hour);
		add_int(o, "delivered", sd->hours[i].delivered);
		add_int(o, "failed", sd->hours[i].failed);
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "hours", arr);
	lat = json_object_new_object();
	add_pct(lat, "p50_ms", sd->latency_24h, 0.50);
	add_pct(lat, "p95_ms", sd->latency_24h, 0.95);
	json_object_object_add(root, "latency_24h", lat);

	arr = json_object_new_array();
	for (i = 0; i < sd->apps.n; i++) {
		a = STATUSDATA_APP(sd, i);
		o = json_object_new_object();
		add_str(o, "id", a->id);
		add_str(o, "org_id", a->org_id);
		add_str(o, "name", a->name);
		whs = json_object_new_array();
		for (j = 0; j < a->count; j++)
			json_object_array_add(whs,
			    webhook_json(STATUSDATA_WEBHOOK(sd, a->first + j)));
		json_object_object_add(o, "webhooks", whs);
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "apps", arr);
	add_bool(root, "apps_cut", sd->apps_cut);
	add_bool(root, "webhooks_cut", sd->webhooks_cut);

	arr = json_object_new_array();
	for (i = 0; i < sd->failure_count; i++)
		json_object_array_add(arr, failure_json(&sd->failures[i]));
	json_object_object_add(root, "recent_failures", arr);
	if (sd->repl_on)	/* replicated sites only */
		json_object_object_add(root, "replication",
		    statusrepl_json(sd));

	text = json_object_to_json_string_length(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text == NULL)
		goto out;
	if (buf_add(out, text, len) == -1 || buf_add(out, "\n", 1) == -1)
		goto out;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}
