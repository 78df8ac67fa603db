/*
 * The peer policy: allow-list parsing (and what it refuses), and the
 * decision on real connections, whose credentials come from the kernel.
 * As root, a child process takes other ids and groups before connecting,
 * so that uid, primary group and supplementary groups are each checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/peer_policy.h"

#define CHILD_UID   4444
#define CHILD_GID   4343
#define CHILD_GROUP 4242

static void
test_parse_lists(void **state)
{
	struct peer_policy p = {0};

	(void)state;
	assert_false(peer_policy_active(&p));
	assert_int_equal(peer_policy_add_uids(&p, "0"), ERR_OK);
	assert_int_equal(peer_policy_add_uids(&p, "1000,65534"), ERR_OK);
	assert_int_equal(p.n_uids, 3);
	assert_int_equal(p.uids[1], 1000);
	assert_int_equal(p.uids[2], 65534);
	assert_int_equal(peer_policy_add_gids(&p, "4294967294"), ERR_OK);
	assert_int_equal(p.gids[0], 4294967294u);
	assert_true(peer_policy_active(&p));
}

static void
test_parse_refuses(void **state)
{
	static const char *const bad[] = {
	        "",           "a",           "1,",
	        ",1",         "1,,2",        "-1",
	        "+1",         " 1",          "1 ",
	        "0x10",       "1;2",         "1,b",
	        "4294967295", "99999999999", "18446744073709551616",
	};
	struct peer_policy p = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(peer_policy_add_uids(&p, bad[i]), ERR_INVALID);
		assert_int_equal(peer_policy_add_gids(&p, bad[i]), ERR_INVALID);
	}
}

static void
test_parse_caps_the_list(void **state)
{
	struct peer_policy p = {0};
	char one[16];

	(void)state;
	for (unsigned i = 0; i < PEER_LIST_MAX; i++) {
		snprintf(one, sizeof(one), "%u", i);
		assert_int_equal(peer_policy_add_uids(&p, one), ERR_OK);
	}
	assert_int_equal(peer_policy_add_uids(&p, "7"), ERR_RANGE);
	assert_int_equal(p.n_uids, PEER_LIST_MAX);
}

static void
test_describe(void **state)
{
	struct peer_policy p = {0};
	char out[64];

	(void)state;
	peer_policy_describe(&p, out, sizeof(out));
	assert_string_equal(out, "allow_uid=any allow_gid=any");
	assert_int_equal(peer_policy_add_gids(&p, "3"), ERR_OK);
	peer_policy_describe(&p, out, sizeof(out));
	assert_string_equal(out, "allow_gid=3");
	assert_int_equal(peer_policy_add_uids(&p, "1,2"), ERR_OK);
	peer_policy_describe(&p, out, sizeof(out));
	assert_string_equal(out, "allow_uid=1,2 allow_gid=3");
	/* Cut short, never overrun. */
	peer_policy_describe(&p, out, 8);
	assert_int_equal(strlen(out), 7);
}

/* Our own credentials, through a socket pair. */
static void
test_identify_self(void **state)
{
	struct peer_policy p = {0};
	struct peer who;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(peer_identify(sv[0], &who), ERR_OK);
	assert_int_equal(who.pid, getpid());
	assert_int_equal(who.uid, getuid());
	assert_int_equal(who.gid, getgid());

	assert_true(peer_allowed(NULL, sv[0], &who));
	assert_true(peer_allowed(&p, sv[0], &who));
	assert_int_equal(peer_policy_add_uids(&p, "4000000"), ERR_OK);
	assert_false(peer_allowed(&p, sv[0], &who));
	who.uid = 4000000;
	assert_true(peer_allowed(&p, sv[0], &who));
	/* A peer the kernel could not name is never allowed by a list. */
	who.uid = (uid_t)-1;
	assert_false(peer_allowed(&p, sv[0], &who));
	close(sv[0]);
	close(sv[1]);

	/* A descriptor that is not a socket is refused. */
	assert_int_equal(peer_identify(-1, &who), ERR_IO);
	assert_int_equal(who.pid, -1);
}

/* A child that takes other ids, connects to path and waits to be closed. */
static pid_t
child_connect(const struct sockaddr_un *sa)
{
	gid_t group = CHILD_GROUP;
	pid_t pid = fork();
	char b;
	int fd;

	if (pid != 0)
		return pid;
	if (setgroups(1, &group) < 0 || setgid(CHILD_GID) < 0 ||
	    setuid(CHILD_UID) < 0)
		_exit(3);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		_exit(4);
	_exit(read(fd, &b, 1) >= 0 ? 0 : 5);
}

/* Whether a policy made of uid and gid lists admits the child. */
static bool
child_allowed(int conn, const char *uids, const char *gids)
{
	struct peer_policy p = {0};
	struct peer who;

	if (uids != NULL)
		assert_int_equal(peer_policy_add_uids(&p, uids), ERR_OK);
	if (gids != NULL)
		assert_int_equal(peer_policy_add_gids(&p, gids), ERR_OK);
	assert_int_equal(peer_identify(conn, &who), ERR_OK);
	assert_int_equal(who.uid, CHILD_UID);
	assert_int_equal(who.gid, CHILD_GID);
	return peer_allowed(&p, conn, &who);
}

static void
test_other_ids(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[] = "/tmp/sqh-peer-XXXXXX";
	int lfd, conn, status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(chmod(sa.sun_path, 0666), 0);
	assert_int_equal(listen(lfd, 4), 0);

	pid = child_connect(&sa);
	assert_true(pid > 0);
	conn = accept(lfd, NULL, NULL);
	assert_true(conn >= 0);
	assert_true(child_allowed(conn, "4444", NULL));
	assert_true(child_allowed(conn, "1", "4343"));
	assert_true(child_allowed(conn, NULL, "9,4242"));
	assert_false(child_allowed(conn, "0,4343", "0,4444"));
	assert_false(child_allowed(conn, NULL, "0"));
	close(conn);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	close(lfd);
	unlink(sa.sun_path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_lists),
	        cmocka_unit_test(test_parse_refuses),
	        cmocka_unit_test(test_parse_caps_the_list),
	        cmocka_unit_test(test_describe),
	        cmocka_unit_test(test_identify_self),
	        cmocka_unit_test(test_other_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
