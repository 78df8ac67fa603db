#include "reqlog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "daemon/peer_cgroup.h"
#include "wire/wire.h"

/* Distinct (peer, failure) pairs remembered; an older pair is forgotten
 * when its slot is needed, which at worst lets one more line through. */
#define REQLOG_SLOTS 256

struct reqlog_slot {
	long pid, uid;
	uint32_t code;
	char event[32];
	time_t last;
	unsigned long suppressed;
	bool used;
};

static _Thread_local struct reqlog_ctx reqlog_ctx_current;
/* Only failures come here, so one lock does not slow the hot path. */
static pthread_mutex_t reqlog_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reqlog_slot reqlog_slots[REQLOG_SLOTS];
/* When the earliest count left out is due to be written, in seconds of
 * CLOCK_MONOTONIC_COARSE; INT64_MAX when none is pending. Read without
 * the lock on every request, so that nothing due costs one load. */
static _Atomic int64_t reqlog_due_s = INT64_MAX;

void
reqlog_begin(uint64_t id, pid_t pid, uid_t uid)
{
	reqlog_ctx_current.id = id;
	reqlog_ctx_current.pid = (long)pid;
	reqlog_ctx_current.uid = uid == (uid_t)-1 ? -1 : (long)uid;
}

const struct reqlog_ctx *
reqlog_current(void)
{
	return &reqlog_ctx_current;
}

static size_t
reqlog_hash(const struct reqlog_ctx *peer, const char *event, uint32_t code)
{
	size_t h = (size_t)peer->pid * 31 + (size_t)peer->uid * 7 + code;

	for (; *event != '\0'; event++)
		h = h * 33 + (unsigned char)*event;
	return h % REQLOG_SLOTS;
}

static int64_t
reqlog_now_s(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	return (int64_t)now.tv_sec;
}

/*
 * The line for failures left out that no later identical failure has
 * carried; the count starts again. The interval is left as it was, so
 * that the pair's next failure after it gets its own whole line. Called
 * with the lock held.
 */
static void
reqlog_slot_flush(struct reqlog_slot *s)
{
	log_warn("event=failures_suppressed pid=%ld uid=%ld failure=%s "
	         "code=%u repeated=%lu",
	         s->pid, s->uid, s->event, s->code, s->suppressed);
	s->suppressed = 0;
}

/* A count is pending from now on: it is due when the slot's interval
 * ends. Called with the lock held. */
static void
reqlog_pending(const struct reqlog_slot *s)
{
	int64_t due = (int64_t)s->last + REQLOG_REPEAT_INTERVAL_S;

	if (due < atomic_load_explicit(&reqlog_due_s, memory_order_relaxed))
		atomic_store_explicit(&reqlog_due_s, due, memory_order_relaxed);
}

bool
reqlog_limit(const struct reqlog_ctx *peer, const char *event, uint32_t code,
             unsigned long *repeated)
{
	struct reqlog_slot *s = &reqlog_slots[reqlog_hash(peer, event, code)];
	int64_t now = reqlog_now_s();
	bool due;

	pthread_mutex_lock(&reqlog_lock);
	if (!s->used || s->pid != peer->pid || s->uid != peer->uid ||
	    s->code != code ||
	    strncmp(s->event, event, sizeof(s->event)) != 0) {
		/* The pair that had the slot keeps its count. */
		if (s->used && s->suppressed > 0)
			reqlog_slot_flush(s);
		*s = (struct reqlog_slot){.pid = peer->pid,
		                          .uid = peer->uid,
		                          .code = code,
		                          .used = true,
		                          .last = (time_t)now};
		snprintf(s->event, sizeof(s->event), "%s", event);
		*repeated = 0;
		due = true;
	} else if (now - s->last >= REQLOG_REPEAT_INTERVAL_S) {
		*repeated = s->suppressed;
		s->suppressed = 0;
		s->last = (time_t)now;
		due = true;
	} else {
		if (s->suppressed++ == 0)
			reqlog_pending(s);
		due = false;
	}
	pthread_mutex_unlock(&reqlog_lock);
	return due;
}

/* Writes the counts whose interval has passed by now_s, or all of them,
 * and notes when the next one is due. */
static void
reqlog_flush(int64_t now_s, bool all)
{
	int64_t next = INT64_MAX, due;

	pthread_mutex_lock(&reqlog_lock);
	for (size_t i = 0; i < REQLOG_SLOTS; i++) {
		struct reqlog_slot *s = &reqlog_slots[i];

		if (!s->used || s->suppressed == 0)
			continue;
		due = (int64_t)s->last + REQLOG_REPEAT_INTERVAL_S;
		if (all || now_s >= due)
			reqlog_slot_flush(s);
		else if (due < next)
			next = due;
	}
	atomic_store_explicit(&reqlog_due_s, next, memory_order_relaxed);
	pthread_mutex_unlock(&reqlog_lock);
}

void
reqlog_flush_due(int64_t now_s)
{
	if (now_s < atomic_load_explicit(&reqlog_due_s, memory_order_relaxed))
		return;
	reqlog_flush(now_s, false);
}

void
reqlog_flush_all(void)
{
	reqlog_flush(reqlog_now_s(), true);
}

void
reqlog_reset(void)
{
	pthread_mutex_lock(&reqlog_lock);
	memset(reqlog_slots, 0, sizeof(reqlog_slots));
	atomic_store(&reqlog_due_s, INT64_MAX);
	pthread_mutex_unlock(&reqlog_lock);
}

static const char *
or_dash(const char *s)
{
	return s[0] != '\0' ? s : "-";
}

static void
reqlog_request_line(const struct reqlog_entry *e)
{
	struct reqlog_ctx peer = {.id = e->id,
	                          .pid = (long)e->pid,
	                          .uid = e->uid == (uid_t)-1 ? -1
	                                                     : (long)e->uid};
	bool failed = !e->replied || e->code != 0;
	enum log_level level = failed ? LOG_LEVEL_WARN : LOG_LEVEL_INFO;
	const char *kind = e->kind != 0 ? wire_kind_name(e->kind) : "none";
	struct cgroup_identity who;
	unsigned long repeated = 0;

	if (!log_enabled(level))
		return;
	if (failed && !reqlog_limit(&peer, e->outcome, e->code, &repeated))
		return;
	cgroup_identity_lookup(e->pid, &who);
	log_write(level,
	          "event=request req=%llu pid=%ld uid=%ld pod=%s container=%s "
	          "kind=%s code=%u outcome=%s bytes_in=%u bytes_out=%zu "
	          "duration_us=%lld repeated=%lu",
	          (unsigned long long)e->id, peer.pid, peer.uid,
	          or_dash(who.pod), or_dash(who.container), kind,
	          e->replied ? e->code : 0, e->outcome, e->bytes_in,
	          e->bytes_out, (long long)e->duration_us, repeated);
}

void
reqlog_request(const struct reqlog_entry *e)
{
	reqlog_request_line(e);
	/* After the line: a failure that ends its pair's interval carries
	 * the count itself, in its own line. */
	reqlog_flush_due(reqlog_now_s());
}
