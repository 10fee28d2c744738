/*
 * jsontext_bench.c - what the strict JSON gate costs per request body:
 * ns per byte of jsontext_check (the validating scan), of json-c's strict
 * parse alone, and of jin_parse (the whole gate: scan, parse, member
 * count), on a realistic event body of about 1 KiB (ASCII with some
 * UTF-8, escapes, numbers, nesting) and on one mostly non-ASCII.
 *
 *   jsontext_bench [SECONDS_PER_ROW]     default 1
 *
 * Times are CPU time of this thread (the machine may be shared), the best
 * of 5 rounds.  Prints one line per row.  Exit 0, or 1 if a body is
 * refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cgi/jin.h"
#include "lib/jsontext.h"

#define DEPTH 64

/* A POST /v1/events body as an eKYC service would send it, ~1 KiB. */
static const char body_ascii[] =
    "{\"id\":\"ekyc-2026-000123456\",\"type\":\"user.ekyc.verified\","
    "\"org_id\":\"org-acme-prod\",\"app_id\":\"app_01M8Z3K9V7QX2B4N6P8R0T2W4Y\","
    "\"user_id\":\"u-7f3a9c2e-41d8-4b6a-9e0f-1c2d3e4f5a6b\","
    "\"occurred_at\":\"2026-11-26T19:52:32.123Z\",\"data\":{"
    "\"verification\":{\"id\":\"ver_9a8b7c6d5e4f\",\"method\":\"document\","
    "\"document\":{\"type\":\"passport\",\"country\":\"DE\",\"number_last4\":"
    "\"4821\",\"expires\":\"2031-05-30\",\"issuer\":\"Bundesrepublik "
    "Deutschland\"},\"checks\":[{\"name\":\"face_match\",\"score\":0.9731,"
    "\"passed\":true},{\"name\":\"liveness\",\"score\":0.9912,\"passed\":true},"
    "{\"name\":\"document_authenticity\",\"score\":0.8875,\"passed\":true},"
    "{\"name\":\"sanctions\",\"hits\":0,\"passed\":true}],\"risk\":{\"level\":"
    "\"low\",\"score\":12,\"reasons\":[]},\"completed_at\":"
    "\"2026-11-26T19:52:31.870Z\",\"duration_ms\":48213},\"user\":{\"name\":"
    "\"J\\u00fcrgen M\\u00fcller\",\"birth_year\":1984,\"email_verified\":true,"
    "\"phone\":\"+49 30 1234567\",\"address\":{\"street\":\"Hauptstra\\u00dfe 5\","
    "\"city\":\"Berlin\",\"postal_code\":\"10115\",\"country\":\"DE\"}},"
    "\"consent\":{\"purposes\":[\"identity\",\"fraud_prevention\"],\"version\":"
    "\"2026-01\",\"granted_at\":\"2026-11-26T19:50:02.000Z\",\"ip\":"
    "\"203.0.113.42\",\"user_agent\":\"Mozilla/5.0 (X11; Linux x86_64) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\"},"
    "\"metadata\":{\"request_id\":\"req_5f4e3d2c1b0a\",\"source\":\"mobile\","
    "\"sdk\":\"ios-4.12.1\",\"tags\":[\"kyc\",\"tier-2\",\"eu\"],\"notes\":"
    "\"Customer \\\"VIP\\\" onboarding\\nsecond line\",\"retries\":0,"
    "\"amount\":{\"value\":-1250.75,\"currency\":\"EUR\",\"exp\":1.5e-3}}}}";

