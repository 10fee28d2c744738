/*
 * sender_txn.c - what one more durable transaction costs: the figure behind
 * docs/delivery.md's "a lock, not leases".
 *
 *   sender_txn DIR [TXNS]
 *
 * Times TXNS committed transactions of N record rewrites (N = 1, 16, 64,
 * 256) with durability sync (fsync on commit) and nosync, and prints the
 * mean cost per transaction.  A lease scheme needs one such transaction per
 * batch before sending (claim) on top of the one that records outcomes.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/store.h"
#include "lib/num.h"
#include "lib/timefmt.h"

struct tx {
	int n;
	int64_t at;
};

static int
tx_fn(struct store_txn *t, void *arg)
{
	struct tx *x = arg;
	struct store_health h;
	int i, rc;

	for (i = 0; i < x->n; i++) {
		memset(&h, 0, sizeof(h));
		snprintf(h.webhook_id, sizeof(h.webhook_id), "wh_bench_%04d", i);
		h.last_attempt_at = x->at;
		if ((rc = store_health_put(t, &h)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

int
main(int argc, char **argv)
{
	static const int sizes[] = { 1, 16, 64, 256 };
	struct store_opts o;
	struct store *s;
	struct tx x;
	char err[256], home[4096];
	int64_t t0;
	long txns = 200;
	int64_t v;
	int nosync, k, i;

	if (argc < 2) {
		fprintf(stderr, "usage: sender_txn DIR [TXNS]\n");
		return 2;
	}
	if (argc > 2) {
		if (num_parse_i64(argv[2], NUM_CSTR, 1, LONG_MAX, &v,
		    NULL) == -1)
			return 2;
		txns = (long)v;
	}
	for (nosync = 0; nosync <= 1; nosync++) {
		snprintf(home, sizeof(home), "%s/%s", argv[1],
		    nosync ? "nosync" : "sync");
		memset(&o, 0, sizeof(o));
		o.home = home;
		o.nosync = nosync;
		if (store_open(&s, &o, err, sizeof(err)) != STORE_OK) {
			fprintf(stderr, "sender_txn: %s\n", err);
			return 1;
		}
		for (k = 0; k < (int)(sizeof(sizes) / sizeof(sizes[0])); k++) {
			x.n = sizes[k];
			t0 = timefmt_mono_ms();
			for (i = 0; i < txns; i++) {
				x.at = i;
				if (store_txn(s, 0, tx_fn, &x, err,
				    sizeof(err)) != STORE_OK) {
					fprintf(stderr, "sender_txn: %s\n", err);
					return 1;
				}
			}
			printf("%-6s %3d puts/txn: %.3f ms per txn\n",
			    nosync ? "nosync" : "sync", x.n,
			    (double)(timefmt_mono_ms() - t0) / (double)txns);
		}
		store_close(s);
	}
	return 0;
}
