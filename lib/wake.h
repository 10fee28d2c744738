/*
 * wake.h - the API wakes a looping sender as soon as an event is stored.
 *
 * A Unix datagram socket DATA_DIR/sender.sock: the sender binds it, the
 * FastCGI program sends one byte after each commit that made work due.
 * Losing a wake-up only delays delivery until the next poll.
 */
#ifndef HOOKD_WAKE_H
#define HOOKD_WAKE_H

/* Bind the socket (non-blocking).  Returns the fd or -1. */
int wake_listen(const char *data_dir);
/* Drain pending wake-ups from fd. */
void wake_drain(int fd);
/* Send one wake-up; never blocks, errors ignored. */
void wake_send(const char *data_dir);

#endif
