/*
 * Holds N idle connections to a Unix socket, for measuring what idle
 * clients cost the daemon: connects them all, checks that the daemon
 * keeps every one open, prints "ready N" and waits until its standard
 * input closes, then closes them.
 *
 *   idle_conns SOCKET N
 *
 * Exit status: 0 when all N connected and stayed open, 1 otherwise.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wire/wire.h"

#define IDLE_MAX        100000
#define IDLE_CONNECT_MS 5000
#define IDLE_SETTLE_MS  200

/* How many of the n connections the peer has closed (a connect succeeds
 * before the daemon accepts, so a refusal shows only as a hang-up). */
static unsigned long
count_closed(const int *fds, unsigned long n)
{
	unsigned long closed = 0;
	struct pollfd p;

	for (unsigned long i = 0; i < n; i++) {
		p.fd = fds[i];
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, 0) != 0)
			closed++;
	}
	return closed;
}

int
main(int argc, char **argv)
{
	unsigned long n, closed;
	char c;
	int *fds;

	if (argc != 3 || (n = strtoul(argv[2], NULL, 10)) == 0 ||
	    n > IDLE_MAX) {
		fprintf(stderr, "usage: idle_conns SOCKET N\n");
		return 2;
	}
	if ((fds = calloc(n, sizeof(*fds))) == NULL)
		return 1;
	for (unsigned long i = 0; i < n; i++) {
		if (wire_connect(argv[1], IDLE_CONNECT_MS, &fds[i]) != ERR_OK) {
			perror("idle_conns: connect");
			return 1;
		}
	}
	usleep(IDLE_SETTLE_MS * 1000);
	if ((closed = count_closed(fds, n)) != 0) {
		fprintf(stderr, "idle_conns: the peer closed %lu of %lu\n",
		        closed, n);
		return 1;
	}
	printf("ready %lu\n", n);
	fflush(stdout);
	while (read(STDIN_FILENO, &c, 1) > 0)
		continue;
	for (unsigned long i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}
