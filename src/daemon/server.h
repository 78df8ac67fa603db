/*
 * The AESM server: accepts connections on a listening socket and serves
 * one request per connection, readiness-based and non-blocking throughout,
 * so that slow, idle or malformed clients never delay others.
 *
 * Worker threads wait on the listening socket themselves (one idle worker
 * is woken per connection) and serve what they accept; each worker owns
 * an epoll set and the connections in it, and runs every connection
 * through the same steps: read the 4-byte length (checked against the cap
 * before anything is allocated), read the body, dispatch, write the
 * response, close. Each connection has a deadline for the whole exchange.
 */
#ifndef SQH_DAEMON_SERVER_H
#define SQH_DAEMON_SERVER_H

#include <stdint.h>

#include "backends/backend.h"
#include "common/err.h"
#include "daemon/listener.h"
#include "daemon/peer_policy.h"

#define SERVER_DEFAULT_REQUEST_TIMEOUT_MS 5000
#define SERVER_DEFAULT_MAX_CONNECTIONS    1024
#define SERVER_MAX_WORKERS                256

struct server_config {
	struct backend *backend;
	/* The server takes the listener over: it unlinks the path when told
	 * to stop and closes the socket. */
	struct listener *listener;
	unsigned workers;            /* 1..SERVER_MAX_WORKERS */
	unsigned request_timeout_ms; /* whole exchange, from accept */
	unsigned max_connections;    /* open at once; more are closed */
	/* Open at once from one peer uid (SO_PEERCRED), more are closed;
	 * 0 for no cap per uid. */
	unsigned max_connections_per_uid;
	/* Longest request body accepted, 0 for WIRE_MAX_REQUEST (also the
	 * most that may be asked for). */
	uint32_t max_request_bytes;
	/* Who may be served; NULL or an empty policy for everyone. */
	const struct peer_policy *peers;
};

struct server;

MUST_CHECK enum err server_create(const struct server_config *cfg,
                                  struct server **out);

/*
 * Serves until server_stop(); then stops accepting (the path is removed
 * if still ours, connections already queued are taken), finishes the
 * requests in flight and returns.
 */
MUST_CHECK enum err server_run(struct server *s);

/* Asks server_run to finish. Async-signal-safe. */
void server_stop(struct server *s);

void server_free(struct server *s);

#endif
