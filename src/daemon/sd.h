/*
 * systemd integration, by its two small documented protocols rather than
 * a library: readiness notification (sd_notify(3): datagrams such as
 * "READY=1" sent to the socket named by $NOTIFY_SOCKET, '@' for the
 * abstract namespace) and socket activation (sd_listen_fds(3): inherited
 * descriptors from 3 on, counted by $LISTEN_FDS, meant for us when
 * $LISTEN_PID is our pid). Without those variables every call here does
 * nothing, so the daemon runs the same outside systemd.
 */
#ifndef SQH_DAEMON_SD_H
#define SQH_DAEMON_SD_H

#include <stdbool.h>

#include "common/err.h"
#include "daemon/listener.h"

#define SD_LISTEN_FDS_START 3

/*
 * Opens the notification socket, if any, ahead of time so that
 * sd_notify_stopping can be called from a signal handler.
 */
void sd_notify_init(void);
void sd_notify_ready(void);
void sd_notify_reloading(void);
/* Async-signal-safe. */
void sd_notify_stopping(void);
void sd_notify_close(void);

/*
 * The AESM socket passed by systemd, if any: *activated is false when the
 * process was not socket-activated. The descriptor must be one listening
 * Unix stream socket; it is made non-blocking and close-on-exec and put in
 * l as a listener that never unlinks its path (the socket unit owns it).
 * The LISTEN_* variables are removed so that children do not inherit them.
 */
MUST_CHECK enum err sd_listener(struct listener *l, bool *activated);

#endif
