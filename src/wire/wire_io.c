/*
 * Client-side socket I/O with deadlines. The socket is non-blocking and
 * every wait goes through poll(), so no call can hang past its deadline.
 */
#include "wire.h"
#include "common/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Waits for events on fd until the deadline; ERR_TIMEOUT when it passes. */
static enum err
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int64_t left;
	int n;

	for (;;) {
		left = deadline - timeutil_mono_ms();
		if (left <= 0)
			return ERR_TIMEOUT;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return ERR_OK;
		if (n < 0 && errno != EINTR)
			return ERR_IO;
	}
}

/*
 * Sleeps for *delay_ms (doubled for next time, up to 32 ms) or until the
 * deadline, whichever is first; ERR_TIMEOUT once the deadline has passed.
 */
static enum err
backoff(int64_t deadline, int *delay_ms)
{
	int64_t left = deadline - timeutil_mono_ms();

	if (left <= 0)
		return ERR_TIMEOUT;
	poll(NULL, 0, left < *delay_ms ? (int)left : *delay_ms);
	if (*delay_ms < 32)
		*delay_ms *= 2;
	return ERR_OK;
}

/* Completes a connect that is in progress, as its SO_ERROR tells. */
static enum err
connect_finish(int fd, int64_t deadline)
{
	socklen_t len = sizeof(int);
	enum err e;
	int soerr;

	if ((e = wait_fd(fd, POLLOUT, deadline)) != ERR_OK)
		return e;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return ERR_IO;
	if (soerr != 0) {
		errno = soerr;
		return ERR_IO;
	}
	return ERR_OK;
}

enum err
wire_connect(const char *path, int timeout_ms, int *out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int64_t deadline = timeutil_mono_ms() + timeout_ms;
	int fd, saved, delay_ms = 1;
	enum err e = ERR_OK;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return ERR_IO;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return ERR_IO;
	/* A full listen backlog makes a non-blocking AF_UNIX connect fail
	 * with EAGAIN. The unconnected socket polls as writable, so waiting
	 * on it would spin: back off and try again until the deadline. */
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			if ((e = backoff(deadline, &delay_ms)) != ERR_OK)
				break;
			continue;
		}
		e = errno == EINPROGRESS ? connect_finish(fd, deadline)
		                         : ERR_IO;
		break;
	}
	if (e != ERR_OK) {
		saved = errno;
		close(fd);
		errno = saved;
		return e;
	}
	*out = fd;
	return ERR_OK;
}

enum err
wire_send_all(int fd, const uint8_t *data, size_t len, int timeout_ms)
{
	int64_t deadline = timeutil_mono_ms() + timeout_ms;
	enum err e;
	ssize_t n;

	while (len > 0) {
		n = send(fd, data, len, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return ERR_IO;
		if ((e = wait_fd(fd, POLLOUT, deadline)) != ERR_OK)
			return e;
	}
	return ERR_OK;
}

static enum err
recv_until(int fd, uint8_t *data, size_t len, int64_t deadline)
{
	enum err e;
	ssize_t n;

	while (len > 0) {
		n = recv(fd, data, len, 0);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return ERR_TRUNCATED;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return ERR_IO;
		if ((e = wait_fd(fd, POLLIN, deadline)) != ERR_OK)
			return e;
	}
	return ERR_OK;
}

enum err
wire_recv_all(int fd, uint8_t *data, size_t len, int timeout_ms)
{
	return recv_until(fd, data, len, timeutil_mono_ms() + timeout_ms);
}

enum err
wire_recv_frame(int fd, uint32_t max, int timeout_ms, uint8_t **body,
                size_t *len)
{
	int64_t deadline = timeutil_mono_ms() + timeout_ms;
	uint8_t prefix[WIRE_LEN_SIZE];
	uint32_t n;
	uint8_t *p;
	enum err e;

	if ((e = recv_until(fd, prefix, sizeof(prefix), deadline)) != ERR_OK)
		return e;
	if ((e = wire_frame_len(prefix, max, &n)) != ERR_OK)
		return e;
	if ((p = malloc(n)) == NULL)
		return ERR_NOMEM;
	if ((e = recv_until(fd, p, n, deadline)) != ERR_OK) {
		free(p);
		return e;
	}
	*body = p;
	*len = n;
	return ERR_OK;
}
