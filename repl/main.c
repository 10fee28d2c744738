/*
 * main.c - hookd-repl: the site's replication process.
 *
 *   hookd-repl [-c FILE]
 *   hookd-repl [-c FILE] --remove-site HOST:PORT
 *
 * The first form runs in the foreground until SIGTERM/SIGINT: keeps this site in its
 * replication group (repl/site.h) and publishes the site's role for the
 * API and the sender.  After a panic of the environment (another process
 * of the site died and the next opener recovered), it reopens and starts
 * replication again.  Exit codes as hookd-send: 0 stopped by a signal,
 * 1 runtime error (the environment cannot be opened at all), 2 usage or
 * configuration error (also: this site's encryption differs from the
 * group's).  The second asks the group to forget a stopped site
 * (repl/remove.h) and exits: 0 removed, 1 try again, 2 refused.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/log.h"
#include "lib/replstate.h"
#include "lib/version.h"
#include "repl/remove.h"
#include "repl/site.h"

#define MAIN_OPEN_TRIES	30	/* first open: 30 tries 1 s apart */

static volatile sig_atomic_t main_stop;

static void
main_on_signal(int sig)
{
	(void)sig;
	main_stop = 1;
}

static void
main_usage(void)
{
	fprintf(stderr, "usage: hookd-repl [-c FILE]\n"
	    "       hookd-repl [-c FILE] --remove-site HOST:PORT\n");
	exit(2);
}

/* Sleep ms unless a signal comes first. */
static void
main_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (!main_stop)
		(void)nanosleep(&ts, NULL);
}

int
main(int argc, char **argv)
{
	static struct config cfg;
	static struct site site;
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "remove-site", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa;
	const char *path = NULL, *remove = NULL;
	char err[1024];
	int ch, rc, tries = 0, opened = 0;

	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'R':
			remove = optarg;
			break;
		default:
			main_usage();
		}
	}
	if (optind != argc)
		main_usage();
	if (config_load(&cfg, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "hookd-repl: %s\n", err);
		return 2;
	}
	if (!cfg.repl.enabled) {
		fprintf(stderr, "hookd-repl: %s: replication_listen is not "
		    "set: this site is not replicated (see hookd.conf(5))\n",
		    cfg.path);
		return 2;
	}
	if (remove != NULL) {
		umask(007);	/* as the site's processes: files it may create */
		rc = remove_site(&cfg, remove, err, sizeof(err));
		if (rc == 0)
			printf("hookd-repl: %s removed from the group\n", remove);
		else
			fprintf(stderr, "hookd-repl: %s\n", err);
		return rc;
	}
	log_init("hookd-repl", cfg.log_syslog, cfg.log_level);
	if (site_init(&site, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "hookd-repl: %s\n", err);
		return 2;
	}
	umask(007);
	if (mkdir(cfg.data_dir, 0770) == -1 && errno != EEXIST) {
		fprintf(stderr, "hookd-repl: %s: %s\n", cfg.data_dir,
		    strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	log_info("hookd-repl %s starting", HOOKD_VERSION);
	rc = 0;
	while (!main_stop) {
		if (site.st == NULL) {
			if (site_open(&site, err, sizeof(err)) != 0) {
				/* the first open failing for 30 s: give up
				 * (a supervisor restarts us); later ones
				 * (after a panic) retry for ever */
				log_err("%s", err);
				if (!opened && ++tries >= MAIN_OPEN_TRIES) {
					rc = 1;
					break;
				}
				main_sleep(1000);
				continue;
			}
			opened = 1;
		}
		ch = site_tick(&site, err, sizeof(err));
		if (ch == SITE_FATAL) {
			log_err("%s", err);
			if (cfg.log_syslog)
				fprintf(stderr, "hookd-repl: %s\n", err);
			rc = 2;
			break;
		}
		if (ch == SITE_RUNTIME)
			log_warn("%s", err);
		main_sleep(REPLSTATE_EVERY_MS);
	}
	site_close(&site);
	log_info("hookd-repl stopped");
	return rc;
}
