/*
 * store_bench.c - what a durable write costs, raw Berkeley DB next to
 * hookd's intake write, with 1 and 4 writer processes, sync and nosync.
 *
 *   bench/store_bench [-t seconds-per-case] [-d scratch-dir] [-p raw-pagesize]
 *                     [-k raw|hookd]   (only those cases; no ratios)
 *
 * Cases (each runs for -t seconds, default 2, in a fresh environment):
 *   raw      one DB->put of a 1 KiB value per transaction (time-ordered
 *            16-byte keys), configured like the store (same cache, log
 *            buffer, deadlock detection), on -p byte pages (default 16384)
 *            and on 4096-byte pages for comparison
 *   hookd    store_event_put (1 KiB body) + store_delivery_put (pending)
 *            in one store_txn: one accepted event with one delivery
 * The last two columns are the record file's (raw.db, events.db) leaf
 * and overflow pages after the run: a record that does not fit a quarter
 * page goes to overflow pages.
 * sync = fsync of the log at each commit; nosync = DB_TXN_WRITE_NOSYNC
 * (written to the OS at commit, survives a process crash, not a power
 * cut).  4 writers are 4 processes on one environment.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <db.h>

#include "db/store.h"
#include "lib/id.h"
#include "lib/num.h"
#include "lib/str.h"

#define VALUE_LEN 1024

static double secs = 2.0;
static char scratch[256] = "/tmp";

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
rm_rf(const char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", d);
}

static int
mkdir_p(const char *d)
{
	return mkdir(d, 0700) == -1 && errno != EEXIST ? -1 : 0;
}

/* ---- raw Berkeley DB ---------------------------------------------------- */

struct raw {
	DB_ENV *env;
	DB *db;
};

static int
raw_open(struct raw *r, const char *home, int nosync, u_int32_t pagesize)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if ((ret = db_env_create(&r->env, 0)) != 0)
		goto bad;
	r->env->set_cachesize(r->env, 0, 32 * 1024 * 1024, 1);
	r->env->set_lg_bsize(r->env, 2 * 1024 * 1024);
	r->env->set_lk_detect(r->env, DB_LOCK_YOUNGEST);
	if (nosync)
		r->env->set_flags(r->env, DB_TXN_WRITE_NOSYNC, 1);
	if ((ret = r->env->open(r->env, home, DB_CREATE | DB_INIT_LOCK |
	    DB_INIT_LOG | DB_INIT_MPOOL | DB_INIT_TXN, 0600)) != 0)
		goto bad;
	if ((ret = db_create(&r->db, r->env, 0)) != 0)
		goto bad;
	r->db->set_pagesize(r->db, pagesize);
	if ((ret = r->db->open(r->db, NULL, "raw.db", NULL, DB_BTREE,
	    DB_CREATE | DB_AUTO_COMMIT, 0600)) != 0)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "raw open: %s\n", db_strerror(ret));
	return -1;
}

static void
raw_close(struct raw *r)
{
	if (r->db != NULL)
		r->db->close(r->db, 0);
	if (r->env != NULL)
		r->env->close(r->env, 0);
}

/* One put per transaction until the deadline; returns commits. */
static long
raw_run(struct raw *r, int tag, double until)
{
	unsigned char key[16], val[VALUE_LEN];
	DBT k, d;
	DB_TXN *txn;
	uint64_t seq = 0;
	long n = 0;
	int ret, i;

	memset(val, 'v', sizeof(val));
	while (now_s() < until) {
		uint64_t ms = (uint64_t)(now_s() * 1000);

		for (i = 0; i < 8; i++) {
			key[i] = (unsigned char)(ms >> (56 - 8 * i));
			key[8 + i] = (unsigned char)(((uint64_t)tag << 56 |
			    seq) >> (56 - 8 * i));
		}
		seq++;
		memset(&k, 0, sizeof(k));
		memset(&d, 0, sizeof(d));
		k.data = key;
		k.size = sizeof(key);
		d.data = val;
		d.size = sizeof(val);
		if ((ret = r->env->txn_begin(r->env, NULL, &txn, 0)) != 0)
			return -1;
		ret = r->db->put(r->db, txn, &k, &d, 0);
		if (ret == DB_LOCK_DEADLOCK || ret == DB_LOCK_NOTGRANTED) {
			txn->abort(txn);
			continue;
		}
		if (ret != 0) {
			txn->abort(txn);
			fprintf(stderr, "raw put: %s\n", db_strerror(ret));
			return -1;
		}
		if (txn->commit(txn, 0) != 0)
			return -1;
		n++;
	}
	return n;
}

