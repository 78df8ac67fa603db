/*
 * The request log: one line per connection naming the request id, the
 * peer (pid, uid and, when it runs in a container, its pod and container
 * id), what was asked and answered, sizes and time. Never the bytes of a
 * report, key or quote.
 *
 * Lines for failures are rate-limited per peer: an identical failure
 * (same peer, same event, same code) is written at most once per
 * REQLOG_REPEAT_INTERVAL_S; the next line written for it carries
 * repeated=N, the number of lines left out in between. When no such line
 * comes, the count is written on its own (event=failures_suppressed, with
 * the peer, failure, code and repeated=N): by the first request logged
 * after the interval has passed, when the pair's slot is taken by
 * another, and at stop.
 */
#ifndef SQH_DAEMON_REQLOG_H
#define SQH_DAEMON_REQLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define REQLOG_REPEAT_INTERVAL_S 10

/* The request a worker thread is serving, for lines written below the
 * server (dispatch, policy). */
struct reqlog_ctx {
	uint64_t id;
	long pid;
	long uid;
};

void reqlog_begin(uint64_t id, pid_t pid, uid_t uid);
const struct reqlog_ctx *reqlog_current(void);

/*
 * Whether a failure line for this peer, event and code is due; when it
 * is, *repeated holds how many were left out since the last one.
 */
bool reqlog_limit(const struct reqlog_ctx *peer, const char *event,
                  uint32_t code, unsigned long *repeated);

struct reqlog_entry {
	uint64_t id;
	pid_t pid;
	uid_t uid;
	unsigned kind; /* wire kind; 0 when no request was recognized */
	uint32_t code; /* errorCode sent, when replied */
	bool replied;
	const char *outcome;
	uint32_t bytes_in;
	size_t bytes_out;
	int64_t duration_us;
};

void reqlog_request(const struct reqlog_entry *e);

/*
 * Writes the counts left out whose interval had passed by now_s, seconds
 * of CLOCK_MONOTONIC_COARSE; reqlog_request calls it with the time. When
 * none is due it costs one atomic load.
 */
void reqlog_flush_due(int64_t now_s);

/* Writes every count left out, whatever its interval: at stop. */
void reqlog_flush_all(void);

/* Forgets the rate-limit state (tests). */
void reqlog_reset(void);

#endif
