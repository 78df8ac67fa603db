/*
 * Service metrics in the Prometheus text exposition format (version
 * 0.0.4): requests by kind and AESM result code, a latency histogram per
 * kind, requests in flight, open connections, connections that ended
 * without a reply and connections refused, by reason, policy refusals,
 * build and backend information and the age of the attestation key.
 *
 * The counters are process-wide atomics updated with relaxed ordering:
 * the server's hot path pays one uncontended atomic add per event and
 * never takes a lock. A scrape reads them without stopping anyone, so a
 * scrape that races with a request may see its count before its latency.
 */
#ifndef SQH_DAEMON_METRICS_H
#define SQH_DAEMON_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

enum metrics_reject {
	METRICS_REJECT_MAX_CONNECTIONS,
	METRICS_REJECT_MAX_CONNECTIONS_PER_UID,
	METRICS_REJECT_OUT_OF_MEMORY,
	METRICS_REJECT_PEER_NOT_ALLOWED, /* counted from the close outcome */
	METRICS_REJECT_OTHER,
	METRICS_REJECT_COUNT,
};

/* Hooks for the server; cheap enough for every request. */
void metrics_conn_opened(void);
void metrics_conn_rejected(enum metrics_reject reason);
/* outcome is the server's word for how the connection ended. */
void metrics_conn_closed(const char *outcome);
/* Around the backend's work on one request (the in-flight gauge). */
void metrics_request_begin(void);
void metrics_request_done(void);
/* A request answered: kind is the wire kind (envelope field number),
 * code the errorCode, duration from accept to close. */
void metrics_request_end(unsigned kind, uint32_t code, int64_t duration_ns);
void metrics_policy_refused(void);
void metrics_policy_reloaded(int ok);

/* Static facts shown on every scrape; strings must outlive the process's
 * use of metrics. key_path may be NULL when the backend has no key file. */
void metrics_set_info(const char *backend, const char *key_path);

/* Appends the whole exposition to out. */
void metrics_render(struct buf *out);

/* Forgets every count (tests). */
void metrics_reset(void);

/*
 * The scrape endpoint: "HOST:PORT" ("[v6]:PORT" for IPv6) or a Unix
 * socket path (anything with a '/'), served on a thread of its own that
 * answers GET /metrics and 404 otherwise, with a bounded request size and
 * time.
 */
struct metrics_http;

/* What the endpoint answers to the first len bytes a scraper sent: 0
 * while the request head is incomplete and under its cap, else the HTTP
 * status (200, 404 or 400). */
int metrics_http_status(const uint8_t *req, size_t len);

/* Serves the metrics on listen (HOST:PORT or a Unix socket path). A Unix
 * socket that a running daemon answers on is taken over only with
 * replace. */
MUST_CHECK enum err metrics_http_start(const char *listen, bool replace,
                                       struct metrics_http **out);
void metrics_http_stop(struct metrics_http *m);

#endif
