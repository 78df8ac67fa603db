/*
 * Who is on the other end of a connection, and whether they may use the
 * service. The kernel tells (SO_PEERCRED, SO_PEERGROUPS): nothing the peer
 * sends is trusted for this. With no allow list every local peer is
 * served, as the socket's mode already decides who can connect.
 */
#ifndef SQH_DAEMON_PEER_POLICY_H
#define SQH_DAEMON_PEER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

/* Entries in each allow list; a node has few service accounts. */
#define PEER_LIST_MAX 64

struct peer_policy {
	uid_t uids[PEER_LIST_MAX];
	size_t n_uids;
	gid_t gids[PEER_LIST_MAX];
	size_t n_gids;
};

struct peer {
	pid_t pid; /* -1 when the kernel did not say */
	uid_t uid;
	gid_t gid;
};

/*
 * Adds a comma-separated list of decimal ids ("1000,1001") to the uid or
 * gid allow list. ERR_INVALID for anything else, ERR_RANGE when the list
 * would exceed PEER_LIST_MAX.
 */
MUST_CHECK enum err peer_policy_add_uids(struct peer_policy *p,
                                         const char *list);
MUST_CHECK enum err peer_policy_add_gids(struct peer_policy *p,
                                         const char *list);

/* Whether any allow list is set. */
bool peer_policy_active(const struct peer_policy *p);

/* Fills *out from SO_PEERCRED; ERR_IO (errno set) when the kernel fails. */
MUST_CHECK enum err peer_identify(int fd, struct peer *out);

/*
 * Whether the peer on fd may be served: always with no policy or an
 * inactive one; else when its uid is listed, or its primary or one of its
 * supplementary groups is.
 */
bool peer_allowed(const struct peer_policy *p, int fd, const struct peer *who);

/* Writes the policy as "uids=1,2 gids=3" for the start log line. */
void peer_policy_describe(const struct peer_policy *p, char *out, size_t size);

#endif
