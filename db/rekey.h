/*
 * rekey.h - converting a store to another key, to or from plaintext
 * (store_rekey in store.h; the why in rekey.c).
 */
#ifndef HOOKD_DB_REKEY_H
#define HOOKD_DB_REKEY_H

#include <stddef.h>

/*
 * Finish or undo a conversion that was cut short in home: a complete,
 * committed copy is moved into place, anything else is removed.  Caller
 * holds the open lock.  0, or -1 with err set (the store must not be
 * opened then).
 */
int rekey_settle(const char *home, char *err, size_t errlen);

#endif
