#include "reqlog.h"

#include <pthread.h>
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

bool
reqlog_limit(const struct reqlog_ctx *peer, const char *event, uint32_t code,
             unsigned long *repeated)
{
	struct reqlog_slot *s = &reqlog_slots[reqlog_hash(peer, event, code)];
	struct timespec now;
	bool due;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	pthread_mutex_lock(&reqlog_lock);
	if (!s->used || s->pid != peer->pid || s->uid != peer->uid ||
	    s->code != code ||
	    strncmp(s->event, event, sizeof(s->event)) != 0) {
		*s = (struct reqlog_slot){.pid = peer->pid,
		                          .uid = peer->uid,
		                          .code = code,
		                          .used = true,
		                          .last = now.tv_sec};
		snprintf(s->event, sizeof(s->event), "%s", event);
		*repeated = 0;
		due = true;
	} else if (now.tv_sec - s->last >= REQLOG_REPEAT_INTERVAL_S) {
		*repeated = s->suppressed;
		s->suppressed = 0;
		s->last = now.tv_sec;
		due = true;
	} else {
		s->suppressed++;
		due = false;
	}
	pthread_mutex_unlock(&reqlog_lock);
	return due;
}

void
reqlog_reset(void)
{
	pthread_mutex_lock(&reqlog_lock);
	memset(reqlog_slots, 0, sizeof(reqlog_slots));
	pthread_mutex_unlock(&reqlog_lock);
}

static const char *
or_dash(const char *s)
{
	return s[0] != '\0' ? s : "-";
}

void
reqlog_request(const struct reqlog_entry *e)
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
