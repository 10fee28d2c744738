/*
 * fcgi.h - hookd.fcgi's FastCGI side: N request threads, each accepting
 * on the listening socket (fd 0) with FCGX_Accept_r (at most 2 at once;
 * the others park) and serving its request through api_handle.  Intake
 * requests share transactions through the group committer
 * (cgi/commit.h), whose checkpoint and spare threads are started here
 * when N > 1; then a single event's request is handed to the committer,
 * which answers it (api.h, req->answer) while its thread accepts again.
 *
 * Signals: the request threads block SIGTERM and SIGUSR1; the calling
 * (main) thread gets them, and fcgi_stop (async-signal-safe) asks the
 * serve loop to end.  Ending waits for the requests in progress to be
 * answered, handed-over ones included; a request accepted meanwhile (by
 * a thread that was asleep in accept) is answered 503 shutting_down
 * untouched, one accepted after that is dropped unanswered (the web
 * server answers it 5xx).  Then it stops the checkpoint and spare
 * threads.  Threads still blocked in
 * accept, or parked, are left there: the process exits.
 */
#ifndef HOOKD_CGI_FCGI_H
#define HOOKD_CGI_FCGI_H

#include "cgi/api.h"

#define FCGI_THREADS_MAX 256

/*
 * Serve FastCGI requests for ctx on nthreads threads (1..FCGI_THREADS_MAX)
 * until fcgi_stop or until every thread's accept failed (the web server
 * closed the socket).  0, or -1 when no thread could start.
 */
int fcgi_serve(struct api_ctx *ctx, unsigned nthreads);

/* Ask fcgi_serve to end (from a signal handler). */
void fcgi_stop(void);

/*
 * The process is about to _exit wedged (the store's wedge hook, on its
 * watchdog thread): write answer (a whole CGI-style response: Status
 * line, headers, body) as the answer of every request in hand (held by
 * its thread or handed to the committer) not yet being answered, and end
 * those requests, so that their clients get it rather than the web
 * server's 5xx page.  The threads that would have answered them never
 * write again.  Returns at once; does not exit.
 */
void fcgi_wedged(const char *answer, size_t n);

#endif
