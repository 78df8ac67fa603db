/*
 * The server and its socket, in process, with a backend double: framing
 * limits, slow and idle clients, deadlines, the connection cap, stopping
 * with a request in flight, and the socket set-up rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/listener.h"
#include "daemon/server.h"
#include "testlib.h"

struct fixture {
	char *dir;
	char path[200];
	struct listener l;
	struct server *s;
	pthread_t thread;
	enum err run_result;
	bool running;
};

static void *
run_thread(void *arg)
{
	struct fixture *f = arg;

	f->run_result = server_run(f->s);
	return NULL;
}

static void
fixture_start(struct fixture *f, unsigned workers, unsigned timeout_ms,
              unsigned max_conns)
{
	struct listener_config lc = {.mode = 0666, .backlog = 64};
	struct server_config sc = {.backend = fake_backend(),
	                           .workers = workers,
	                           .request_timeout_ms = timeout_ms,
	                           .max_connections = max_conns};

	memset(f, 0, sizeof(*f));
	f->dir = temp_dir();
	snprintf(f->path, sizeof(f->path), "%s/run/aesm.socket", f->dir);
	lc.path = f->path;
	assert_int_equal(listener_open(&lc, &f->l), ERR_OK);
	sc.listener = &f->l;
	assert_int_equal(server_create(&sc, &f->s), ERR_OK);
	assert_int_equal(pthread_create(&f->thread, NULL, run_thread, f), 0);
	f->running = true;
}

static void
fixture_stop(struct fixture *f)
{
	if (f->running) {
		server_stop(f->s);
		pthread_join(f->thread, NULL);
		f->running = false;
	}
	server_free(f->s);
	rm_rf(f->dir);
	free(f->dir);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
assert_num_roundtrip(const char *path)
{
	size_t got;
	uint8_t *r = raw_exchange(path, raw_num_req, sizeof(raw_num_req), &got);

	assert_non_null(r);
	assert_int_equal(got, sizeof(raw_num_reply));
	assert_memory_equal(r, raw_num_reply, sizeof(raw_num_reply));
	free(r);
}

static void
assert_closed_without_reply(const char *path, const void *data, size_t len)
{
	size_t got = 99;
	uint8_t *r = raw_exchange(path, data, len, &got);

	assert_non_null(r);
	assert_int_equal(got, 0);
	free(r);
}

static void
test_serves_request(void **state)
{
	struct fixture f;
	struct stat st;

	(void)state;
	fixture_start(&f, 2, 5000, 16);
	assert_int_equal(stat(f.path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0666);
	for (int i = 0; i < 8; i++)
		assert_num_roundtrip(f.path);
	fixture_stop(&f);
}

/* Intel's client writes the length and the body separately. */
static void
test_length_and_body_in_two_writes(void **state)
{
	struct fixture f;
	uint8_t *r;
	size_t got;
	int fd;

	(void)state;
	fixture_start(&f, 1, 5000, 16);
	fd = raw_connect(f.path);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, raw_num_req, 4, 0), 4);
	usleep(20000);
	assert_int_equal(send(fd, raw_num_req + 4, 6, 0), 6);
	r = raw_read_all(fd, 5000, &got);
	assert_non_null(r);
	assert_int_equal(got, sizeof(raw_num_reply));
	assert_memory_equal(r, raw_num_reply, got);
	free(r);
	close(fd);
	fixture_stop(&f);
}

static void
test_bad_frames_closed(void **state)
{
	static const uint8_t over[] = {0x01, 0x00, 0x01, 0x00, 0xaa};
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0xaa};
	static const uint8_t zero[] = {0x00, 0x00, 0x00, 0x00};
	static const uint8_t unknown[] = {0x02, 0x00, 0x00, 0x00, 0x2a, 0x00};
	static const uint8_t garbage[] = {0x03, 0x00, 0x00, 0x00,
	                                  0xff, 0xff, 0xff};
	struct fixture f;

	(void)state;
	fixture_start(&f, 1, 5000, 16);
	assert_closed_without_reply(f.path, over, sizeof(over));
	assert_closed_without_reply(f.path, huge, sizeof(huge));
	assert_closed_without_reply(f.path, zero, sizeof(zero));
	assert_closed_without_reply(f.path, unknown, sizeof(unknown));
	assert_closed_without_reply(f.path, garbage, sizeof(garbage));
	/* and the server still serves */
	assert_num_roundtrip(f.path);
	fixture_stop(&f);
}

/* With one worker, stalled clients must not delay anyone. */
static void
test_stalled_clients_do_not_block(void **state)
{
	struct fixture f;
	int stalled[20];
	int64_t t0;

	(void)state;
	fixture_start(&f, 1, 5000, 64);
	for (int i = 0; i < 20; i++) {
		stalled[i] = raw_connect(f.path);
		assert_true(stalled[i] >= 0);
		/* one byte of the length, or a whole length and no body */
		assert_int_equal(
		        send(stalled[i], raw_num_req, i % 2 ? 1 : 5, 0),
		        i % 2 ? 1 : 5);
	}
	t0 = mono_ms();
	for (int i = 0; i < 20; i++)
		assert_num_roundtrip(f.path);
	assert_true(mono_ms() - t0 < 2000);
	for (int i = 0; i < 20; i++)
		close(stalled[i]);
	fixture_stop(&f);
}

