/*
 * repllag.c - how far each client's log is behind the master's (contracts
 * in repl.h, repl_lag_report, and replenv.h).
 *
 * Berkeley DB 5.3 tells no site where another site's log ends.  So each
 * client's replication process reports its own log end to the master
 * once a second, as a one-way message on a repmgr channel ("hookd-lsn",
 * its address, file and offset in network order); the master's
 * replication process keeps the last report per address, and repl_info
 * turns a report under REPORT_FRESH_MS old into lag_bytes against the
 * master's own log end.  Older or missing reports mean "unknown" (-1).
 *
 * The reports go from a thread of their own, never from hookd-repl's
 * tick: a channel opens its own connection to the master and reads the
 * master's handshake on a blocking socket, so a master that hangs at
 * that moment (SIGSTOP) blocks the caller until it answers or dies.  The
 * thread keeps one channel (it follows the master: one connection per
 * master, opened only while repmgr shows the master connected), and
 * repl_lag_stop waits for it at most REPORT_STOP_MS.
 *
 * Shared state: lag.mu guards lag.site (dispatch threads write, the tick
 * reads); rep.mu guards rep.stop and rep.done.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/env.h"
#include "db/repl.h"
#include "db/replenv.h"
#include "lib/str.h"

#define REPORT_MSG	"hookd-lsn"
#define REPORT_FRESH_MS	3000
#define REPORT_EVERY_MS	1000
#define REPORT_STOP_MS	3000

static struct {
	pthread_mutex_t mu;
	struct {
		char addr[REPL_ADDR_MAX + 1];	/* "" when free */
		DB_LSN end;
		long long at;			/* monotonic ms */
	} site[REPL_SITES_MAX];
} lag = { .mu = PTHREAD_MUTEX_INITIALIZER };

static long long
lag_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
repl_lsn_bytes(const DB_LSN *hi, const DB_LSN *lo, uint32_t lg_max)
{
	if (hi->file < lo->file || (hi->file == lo->file &&
	    hi->offset <= lo->offset))
		return 0;
	return (uint64_t)(hi->file - lo->file) * lg_max + hi->offset -
	    lo->offset;
}

int
repl_lag_note(const DBT *msg, u_int32_t nmsg)
{
	uint32_t be[2];
	char addr[REPL_ADDR_MAX + 1];
	long long now = lag_now_ms();
	size_t i, slot = REPL_SITES_MAX;

	if (nmsg != 3 || msg[0].size != sizeof(REPORT_MSG) - 1 ||
	    memcmp(msg[0].data, REPORT_MSG, msg[0].size) != 0)
		return 0;
	if (msg[1].size == 0 || msg[1].size > REPL_ADDR_MAX ||
	    msg[2].size != sizeof(be))
		return 1;	/* ours, malformed: dropped */
	memcpy(addr, msg[1].data, msg[1].size);
	addr[msg[1].size] = '\0';
	memcpy(be, msg[2].data, sizeof(be));
	pthread_mutex_lock(&lag.mu);
	for (i = 0; i < REPL_SITES_MAX; i++) {
		if (strcmp(lag.site[i].addr, addr) == 0) {
			slot = i;
			break;
		}
		/* a free slot, or the stalest one, for a new address */
		if (slot == REPL_SITES_MAX || lag.site[i].at <
		    lag.site[slot].at)
			slot = i;
	}
	memcpy(lag.site[slot].addr, addr, msg[1].size + 1);
	lag.site[slot].end.file = ntohl(be[0]);
	lag.site[slot].end.offset = ntohl(be[1]);
	lag.site[slot].at = now;
	pthread_mutex_unlock(&lag.mu);
	return 1;
}