/* The same shape with Japanese text: most string bytes are non-ASCII. */
static const char body_utf8[] =
    "{\"type\":\"user.profile.update\",\"org_id\":\"org-jp\",\"data\":{"
    "\"name\":\"\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e\","
    "\"address\":\"\xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd\xe5\x8d\x83\xe4\xbb"
    "\xa3\xe7\x94\xb0\xe5\x8c\xba\xe5\x8d\x83\xe4\xbb\xa3\xe7\x94\xb0\x31\xe4"
    "\xb8\x81\xe7\x9b\xae\x31\xe7\x95\xaa\x31\xe5\x8f\xb7\","
    "\"bio\":\"\xe7\xa7\x81\xe3\x81\xaf\xe3\x82\xbd\xe3\x83\x95\xe3\x83\x88"
    "\xe3\x82\xa6\xe3\x82\xa7\xe3\x82\xa2\xe3\x82\xa8\xe3\x83\xb3\xe3\x82\xb8"
    "\xe3\x83\x8b\xe3\x82\xa2\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82\xe6\x97\xa5"
    "\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9"
    "\xe3\x83\x88\xe3\x81\xa8\xe7\xb5\xb5\xe6\x96\x87\xe5\xad\x97\xf0\x9f\x98"
    "\x80\xf0\x9f\x8e\x89\xe3\x82\x92\xe4\xbd\xbf\xe3\x81\x84\xe3\x81\xbe\xe3"
    "\x81\x99\xe3\x80\x82\xe7\xa7\x81\xe3\x81\xaf\xe3\x82\xbd\xe3\x83\x95\xe3"
    "\x83\x88\xe3\x82\xa6\xe3\x82\xa7\xe3\x82\xa2\xe3\x82\xa8\xe3\x83\xb3\xe3"
    "\x82\xb8\xe3\x83\x8b\xe3\x82\xa2\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82\","
    "\"tags\":[\"\xe6\x9d\xb1\xe4\xba\xac\",\"\xe5\xa4\xa7\xe9\x98\xaa\","
    "\"\xe4\xba\xac\xe9\x83\xbd\"],\"age\":41}}";

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* 0 scan, 1 json-c strict parse, 2 jin_parse. */
static int
one(int what, const char *p, size_t n)
{
	struct json_tokener *tok;
	struct json_object *o;
	char err[256];
	size_t members, at;

	switch (what) {
	case 0:
		return jsontext_check(p, n, DEPTH, &members, &at, err,
		    sizeof(err));
	case 1:
		tok = json_tokener_new_ex(DEPTH + 1);
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
		o = json_tokener_parse_ex(tok, p, (int)n);
		json_tokener_free(tok);
		json_object_put(o);
		return o == NULL ? -1 : 0;
	default:
		if (jin_parse(p, n, DEPTH, &o, err, sizeof(err)) == -1) {
			fprintf(stderr, "refused: %s\n", err);
			return -1;
		}
		json_object_put(o);
		return 0;
	}
}

int
main(int argc, char **argv)
{
	static const char *const names[] = { "jsontext_check (scan)",
	    "json-c strict parse", "jin_parse (whole gate)" };
	static const struct {
		const char *name;
		const char *p;
		size_t n;
	} bodies[] = {
		{ "event, ASCII", body_ascii, sizeof(body_ascii) - 1 },
		{ "event, Japanese", body_utf8, sizeof(body_utf8) - 1 },
	};
	double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0, t0, t, best;
	unsigned long runs;
	size_t b;
	int w, round;

	if (secs <= 0)
		secs = 1.0;
	for (b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
		for (w = 0; w < 3; w++) {
			if (one(w, bodies[b].p, bodies[b].n) == -1) {
				fprintf(stderr, "%s refused by %s\n",
				    bodies[b].name, names[w]);
				return 1;
			}
			best = 0;
			for (round = 0; round < 5; round++) {
				runs = 0;
				t0 = now_ns();
				do {
					for (int k = 0; k < 100; k++)
						(void)one(w, bodies[b].p,
						    bodies[b].n);
					runs += 100;
					t = now_ns();
				} while (t - t0 < secs * 1e9 / 5);
				if (round == 0 || (t - t0) / (double)runs < best)
					best = (t - t0) / (double)runs;
			}
			printf("%-16s %5zu B  %-24s %8.0f ns/body %6.2f ns/byte\n",
			    bodies[b].name, bodies[b].n, names[w], best,
			    best / (double)bodies[b].n);
		}
	}
	return 0;
}
