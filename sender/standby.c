/* standby.c - the sender on a replicated site (contract in standby.h). */
#include <poll.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/replstate.h"
#include "lib/timefmt.h"
#include "sender/run.h"
#include "sender/standby.h"
#include "sender/status.h"

int
standby_master(const struct config *cfg)
{
	struct replstate st;

	if (!cfg->repl.enabled)
		return 1;
	replstate_read(cfg->data_dir, timefmt_now_ms(), &st);
	return st.role == REPLSTATE_MASTER;
}

/* standby_demoted's cache: last look (mono ms; 0: look now), answer */
static int64_t standby_last;
static int standby_was_demoted;

int
standby_demoted(const void *arg)
{
	int64_t now = timefmt_mono_ms();

	if (standby_last == 0 || now - standby_last >= STANDBY_CHECK_MS) {
		standby_last = now;
		standby_was_demoted = !standby_master(arg);
	}
	return standby_was_demoted;
}

int
standby_wait(struct store *st, const struct config *cfg,
    const volatile sig_atomic_t *stop, int sigfd)
{
	struct pollfd pfd;
	int64_t status_at = 0, now;
	char err[512], c[64];

	log_info("this site is not the master: idling until it is");
	while (!__atomic_load_n(stop, __ATOMIC_ACQUIRE)) {
		if (standby_master(cfg)) {
			standby_last = 0;
			log_info("this site is the master: delivering");
			return 1;
		}
		now = timefmt_mono_ms();
		if (now >= status_at) {
			status_at = now + RUN_STATUS_EVERY_MS;
			if (status_write(st, cfg, "loop", err, sizeof(err)) ==
			    -1)
				log_warn("status page: %s", err);
		}
		pfd.fd = sigfd;
		pfd.events = POLLIN;
		if (poll(&pfd, sigfd >= 0 ? 1 : 0, STANDBY_CHECK_MS) > 0)
			while (read(sigfd, c, sizeof(c)) > 0)
				;
	}
	return 0;
}
