/* status.c - the sender's side of the status page: name the pass, write
 * the page (sender/statuspage.c) as of now. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/timefmt.h"
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
	return statuspage_write(s, cfg, who, now, err, errlen);
}
