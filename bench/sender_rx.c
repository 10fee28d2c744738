/*
 * sender_rx.c - a fast HTTP/1.1 keep-alive receiver for the sender
 * benchmarks: one thread, epoll, answers "204 No Content" to every request
 * with a Content-Length body.  Python's http.server tops out far below what
 * the sender does, so it would measure itself.
 *
 *   sender_rx [-p PORT] [-n EXPECT] [-l LOG]
 *
 * -l LOG: append "WEBHOOK-ID UNIX-MICROSECONDS" per request (arrival of
 * its last byte) to LOG, for latency measurements.
 * Listens on 127.0.0.1:PORT (0: any; the port is printed on stdout first),
 * prints the request count and exits on SIGTERM/SIGINT, or once EXPECT
 * requests were answered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/num.h"

#define RX_BUF (256 * 1024)
#define RX_FDS 4096

struct conn {
	char *buf;
	size_t len;
};

static volatile sig_atomic_t rx_stop;
static FILE *rx_log;
static struct conn rx_conn[RX_FDS];

static void
rx_on_signal(int sig)
{
	(void)sig;
	rx_stop = 1;
}

/* Bytes of the first complete request in c, or 0 if incomplete. */
static size_t
rx_request(const struct conn *c)
{
	const char *end, *p;
	size_t head, clen = 0;

	end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	if (end == NULL)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	for (p = c->buf; p < end; p++) {
		if ((p == c->buf || p[-1] == '\n') &&
		    strncasecmp(p, "content-length:", 15) == 0) {
			const char *v = p + 15;
			uint64_t x;

			while (*v == ' ' || *v == '\t')
				v++;
			/* digits up to the '\r': the head ends in "\r\n\r\n" */
			if (num_parse_u64(v, strspn(v, "0123456789"), 0,
			    SIZE_MAX / 2, &x, NULL) == 0)
				clen = (size_t)x;
			break;
		}
	}
	if (c->len < head + clen)
		return 0;
	if (rx_log != NULL) {
		struct timespec ts;
		const char *v = NULL;
		int n = 0;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (p = c->buf; p < end; p++) {
			if ((p == c->buf || p[-1] == '\n') &&
			    strncasecmp(p, "webhook-id:", 11) == 0) {
				v = p + 11;
				while (*v == ' ')
					v++;
				while (v + n < end && v[n] != '\r')
					n++;
				break;
			}
		}
		fprintf(rx_log, "%.*s %lld\n", n, v ? v : "",
		    (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	}
	return head + clen;
}

int
main(int argc, char **argv)
{
	static const char reply[] = "HTTP/1.1 204 No Content\r\n\r\n";
	struct sockaddr_in sa;
	struct epoll_event ev, evs[256];
	socklen_t sl = sizeof(sa);
	unsigned long count = 0, expect = 0;
	int lfd, ep, n, i, fd, one = 1, port = 0, ch;
	int64_t v;
	uint64_t u;
	ssize_t r;
	size_t used;

	while ((ch = getopt(argc, argv, "p:n:l:")) != -1) {
		if (ch == 'l')
		{
			rx_log = fopen(optarg, "a");
			if (rx_log != NULL)
				setvbuf(rx_log, NULL, _IOLBF, 0);
		}
		else if (ch == 'p') {
			if (num_parse_i64(optarg, NUM_CSTR, 0, 65535, &v,
			    NULL) == -1)
				return 2;
			port = (int)v;
		} else if (ch == 'n') {
			if (num_parse_u64(optarg, NUM_CSTR, 0, ULONG_MAX, &u,
			    NULL) == -1)
				return 2;
			expect = (unsigned long)u;
		} else
			return 2;
	}
	signal(SIGTERM, rx_on_signal);
	signal(SIGINT, rx_on_signal);
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(lfd, 1024) == -1) {
		perror("sender_rx");
		return 1;
	}
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	printf("%d\n", ntohs(sa.sin_port));
	fflush(stdout);
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!rx_stop && (expect == 0 || count < expect)) {
		n = epoll_wait(ep, evs, 256, 200);
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == lfd) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) >= 0) {
					if (fd >= RX_FDS) {
						close(fd);
						continue;
					}
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
					    &one, sizeof(one));
					rx_conn[fd].buf = malloc(RX_BUF);
					rx_conn[fd].len = 0;
					ev.events = EPOLLIN;
					ev.data.fd = fd;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			r = read(fd, rx_conn[fd].buf + rx_conn[fd].len,
			    RX_BUF - rx_conn[fd].len);
			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				free(rx_conn[fd].buf);
				rx_conn[fd].buf = NULL;
				continue;
			}
			rx_conn[fd].len += (size_t)r;
			while ((used = rx_request(&rx_conn[fd])) > 0) {
				if (write(fd, reply, sizeof(reply) - 1) < 0)
					break;
				count++;
				memmove(rx_conn[fd].buf, rx_conn[fd].buf + used,
				    rx_conn[fd].len - used);
				rx_conn[fd].len -= used;
			}
		}
	}
	printf("%lu\n", count);
	if (rx_log != NULL)
		fclose(rx_log);
	return 0;
}
