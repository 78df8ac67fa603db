/* The stand-in AESM service of the client tests (see aesm_stub.h). */
#include "aesm_stub.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/keyid.h"

#define STUB_IO_MS 2000
/* Room for a padded quote and the message around it. */
#define STUB_MAX_REPLY (8u * 1024 * 1024)

static void
die(const char *what)
{
	perror(what);
	abort();
}

static void
stub_send_response(int fd, const Aesm__Message__Response *res)
{
	uint8_t *frame;
	size_t len;

	if (wire_encode(&res->base, STUB_MAX_REPLY, &frame, &len) != ERR_OK)
		die("wire_encode");
	if (wire_send_all(fd, frame, len, STUB_IO_MS) != ERR_OK) {
		/* The client may have given up already; not our failure. */
	}
	free(frame);
}

static void
auto_init(const Aesm__Message__Request__InitQuoteExRequest *q,
          Aesm__Message__Response *res)
{
	static Aesm__Message__Response__InitQuoteExResponse r;
	static uint8_t ti[SGX_TARGET_INFO_SIZE], pub[32];

	r = (Aesm__Message__Response__InitQuoteExResponse)
	        AESM__MESSAGE__RESPONSE__INIT_QUOTE_EX_RESPONSE__INIT;
	memset(ti, STUB_TARGET_INFO_BYTE, sizeof(ti));
	memset(pub, STUB_PUB_KEY_ID_BYTE, sizeof(pub));
	r.errorcode = 0;
	r.has_pub_key_id_size = true;
	r.pub_key_id_size = sizeof(pub);
	if (q->b_pub_key_id && (!q->has_buf_size || q->buf_size != 32)) {
		r.errorcode = 3;
	} else {
		r.has_target_info = true;
		r.target_info.data = ti;
		r.target_info.len = sizeof(ti);
	}
	if (q->b_pub_key_id && r.errorcode == 0) {
		r.has_pub_key_id = true;
		r.pub_key_id.data = pub;
		r.pub_key_id.len = sizeof(pub);
	}
	res->initquoteexres = &r;
}

/* The quote; when padded, in a buffer of buf_size bytes that the caller
 * frees (*padded). */
static void
auto_quote(const Aesm__Message__Request__GetQuoteExRequest *q, bool pad,
           Aesm__Message__Response *res, uint8_t **padded)
{
	static Aesm__Message__Response__GetQuoteExResponse r;
	static uint8_t quote[STUB_QUOTE_SIZE];

	r = (Aesm__Message__Response__GetQuoteExResponse)
	        AESM__MESSAGE__RESPONSE__GET_QUOTE_EX_RESPONSE__INIT;
	memset(quote, STUB_QUOTE_BYTE, sizeof(quote));
	r.errorcode = q->buf_size < sizeof(quote) ? 3 : 0;
	if (r.errorcode == 0) {
		r.has_quote = true;
		r.quote.data = quote;
		r.quote.len = sizeof(quote);
	}
	if (r.errorcode == 0 && pad && q->buf_size <= STUB_MAX_REPLY / 2) {
		if ((*padded = calloc(1, q->buf_size)) == NULL)
			die("calloc");
		memcpy(*padded, quote, sizeof(quote));
		r.quote.data = *padded;
		r.quote.len = q->buf_size;
	}
	res->getquoteexres = &r;
}