/* ---- hookd's intake write ------------------------------------------------ */

struct intake {
	char body[VALUE_LEN + 1];
};

static int
intake_txn(struct store_txn *t, void *arg)
{
	struct intake *in = arg;
	struct store_event e;
	struct store_delivery d;
	int rc;

	memset(&e, 0, sizeof(e));
	memset(&d, 0, sizeof(d));
	if (id_new("evt", e.id, sizeof(e.id)) == -1 ||
	    id_new("dlv", d.id, sizeof(d.id)) == -1)
		return STORE_ERR;
	memcpy(e.type, "user.created", 13);
	memcpy(e.org_id, "org_bench", 10);
	memcpy(e.app_id, "app_bench", 10);
	e.created_at = id_time(e.id);
	e.deliveries = 1;
	e.body = in->body;
	e.body_len = VALUE_LEN;
	memcpy(d.event_id, e.id, sizeof(d.event_id));
	memcpy(d.webhook_id, "wh_bench", 9);
	memcpy(d.app_id, "app_bench", 10);
	memcpy(d.event_type, e.type, sizeof(d.event_type));
	d.status = STORE_DLV_PENDING;
	d.next_attempt_at = e.created_at;
	d.created_at = d.updated_at = e.created_at;
	if ((rc = store_event_put(t, &e)) != STORE_OK)
		return rc;
	return store_delivery_put(t, &d, 1);
}

static long
hookd_run(struct store *s, double until)
{
	struct intake in;
	char err[512];
	long n = 0;

	memset(in.body, 'b', VALUE_LEN);
	in.body[VALUE_LEN] = '\0';
	while (now_s() < until) {
		if (store_txn(s, 0, intake_txn, &in, err, sizeof(err)) !=
		    STORE_OK) {
			fprintf(stderr, "hookd txn: %s\n", err);
			return -1;
		}
		n++;
	}
	return n;
}

/* ---- cases ---------------------------------------------------------------- */

enum kind { RAW, HOOKD };

/* Open in the child (handles never cross a fork), wait for the start
 * byte, run until the deadline, write the count. */
static void
child(enum kind k, const char *home, int nosync, u_int32_t pagesize,
    int tag, int go, int out)
{
	struct store_opts o = { home, nosync, 0, NULL, NULL, 0, 0 };
	struct store *s = NULL;
	struct raw r;
	char err[512], c;
	double until;
	long n;

	if (k == RAW) {
		if (raw_open(&r, home, nosync, pagesize) == -1)
			_exit(1);
	} else if (store_open(&s, &o, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "store_open: %s\n", err);
		_exit(1);
	}
	if (read(go, &c, 1) != 1)
		_exit(1);
	until = now_s() + secs;
	n = k == RAW ? raw_run(&r, tag, until) : hookd_run(s, until);
	if (k == RAW)
		raw_close(&r);
	else
		store_close(s);
	if (write(out, &n, sizeof(n)) != sizeof(n))
		_exit(1);
	_exit(n < 0 ? 1 : 0);
}

