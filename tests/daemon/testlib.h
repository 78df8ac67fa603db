/*
 * Test helpers for the daemon: protobuf bytes written by hand (so that the
 * tests do not trust the encoder they check), a backend double with known
 * answers, and raw socket exchanges.
 */
#ifndef SQH_TESTS_DAEMON_TESTLIB_H
#define SQH_TESTS_DAEMON_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backends/backend.h"

/* A message under construction; aborts the test on overflow. */
struct pb {
	uint8_t data[8192];
	size_t len;
};

void pb_varint(struct pb *m, uint64_t v);
void pb_uint(struct pb *m, unsigned field, uint64_t v);
void pb_bytes(struct pb *m, unsigned field, const void *data, size_t len);
/* Wraps inner as the length-delimited field of an envelope. */
void pb_wrap(struct pb *out, unsigned field, const struct pb *inner);
/* Prepends the 4-byte little-endian length. */
void pb_frame(struct pb *out, const struct pb *body);
/*
 * Sends inner as the field of a framed request envelope on a new
 * connection to path; returns what came back as raw_exchange does.
 */
uint8_t *pb_exchange(const char *path, unsigned field, const struct pb *inner,
                     size_t *got);

/* The fake backend's fixed answers. */
#define FAKE_QUOTE_SIZE 1000
#define FAKE_MR_ENCLAVE 0x11
#define FAKE_PUB_KEY_ID 0x22
/* A report whose MAC starts with this byte counts as tampered (47). */
#define FAKE_BAD_MAC 0xee

struct backend *fake_backend(void);
/* Number of key IDs fake_backend advertises (default 1). */
void fake_backend_set_keys(size_t n);
/* Calls to get_quote so far. */
unsigned fake_backend_quotes(void);

/*
 * Sends bytes on a new connection to path and reads until the server
 * closes (5 s at most). Returns what was received (free(); possibly
 * nothing, *got == 0) or NULL when the connection failed or timed out.
 */
uint8_t *raw_exchange(const char *path, const void *data, size_t len,
                      size_t *got);
int raw_connect(const char *path);
/* Reads until EOF with a deadline of timeout_ms; NULL on timeout. */
uint8_t *raw_read_all(int fd, int timeout_ms, size_t *got);
/* Waits (10 s at most) until a connection to path succeeds, else fails
 * the test: a daemon's first start creates its keys first. */
void raw_wait_connectable(const char *path);

/*
 * In a forked child: stdout and stderr appended to log, then argv[0] run
 * with argv (NULL-terminated). Never returns; 127 when exec fails.
 */
void child_exec_logged(const char *log, const char *const *argv)
        __attribute__((noreturn));
/* Sends SIGTERM and reaps the child: its exit status, -1 when killed. */
int child_term(pid_t pid);

/* mkdtemp under TMPDIR or /tmp; the caller removes it with rm_rf(). */
char *temp_dir(void);
void rm_rf(const char *dir);

/* GetSupportedAttKeyIDNum as Intel's client sends it (timeout 15000), and
 * the reply with one key, framed; written out by hand from reference "AESM
 * protocol" section 1.3.5. */
#define RAW_NUM_REQ_SIZE   10
#define RAW_NUM_REPLY_SIZE 11
extern const uint8_t raw_num_req[RAW_NUM_REQ_SIZE];
extern const uint8_t raw_num_reply[RAW_NUM_REPLY_SIZE];

#endif
