/*
 * Holds N idle connections to a Unix socket, for measuring what idle
 * clients cost the daemon: connects them all, prints "ready N" and waits
 * until its standard input closes, then closes them.
 *
 *   idle_conns SOCKET N
 *
 * Exit status: 0 when all N connected, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wire/wire.h"

#define IDLE_MAX        100000
#define IDLE_CONNECT_MS 5000

int
main(int argc, char **argv)
{
	unsigned long n;
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
	printf("ready %lu\n", n);
	fflush(stdout);
	while (read(STDIN_FILENO, &c, 1) > 0)
		continue;
	for (unsigned long i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}
