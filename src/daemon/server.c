#include "server.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/log.h"
#include "common/size.h"
#include "daemon/dispatch.h"
#include "daemon/metrics.h"
#include "daemon/reqlog.h"
#include "daemon/uid_quota.h"
#include "wire/wire.h"
#include "common/timeutil.h"

#define EVENTS_PER_WAIT 64
/* How long accepting pauses when the process runs out of descriptors. */
#define ACCEPT_BACKOFF_MS 100
/* At most one "limit reached" log line per this many milliseconds. */
#define LIMIT_LOG_INTERVAL_MS 1000
/* Connections a worker accepts per wake-up before it looks at its other
 * events, so that one worker does not take the whole backlog. */
#define ACCEPT_BATCH 4
/* After the path is gone: accept until the backlog has been empty this
 * long, for at most DRAIN_MAX_MS. */
#define DRAIN_QUIET_MS 50
#define DRAIN_MAX_MS   1000

enum conn_state {
	CONN_READ_LEN,
	CONN_READ_BODY,
	CONN_WRITE,
};

/* What a connection waits for next. */
enum conn_wait {
	CONN_WAIT_READ,
	CONN_WAIT_WRITE,
	CONN_FINISHED,
};

struct conn {
	struct conn *next, *prev; /* hand-off queue, then the active list */
	int fd;
	enum conn_state state;
	uint32_t interest; /* epoll events registered; 0 when not yet */
	uint64_t id;
	int64_t accepted_ns;
	int64_t deadline_ms;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool uid_counted; /* holds one of its uid's connections */
	uint8_t prefix[WIRE_LEN_SIZE];
	size_t got;
	uint8_t *body;
	uint32_t body_len;
	struct dispatch_result result;
	size_t sent;
	const char *outcome; /* why it ended, for the log */
};

struct worker {
	struct server *srv;
	unsigned index;
	pthread_t thread;
	int epfd;
	int wake_fd;
	pthread_mutex_t lock; /* guards the queue */
	struct conn *queue_head, *queue_tail;
	/* Active connections in deadline order: every connection gets the
	 * same timeout, and they arrive in the order they were accepted. */
	struct conn *active_head, *active_tail;
	size_t active;
	/* Whether the listening socket is in this worker's epoll set, and
	 * until when accepting pauses after a failure (0: not paused). */
	bool listening;
	bool unlisten_seen;
	int64_t accept_resume_ms;
	/* The first read of each connection: the whole request, usually. */
	uint8_t scratch[WIRE_LEN_SIZE + WIRE_MAX_REQUEST];
};

struct server {
	struct server_config cfg;
	int epfd;
	int stop_fd;
	struct worker *workers;
	unsigned started;
	unsigned next_worker;
	atomic_uint_fast64_t next_id;
	atomic_uint open_conns;
	struct uid_quota *uid_quota; /* NULL: no cap per uid */
	atomic_bool stopping;
	/* Set when the listening socket is about to close; each worker then
	 * drops it from its epoll set and counts itself in unlistened. */
	atomic_bool unlisten;
	atomic_uint unlistened;
	_Atomic int64_t last_limit_log_ms;
};

/* The epoll tag of the listening socket in the workers' sets. */
static char listen_tag;

/* ---- connections (worker side) ---- */

static void
active_append(struct worker *w, struct conn *c)
{
	c->next = NULL;
	c->prev = w->active_tail;
	if (w->active_tail != NULL)
		w->active_tail->next = c;
	else
		w->active_head = c;
	w->active_tail = c;
	w->active++;
}

static void
active_remove(struct worker *w, struct conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->active_head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		w->active_tail = c->prev;
	w->active--;
}

/* One line and the request's counts per connection: what was asked,
 * what was answered, by whom. */
