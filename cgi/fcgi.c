/*
 * fcgi.c - the FastCGI transport and hookd.fcgi's request threads
 * (contract in fcgi.h).
 *
 * Shared state: fcgi.mu guards busy (requests in progress) and alive
 * (threads not yet ended); fcgi_stop_flag is set by a signal handler on
 * whichever thread takes the signal and read by every thread, so only
 * with atomic loads and stores (fcgi_stopping).
 * Each thread owns its FCGX_Request, request and response buffers; its
 * slot in fcgi_slot says who writes the answer of the request in hand:
 * the thread (SLOT_ANSWERING) or, when the process is about to exit
 * wedged, fcgi_wedged on the watchdog thread (SLOT_TAKEN).  Both claim
 * a SLOT_BUSY slot with a compare-and-swap, so exactly one answers.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "cgi/commit.h"
#include "cgi/fcgi.h"
#include "cgi/request.h"
#include "cgi/response.h"
#include "lib/log.h"

static volatile sig_atomic_t fcgi_stop_flag;

static int
fcgi_stopping(void)
{
	return __atomic_load_n(&fcgi_stop_flag, __ATOMIC_ACQUIRE);
}

enum { SLOT_IDLE, SLOT_BUSY, SLOT_ANSWERING, SLOT_TAKEN };

static struct fcgi_slot {
	FCGX_Request *fr;	/* the request in hand (set before BUSY) */
	int state;		/* SLOT_*, atomic */
} fcgi_slot[FCGI_THREADS_MAX];

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* busy or alive went down */
	unsigned busy, alive;
	struct api_ctx *ctx;
} fcgi = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

void
fcgi_stop(void)
{
	__atomic_store_n(&fcgi_stop_flag, 1, __ATOMIC_RELEASE);
}

static const char *
fcgi_getenv(void *u, const char *name)
{
	return FCGX_GetParam(name, ((FCGX_Request *)u)->envp);
}

static long
fcgi_read(void *u, char *p, size_t n)
{
	int got;

	if (n > INT32_MAX)
		n = INT32_MAX;
	got = FCGX_GetStr(p, (int)n, ((FCGX_Request *)u)->in);
	return got < 0 ? -1 : got;
}

