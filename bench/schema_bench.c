/*
 * schema_bench.c - what validate_events costs per event: parse the 1 KiB
 * intake body of bench/intake.py, then check its data against the
 * built-in user.app.consent.update schema, N times each; prints the time
 * per operation.  The parse is part of every request anyway; compare the
 * check with hookd.fcgi's CPU time per request (docs/performance.md).
 *
 *   bench/schema_bench [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cgi/jin.h"
#include "lib/catalog.h"
#include "lib/config.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static struct config cfg;
	static const char head[] = "{\"type\":\"user.app.consent.update\","
	    "\"org_id\":\"bench-org\",\"user_id\":\"user-123\",\"data\":"
	    "{\"scopes\":[\"location.read\",\"profile.read\"],\"granted\":"
	    "[\"location.read\"],\"revoked\":[],\"source\":\"app\",\"note\":\"";
	char body[1025], err[512];
	struct json_object *o, *data;
	long i, n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	size_t pad;
	double t0, parse, check;

	config_defaults(&cfg);
	if (catalog_load(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	pad = 1024 - strlen(head) - 3;
	memcpy(body, head, strlen(head));
	memset(body + strlen(head), 'x', pad);
	memcpy(body + strlen(head) + pad, "\"}}", 4);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (jin_parse(body, 1024, 32, &o, err, sizeof(err)) == -1)
			return 1;
		json_object_put(o);
	}
	parse = (now_s() - t0) / (double)n;
	if (jin_parse(body, 1024, 32, &o, err, sizeof(err)) == -1 ||
	    !json_object_object_get_ex(o, "data", &data))
		return 1;
	t0 = now_s();
	for (i = 0; i < n; i++)
		if (catalog_check(&cfg, "user.app.consent.update", data, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
	check = (now_s() - t0) / (double)n;
	printf("1 KiB body: parse %.2f us, schema check %.2f us per event "
	    "(%ld each)\n", parse * 1e6, check * 1e6, n);
	json_object_put(o);
	/* The worst 1 KiB shape for this schema: ~60 scopes, each matched
	 * against the scope pattern and compared for uniqueItems. */
	o = json_tokener_parse("{\"scopes\":[],\"granted\":[],\"revoked\":[]}");
	json_object_object_get_ex(o, "scopes", &data);
	for (i = 0; i < 60; i++) {
		snprintf(body, sizeof(body), "scope%ld.read", i);
		json_object_array_add(data, json_object_new_string(body));
	}
	printf("  (%zu bytes of JSON)", strlen(json_object_to_json_string(o)));
	t0 = now_s();
	for (i = 0; i < n / 10; i++)
		if (catalog_check(&cfg, "user.app.consent.update", o, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
	check = (now_s() - t0) / (double)(n / 10);
	printf(" 60 scopes: schema check %.2f us per event\n", check * 1e6);
	json_object_put(o);
	catalog_unload();
	return 0;
}
