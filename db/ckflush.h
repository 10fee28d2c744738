/*
 * ckflush.h - the database files' flush ahead of a checkpoint, in
 * parallel.
 *
 * A checkpoint writes the cache's dirty pages and then fsyncs the
 * database files one after the other: on a disk shared with other
 * writers each fsync can take tens of milliseconds, and a store has some
 * twenty files.  ckflush_files writes the dirty pages out first and
 * fsyncs every file at once, one thread each, so that the file system
 * commits them together; the checkpoint that follows finds them clean
 * and its own fsyncs return at once.  Best effort: a failure here is
 * left for the checkpoint's own write and fsync to report.
 */
#ifndef HOOKD_DB_CKFLUSH_H
#define HOOKD_DB_CKFLUSH_H

#include <db.h>

/* Flush env's cache and the files of the n handles in dbs (NULL entries
 * skipped). */
void ckflush_files(DB_ENV *env, DB **dbs, int n);

#endif
