#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file.h"
#include "common/log.h"

/* Fills a sockaddr_un; false when path does not fit with its NUL. */
static bool
sockaddr_fill(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n >= sizeof(sa->sun_path))
		return false;
	memcpy(sa->sun_path, path, n + 1);
	return true;
}

bool
listener_path_ok(const char *path)
{
	size_t n = strlen(path);

	return n > 0 && n <= LISTENER_SOCKET_PATH_MAX && path[n - 1] != '/';
}

/* Copies the directory part of path ("." when there is none). */
static bool
path_dir(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (slash == NULL)
		n = snprintf(dir, size, ".");
	else if (slash == path)
		n = snprintf(dir, size, "/");
	else
		n = snprintf(dir, size, "%.*s", (int)(slash - path), path);
	return n > 0 && (size_t)n < size;
}

/*
 * Locks the directory of path against other daemons of this kind while
 * the path changes hands: a daemon renames its socket in, and an old one
 * checks the path is still its own and unlinks it, each under this lock,
 * so that the old one never removes the new one's socket. The lock is on
 * the directory itself, so that no lock file is left behind. Returns the
 * descriptor to pass to dir_unlock, or -1 (errno set).
 */
static int
dir_lock(const char *path)
{
	char dir[LISTENER_PATH_MAX];
	int fd;

	if (!path_dir(path, dir, sizeof(dir))) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (file_lock(fd) != ERR_OK) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Closing the descriptor drops the lock. */
static void
dir_unlock(int fd)
{
	close(fd);
}

/* A refused connection means a stale socket left by a daemon that died;
 * a full backlog (EAGAIN) means a live one. */
enum err
listener_probe_live(const char *path, bool *live)
{
	struct sockaddr_un sa;
	int fd, rc, saved;

	if (!sockaddr_fill(&sa, path))
		return ERR_RANGE;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ERR_IO;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	saved = errno;
	close(fd);
	if (rc == 0 || saved == EAGAIN || saved == EINPROGRESS) {
		*live = true;
		return ERR_OK;
	}
	if (saved == ECONNREFUSED || saved == ENOENT) {
		*live = false;
		return ERR_OK;
	}
	errno = saved;
	return ERR_IO;
}

/* Decides whether whatever is at the path may be replaced. */
static enum err
check_existing(const struct listener_config *cfg)
{
	struct stat st;
	bool live;

	if (lstat(cfg->path, &st) < 0) {
		if (errno == ENOENT)
			return ERR_OK;
		log_error_errno("event=socket_stat path=%s", cfg->path);
		return ERR_IO;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_error("event=socket_refused path=%s "
		          "reason=\"exists and is not a socket\"",
		          cfg->path);
		return ERR_INVALID;
	}
	if (listener_probe_live(cfg->path, &live) != ERR_OK) {
		log_error_errno("event=socket_probe path=%s", cfg->path);
		return ERR_IO;
	}
	if (live && !cfg->replace) {
		log_error("event=socket_refused path=%s "
		          "reason=\"another service answers on it\"",
		          cfg->path);
		return ERR_INVALID;
	}
	log_info("event=socket_replace path=%s previous=%s", cfg->path,
	         live ? "live" : "stale");
	return ERR_OK;
}

/*
 * Binds fd to tmp with a narrowed umask, so that the socket file never
 * exists with more permissions than asked, then sets and checks its mode.
 */
static enum err
bind_checked(int fd, const char *tmp, mode_t mode, struct stat *st)
{
	struct sockaddr_un sa;
	mode_t old;
	int rc;

	if (!sockaddr_fill(&sa, tmp))
		return ERR_RANGE;
	if (unlink(tmp) < 0 && errno != ENOENT)
		return ERR_IO;
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0)
		return ERR_IO;
	if (chmod(tmp, mode) < 0 || lstat(tmp, st) < 0)
		return ERR_IO;
	if (!S_ISSOCK(st->st_mode) || (st->st_mode & 07777) != mode) {
		errno = EPERM;
		return ERR_IO;
	}
	return ERR_OK;
}

/* Makes a listening socket under tmp and renames it over the path. */
static enum err
listener_bind(const struct listener_config *cfg, const char *tmp,
              struct listener *l)
{
	int lock, rc, saved;
	struct stat st;
	enum err e;

	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		log_error_errno("event=socket_create");
		return ERR_IO;
	}
	if ((e = bind_checked(l->fd, tmp, cfg->mode, &st)) != ERR_OK) {
		log_error_errno("event=socket_bind path=%s mode=%04o", tmp,
		                (unsigned)cfg->mode);
		return e;
	}
	if (listen(l->fd, cfg->backlog) < 0) {
		log_error_errno("event=socket_listen path=%s", tmp);
		return ERR_IO;
	}
	if ((lock = dir_lock(cfg->path)) < 0) {
		log_error_errno("event=socket_lock path=%s", cfg->path);
		return ERR_IO;
	}
	rc = rename(tmp, cfg->path);
	saved = errno;
	dir_unlock(lock);
	if (rc < 0) {
		errno = saved;
		log_error_errno("event=socket_rename from=%s to=%s", tmp,
		                cfg->path);
		return ERR_IO;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->linked = true;
	return ERR_OK;
}

enum err
listener_open(const struct listener_config *cfg, struct listener *l)
{
	char dir[LISTENER_PATH_MAX], tmp[LISTENER_PATH_MAX];
	int n;
	enum err e;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	n = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", cfg->path, (long)getpid());
	if (!listener_path_ok(cfg->path) || n < 0 || (size_t)n >= sizeof(tmp) ||
	    !path_dir(cfg->path, dir, sizeof(dir))) {
		log_error("event=socket_refused path=%s reason=\"path empty, a "
		          "directory or longer than %zu bytes\"",
		          cfg->path, LISTENER_SOCKET_PATH_MAX);
		return ERR_INVALID;
	}
	memcpy(l->path, cfg->path, strlen(cfg->path) + 1);

	if (file_mkdir_p(dir, 0755) != ERR_OK) {
		log_error_errno("event=socket_mkdir dir=%s", dir);
		return ERR_IO;
	}
	if ((e = check_existing(cfg)) != ERR_OK)
		return e;
	if ((e = listener_bind(cfg, tmp, l)) != ERR_OK) {
		unlink(tmp);
		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
	}
	return e;
}

void
listener_unlink(struct listener *l)
{
	struct stat st;
	int lock;

	if (!l->linked)
		return;
	l->linked = false;
	/* Without the lock a daemon renaming its socket in could lose its
	 * path; leaving ours behind is the lesser harm, as the next start
	 * replaces a socket nobody answers on. */
	if ((lock = dir_lock(l->path)) < 0) {
		log_warn_errno("event=socket_kept path=%s reason=\"directory "
		               "lock failed\"",
		               l->path);
		return;
	}
	if (lstat(l->path, &st) == 0 && st.st_dev == l->dev &&
	    st.st_ino == l->ino) {
		if (unlink(l->path) < 0)
			log_warn_errno("event=socket_unlink path=%s", l->path);
	} else {
		log_info("event=socket_kept path=%s reason=\"replaced by "
		         "another daemon\"",
		         l->path);
	}
	dir_unlock(lock);
}

void
listener_close(struct listener *l)
{
	listener_unlink(l);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
