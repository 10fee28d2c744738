/*
 * atomicfile.h - replace a file so that readers see the old content or the
 * new, never a part: a temp file ".NAME.XXXXXX" in the same directory
 * (a name no glob "*.prom" or "*.html" matches), written, made `mode`
 * and renamed over NAME.  Nothing is fsynced: every file written so is
 * derived from the store and rewritten by the next pass, so a power cut
 * may leave an older copy (or, on some file systems, an empty one) but
 * never loses anything; the fsyncs were half an idle pass's time.
 */
#ifndef HOOKD_ATOMICFILE_H
#define HOOKD_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/* dir/name := data[0..len).  0, or -1 with err (no temp file is left). */
int atomicfile_replace(const char *dir, const char *name, const char *data,
    size_t len, mode_t mode, char *err, size_t errlen);

#endif
