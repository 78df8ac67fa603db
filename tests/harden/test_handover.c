/*
 * The socket hand-over between two daemons: the new one renames its
 * socket over the path, and the old one checks and unlinks the path,
 * each under a lock on the socket's directory. Here the test holds that
 * lock itself to stand between the check and the unlink, where the race
 * used to be.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/listener.h"

struct fixture {
	char dir[64];
	char path[128];
	int dir_fd;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sqh-handover-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/aesm.socket", f->dir);
	f->dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dir_fd >= 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	close(f->dir_fd);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static ino_t
path_inode(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_ino : 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000};

	nanosleep(&ts, NULL);
}

static void *
unlink_thread(void *arg)
{
	listener_unlink(arg);
	return NULL;
}

/* A socket bound at tmp and renamed over path, as another daemon would
 * (while the test holds the lock in its place). */
static int
foreign_socket(const struct fixture *f, ino_t *ino)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/other.tmp", f->dir);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(rename(sa.sun_path, f->path), 0);
	*ino = path_inode(f->path);
	return fd;
}

/* The old daemon's check waits for the lock, then sees the path is no
 * longer its own and leaves it. */
static void
test_unlink_checks_under_the_lock(void **state)
{
	struct fixture *f = *state;
	struct listener_config lc = {
	        .path = f->path, .mode = 0666, .backlog = 4};
	struct listener old;
	pthread_t t;
	ino_t theirs;
	int other;

	assert_int_equal(listener_open(&lc, &old), ERR_OK);
	assert_int_equal(path_inode(f->path), old.ino);

	assert_int_equal(flock(f->dir_fd, LOCK_EX), 0);
	assert_int_equal(pthread_create(&t, NULL, unlink_thread, &old), 0);
	sleep_ms(100);
	/* Blocked on the lock: the path is untouched. */
	assert_int_equal(path_inode(f->path), old.ino);
	other = foreign_socket(f, &theirs);
	assert_int_equal(flock(f->dir_fd, LOCK_UN), 0);
	assert_int_equal(pthread_join(t, NULL), 0);

	assert_int_equal(path_inode(f->path), theirs);
	listener_close(&old);
	assert_int_equal(path_inode(f->path), theirs);
	close(other);
}

struct open_job {
	struct listener_config lc;
	struct listener l;
	enum err e;
};

static void *
open_thread(void *arg)
{
	struct open_job *j = arg;

	j->e = listener_open(&j->lc, &j->l);
	return NULL;
}

/* The new daemon renames only under the lock. */
static void
test_rename_waits_for_the_lock(void **state)
{
	struct fixture *f = *state;
	struct listener_config lc = {
	        .path = f->path, .mode = 0666, .backlog = 4};
	struct open_job j = {.lc = lc};
	struct listener old;
	pthread_t t;

	j.lc.replace = true;
	assert_int_equal(listener_open(&lc, &old), ERR_OK);
	assert_int_equal(flock(f->dir_fd, LOCK_EX), 0);
	assert_int_equal(pthread_create(&t, NULL, open_thread, &j), 0);
	sleep_ms(100);
	assert_int_equal(path_inode(f->path), old.ino);
	assert_int_equal(flock(f->dir_fd, LOCK_UN), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(j.e, ERR_OK);
	assert_int_equal(path_inode(f->path), j.l.ino);

	/* The old one stops: the new socket stays. */
	listener_close(&old);
	assert_int_equal(path_inode(f->path), j.l.ino);
	listener_close(&j.l);
	assert_int_equal(path_inode(f->path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(
	                test_unlink_checks_under_the_lock, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rename_waits_for_the_lock,
	                                        setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
