/* status.c - the sender's files for admins after a pass: metrics.prom
 * (sender/metrics.c), the status page (sender/statuspage.c) as of now,
 * and catalog.html beside it (sender/catalogpage.c). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/timefmt.h"
#include "sender/catalogpage.h"
#include "sender/metrics.h"
#include "sender/status.h"
#include "sender/statuspage.h"

int
status_write(struct store *s, const struct config *cfg, const char *pass,
    char *err, size_t errlen)
{
	static unsigned long passes;	/* pages written by this process */
	char who[128];
	int64_t now = timefmt_now_ms();

	passes++;
	snprintf(who, sizeof(who), "hookd-send --%s, pid %ld, pass %lu",
	    pass, (long)getpid(), passes);
	if (strcmp(pass, "status-only") != 0)	/* after a pass: metrics.h */
		metrics_pass(s, cfg, now);
	if (statuspage_write(s, cfg, who, now, err, errlen) == -1)
		return -1;
	/* The event catalog for developers, beside it (rewritten only when
	 * it changed or went missing). */
	return catalogpage_write(cfg, cfg->status_dir, err, errlen);
}
