/*
 * transfer.c - libcurl multi transfers (see transfer.h).
 *
 * Response bodies: the first STORE_RESP_MAX bytes are kept for the attempt
 * record; reading stops after TRANSFER_READ_CAP bytes (the write callback
 * returns 0, libcurl ends the transfer with CURLE_WRITE_ERROR).  By then
 * the status line was read, so such an attempt counts as answered with that
 * status; the cut is only logged.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/log.h"
#include "lib/num.h"
#include "lib/sign.h"
#include "lib/timefmt.h"
#include "lib/url.h"
#include "lib/version.h"
#include "sender/cafile.h"
#include "sender/guard.h"
#include "sender/retryafter.h"
#include "sender/transfer.h"
#include "sender/urlmemo.h"

/* URLs that passed url_check lately (the config does not change while the
 * process runs, so the answer for a URL does not either).  Held in the
 * transfer, wiped when replaced and by transfer_free (urlmemo.h: a URL
 * may carry credentials). */
#define TRANSFER_URL_CACHE 8

struct transfer {
	const struct config *cfg;
	struct cafile *ca;		/* tls_ca_file's certificates, or NULL */
	struct urlmemo url_ok[TRANSFER_URL_CACHE];
	size_t url_next;			/* next slot to replace */
	CURLM *multi;
	CURL **idle;		/* reusable easy handles */
	size_t nidle, idlecap;
	unsigned running;	/* transfers added and not yet done */
};

static size_t
transfer_write(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t len = size * n, keep;

	if (j->resp_len < sizeof(j->resp)) {
		keep = sizeof(j->resp) - j->resp_len;
		if (keep > len)
			keep = len;
		memcpy(j->resp + j->resp_len, p, keep);
		j->resp_len += keep;
	}
	j->resp_seen += len;
	if (j->resp_seen > TRANSFER_READ_CAP)
		return 0;	/* enough: end the transfer */
	return len;
}

/*
 * The way out: the configured proxy for every host (NOPROXY "" overrides
 * the environment's no_proxy), or no proxy at all (PROXY "" and NOPROXY
 * "*": http_proxy and friends are ignored).  The client certificate and
 * the extra CA certificates when configured.  -1 when an option did not
 * take: a proxy setting that failed would let the environment's in.
 */
static int
transfer_egress(const struct transfer *t, CURL *e)
{
	const struct config *cfg = t->cfg;
	int proxied = cfg->proxy[0] != '\0';

	if (curl_easy_setopt(e, CURLOPT_PROXY, cfg->proxy) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_NOPROXY, proxied ? "" : "*") !=
	    CURLE_OK)
		return -1;
	if (cfg->tls_client_cert[0] != '\0' &&
	    (curl_easy_setopt(e, CURLOPT_SSLCERT, cfg->tls_client_cert) !=
	    CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSLKEY, cfg->tls_client_key) !=
	    CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM") != CURLE_OK))
		return -1;
	if (t->ca != NULL &&
	    (curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, cafile_sslctx) !=
	    CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, t->ca) != CURLE_OK))
		return -1;
	return 0;
}

/* Options that never change for a handle: set once when it is made. */
static CURL *
transfer_easy(const struct transfer *t)
{
	const struct config *cfg = t->cfg;
	CURL *e = curl_easy_init();

	if (e == NULL)
		return NULL;
	/* The string options are copied and can fail for memory. */
	if (curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
	    cfg->require_https ? "https" : "http,https") != CURLE_OK ||
	    transfer_egress(t, e) == -1 ||
	    curl_easy_setopt(e, CURLOPT_USERAGENT, "hookd/" HOOKD_VERSION) !=
	    CURLE_OK)
		goto bad;
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 0L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)cfg->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cfg->timeout_ms);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, transfer_write);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, guard_opensocket);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, NULL);
	return e;
bad:
	curl_easy_cleanup(e);
	return NULL;
}

int
transfer_new(struct transfer **tp, const struct config *cfg, char *err,
    size_t errlen)
{
	struct transfer *t;

	*tp = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->cfg = cfg;
	if (cfg->tls_ca_file[0] != '\0' &&
	    cafile_load(&t->ca, cfg->tls_ca_file, err, errlen) == -1) {
		transfer_free(t);
		return -1;
	}
	t->idlecap = cfg->concurrency > 0 ? cfg->concurrency : 1;
	t->idle = calloc(t->idlecap, sizeof(*t->idle));
	t->multi = curl_multi_init();
	if (t->idle == NULL || t->multi == NULL)
		goto nomem;
	/* One connection cache for all transfers; keep as many open
	 * connections as transfers may run at once. */
	curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long)t->idlecap);
	*tp = t;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	transfer_free(t);
	return -1;
}

