/*
 * atomicfile.h - replace a file so that readers see the old content or the
 * new, never a part: a temp file ".NAME.XXXXXX" in the same directory
 * (a name no glob "*.prom" or "*.html" matches), written, made `mode`,
 * fsynced and renamed over NAME; the directory is fsynced after.
 */
#ifndef HOOKD_ATOMICFILE_H
#define HOOKD_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/* dir/name := data[0..len).  0, or -1 with err (no temp file is left). */
int atomicfile_replace(const char *dir, const char *name, const char *data,
    size_t len, mode_t mode, char *err, size_t errlen);

#endif
