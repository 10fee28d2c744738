/* version.h - the one place hookd's version is written (user-agent, --help). */
#ifndef HOOKD_VERSION_H
#define HOOKD_VERSION_H

#define HOOKD_VERSION "0.1.0"

#endif
