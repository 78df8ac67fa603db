/*
 * Request dispatch: one decoded AESM request in, one encoded response out,
 * with the semantics of Intel's aesmd for every quote_ex operation
 * (reference "AESM protocol" sections 1.2, 3 and 9). No I/O happens here,
 * so the rules can be tested without sockets.
 */
#ifndef SQH_DAEMON_DISPATCH_H
#define SQH_DAEMON_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "backends/backend.h"
#include "common/err.h"
#include "wire/wire.h"

struct dispatch_result {
	enum wire_kind kind; /* WIRE_KIND_NONE when nothing was recognized */
	uint32_t code;       /* the errorCode written, for the log */
	/* The framed response (length prefix included), freed with free();
	 * NULL when the connection must be closed without a reply. */
	uint8_t *reply;
	size_t reply_len;
};

/*
 * Handles one request body. ERR_OK with out->reply NULL means the body
 * was not a request at all (not protobuf, or no known envelope field) and
 * the connection is closed, as Intel's server does. Other errors mean the
 * reply could not be built (memory); the caller closes as well.
 */
MUST_CHECK enum err dispatch_request(struct backend *b, const uint8_t *body,
                                     size_t len, struct dispatch_result *out);

#endif
