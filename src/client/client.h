/*
 * Internals of the quote_ex client, shared by the drop-in library and the
 * sgx-quote tool: where the service is, one request/response round trip
 * with deadlines, and the mapping of outcomes to sgx_status_t the way
 * Intel's client does it (reference "AESM protocol" sections 2 and 4.4).
 */
#ifndef SQH_CLIENT_CLIENT_H
#define SQH_CLIENT_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "sgxqh/sgx_types.h"
#include "wire/wire.h"

#define CLIENT_DEFAULT_SOCKET "/var/run/aesmd/aesm.socket"
/* Intel's IPC_LATENCY: the deadline of each step, and the value sent in
 * every request's timeout field. */
#define CLIENT_TIMEOUT_MS 15000u
/* Longest deadline SGX_QUOTE_EX_TIMEOUT_MS may ask for (10 minutes, the
 * value of Intel's debug builds). */
#define CLIENT_TIMEOUT_MAX_MS 600000

/* How long a refused or missing socket is retried: long enough for a
 * daemon being replaced or restarted, short enough for a caller to wait. */
#define CLIENT_RETRY_MS     1000
#define CLIENT_RETRY_MAX_MS 60000

/* What a GetQuoteEx reply may carry besides the quote (the QE report
 * info and protobuf framing take under 1 KiB). */
#define CLIENT_REPLY_ROOM (64u * 1024)

/* How to reach the service; read from the environment on every call, so
 * there is no shared state to guard. */
struct client_conf {
	const char *path; /* the environment's string or the default */
	int timeout_ms;
	int retry_ms; /* 0: one attempt only */
	bool debug;
};

/* The quote_ex operations, for error mapping and messages. */
enum client_op {
	CLIENT_OP_SELECT_ATT_KEY_ID,
	CLIENT_OP_INIT_QUOTE_EX,
	CLIENT_OP_GET_QUOTE_SIZE_EX,
	CLIENT_OP_GET_QUOTE_EX,
	CLIENT_OP_GET_SUPPORTED_NUM,
	CLIENT_OP_GET_SUPPORTED_IDS,
};

/*
 * Fills conf from SGX_AESM_ADDR (an absolute path selects that socket;
 * any other value, such as "1", means the default),
 * SGX_QUOTE_EX_TIMEOUT_MS (1 to CLIENT_TIMEOUT_MAX_MS, else the default),
 * SGX_QUOTE_EX_RETRY_MS (0 to CLIENT_RETRY_MAX_MS, else the default) and
 * SGX_QUOTE_EX_DEBUG ("1" turns messages on).
 */
void client_conf_from_env(struct client_conf *conf);

/*
 * Sends one request and receives its response on a new connection.
 * Returns SGX_SUCCESS with *res set (free with wire_response_free), or the
 * transport failure as Intel maps it: SERVICE_UNAVAILABLE when no
 * connection can be made, SERVICE_TIMEOUT when a deadline passes,
 * OUT_OF_MEMORY, and UNEXPECTED for a peer that closes early or answers
 * something that is not a Response. With conf->debug, each failure is
 * explained on stderr.
 */
sgx_status_t client_transact(const struct client_conf *conf, enum client_op op,
                             const Aesm__Message__Request *req,
                             Aesm__Message__Response **res);

/* Maps a response errorCode to what the call returns (section 4.4): the
 * common table first, then the operation's own codes. */
sgx_status_t client_map_aesm(enum client_op op, uint32_t code);

/* Explains a failure on stderr when conf->debug; one line. */
void client_debug(const struct client_conf *conf, enum client_op op,
                  const char *error, const char *cause);

const char *client_op_name(enum client_op op);
/* Intel's name of a status ("SGX_ERROR_SERVICE_UNAVAILABLE"). */
const char *client_status_name(sgx_status_t status);

#endif
