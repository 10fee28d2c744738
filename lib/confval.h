/*
 * confval.h - the value syntaxes of hookd.conf (docs/man/hookd.conf.5),
 * shared by every key of lib/config.c and by tests.
 */
#ifndef HOOKD_CONFVAL_H
#define HOOKD_CONFVAL_H

#include <stddef.h>
#include <stdint.h>

/* "0", or digits then ms|s|m|h|d, into milliseconds: 0 or -1 (bad syntax,
 * or beyond INT64_MAX ms).  *ms is set only on success. */
int confval_duration(const char *s, int64_t *ms);

/* Digits with an optional K|M|G suffix (either case; powers of 1024)
 * into bytes: 0 or -1 (bad syntax, or beyond SIZE_MAX). */
int confval_size(const char *s, size_t *bytes);

/* yes/true/on/1 or no/false/off/0, any case: 0 with *b set, or -1. */
int confval_bool(const char *s, int *b);

/* 1 if ch is a blank of the file's syntax (space, tab, CR, LF, FF, VT). */
int confval_blank(int ch);

/* Trims blanks from both ends of s in place; returns the new start. */
char *confval_trim(char *s);

#endif
