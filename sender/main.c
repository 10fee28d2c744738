/*
 * main.c - hookd-send: flags, config, signals, the sender lock, modes.
 *
 *   hookd-send [-c FILE] --once | --loop | --status-only
 *   hookd-send [-c FILE] --rekey --new-key-file PATH | --decrypt
 *
 * Exit codes: 0 done (also: --once found another sender running), 1 runtime
 * error (message on stderr or syslog), 2 usage or config error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <poll.h>
#include <unistd.h>

#include "db/store.h"
#include "lib/catalog.h"
#include "lib/config.h"
#include "lib/egress.h"
#include "lib/keyfile.h"
#include "lib/log.h"
#include "lib/version.h"
#include "lib/wake.h"
#include "sender/lock.h"
#include "sender/run.h"
#include "sender/standby.h"
#include "sender/status.h"

enum { MODE_NONE, MODE_ONCE, MODE_LOOP, MODE_STATUS, MODE_REKEY };
enum { OPT_NEW_KEY = 256, OPT_DECRYPT };

static volatile sig_atomic_t main_stop;
static int main_sigpipe[2] = { -1, -1 };

static void
main_on_signal(int sig)
{
	int saved = errno;
	char c = 1;

	(void)sig;
	/* atomic, as every read of it: the signal may be taken by any
	 * thread (the store's, housekeeping's), which do not block it */
	__atomic_store_n(&main_stop, 1, __ATOMIC_RELEASE);
	if (main_sigpipe[1] >= 0)
		(void)!write(main_sigpipe[1], &c, 1);
	errno = saved;
}

/*
 * SIGBUS: a store into a shared mapping (Berkeley DB's region files) that
 * the file system could not back.  Leave at once with status 74
 * (EX_IOERR) rather than dump core with the environment's locks held; the
 * next opener's DB_REGISTER recovery cleans up.  Async-signal-safe only.
 */
static void
main_on_sigbus(int sig)
{
	static const char msg[] = "hookd-send: SIGBUS in a storage region "
	    "(disk full?); exiting 74\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(74);
}

static void
main_usage(FILE *f)
{
	fprintf(f, "usage: hookd-send [-c FILE] --once | --loop | "
	    "--status-only | --rekey ...\n"
	    "  --once         deliver what is due, purge, write the status "
	    "page, exit\n"
	    "  --loop         deliver continuously until SIGTERM/SIGINT\n"
	    "  --status-only  write the status page and exit\n"
	    "  --rekey --new-key-file PATH | --decrypt\n"
	    "                 convert the store (hookd stopped) to the key in "
	    "PATH,\n"
	    "                 or to plaintext; then point encryption_key_file "
	    "at PATH\n"
	    "                 (or remove it) in the config\n"
	    "  -c FILE        config (else $HOOKD_CONF, else %s)\n",
	    CONFIG_DEFAULT_PATH);
}

/*
 * --rekey: convert the store to new_key (a passphrase file) or, when
 * new_key is NULL, to plaintext.  The exit code.
 */
static int
main_rekey(const struct config *cfg, const char *new_key)
{
	struct store_opts so;
	char err[PATH_MAX + 512];

	if (new_key != NULL && keyfile_check(new_key, err, sizeof(err)) == -1) {
		fprintf(stderr, "hookd-send: %s\n", err);
		return 2;
	}
	if (new_key == NULL && cfg->encryption_key_file[0] == '\0') {
		fprintf(stderr, "hookd-send: --decrypt: the store is not "
		    "encrypted (no encryption_key_file in %s)\n", cfg->path);
		return 2;
	}
	memset(&so, 0, sizeof(so));
	so.home = cfg->data_dir;
	so.nosync = cfg->nosync;
	so.key_file = cfg->encryption_key_file;
	if (store_rekey(&so, new_key, err, sizeof(err)) != STORE_OK) {
		log_err("--rekey: %s", err);
		if (cfg->log_syslog)
			fprintf(stderr, "hookd-send: --rekey: %s\n", err);
		return 1;
	}
	if (new_key != NULL)
		printf("hookd-send: the store in %s is now encrypted with the "
		    "key in %s: set encryption_key_file = %s in %s before "
		    "starting hookd\n", cfg->data_dir, new_key, new_key,
		    cfg->path);
	else
		printf("hookd-send: the store in %s is now plaintext: remove "
		    "encryption_key_file from %s before starting hookd\n",
		    cfg->data_dir, cfg->path);
	return 0;
}

