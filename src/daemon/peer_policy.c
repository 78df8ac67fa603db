#include "peer_policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Supplementary groups looked at; a peer in more is judged by its first
 * ones only. */
#define PEER_GROUPS_MAX 256

/* Parses one decimal id that ends at ',' or the end of the string. */
static bool
id_parse(const char *s, const char **end, unsigned long *out)
{
	char *stop;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &stop, 10);
	/* (uid_t)-1 means "no id" to the kernel; never allow it. */
	if (errno != 0 || *out >= (unsigned long)(uid_t)-1 ||
	    (*stop != ',' && *stop != '\0'))
		return false;
	*end = stop;
	return true;
}

/* Adds every id of list to ids[*n]; both arrays hold 32-bit ids. */
static enum err
ids_add(unsigned ids[static PEER_LIST_MAX], size_t *n, const char *list)
{
	const char *s = list, *end;
	unsigned long v;

	for (;;) {
		if (!id_parse(s, &end, &v))
			return ERR_INVALID;
		if (*n >= PEER_LIST_MAX)
			return ERR_RANGE;
		ids[(*n)++] = (unsigned)v;
		if (*end == '\0')
			return ERR_OK;
		s = end + 1;
	}
}

_Static_assert(sizeof(uid_t) == sizeof(unsigned) &&
                       sizeof(gid_t) == sizeof(unsigned),
               "ids are 32-bit unsigned on Linux");

enum err
peer_policy_add_uids(struct peer_policy *p, const char *list)
{
	return ids_add(p->uids, &p->n_uids, list);
}

enum err
peer_policy_add_gids(struct peer_policy *p, const char *list)
{
	return ids_add(p->gids, &p->n_gids, list);
}

bool
peer_policy_active(const struct peer_policy *p)
{
	return p != NULL && (p->n_uids > 0 || p->n_gids > 0);
}

enum err
peer_identify(int fd, struct peer *out)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	out->pid = -1;
	out->uid = (uid_t)-1;
	out->gid = (gid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return ERR_IO;
	out->pid = cred.pid;
	out->uid = cred.uid;
	out->gid = cred.gid;
	return ERR_OK;
}

static bool
uid_listed(const struct peer_policy *p, uid_t uid)
{
	for (size_t i = 0; i < p->n_uids; i++) {
		if (p->uids[i] == uid)
			return true;
	}
	return false;
}

static bool
gid_listed(const struct peer_policy *p, gid_t gid)
{
	for (size_t i = 0; i < p->n_gids; i++) {
		if (p->gids[i] == gid)
			return true;
	}
	return false;
}

/* The supplementary groups of the peer, as the kernel recorded them at
 * connect time. */
static bool
groups_listed(const struct peer_policy *p, int fd)
{
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t len = sizeof(groups);

	/* XXX: a peer in more than PEER_GROUPS_MAX groups gets ERANGE and
	 * is judged by its uid and primary group only. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++) {
		if (gid_listed(p, groups[i]))
			return true;
	}
	return false;
}

bool
peer_allowed(const struct peer_policy *p, int fd, const struct peer *who)
{
	if (!peer_policy_active(p))
		return true;
	if (who->uid == (uid_t)-1)
		return false;
	if (uid_listed(p, who->uid) || gid_listed(p, who->gid))
		return true;
	return p->n_gids > 0 && groups_listed(p, fd);
}

/* Appends " name=a,b,c" for a non-empty list; stops when out is full. */
static size_t
ids_describe(const char *name, const unsigned *ids, size_t n, char *out,
             size_t size, size_t at)
{
	int k;

	for (size_t i = 0; i < n && at < size; i++) {
		k = snprintf(out + at, size - at, "%s%u", i == 0 ? name : ",",
		             ids[i]);
		if (k < 0)
			return size;
		at += (size_t)k;
	}
	return at;
}

void
peer_policy_describe(const struct peer_policy *p, char *out, size_t size)
{
	size_t at;

	if (size == 0)
		return;
	out[0] = '\0';
	if (!peer_policy_active(p)) {
		snprintf(out, size, "allow_uid=any allow_gid=any");
		return;
	}
	at = ids_describe("allow_uid=", p->uids, p->n_uids, out, size, 0);
	if (at < size && p->n_uids > 0 && p->n_gids > 0)
		at += (size_t)snprintf(out + at, size - at, " ");
	(void)ids_describe("allow_gid=", p->gids, p->n_gids, out, size, at);
}
