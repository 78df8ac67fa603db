/*
 * One AESM round trip per call, on a connection of its own, as Intel's
 * client and server expect (reference "AESM protocol" sections 1.2, 2).
 */
#include "client.h"
#include "common/timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Back-off between connection attempts: 5, 10, 20... ms, at most 250. */
#define RETRY_FIRST_MS     5
#define RETRY_MAX_PAUSE_MS 250

/* Parses a decimal number of milliseconds; def when absent or not a
 * number in [min, max]. */
static int
conf_ms(const char *s, long min, long max, int def)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return def;
	return (int)v;
}

void
client_conf_from_env(struct client_conf *conf)
{
	const char *addr = getenv("SGX_AESM_ADDR");
	const char *debug = getenv("SGX_QUOTE_EX_DEBUG");

	/* Intel's callers treat the variable as a switch ("1"); only an
	 * absolute path is taken as an address. */
	conf->path =
	        addr != NULL && addr[0] == '/' ? addr : CLIENT_DEFAULT_SOCKET;
	conf->timeout_ms = conf_ms(getenv("SGX_QUOTE_EX_TIMEOUT_MS"), 1,
	                           CLIENT_TIMEOUT_MAX_MS, CLIENT_TIMEOUT_MS);
	conf->retry_ms = conf_ms(getenv("SGX_QUOTE_EX_RETRY_MS"), 0,
	                         CLIENT_RETRY_MAX_MS, CLIENT_RETRY_MS);
	conf->debug = debug != NULL && strcmp(debug, "1") == 0;
}

void
client_debug(const struct client_conf *conf, enum client_op op,
             const char *error, const char *cause)
{
	int saved = errno;

	if (conf->debug)
		fprintf(stderr,
		        "sgx_quote_ex: level=debug call=%s socket=%s "
		        "error=\"%s\" cause=\"%s\"\n",
		        client_op_name(op), conf->path, error, cause);
	errno = saved;
}

