#include "peer_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cursor.h"

/* Longest cgroup line looked at; longer ones are cut there. */
#define CGROUP_LINE_MAX 1024
/* Per-thread cache of recent peers; an entry is trusted this long, since
 * pids are reused and processes move between cgroups rarely. */
#define CGROUP_CACHE_SLOTS 32
#define CGROUP_CACHE_TTL_S 30

static bool
cgroup_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A run of exactly 64 lowercase hex digits in one path component. */
static bool
cgroup_find_container(const char *s, size_t n, char out[CGROUP_CONTAINER_SIZE])
{
	size_t i = 0, run;

	while (i < n) {
		for (run = 0; i + run < n && cgroup_is_hex(s[i + run]); run++)
			;
		if (run == CGROUP_CONTAINER_SIZE - 1) {
			memcpy(out, s + i, run);
			out[run] = '\0';
			return true;
		}
		i += run + 1;
	}
	return false;
}

/* "pod<uuid>" at the start of a component or after a '-', the UUID
 * with '-' or (systemd driver) '_', followed by the end or ".slice". */
static bool
cgroup_find_pod(const char *s, size_t n, char out[CGROUP_POD_SIZE])
{
	const size_t uuid = CGROUP_POD_SIZE - 1;

	for (size_t i = 0; i + 3 + uuid <= n; i++) {
		const char *u = s + i + 3;
		bool ok = memcmp(s + i, "pod", 3) == 0 &&
		          (i == 0 || s[i - 1] == '-') &&
		          (i + 3 + uuid == n || u[uuid] == '.');

		for (size_t j = 0; ok && j < uuid; j++)
			ok = cgroup_is_hex(u[j]) || u[j] == '-' || u[j] == '_';
		if (!ok)
			continue;
		for (size_t j = 0; j < uuid; j++)
			out[j] = u[j] == '_' ? '-' : u[j];
		out[uuid] = '\0';
		return true;
	}
	return false;
}

/* One line, "hierarchy-ID:controllers:path": looks at each component of
 * the path; the innermost match wins. */
static void
cgroup_parse_line(const char *line, struct cgroup_identity *out)
{
	const char *path = strchr(line, ':');
	const char *comp, *end;

	if (path == NULL || (path = strchr(path + 1, ':')) == NULL)
		return;
	for (comp = path + 1; *comp != '\0'; comp = end) {
		while (*comp == '/')
			comp++;
		end = comp + strcspn(comp, "/");
		cgroup_find_container(comp, (size_t)(end - comp),
		                      out->container);
		cgroup_find_pod(comp, (size_t)(end - comp), out->pod);
	}
}

void
cgroup_identity_parse(const uint8_t *text, size_t len,
                      struct cgroup_identity *out)
{
	char line[CGROUP_LINE_MAX + 1];
	struct cursor c;
	size_t n = 0;
	uint8_t b;

	memset(out, 0, sizeof(*out));
	cursor_init(&c, text,
	            len < CGROUP_CGROUP_MAX ? len : CGROUP_CGROUP_MAX);
	for (;;) {
		bool more = cursor_u8(&c, &b) == ERR_OK;

		if (more && b != '\n' && b != '\0') {
			if (n < CGROUP_LINE_MAX)
				line[n++] = (char)b;
			continue;
		}
		line[n] = '\0';
		if (out->container[0] == '\0')
			cgroup_parse_line(line, out);
		n = 0;
		if (!more)
			return;
	}
}

/* Reads at most CGROUP_CGROUP_MAX bytes of /proc/PID/cgroup. */
static void
cgroup_read(pid_t pid, struct cgroup_identity *out)
{
	uint8_t text[CGROUP_CGROUP_MAX];
	char path[64];
	size_t got = 0;
	ssize_t n;
	int fd;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "/proc/%ld/cgroup", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while (got < sizeof(text)) {
		n = read(fd, text + got, sizeof(text) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	cgroup_identity_parse(text, got, out);
}

struct cgroup_slot {
	pid_t pid;
	time_t seen;
	struct cgroup_identity id;
};

static _Thread_local struct cgroup_slot cgroup_cache[CGROUP_CACHE_SLOTS];

void
cgroup_identity_lookup(pid_t pid, struct cgroup_identity *out)
{
	struct cgroup_slot *s =
	        &cgroup_cache[(unsigned)pid % CGROUP_CACHE_SLOTS];
	struct timespec now;

	memset(out, 0, sizeof(*out));
	if (pid <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	if (s->pid != pid || now.tv_sec - s->seen > CGROUP_CACHE_TTL_S) {
		cgroup_read(pid, &s->id);
		s->pid = pid;
		s->seen = now.tv_sec;
	}
	*out = s->id;
}