/* Leaf and overflow pages of a database file (closed by everyone). */
static void
page_stats(const char *path, u_int32_t *leaf, u_int32_t *over)
{
	DB_BTREE_STAT *sp;
	DB *db;

	*leaf = *over = 0;
	if (db_create(&db, NULL, 0) != 0)
		return;
	if (db->open(db, NULL, path, NULL, DB_UNKNOWN, DB_RDONLY, 0) == 0 &&
	    db->stat(db, NULL, &sp, 0) == 0) {
		*leaf = sp->bt_leaf_pg;
		*over = sp->bt_over_pg;
		free(sp);
	}
	db->close(db, 0);
}

/* Commits per second over all writers, or -1.  Also the record file's
 * page size and its leaf and overflow page counts after the run. */
static double
run_case(enum kind k, int writers, int nosync, u_int32_t pagesize,
    u_int32_t *seen_pagesize, u_int32_t *leaf, u_int32_t *over)
{
	char home[300];
	int go[2], out[2], i, st, bad = 0;
	pid_t pid[16];
	long n, total = 0;

	snprintf(home, sizeof(home), "%s/store_bench.%d", scratch,
	    (int)getpid());
	rm_rf(home);
	if (pipe(go) == -1 || pipe(out) == -1)
		return -1;
	/* create the environment and files first, from a child too */
	if ((pid[0] = fork()) == 0) {
		struct store_opts o = { home, nosync, 0, NULL, NULL, 0, 0 };
		struct store *s;
		struct raw r;
		char err[512];

		if (mkdir_p(home) == -1)
			_exit(1);
		if (k == RAW) {
			if (raw_open(&r, home, nosync, pagesize) == -1)
				_exit(1);
			raw_close(&r);
		} else {
			if (store_open(&s, &o, err, sizeof(err)) != STORE_OK)
				_exit(1);
			store_close(s);
		}
		_exit(0);
	}
	if (waitpid(pid[0], &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	if (seen_pagesize != NULL) {
		DB *db;
		char path[400];

		*seen_pagesize = 0;
		snprintf(path, sizeof(path), "%s/%s", home,
		    k == RAW ? "raw.db" : "events.db");
		if (db_create(&db, NULL, 0) == 0) {
			if (db->open(db, NULL, path, NULL, DB_UNKNOWN,
			    DB_RDONLY, 0) == 0)
				db->get_pagesize(db, seen_pagesize);
			db->close(db, 0);
		}
	}
	for (i = 0; i < writers; i++) {
		if ((pid[i] = fork()) == 0) {
			close(go[1]);
			close(out[0]);
			child(k, home, nosync, pagesize, i, go[0], out[1]);
		}
	}
	close(go[0]);
	close(out[1]);
	usleep(200000);		/* all opened */
	for (i = 0; i < writers; i++)
		if (write(go[1], "g", 1) != 1)
			bad = 1;
	for (i = 0; i < writers; i++) {
		ssize_t got = read(out[0], &n, sizeof(n));

		if (got != (ssize_t)sizeof(n) || n < 0)
			bad = 1;
		else
			total += n;
	}
	for (i = 0; i < writers; i++)
		if (waitpid(pid[i], &st, 0) == -1 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad = 1;
	close(go[1]);
	close(out[0]);
	{
		char path[400];

		snprintf(path, sizeof(path), "%s/%s", home,
		    k == RAW ? "raw.db" : "events.db");
		page_stats(path, leaf, over);
	}
	rm_rf(home);
	return bad ? -1 : (double)total / secs;
}

int
main(int argc, char **argv)
{
	static const struct {
		enum kind k;
		int writers, nosync;
		u_int32_t pagesize;	/* raw only; 0: the -p value */
		const char *name;
	} cases[] = {
		{ RAW, 1, 0, 0, "raw put 1KiB, sync" },
		{ RAW, 1, 1, 0, "raw put 1KiB, nosync" },
		{ RAW, 1, 0, 4096, "raw put 1KiB, sync, 4K pages" },
		{ RAW, 1, 1, 4096, "raw put 1KiB, nosync, 4K pages" },
		{ HOOKD, 1, 0, 0, "hookd event+delivery, sync" },
		{ HOOKD, 1, 1, 0, "hookd event+delivery, nosync" },
		{ RAW, 4, 0, 0, "raw put 1KiB, sync" },
		{ RAW, 4, 1, 0, "raw put 1KiB, nosync" },
		{ RAW, 4, 0, 4096, "raw put 1KiB, sync, 4K pages" },
		{ RAW, 4, 1, 4096, "raw put 1KiB, nosync, 4K pages" },
		{ HOOKD, 4, 0, 0, "hookd event+delivery, sync" },
		{ HOOKD, 4, 1, 0, "hookd event+delivery, nosync" },
	};
	enum { NCASES = sizeof(cases) / sizeof(cases[0]) };
	double rate[NCASES];
	u_int32_t raw_pagesize = 16384, ps, leaf, over;
	int i, c, only = -1;
	uint64_t ul;
	char *end;

	while ((c = getopt(argc, argv, "t:d:p:k:")) != -1) {
		switch (c) {
		case 't':
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(secs > 0 && secs <= 600))
				goto usage;
			break;
		case 'd':
			if (str_copy(scratch, sizeof(scratch), optarg) == -1)
				goto usage;
			break;
		case 'p':
			if (num_parse_u64(optarg, NUM_CSTR, 512, 65536, &ul,
			    NULL) == -1 || (ul & (ul - 1)) != 0)
				goto usage;
			raw_pagesize = (u_int32_t)ul;
			break;
		case 'k':
			if (strcmp(optarg, "raw") == 0)
				only = RAW;
			else if (strcmp(optarg, "hookd") == 0)
				only = HOOKD;
			else
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	printf("%-34s %7s %6s %9s %8s %8s\n", "case", "writers", "page",
	    "txn/s", "leaf pg", "ovfl pg");
	for (i = 0; i < NCASES; i++) {
		u_int32_t want = cases[i].pagesize ? cases[i].pagesize :
		    raw_pagesize;

		if (only != -1 && (int)cases[i].k != only)
			continue;
		rate[i] = run_case(cases[i].k, cases[i].writers,
		    cases[i].nosync, want, &ps, &leaf, &over);
		printf("%-34s %7d %6u %9.0f %8u %8u\n", cases[i].name,
		    cases[i].writers, ps, rate[i], leaf, over);
		fflush(stdout);
	}
	if (only != -1)
		return 0;
	printf("\nratios (hookd txn = event + delivery, 2 records + 6 index and counter writes)\n");
	printf("  hookd/raw, 1 writer:  sync %.2f   nosync %.2f\n",
	    rate[4] / rate[0], rate[5] / rate[1]);
	printf("  hookd/raw, 4 writers: sync %.2f   nosync %.2f\n",
	    rate[10] / rate[6], rate[11] / rate[7]);
	printf("  4 writers/1 writer:   raw sync %.2f   raw nosync %.2f   "
	    "hookd sync %.2f   hookd nosync %.2f\n", rate[6] / rate[0],
	    rate[7] / rate[1], rate[10] / rate[4], rate[11] / rate[5]);
	printf("  nosync/sync:          raw 1w %.1f   hookd 1w %.1f   "
	    "hookd 4w %.1f\n", rate[1] / rate[0], rate[5] / rate[4],
	    rate[11] / rate[10]);
	printf("  4K/16K pages (raw):   1w sync %.2f   4w sync %.2f   "
	    "4w nosync %.2f\n", rate[2] / rate[0], rate[8] / rate[6],
	    rate[9] / rate[7]);
	return 0;
usage:
	fprintf(stderr, "usage: store_bench [-t seconds] [-d dir] "
	    "[-p raw-pagesize] [-k raw|hookd]\n");
	return 2;
}