static int
fcgi_write(void *u, const void *p, size_t n)
{
	FCGX_Stream *out = ((FCGX_Request *)u)->out;
	int k;

	while (n > 0) {
		k = n > 65536 ? 65536 : (int)n;
		if (FCGX_PutStr(p, k, out) != k)
			return -1;
		p = (const char *)p + k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * End a FastCGI request without libfcgi's lingering close.  By default
 * FCGX_Finish_r shuts down the send side and then waits (poll + read)
 * until the web server closes its end, so the thread sits idle for a
 * round trip through the server's event loop before it can accept the
 * next request.  The wait only guards against closing with unread input
 * (a reset could cost the server our answer), so read what is left of
 * the body to the end of FCGI_STDIN (bounded) and, when it ends, mark
 * the request detached: libfcgi then just closes the connection.
 */
static void
fcgi_end(FCGX_Request *r)
{
	char chunk[16384];
	long left = 1024L * 1024;
	int n;

	while (left > 0 && (n = FCGX_GetStr(chunk, sizeof(chunk), r->in)) > 0)
		left -= n;
	if (left > 0 && FCGX_GetError(r->in) == 0 && FCGX_HasSeenEOF(r->in))
		(void)FCGX_Detach(r);
}

/* 1 and counted busy, or 0 when stopping (the caller drops the request). */
static int
fcgi_begin(void)
{
	int ok;

	pthread_mutex_lock(&fcgi.mu);
	ok = !fcgi_stopping();
	if (ok)
		fcgi.busy++;
	pthread_mutex_unlock(&fcgi.mu);
	return ok;
}

/* A request (busy) or the thread (alive) ended.  The main thread waits
 * for that only once stopping, or for the last thread: wake it only
 * then (a wake per request cost a context switch per request). */
static void
fcgi_done(int *busy, int *alive)
{
	pthread_mutex_lock(&fcgi.mu);
	if (*busy)
		fcgi.busy--;
	if (*alive)
		fcgi.alive--;
	if (*alive || fcgi_stopping())
		pthread_cond_broadcast(&fcgi.cv);
	*busy = *alive = 0;
	pthread_mutex_unlock(&fcgi.mu);
}

/* The thread of slot sl may write its answer: 1, or 0 when fcgi_wedged
 * answered it already (the process is exiting: write nothing more). */
static int
fcgi_claim(struct fcgi_slot *sl)
{
	int busy = SLOT_BUSY;

	return __atomic_compare_exchange_n(&sl->state, &busy, SLOT_ANSWERING,
	    0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

void
fcgi_wedged(const char *answer, size_t n)
{
	struct fcgi_slot *sl;
	int busy;

	for (sl = fcgi_slot; sl < fcgi_slot + FCGI_THREADS_MAX; sl++) {
		busy = SLOT_BUSY;
		if (!__atomic_compare_exchange_n(&sl->state, &busy, SLOT_TAKEN,
		    0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			continue;
		/* err then out: closing the last writer sends
		 * FCGI_END_REQUEST, so the server has the whole answer
		 * before our exit closes the connection */
		(void)fcgi_write(sl->fr, answer, n);
		(void)FCGX_FClose(sl->fr->err);
		(void)FCGX_FClose(sl->fr->out);
	}
}

static void *
fcgi_thread(void *arg)
{
	struct fcgi_slot *sl = arg;
	struct api_response resp;
	struct request_io io;
	struct request rq;
	FCGX_Request fr;
	int busy = 0, alive = 1;

	request_init(&rq);
	response_init(&resp);
	if (FCGX_InitRequest(&fr, 0, 0) != 0)
		goto out;
	io.u = &fr;
	io.getenv = fcgi_getenv;
	io.read = fcgi_read;
	io.write = fcgi_write;
	while (!fcgi_stopping() && FCGX_Accept_r(&fr) >= 0) {
		if (!(busy = fcgi_begin())) {
			FCGX_Finish_r(&fr);
			break;
		}
		sl->fr = &fr;
		__atomic_store_n(&sl->state, SLOT_BUSY, __ATOMIC_RELEASE);
		request_read(&rq, fcgi.ctx, &io);
		api_handle(fcgi.ctx, &rq.req, &resp);
		if (!fcgi_claim(sl))
			for (;;)
				pause();	/* answered 503; _exit comes */
		if (request_write(&resp, &io) == -1)
			log_debug("client went away before the answer was "
			    "written");
		request_free(&rq);
		response_free(&resp);
		response_init(&resp);
		fcgi_end(&fr);
		FCGX_Finish_r(&fr);
		__atomic_store_n(&sl->state, SLOT_IDLE, __ATOMIC_RELEASE);
		fcgi_done(&busy, &(int){ 0 });
	}
	FCGX_Free(&fr, 1);
out:
	response_free(&resp);
	request_free(&rq);
	fcgi_done(&busy, &alive);
	return NULL;
}

int
fcgi_serve(struct api_ctx *ctx, unsigned nthreads)
{
	sigset_t block, old;
	pthread_attr_t attr;
	pthread_t th;
	struct timespec ts;
	unsigned i, started = 0;

	fcgi.ctx = ctx;
	/* glibc gives each thread a malloc arena of its own, up to 8 per
	 * core; each keeps what its thread freed, so RSS grew with the
	 * thread count.  Two arenas are as fast here (the request threads
	 * mostly wait) and keep a process near its single-thread size. */
	if (nthreads > 1)
		(void)mallopt(M_ARENA_MAX, 2);
	if (nthreads > 1 && commit_start() == -1)
		log_err("no checkpoint thread: checking the log after each "
		    "commit");
	/* the request threads inherit a mask without the stop signals */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < nthreads; i++) {
		pthread_mutex_lock(&fcgi.mu);
		fcgi.alive++;
		pthread_mutex_unlock(&fcgi.mu);
		if (pthread_create(&th, &attr, fcgi_thread, &fcgi_slot[i])
		    != 0) {
			pthread_mutex_lock(&fcgi.mu);
			fcgi.alive--;
			pthread_mutex_unlock(&fcgi.mu);
			log_err("request thread %u of %u: %s", i + 1, nthreads,
			    strerror(errno));
			break;
		}
		started++;
	}
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* until a stop signal or every thread's accept failed; the
	 * signal's handler only sets the flag: look 10 times a second */
	pthread_mutex_lock(&fcgi.mu);
	while (!fcgi_stopping() && fcgi.alive > 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&fcgi.cv, &fcgi.mu, &ts);
	}
	fcgi_stop();
	while (fcgi.busy > 0)
		pthread_cond_wait(&fcgi.cv, &fcgi.mu);
	pthread_mutex_unlock(&fcgi.mu);
	commit_stop();
	return started > 0 ? 0 : -1;
}
