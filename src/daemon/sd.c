#include "sd.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_len;

void
sd_notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t n;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	n = strlen(path);
	if (n >= sizeof(notify_addr.sun_path)) {
		log_warn("event=sd_notify_unusable reason=\"path too long\"");
		return;
	}
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, n);
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0';
	notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd < 0)
		log_warn_errno("event=sd_notify_socket");
}

static void
sd_send(const char *msg)
{
	int saved = errno;

	if (notify_fd >= 0 &&
	    sendto(notify_fd, msg, strlen(msg), MSG_NOSIGNAL,
	           (struct sockaddr *)&notify_addr, notify_len) < 0) {
		/* Nothing to do: systemd may have gone away. */
	}
	errno = saved;
}

void
sd_notify_ready(void)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld", (long)getpid());
	sd_send(msg);
}

void
sd_notify_reloading(void)
{
	sd_send("RELOADING=1");
}

void
sd_notify_stopping(void)
{
	sd_send("STOPPING=1");
}

void
sd_notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}

/* Parses a positive decimal environment value. */
static bool
env_number(const char *name, long *out)
{
	const char *s = getenv(name);
	char *end;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && *end == '\0' && *out > 0;
}

/* A listening Unix stream socket, as the AESM protocol needs. */
static enum err
sd_check_socket(int fd)
{
	int type = 0, listening = 0;
	socklen_t len = sizeof(type);
	struct sockaddr_un sa;
	socklen_t salen = sizeof(sa);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return ERR_IO;
	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0)
		return ERR_IO;
	if (type != SOCK_STREAM || !listening || sa.sun_family != AF_UNIX)
		return ERR_INVALID;
	return ERR_OK;
}

static void
sd_fill_listener(struct listener *l, int fd)
{
	struct sockaddr_un sa;
	socklen_t salen = sizeof(sa);

	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->linked = false; /* the socket unit owns the path */
	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &salen) == 0 &&
	    sa.sun_path[0] != '\0')
		snprintf(l->path, sizeof(l->path), "%.*s",
		         (int)sizeof(sa.sun_path), sa.sun_path);
	else
		snprintf(l->path, sizeof(l->path), "(socket-activated)");
}

enum err
sd_listener(struct listener *l, bool *activated)
{
	long pid, n;
	int fd = SD_LISTEN_FDS_START;
	int flags;
	enum err e;

	*activated = false;
	if (!env_number("LISTEN_PID", &pid) || pid != (long)getpid() ||
	    !env_number("LISTEN_FDS", &n))
		return ERR_OK;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (n != 1) {
		/* XXX: only the AESM socket can be passed; a metrics socket
		 * through activation is not supported yet. */
		log_error("event=socket_activation_refused fds=%ld "
		          "reason=\"exactly one socket expected\"",
		          n);
		return ERR_INVALID;
	}
	if ((e = sd_check_socket(fd)) != ERR_OK) {
		log_error("event=socket_activation_refused fd=%d reason=\"not "
		          "a listening unix stream socket\"",
		          fd);
		return e;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return ERR_IO;
	sd_fill_listener(l, fd);
	*activated = true;
	log_info("event=socket_activated fd=%d socket=%s", fd, l->path);
	return ERR_OK;
}