/* The usual reason a connect() fails, for people reading debug output. */
static const char *
connect_cause(int err)
{
	switch (err) {
	case ENOENT:
		return "no AESM service on this node, or its socket directory "
		       "is not mounted into this container";
	case ECONNREFUSED:
		return "the socket exists but no service listens on it "
		       "(stopped or restarting)";
	case EACCES:
	case EPERM:
		return "permission denied on the socket or its directory";
	case ENAMETOOLONG:
		return "the socket path is too long for a Unix socket";
	default:
		return "cannot reach the AESM service";
	}
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
	                      .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

/*
 * Connects, retrying while the socket is missing or refuses (a daemon
 * being replaced or restarted) for at most conf->retry_ms in all, with
 * exponential back-off. Other failures are final at once.
 */
static enum err
connect_retrying(const struct client_conf *conf, int *fd)
{
	int64_t deadline = timeutil_mono_ms() + conf->retry_ms, left;
	int64_t pause = RETRY_FIRST_MS;
	enum err e;
	int saved;

	for (;;) {
		e = wire_connect(conf->path, conf->timeout_ms, fd);
		saved = errno;
		if (e != ERR_IO || (saved != ENOENT && saved != ECONNREFUSED))
			return e;
		if ((left = deadline - timeutil_mono_ms()) <= 0) {
			errno = saved;
			return e;
		}
		sleep_ms(pause < left ? pause : left);
		pause = pause * 2 > RETRY_MAX_PAUSE_MS ? RETRY_MAX_PAUSE_MS
		                                       : pause * 2;
	}
}

static sgx_status_t
transport_connect(const struct client_conf *conf, enum client_op op, int *fd)
{
	char msg[128];
	enum err e;

	e = connect_retrying(conf, fd);
	if (e == ERR_OK)
		return SGX_SUCCESS;
	if (e == ERR_TIMEOUT) {
		client_debug(conf, op, "connect: timed out",
		             "the service's listen queue stays full");
		return SGX_ERROR_SERVICE_TIMEOUT;
	}
	snprintf(msg, sizeof(msg), "connect: %s", strerror(errno));
	client_debug(conf, op, msg, connect_cause(errno));
	return SGX_ERROR_SERVICE_UNAVAILABLE;
}

/* Maps a failed send or receive; the connection itself was made. */
static sgx_status_t
transport_failed(const struct client_conf *conf, enum client_op op,
                 const char *step, enum err e)
{
	char msg[128];

	switch (e) {
	case ERR_TIMEOUT:
		snprintf(msg, sizeof(msg), "%s: timed out after %d ms", step,
		         conf->timeout_ms);
		client_debug(conf, op, msg,
		             "the service accepted but does not answer "
		             "(overloaded or hung)");
		return SGX_ERROR_SERVICE_TIMEOUT;
	case ERR_NOMEM:
		client_debug(conf, op, "out of memory", "client side");
		return SGX_ERROR_OUT_OF_MEMORY;
	case ERR_IO:
		snprintf(msg, sizeof(msg), "%s: %s", step, strerror(errno));
		break;
	default:
		snprintf(msg, sizeof(msg), "%s: %s", step, err_str(e));
		break;
	}
	client_debug(conf, op, msg,
	             "the peer closed early or is not an AESM service");
	return SGX_ERROR_UNEXPECTED;
}

static sgx_status_t
transport_send(const struct client_conf *conf, enum client_op op, int fd,
               const Aesm__Message__Request *req)
{
	uint8_t *frame;
	size_t len;
	enum err e;

	e = wire_encode(&req->base, WIRE_MAX_REQUEST, &frame, &len);
	if (e == ERR_NOMEM)
		return transport_failed(conf, op, "encode", e);
	if (e != ERR_OK) {
		client_debug(conf, op, "request cannot be encoded",
		             "invalid arguments");
		return SGX_ERROR_INVALID_PARAMETER;
	}
	e = wire_send_all(fd, frame, len, conf->timeout_ms);
	free(frame);
	if (e != ERR_OK)
		return transport_failed(conf, op, "send", e);
	return SGX_SUCCESS;
}

/*
 * The longest reply accepted to req. Intel's aesmd pads a quote to the
 * caller's buf_size, so a GetQuoteEx reply may be as long as the buffer
 * the caller offered plus the message around it; anything else fits in
 * WIRE_MAX_RESPONSE, which also bounds what a hostile peer can make us
 * allocate.
 */
static uint32_t
transport_reply_max(const Aesm__Message__Request *req)
{
	const Aesm__Message__Request__GetQuoteExRequest *q = req->getquoteexreq;

	if (q != NULL && q->buf_size < UINT32_MAX - CLIENT_REPLY_ROOM &&
	    q->buf_size + CLIENT_REPLY_ROOM > WIRE_MAX_RESPONSE)
		return q->buf_size + CLIENT_REPLY_ROOM;
	return WIRE_MAX_RESPONSE;
}

static sgx_status_t
transport_recv(const struct client_conf *conf, enum client_op op, int fd,
               const Aesm__Message__Request *req, Aesm__Message__Response **res)
{
	uint8_t *body;
	size_t len;
	enum err e;

	e = wire_recv_frame(fd, transport_reply_max(req), conf->timeout_ms,
	                    &body, &len);
	if (e != ERR_OK)
		return transport_failed(conf, op, "receive", e);
	*res = wire_response_decode(body, len);
	free(body);
	if (*res == NULL) {
		client_debug(conf, op, "reply is not an AESM Response",
		             "the peer is not a compatible AESM service");
		return SGX_ERROR_UNEXPECTED;
	}
	return SGX_SUCCESS;
}

sgx_status_t
client_transact(const struct client_conf *conf, enum client_op op,
                const Aesm__Message__Request *req,
                Aesm__Message__Response **res)
{
	sgx_status_t s;
	int fd;

	*res = NULL;
	if ((s = transport_connect(conf, op, &fd)) != SGX_SUCCESS)
		return s;

	s = transport_send(conf, op, fd, req);
	if (s == SGX_SUCCESS)
		s = transport_recv(conf, op, fd, req, res);
	close(fd);
	return s;
}
