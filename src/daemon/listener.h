/*
 * The listening Unix socket, set up the way a careful daemon does: path
 * length checked, directory created, umask narrowed before bind, mode set
 * and checked, and a socket already at the path replaced only when nothing
 * answers on it (or when asked to take over).
 *
 * The socket is bound under a temporary name in the same directory and
 * renamed over the path once it listens, so that the path always names a
 * socket that answers, also while one daemon replaces another.
 */
#ifndef SQH_DAEMON_LISTENER_H
#define SQH_DAEMON_LISTENER_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/un.h>

#include "common/err.h"

#define LISTENER_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)
/* The socket is bound first under its path with ".PID.tmp" appended; a
 * pid has at most 7 digits (the kernel's PID_MAX_LIMIT is 4194304). */
#define LISTENER_TMP_SUFFIX_MAX (sizeof(".4194304.tmp") - 1)
/* The longest socket path: with the suffix and its NUL it fits in
 * sun_path, whatever the pid. */
#define LISTENER_SOCKET_PATH_MAX \
	(LISTENER_PATH_MAX - 1 - LISTENER_TMP_SUFFIX_MAX)

struct listener_config {
	const char *path;
	mode_t mode; /* of the socket file, e.g. 0666 */
	int backlog;
	bool replace; /* take the path over even when a daemon answers */
};

struct listener {
	int fd; /* non-blocking, close-on-exec; -1 once closed */
	char path[LISTENER_PATH_MAX];
	dev_t dev; /* identity of our socket file, to remove only ours */
	ino_t ino;
	bool linked; /* path still ours as far as we know */
};

/*
 * Whether path can name the socket: 1 to LISTENER_SOCKET_PATH_MAX bytes,
 * not a directory (no trailing slash). Checked before anything is made on
 * disk; listener_open checks it again.
 */
bool listener_path_ok(const char *path);

/* Whether a daemon answers on the Unix socket at path (*live); ERR_RANGE
 * for a path too long, ERR_IO when the probe itself fails. */
MUST_CHECK enum err listener_probe_live(const char *path, bool *live);

/*
 * Creates the socket. Every failure is logged with its reason; ERR_INVALID
 * when the path is unusable or another daemon answers on it.
 */
MUST_CHECK enum err listener_open(const struct listener_config *cfg,
                                  struct listener *l);

/* Removes the path if it still names our socket (same inode); the socket
 * keeps listening so that its backlog can be drained. */
void listener_unlink(struct listener *l);

/* Unlinks as above and closes the socket. */
void listener_close(struct listener *l);

#endif