static void
auto_keys(const Aesm__Message__Request *req, Aesm__Message__Response *res)
{
	static Aesm__Message__Response__GetSupportedAttKeyIDNumResponse num;
	static Aesm__Message__Response__GetSupportedAttKeyIDsResponse ids;
	static Aesm__Message__Response__SelectAttKeyIDResponse sel;
	static sgx_att_key_id_ext_t key;

	keyid_default_ecdsa(&key);
	num = (Aesm__Message__Response__GetSupportedAttKeyIDNumResponse)
	        AESM__MESSAGE__RESPONSE__GET_SUPPORTED_ATT_KEY_IDNUM_RESPONSE__INIT;
	ids = (Aesm__Message__Response__GetSupportedAttKeyIDsResponse)
	        AESM__MESSAGE__RESPONSE__GET_SUPPORTED_ATT_KEY_IDS_RESPONSE__INIT;
	sel = (Aesm__Message__Response__SelectAttKeyIDResponse)
	        AESM__MESSAGE__RESPONSE__SELECT_ATT_KEY_IDRESPONSE__INIT;
	num.errorcode = 0;
	num.has_att_key_id_num = true;
	num.att_key_id_num = 1;
	ids.errorcode = 3;
	if (req->getsupportedattkeyidsreq != NULL &&
	    req->getsupportedattkeyidsreq->buf_size == sizeof(key)) {
		ids.errorcode = 0;
		ids.has_att_key_ids = true;
		ids.att_key_ids.data = (uint8_t *)&key;
		ids.att_key_ids.len = sizeof(key);
	}
	sel.errorcode = 0;
	sel.has_selected_att_key_id = true;
	sel.selected_att_key_id.data = (uint8_t *)&key;
	sel.selected_att_key_id.len = sizeof(key);
	res->getsupportedattkeyidnumres =
	        req->getsupportedattkeyidnumreq ? &num : NULL;
	res->getsupportedattkeyidsres =
	        req->getsupportedattkeyidsreq ? &ids : NULL;
	res->selectattkeyidres = req->selectattkeyidreq ? &sel : NULL;
}

static void
auto_size(const Aesm__Message__Request__GetQuoteSizeExRequest *q,
          Aesm__Message__Response *res)
{
	static Aesm__Message__Response__GetQuoteSizeExResponse r;

	r = (Aesm__Message__Response__GetQuoteSizeExResponse)
	        AESM__MESSAGE__RESPONSE__GET_QUOTE_SIZE_EX_RESPONSE__INIT;
	r.errorcode = q->has_att_key_id ? 0 : 3;
	r.has_quote_size = true;
	r.quote_size = q->has_att_key_id ? STUB_QUOTE_SIZE : 0;
	res->getquotesizeexres = &r;
}

/* Answers a request the way a working service would. Runs on the stub
 * thread only, so the static reply parts are not shared. */
static void
stub_auto(int fd, const uint8_t *body, size_t len, bool pad)
{
	Aesm__Message__Response res = AESM__MESSAGE__RESPONSE__INIT;
	Aesm__Message__Request *req = wire_request_decode(body, len);
	uint8_t *padded = NULL;

	if (req == NULL)
		return;
	if (req->initquoteexreq != NULL)
		auto_init(req->initquoteexreq, &res);
	else if (req->getquotesizeexreq != NULL)
		auto_size(req->getquotesizeexreq, &res);
	else if (req->getquoteexreq != NULL)
		auto_quote(req->getquoteexreq, pad, &res, &padded);
	else
		auto_keys(req, &res);
	stub_send_response(fd, &res);
	free(padded);
	wire_request_free(req);
}

static void
stub_record(struct stub *s, const uint8_t *body, size_t len)
{
	enum err e;
	enum wire_kind kind = wire_request_scan_kind(body, len, &e);

	pthread_mutex_lock(&s->lock);
	memcpy(s->last, body, len);
	s->last_len = len;
	if (s->n_requests < STUB_MAX_LOG)
		s->kinds[s->n_requests] = kind;
	s->n_requests++;
	pthread_mutex_unlock(&s->lock);
}

/* Waits until the client goes away (or a few seconds pass). */
static void
stub_wait_close(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;

	while (poll(&p, 1, 5000) > 0 && recv(fd, &c, 1, 0) > 0)
		continue;
}

static void
stub_serve(struct stub *s, int fd)
{
	enum stub_mode mode;
	uint8_t *body;
	size_t len;

	pthread_mutex_lock(&s->lock);
	mode = s->mode;
	s->n_conns++;
	pthread_mutex_unlock(&s->lock);
	if (mode == STUB_CLOSE_NOW)
		return;
	if (wire_recv_frame(fd, STUB_MAX_FRAME, STUB_IO_MS, &body, &len) !=
	    ERR_OK)
		return;
	stub_record(s, body, len);

	if (mode == STUB_AUTO || mode == STUB_PADDED)
		stub_auto(fd, body, len, mode == STUB_PADDED);
	else if (mode == STUB_CANNED &&
	         wire_send_all(fd, s->canned, s->canned_len, STUB_IO_MS) !=
	                 ERR_OK) {
		/* The client may have given up already. */
	} else if (mode == STUB_SILENT)
		stub_wait_close(fd);
	free(body);
}

