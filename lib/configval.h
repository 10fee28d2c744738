/*
 * configval.h - the checked parsers of hookd.conf values, also used by the
 * API: durations with a unit (ms, s, m, h, d: "500ms", "5s", "2h"; a bare 0
 * is zero), sizes with an optional K/M/G suffix (powers of 1024), booleans
 * (yes/no, true/false, on/off, 1/0, any case).  Each returns 0, or -1 for
 * a malformed value or one that overflows; the output is set only on 0.
 */
#ifndef HOOKD_CONFIGVAL_H
#define HOOKD_CONFIGVAL_H

#include <stddef.h>
#include <stdint.h>

int config_parse_duration(const char *s, int64_t *ms);
int config_parse_size(const char *s, size_t *bytes);
int config_parse_bool(const char *s, int *b);

#endif