void
transfer_free(struct transfer *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nidle; i++)
		curl_easy_cleanup(t->idle[i]);
	for (i = 0; i < TRANSFER_URL_CACHE; i++)
		urlmemo_wipe(&t->url_ok[i]);
	if (t->multi != NULL)
		curl_multi_cleanup(t->multi);
	free(t->idle);
	cafile_free(t->ca);
	free(t);
}

unsigned
transfer_running(const struct transfer *t)
{
	return t->running;
}

/* Headers every request carries, after the job's own three: no
 * "Expect: 100-continue" round trip, no "Accept: * / *".  libcurl only
 * reads the list. */
static char transfer_h_ct[] = "content-type: application/json";
static char transfer_h_expect[] = "Expect:";
static char transfer_h_accept[] = "Accept:";
static struct curl_slist transfer_h_tail[3] = {
	{ transfer_h_ct, &transfer_h_tail[1] },
	{ transfer_h_expect, &transfer_h_tail[2] },
	{ transfer_h_accept, NULL },
};

/* "name: value" into buf (cap bytes).  0 or -1 (too long). */
static int
transfer_line(char *buf, size_t cap, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);

	if (n + 2 + v + 1 > cap)
		return -1;
	memcpy(buf, name, n);
	memcpy(buf + n, ": ", 2);
	memcpy(buf + n + 2, value, v + 1);
	return 0;
}

/* webhook-* headers of Standard Webhooks; the second signature only while a
 * rotated-out secret still signs.  The list lives in j->hdr.  key: j's
 * secret set up (sign.h), or NULL. */
static int
transfer_sign_key(struct job *j, int64_t secs, struct sign_key *key)
{
	char sig[SIGN_SIG_LEN], sig2[SIGN_SIG_LEN];
	char both[SIGN_SIG_LEN * 2 + 1], ts[NUM_I64_LEN], seq[NUM_I64_LEN];
	struct job_hdr *h = &j->hdr;
	struct curl_slist *last;
	char *x;
	size_t i;

	j->headers = NULL;

	if ((key != NULL ? sign_key_signature(key, j->ev.id, secs, j->ev.body,
	    j->ev.body_len, sig, sizeof(sig)) : sign_signature(j->secret,
	    j->ev.id, secs, j->ev.body, j->ev.body_len, sig, sizeof(sig))) ==
	    -1)
		return -1;
	if (j->prev_secret[0] != '\0') {
		if (sign_signature(j->prev_secret, j->ev.id, secs, j->ev.body,
		    j->ev.body_len, sig2, sizeof(sig2)) == -1)
			sig2[0] = '\0';	/* a bad old secret must not block */
	} else {
		sig2[0] = '\0';
	}
	if (sig2[0] != '\0')
		snprintf(both, sizeof(both), "%s %s", sig, sig2);
	else
		snprintf(both, sizeof(both), "%s", sig);
	if (num_format_i64(secs, ts, sizeof(ts)) == -1 ||
	    transfer_line(h->id, sizeof(h->id), "webhook-id", j->ev.id) == -1 ||
	    transfer_line(h->ts, sizeof(h->ts), "webhook-timestamp", ts) ==
	    -1 || transfer_line(h->sig, sizeof(h->sig), "webhook-signature",
	    both) == -1)
		return -1;
	h->node[0].data = h->id;
	h->node[0].next = &h->node[1];
	h->node[1].data = h->ts;
	h->node[1].next = &h->node[2];
	h->node[2].data = h->sig;
	h->node[2].next = transfer_h_tail;
	last = &h->node[2];
	/* A FIFO delivery's place in its lane, the same on every attempt. */
	if (j->d.sequence != 0) {
		if (num_format_i64((int64_t)j->d.sequence, seq,
		    sizeof(seq)) == -1 || transfer_line(h->seq,
		    sizeof(h->seq), "webhook-sequence", seq) == -1)
			return -1;
		h->node[3].data = h->seq;
		h->node[3].next = transfer_h_tail;
		last->next = &h->node[3];
		last = &h->node[3];
	}
	/* the webhook's own headers between the signing and the constant
	 * ones (job_headers keeps out any name those use) */
	for (i = 0, x = j->xhdr; i < j->nx; i++, x += strlen(x) + 1) {
		h->xnode[i].data = x;
		h->xnode[i].next = transfer_h_tail;
		last->next = &h->xnode[i];
		last = &h->xnode[i];
	}
	j->headers = &h->node[0];
	j->signed_secs = secs;
	return 0;
}

