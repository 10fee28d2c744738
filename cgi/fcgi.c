/*
 * fcgi.c - the FastCGI transport and hookd.fcgi's request threads
 * (contract in fcgi.h).
 *
 * Shared state: fcgi.mu guards busy (requests in progress) and alive
 * (threads not yet ended); fcgi_stop_flag is set by a signal handler on
 * whichever thread takes the signal and read by every thread, so only
 * with atomic loads and stores (fcgi_stopping).
 * A request in hand lives in a struct fcgi_req (its FCGX_Request,
 * request and response buffers) from a pool of 2 per thread, at least
 * 32 (fcgi.free, under fcgi.mu): a thread takes one, accepts into it and handles it;
 * the answer is written by that thread, or, when the handler took the
 * request over (an event handed to the group committer, api.h), by the
 * thread that committed it (fcgi_answer), which puts it back.  Meanwhile
 * the accepting thread goes on with another one: a request then costs
 * one wake-up (accept), not two (accept and commit).  libfcgi keeps all
 * of a request's state in its FCGX_Request, so finishing it on another
 * thread is safe as long as one thread at a time touches it.
 * The state word of a fcgi_req says who writes the answer of the
 * request in it: fcgi_answer (SLOT_ANSWERING) or, when the process is
 * about to exit wedged, fcgi_wedged on the watchdog thread (SLOT_TAKEN).
 * Both claim a SLOT_BUSY request with a compare-and-swap, so exactly one
 * answers.
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

/* Requests in hand at most: 2 per thread (one being read, one being
 * committed), at least FCGI_REQS_MIN (handed-over events in one group
 * with few threads).  When all are in hand, a thread waits before
 * accepting. */
#define FCGI_REQS_MAX (2 * FCGI_THREADS_MAX)
#define FCGI_REQS_MIN 32
#define FCGI_ACCEPTORS 2	/* threads in accept at once, at most */

static struct fcgi_req {
	FCGX_Request fr;
	struct request rq;
	struct api_response resp;
	struct request_io io;
	int state;		/* SLOT_*, atomic */
	struct fcgi_req *next;	/* in fcgi.free */
} fcgi_req[FCGI_REQS_MAX];

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* busy or alive went down */
	pthread_cond_t freed;	/* a request went back to free */
	pthread_cond_t park;	/* nobody accepts any more */
	unsigned busy, alive, waiting;
	unsigned accepting;	/* threads about to accept or in accept */
	unsigned parked;	/* threads waiting on park */
	int drained;		/* stopping and busy reached 0: exiting */
	unsigned acceptors;	/* the most that accept at once */
	struct fcgi_req *free;
	struct api_ctx *ctx;
} fcgi = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.freed = PTHREAD_COND_INITIALIZER,
	.park = PTHREAD_COND_INITIALIZER,
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

/* The calling thread's accept returned: 1 and counted busy, or 0 when
 * got is 0 (the accept failed) or when the drain is over (fcgi_serve:
 * the process exits; the caller drops the request).  A request accepted
 * while stopping, before that, is counted (the caller answers it 503).
 * The last thread to leave accept unparks one (fcgi_get). */
static int
fcgi_begin(int got)
{
	int ok;

	pthread_mutex_lock(&fcgi.mu);
	if (--fcgi.accepting == 0 && fcgi.parked > 0)
		pthread_cond_signal(&fcgi.park);
	ok = got && !fcgi.drained;
	if (ok)
		fcgi.busy++;
	pthread_mutex_unlock(&fcgi.mu);
	return ok;
}

/*
 * A free request to accept into, or NULL when stopping; the caller then
 * counts as accepting until fcgi_begin.  Waits while all requests are in
 * hand, and parks while fcgi.acceptors threads accept already: each
 * thread asleep in accept costs a wake-up per connection it gets, so a
 * few threads accepting in turn find connections waiting more often (54
 * against 60-88 us of CPU per request with 16 threads in accept,
 * docs/performance.md).  A parked thread is woken only when the last
 * accepting thread got a request (fcgi_begin), so that while threads are
 * left one always accepts, however long the others' requests take.
 */
static struct fcgi_req *
fcgi_get(void)
{
	struct fcgi_req *r = NULL;

	pthread_mutex_lock(&fcgi.mu);
	while (!fcgi_stopping()) {
		if (fcgi.accepting >= fcgi.acceptors) {
			fcgi.parked++;
			pthread_cond_wait(&fcgi.park, &fcgi.mu);
			fcgi.parked--;
		} else if (fcgi.free == NULL) {
			fcgi.waiting++;
			pthread_cond_wait(&fcgi.freed, &fcgi.mu);
			fcgi.waiting--;
		} else {
			r = fcgi.free;
			fcgi.free = r->next;
			fcgi.accepting++;
			break;
		}
	}
	pthread_mutex_unlock(&fcgi.mu);
	return r;
}

/*
 * Put r back (NULL: none); busy: it was counted busy (answered now);
 * alive: the calling thread ends.  The main thread waits for busy or
 * alive to go down only once stopping, or for the last thread: wake it
 * only then (a wake per request cost a context switch per request).
 */
static void
fcgi_done(struct fcgi_req *r, int busy, int alive)
{
	pthread_mutex_lock(&fcgi.mu);
	if (r != NULL) {
		r->next = fcgi.free;
		fcgi.free = r;
		if (fcgi.waiting > 0)
			pthread_cond_signal(&fcgi.freed);
	}
	if (busy)
		fcgi.busy--;
	if (alive)
		fcgi.alive--;
	if (alive || fcgi_stopping())
		pthread_cond_broadcast(&fcgi.cv);
	pthread_mutex_unlock(&fcgi.mu);
}