static void
test_deadline_closes_stalled(void **state)
{
	struct fixture f;
	int64_t t0;
	size_t got;
	uint8_t *r;
	int fd;

	(void)state;
	fixture_start(&f, 1, 200, 16);
	fd = raw_connect(f.path);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, raw_num_req, 5, 0), 5);
	t0 = mono_ms();
	r = raw_read_all(fd, 3000, &got);
	assert_non_null(r);
	assert_int_equal(got, 0);
	assert_true(mono_ms() - t0 >= 150);
	free(r);
	close(fd);
	fixture_stop(&f);
}

static void
test_connection_cap(void **state)
{
	struct fixture f;
	int held[2];
	size_t got = 99;
	uint8_t *r;
	int fd;

	(void)state;
	fixture_start(&f, 1, 5000, 2);
	for (int i = 0; i < 2; i++) {
		held[i] = raw_connect(f.path);
		assert_true(held[i] >= 0);
	}
	usleep(50000);
	fd = raw_connect(f.path);
	assert_true(fd >= 0);
	(void)send(fd, raw_num_req, sizeof(raw_num_req), MSG_NOSIGNAL);
	r = raw_read_all(fd, 3000, &got);
	assert_non_null(r);
	assert_int_equal(got, 0);
	free(r);
	close(fd);
	for (int i = 0; i < 2; i++)
		close(held[i]);
	/* the held ones are noticed and released */
	for (int tries = 0;; tries++) {
		r = raw_exchange(f.path, raw_num_req, sizeof(raw_num_req),
		                 &got);
		if (r != NULL && got == sizeof(raw_num_reply)) {
			free(r);
			break;
		}
		free(r);
		assert_true(tries < 50);
		usleep(20000);
	}
	fixture_stop(&f);
}

/* A stop with a request half sent: the request completes, then the server
 * returns and the socket path is gone. */
static void
test_stop_finishes_in_flight(void **state)
{
	struct fixture f;
	struct stat st;
	size_t got;
	uint8_t *r;
	int fd;

	(void)state;
	fixture_start(&f, 2, 5000, 16);
	fd = raw_connect(f.path);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, raw_num_req, 6, 0), 6);
	usleep(50000);
	server_stop(f.s);
	usleep(100000);
	/* no longer reachable by path, the request still in flight */
	assert_int_equal(stat(f.path, &st), -1);
	assert_int_equal(send(fd, raw_num_req + 6, 4, 0), 4);
	r = raw_read_all(fd, 5000, &got);
	assert_non_null(r);
	assert_int_equal(got, sizeof(raw_num_reply));
	assert_memory_equal(r, raw_num_reply, got);
	free(r);
	close(fd);
	pthread_join(f.thread, NULL);
	f.running = false;
	assert_int_equal(f.run_result, ERR_OK);
	fixture_stop(&f);
}

/* A socket another daemon renamed over the path is left alone. */
static void
test_stop_keeps_replaced_path(void **state)
{
	struct listener_config lc = {.mode = 0666, .backlog = 8};
	struct listener other;
	struct fixture f;
	struct stat st;

	(void)state;
	fixture_start(&f, 1, 5000, 16);
	lc.path = f.path;
	lc.replace = true;
	assert_int_equal(listener_open(&lc, &other), ERR_OK);
	server_stop(f.s);
	pthread_join(f.thread, NULL);
	f.running = false;
	assert_int_equal(stat(f.path, &st), 0);
	assert_int_equal(st.st_ino, other.ino);
	listener_close(&other);
	assert_int_equal(stat(f.path, &st), -1);
	fixture_stop(&f);
}

/* ---- socket set-up ---- */

static int
bind_dead_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void
test_listener_rules(void **state)
{
	struct listener_config lc = {.mode = 0600, .backlog = 8};
	struct listener a, b;
	char path[300], dir_path[300];
	char *dir = temp_dir();
	struct stat st;
	int fd;

	(void)state;
	/* a directory is created 0755, the socket gets the mode asked */
	snprintf(path, sizeof(path), "%s/new/aesm.socket", dir);
	snprintf(dir_path, sizeof(dir_path), "%s/new", dir);
	lc.path = path;
	assert_int_equal(listener_open(&lc, &a), ERR_OK);
	assert_int_equal(stat(dir_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* a live socket is refused, unless taking over is asked */
	assert_int_equal(listener_open(&lc, &b), ERR_INVALID);
	lc.replace = true;
	assert_int_equal(listener_open(&lc, &b), ERR_OK);
	lc.replace = false;
	listener_close(&b);
	listener_close(&a);

	/* a stale socket (bound, not listening) is replaced */
	fd = bind_dead_socket(path);
	assert_int_equal(listener_open(&lc, &a), ERR_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_ino, a.ino);
	listener_close(&a);
	close(fd);

	/* not a socket: refused and left alone */
	assert_int_equal(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);
	assert_int_equal(listener_open(&lc, &a), ERR_INVALID);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);

	/* too long for sun_path with the temporary suffix */
	memset(path, 'x', 120);
	path[0] = '/';
	path[120] = '\0';
	assert_int_equal(listener_open(&lc, &a), ERR_INVALID);

	rm_rf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_serves_request),
	        cmocka_unit_test(test_length_and_body_in_two_writes),
	        cmocka_unit_test(test_bad_frames_closed),
	        cmocka_unit_test(test_stalled_clients_do_not_block),
	        cmocka_unit_test(test_deadline_closes_stalled),
	        cmocka_unit_test(test_connection_cap),
	        cmocka_unit_test(test_stop_finishes_in_flight),
	        cmocka_unit_test(test_stop_keeps_replaced_path),
	        cmocka_unit_test(test_listener_rules),
	};

	/* A hung exchange must fail the test, not the whole run. */
	alarm(30);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
