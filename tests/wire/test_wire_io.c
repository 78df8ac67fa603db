/*
 * Client-side socket I/O: deadlines, the frame cap on receive, peers that
 * close early, and a full listen backlog waited out without spinning.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "wire/wire.h"

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* Non-blocking, as the client I/O expects of its sockets. */
static void
pair(int sv[2])
{
	assert_int_equal(
	        socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
}

static void
test_recv_frame_cap_before_allocation(void **state)
{
	static const uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[4] = {0, 0, 0, 0};
	uint8_t *body = NULL;
	size_t len = 0;
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(write(sv[1], huge, 4), 4);
	assert_int_equal(
	        wire_recv_frame(sv[0], WIRE_MAX_RESPONSE, 1000, &body, &len),
	        ERR_RANGE);
	assert_null(body);
	assert_int_equal(write(sv[1], zero, 4), 4);
	assert_int_equal(
	        wire_recv_frame(sv[0], WIRE_MAX_RESPONSE, 1000, &body, &len),
	        ERR_INVALID);
	close(sv[0]);
	close(sv[1]);
}

static void
test_recv_frame_whole_truncated_and_late(void **state)
{
	static const uint8_t msg[] = {3, 0, 0, 0, 0xa, 0xb, 0xc};
	uint8_t *body = NULL;
	size_t len = 0;
	int64_t t0;
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(write(sv[1], msg, sizeof(msg)), sizeof(msg));
	assert_int_equal(wire_recv_frame(sv[0], 16, 1000, &body, &len), ERR_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(body, msg + 4, 3);
	free(body);

	/* a length and half a body, then nothing: the deadline */
	assert_int_equal(write(sv[1], msg, 5), 5);
	t0 = mono_ms();
	assert_int_equal(wire_recv_frame(sv[0], 16, 150, &body, &len),
	                 ERR_TIMEOUT);
	assert_true(mono_ms() - t0 >= 140);

	/* ... and the peer closes: truncated */
	close(sv[1]);
	assert_int_equal(wire_recv_frame(sv[0], 16, 1000, &body, &len),
	                 ERR_TRUNCATED);
	close(sv[0]);
}

/* Writing to a closed peer is an error, never SIGPIPE (not ignored
 * here: the test would die). */
static void
test_send_to_closed_peer(void **state)
{
	static const uint8_t data[64] = {0};
	int sv[2];

	(void)state;
	pair(sv);
	close(sv[1]);
	errno = 0;
	assert_int_equal(wire_send_all(sv[0], data, sizeof(data), 1000),
	                 ERR_IO);
	assert_int_equal(errno, EPIPE);
	close(sv[0]);
}

static void
test_connect_missing_and_too_long(void **state)
{
	char path[200];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/nonexistent-%ld/aesm.socket",
	         (long)getpid());
	errno = 0;
	assert_int_equal(wire_connect(path, 100, &fd), ERR_IO);
	assert_int_equal(errno, ENOENT);
	memset(path, 'a', 150);
	path[0] = '/';
	path[150] = '\0';
	assert_int_equal(wire_connect(path, 100, &fd), ERR_IO);
	assert_int_equal(errno, ENAMETOOLONG);
}

/* A listener with a full backlog: connect waits until the deadline,
 * sleeping rather than spinning, and succeeds once there is room. */
static void
test_connect_full_backlog(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[] = "/tmp/sqh-wire-XXXXXX";
	int lfd, first, second, accepted;
	int64_t t0, c0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	assert_int_equal(wire_connect(sa.sun_path, 1000, &first), ERR_OK);

	t0 = mono_ms();
	c0 = cpu_ms();
	assert_int_equal(wire_connect(sa.sun_path, 300, &second), ERR_TIMEOUT);
	assert_true(mono_ms() - t0 >= 290);
	assert_true(cpu_ms() - c0 < 150);

	accepted = accept(lfd, NULL, NULL);
	assert_true(accepted >= 0);
	assert_int_equal(wire_connect(sa.sun_path, 1000, &second), ERR_OK);
	close(second);
	close(accepted);
	close(first);
	close(lfd);
	unlink(sa.sun_path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_recv_frame_cap_before_allocation),
	        cmocka_unit_test(test_recv_frame_whole_truncated_and_late),
	        cmocka_unit_test(test_send_to_closed_peer),
	        cmocka_unit_test(test_connect_missing_and_too_long),
	        cmocka_unit_test(test_connect_full_backlog),
	};

	/* A broken deadline must fail the test, not hang it. */
	alarm(30);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
