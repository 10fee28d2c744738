/*
 * catalogpage.h - catalog.html, the event catalog for application
 * developers, written beside the status page (cfg->status_dir).
 *
 * One self-contained page (inline CSS from www/catalog.css, built in; no
 * scripts, no external assets): the envelope every delivery carries, then
 * for each catalog type (lib/catalog.h) its description, the fields of its
 * data as a table (name, type, required, description and rules, read from
 * its JSON Schema), an example envelope, and how to verify a signature.
 * Every string is HTML-escaped.  The page does not change while the
 * catalog does not, so it is replaced (atomically, mode 0644) only when
 * its content differs from what this process last wrote or the file is
 * missing.
 */
#ifndef HOOKD_CATALOGPAGE_H
#define HOOKD_CATALOGPAGE_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/config.h"

/* The largest page written; a bigger one is an error, not a cut page. */
#define CATALOGPAGE_MAX_BYTES (16u * 1024 * 1024)

/* Append the page for cfg's catalog to out.  0, or -1 (cap, memory). */
int catalogpage_render(const struct config *cfg, struct buf *out);

/* Write dir/catalog.html if needed.  0, or -1 with err. */
int catalogpage_write(const struct config *cfg, const char *dir, char *err,
    size_t errlen);

#endif