static void *
stub_main(void *arg)
{
	struct stub *s = arg;
	struct pollfd p = {.fd = s->lfd, .events = POLLIN};
	int fd;

	while (!atomic_load(&s->stop)) {
		if (poll(&p, 1, 20) <= 0)
			continue;
		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			continue;
		stub_serve(s, fd);
		close(fd);
	}
	return NULL;
}

void
stub_start(struct stub *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/sqh-client-XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		die("mkdtemp");
	snprintf(s->path, sizeof(s->path), "%s/aesm.socket", s->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
	if ((s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket");
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->lfd, 64) < 0)
		die("bind");
	pthread_mutex_init(&s->lock, NULL);
	atomic_init(&s->stop, false);
	if (pthread_create(&s->thread, NULL, stub_main, s) != 0)
		die("pthread_create");
}

void
stub_stop(struct stub *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	close(s->lfd);
	unlink(s->path);
	rmdir(s->dir);
	pthread_mutex_destroy(&s->lock);
}

void
stub_set_mode(struct stub *s, enum stub_mode mode)
{
	pthread_mutex_lock(&s->lock);
	s->mode = mode;
	pthread_mutex_unlock(&s->lock);
}

void
stub_set_raw(struct stub *s, const uint8_t *bytes, size_t len)
{
	if (len > sizeof(s->canned))
		die("canned reply too long");
	pthread_mutex_lock(&s->lock);
	memcpy(s->canned, bytes, len);
	s->canned_len = len;
	s->mode = STUB_CANNED;
	pthread_mutex_unlock(&s->lock);
}

void
stub_set_body(struct stub *s, const uint8_t *body, size_t len)
{
	uint8_t frame[STUB_MAX_FRAME];

	if (len + WIRE_LEN_SIZE > sizeof(frame))
		die("canned reply too long");
	wire_frame_put_len(frame, (uint32_t)len);
	memcpy(frame + WIRE_LEN_SIZE, body, len);
	stub_set_raw(s, frame, len + WIRE_LEN_SIZE);
}

void
stub_set_response(struct stub *s, const Aesm__Message__Response *res)
{
	uint8_t *frame;
	size_t len;

	if (wire_encode(&res->base, STUB_MAX_FRAME, &frame, &len) != ERR_OK)
		die("wire_encode");
	stub_set_raw(s, frame, len);
	free(frame);
}

void
stub_reset_log(struct stub *s)
{
	pthread_mutex_lock(&s->lock);
	s->n_requests = 0;
	s->n_conns = 0;
	s->last_len = 0;
	pthread_mutex_unlock(&s->lock);
}

size_t
stub_n_conns(struct stub *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n_conns;
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t
stub_n_requests(struct stub *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n_requests;
	pthread_mutex_unlock(&s->lock);
	return n;
}

enum wire_kind
stub_kind(struct stub *s, size_t i)
{
	enum wire_kind k = WIRE_KIND_NONE;

	pthread_mutex_lock(&s->lock);
	if (i < s->n_requests && i < STUB_MAX_LOG)
		k = s->kinds[i];
	pthread_mutex_unlock(&s->lock);
	return k;
}

size_t
stub_last_body(struct stub *s, uint8_t *out, size_t cap)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->last_len < cap ? s->last_len : cap;
	memcpy(out, s->last, n);
	pthread_mutex_unlock(&s->lock);
	return n;
}

Aesm__Message__Request *
stub_last_request(struct stub *s)
{
	static uint8_t body[STUB_MAX_FRAME];
	size_t n = stub_last_body(s, body, sizeof(body));

	return wire_request_decode(body, n);
}
