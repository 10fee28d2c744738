/*
 * statuswww.h - the status page's files from www/, compiled into
 * hookd-send.
 *
 * At build time the Makefile turns www/status.html and www/status.css into
 * $(O)/gen/statuswww.c (mk/embed.sh); nothing is read at run time.  Each
 * is NUL-terminated; its _len does not count the NUL.
 *
 *   statuswww_html   the page skeleton; sender/statushtml.c fills its
 *                    {{name}} placeholders
 *   statuswww_css    the style sheet, written inline into each page
 */
#ifndef HOOKD_SENDER_STATUSWWW_H
#define HOOKD_SENDER_STATUSWWW_H

#include <stddef.h>

extern const char statuswww_html[];
extern const size_t statuswww_html_len;
extern const char statuswww_css[];
extern const size_t statuswww_css_len;

#endif