static int
main_signals(char *err, size_t errlen)
{
	struct sigaction sa;

	if (pipe2(main_sigpipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;		/* no SA_RESTART: waits end early */
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		snprintf(err, errlen, "sigaction: %s", strerror(errno));
		return -1;
	}
	sa.sa_handler = main_on_sigbus;
	(void)sigaction(SIGBUS, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct config cfg;	/* large: keep it off the stack */
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "loop", no_argument, NULL, 'l' },
		{ "status-only", no_argument, NULL, 's' },
		{ "rekey", no_argument, NULL, 'r' },
		{ "new-key-file", required_argument, NULL, OPT_NEW_KEY },
		{ "decrypt", no_argument, NULL, OPT_DECRYPT },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_opts so;
	struct store *st = NULL;
	struct run_opts ro;
	const char *path = NULL, *new_key = NULL;
	char err[PATH_MAX + 512];
	int decrypt = 0;
	int ch, mode = MODE_NONE, lockfd = -1, wakefd = -1, rc = 1, n;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case OPT_NEW_KEY:
			new_key = optarg;
			break;
		case OPT_DECRYPT:
			decrypt = 1;
			break;
		case 'o':
		case 'l':
		case 's':
		case 'r':
			n = ch == 'o' ? MODE_ONCE : ch == 'l' ? MODE_LOOP :
			    ch == 's' ? MODE_STATUS : MODE_REKEY;
			if (mode != MODE_NONE && mode != n) {
				fprintf(stderr, "hookd-send: choose one of "
				    "--once, --loop, --status-only, --rekey\n");
				main_usage(stderr);
				return 2;
			}
			mode = n;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case 'V':
			printf("hookd-send %s\n", HOOKD_VERSION);
			return 0;
		default:
			fprintf(stderr, "hookd-send: unknown or incomplete "
			    "option '%s'\n", argv[optind - 1]);
			main_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || mode == MODE_NONE) {
		if (optind != argc)
			fprintf(stderr, "hookd-send: unexpected argument "
			    "'%s'\n", argv[optind]);
		else
			fprintf(stderr, "hookd-send: one of --once, --loop, "
			    "--status-only, --rekey is required\n");
		main_usage(stderr);
		return 2;
	}
	if ((mode == MODE_REKEY) != (new_key != NULL || decrypt) ||
	    (new_key != NULL && decrypt)) {
		fprintf(stderr, "hookd-send: --rekey takes one of "
		    "--new-key-file PATH, --decrypt (and they only go with "
		    "--rekey)\n");
		main_usage(stderr);
		return 2;
	}
	if (config_load(&cfg, path, err, sizeof(err)) == -1 ||
	    egress_check(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "hookd-send: %s\n", err);
		return 2;
	}
	/* The event catalog (catalog.html): a bad event_schemas_dir file is
	 * a config error. */
	if (catalog_load(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "hookd-send: event catalog: %s\n", err);
		return 2;
	}
	log_init("hookd-send", cfg.log_syslog, cfg.log_level);
	if (mode == MODE_REKEY) {
		umask(007);
		return main_rekey(&cfg, new_key);
	}
	/* Files in data_dir are shared by the web server's user and the
	 * sender, which may be another user of the same group: 0660, 0770. */
	umask(007);
	if (main_signals(err, sizeof(err)) == -1)
		goto fail;
	if (mkdir(cfg.data_dir, 0750) == -1 && errno != EEXIST) {
		snprintf(err, sizeof(err), "%s: %s", cfg.data_dir,
		    strerror(errno));
		goto fail;
	}
	if (mode != MODE_STATUS) {
		n = lock_take(cfg.data_dir, mode == MODE_LOOP, &main_stop,
		    &lockfd, err, sizeof(err));
		if (n == -1)
			goto fail;
		if (n == 1) {
			if (mode == MODE_ONCE)
				log_info("another hookd-send is running; "
				    "nothing to do");
			rc = 0;
			goto out;
		}
	}
	memset(&so, 0, sizeof(so));
	so.home = cfg.data_dir;
	so.nosync = cfg.nosync;
	so.key_file = cfg.encryption_key_file;
	so.repl = &cfg.repl;
	so.repl_weak_ok = 1;	/* outcomes are bookkeeping: standby.h */
	/* A replicated site's databases arrive from the master: a new
	 * client may have none yet (sender/standby.c). */
	while (store_open(&st, &so, err, sizeof(err)) != STORE_OK) {
		if (!cfg.repl.enabled || mode == MODE_STATUS)
			goto fail;
		if (mode == MODE_ONCE && !standby_master(&cfg)) {
			log_info("this site is not the replication group's "
			    "master (%s): nothing to send", err);
			rc = 0;
			goto out;
		}
		if (mode == MODE_ONCE || __atomic_load_n(&main_stop, __ATOMIC_ACQUIRE))
			goto fail;
		log_warn("%s; trying again in 1 s", err);
		(void)poll(NULL, 0, 1000);
	}
	if (mode == MODE_STATUS) {
		if (status_write(st, &cfg, "status-only", err, sizeof(err)) ==
		    -1)
			goto fail;
		rc = 0;
		goto out;
	}
	if (mode == MODE_LOOP) {
		wakefd = wake_listen(cfg.data_dir);
		if (wakefd == -1)
			log_warn("cannot bind %s/sender.sock (%s): polling "
			    "every %lld ms only", cfg.data_dir,
			    strerror(errno), (long long)cfg.poll_interval_ms);
	}
	memset(&ro, 0, sizeof(ro));
	ro.cfg = &cfg;
	ro.store = st;
	ro.loop = mode == MODE_LOOP;
	ro.stop = &main_stop;
	ro.sigfd = main_sigpipe[0];
	ro.wakefd = wakefd;
	log_info("hookd-send %s started (%s, concurrency %u)", HOOKD_VERSION,
	    ro.loop ? "loop" : "once", cfg.concurrency);
	if (cfg.repl.enabled) {
		ro.demoted = standby_demoted;
		ro.demoted_arg = &cfg;
	}
	/* replicated: deliver only while this site is the master */
	for (;;) {
		if (!standby_master(&cfg)) {
			if (mode == MODE_ONCE) {
				log_info("this site is not the replication "
				    "group's master: nothing to send");
				break;
			}
			if (!standby_wait(st, &cfg, &main_stop,
			    main_sigpipe[0]))
				break;
		}
		n = run_sender(&ro, err, sizeof(err));
		if (mode == MODE_ONCE || __atomic_load_n(&main_stop, __ATOMIC_ACQUIRE) ||
		    !cfg.repl.enabled) {
			if (n == -1)
				goto fail;
			break;
		}
		/* --loop, replicated: the pass ended because the site was
		 * demoted (its last outcomes may fail to commit: they will
		 * be sent again by the new master) */
		if (n == -1 && standby_master(&cfg))
			goto fail;
		if (n == -1)
			log_warn("%s", err);
	}
	log_info("hookd-send done");
	rc = 0;
	goto out;
fail:
	log_err("%s", err);
	if (cfg.log_syslog)
		fprintf(stderr, "hookd-send: %s\n", err);
	rc = 1;
out:
	if (wakefd >= 0)
		close(wakefd);
	if (st != NULL)
		store_close(st);
	if (lockfd >= 0)
		close(lockfd);
	catalog_unload();
	return rc;
}
