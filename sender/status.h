/*
 * status.h - the admins' status page (status.html + status.json in
 * cfg.status_dir), rewritten after each pass of the sender.
 *
 * NOT YET IMPLEMENTED: status_write is a stub that writes nothing and
 * returns 0; a separate issue fills it.  The sender already calls it after
 * each pass so the page will follow the sender's rhythm.
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
