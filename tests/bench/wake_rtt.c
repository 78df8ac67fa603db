/*
 * What a wake-up costs on this machine: two threads pass one byte back
 * and forth over a Unix socket pair, each blocking in read until the
 * other writes, as a quote's client and daemon do once per quote. Timed
 * with both threads on CPU 0, with one on CPU 0 and one on CPU 1, and
 * where the scheduler puts them. Prints microseconds per round trip:
 *
 *   same_cpu_us=2.0 across_cpus_us=70.5 scheduler_us=37.5
 *
 *   wake_rtt [ROUND_TRIPS]
 *
 * A round trip is two wake-ups; across CPUs each may need an
 * inter-processor interrupt, which a virtual machine pays for with an
 * exit to its host. bench/run prints the three figures beside its load
 * points so that the kernel's share of a quote can be judged.
 *
 * Exit status: 0, or 1 when a thread or socket could not be made (with
 * one CPU, across_cpus_us is printed as 0).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/timeutil.h"

#define RTT_DEFAULT_TRIPS 20000
#define RTT_MAX_TRIPS     10000000UL
#define RTT_ANY_CPU       (-1)

struct rtt {
	int fd;
	int cpu;
	unsigned long trips;
	int ok;
};

static int
pin(int cpu)
{
	cpu_set_t set;

	if (cpu == RTT_ANY_CPU)
		return 0;
	CPU_ZERO(&set);
	CPU_SET((size_t)cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The echoing side: reads a byte, writes it back, trips times. */
static void *
echo_thread(void *arg)
{
	struct rtt *r = arg;
	char c;

	if (pin(r->cpu) != 0)
		return NULL;
	for (unsigned long i = 0; i < r->trips; i++) {
		if (read(r->fd, &c, 1) != 1 || write(r->fd, &c, 1) != 1)
			return NULL;
	}
	r->ok = 1;
	return NULL;
}

/* Microseconds per round trip with the two sides on cpu_a and cpu_b;
 * negative on failure. */
static double
measure(int cpu_a, int cpu_b, unsigned long trips)
{
	struct rtt echo = {.cpu = cpu_b, .trips = trips};
	int64_t start, end = 0;
	pthread_t tid;
	int sv[2];
	char c = 0;
	int failed = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	echo.fd = sv[1];
	if (pthread_create(&tid, NULL, echo_thread, &echo) != 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pin(cpu_a) != 0)
		failed = 1;
	start = timeutil_mono_ns();
	for (unsigned long i = 0; !failed && i < trips; i++) {
		if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1)
			failed = 1;
	}
	end = timeutil_mono_ns();
	/* A failed side stops the other: closing ends its read. */
	close(sv[0]);
	pthread_join(tid, NULL);
	close(sv[1]);
	if (failed || !echo.ok)
		return -1;
	return (double)(end - start) / 1e3 / (double)trips;
}

int
main(int argc, char **argv)
{
	unsigned long trips = RTT_DEFAULT_TRIPS;
	double same, across = 0, sched;
	cpu_set_t all;

	if (argc > 2 ||
	    (argc == 2 && ((trips = strtoul(argv[1], NULL, 10)) == 0 ||
	                   trips > RTT_MAX_TRIPS))) {
		fprintf(stderr, "usage: wake_rtt [ROUND_TRIPS]\n");
		return 2;
	}
	if (sched_getaffinity(0, sizeof(all), &all) != 0 ||
	    !CPU_ISSET(0, &all)) {
		fprintf(stderr, "wake_rtt: CPU 0 is not available\n");
		return 1;
	}
	same = measure(0, 0, trips);
	if (CPU_ISSET(1, &all))
		across = measure(0, 1, trips);
	/* Unpinned: restore the affinity the program started with. */
	if (sched_setaffinity(0, sizeof(all), &all) != 0)
		return 1;
	sched = measure(RTT_ANY_CPU, RTT_ANY_CPU, trips);
	if (same < 0 || across < 0 || sched < 0) {
		fprintf(stderr, "wake_rtt: a measurement failed\n");
		return 1;
	}
	printf("same_cpu_us=%.1f across_cpus_us=%.1f scheduler_us=%.1f\n", same,
	       across, sched);
	return 0;
}
