/*
 * curlmulti.c - the baseline for the sender's throughput: a minimal libcurl
 * multi program that POSTs the same body N times to one URL with C
 * transfers in flight, reusing easy handles and connections, and nothing
 * else (no store, no signing, no bookkeeping).
 *
 *   curlmulti URL [N] [C] [BYTES]      (defaults 20000, 64, 1024)
 *
 * Prints "N requests in S s: R req/s".
 */
#include <curl/curl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/num.h"
#include "lib/timefmt.h"

static size_t
cm_sink(char *p, size_t s, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return s * n;
}

static CURL *
cm_easy(const char *url, const char *body, size_t len,
    struct curl_slist *h)
{
	CURL *e = curl_easy_init();

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, cm_sink);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	return e;
}

/* argv[i], when given, as a count from 1 to INT_MAX into *v.  0 or -1. */
static int
cm_arg(int argc, char **argv, int i, long *v)
{
	int64_t x;

	if (argc <= i)
		return 0;
	if (num_parse_i64(argv[i], NUM_CSTR, 1, INT_MAX, &x, NULL) == -1)
		return -1;
	*v = (long)x;
	return 0;
}

int
main(int argc, char **argv)
{
	CURLM *m;
	CURLMsg *msg;
	struct curl_slist *h = NULL;
	CURL **pool;
	char *body;
	long n = 20000, c = 64, bytes = 1024, started = 0, done = 0, ok = 0;
	int running, left, i;
	int64_t t0;
	double secs;

	if (argc < 2) {
		fprintf(stderr, "usage: curlmulti URL [N] [C] [BYTES]\n");
		return 2;
	}
	if (cm_arg(argc, argv, 2, &n) == -1 || cm_arg(argc, argv, 3, &c) == -1 ||
	    cm_arg(argc, argv, 4, &bytes) == -1)
		return 2;
	body = malloc((size_t)bytes);
	pool = calloc((size_t)c, sizeof(*pool));
	if (body == NULL || pool == NULL)
		return 1;
	memset(body, 'x', (size_t)bytes);
	body[0] = '{';
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_slist_append(h, "content-type: application/json");
	h = curl_slist_append(h, "Expect:");
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, c);
	t0 = timefmt_mono_ms();
	for (i = 0; i < c && started < n; i++, started++)
		curl_multi_add_handle(m, cm_easy(argv[1], body, (size_t)bytes, h));
	while (done < n) {
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			long code = 0;
			CURL *e = msg->easy_handle;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
			ok += msg->data.result == CURLE_OK && code / 100 == 2;
			done++;
			curl_multi_remove_handle(m, e);
			if (started < n) {
				started++;
				curl_multi_add_handle(m, e);	/* reuse */
			} else {
				curl_easy_cleanup(e);
			}
		}
		if (done < n)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	secs = (double)(timefmt_mono_ms() - t0) / 1000.0;
	printf("%ld requests (%ld 2xx) in %.3f s: %.0f req/s\n", n, ok, secs,
	    (double)n / secs);
	curl_multi_cleanup(m);
	curl_slist_free_all(h);
	free(body);
	free(pool);
	return ok == n ? 0 : 1;
}
