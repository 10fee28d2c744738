/*
 * replkey.c - the key check's request to the master, off hookd-repl's
 * tick (contracts in repl.h, repl_keycheck; the answering side is
 * repl.c's message dispatch).
 *
 * A client asks the master for its check value on a repmgr channel
 * before it synchronises.  Opening a channel makes its own connection
 * and reads the master's handshake on a blocking socket, so a master
 * that hangs at that moment (SIGSTOP, a wedged host) blocks the caller
 * until it answers or dies.  The request therefore runs on a thread of
 * its own, without the store's lock during the channel calls; the tick
 * only asks for a request and reads its result (repl_keycheck, which
 * waits for it at most KEY_TICK_MS: a live master's answer is seen in
 * the same tick).  The
 * thread opens a channel only while repmgr shows the master connected,
 * one per request, and repl_keycheck_stop waits for it at most
 * KEY_STOP_MS (as repllag.c's reporter).
 *
 * Shared state: key.mu guards everything in key but thread and st,
 * which only the starting and stopping thread touches.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/env.h"
#include "db/repl.h"
#include "db/replenv.h"
#include "lib/str.h"

#define KEY_WAIT_US	2000000	/* the master's answer, at most */
#define KEY_STOP_MS	3000
#define KEY_TICK_MS	200	/* repl_keycheck waits for an answer */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	struct store *st;
	int running, stop, done;
	int want;			/* the tick wants a request run */
	int have;			/* a finished request's result: */
	int ok;				/* ... fp holds the answer */
	char fp[REPL_FP_MAX + 1];	/* NUL-terminated */
	char err[256];			/* ... or why not */
} key = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

/*
 * One request to the master into fp (fplen bytes with the NUL).  The
 * channel calls run without s->rw: a blocking handshake must not hold
 * it, and s->env lives until repl_keycheck_stop has returned (site.c
 * closes the store only after it).  0, or -1 with err.
 */
static int
key_ask(char *fp, size_t fplen, char *err, size_t errlen)
{
	struct store *s = key.st;
	DB_CHANNEL *ch = NULL;
	DB_ENV *env;
	DBT req, ans;
	int ret, up, rc = -1;

	if (env_use(s, err, errlen) != STORE_OK)
		return -1;
	env = s->env;
	up = repl_env_master_up(env);
	pthread_rwlock_unlock(&s->rw);
	if (!up) {
		snprintf(err, errlen, "replication: key check: the master's "
		    "connection is not up");
		return -1;
	}
	memset(&req, 0, sizeof(req));
	memset(&ans, 0, sizeof(ans));
	req.data = REPL_KEY_ASK;
	req.size = sizeof(REPL_KEY_ASK) - 1;
	ans.flags = DB_DBT_MALLOC;
	if ((ret = env->repmgr_channel(env, DB_EID_MASTER, &ch, 0)) != 0 ||
	    (ret = ch->send_request(ch, &req, 1, &ans, KEY_WAIT_US,
	    0)) != 0) {
		snprintf(err, errlen, "replication: asking the master for its "
		    "key check: %s", db_strerror(ret));
	} else if (ans.size == 0 || ans.size >= fplen) {
		snprintf(err, errlen, "replication: the master gave no key "
		    "check (a hookd-repl of another version?)");
	} else {
		memcpy(fp, ans.data, ans.size);
		fp[ans.size] = '\0';
		rc = 0;
	}
	free(ans.data);
	if (ch != NULL)
		(void)ch->close(ch, 0);
	return rc;
}

static void *
key_main(void *arg)
{
	char fp[REPL_FP_MAX + 1], err[sizeof(key.err)];
	int ok;

	(void)arg;
	pthread_mutex_lock(&key.mu);
	for (;;) {
		while (!key.stop && !key.want)
			pthread_cond_wait(&key.cv, &key.mu);
		if (key.stop)
			break;
		pthread_mutex_unlock(&key.mu);
		err[0] = '\0';
		ok = key_ask(fp, sizeof(fp), err, sizeof(err)) == 0;
		pthread_mutex_lock(&key.mu);
		key.want = 0;
		key.have = 1;
		key.ok = ok;
		if (ok)
			memcpy(key.fp, fp, sizeof(key.fp));
		memcpy(key.err, err, sizeof(key.err));
		pthread_cond_broadcast(&key.cv);	/* repl_keycheck */
	}
	key.done = 1;
	pthread_cond_broadcast(&key.cv);
	pthread_mutex_unlock(&key.mu);
	return NULL;
}

int
repl_keycheck_start(struct store *s)
{
	if (key.running)
		return -1;
	key.st = s;
	key.stop = key.done = key.want = key.have = 0;
	if (pthread_create(&key.thread, NULL, key_main, NULL) != 0)
		return -1;
	key.running = 1;
	return 0;
}

int
repl_keycheck(char *out, size_t outlen, char *err, size_t errlen)
{
	struct timespec ts;
	int rc = STORE_ERR;

	out[0] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += KEY_TICK_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&key.mu);
	if (key.running && !key.have && !key.want) {
		key.want = 1;
		pthread_cond_broadcast(&key.cv);
	}
	/* a master that answers at once is seen in this tick */
	while (key.running && !key.have && pthread_cond_timedwait(&key.cv,
	    &key.mu, &ts) == 0)
		;
	if (!key.running) {
		snprintf(err, errlen, "replication: key check: no thread to "
		    "ask the master");
	} else if (!key.have) {
		snprintf(err, errlen, "replication: key check: waiting for "
		    "the master's answer");
	} else {
		key.have = 0;
		if (key.ok && str_copy(out, outlen, key.fp) != -1) {
			rc = STORE_OK;
		} else {
			out[0] = '\0';
			snprintf(err, errlen, "%s", key.ok ? "replication: "
			    "key check too long" : key.err);
		}
	}
	pthread_mutex_unlock(&key.mu);
	return rc;
}

int
repl_keycheck_stop(void)
{
	struct timespec ts;
	int done;

	if (!key.running)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += KEY_STOP_MS / 1000;
	pthread_mutex_lock(&key.mu);
	key.stop = 1;
	pthread_cond_broadcast(&key.cv);
	while (!key.done && pthread_cond_timedwait(&key.cv, &key.mu,
	    &ts) == 0)
		;
	done = key.done;
	pthread_mutex_unlock(&key.mu);
	if (!done)
		return -1;	/* left running: the caller exits */
	pthread_join(key.thread, NULL);
	key.running = 0;
	return 0;
}
