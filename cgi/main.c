/*
 * main.c - hookd.fcgi: the JSON API as a FastCGI responder, or as a plain
 * CGI program when started without a FastCGI listening socket on fd 0.
 *
 *   hookd.fcgi [-c FILE]
 *
 * Config: -c FILE, else $HOOKD_CONF, else /etc/hookd/hookd.conf.  The
 * store is opened once per process (retried per request while unusable).
 * As FastCGI it serves on fastcgi_threads request threads with a group
 * committer (cgi/fcgi.h, cgi/commit.h) until SIGTERM/SIGUSR1 or the web
 * server closes the socket.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "cgi/api.h"
#include "cgi/fcgi.h"
#include "cgi/request.h"
#include "cgi/response.h"
#include "db/store.h"
#include "lib/catalog.h"
#include "lib/config.h"
#include "lib/log.h"

static volatile sig_atomic_t main_stop;

/* SIGTERM, SIGUSR1: finish the requests in progress and exit (the
 * request threads block them; cgi/fcgi.h).  Not FCGX_ShutdownPending:
 * libfcgi then fails every read, also of other threads' requests. */
static void
main_signal(int sig)
{
	(void)sig;
	/* atomic: the signal may be taken by a store thread (watchdog,
	 * detector), which does not block it */
	__atomic_store_n(&main_stop, 1, __ATOMIC_RELEASE);
	fcgi_stop();
}

/*
 * SIGBUS: a store into a shared mapping (Berkeley DB's region files) that
 * the file system could not back.  Leave at once with status 74
 * (EX_IOERR) rather than dump core with the environment's locks held: the
 * web server answers 5xx and respawns, and the next opener's DB_REGISTER
 * recovery cleans up after us.  Only async-signal-safe calls here.
 */
static void
main_sigbus(int sig)
{
	static const char msg[] = "hookd.fcgi: SIGBUS in a storage region "
	    "(disk full?); exiting 74\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(74);
}

/*
 * The store's wedge hook (store.h: called on its watchdog thread when
 * this process is stuck for good inside Berkeley DB; the store then
 * _exits 75).  Every request in hand that has no answer yet gets 503
 * storage_unavailable: as plain CGI the one request (then exit 0: it was
 * answered), under FastCGI each request thread's (fcgi.h), so clients
 * see a JSON error rather than the web server's 5xx page; the web server
 * respawns us.  The stuck write may or may not have been applied, as the
 * message says: an event repeated with the same id is stored once.
 */
static volatile sig_atomic_t main_cgi;
/* set by the main thread, read by the watchdog thread: atomic */
static volatile sig_atomic_t main_answered;

static void
main_wedged(void)
{
	static const char body[] = "{\"error\":{\"code\":"
	    "\"storage_unavailable\",\"message\":\"storage stopped "
	    "responding and this process restarts; try again (a write may "
	    "or may not have been applied: repeat an event with the same "
	    "id)\"}}";
	char answer[512];
	int n;

	n = snprintf(answer, sizeof(answer), "Status: 503 Service "
	    "Unavailable\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n"
	    "Retry-After: 1\r\n\r\n%s", sizeof(body) - 1, body);
	if (n <= 0 || (size_t)n >= sizeof(answer))
		return;
	if (!main_cgi) {
		fcgi_wedged(answer, (size_t)n);
		return;
	}
	if (!__atomic_load_n(&main_answered, __ATOMIC_ACQUIRE))
		(void)!write(1, answer, (size_t)n);
	_exit(0);
}

/* ---- CGI transport ----------------------------------------------------- */
static const char *
main_cgi_getenv(void *u, const char *name)
{
	(void)u;
	return getenv(name);
}

static long
main_cgi_read(void *u, char *p, size_t n)
{
	size_t got;

	(void)u;
	got = fread(p, 1, n, stdin);
	if (got == 0 && ferror(stdin))
		return -1;
	return (long)got;
}

static int
main_cgi_write(void *u, const void *p, size_t n)
{
	(void)u;
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

/* One request over io: read, handle, answer, free. */
static void
main_serve(struct api_ctx *ctx, struct request *rq,
    struct api_response *resp, const struct request_io *io)
{
	request_read(rq, ctx, io);
	api_handle(ctx, &rq->req, resp);
	if (request_write(resp, io) == -1)
		log_debug("client went away before the answer was written");
	request_free(rq);
	response_free(resp);
	response_init(resp);
}

static void
main_usage(void)
{
	fprintf(stderr, "usage: hookd.fcgi [-c FILE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct config cfg;
	struct request_io io;
	struct api_response resp;
	struct api_ctx ctx;
	struct sigaction sa;
	struct request rq;
	const char *path = NULL;
	char err[1024];
	int ch;

	while ((ch = getopt(argc, argv, "c:h")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		default:
			main_usage();
		}
	}
	if (optind != argc)
		main_usage();
	if (config_load(&cfg, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "hookd.fcgi: %s\n", err);
		return 2;
	}
	log_init("hookd.fcgi", cfg.log_syslog, cfg.log_level);
	/* The event catalog, schemas compiled once for the process.  A bad
	 * event_schemas_dir file: logged here, every request answers 503
	 * (cgi/api.c) until the file is fixed and the processes restarted. */
	if (catalog_load(&cfg, err, sizeof(err)) == -1)
		log_err("event catalog: %s", err);
	/* Files in data_dir are shared by the web server's user and the
	 * sender, which may be another user of the same group: 0660, 0770. */
	umask(007);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_signal;	/* no SA_RESTART: accept() returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = main_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (FCGX_Init() != 0) {
		log_err("FCGX_Init failed");
		return 1;
	}
	main_cgi = FCGX_IsCGI();
	store_set_wedged_hook(main_wedged);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = &cfg;
	(void)api_open_store(&ctx);	/* on failure: retried per request */
	request_init(&rq);
	response_init(&resp);

	if (main_cgi) {
		io.u = NULL;
		io.getenv = main_cgi_getenv;
		io.read = main_cgi_read;
		io.write = main_cgi_write;
		main_serve(&ctx, &rq, &resp, &io);
		fflush(stdout);
		__atomic_store_n(&main_answered, 1, __ATOMIC_RELEASE);
	} else if (!__atomic_load_n(&main_stop, __ATOMIC_ACQUIRE) &&
	    fcgi_serve(&ctx, cfg.fastcgi_threads) == -1)
		log_err("no FastCGI request thread could start");
	response_free(&resp);
	request_free(&rq);
	if (ctx.store != NULL)
		store_close(ctx.store);
	catalog_unload();
	return 0;
}
