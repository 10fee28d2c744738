/*
 * status.h - the admins' status page (status.html + status.json in
 * cfg.status_dir), rewritten after each pass of the sender.
 * The page itself is sender/statuspage.c; this names the pass that wrote
 * it ("hookd-send --once, pid 1234, pass 3").
 */
#ifndef HOOKD_SENDER_STATUS_H
#define HOOKD_SENDER_STATUS_H

#include <stddef.h>

#include "db/store.h"
#include "lib/config.h"

/* pass: "once", "loop" or "status-only".  0 or -1 with err. */
int status_write(struct store *s, const struct config *cfg, const char *pass,
    char *err, size_t errlen);

#endif
