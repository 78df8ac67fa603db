/*
 * The server's first read takes whatever has arrived in one call; the
 * request must be served the same wherever the client's writes split it:
 * inside the length, right after it, inside the body, or all at once.
 * With a bad length in the first read, the connection closes unanswered.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/listener.h"
#include "daemon/server.h"
#include "../daemon/testlib.h"

struct fixture {
	char *dir;
	char path[200];
	struct listener l;
	struct server *s;
	pthread_t thread;
};

static void *
run_thread(void *arg)
{
	struct fixture *f = arg;

	if (server_run(f->s) != ERR_OK)
		fprintf(stderr, "server_run failed\n");
	return NULL;
}

static int
fixture_setup(void **state)
{
	struct listener_config lc = {.mode = 0666, .backlog = 64};
	struct server_config sc = {.backend = fake_backend(),
	                           .workers = 2,
	                           .request_timeout_ms = 5000,
	                           .max_connections = 64};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = temp_dir();
	snprintf(f->path, sizeof(f->path), "%s/run/aesm.socket", f->dir);
	lc.path = f->path;
	assert_int_equal(listener_open(&lc, &f->l), ERR_OK);
	sc.listener = &f->l;
	assert_int_equal(server_create(&sc, &f->s), ERR_OK);
	assert_int_equal(pthread_create(&f->thread, NULL, run_thread, f), 0);
	*state = f;
	return 0;
}

static int
fixture_teardown(void **state)
{
	struct fixture *f = *state;

	server_stop(f->s);
	pthread_join(f->thread, NULL);
	server_free(f->s);
	rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Sends raw_num_req in two writes split at cut, 20 ms apart, so that the
 * server's first read sees only the first part; returns the reply. */
static uint8_t *
exchange_split(const char *path, size_t cut, size_t *got)
{
	uint8_t *r;
	int fd = raw_connect(path);

	assert_true(fd >= 0);
	assert_int_equal(send(fd, raw_num_req, cut, 0), (ssize_t)cut);
	usleep(20000);
	assert_int_equal(
	        send(fd, raw_num_req + cut, sizeof(raw_num_req) - cut, 0),
	        (ssize_t)(sizeof(raw_num_req) - cut));
	r = raw_read_all(fd, 5000, got);
	close(fd);
	return r;
}

static void
test_every_split_is_served(void **state)
{
	struct fixture *f = *state;
	size_t got;
	uint8_t *r;

	/* 1..3: inside the length; 4: after it; 5..9: inside the body. */
	for (size_t cut = 1; cut < sizeof(raw_num_req); cut++) {
		r = exchange_split(f->path, cut, &got);
		assert_non_null(r);
		assert_int_equal(got, sizeof(raw_num_reply));
		assert_memory_equal(r, raw_num_reply, got);
		free(r);
	}
}

static void
test_whole_request_in_one_write(void **state)
{
	struct fixture *f = *state;
	size_t got;
	uint8_t *r =
	        raw_exchange(f->path, raw_num_req, sizeof(raw_num_req), &got);

	assert_non_null(r);
	assert_int_equal(got, sizeof(raw_num_reply));
	assert_memory_equal(r, raw_num_reply, got);
	free(r);
}

/* Bytes after the one request are never read as a second request. */
static void
test_trailing_bytes_ignored(void **state)
{
	struct fixture *f = *state;
	uint8_t twice[2 * sizeof(raw_num_req)];
	size_t got;
	uint8_t *r;

	memcpy(twice, raw_num_req, sizeof(raw_num_req));
	memcpy(twice + sizeof(raw_num_req), raw_num_req, sizeof(raw_num_req));
	r = raw_exchange(f->path, twice, sizeof(twice), &got);
	assert_non_null(r);
	assert_int_equal(got, sizeof(raw_num_reply));
	assert_memory_equal(r, raw_num_reply, got);
	free(r);
}

/* A length over the cap or zero, with body bytes in the same write. */
static void
test_bad_length_in_first_read_closes(void **state)
{
	static const uint8_t huge[] = {0x00, 0x00, 0x00, 0x01, 0xaa, 0x01};
	static const uint8_t empty[] = {0x00, 0x00, 0x00, 0x00, 0xaa, 0x01};
	struct fixture *f = *state;
	size_t got = 99;
	uint8_t *r;

	r = raw_exchange(f->path, huge, sizeof(huge), &got);
	assert_non_null(r);
	assert_int_equal(got, 0);
	free(r);
	got = 99;
	r = raw_exchange(f->path, empty, sizeof(empty), &got);
	assert_non_null(r);
	assert_int_equal(got, 0);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_split_is_served),
	        cmocka_unit_test(test_whole_request_in_one_write),
	        cmocka_unit_test(test_trailing_bytes_ignored),
	        cmocka_unit_test(test_bad_length_in_first_read_closes),
	};

	return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
