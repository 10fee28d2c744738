/*
 * statuspage.h - write the admins' status page: status.html and
 * status.json in cfg->status_dir (docs/operations.md, "Status page").
 *
 * Each file is replaced atomically (lib/atomicfile.h): the content goes
 * to a temp file (".status.html.XXXXXX") in the same directory, which is
 * fsynced, made mode 0644 and renamed over the old one; the directory is
 * fsynced after.  A reader sees the old page or the new one, never a part; a
 * failed write leaves no temp file.  The directory is created (0755) if
 * missing, its parent must exist.
 *
 * The figures come from one read-only transaction with bounded work
 * (sender/statusdata.h), so the cost does not grow with the number of
 * deliveries stored.  No secret or key hash is read into the page.
 */
#ifndef HOOKD_STATUSPAGE_H
#define HOOKD_STATUSPAGE_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"
#include "lib/buf.h"
#include "lib/config.h"

/* The largest page written; a bigger one is an error, not a cut page. */
#define STATUSPAGE_MAX_BYTES (64u * 1024 * 1024)

/*
 * Write both files as of now_ms.  pass names the writer, e.g.
 * "hookd-send --once pid 1234 pass 17" (NULL: "unknown"); it is shown
 * escaped.  0, or -1 with a message in err.
 */
int statuspage_write(struct store *s, const struct config *cfg,
    const char *pass, int64_t now_ms, char *err, size_t errlen);

/* The same into any directory (tests, benchmarks). */
int statuspage_write_dir(struct store *s, const char *dir, const char *pass,
    int64_t now_ms, char *err, size_t errlen);

#endif