/* r's answer may be written: 1, or 0 when fcgi_wedged answered it
 * already (the process is exiting: write nothing more). */
static int
fcgi_claim(struct fcgi_req *r)
{
	int busy = SLOT_BUSY;

	return __atomic_compare_exchange_n(&r->state, &busy, SLOT_ANSWERING,
	    0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

void
fcgi_wedged(const char *answer, size_t n)
{
	struct fcgi_req *r;
	int busy;

	for (r = fcgi_req; r < fcgi_req + FCGI_REQS_MAX; r++) {
		busy = SLOT_BUSY;
		if (!__atomic_compare_exchange_n(&r->state, &busy, SLOT_TAKEN,
		    0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			continue;
		/* err then out: closing the last writer sends
		 * FCGI_END_REQUEST, so the server has the whole answer
		 * before our exit closes the connection */
		(void)fcgi_write(&r->fr, answer, n);
		(void)FCGX_FClose(r->fr.err);
		(void)FCGX_FClose(r->fr.out);
	}
}

/*
 * Write the answer of request r (in r->resp), end it and put r back: on
 * the thread that accepted it, or on the committer's (req.answer, when
 * the handler took it over).  Never returns when fcgi_wedged answered r
 * (the process is about to exit).
 */
static void
fcgi_answer(void *u)
{
	struct fcgi_req *r = u;

	if (!fcgi_claim(r))
		for (;;)
			pause();	/* answered 503; _exit comes */
	if (request_write(&r->resp, &r->io) == -1)
		log_debug("client went away before the answer was written");
	request_done(&r->rq);
	response_done(&r->resp);
	fcgi_end(&r->fr);
	FCGX_Finish_r(&r->fr);
	__atomic_store_n(&r->state, SLOT_IDLE, __ATOMIC_RELEASE);
	fcgi_done(r, 1, 0);
}

static void *
fcgi_thread(void *arg)
{
	struct fcgi_req *r;
	int got;

	(void)arg;
	while ((r = fcgi_get()) != NULL) {
		got = !fcgi_stopping() && FCGX_Accept_r(&r->fr) >= 0;
		if (!fcgi_begin(got)) {
			if (got)
				FCGX_Finish_r(&r->fr);
			fcgi_done(r, 0, 0);
			break;
		}
		__atomic_store_n(&r->state, SLOT_BUSY, __ATOMIC_RELEASE);
		if (fcgi_stopping()) {
			/* accepted during the drain (a thread asleep in accept
			 * is not woken by the stop): a JSON answer, not the
			 * web server's 5xx page; nothing is done */
			response_error(&r->resp, 503, "shutting_down",
			    "this process is stopping; retry");
			r->resp.retry_after = 1;
			fcgi_answer(r);
			break;
		}
		request_read(&r->rq, fcgi.ctx, &r->io);
		r->rq.req.answer = fcgi_answer;
		r->rq.req.answer_u = r;
		/* 1: taken over; answered (maybe already) by the committer */
		if (api_handle(fcgi.ctx, &r->rq.req, &r->resp) == 0)
			fcgi_answer(r);
	}
	fcgi_done(NULL, 0, 1);
	return NULL;
}

/* Make the pool: 2 requests per thread, at least FCGI_REQS_MIN. */
static void
fcgi_pool(unsigned nthreads)
{
	struct fcgi_req *r;
	unsigned i, n = 2 * nthreads;

	if (n < FCGI_REQS_MIN)
		n = FCGI_REQS_MIN;
	if (n > FCGI_REQS_MAX)
		n = FCGI_REQS_MAX;
	for (i = 0; i < n; i++) {
		r = &fcgi_req[i];
		request_init(&r->rq);
		response_init(&r->resp);
		if (FCGX_InitRequest(&r->fr, 0, 0) != 0)
			continue;
		r->io.u = &r->fr;
		r->io.getenv = fcgi_getenv;
		r->io.read = fcgi_read;
		r->io.write = fcgi_write;
		r->next = fcgi.free;
		fcgi.free = r;
	}
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
	fcgi_pool(nthreads);
	fcgi.acceptors = FCGI_ACCEPTORS;
	/* glibc gives each thread a malloc arena of its own, up to 8 per
	 * core; each keeps what its thread freed, so RSS grew with the
	 * thread count.  Two arenas are as fast here (the request threads
	 * mostly wait) and keep a process near its single-thread size. */
	if (nthreads > 1)
		(void)mallopt(M_ARENA_MAX, 2);
	if (nthreads > 1 && commit_start(ctx->cfg->nosync) == -1)
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
		if (pthread_create(&th, &attr, fcgi_thread, NULL) != 0) {
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
	if (fcgi.busy > 0) {
		i = fcgi.busy;
		pthread_mutex_unlock(&fcgi.mu);
		log_info("stopping: finishing %u requests in hand", i);
		pthread_mutex_lock(&fcgi.mu);
	}
	while (fcgi.busy > 0)
		pthread_cond_wait(&fcgi.cv, &fcgi.mu);
	fcgi.drained = 1;
	pthread_mutex_unlock(&fcgi.mu);
	commit_stop();
	return started > 0 ? 0 : -1;
}
