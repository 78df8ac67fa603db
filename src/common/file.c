#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads fd whole (at most max bytes) into a new NUL-terminated buffer;
 * closes fd. */
static enum err
read_fd_all(int fd, size_t max, uint8_t **data, size_t *len)
{
	struct stat st;
	uint8_t *p;
	size_t got = 0;
	ssize_t n;
	int saved;

	if (fstat(fd, &st) < 0)
		goto fail_io;
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
		close(fd);
		return ERR_RANGE;
	}
	if ((p = malloc(max + 1)) == NULL) {
		close(fd);
		return ERR_NOMEM;
	}
	/* Read one byte past max to detect a file that grew or a pipe. */
	while (got <= max) {
		n = read(fd, p + got, max + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			free(p);
			close(fd);
			errno = saved;
			return ERR_IO;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got > max) {
		free(p);
		return ERR_RANGE;
	}
	p[got] = '\0';
	*data = p;
	*len = got;
	return ERR_OK;

fail_io:
	saved = errno;
	close(fd);
	errno = saved;
	return ERR_IO;
}

enum err
file_read_all(const char *path, size_t max, uint8_t **data, size_t *len)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ERR_IO;
	return read_fd_all(fd, max, data, len);
}

enum err
file_read_config(const char *path, size_t max, uint8_t **data, size_t *len)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	 * writer. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return ERR_IO;
	if (fstat(fd, &st) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return ERR_IO;
	}
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return ERR_INVALID;
	}
	return read_fd_all(fd, max, data, len);
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsyncs the directory holding path, so that a rename is durable. */
static int
fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

enum err
file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return ERR_IO;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return ERR_IO;
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	if (fsync_parent(path) < 0)
		return ERR_IO;
	return ERR_OK;

fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return ERR_IO;
}

enum err
file_mkdir_p(const char *path, mode_t mode)
{
	char p[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return ERR_IO;
	}
	memcpy(p, path, len + 1);
	for (size_t i = 1; i < len; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return ERR_IO;
		p[i] = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return ERR_IO;
	return ERR_OK;
}

enum err
file_lock(int fd)
{
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return ERR_IO;
	}
	return ERR_OK;
}
