/*
 * responder.c - the floor for bench/intake.sh: a FastCGI responder that
 * drains the request body and answers 202 (200 for GET) with a tiny JSON
 * body, doing no other work.  Same libfcgi loop shape as cgi/main.c, so
 * hookd's rate divided by this one is the cost of hookd's own work.
 */
#include <stdio.h>

#include <fcgiapp.h>

int
main(void)
{
	FCGX_Request r;
	const char *m;
	char chunk[16384];

	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		while (FCGX_GetStr(chunk, sizeof(chunk), r.in) > 0)
			;
		m = FCGX_GetParam("REQUEST_METHOD", r.envp);
		if (m != NULL && m[0] == 'G')
			FCGX_FPrintF(r.out, "Status: 200 OK\r\nContent-Type: "
			    "application/json\r\nContent-Length: 2\r\n\r\n{}");
		else
			FCGX_FPrintF(r.out, "Status: 202 Accepted\r\nContent-Type: "
			    "application/json\r\nContent-Length: 2\r\n\r\n{}");
		FCGX_Finish_r(&r);
	}
	return 0;
}
