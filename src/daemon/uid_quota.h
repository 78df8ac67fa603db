/*
 * Open connections per peer uid, so that one local tenant cannot hold
 * every connection the server allows and starve the others.
 *
 * Several workers accept connections at once, so the counts are shared:
 * they are kept in a fixed number of stripes chosen by a hash of the uid,
 * each with its own lock and its own short list of (uid, count) entries.
 * Two workers contend only when their peers' uids fall in the same
 * stripe, and uids that share a stripe keep counts of their own (the
 * entry holds the whole uid), so a collision never charges one tenant for
 * another's connections.
 *
 * An entry whose count drops to zero stays in its stripe and is reused
 * by the next uid that comes to that stripe: connections of known uids
 * cost no allocation, and the lists never hold more entries than the
 * most distinct uids that had connections open at one time.
 */
#ifndef SQH_DAEMON_UID_QUOTA_H
#define SQH_DAEMON_UID_QUOTA_H

#include <sys/types.h>

#include "common/err.h"

struct uid_quota;

/* limit: connections one uid may hold at once, at least 1. */
MUST_CHECK enum err uid_quota_create(unsigned limit, struct uid_quota **out);
void uid_quota_free(struct uid_quota *q);

/*
 * Counts one more connection for uid. ERR_RANGE when uid already holds
 * the limit, ERR_NOMEM when a new entry cannot be made; nothing is counted
 * then.
 */
MUST_CHECK enum err uid_quota_take(struct uid_quota *q, uid_t uid);

/* Gives back a connection counted by uid_quota_take. */
void uid_quota_release(struct uid_quota *q, uid_t uid);

/* Connections uid holds now. */
unsigned uid_quota_held(struct uid_quota *q, uid_t uid);

#endif