static void
conn_log(const struct conn *c)
{
	int64_t ns = timeutil_mono_ns() - c->accepted_ns;
	bool replied =
	        c->result.kind != WIRE_KIND_NONE && c->result.reply != NULL;

	if (replied)
		metrics_request_end(c->result.kind, c->result.code, ns);
	reqlog_request(&(struct reqlog_entry){.id = c->id,
	                                      .pid = c->pid,
	                                      .uid = c->uid,
	                                      .kind = c->result.kind,
	                                      .code = c->result.code,
	                                      .replied = replied,
	                                      .outcome = c->outcome,
	                                      .bytes_in = c->body_len,
	                                      .bytes_out = c->sent,
	                                      .duration_us = ns / 1000});
}

static void
conn_free(struct conn *c)
{
	free(c->body);
	free(c->result.reply);
	free(c);
}

static void
conn_close(struct worker *w, struct conn *c)
{
	/* What the request counted, before the peer can see the close;
	 * the connection gauge after the slots are given back, so that
	 * once the metrics say it closed, its slot under each cap is free.
	 */
	conn_log(c);
	active_remove(w, c);
	close(c->fd);
	if (c->uid_counted)
		uid_quota_release(w->srv->uid_quota, c->uid);
	atomic_fetch_sub(&w->srv->open_conns, 1);
	metrics_conn_closed(c->outcome);
	conn_free(c);
}

