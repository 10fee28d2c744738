/*
 * writeset.c - what hookd writes per accepted event and per recorded
 * outcome: log bytes and log records (deterministic, from db5.3_stat -l)
 * and the wall time per transaction (noisy on a shared machine).
 *
 *   bench/writeset [-n EVENTS] [-f FANOUT] [-b OUTCOMES_PER_TXN]
 *                  [-d scratch-dir]
 *
 * In a fresh nosync store with one app and FANOUT (default 1) enabled
 * webhooks:
 *   intake    EVENTS transactions of store_publish: one 1 KiB event, one
 *             delivery per webhook (the write of POST /v1/events without
 *             the fan-out generation read, which is cgi's)
 *   outcome   the sender's outcome_flush over those deliveries, a 204 each,
 *             OUTCOMES_PER_TXN (default 100) per transaction
 * Prints bytes of log and microseconds per event / per outcome (the
 * outcomes of the first delivery of each event only).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/store.h"
#include "lib/config.h"
#include "lib/id.h"
#include "lib/num.h"
#include "lib/str.h"
#include "lib/timefmt.h"
#include "sender/job.h"
#include "sender/outcome.h"

static char home[512];

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Where the log is, from db5.3_stat -l (the log's size cap is 10 MiB:
 * file number * 10 MiB + offset grows by the bytes written), and the log
 * records entered so far.  -1 when db5.3_stat is missing.
 */
struct logpos {
	long long bytes, records;
};

static int
log_pos(struct logpos *lp)
{
	char cmd[600], line[256];
	long long num = -1, off = -1, val;
	FILE *f;

	lp->records = -1;
	snprintf(cmd, sizeof(cmd), "db5.3_stat -l -h '%s' 2>/dev/null", home);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		val = strtoll(line, NULL, 10);
		if (strstr(line, "\tCurrent log file number") != NULL)
			num = val;
		else if (strstr(line, "\tCurrent log file offset") != NULL)
			off = val;
		else if (strstr(line, "\tRecords entered into the log") != NULL)
			lp->records = val;
	}
	if (pclose(f) != 0 || num < 0 || off < 0)
		return -1;
	lp->bytes = num * 10 * 1024 * 1024 + off;
	return 0;
}

static size_t fanout = 1;
static char (*whids)[STORE_ID_MAX + 1];

static void
target(const void *list, size_t i, const char **wid, const char **app)
{
	(void)list;
	*wid = whids[i];
	*app = "app_bench";
}

static char body[1024];

struct pub {
	char dlv[STORE_ID_MAX + 1];
	int64_t at;
};

static int
setup_fn(struct store_txn *t, void *arg)
{
	struct store_app a;
	struct store_webhook w;
	size_t i;

	(void)arg;
	memset(&a, 0, sizeof(a));
	memset(&w, 0, sizeof(w));
	memcpy(a.id, "app_bench", 10);
	memcpy(a.org_id, "org_bench", 10);
	memcpy(a.name, "bench", 6);
	memcpy(w.app_id, "app_bench", 10);
	memcpy(w.url, "http://127.0.0.1:9/hook", 24);
	memcpy(w.events, "*", 2);
	memcpy(w.secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 39);
	w.enabled = 1;
	if (store_app_put(t, &a, 1) != STORE_OK)
		return STORE_ERR;
	for (i = 0; i < fanout; i++) {
		memcpy(w.id, whids[i], sizeof(w.id));
		if (store_webhook_put(t, &w, 1) != STORE_OK)
			return STORE_ERR;
	}
	return STORE_OK;
}

static int
pub_fn(struct store_txn *t, void *arg)
{
	struct pub *p = arg;
	struct store_event ev;

	memset(&ev, 0, sizeof(ev));
	if (id_new("evt", ev.id, sizeof(ev.id)) == -1)
		return STORE_ERR;
	memcpy(ev.type, "user.created", 13);
	memcpy(ev.org_id, "org_bench", 10);
	memcpy(ev.app_id, "app_bench", 10);
	ev.created_at = p->at;
	ev.body = body;
	ev.body_len = sizeof(body);
	return store_publish(t, &ev, NULL, fanout, target, NULL, p->dlv,
	    NULL);
}

static int
get_fn(struct store_txn *t, void *arg)
{
	struct job *j = arg;
	char id[STORE_ID_MAX + 1];

	memcpy(id, j->d.id, sizeof(id));	/* get clears its output first */
	return store_delivery_get(t, id, &j->d);
}

