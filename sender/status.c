/* status.c - STUB: writes nothing yet (see status.h). */
#include "sender/status.h"

int
status_write(struct store *s, const struct config *cfg, const char *pass,
    char *err, size_t errlen)
{
	(void)s;
	(void)cfg;
	(void)pass;
	(void)err;
	(void)errlen;
	return 0;
}
