/*
 * test_statuspage.c - sender/statuspage: the admins' status page written
 * from a real store in a temp dir.  A scripted scenario (apps, webhooks,
 * deliveries, attempts, hourly stats, health) carries XSS payloads in
 * every user-supplied string and secrets in every secret field; the tests
 * check the escaping, that no secret leaks, that the figures on the page
 * and in status.json are the stored ones, and that the files are replaced
 * atomically.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/store.h"
#include "lib/config.h"
#include "lib/embed.h"
#include "lib/id.h"
#include "lib/str.h"
#include "sender/statusdata.h"
#include "sender/statuspage.h"
#include "sender/statustext.h"

#define HOUR 3600000LL
#define HOUR0 (498611LL * HOUR)		/* an hour start in 2026 */
#define NOW (HOUR0 + 30 * 60000LL)	/* half past */

#define XSS1 "<script>alert(1)</script>"
#define XSS2 "\"'><img src=x onerror=alert(1)>"
#define XSS1_ESC "&lt;script&gt;alert(1)&lt;/script&gt;"
#define XSS2_ESC "&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;"

struct fx {
	char dir[64];
	char home[128];
	char www[128];
	struct store *s;
	char w1[ID_MAX], w2[ID_MAX], app_a[ID_MAX], app_b[ID_MAX];
	char att_503[ID_MAX], att_timeout[ID_MAX];
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t len = 0, n;
	char chunk[8192];

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		p = realloc(p, len + n + 1);
		ck_assert_ptr_nonnull(p);
		memcpy(p + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (p == NULL)
		p = calloc(1, 1);
	p[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return p;
}

static void
set(char *dst, size_t cap, const char *src)
{
	ck_assert_int_ne(str_copy(dst, cap, src), -1);
}
#define SET(dst, src) set((dst), sizeof(dst), (src))

static int
put_delivery(struct store_txn *t, const char *wh, const char *app, int status,
    int64_t created, int64_t next)
{
	struct store_delivery d;

	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(id_new_at("dlv", created, d.id, sizeof(d.id)), 0);
	ck_assert_int_eq(id_new_at("evt", created, d.event_id,
	    sizeof(d.event_id)), 0);
	SET(d.webhook_id, wh);
	SET(d.app_id, app);
	SET(d.event_type, "user.signin");
	d.status = status;
	d.attempts = status == STORE_DLV_PENDING ? 0 : 1;
	d.next_attempt_at = next;
	d.created_at = created;
	d.updated_at = created;
	return store_delivery_put(t, &d, 1);
}

static int
put_attempt(struct store_txn *t, char *id_out, const char *wh, int64_t at,
    int status, const char *error, uint32_t ms, const char *resp)
{
	struct store_attempt a;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(id_new_at("att", at, a.id, sizeof(a.id)), 0);
	ck_assert_int_eq(id_new_at("dlv", at, a.delivery_id,
	    sizeof(a.delivery_id)), 0);
	SET(a.webhook_id, wh);
	a.at = at;
	a.status_code = status;
	SET(a.error, error);
	a.duration_ms = ms;
	a.response_len = strlen(resp);
	memcpy(a.response, resp, a.response_len);
	if (id_out != NULL)
		set(id_out, ID_MAX, a.id);	/* the fixture's att_* fields */
	return store_attempt_put(t, &a);
}

/* The scripted scenario; the expected figures are in the tests below. */
static int
fill(struct store_txn *t, void *arg)
{
	struct fx *fx = arg;
	struct store_app a;
	struct store_webhook w;
	struct store_health h;
	int rc, i;

	memset(&a, 0, sizeof(a));
	SET(a.id, fx->app_a);
	SET(a.org_id, "org" XSS1);
	SET(a.name, XSS2);
	memset(a.key_hash, 0xab, sizeof(a.key_hash));
	a.created_at = NOW - 10 * HOUR;
	if ((rc = store_app_put(t, &a, 1)) != STORE_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	SET(a.id, fx->app_b);
	SET(a.org_id, "org-b");
	SET(a.name, "Beta app");
	memset(a.key_hash, 0xcd, sizeof(a.key_hash));
	a.created_at = NOW - 9 * HOUR;
	if ((rc = store_app_put(t, &a, 1)) != STORE_OK)
		return rc;

	memset(&w, 0, sizeof(w));
	SET(w.id, fx->w1);
	SET(w.app_id, fx->app_a);
	SET(w.url, "https://hooks.example.com/in/" XSS1
	    "?token=QUERYSECRET42#frag");
	SET(w.events, "*");
	SET(w.description, XSS2 " and " XSS1);
	SET(w.secret, "whsec_TOPSECRETVALUE1");
	SET(w.prev_secret, "whsec_OLDSECRETVALUE2");
	w.prev_secret_until = NOW + HOUR;
	w.enabled = 1;
	w.created_at = w.updated_at = NOW - 8 * HOUR;
	if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
		return rc;
	memset(&w, 0, sizeof(w));
	SET(w.id, fx->w2);
	SET(w.app_id, fx->app_a);
	SET(w.url, "https://gone.example.com/hook");
	SET(w.events, "user.*");
	SET(w.secret, "whsec_TOPSECRETVALUE3");
	w.enabled = 0;
	SET(w.disabled_reason, "410 from " XSS1);
	w.created_at = w.updated_at = NOW - 7 * HOUR;
	if ((rc = store_webhook_put(t, &w, 1)) != STORE_OK)
		return rc;

	/* 5 pending: 3 due now, 2 later (the oldest pending is a later one) */
	if ((rc = put_delivery(t, fx->w1, fx->app_a, STORE_DLV_PENDING,
	    NOW - 2 * HOUR, NOW - 60000)) != STORE_OK ||
	    (rc = put_delivery(t, fx->w1, fx->app_a, STORE_DLV_PENDING,
	    NOW - 600000, NOW - 1000)) != STORE_OK ||
	    (rc = put_delivery(t, fx->w1, fx->app_a, STORE_DLV_PENDING,
	    NOW - 1000, NOW)) != STORE_OK ||
	    (rc = put_delivery(t, fx->w1, fx->app_a, STORE_DLV_PENDING,
	    NOW - 3 * HOUR, NOW + HOUR)) != STORE_OK ||
	    (rc = put_delivery(t, fx->w1, fx->app_a, STORE_DLV_PENDING,
	    NOW - 5000, NOW + 60000)) != STORE_OK)
		return rc;
	for (i = 0; i < 4; i++)
		if ((rc = put_delivery(t, fx->w1, fx->app_a,
		    STORE_DLV_DELIVERED, NOW - HOUR + i, 0)) != STORE_OK)
			return rc;
	if ((rc = put_delivery(t, fx->w1, fx->app_a, STORE_DLV_FAILED,
	    NOW - HOUR + 10, 0)) != STORE_OK ||
	    (rc = put_delivery(t, fx->w2, fx->app_a, STORE_DLV_CANCELLED,
	    NOW - HOUR + 11, 0)) != STORE_OK)
		return rc;

	/* two failed attempts and one success (not a failure) */
	if ((rc = put_attempt(t, fx->att_503, fx->w1, NOW - 120000, 503, "",
	    3000, "<html>" XSS1 XSS2 "</html>")) != STORE_OK ||
	    (rc = put_attempt(t, fx->att_timeout, fx->w1, NOW - 60000, 0,
	    "timeout", 15000, "")) != STORE_OK ||
	    (rc = put_attempt(t, NULL, fx->w1, NOW - 30000, 200, "", 90,
	    "ok")) != STORE_OK)
		return rc;

	/* stats: hour -1: 3 ok (100 ms) + 1 failed (3000 ms); this hour: 2 ok;
	 * 30 h ago: 7 ok, outside the window */
	for (i = 0; i < 3; i++)
		if ((rc = store_stat_add(t, fx->w1, HOUR0 - HOUR + 10, 1,
		    100)) != STORE_OK)
			return rc;
	if ((rc = store_stat_add(t, fx->w1, HOUR0 - HOUR + 20, 0, 3000)) !=
	    STORE_OK)
		return rc;
	for (i = 0; i < 2; i++)
		if ((rc = store_stat_add(t, fx->w1, NOW - 1, 1, 100)) !=
		    STORE_OK)
			return rc;
	for (i = 0; i < 7; i++)
		if ((rc = store_stat_add(t, fx->w1, HOUR0 - 30 * HOUR, 1,
		    100)) != STORE_OK)
			return rc;

	memset(&h, 0, sizeof(h));
	SET(h.webhook_id, fx->w1);
	h.last_attempt_at = NOW - 60000;
	h.last_status = 0;
	SET(h.last_error, "timeout");
	h.consecutive_failures = 7;
	h.failing_since = NOW - HOUR;
	h.next_retry_at = NOW + 300000;
	return store_health_put(t, &h);
}

static void
fx_open(struct fx *fx)
{
	struct store_opts o;
	char err[256] = "";
	int n;

	memset(fx, 0, sizeof(*fx));
	SET(fx->dir, "/tmp/hookd-test-statuspage-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fx->dir));
	n = snprintf(fx->home, sizeof(fx->home), "%s/db", fx->dir);
	ck_assert(n > 0 && (size_t)n < sizeof(fx->home));
	n = snprintf(fx->www, sizeof(fx->www), "%s/www", fx->dir);
	ck_assert(n > 0 && (size_t)n < sizeof(fx->www));
	memset(&o, 0, sizeof(o));
	o.home = fx->home;
	o.nosync = 1;
	ck_assert_msg(store_open(&fx->s, &o, err, sizeof(err)) == STORE_OK,
	    "store_open: %s", err);
	ck_assert_int_eq(id_new_at("app", NOW - 10 * HOUR, fx->app_a,
	    sizeof(fx->app_a)), 0);
	ck_assert_int_eq(id_new_at("app", NOW - 9 * HOUR, fx->app_b,
	    sizeof(fx->app_b)), 0);
	ck_assert_int_eq(id_new_at("wh", NOW - 8 * HOUR, fx->w1,
	    sizeof(fx->w1)), 0);
	ck_assert_int_eq(id_new_at("wh", NOW - 7 * HOUR, fx->w2,
	    sizeof(fx->w2)), 0);
}

static void
fx_fill(struct fx *fx)
{
	char err[256] = "";

	ck_assert_msg(store_txn(fx->s, 0, fill, fx, err, sizeof(err)) ==
	    STORE_OK, "fill: %s", err);
}

static void
fx_close(struct fx *fx)
{
	store_close(fx->s);
	rm_rf(fx->dir);
}

static void
fx_write(struct fx *fx, const char *pass)
{
	struct config cfg;
	char err[256] = "";

	memset(&cfg, 0, sizeof(cfg));
	SET(cfg.status_dir, fx->www);
	ck_assert_msg(statuspage_write(fx->s, &cfg, pass, NOW, err,
	    sizeof(err)) == 0, "statuspage_write: %s", err);
}

static char *
fx_read(struct fx *fx, const char *name)
{
	char path[256];
	char *p;

	snprintf(path, sizeof(path), "%s/%s", fx->www, name);
	p = slurp(path, NULL);
	ck_assert_msg(p != NULL, "cannot read %s", path);
	return p;
}

/* The scripted scenario's status.html (the caller frees it, fx_close). */
static char *
fx_page(struct fx *fx)
{
	fx_open(fx);
	fx_fill(fx);
	fx_write(fx, "pass");
	return fx_read(fx, "status.html");
}

/* The names in dir, sorted, joined with ' '. */
static void
list_dir(const char *dir, char *out, size_t outlen)
{
	struct dirent **ents;
	int n, i;
	size_t o = 0;

	out[0] = '\0';
	n = scandir(dir, &ents, NULL, alphasort);
	ck_assert_int_ge(n, 0);
	for (i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") != 0 &&
		    strcmp(ents[i]->d_name, "..") != 0)
			o += (size_t)snprintf(out + o, outlen - o, "%s%s",
			    o ? " " : "", ents[i]->d_name);
		free(ents[i]);
		ck_assert_uint_lt(o, outlen);
	}
	free(ents);
}

/* Drop the <wbr> line-break hints the page puts into URLs, in place. */
static void
strip_wbr(char *html)
{
	char *r = html, *w = html;

	while (*r != '\0') {
		if (strncmp(r, "<wbr>", 5) == 0) {
			r += 5;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

static int
contains_ci(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

/* ---- escaping and secrets -------------------------------------------- */

START_TEST(test_statuspage_user_strings_are_html_escaped)
{
	struct fx fx;
	char *html;
	const char *q;

	fx_open(&fx);
	fx_fill(&fx);
	fx_write(&fx, "test <b>pass</b> 1");
	html = fx_read(&fx, "status.html");
	ck_assert_msg(strstr(html, "/<wbr>in/<wbr>") != NULL,
	    "no line-break hints in the URL");
	strip_wbr(html);

	/* no markup from the store survives */
	ck_assert_msg(!contains_ci(html, "<script"), "a <script> on the page");
	ck_assert_msg(!contains_ci(html, "<img"), "an <img> on the page");
	ck_assert_msg(strstr(html, XSS2) == NULL, "raw XSS2 on the page");
	ck_assert_msg(strstr(html, "<b>pass") == NULL, "raw pass on the page");
	/* ... and each shows up escaped where it belongs */
	ck_assert_msg(strstr(html, "https://hooks.example.com/in/" XSS1_ESC),
	    "escaped URL path missing");
	ck_assert_msg(strstr(html, XSS2_ESC " and " XSS1_ESC),
	    "escaped description missing");
	ck_assert_msg(strstr(html, "org" XSS1_ESC), "escaped org id missing");
	ck_assert_msg(strstr(html, "410 from " XSS1_ESC),
	    "escaped disabled reason missing");
	ck_assert_msg(strstr(html, "&lt;html&gt;" XSS1_ESC XSS2_ESC),
	    "escaped response excerpt missing");
	ck_assert_msg(strstr(html, "test &lt;b&gt;pass&lt;/b&gt; 1"),
	    "escaped pass missing");
	/* self-contained: no scripts, no external assets */
	ck_assert(!contains_ci(html, "src=\""));
	ck_assert(!contains_ci(html, "<link"));
	for (q = html; (q = strcasestr(q, "href=")) != NULL; q += 5)
		ck_assert_msg(strncmp(q, "href=\"#", 7) == 0,
		    "a link that leaves the page: %.40s", q);
	ck_assert(!contains_ci(html, "url(http"));
	free(html);
	fx_close(&fx);
}
END_TEST

START_TEST(test_statuspage_never_shows_secrets_keys_or_query_strings)
{
	static const char *leaks[] = {
		"TOPSECRETVALUE1", "OLDSECRETVALUE2", "TOPSECRETVALUE3",
		"whsec_", "QUERYSECRET42", "token=", "#frag",
		"abababababababab", "ABABABABABABABAB", "cdcdcdcdcdcdcdcd",
		"q6urq6urq6urq6ur",	/* base64 of 0xab bytes */
	};
	struct fx fx;
	char *html, *json;
	size_t i;

	html = fx_page(&fx);
	json = fx_read(&fx, "status.json");
	for (i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++) {
		ck_assert_msg(strstr(html, leaks[i]) == NULL,
		    "status.html shows %s", leaks[i]);
		ck_assert_msg(strstr(json, leaks[i]) == NULL,
		    "status.json shows %s", leaks[i]);
	}
	/* the query string is marked as hidden, not silently dropped */
	ck_assert(strstr(html, "?…") != NULL);
	free(html);
	free(json);
	fx_close(&fx);
}
END_TEST

/* ---- figures ---------------------------------------------------------- */

static json_object *
jget(json_object *o, const char *path)
{
	char key[64];
	const char *dot;
	json_object *v = o;
	size_t n;

	while (*path != '\0') {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		ck_assert_uint_lt(n, sizeof(key));
		memcpy(key, path, n);
		key[n] = '\0';
		ck_assert_msg(json_object_object_get_ex(v, key, &v),
		    "status.json has no %s", key);
		path += n + (dot != NULL);
	}
	return v;
}

static int64_t
jint(json_object *o, const char *path)
{
	return json_object_get_int64(jget(o, path));
}

START_TEST(test_statuspage_json_figures_match_the_store)
{
	struct fx fx;
	char *json;
	json_object *root, *hours, *apps, *whs, *w, *f;

	fx_open(&fx);
	fx_fill(&fx);
	fx_write(&fx, "hookd-send --once pid 1 pass 2");
	json = fx_read(&fx, "status.json");
	root = json_tokener_parse(json);
	ck_assert_msg(root != NULL, "status.json does not parse");

	ck_assert_int_eq(jint(root, "version"), 1);
	ck_assert_str_eq(json_object_get_string(jget(root, "generated_at")),
	    "2026-11-18T11:30:00.000Z");
	ck_assert_str_eq(json_object_get_string(jget(root, "pass")),
	    "hookd-send --once pid 1 pass 2");
	ck_assert_int_eq(jint(root, "queue.pending"), 5);
	ck_assert_int_eq(jint(root, "queue.due_now"), 3);
	ck_assert(!json_object_get_boolean(jget(root, "queue.due_now_capped")));
	ck_assert_int_eq(jint(root, "queue.delivered"), 4);
	ck_assert_int_eq(jint(root, "queue.failed"), 1);
	ck_assert_int_eq(jint(root, "queue.cancelled"), 1);
	ck_assert_int_eq(jint(root, "queue.delivered_24h"), 5);
	ck_assert_int_eq(jint(root, "queue.failed_attempts_24h"), 1);
	ck_assert_int_eq(jint(root, "queue.oldest_pending_age_s"), 3 * 3600);
	ck_assert(json_object_get_boolean(jget(root,
	    "queue.oldest_pending_exact")));
	ck_assert_int_eq(jint(root, "queue.most_overdue_s"), 60);

	hours = jget(root, "hours");
	ck_assert_uint_eq(json_object_array_length(hours), 24);
	ck_assert_int_eq(jint(json_object_array_get_idx(hours, 23),
	    "delivered"), 2);
	ck_assert_int_eq(jint(json_object_array_get_idx(hours, 23),
	    "failed"), 0);
	ck_assert_int_eq(jint(json_object_array_get_idx(hours, 22),
	    "delivered"), 3);
	ck_assert_int_eq(jint(json_object_array_get_idx(hours, 22),
	    "failed"), 1);
	ck_assert_int_eq(jint(json_object_array_get_idx(hours, 0),
	    "delivered"), 0);
	ck_assert_str_eq(json_object_get_string(jget(
	    json_object_array_get_idx(hours, 23), "hour")),
	    "2026-11-18T11:00:00.000Z");

	apps = jget(root, "apps");
	ck_assert_uint_eq(json_object_array_length(apps), 2);
	ck_assert_str_eq(json_object_get_string(jget(
	    json_object_array_get_idx(apps, 0), "name")), XSS2);
	whs = jget(json_object_array_get_idx(apps, 0), "webhooks");
	ck_assert_uint_eq(json_object_array_length(whs), 2);
	w = json_object_array_get_idx(whs, 0);
	ck_assert_str_eq(json_object_get_string(jget(w, "id")), fx.w1);
	ck_assert_str_eq(json_object_get_string(jget(w, "url")),
	    "https://hooks.example.com/in/" XSS1);
	ck_assert(json_object_get_boolean(jget(w, "url_cut")));
	ck_assert_int_eq(jint(w, "delivered_24h"), 5);
	ck_assert_int_eq(jint(w, "failed_24h"), 1);
	ck_assert(json_object_get_double(jget(w, "success_rate_24h")) >
	    0.8333 && json_object_get_double(jget(w, "success_rate_24h")) <
	    0.8334);
	/* 5 x 100 ms in [64, 128), 1 x 3000 ms in [2048, 4096) */
	ck_assert_int_eq(jint(w, "p50_ms.min"), 64);
	ck_assert_int_eq(jint(w, "p50_ms.max"), 128);
	ck_assert_int_eq(jint(w, "p95_ms.min"), 2048);
	ck_assert_int_eq(jint(w, "p95_ms.max"), 4096);
	ck_assert_int_eq(jint(w, "consecutive_failures"), 7);
	ck_assert_str_eq(json_object_get_string(jget(w, "last_error")),
	    "timeout");
	ck_assert_str_eq(json_object_get_string(jget(w, "next_retry_at")),
	    "2026-11-18T11:35:00.000Z");
	w = json_object_array_get_idx(whs, 1);
	ck_assert(!json_object_get_boolean(jget(w, "enabled")));
	ck_assert_str_eq(json_object_get_string(jget(w, "disabled_reason")),
	    "410 from " XSS1);
	ck_assert(json_object_is_type(jget(w, "success_rate_24h"),
	    json_type_null));
	ck_assert_uint_eq(json_object_array_length(jget(
	    json_object_array_get_idx(apps, 1), "webhooks")), 0);

	/* failures: newest first, the success is not one */
	f = jget(root, "recent_failures");
	ck_assert_uint_eq(json_object_array_length(f), 2);
	ck_assert_str_eq(json_object_get_string(jget(
	    json_object_array_get_idx(f, 0), "id")), fx.att_timeout);
	ck_assert_str_eq(json_object_get_string(jget(
	    json_object_array_get_idx(f, 0), "error")), "timeout");
	ck_assert_str_eq(json_object_get_string(jget(
	    json_object_array_get_idx(f, 1), "id")), fx.att_503);
	ck_assert_int_eq(jint(json_object_array_get_idx(f, 1), "status_code"),
	    503);
	ck_assert_str_eq(json_object_get_string(jget(
	    json_object_array_get_idx(f, 1), "response_excerpt")),
	    "<html>" XSS1 XSS2 "</html>");
	json_object_put(root);
	free(json);
	fx_close(&fx);
}
END_TEST

START_TEST(test_statuspage_html_figures_match_the_store)
{
	static const char *want[] = {
		"Written <time datetime=\"2026-11-18T11:30:00.000Z\">",
		"Pending</div><div class=\"v\">5</div>",
		"Due now</div><div class=\"v\">3</div>",
		"most overdue by 60 s",
		"Delivered 24 h</div><div class=\"v\">5</div>",
		"Failed attempts 24 h</div><div class=\"v\">1</div>",
		"Failed deliveries</div><div class=\"v\">1</div>",
		"Oldest pending</div><div class=\"v\">3 h 0 min</div>",
		"83.3 %",			/* 5 of 6 attempts */
		"&lt;128 ms",			/* p50 */
		"&lt;4.1 s",			/* p95 */
		"<td class=\"n rate bad\">7</td>",	/* failures in a row */
		"✕ Failing",
		"○ Disabled",
		"✕ timeout",
		"✕ HTTP 503",
		"1 webhook failing · 1 disabled",
		"title=\"2026-11-18T11:35:00.000Z\">in 5 min</time>",
		"2026-11-18 11:00–12:00 UTC: 2 delivered, 0 failed",
		"2026-11-18 10:00–11:00 UTC: 3 delivered, 1 failed",
		"Needs attention",
		"<a href=\"#failures\">Recent failures (2)</a>",
		"Beta app",
		"No webhooks.",
		"</html>\n",
	};
	struct fx fx;
	char *html;
	size_t i;

	html = fx_page(&fx);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(html, want[i]) != NULL,
		    "status.html lacks: %s", want[i]);
	/* the 200 attempt is not listed as a failure: two failure rows */
	ck_assert_ptr_null(strstr(html, "✓ 200 OK"));
	free(html);
	fx_close(&fx);
}
END_TEST

START_TEST(test_statuspage_empty_store_writes_a_calm_page)
{
	struct fx fx;
	char *html, *json;

	fx_open(&fx);
	fx_write(&fx, "pass");
	html = fx_read(&fx, "status.html");
	json = fx_read(&fx, "status.json");
	ck_assert(strstr(html, "No applications yet.") != NULL);
	ck_assert(strstr(html, "No attempts in the last 24 hours") != NULL);
	ck_assert(strstr(html, "No webhooks yet") != NULL);
	ck_assert(strstr(html, "nothing pending") != NULL);
	ck_assert(strstr(json, "\"pending\":0") != NULL);
	ck_assert(strstr(json, "\"oldest_pending_age_s\":null") != NULL);
	free(html);
	free(json);
	fx_close(&fx);
}
END_TEST

/* www/status.html and www/status.css are compiled in and filled. */
START_TEST(test_statuspage_skeleton_and_css_from_www_are_filled_in)
{
	static const char *order[] = {
		"<title>hookd status · ", "<style>\n", "</style>",
		"<header class=\"top\">", "<nav ", "<h2 id=\"queue\">",
		"<h2 id=\"attention\">", "<h2 id=\"hours\">",
		"<h2 id=\"webhooks\">", "<h2 id=\"failures\">", "<footer>",
		"</html>\n",
	};
	struct fx fx;
	const struct embed_file *css;
	const char *at, *q;
	char *html;
	size_t i;

	css = embed_find(embed_www, embed_www_count, "status.css");
	ck_assert_ptr_nonnull(css);
	html = fx_page(&fx);
	ck_assert_uint_gt(css->len, 1000);
	ck_assert_uint_eq(strlen((const char *)css->data), css->len);
	ck_assert_msg(strncmp(html, "<!DOCTYPE html>\n", 16) == 0,
	    "the page does not start with the skeleton");
	/* the style sheet verbatim, inside <style> */
	q = strstr(html, (const char *)css->data);
	ck_assert_msg(q != NULL, "www/status.css is not on the page");
	ck_assert(q == strstr(html, "<style>\n") + 8);
	/* every placeholder filled, the parts in the skeleton's order */
	ck_assert_msg(strstr(html, "{{") == NULL, "a placeholder left");
	for (at = html, i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		q = strstr(at, order[i]);
		ck_assert_msg(q != NULL, "missing or out of order: %s",
		    order[i]);
		at = q;
	}
	free(html);
	fx_close(&fx);
}
END_TEST

/* ---- bounded work ------------------------------------------------------ */

struct many {
	struct fx *fx;
	int from, to;
};

/* Pending deliveries: numbers from..to-1 due now, created n ms apart. */
static int
fill_many(struct store_txn *t, void *arg)
{
	struct many *m = arg;
	int i, rc;

	for (i = m->from; i < m->to; i++)
		if ((rc = put_delivery(t, m->fx->w1, m->fx->app_a,
		    STORE_DLV_PENDING, NOW - 5 * HOUR + i, NOW - 1000 + i % 500))
		    != STORE_OK)
			return rc;
	return STORE_OK;
}

/* STATUSDATA_WALK_MAX + 50 pending deliveries, all due now. */
static void
fx_fill_many(struct fx *fx)
{
	struct many m;
	char err[256] = "";
	int total = STATUSDATA_WALK_MAX + 50;

	m.fx = fx;
	for (m.from = 0; m.from < total; m.from = m.to) {
		m.to = m.from + 1000 < total ? m.from + 1000 : total;
		ck_assert_msg(store_txn(fx->s, 0, fill_many, &m, err,
		    sizeof(err)) == STORE_OK, "fill: %s", err);
	}
}

START_TEST(test_statuspage_pending_walk_stops_at_its_cap_and_says_so)
{
	struct fx fx;
	char *html, *json;
	int64_t budget = statusdata_walk_budget_ms;

	fx_open(&fx);
	fx_fill_many(&fx);
	statusdata_walk_budget_ms = 0;		/* the cap alone */
	fx_write(&fx, "pass");
	statusdata_walk_budget_ms = budget;
	html = fx_read(&fx, "status.html");
	json = fx_read(&fx, "status.json");
	ck_assert_msg(strstr(html, "Due now</div><div class=\"v\">10,000+"
	    "</div>") != NULL, "due now is not shown as capped");
	ck_assert(strstr(html, "Pending</div><div class=\"v\">10,050</div>"));
	ck_assert(strstr(html, "lower bound: the 10,000 earliest due of "
	    "10,050 checked") != NULL);
	ck_assert(strstr(json, "\"due_now\":10000,\"due_now_capped\":true"));
	ck_assert(strstr(json, "\"oldest_pending_exact\":false"));
	ck_assert(strstr(json, "\"pending\":10050"));
	free(html);
	free(json);
	fx_close(&fx);
}
END_TEST

START_TEST(test_statuspage_pending_walk_stops_when_its_time_is_spent)
{
	struct fx fx;
	char *html, *json, *p;
	json_object *root;
	int64_t budget = statusdata_walk_budget_ms, walked;

	fx_open(&fx);
	fx_fill_many(&fx);
	statusdata_walk_budget_ms = 1;	/* 10,050 entries take far longer */
	fx_write(&fx, "pass");
	statusdata_walk_budget_ms = budget;
	html = fx_read(&fx, "status.html");
	json = fx_read(&fx, "status.json");
	root = json_tokener_parse(json);
	ck_assert_ptr_nonnull(root);
	walked = jint(root, "queue.pending_walked");
	ck_assert_int_ge(walked, 256);
	ck_assert_int_lt(walked, STATUSDATA_WALK_MAX);
	ck_assert_int_eq(jint(root, "queue.due_now"), walked);
	ck_assert(json_object_get_boolean(jget(root, "queue.due_now_capped")));
	ck_assert(!json_object_get_boolean(jget(root,
	    "queue.oldest_pending_exact")));
	/* the card shows the partial count with a "+" */
	p = strstr(html, "Due now</div><div class=\"v\">");
	ck_assert_ptr_nonnull(p);
	p = strchr(p + 26, '<');
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p[-1], '+');
	json_object_put(root);
	free(html);
	free(json);
	fx_close(&fx);
}
END_TEST

/* ---- atomic replacement ------------------------------------------------ */

START_TEST(test_statuspage_files_are_complete_0644_and_no_temp_left)
{
	struct fx fx;
	struct stat st;
	char path[256], names[512];
	pid_t pid;
	int i, status;

	fx_open(&fx);
	fx_fill(&fx);
	fx_write(&fx, "first");
	snprintf(path, sizeof(path), "%s/status.html", fx.www);

	/* A reader checks every version it opens while we rewrite. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (;;) {
			size_t len;
			char *p = slurp(path, &len);

			if (p == NULL || len < 100 ||
			    strncmp(p, "<!DOCTYPE html>", 15) != 0 ||
			    strcmp(p + len - 8, "</html>\n") != 0)
				_exit(1);
			free(p);
		}
	}
	for (i = 0; i < 40; i++)
		fx_write(&fx, i % 2 ? "odd pass" : "even pass");
	/* still running means it never saw a partial file */
	ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	snprintf(path, sizeof(path), "%s/status.json", fx.www);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	list_dir(fx.www, names, sizeof(names));
	ck_assert_str_eq(names, "status.html status.json");
	fx_close(&fx);
}
END_TEST

START_TEST(test_statuspage_failed_rename_is_an_error_and_leaves_no_temp)
{
	struct fx fx;
	struct config cfg;
	char path[256], names[512], err[256] = "";

	fx_open(&fx);
	fx_fill(&fx);
	ck_assert_int_eq(mkdir(fx.www, 0755), 0);
	/* a directory where status.html should go: rename() must fail */
	snprintf(path, sizeof(path), "%s/status.html", fx.www);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	memset(&cfg, 0, sizeof(cfg));
	SET(cfg.status_dir, fx.www);
	ck_assert_int_eq(statuspage_write(fx.s, &cfg, "p", NOW, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "status.html") != NULL, "err: %s", err);
	list_dir(fx.www, names, sizeof(names));
	ck_assert_str_eq(names, "status.html status.json");
	fx_close(&fx);
}
END_TEST

START_TEST(test_statuspage_unusable_dir_is_an_error)
{
	struct fx fx;
	struct config cfg;
	char err[256] = "";
	int fd;

	fx_open(&fx);
	fd = open(fx.www, O_CREAT | O_WRONLY, 0644);	/* a file, not a dir */
	ck_assert_int_ge(fd, 0);
	close(fd);
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.status_dir, sizeof(cfg.status_dir), "%s/sub", fx.www);
	ck_assert_int_eq(statuspage_write(fx.s, &cfg, "p", NOW, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/sub") != NULL, "err: %s", err);
	fx_close(&fx);
}
END_TEST

/* ---- helpers ----------------------------------------------------------- */

START_TEST(test_statustext_clean_makes_one_line_of_valid_utf8)
{
	char out[64];
	int cut;

	/* control -> space (runs collapse), invalid byte and RLO -> U+FFFD */
	statustext_clean("a\x01\n\tb\xff" "c\xe2\x80\xae" "d", 11, out,
	    sizeof(out), 100, &cut);
	ck_assert_str_eq(out, "a b\xef\xbf\xbd" "c\xef\xbf\xbd" "d");
	ck_assert_int_eq(cut, 0);
	/* overlong '/' and a surrogate are invalid too */
	statustext_clean("\xc0\xaf\xed\xa0\x80", 5, out, sizeof(out), 100,
	    &cut);
	ck_assert_str_eq(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd");
	/* NUL inside the data does not end it */
	statustext_clean("x\0y", 3, out, sizeof(out), 100, &cut);
	ck_assert_str_eq(out, "x y");
	/* the char cap cuts and says so; a code point is never split */
	statustext_clean("héllo wörld", strlen("héllo wörld"), out,
	    sizeof(out), 4, &cut);
	ck_assert_str_eq(out, "héll");
	ck_assert_int_eq(cut, 1);
	statustext_clean("ééé", 6, out, 4, 100, &cut);
	ck_assert_str_eq(out, "é");
	ck_assert_int_eq(cut, 1);
}
END_TEST

START_TEST(test_statusdata_percentile_uses_bucket_bounds)
{
	uint64_t lat[STORE_LAT_BUCKETS] = { 0 };
	int64_t lo, hi;

	ck_assert_int_eq(statusdata_percentile(lat, 0.5), -1);
	lat[0] = 1;		/* 0 ms */
	lat[7] = 9;		/* [64, 128) */
	lat[STORE_LAT_BUCKETS - 1] = 90;
	ck_assert_int_eq(statusdata_percentile(lat, 0.01), 0);
	ck_assert_int_eq(statusdata_percentile(lat, 0.10), 7);
	ck_assert_int_eq(statusdata_percentile(lat, 0.11),
	    STORE_LAT_BUCKETS - 1);
	statusdata_bucket_bounds(0, &lo, &hi);
	ck_assert(lo == 0 && hi == 1);
	statusdata_bucket_bounds(7, &lo, &hi);
	ck_assert(lo == 64 && hi == 128);
	statusdata_bucket_bounds(STORE_LAT_BUCKETS - 1, &lo, &hi);
	ck_assert(lo == 262144 && hi == -1);
}
END_TEST

static Suite *
statuspage_suite(void)
{
	Suite *s = suite_create("statuspage");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_statuspage_user_strings_are_html_escaped);
	tcase_add_test(tc,
	    test_statuspage_never_shows_secrets_keys_or_query_strings);
	tcase_add_test(tc, test_statuspage_json_figures_match_the_store);
	tcase_add_test(tc, test_statuspage_html_figures_match_the_store);
	tcase_add_test(tc, test_statuspage_empty_store_writes_a_calm_page);
	tcase_add_test(tc,
	    test_statuspage_skeleton_and_css_from_www_are_filled_in);
	tcase_add_test(tc,
	    test_statuspage_pending_walk_stops_at_its_cap_and_says_so);
	tcase_add_test(tc,
	    test_statuspage_pending_walk_stops_when_its_time_is_spent);
	tcase_add_test(tc,
	    test_statuspage_files_are_complete_0644_and_no_temp_left);
	tcase_add_test(tc,
	    test_statuspage_failed_rename_is_an_error_and_leaves_no_temp);
	tcase_add_test(tc, test_statuspage_unusable_dir_is_an_error);
	tcase_add_test(tc, test_statustext_clean_makes_one_line_of_valid_utf8);
	tcase_add_test(tc, test_statusdata_percentile_uses_bucket_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(statuspage_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