int64_t
repl_lag_of(const char *addr, const DB_LSN *end, uint32_t lg_max)
{
	long long now = lag_now_ms();
	int64_t out = -1;
	size_t i;

	pthread_mutex_lock(&lag.mu);
	for (i = 0; i < REPL_SITES_MAX; i++) {
		if (lag.site[i].addr[0] != '\0' &&
		    strcmp(lag.site[i].addr, addr) == 0) {
			if (now - lag.site[i].at <= REPORT_FRESH_MS)
				out = (int64_t)repl_lsn_bytes(end,
				    &lag.site[i].end, lg_max);
			break;
		}
	}
	pthread_mutex_unlock(&lag.mu);
	return out;
}

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	struct store *st;
	char self[REPL_ADDR_MAX + 1];
	int running, stop, done;
} rep = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

/*
 * One report on *ch (opened when NULL; closed on a failure, to be opened
 * afresh next time).  The channel calls run without s->rw: a blocking
 * handshake must not hold it (a writer of the tick would wait behind
 * it), and s->env lives until repl_lag_stop has returned (site.c closes
 * the store only after it; the replication process never reopens in
 * place).
 */
static void
lag_send(DB_CHANNEL **ch)
{
	struct store *s = rep.st;
	DB_LOG_STAT *ls = NULL;
	DB_ENV *env;
	uint32_t be[2];
	DBT msg[3];
	char e[128];
	int ret, up;

	if (env_use(s, e, sizeof(e)) != STORE_OK)
		return;
	env = s->env;
	up = repl_env_master_up(env) && env->log_stat(env, &ls, 0) == 0;
	pthread_rwlock_unlock(&s->rw);
	if (!up)
		return;
	be[0] = htonl(ls->st_cur_file);
	be[1] = htonl(ls->st_cur_offset);
	free(ls);
	memset(msg, 0, sizeof(msg));
	msg[0].data = REPORT_MSG;
	msg[0].size = sizeof(REPORT_MSG) - 1;
	msg[1].data = rep.self;
	msg[1].size = (u_int32_t)strlen(rep.self);
	msg[2].data = be;
	msg[2].size = sizeof(be);
	ret = 0;
	if (*ch == NULL)
		ret = env->repmgr_channel(env, DB_EID_MASTER, ch, 0);
	if (ret == 0)
		ret = (*ch)->send_msg(*ch, msg, 3, 0);
	if (ret != 0 && *ch != NULL) {
		(void)(*ch)->close(*ch, 0);
		*ch = NULL;
	}
}

static void *
lag_main(void *arg)
{
	DB_CHANNEL *ch = NULL;
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&rep.mu);
	while (!rep.stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += REPORT_EVERY_MS / 1000;
		(void)pthread_cond_timedwait(&rep.cv, &rep.mu, &ts);
		if (rep.stop)
			break;
		pthread_mutex_unlock(&rep.mu);
		lag_send(&ch);
		pthread_mutex_lock(&rep.mu);
	}
	pthread_mutex_unlock(&rep.mu);
	if (ch != NULL)
		(void)ch->close(ch, 0);
	pthread_mutex_lock(&rep.mu);
	rep.done = 1;
	pthread_cond_broadcast(&rep.cv);
	pthread_mutex_unlock(&rep.mu);
	return NULL;
}

int
repl_lag_start(struct store *s, const char *self)
{
	if (rep.running || str_copy(rep.self, sizeof(rep.self), self) == -1)
		return -1;
	rep.st = s;
	rep.stop = rep.done = 0;
	if (pthread_create(&rep.thread, NULL, lag_main, NULL) != 0)
		return -1;
	rep.running = 1;
	return 0;
}

int
repl_lag_stop(void)
{
	struct timespec ts;
	int done;

	if (!rep.running)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += REPORT_STOP_MS / 1000;
	pthread_mutex_lock(&rep.mu);
	rep.stop = 1;
	pthread_cond_broadcast(&rep.cv);
	while (!rep.done && pthread_cond_timedwait(&rep.cv, &rep.mu,
	    &ts) == 0)
		;
	done = rep.done;
	pthread_mutex_unlock(&rep.mu);
	if (!done)
		return -1;	/* left running: the caller exits */
	pthread_join(rep.thread, NULL);
	rep.running = 0;
	return 0;
}
