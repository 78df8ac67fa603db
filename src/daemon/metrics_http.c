/*
 * The scrape endpoint: a small HTTP/1.0 and 1.1 responder on a thread of
 * its own. Each connection sends one request (at most HTTP_MAX_REQUEST
 * bytes of request line and headers, within HTTP_TIMEOUT_MS), gets one
 * response and is closed. At most HTTP_MAX_CLIENTS are served at once;
 * more wait in the backlog. Nothing here touches the AESM socket or its
 * workers.
 */
#include "metrics.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "daemon/listener.h"

#define HTTP_MAX_REQUEST  4096
#define HTTP_TIMEOUT_MS   2000
#define HTTP_MAX_CLIENTS  8
#define HTTP_MAX_RESPONSE (1024 * 1024)
/* How long the listener rests after an accept that failed for want of a
 * resource (descriptors, memory): the connection stays in the backlog,
 * so polling the listener again at once would spin. */
#define HTTP_ACCEPT_PAUSE_MS 100

struct http_client {
	int fd; /* -1 when the slot is free */
	int64_t deadline_ms;
	uint8_t req[HTTP_MAX_REQUEST];
	size_t got;
	uint8_t *resp; /* NULL while reading the request */
	size_t resp_len, sent;
};

struct metrics_http {
	int listen_fd;
	int stop_fd;
	pthread_t thread;
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t unix_dev; /* the socket file bound there */
	ino_t unix_ino;
	struct http_client clients[HTTP_MAX_CLIENTS];
	int64_t accept_after_ms; /* the listener rests until then */
	int64_t failure_logged_ms;
	atomic_bool stopping;
};

/* ---- request ---- */

/* Whether the request head (RFC 9112 section 2.1: request line, header
 * fields, empty line) has arrived; bare LF line ends are accepted. */
static bool
http_head_complete(const uint8_t *req, size_t len)
{
	struct cursor c;
	unsigned newlines = 0;
	uint8_t b;

	cursor_init(&c, req, len);
	while (cursor_u8(&c, &b) == ERR_OK) {
		if (b == '\n' && ++newlines == 2)
			return true;
		if (b != '\r' && b != '\n')
			newlines = 0;
	}
	return false;
}

/* Reads the next space-delimited word of the request line into out. */
static bool
http_word(struct cursor *c, char *out, size_t size)
{
	size_t n = 0;
	uint8_t b;

	while (cursor_u8(c, &b) == ERR_OK) {
		if (b == ' ' || b == '\r' || b == '\n') {
			out[n] = '\0';
			return n > 0;
		}
		if (n + 1 >= size)
			return false;
		out[n++] = (char)b;
	}
	return false;
}

/*
 * The request line (RFC 9112 section 3): method SP target SP version.
 * Returns the status to answer: 200 for GET /metrics (a query string is
 * ignored), 404 for any other target, 400 when the line is malformed.
 */
static int
http_route(const uint8_t *req, size_t len)
{
	char method[16], target[256];
	struct cursor c;

	cursor_init(&c, req, len);
	if (!http_word(&c, method, sizeof(method)) ||
	    !http_word(&c, target, sizeof(target)))
		return 400;
	target[strcspn(target, "?")] = '\0';
	if (strcmp(method, "GET") == 0 && strcmp(target, "/metrics") == 0)
		return 200;
	return 404;
}

int
metrics_http_status(const uint8_t *req, size_t len)
{
	if (http_head_complete(req, len))
		return http_route(req, len);
	return len >= HTTP_MAX_REQUEST ? 400 : 0;
}

static void
http_respond(struct http_client *cl, int status)
{
	const char *reason = status == 200   ? "OK"
	                     : status == 404 ? "Not Found"
	                                     : "Bad Request";
	struct buf body, out;
	char head[256];
	int n;

	buf_init(&body, HTTP_MAX_RESPONSE);
	if (status == 200)
		metrics_render(&body);
	else
		buf_put(&body, reason, strlen(reason));
	n = snprintf(head, sizeof(head),
	             "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	             status, reason,
	             status == 200 ? "text/plain; version=0.0.4; charset=utf-8"
	                           : "text/plain",
	             body.len);
	buf_init(&out, HTTP_MAX_RESPONSE + sizeof(head));
	buf_put(&out, head, (size_t)n);
	buf_put(&out, body.data, body.len);
	buf_free(&body);
	if (buf_take(&out, &cl->resp, &cl->resp_len) != ERR_OK) {
		buf_free(&out);
		cl->resp = NULL;
	}
	cl->sent = 0;
}

/* ---- connections ---- */

static void
http_client_close(struct http_client *cl)
{
	close(cl->fd);
	free(cl->resp);
	cl->resp = NULL;
	cl->fd = -1;
}

