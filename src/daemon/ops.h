/*
 * What operators get around the server: metrics, the log format, the
 * enclave policy, Intel's aesmd.conf, systemd readiness and socket
 * activation, and SIGHUP to reload the policy and aesmd.conf. main.c
 * parses the options through ops_options_set and calls the rest at the
 * points named below.
 */
#ifndef SQH_DAEMON_OPS_H
#define SQH_DAEMON_OPS_H

#include <stdbool.h>

#include "backends/backend.h"
#include "common/err.h"
#include "daemon/listener.h"

struct ops_options {
	const char *metrics_listen; /* NULL: no metrics endpoint */
	const char *policy;         /* NULL: every enclave is served */
	const char *aesmd_conf;     /* NULL: /etc/aesmd.conf if present */
	bool replace; /* take a metrics socket over from a running daemon */
};

void ops_options_init(struct ops_options *o);
/* Applies --NAME ARG for the options above and --log-format; false when
 * the name is not one of them or the value is invalid. */
bool ops_options_set(struct ops_options *o, const char *name, const char *arg);

/*
 * Once the backend is open and before the server starts its threads:
 * reads aesmd.conf and the policy, starts the metrics endpoint and the
 * SIGHUP reloader (SIGHUP is blocked in the calling thread, so that the
 * threads started later leave it to the reloader). Failures are logged.
 */
MUST_CHECK enum err ops_start(const struct ops_options *o,
                              const struct backend *b, const char *state_dir);

/* The socket systemd passed, else listener_open(cfg). */
MUST_CHECK enum err ops_listener_open(const struct listener_config *cfg,
                                      struct listener *l);

/* The server is about to serve: tells systemd. */
void ops_ready(void);

/* Async-signal-safe: tells systemd the service is stopping. */
void ops_stopping(void);

void ops_stop(void);

#endif