/* Reads into dst until it is full; CONN_FINISHED on EOF or error. */
static enum conn_wait
conn_read(struct conn *c, uint8_t *dst, size_t len)
{
	ssize_t n;

	while (c->got < len) {
		n = recv(c->fd, dst + c->got, len - c->got, 0);
		if (n > 0) {
			c->got += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return CONN_WAIT_READ;
		c->outcome = n == 0 ? "peer_closed" : "read_error";
		return CONN_FINISHED;
	}
	return CONN_WAIT_READ;
}

/* The length prefix is complete: check it before allocating the body. */
static enum conn_wait
conn_start_body(struct worker *w, struct conn *c)
{
	if (wire_frame_len(c->prefix, w->srv->cfg.max_request_bytes,
	                   &c->body_len) != ERR_OK) {
		c->outcome = "bad_length";
		return CONN_FINISHED;
	}
	if ((c->body = malloc(c->body_len)) == NULL) {
		c->outcome = "out_of_memory";
		return CONN_FINISHED;
	}
	c->state = CONN_READ_BODY;
	c->got = 0;
	return CONN_WAIT_READ;
}

/*
 * The first read of a connection takes whatever has arrived, usually the
 * whole request, into the worker's scratch buffer: one system call where
 * reading the length and then the body takes two. What it got is moved
 * into the connection; the usual steps go on from there.
 */
static enum conn_wait
conn_read_first(struct worker *w, struct conn *c)
{
	enum conn_wait next;
	struct cursor cur;
	ssize_t n;
	size_t take;

	do
		n = recv(c->fd, w->scratch, sizeof(w->scratch), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return CONN_WAIT_READ;
	if (n <= 0) {
		c->outcome = n == 0 ? "peer_closed" : "read_error";
		return CONN_FINISHED;
	}
	cursor_init(&cur, w->scratch, (size_t)n);
	take = size_min(cursor_remaining(&cur), sizeof(c->prefix));
	if (cursor_copy(&cur, c->prefix, take) != ERR_OK)
		return CONN_FINISHED;
	c->got = take;
	if (c->got < sizeof(c->prefix))
		return CONN_WAIT_READ;
	if ((next = conn_start_body(w, c)) != CONN_WAIT_READ)
		return next;
	take = size_min(cursor_remaining(&cur), c->body_len);
	if (cursor_copy(&cur, c->body, take) != ERR_OK)
		return CONN_FINISHED;
	c->got = take;
	return CONN_WAIT_READ;
}

static enum conn_wait
conn_dispatch(struct worker *w, struct conn *c)
{
	enum err e;

	reqlog_begin(c->id, c->pid, c->uid);
	metrics_request_begin();
	e = dispatch_request(w->srv->cfg.backend, c->body, c->body_len,
	                     &c->result);
	metrics_request_done();
	if (e != ERR_OK) {
		c->outcome = "reply_failed";
		return CONN_FINISHED;
	}
	if (c->result.reply == NULL) {
		c->outcome = "not_a_request";
		return CONN_FINISHED;
	}
	c->state = CONN_WRITE;
	return CONN_WAIT_WRITE;
}

static enum conn_wait
conn_write(struct conn *c)
{
	ssize_t n;

	while (c->sent < c->result.reply_len) {
		n = send(c->fd, c->result.reply + c->sent,
		         c->result.reply_len - c->sent, MSG_NOSIGNAL);
		if (n >= 0) {
			c->sent += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return CONN_WAIT_WRITE;
		c->outcome = "write_error";
		return CONN_FINISHED;
	}
	c->outcome = "replied";
	return CONN_FINISHED;
}

/* Moves a connection as far as its socket allows. */
static enum conn_wait
conn_advance(struct worker *w, struct conn *c)
{
	enum conn_wait next;

	for (;;) {
		switch (c->state) {
		case CONN_READ_LEN:
			if (c->got == 0) {
				next = conn_read_first(w, c);
				if (next != CONN_WAIT_READ ||
				    c->state == CONN_READ_LEN)
					return next;
				break;
			}
			next = conn_read(c, c->prefix, sizeof(c->prefix));
			if (next != CONN_WAIT_READ ||
			    c->got < sizeof(c->prefix))
				return next;
			if ((next = conn_start_body(w, c)) != CONN_WAIT_READ)
				return next;
			break;
		case CONN_READ_BODY:
			next = conn_read(c, c->body, c->body_len);
			if (next != CONN_WAIT_READ || c->got < c->body_len)
				return next;
			if ((next = conn_dispatch(w, c)) == CONN_FINISHED)
				return next;
			break;
		case CONN_WRITE:
			return conn_write(c);
		}
	}
}

/* Registers what the connection waits for, or closes it when done. */
static void
conn_step(struct worker *w, struct conn *c)
{
	enum conn_wait next = conn_advance(w, c);
	struct epoll_event ev = {.data.ptr = c};
	int op;

	if (next == CONN_FINISHED) {
		conn_close(w, c);
		return;
	}
	ev.events = next == CONN_WAIT_READ ? EPOLLIN : EPOLLOUT;
	if (ev.events == c->interest)
		return;
	op = c->interest == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (epoll_ctl(w->epfd, op, c->fd, &ev) < 0) {
		log_error_errno("event=epoll_ctl req=%llu",
		                (unsigned long long)c->id);
		c->outcome = "internal_error";
		conn_close(w, c);
		return;
	}
	c->interest = ev.events;
}

/* A new connection: may its peer be served? Try at once, since the
 * request has often arrived already. */
static void
conn_adopt(struct worker *w, struct conn *c)
{
	struct peer who = {.pid = c->pid, .uid = c->uid, .gid = c->gid};

	active_append(w, c);
	if (!peer_allowed(w->srv->cfg.peers, c->fd, &who)) {
		c->outcome = "peer_not_allowed";
		conn_close(w, c);
		return;
	}
	conn_step(w, c);
}

/* ---- workers ---- */

static void
worker_take_queue(struct worker *w)
{
	struct conn *c, *next;
	uint64_t v;

	if (read(w->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn_errno("event=wake_read worker=%u", w->index);
	pthread_mutex_lock(&w->lock);
	c = w->queue_head;
	w->queue_head = w->queue_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	for (; c != NULL; c = next) {
		next = c->next;
		conn_adopt(w, c);
	}
}

static void
worker_expire(struct worker *w)
{
	int64_t now = timeutil_mono_ms();
	struct conn *c;

	while ((c = w->active_head) != NULL && c->deadline_ms <= now) {
		c->outcome = "timeout";
		conn_close(w, c);
	}
}

/* Milliseconds until the earliest deadline or the end of an accept
 * pause; -1 when there is neither. */
static int
worker_wait_ms(const struct worker *w)
{
	int64_t left, until = INT64_MAX;

	if (w->active_head != NULL)
		until = w->active_head->deadline_ms;
	if (w->accept_resume_ms != 0 && w->accept_resume_ms < until)
		until = w->accept_resume_ms;
	if (until == INT64_MAX)
		return -1;
	left = until - timeutil_mono_ms();
	if (left < 0)
		return 0;
	return left > 60000 ? 60000 : (int)left + 1;
}

static void worker_accept(struct worker *w);
static void worker_listen_update(struct worker *w);

/* Done when stopping and nothing is queued or in flight. */
static bool
worker_done(struct worker *w)
{
	bool empty;

	if (!atomic_load(&w->srv->stopping) || w->active > 0)
		return false;
	pthread_mutex_lock(&w->lock);
	empty = w->queue_head == NULL;
	pthread_mutex_unlock(&w->lock);
	return empty;
}

static void *
worker_main(void *arg)
{
	struct epoll_event ev[EVENTS_PER_WAIT];
	struct worker *w = arg;
	int n;

	while (!worker_done(w)) {
		n = epoll_wait(w->epfd, ev, EVENTS_PER_WAIT, worker_wait_ms(w));
		if (n < 0 && errno != EINTR) {
			log_error_errno("event=epoll_wait worker=%u", w->index);
			break;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == NULL)
				worker_take_queue(w);
			else if (ev[i].data.ptr == &listen_tag)
				worker_accept(w);
			else
				conn_step(w, ev[i].data.ptr);
		}
		worker_expire(w);
		worker_listen_update(w);
	}
	return NULL;
}

static void
worker_wake(struct worker *w)
{
	uint64_t one = 1;

	if (write(w->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn_errno("event=wake_write worker=%u", w->index);
}

static void
worker_push(struct worker *w, struct conn *c)
{
	bool was_empty;

	c->next = NULL;
	pthread_mutex_lock(&w->lock);
	was_empty = w->queue_head == NULL;
	if (w->queue_tail != NULL)
		w->queue_tail->next = c;
	else
		w->queue_head = c;
	w->queue_tail = c;
	pthread_mutex_unlock(&w->lock);
	if (was_empty)
		worker_wake(w);
}

static enum err
worker_init(struct server *s, struct worker *w, unsigned index)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

	w->srv = s;
	w->index = index;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || w->wake_fd < 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wake_fd, &ev) < 0)
		return ERR_IO;
	if (pthread_mutex_init(&w->lock, NULL) != 0)
		return ERR_NOMEM;
	return ERR_OK;
}

/* ---- accepting ---- */

/* Logs a limit at most once per interval, so that a flood does not
 * become a flood of log lines. */
static bool
limit_log_due(struct server *s)
{
	int64_t now = timeutil_mono_ms();
	int64_t last = atomic_load(&s->last_limit_log_ms);

	if (now - last < LIMIT_LOG_INTERVAL_MS)
		return false;
	/* Several workers may hit a limit at once; one of them logs. */
	return atomic_compare_exchange_strong(&s->last_limit_log_ms, &last,
	                                      now);
}

/* Counts a connection for its peer's uid; false after logging and
 * counting the refusal when the uid holds its share already. */
static bool
accept_uid_take(struct server *s, const struct peer *who)
{
	bool over;
	enum err e;

	if (s->uid_quota == NULL)
		return true;
	if ((e = uid_quota_take(s->uid_quota, who->uid)) == ERR_OK)
		return true;
	over = e == ERR_RANGE;
	if (limit_log_due(s))
		log_warn("event=connection_refused reason=%s pid=%ld uid=%ld "
		         "limit=%u",
		         over ? "max_connections_per_uid" : "out_of_memory",
		         (long)who->pid,
		         who->uid == (uid_t)-1 ? -1L : (long)who->uid,
		         s->cfg.max_connections_per_uid);
	metrics_conn_rejected(over ? METRICS_REJECT_MAX_CONNECTIONS_PER_UID
	                           : METRICS_REJECT_OUT_OF_MEMORY);
	return false;
}

/* A new connection under the caps, or NULL after closing fd. */
static struct conn *
accept_conn(struct server *s, int fd)
{
	struct peer who;
	struct conn *c;

	/* Counted first and given back when over the cap, so that workers
	 * accepting at the same moment cannot pass it together. */
	if (atomic_fetch_add(&s->open_conns, 1) >= s->cfg.max_connections) {
		atomic_fetch_sub(&s->open_conns, 1);
		if (limit_log_due(s))
			log_warn("event=connection_refused "
			         "reason=max_connections limit=%u",
			         s->cfg.max_connections);
		metrics_conn_rejected(METRICS_REJECT_MAX_CONNECTIONS);
		close(fd);
		return NULL;
	}
	if (peer_identify(fd, &who) != ERR_OK)
		log_warn_errno("event=peer_unknown");
	if (!accept_uid_take(s, &who)) {
		atomic_fetch_sub(&s->open_conns, 1);
		close(fd);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		if (s->uid_quota != NULL)
			uid_quota_release(s->uid_quota, who.uid);
		atomic_fetch_sub(&s->open_conns, 1);
		if (limit_log_due(s))
			log_warn("event=connection_refused "
			         "reason=out_of_memory");
		metrics_conn_rejected(METRICS_REJECT_OUT_OF_MEMORY);
		close(fd);
		return NULL;
	}
	metrics_conn_opened();
	c->fd = fd;
	c->id = atomic_fetch_add(&s->next_id, 1) + 1;
	c->pid = who.pid;
	c->uid = who.uid;
	c->gid = who.gid;
	c->uid_counted = s->uid_quota != NULL;
	c->accepted_ns = timeutil_mono_ns();
	c->deadline_ms = c->accepted_ns / 1000000 + s->cfg.request_timeout_ms;
	c->outcome = "unknown";
	return c;
}

/* Taken by the stopping thread: handed to the workers in turn. */
static void
accept_one(struct server *s, int fd)
{
	struct conn *c = accept_conn(s, fd);

	if (c == NULL)
		return;
	worker_push(&s->workers[s->next_worker], c);
	s->next_worker = (s->next_worker + 1) % s->cfg.workers;
}

/* ---- accepting in the workers ---- */

static enum err
worker_listen(struct worker *w, bool on)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE,
	                         .data.ptr = &listen_tag};
	int fd = w->srv->cfg.listener->fd;

	if (epoll_ctl(w->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev) < 0)
		return ERR_IO;
	w->listening = on;
	return ERR_OK;
}

/*
 * While serving, every worker waits on the listening socket itself
 * (EPOLLEXCLUSIVE wakes one idle worker per connection) and serves what
 * it accepts: no hand-over, no lock, no extra wake-up per connection.
 * A failed accept (out of descriptors or memory) pauses this worker's
 * accepting for a while instead of spinning.
 */
static void
worker_accept(struct worker *w)
{
	struct server *s = w->srv;
	struct conn *c;
	int fd;

	for (int i = 0; i < ACCEPT_BATCH && w->listening; i++) {
		fd = accept4(s->cfg.listener->fd, NULL, NULL,
		             SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			if ((c = accept_conn(s, fd)) != NULL)
				conn_adopt(w, c);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		if (limit_log_due(s))
			log_warn_errno("event=accept_failed worker=%u "
			               "backoff_ms=%d",
			               w->index, ACCEPT_BACKOFF_MS);
		if (worker_listen(w, false) == ERR_OK)
			w->accept_resume_ms =
			        timeutil_mono_ms() + ACCEPT_BACKOFF_MS;
		return;
	}
}

/* Ends an accept pause, and lets go of the listening socket when the
 * server is about to close it. */
static void
worker_listen_update(struct worker *w)
{
	struct server *s = w->srv;

	if (atomic_load(&s->unlisten)) {
		if (w->unlisten_seen)
			return;
		if (w->listening && worker_listen(w, false) != ERR_OK)
			log_error_errno("event=unlisten worker=%u", w->index);
		w->accept_resume_ms = 0;
		w->unlisten_seen = true;
		atomic_fetch_add(&s->unlistened, 1);
		return;
	}
	if (w->accept_resume_ms != 0 &&
	    timeutil_mono_ms() >= w->accept_resume_ms) {
		w->accept_resume_ms = 0;
		if (worker_listen(w, true) != ERR_OK)
			log_error_errno("event=listen worker=%u", w->index);
	}
}

/* Before the stopping thread takes the socket over: every worker has
 * let go of it, so none can accept on a closed descriptor. */
static void
workers_unlisten(struct server *s)
{
	atomic_store(&s->unlisten, true);
	for (unsigned i = 0; i < s->started; i++)
		worker_wake(&s->workers[i]);
	while (atomic_load(&s->unlistened) < s->started)
		poll(NULL, 0, 1);
}

/* ---- accepting while stopping ---- */

/*
 * Accepts until the backlog is empty. Returns false when accepting must
 * pause (out of descriptors or memory), so as not to spin.
 */
static bool
accept_batch(struct server *s)
{
	int fd;

	for (;;) {
		fd = accept4(s->cfg.listener->fd, NULL, NULL,
		             SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			accept_one(s, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return true;
		if (limit_log_due(s))
			log_warn_errno("event=accept_failed backoff_ms=%d",
			               ACCEPT_BACKOFF_MS);
		return false;
	}
}

/* Puts the listening socket in every worker's set, then waits for the
 * stop event. */
static enum err
accept_loop(struct server *s)
{
	struct epoll_event ev;
	int n;

	for (unsigned i = 0; i < s->started; i++) {
		if (worker_listen(&s->workers[i], true) != ERR_OK)
			return ERR_IO;
	}
	for (;;) {
		n = epoll_wait(s->epfd, &ev, 1, -1);
		if (n < 0 && errno != EINTR)
			return ERR_IO;
		if (n > 0)
			return ERR_OK;
	}
}

/*
 * Takes what is left in the backlog once the path is gone. A connect()
 * that resolved the path just before it went (or before another daemon's
 * socket was renamed over it) can still land here a moment later, so
 * accepting goes on until the socket has been quiet for a while, bounded
 * in total in case the path could not be removed and clients keep coming.
 */
static void
accept_until_quiet(struct server *s)
{
	struct pollfd p = {.fd = s->cfg.listener->fd, .events = POLLIN};
	int64_t until = timeutil_mono_ms() + DRAIN_MAX_MS;

	while (accept_batch(s) && timeutil_mono_ms() < until) {
		if (poll(&p, 1, DRAIN_QUIET_MS) <= 0)
			return;
	}
}

/*
 * Stops accepting without failing anyone who already connected: the path
 * goes first (new clients reach the next daemon or nobody), then the
 * backlog is taken, then the socket is closed.
 */
static void
server_drain(struct server *s)
{
	listener_unlink(s->cfg.listener);
	workers_unlisten(s);
	accept_until_quiet(s);
	listener_close(s->cfg.listener);
	atomic_store(&s->stopping, true);
	for (unsigned i = 0; i < s->started; i++)
		worker_wake(&s->workers[i]);
	for (unsigned i = 0; i < s->started; i++)
		pthread_join(s->workers[i].thread, NULL);
	s->started = 0;
}

enum err
server_run(struct server *s)
{
	enum err e;

	log_info("event=serving socket=%s", s->cfg.listener->path);
	e = accept_loop(s);
	if (e != ERR_OK)
		log_error_errno("event=accept_loop_failed");
	log_info("event=stopping open_connections=%u",
	         atomic_load(&s->open_conns));
	server_drain(s);
	log_info("event=stopped");
	return e;
}

void
server_stop(struct server *s)
{
	uint64_t one = 1;
	int saved = errno;

	/* Only write(2): this runs in signal handlers. */
	if (write(s->stop_fd, &one, sizeof(one)) < 0) {
		/* The counter is already set; nothing more to do. */
	}
	errno = saved;
}

static enum err
server_setup(struct server *s)
{
	struct epoll_event stop = {.events = EPOLLIN, .data.fd = 0};
	enum err e;

	if (s->cfg.max_connections_per_uid > 0 &&
	    (e = uid_quota_create(s->cfg.max_connections_per_uid,
	                          &s->uid_quota)) != ERR_OK)
		return e;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->epfd < 0 || s->stop_fd < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->stop_fd, &stop) < 0)
		return ERR_IO;
	s->workers = calloc(s->cfg.workers, sizeof(*s->workers));
	if (s->workers == NULL)
		return ERR_NOMEM;
	for (unsigned i = 0; i < s->cfg.workers; i++) {
		s->workers[i].epfd = s->workers[i].wake_fd = -1;
		if ((e = worker_init(s, &s->workers[i], i)) != ERR_OK)
			return e;
	}
	for (unsigned i = 0; i < s->cfg.workers; i++) {
		if (pthread_create(&s->workers[i].thread, NULL, worker_main,
		                   &s->workers[i]) != 0)
			return ERR_NOMEM;
		s->started++;
	}
	return ERR_OK;
}

enum err
server_create(const struct server_config *cfg, struct server **out)
{
	struct server *s;
	enum err e;

	if (cfg->workers == 0 || cfg->workers > SERVER_MAX_WORKERS ||
	    cfg->max_connections == 0 || cfg->request_timeout_ms == 0 ||
	    cfg->max_request_bytes > WIRE_MAX_REQUEST || cfg->backend == NULL ||
	    cfg->listener == NULL || cfg->listener->fd < 0)
		return ERR_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	s->cfg = *cfg;
	if (s->cfg.max_request_bytes == 0)
		s->cfg.max_request_bytes = WIRE_MAX_REQUEST;
	s->epfd = s->stop_fd = -1;
	atomic_init(&s->last_limit_log_ms, INT64_MIN / 2);
	atomic_init(&s->next_id, 0);
	atomic_init(&s->open_conns, 0);
	atomic_init(&s->stopping, false);
	atomic_init(&s->unlisten, false);
	atomic_init(&s->unlistened, 0);
	if ((e = server_setup(s)) != ERR_OK) {
		server_free(s);
		return e;
	}
	*out = s;
	return ERR_OK;
}

static void
worker_free(struct worker *w)
{
	struct conn *c, *next;

	for (c = w->queue_head; c != NULL; c = next) {
		next = c->next;
		close(c->fd);
		conn_free(c);
	}
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	if (w->srv != NULL)
		pthread_mutex_destroy(&w->lock);
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	if (s->started > 0) {
		/* Created but never run: stop the workers all the same. */
		atomic_store(&s->stopping, true);
		for (unsigned i = 0; i < s->started; i++)
			worker_wake(&s->workers[i]);
		for (unsigned i = 0; i < s->started; i++)
			pthread_join(s->workers[i].thread, NULL);
	}
	for (unsigned i = 0; s->workers != NULL && i < s->cfg.workers; i++)
		worker_free(&s->workers[i]);
	free(s->workers);
	uid_quota_free(s->uid_quota);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	free(s);
}