/* Reads what is there; answers once the head is complete. */
static void
http_client_read(struct http_client *cl)
{
	ssize_t n;
	int status;

	n = recv(cl->fd, cl->req + cl->got, sizeof(cl->req) - cl->got, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		http_client_close(cl);
		return;
	}
	cl->got += (size_t)n;
	if ((status = metrics_http_status(cl->req, cl->got)) == 0)
		return;
	http_respond(cl, status);
	if (cl->resp == NULL)
		http_client_close(cl);
}

static void
http_client_write(struct http_client *cl)
{
	ssize_t n;

	n = send(cl->fd, cl->resp + cl->sent, cl->resp_len - cl->sent,
	         MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		http_client_close(cl);
		return;
	}
	cl->sent += (size_t)n;
	if (cl->sent == cl->resp_len)
		http_client_close(cl);
}

/* One line a second at most for failures that repeat while they last;
 * errno is the cause. */
static void
http_failure_log(struct metrics_http *m, const char *event, int64_t now)
{
	if (now - m->failure_logged_ms < 1000)
		return;
	m->failure_logged_ms = now;
	log_warn_errno("event=%s pause_ms=%d", event, HTTP_ACCEPT_PAUSE_MS);
}

static void
http_accept(struct metrics_http *m)
{
	struct http_client *cl = NULL;
	int fd;

	for (size_t i = 0; i < HTTP_MAX_CLIENTS && cl == NULL; i++) {
		if (m->clients[i].fd < 0)
			cl = &m->clients[i];
	}
	if (cl == NULL)
		return;
	fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		int64_t now;

		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return;
		now = timeutil_mono_ms();
		m->accept_after_ms = now + HTTP_ACCEPT_PAUSE_MS;
		http_failure_log(m, "metrics_accept_failed", now);
		return;
	}
	cl->fd = fd;
	cl->got = 0;
	cl->deadline_ms = timeutil_mono_ms() + HTTP_TIMEOUT_MS;
}

/* ---- the thread ---- */

/*
 * Fills pfd: the stop event, the listener, then each busy client. The
 * listener is left out (fd -1) while every slot is taken: a connection
 * waiting in the backlog would otherwise wake poll at once, over and over,
 * until a slot frees.
 */
static nfds_t
http_poll_set(struct metrics_http *m, struct pollfd *pfd, int *timeout)
{
	int64_t now = timeutil_mono_ms(), left;
	bool slot_free = false;
	nfds_t n = 2;

	pfd[0] = (struct pollfd){.fd = m->stop_fd, .events = POLLIN};
	*timeout = -1;
	for (size_t i = 0; i < HTTP_MAX_CLIENTS; i++) {
		struct http_client *cl = &m->clients[i];

		if (cl->fd >= 0 && cl->deadline_ms <= now)
			http_client_close(cl);
		if (cl->fd < 0) {
			slot_free = true;
			continue;
		}
		left = cl->deadline_ms - now;
		if (*timeout < 0 || left < *timeout)
			*timeout = (int)left;
		pfd[n++] = (struct pollfd){
		        .fd = cl->fd,
		        .events = (short)(cl->resp == NULL ? POLLIN : POLLOUT)};
	}
	left = m->accept_after_ms - now;
	if (slot_free && left > 0 && (*timeout < 0 || left < *timeout))
		*timeout = (int)left;
	pfd[1] = (struct pollfd){.fd = slot_free && left <= 0 ? m->listen_fd
	                                                      : -1,
	                         .events = POLLIN};
	return n;
}

static struct http_client *
http_client_by_fd(struct metrics_http *m, int fd)
{
	for (size_t i = 0; i < HTTP_MAX_CLIENTS; i++) {
		if (m->clients[i].fd == fd)
			return &m->clients[i];
	}
	return NULL;
}

static void *
http_main(void *arg)
{
	struct pollfd pfd[2 + HTTP_MAX_CLIENTS];
	struct metrics_http *m = arg;
	struct http_client *cl;
	int timeout;
	nfds_t n;

	while (!atomic_load(&m->stopping)) {
		n = http_poll_set(m, pfd, &timeout);
		if (poll(pfd, n, timeout) < 0) {
			/* Without descriptors (poll refuses more than
			 * RLIMIT_NOFILE) or memory: rest, then try again,
			 * rather than end the endpoint for good. */
			if (errno != EINTR) {
				http_failure_log(m, "metrics_poll_failed",
				                 timeutil_mono_ms());
				usleep(HTTP_ACCEPT_PAUSE_MS * 1000);
			}
			continue;
		}
		if (pfd[0].revents != 0)
			break;
		for (nfds_t i = 2; i < n; i++) {
			if (pfd[i].revents == 0 ||
			    (cl = http_client_by_fd(m, pfd[i].fd)) == NULL)
				continue;
			if (cl->resp == NULL)
				http_client_read(cl);
			else
				http_client_write(cl);
		}
		if (pfd[1].revents != 0)
			http_accept(m);
	}
	return NULL;
}