int
transfer_sign(struct job *j, int64_t secs)
{
	return transfer_sign_key(j, secs, NULL);
}

/* Secrets whose keys one transfer_sign_all sets up at most; jobs of
 * further ones are signed one by one. */
#define TRANSFER_SIGN_KEYS 8

void
transfer_sign_all(struct job **jobs, size_t n)
{
	struct {
		const char *secret;	/* a job's, alive for the call */
		struct sign_key *key;
	} keys[TRANSFER_SIGN_KEYS];
	struct sign_key *key;
	size_t i, x, nk = 0;

	for (i = 0; i < n; i++) {
		if (jobs[i]->kind != JOB_SEND)
			continue;
		key = NULL;
		for (x = 0; x < nk && key == NULL; x++)
			if (strcmp(keys[x].secret, jobs[i]->secret) == 0)
				key = keys[x].key;
		if (key == NULL && nk < TRANSFER_SIGN_KEYS &&
		    (key = sign_key_new(jobs[i]->secret)) != NULL) {
			keys[nk].secret = jobs[i]->secret;
			keys[nk++].key = key;
		}
		(void)transfer_sign_key(jobs[i], timefmt_now_ms() / 1000, key);
	}
	for (x = 0; x < nk; x++)
		sign_key_free(keys[x].key);	/* no keyed state outlives it */
}

static void
transfer_fail(struct job *j, const char *code)
{
	snprintf(j->error, sizeof(j->error), "%s", code);
	j->status = 0;
	j->duration_ms = 0;
}

/* 1 if url's host is an IP literal the address policy refuses. */
static int
transfer_literal_refused(const struct config *cfg, const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	size_t n;
	int refused = 0;

	if (u == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		n = strlen(host);
		if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
			host[n - 1] = '\0';
			refused = netaddr_literal_allowed(host + 1,
			    cfg->allow_private_targets, cfg->allow_targets,
			    cfg->allow_count) == 0;
		} else {
			refused = netaddr_literal_allowed(host,
			    cfg->allow_private_targets, cfg->allow_targets,
			    cfg->allow_count) == 0;
		}
	}
	curl_free(host);
	curl_url_cleanup(u);
	return refused;
}

/* 1 if url (strlen len) passed url_check in this process (cached). */
static int
transfer_url_known(const struct transfer *t, const char *url, size_t len)
{
	size_t i;

	for (i = 0; i < TRANSFER_URL_CACHE; i++) {
		if (urlmemo_is(&t->url_ok[i], url, len))
			return 1;
	}
	return 0;
}

/* Remember that url passed, in place of the oldest (whose URL is wiped). */
static void
transfer_url_passed(struct transfer *t, const char *url, size_t len)
{
	if (urlmemo_set(&t->url_ok[t->url_next], url, len) == -1)
		return;		/* too long for the memo: not cached */
	t->url_next = (t->url_next + 1) % TRANSFER_URL_CACHE;
}

int
transfer_start(struct transfer *t, struct job *j)
{
	const struct config *cfg = t->cfg;
	char why[256];
	size_t ulen;
	CURL *e;

	j->at = timefmt_now_ms();
	j->status = 0;
	j->error[0] = '\0';
	j->resp_len = 0;
	j->resp_seen = 0;
	j->retry_after_ms = -1;
	j->duration_ms = 0;
	memset(&j->guard, 0, sizeof(j->guard));
	j->guard.allow_private = cfg->allow_private_targets;
	j->guard.allow = cfg->allow_targets;
	j->guard.allow_count = cfg->allow_count;
	j->guard.via_proxy = cfg->proxy[0] != '\0';

	/* A URL stored before a config change is checked again. */
	ulen = strlen(j->url);
	if (!transfer_url_known(t, j->url, ulen)) {
		if (url_check(j->url, cfg->require_https,
		    cfg->allow_private_targets, cfg->allow_targets,
		    cfg->allow_count, why, sizeof(why)) == -1) {
			transfer_fail(j, transfer_literal_refused(cfg,
			    j->url) ? "address_refused" : "url_refused");
			return -1;
		}
		transfer_url_passed(t, j->url, ulen);
	}
	/* Usually signed by the store thread at the pick; again when the
	 * start falls in a later second (webhook-timestamp is this
	 * attempt's). */
	if ((j->headers == NULL || j->signed_secs != j->at / 1000) &&
	    transfer_sign(j, j->at / 1000) == -1) {
		transfer_fail(j, "sign_error");
		return -1;
	}
	e = t->nidle > 0 ? t->idle[--t->nidle] : transfer_easy(t);
	if (e == NULL) {
		transfer_fail(j, "internal_error");
		return -1;
	}
	/* The URL is copied (it can fail for memory); the rest are pointers
	 * and plain values. */
	if (curl_easy_setopt(e, CURLOPT_URL, j->url) != CURLE_OK) {
		curl_easy_cleanup(e);
		transfer_fail(j, "internal_error");
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->ev.body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)j->ev.body_len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &j->guard);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	if (curl_multi_add_handle(t->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		transfer_fail(j, "internal_error");
		return -1;
	}
	j->easy = e;
	t->running++;
	return 0;
}

