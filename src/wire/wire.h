/*
 * The AESM wire protocol: framing and message encoding.
 *
 * A message on the socket is a 4-byte little-endian length followed by that
 * many bytes of a proto2 Request or Response (aesm.proto; reference "AESM
 * protocol" sections 1.2-1.3). One request and one response per
 * connection. The length is checked against a cap before anything is
 * allocated.
 */
#ifndef SQH_WIRE_WIRE_H
#define SQH_WIRE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "wire/aesm.pb-c.h"

#define WIRE_LEN_SIZE 4
/* Requests are under 2 KiB in practice; 64 KiB leaves room. */
#define WIRE_MAX_REQUEST (64u * 1024)
/* A quote is at most 13346 bytes, plus a 960-byte QE report info. */
#define WIRE_MAX_RESPONSE (256u * 1024)

/* The request kinds, by envelope field number. */
enum wire_kind {
	WIRE_KIND_NONE = 0,
	WIRE_KIND_INIT_QUOTE = 1,
	WIRE_KIND_GET_QUOTE = 2,
	WIRE_KIND_GET_LAUNCH_TOKEN = 3,
	WIRE_KIND_REPORT_ATT_ERROR = 4,
	WIRE_KIND_GET_WHITE_LIST_SIZE = 10,
	WIRE_KIND_GET_WHITE_LIST = 11,
	WIRE_KIND_GET_EXT_EPID_GROUP_ID = 12,
	WIRE_KIND_SWITCH_EXT_EPID_GROUP = 13,
	WIRE_KIND_SGX_REGISTER = 14,
	WIRE_KIND_INIT_QUOTE_EX = 15,
	WIRE_KIND_GET_QUOTE_SIZE_EX = 16,
	WIRE_KIND_GET_QUOTE_EX = 17,
	WIRE_KIND_CHECK_UPDATE_STATUS = 18,
	WIRE_KIND_SELECT_ATT_KEY_ID = 19,
	WIRE_KIND_UNSUPPORTED = 20, /* response only */
	WIRE_KIND_GET_SUPPORTED_ATT_KEY_ID_NUM = 21,
	WIRE_KIND_GET_SUPPORTED_ATT_KEY_IDS = 22,
};

const char *wire_kind_name(enum wire_kind kind);

/* Reads the length prefix; ERR_RANGE when it exceeds max, ERR_INVALID for
 * an empty message. */
MUST_CHECK enum err wire_frame_len(const uint8_t prefix[static WIRE_LEN_SIZE],
                                   uint32_t max, uint32_t *len);
void wire_frame_put_len(uint8_t prefix[static WIRE_LEN_SIZE], uint32_t len);

/* Decodes a request body; NULL when it is not a valid Request. Free with
 * wire_request_free(). */
Aesm__Message__Request *wire_request_decode(const uint8_t *body, size_t len);
void wire_request_free(Aesm__Message__Request *req);

/* The kind of a decoded request: the first envelope field present, in the
 * order Intel's server checks them. WIRE_KIND_NONE when none is. */
enum wire_kind wire_request_kind(const Aesm__Message__Request *req);

/*
 * The envelope field numbers present in a body that may not decode (for
 * instance a recognized request missing a required field): scans the top
 * level of the message, and the fields of each request message in it,
 * without decoding them. Returns the first known kind in Intel's order,
 * WIRE_KIND_NONE when there is none, and ERR_INVALID in *status when the
 * body or one of its request messages is not well-formed protobuf (Intel's
 * parser fails on those and closes without a reply).
 */
enum wire_kind wire_request_scan_kind(const uint8_t *body, size_t len,
                                      enum err *status);

Aesm__Message__Response *wire_response_decode(const uint8_t *body, size_t len);
void wire_response_free(Aesm__Message__Response *res);

/*
 * Encodes a message with its length prefix into a new buffer (freed with
 * free()). ERR_RANGE when it would exceed max.
 */
MUST_CHECK enum err wire_encode(const ProtobufCMessage *msg, uint32_t max,
                                uint8_t **out, size_t *out_len);

/*
 * Blocking I/O with deadlines, for clients (the client library, the CLI and
 * tests). Timeouts are in milliseconds for the whole operation. Sends never
 * raise SIGPIPE. ERR_TIMEOUT on a deadline, ERR_IO with errno otherwise
 * (ECONNRESET/EPIPE for a peer that closed).
 */
MUST_CHECK enum err wire_connect(const char *path, int timeout_ms, int *fd);
MUST_CHECK enum err wire_send_all(int fd, const uint8_t *data, size_t len,
                                  int timeout_ms);
MUST_CHECK enum err wire_recv_all(int fd, uint8_t *data, size_t len,
                                  int timeout_ms);
/* Receives one framed message body (freed with free()); ERR_TRUNCATED
 * when the peer closes before a whole message arrived. */
MUST_CHECK enum err wire_recv_frame(int fd, uint32_t max, int timeout_ms,
                                    uint8_t **body, size_t *len);

#endif
