/*
 * A stand-in AESM service for client tests: a thread that accepts
 * connections on a temporary Unix socket and answers each one as the test
 * asks (a canned frame, a reply chosen per request, silence, or a close).
 */
#ifndef SQH_TESTS_CLIENT_AESM_STUB_H
#define SQH_TESTS_CLIENT_AESM_STUB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

enum stub_mode {
	STUB_AUTO,      /* a successful reply matching each request */
	STUB_CANNED,    /* the canned frame, whatever the request */
	STUB_SILENT,    /* read the request, never answer */
	STUB_CLOSE,     /* read the request, close without answering */
	STUB_CLOSE_NOW, /* close at once, before reading anything */
	STUB_PADDED,    /* as STUB_AUTO, with each quote padded with zeros
	                   to the request's buf_size, as Intel's aesmd does */
};

#define STUB_MAX_LOG   64
#define STUB_MAX_FRAME (64 * 1024)

struct stub {
	char dir[64];
	char path[96];
	int lfd;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t lock;
	enum stub_mode mode;
	uint8_t canned[STUB_MAX_FRAME];
	size_t canned_len;
	/* The last request body received, and the kinds of all of them. */
	uint8_t last[STUB_MAX_FRAME];
	size_t last_len;
	enum wire_kind kinds[STUB_MAX_LOG];
	size_t n_requests;
	size_t n_conns;
};

/* Creates the socket in a new temporary directory and starts serving. */
void stub_start(struct stub *s);
void stub_stop(struct stub *s);

void stub_set_mode(struct stub *s, enum stub_mode mode);
/* Canned reply: body bytes, framed with their length. */
void stub_set_body(struct stub *s, const uint8_t *body, size_t len);
/* Canned reply: exact bytes on the wire, length prefix included. */
void stub_set_raw(struct stub *s, const uint8_t *bytes, size_t len);
/* Canned reply: an encoded Response. */
void stub_set_response(struct stub *s, const Aesm__Message__Response *res);
/* Forgets the recorded requests. */
void stub_reset_log(struct stub *s);

/* Copies of what was recorded, taken under the lock. */
size_t stub_n_conns(struct stub *s);
size_t stub_n_requests(struct stub *s);
enum wire_kind stub_kind(struct stub *s, size_t i);
/* The last request, decoded; free with wire_request_free. */
Aesm__Message__Request *stub_last_request(struct stub *s);
size_t stub_last_body(struct stub *s, uint8_t *out, size_t cap);

/* The AUTO mode's fixed answers, so that tests can check them. */
#define STUB_QUOTE_SIZE       1456u
#define STUB_PUB_KEY_ID_BYTE  0xa5
#define STUB_TARGET_INFO_BYTE 0x5a
#define STUB_QUOTE_BYTE       0x33

#endif