int
transfer_wait(struct transfer *t, struct curl_waitfd *extra, unsigned nextra,
    int timeout_ms, char *err, size_t errlen)
{
	CURLMcode mc;
	int still;

	if (timeout_ms < 0)
		timeout_ms = 0;
	mc = curl_multi_poll(t->multi, extra, nextra, timeout_ms, NULL);
	if (mc == CURLM_OK)
		mc = curl_multi_perform(t->multi, &still);
	if (mc != CURLM_OK) {
		snprintf(err, errlen, "curl multi: %s", curl_multi_strerror(mc));
		return -1;
	}
	return 0;
}

/* CURLcode -> the attempt's error code (docs/delivery.md lists them). */
static const char *
transfer_code(CURLcode rc, const struct job *j)
{
	if (j->guard.refused)
		return "address_refused";
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_COULDNT_RESOLVE_HOST:
		return "dns_error";
	case CURLE_COULDNT_CONNECT:
		return "connect_error";
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_PROXY:
		return "proxy_error";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		return "tls_error";
	case CURLE_URL_MALFORMAT:
		return "url_refused";
	case CURLE_GOT_NOTHING:
		return "empty_reply";
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		return "network_error";
	case CURLE_UNSUPPORTED_PROTOCOL:
		/* url_check passed before the transfer, so the scheme was
		 * fine: curl says this of a reply that is not HTTP/1.x
		 * (HTTP/0.9 is refused). */
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return "protocol_error";
	default:
		return "transfer_error";
	}
}

/* Retry-After of a 429 or 503, when present and valid. */
static void
transfer_retry_after(struct job *j, CURL *e)
{
	struct curl_header *h;
	int64_t ms;

	j->retry_after_ms = -1;
	if (j->status != 429 && j->status != 503)
		return;
	if (curl_easy_header(e, "Retry-After", 0, CURLH_HEADER, -1, &h) !=
	    CURLHE_OK)
		return;
	if (retryafter_parse(h->value, timefmt_now_ms(), &ms) == 0)
		j->retry_after_ms = ms;
}

struct job *
transfer_done(struct transfer *t)
{
	CURLMsg *m;
	struct job *j;
	CURL *e;
	long code = 0;
	curl_off_t us = 0;
	int left;

	while ((m = curl_multi_info_read(t->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		e = m->easy_handle;
		j = NULL;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &us);
		j->duration_ms = (uint32_t)(us / 1000);
		j->status = (int)code;
		if (m->data.result == CURLE_OK ||
		    (m->data.result == CURLE_WRITE_ERROR && code > 0 &&
		    j->resp_seen > TRANSFER_READ_CAP)) {
			j->error[0] = '\0';
			if (m->data.result != CURLE_OK)
				log_info("dlv=%s response cut after %d bytes",
				    j->d.id, TRANSFER_READ_CAP);
			transfer_retry_after(j, e);
		} else {
			j->status = 0;
			snprintf(j->error, sizeof(j->error), "%s",
			    transfer_code(m->data.result, j));
		}
		curl_multi_remove_handle(t->multi, e);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
		if (t->nidle < t->idlecap)
			t->idle[t->nidle++] = e;
		else
			curl_easy_cleanup(e);
		j->easy = NULL;
		if (t->running > 0)
			t->running--;
		return j;
	}
	return NULL;
}