int
main(int argc, char **argv)
{
	struct store_opts o;
	struct config cfg;
	struct store *s = NULL;
	struct job *jobs, **jp;
	struct pub p;
	char err[512], cmd[600], (*ids)[STORE_ID_MAX + 1];
	const char *dir = "/tmp";
	struct logpos l0, l1, l2;
	double t0, t1, t2, tout = 0;
	int64_t v;
	size_t n = 2000, b = 100, i, k;
	int c;

	while ((c = getopt(argc, argv, "n:f:b:d:")) != -1) {
		if (c == 'f' &&
		    num_parse_i64(optarg, NUM_CSTR, 1, 1000, &v, NULL) == 0)
			fanout = (size_t)v;
		else if (c == 'n' && num_parse_i64(optarg, NUM_CSTR, 1, 1000000, &v, NULL) == 0)
			n = (size_t)v;
		else if (c == 'b' && num_parse_i64(optarg, NUM_CSTR, 1, 256, &v, NULL) == 0)
			b = (size_t)v;
		else if (c == 'd')
			dir = optarg;
		else {
			fprintf(stderr, "usage: writeset [-n events] "
			    "[-f fanout] [-b outcomes-per-txn] [-d dir]\n");
			return 2;
		}
	}
	snprintf(home, sizeof(home), "%s/hookd-writeset.XXXXXX", dir);
	if (mkdtemp(home) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	memset(body, 'x', sizeof(body));
	whids = calloc(fanout, sizeof(*whids));
	for (i = 0; whids != NULL && i < fanout; i++)
		snprintf(whids[i], sizeof(whids[i]), "wh_bench_%04zu", i);
	config_defaults(&cfg);
	memset(&o, 0, sizeof(o));
	o.home = home;
	o.nosync = 1;
	ids = calloc(n, sizeof(*ids));
	jobs = calloc(b, sizeof(*jobs));
	jp = calloc(b, sizeof(*jp));
	if (ids == NULL || jobs == NULL || jp == NULL || whids == NULL ||
	    store_open(&s, &o, err, sizeof(err)) != STORE_OK ||
	    store_txn(s, 0, setup_fn, NULL, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "writeset: setup: %s\n", err);
		return 1;
	}
	if (log_pos(&l0) == -1) {
		fprintf(stderr, "writeset: db5.3_stat -l failed\n");
		return 1;
	}
	t0 = now_s();
	for (i = 0; i < n; i++) {
		p.at = timefmt_now_ms();
		if (store_txn(s, 0, pub_fn, &p, err, sizeof(err)) != STORE_OK) {
			fprintf(stderr, "writeset: publish: %s\n", err);
			return 1;
		}
		memcpy(ids[i], p.dlv, sizeof(ids[i]));
	}
	t1 = now_s();
	(void)log_pos(&l1);
	for (i = 0; i < n; i += k) {
		for (k = 0; k < b && i + k < n; k++) {
			struct job *j = &jobs[k];

			memset(j, 0, sizeof(*j));
			memcpy(j->d.id, ids[i + k], sizeof(j->d.id));
			if (store_txn(s, STORE_RDONLY, get_fn, j, err,
			    sizeof(err)) != STORE_OK ||
			    id_new("att", j->att_id, sizeof(j->att_id)) == -1) {
				fprintf(stderr, "writeset: read: %s\n", err);
				return 1;
			}
			j->kind = JOB_SEND;
			j->status = 204;
			j->at = timefmt_now_ms();
			j->duration_ms = 1;
			j->retry_after_ms = -1;
			jp[k] = j;
		}
		t2 = now_s();
		if (outcome_flush(s, &cfg, jp, k, err, sizeof(err)) == -1) {
			fprintf(stderr, "writeset: outcome: %s\n", err);
			return 1;
		}
		tout += now_s() - t2;
	}
	(void)log_pos(&l2);
	printf("intake:  %zu events x %zu deliveries, %.0f log bytes and %.1f log records per "
	    "event, %.1f us/event\n", n, fanout,
	    (double)(l1.bytes - l0.bytes) / (double)n,
	    (double)(l1.records - l0.records) / (double)n,
	    (t1 - t0) * 1e6 / (double)n);
	printf("outcome: %zu outcomes (%zu per txn), %.0f log bytes and %.1f "
	    "log records per outcome, %.1f us/outcome\n", n, b,
	    (double)(l2.bytes - l1.bytes) / (double)n,
	    (double)(l2.records - l1.records) / (double)n,
	    tout * 1e6 / (double)n);
	store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	if (system(cmd) != 0)
		fprintf(stderr, "writeset: could not remove %s\n", home);
	return 0;
}
