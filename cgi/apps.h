/*
 * apps.h - what apps.c offers besides its handlers (handlers.h): loading
 * the app a request's path names.
 */
#ifndef HOOKD_CGI_APPS_H
#define HOOKD_CGI_APPS_H

#include "cgi/call.h"
#include "db/store.h"

/* The app of the path (c->param[0]) into out, inside a transaction: a
 * store code, or call_fail's 404 "no such app" when there is none. */
int apps_load(struct store_txn *t, struct api_call *c, struct store_app *out);

#endif
