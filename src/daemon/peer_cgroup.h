/*
 * Who a peer is beyond its pid and uid: the Kubernetes pod and the
 * container it runs in, read from /proc/PID/cgroup.
 *
 * Each line of that file is "hierarchy-ID:controllers:path" (cgroups(7),
 * "/proc/[pid]/cgroup"). Container runtimes name the path after the
 * container's 64-hex-digit id ("docker-<id>.scope", "cri-containerd-<id>
 * .scope", "crio-<id>.scope", "libpod-<id>.scope" or a bare "<id>"), and
 * the kubelet puts the pod's UID in a parent ("pod<uid>", or
 * "kubepods-...-pod<uid with _ for ->.slice" under the systemd driver).
 */
#ifndef SQH_DAEMON_CGROUP_CGROUP_H
#define SQH_DAEMON_CGROUP_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP_CGROUP_MAX     8192
#define CGROUP_CONTAINER_SIZE 65 /* 64 hex digits and a NUL */
#define CGROUP_POD_SIZE       37 /* a UUID and a NUL */

struct cgroup_identity {
	char container[CGROUP_CONTAINER_SIZE]; /* "" when not in one */
	char pod[CGROUP_POD_SIZE];             /* "" when not in a pod */
};

/* Parses the text of a cgroup file (at most CGROUP_CGROUP_MAX bytes are
 * looked at). */
void cgroup_identity_parse(const uint8_t *text, size_t len,
                           struct cgroup_identity *out);

/*
 * The identity of pid, from a small per-thread cache (a file read for a
 * pid not seen lately). Empty fields when unknown.
 */
void cgroup_identity_lookup(pid_t pid, struct cgroup_identity *out);

#endif
