/*
 * transfer.h - the HTTP side of the sender: one libcurl multi handle, a pool
 * of reused easy handles (connections are kept alive and reused by the
 * multi handle's connection cache), and the per-attempt safety settings of
 * libcurl's security guidance (schemes, no redirects, timeouts, no proxy,
 * TLS verification, capped reads, connect-time address check).
 */
#ifndef HOOKD_SENDER_TRANSFER_H
#define HOOKD_SENDER_TRANSFER_H

#include <curl/curl.h>
#include <stddef.h>

#include "lib/config.h"
#include "sender/job.h"

/* Response bytes read at most; beyond this the transfer is cut short. */
#define TRANSFER_READ_CAP (64 * 1024)

struct transfer;

/* cfg is borrowed and must outlive t.  0 or -1 with err. */
int transfer_new(struct transfer **tp, const struct config *cfg, char *err,
    size_t errlen);
void transfer_free(struct transfer *t);

/*
 * Sign j ahead of its start, for webhook-timestamp secs (Unix seconds): the
 * store thread does this right after the pick, off the transfer thread.
 * Touches only j (thread-safe).  0, or -1 (j stays unsigned).
 */
int transfer_sign(struct job *j, int64_t secs);
/* transfer_sign of each JOB_SEND job for the current second, setting up
 * each webhook secret's key once for all its jobs (and wiping it after):
 * the picker signs a pick's jobs at once. */
void transfer_sign_all(struct job **jobs, size_t n);

/*
 * Start j (j->d, url, secrets and ev filled by the pick), signing it first
 * unless transfer_sign already did for the second it starts in.  0, or
 * -1 when the attempt cannot even start: j->error is then set and j is
 * finished (record it like any other attempt).
 */
int transfer_start(struct transfer *t, struct job *j);

/* Transfers running. */
unsigned transfer_running(const struct transfer *t);

/*
 * Wait up to timeout_ms for network activity or one of the extra fds
 * (revents filled), then drive the transfers.  0 or -1 with err.
 */
int transfer_wait(struct transfer *t, struct curl_waitfd *extra,
    unsigned nextra, int timeout_ms, char *err, size_t errlen);

/* The next finished job with its result filled (status or error,
 * duration, response excerpt, Retry-After), or NULL. */
struct job *transfer_done(struct transfer *t);

#endif
