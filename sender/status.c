/* status.c - the sender's side of the status page: name the pass, write
 * the page (sender/statuspage.c) as of now, and catalog.html beside it. */
#include <stdio.h>
#include <unistd.h>

#include "lib/timefmt.h"
#include "sender/catalogpage.h"
#include "sender/status.h"
#include "sender/statuspage.h"

int
status_write(struct store *s, const struct config *cfg, const char *pass,
    char *err, size_t errlen)
{
	static unsigned long passes;	/* pages written by this process */
	char who[128];

	passes++;
	snprintf(who, sizeof(who), "hookd-send --%s, pid %ld, pass %lu",
	    pass, (long)getpid(), passes);
	if (statuspage_write(s, cfg, who, timefmt_now_ms(), err, errlen) == -1)
		return -1;
	/* The event catalog for developers, beside it (rewritten only when
	 * it changed or went missing). */
	return catalogpage_write(cfg, cfg->status_dir, err, errlen);
}