/* ---- set-up ---- */

static enum err
http_listen_unix(struct metrics_http *m, const char *path, bool replace)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ERR_RANGE;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		bool live = true;

		/* A socket left by a daemon that is gone is taken over; one
		 * that a running daemon answers on only with --replace, as
		 * for the AESM socket. */
		if (!replace &&
		    (listener_probe_live(path, &live) != ERR_OK || live)) {
			log_error("event=metrics_listen listen=%s "
			          "reason=\"a daemon answers there or the "
			          "probe failed; "
			          "--replace takes it over\"",
			          path);
			errno = EADDRINUSE;
			return ERR_INVALID;
		}
		unlink(path);
	}
	m->listen_fd =
	        socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0 ||
	    bind(m->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    lstat(path, &st) < 0)
		return ERR_IO;
	memcpy(m->unix_path, sa.sun_path, sizeof(m->unix_path));
	m->unix_dev = st.st_dev;
	m->unix_ino = st.st_ino;
	return ERR_OK;
}

/* Removes the socket file, unless a daemon that replaced this one has
 * bound its own at the path since. */
static void
http_unlink_unix(const struct metrics_http *m)
{
	struct stat st;

	if (m->unix_path[0] != '\0' && lstat(m->unix_path, &st) == 0 &&
	    st.st_dev == m->unix_dev && st.st_ino == m->unix_ino)
		unlink(m->unix_path);
}

/* "HOST:PORT" or "[HOST]:PORT", numeric host only: no DNS at start. */
static enum err
http_listen_inet(struct metrics_http *m, const char *addr)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE,
	                         .ai_socktype = SOCK_STREAM};
	const char *colon = strrchr(addr, ':');
	struct addrinfo *ai;
	char host[64];
	size_t hlen;
	int one = 1;

	if (colon == NULL || colon[1] == '\0')
		return ERR_INVALID;
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
		addr++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return ERR_INVALID;
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return ERR_INVALID;
	m->listen_fd = socket(ai->ai_family,
	                      SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0 ||
	    setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one,
	               sizeof(one)) < 0 ||
	    bind(m->listen_fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		freeaddrinfo(ai);
		return ERR_IO;
	}
	freeaddrinfo(ai);
	return ERR_OK;
}

static enum err
http_setup(struct metrics_http *m, const char *listen_addr, bool replace)
{
	enum err e;

	if (strchr(listen_addr, '/') != NULL)
		e = http_listen_unix(m, listen_addr, replace);
	else
		e = http_listen_inet(m, listen_addr);
	if (e != ERR_OK)
		return e;
	if (listen(m->listen_fd, 64) < 0)
		return ERR_IO;
	m->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->stop_fd < 0)
		return ERR_IO;
	if (pthread_create(&m->thread, NULL, http_main, m) != 0)
		return ERR_NOMEM;
	return ERR_OK;
}

/* The TCP port bound (useful with port 0), or 0 for a Unix socket. */
static int
http_bound_port(const struct metrics_http *m)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(m->listen_fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

static void
http_free(struct metrics_http *m)
{
	for (size_t i = 0; i < HTTP_MAX_CLIENTS; i++) {
		if (m->clients[i].fd >= 0)
			http_client_close(&m->clients[i]);
	}
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->stop_fd >= 0)
		close(m->stop_fd);
	http_unlink_unix(m);
	free(m);
}

enum err
metrics_http_start(const char *listen_addr, bool replace,
                   struct metrics_http **out)
{
	struct metrics_http *m = calloc(1, sizeof(*m));
	enum err e;

	if (m == NULL)
		return ERR_NOMEM;
	atomic_init(&m->stopping, false);
	m->listen_fd = m->stop_fd = -1;
	for (size_t i = 0; i < HTTP_MAX_CLIENTS; i++)
		m->clients[i].fd = -1;
	if ((e = http_setup(m, listen_addr, replace)) != ERR_OK) {
		log_error_errno("event=metrics_listen listen=%s reason=%s",
		                listen_addr, err_str(e));
		http_free(m);
		return e;
	}
	log_info("event=metrics_listening listen=%s port=%d", listen_addr,
	         http_bound_port(m));
	*out = m;
	return ERR_OK;
}

void
metrics_http_stop(struct metrics_http *m)
{
	uint64_t one = 1;

	if (m == NULL)
		return;
	atomic_store(&m->stopping, true);
	if (write(m->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(m->thread, NULL);
	http_free(m);
}
