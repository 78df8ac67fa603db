/*
 * The drop-in libsgx_quote_ex.so.1, loaded with dlopen by its soname the
 * way Open Enclave and Intel's DCAP library load it (reference "AESM
 * protocol" section 5), against a stand-in service: call sequences, wire
 * encodings, argument checks, the error mapping tables, transport
 * failures and malformed replies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "aesm_stub.h"
#include "common/keyid.h"
#include "sgx_uae_quote_ex.h"

#define CLIENT_DEFAULT_PATH "/var/run/aesmd/aesm.socket"

/* The six entry points, resolved as Open Enclave does. */
struct quote_ex {
	void *handle;
	sgx_status_t (*select)(const uint8_t *, uint32_t, sgx_att_key_id_t *);
	sgx_status_t (*init)(const sgx_att_key_id_t *, sgx_target_info_t *,
	                     size_t *, uint8_t *);
	sgx_status_t (*size)(const sgx_att_key_id_t *, uint32_t *);
	sgx_status_t (*quote)(const sgx_report_t *, const sgx_att_key_id_t *,
	                      sgx_qe_report_info_t *, uint8_t *, uint32_t);
	sgx_status_t (*num)(uint32_t *);
	sgx_status_t (*ids)(sgx_att_key_id_ext_t *, uint32_t);
};

static struct quote_ex qx;
static struct stub stub;

#define LIB_SONAME "libsgx_quote_ex.so.1"

static void *
sym(void *handle, const char *name)
{
	void *p = dlsym(handle, name);

	if (p == NULL)
		fail_msg("dlsym %s: %s", name, dlerror());
	return p;
}

static int
group_setup(void **state)
{
	struct link_map *map;

	(void)state;
	/* A peer that closes early must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_DFL);
	qx.handle = dlopen(LIB_SONAME, RTLD_LAZY | RTLD_LOCAL);
	if (qx.handle == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", LIB_SONAME, dlerror());
		return -1;
	}
	/* Make sure the build's library was found, not an installed one. */
	if (dlinfo(qx.handle, RTLD_DI_LINKMAP, &map) != 0 ||
	    strncmp(map->l_name, SQH_BINARY_DIR, strlen(SQH_BINARY_DIR)) != 0) {
		fprintf(stderr, "loaded the wrong library\n");
		return -1;
	}
	*(void **)&qx.select = sym(qx.handle, "sgx_select_att_key_id");
	*(void **)&qx.init = sym(qx.handle, "sgx_init_quote_ex");
	*(void **)&qx.size = sym(qx.handle, "sgx_get_quote_size_ex");
	*(void **)&qx.quote = sym(qx.handle, "sgx_get_quote_ex");
	*(void **)&qx.num = sym(qx.handle, "sgx_get_supported_att_key_id_num");
	*(void **)&qx.ids = sym(qx.handle, "sgx_get_supported_att_key_ids");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	dlclose(qx.handle);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	stub_start(&stub);
	setenv("SGX_AESM_ADDR", stub.path, 1);
	unsetenv("SGX_QUOTE_EX_TIMEOUT_MS");
	unsetenv("SGX_QUOTE_EX_DEBUG");
	/* One connection attempt: the retry on a missing socket has tests
	 * of its own, and would slow every "no service" case here. */
	setenv("SGX_QUOTE_EX_RETRY_MS", "0", 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	stub_stop(&stub);
	return 0;
}

static sgx_att_key_id_t
default_key(void)
{
	sgx_att_key_id_ext_t ext;
	sgx_att_key_id_t key;

	keyid_default_ecdsa(&ext);
	memcpy(&key, &ext, sizeof(key));
	return key;
}

/* Open Enclave's order: count, IDs, init size query, init, size, quote. */
static void
test_open_enclave_sequence(void **state)
{
	sgx_att_key_id_ext_t ids[1];
	sgx_att_key_id_ext_t want;
	sgx_target_info_t ti;
	sgx_report_t report;
	uint8_t *pub, *quote;
	uint32_t n = 0, qsize = 0;
	size_t sz = 0;

	(void)state;
	assert_int_equal(qx.num(&n), SGX_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(qx.ids(ids, n), SGX_SUCCESS);
	keyid_default_ecdsa(&want);
	assert_memory_equal(&ids[0], &want, sizeof(want));

	assert_int_equal(qx.init((sgx_att_key_id_t *)&ids[0], &ti, &sz, NULL),
	                 SGX_SUCCESS);
	assert_int_equal(sz, 32);
	pub = malloc(sz);
	assert_non_null(pub);
	assert_int_equal(qx.init((sgx_att_key_id_t *)&ids[0], &ti, &sz, pub),
	                 SGX_SUCCESS);
	assert_int_equal(sz, 32);
	for (size_t i = 0; i < sz; i++)
		assert_int_equal(pub[i], STUB_PUB_KEY_ID_BYTE);
	assert_int_equal(ti.mr_enclave.m[0], STUB_TARGET_INFO_BYTE);

	assert_int_equal(qx.size((sgx_att_key_id_t *)&ids[0], &qsize),
	                 SGX_SUCCESS);
	assert_int_equal(qsize, STUB_QUOTE_SIZE);
	quote = malloc(qsize);
	assert_non_null(quote);
	memset(&report, 0x11, sizeof(report));
	assert_int_equal(qx.quote(&report, (sgx_att_key_id_t *)&ids[0], NULL,
	                          quote, qsize),
	                 SGX_SUCCESS);
	assert_int_equal(quote[0], STUB_QUOTE_BYTE);
	assert_int_equal(quote[qsize - 1], STUB_QUOTE_BYTE);

	assert_int_equal(stub_n_requests(&stub), 6);
	assert_int_equal(stub_kind(&stub, 0),
	                 WIRE_KIND_GET_SUPPORTED_ATT_KEY_ID_NUM);
	assert_int_equal(stub_kind(&stub, 1),
	                 WIRE_KIND_GET_SUPPORTED_ATT_KEY_IDS);
	assert_int_equal(stub_kind(&stub, 2), WIRE_KIND_INIT_QUOTE_EX);
	assert_int_equal(stub_kind(&stub, 3), WIRE_KIND_INIT_QUOTE_EX);
	assert_int_equal(stub_kind(&stub, 4), WIRE_KIND_GET_QUOTE_SIZE_EX);
	assert_int_equal(stub_kind(&stub, 5), WIRE_KIND_GET_QUOTE_EX);
	free(pub);
	free(quote);
}

/* The GetQuoteEx request carries the report, key, size and timeout. */
static void
test_get_quote_request_fields(void **state)
{
	sgx_att_key_id_t key = default_key();
	Aesm__Message__Request *req;
	sgx_report_t report;
	uint8_t quote[STUB_QUOTE_SIZE + 100];

	(void)state;
	memset(&report, 0x42, sizeof(report));
	memset(quote, 0xee, sizeof(quote));
	assert_int_equal(qx.quote(&report, &key, NULL, quote, sizeof(quote)),
	                 SGX_SUCCESS);
	/* Bytes past the quote received stay as they were. */
	assert_int_equal(quote[STUB_QUOTE_SIZE], 0xee);

	req = stub_last_request(&stub);
	assert_non_null(req);
	assert_non_null(req->getquoteexreq);
	assert_int_equal(req->getquoteexreq->report.len, 432);
	assert_memory_equal(req->getquoteexreq->report.data, &report, 432);
	assert_true(req->getquoteexreq->has_att_key_id);
	assert_memory_equal(req->getquoteexreq->att_key_id.data, &key, 256);
	assert_false(req->getquoteexreq->has_qe_report_info);
	assert_int_equal(req->getquoteexreq->buf_size, sizeof(quote));
	assert_int_equal(req->getquoteexreq->timeout, 15000);
	wire_request_free(req);
}

/* Intel's DCAP wrapper: size query with an uninitialised size, then the
 * full call with 32, then size and quote (section 5.1). */
static void
test_dcap_sequence(void **state)
{
	void *h = dlopen(LIB_SONAME, RTLD_LAZY);
	sgx_status_t (*init)(const sgx_att_key_id_t *, sgx_target_info_t *,
	                     size_t *, uint8_t *);
	sgx_status_t (*size)(const sgx_att_key_id_t *, uint32_t *);
	sgx_status_t (*quote)(const sgx_report_t *, const sgx_att_key_id_t *,
	                      sgx_qe_report_info_t *, uint8_t *, uint32_t);
	sgx_att_key_id_t key = default_key();
	Aesm__Message__Request *req;
	sgx_target_info_t ti;
	sgx_report_t report;
	uint8_t pub[32], quote_buf[STUB_QUOTE_SIZE];
	size_t sz = (size_t)0xdeadbeefcafef00dull;
	uint32_t n = 0;

	(void)state;
	assert_non_null(h);
	*(void **)&init = sym(h, "sgx_init_quote_ex");
	*(void **)&size = sym(h, "sgx_get_quote_size_ex");
	*(void **)&quote = sym(h, "sgx_get_quote_ex");

	memset(&ti, 0, sizeof(ti));
	assert_int_equal(init(&key, &ti, &sz, NULL), SGX_SUCCESS);
	assert_int_equal(sz, 32);
	req = stub_last_request(&stub);
	assert_non_null(req->initquoteexreq);
	assert_false(req->initquoteexreq->b_pub_key_id);
	/* The garbage size is neither read nor sent. */
	assert_false(req->initquoteexreq->has_buf_size);
	wire_request_free(req);

	assert_int_equal(init(&key, &ti, &sz, pub), SGX_SUCCESS);
	req = stub_last_request(&stub);
	assert_true(req->initquoteexreq->b_pub_key_id);
	assert_int_equal(req->initquoteexreq->buf_size, 32);
	assert_int_equal(req->initquoteexreq->timeout, 15000);
	wire_request_free(req);
	assert_int_equal(pub[31], STUB_PUB_KEY_ID_BYTE);

	assert_int_equal(size(&key, &n), SGX_SUCCESS);
	assert_int_equal(n, STUB_QUOTE_SIZE);
	memset(&report, 0, sizeof(report));
	assert_int_equal(quote(&report, &key, NULL, quote_buf, n), SGX_SUCCESS);
	dlclose(h);
}

static void
test_select_returns_key(void **state)
{
	sgx_att_key_id_t want = default_key(), got;
	uint8_t list[8 + 256] = {0};
	Aesm__Message__Request *req;

	(void)state;
	memset(&got, 0, sizeof(got));
	assert_int_equal(qx.select(NULL, 0, &got), SGX_SUCCESS);
	assert_memory_equal(&got, &want, sizeof(want));
	req = stub_last_request(&stub);
	assert_false(req->selectattkeyidreq->has_att_key_id_list);
	assert_int_equal(req->selectattkeyidreq->timeout, 15000);
	wire_request_free(req);

	/* A list given is sent as is. */
	list[4] = 1;
	memcpy(list + 8, &want, sizeof(want));
	assert_int_equal(qx.select(list, sizeof(list), &got), SGX_SUCCESS);
	req = stub_last_request(&stub);
	assert_true(req->selectattkeyidreq->has_att_key_id_list);
	assert_int_equal(req->selectattkeyidreq->att_key_id_list.len,
	                 sizeof(list));
	assert_memory_equal(req->selectattkeyidreq->att_key_id_list.data, list,
	                    sizeof(list));
	wire_request_free(req);
}

/* Worked encodings of reference section 1.3.5, byte for byte. */
static void
test_wire_bytes_supported_num(void **state)
{
	const uint8_t want_req[] = {0xaa, 0x01, 0x03, 0x48, 0x98, 0x75};
	const uint8_t reply[] = {0xaa, 0x01, 0x04, 0x08, 0x00, 0x10, 0x01};
	uint8_t got[64];
	uint32_t n = 99;

	(void)state;
	stub_set_body(&stub, reply, sizeof(reply));
	assert_int_equal(qx.num(&n), SGX_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(stub_last_body(&stub, got, sizeof(got)),
	                 sizeof(want_req));
	assert_memory_equal(got, want_req, sizeof(want_req));
}

static void
test_wire_bytes_quote_size(void **state)
{
	const uint8_t reply[] = {0x82, 0x01, 0x05, 0x08,
	                         0x00, 0x10, 0xfe, 0x24};
	const uint8_t head[] = {0x82, 0x01, 0x86, 0x02, 0x0a, 0x80, 0x02};
	const uint8_t tail[] = {0x48, 0x98, 0x75};
	sgx_att_key_id_t key = default_key();
	uint8_t got[512];
	uint32_t n = 0;

	(void)state;
	stub_set_body(&stub, reply, sizeof(reply));
	assert_int_equal(qx.size(&key, &n), SGX_SUCCESS);
	assert_int_equal(n, 4734);
	assert_int_equal(stub_last_body(&stub, got, sizeof(got)), 266);
	assert_memory_equal(got, head, sizeof(head));
	assert_memory_equal(got + sizeof(head), &key, sizeof(key));
	assert_memory_equal(got + 266 - sizeof(tail), tail, sizeof(tail));
}

static void
test_wire_bytes_init_size_query(void **state)
{
	const uint8_t head[] = {0x7a, 0x88, 0x02, 0x0a, 0x80, 0x02};
	const uint8_t tail[] = {0x18, 0x00, 0x48, 0x98, 0x75};
	/* errorCode 38 (unsupported key), pub_key_id_size 0. */
	const uint8_t reply[] = {0x7a, 0x04, 0x08, 0x26, 0x18, 0x00};
	sgx_att_key_id_t key = default_key();
	sgx_target_info_t ti;
	uint8_t got[512];
	size_t sz = 7;

	(void)state;
	stub_set_body(&stub, reply, sizeof(reply));
	assert_int_equal(qx.init(&key, &ti, &sz, NULL),
	                 SGX_ERROR_UNSUPPORTED_ATT_KEY_ID);
	assert_int_equal(sz, 0);
	assert_int_equal(stub_last_body(&stub, got, sizeof(got)), 267);
	assert_memory_equal(got, head, sizeof(head));
	assert_memory_equal(got + sizeof(head), &key, sizeof(key));
	assert_memory_equal(got + 267 - sizeof(tail), tail, sizeof(tail));
}

/* The six operations, called with valid arguments, for table tests. */
enum op { OP_SELECT, OP_INIT, OP_SIZE, OP_QUOTE, OP_NUM, OP_IDS, N_OPS };

static sgx_status_t
call_op(enum op op)
{
	static uint8_t quote[STUB_QUOTE_SIZE];
	sgx_att_key_id_t key = default_key();
	sgx_att_key_id_ext_t ids[2];
	sgx_target_info_t ti;
	sgx_report_t report;
	uint8_t pub[32];
	size_t sz = sizeof(pub);
	uint32_t n;

	memset(&report, 0, sizeof(report));
	switch (op) {
	case OP_SELECT:
		return qx.select(NULL, 0, &key);
	case OP_INIT:
		return qx.init(&key, &ti, &sz, pub);
	case OP_SIZE:
		return qx.size(&key, &n);
	case OP_QUOTE:
		return qx.quote(&report, &key, NULL, quote, sizeof(quote));
	case OP_NUM:
		return qx.num(&n);
	case OP_IDS:
		return qx.ids(ids, 1);
	case N_OPS:
		break;
	}
	return (sgx_status_t)-1;
}

/* A reply holding only errorCode, in the sub-message of op (or of the
 * next operation, to answer with the wrong field). */
static void
set_error_reply(enum op op, uint32_t code)
{
	Aesm__Message__Response__SelectAttKeyIDResponse sel =
	        AESM__MESSAGE__RESPONSE__SELECT_ATT_KEY_IDRESPONSE__INIT;
	Aesm__Message__Response__InitQuoteExResponse init =
	        AESM__MESSAGE__RESPONSE__INIT_QUOTE_EX_RESPONSE__INIT;
	Aesm__Message__Response__GetQuoteSizeExResponse size =
	        AESM__MESSAGE__RESPONSE__GET_QUOTE_SIZE_EX_RESPONSE__INIT;
	Aesm__Message__Response__GetQuoteExResponse quote =
	        AESM__MESSAGE__RESPONSE__GET_QUOTE_EX_RESPONSE__INIT;
	Aesm__Message__Response__GetSupportedAttKeyIDNumResponse num =
	        AESM__MESSAGE__RESPONSE__GET_SUPPORTED_ATT_KEY_IDNUM_RESPONSE__INIT;
	Aesm__Message__Response__GetSupportedAttKeyIDsResponse ids =
	        AESM__MESSAGE__RESPONSE__GET_SUPPORTED_ATT_KEY_IDS_RESPONSE__INIT;
	Aesm__Message__Response res = AESM__MESSAGE__RESPONSE__INIT;

	sel.errorcode = init.errorcode = size.errorcode = code;
	quote.errorcode = num.errorcode = ids.errorcode = code;
	switch (op) {
	case OP_SELECT:
		res.selectattkeyidres = &sel;
		break;
	case OP_INIT:
		res.initquoteexres = &init;
		break;
	case OP_SIZE:
		res.getquotesizeexres = &size;
		break;
	case OP_QUOTE:
		res.getquoteexres = &quote;
		break;
	case OP_NUM:
		res.getsupportedattkeyidnumres = &num;
		break;
	case OP_IDS:
	case N_OPS:
		res.getsupportedattkeyidsres = &ids;
		break;
	}
	stub_set_response(&stub, &res);
}

/* Reference section 4.4, step 1: codes every call maps the same way. */
static const struct {
	uint32_t code;
	sgx_status_t status;
} common_rows[] = {
        {0, SGX_SUCCESS},
        {20, SGX_ERROR_UPDATE_NEEDED},
        {1, SGX_ERROR_UNEXPECTED},
        {3, SGX_ERROR_INVALID_PARAMETER},
        {17, SGX_ERROR_SERVICE_UNAVAILABLE},
        {30, SGX_ERROR_SERVICE_UNAVAILABLE},
        {48, SGX_ERROR_SERVICE_UNAVAILABLE},
        {46, SGX_ERROR_SERVICE_UNAVAILABLE},
        {21, SGX_ERROR_OUT_OF_MEMORY},
        {18, SGX_ERROR_BUSY},
        {31, SGX_ERROR_UNRECOGNIZED_PLATFORM},
        {12, SGX_ERROR_NETWORK_FAILURE},
        {13, SGX_ERROR_NETWORK_FAILURE},
        {14, SGX_ERROR_NETWORK_FAILURE},
        {2, SGX_ERROR_NO_DEVICE},
};

/* Step 2: each call's own codes; everything else is UNEXPECTED. */
static const struct {
	enum op op;
	uint32_t code;
	sgx_status_t status;
} specific_rows[] = {
        {OP_SELECT, 38, SGX_ERROR_UNSUPPORTED_ATT_KEY_ID},
        {OP_INIT, 38, SGX_ERROR_UNSUPPORTED_ATT_KEY_ID},
        {OP_INIT, 50, SGX_ERROR_ATT_KEY_CERTIFICATION_FAILURE},
        {OP_INIT, 44, SGX_ERROR_PLATFORM_CERT_UNAVAILABLE},
        {OP_INIT, 4, SGX_ERROR_AE_INVALID_EPIDBLOB},
        {OP_INIT, 5, SGX_ERROR_EPID_MEMBER_REVOKED},
        {OP_INIT, 19, SGX_ERROR_BUSY},
        {OP_INIT, 16, SGX_ERROR_UNEXPECTED},
        {OP_INIT, 29, SGX_ERROR_OUT_OF_EPC},
        {OP_SIZE, 42, SGX_ERROR_ATT_KEY_UNINITIALIZED},
        {OP_SIZE, 43, SGX_ERROR_UNEXPECTED},
        {OP_SIZE, 38, SGX_ERROR_UNSUPPORTED_ATT_KEY_ID},
        {OP_QUOTE, 42, SGX_ERROR_ATT_KEY_UNINITIALIZED},
        {OP_QUOTE, 43, SGX_ERROR_UNEXPECTED},
        {OP_QUOTE, 38, SGX_ERROR_UNSUPPORTED_ATT_KEY_ID},
        {OP_QUOTE, 45, SGX_ERROR_MAC_MISMATCH},
        {OP_QUOTE, 47, SGX_ERROR_MAC_MISMATCH},
        {OP_QUOTE, 49, SGX_ERROR_UNEXPECTED},
        {OP_QUOTE, 4, SGX_ERROR_AE_INVALID_EPIDBLOB},
        {OP_QUOTE, 5, SGX_ERROR_EPID_MEMBER_REVOKED},
        {OP_QUOTE, 19, SGX_ERROR_BUSY},
        {OP_QUOTE, 16, SGX_ERROR_UNEXPECTED},
        {OP_QUOTE, 29, SGX_ERROR_OUT_OF_EPC},
};

#define N_ROWS(a) (sizeof(a) / sizeof((a)[0]))

static sgx_status_t
expected_status(enum op op, uint32_t code)
{
	for (size_t i = 0; i < N_ROWS(common_rows); i++) {
		if (common_rows[i].code == code)
			return common_rows[i].status;
	}
	for (size_t i = 0; i < N_ROWS(specific_rows); i++) {
		if (specific_rows[i].op == op && specific_rows[i].code == code)
			return specific_rows[i].status;
	}
	return SGX_ERROR_UNEXPECTED;
}

/* Every AESM code (0-51 and a few beyond) answered to every call. */
static void
test_error_mapping_every_code(void **state)
{
	sgx_status_t got, want;

	(void)state;
	for (enum op op = OP_SELECT; op < N_OPS; op++) {
		for (uint32_t code = 0; code <= 55; code++) {
			set_error_reply(op, code);
			got = call_op(op);
			want = expected_status(op, code);
			if (got != want)
				fail_msg("op %d code %u: got 0x%x want 0x%x",
				         (int)op, code, got, want);
		}
		set_error_reply(op, 0xffffffffu);
		assert_int_equal(call_op(op), SGX_ERROR_UNEXPECTED);
	}
}

/* The rows of the reference table, spot-checked by name, so that the
 * table above cannot drift into agreeing with a wrong implementation. */
static void
test_error_mapping_named_rows(void **state)
{
	(void)state;
	set_error_reply(OP_QUOTE, 47);
	assert_int_equal(call_op(OP_QUOTE), 0x3001);
	set_error_reply(OP_INIT, 50);
	assert_int_equal(call_op(OP_INIT), 0x8002);
	set_error_reply(OP_INIT, 44);
	assert_int_equal(call_op(OP_INIT), 0x8005);
	set_error_reply(OP_SIZE, 42);
	assert_int_equal(call_op(OP_SIZE), 0x8003);
	/* 42 is not one of InitQuoteEx's own codes. */
	set_error_reply(OP_INIT, 42);
	assert_int_equal(call_op(OP_INIT), 0x0001);
	set_error_reply(OP_NUM, 38);
	assert_int_equal(call_op(OP_NUM), 0x0001);
	set_error_reply(OP_SELECT, 30);
	assert_int_equal(call_op(OP_SELECT), 0x4001);
}

static void
test_wrong_response_field(void **state)
{
	(void)state;
	for (enum op op = OP_SELECT; op < N_OPS; op++) {
		set_error_reply((enum op)(((int)op + 1) % N_OPS), 0);
		assert_int_equal(call_op(op), SGX_ERROR_UNEXPECTED);
	}
}

/*
 * Intel's aesmd pads the quote to the caller's buf_size, so a caller that
 * offers a buffer larger than the usual cap on replies still gets its
 * quote; a reply longer than the buffer and the message around it is
 * refused before anything is allocated for it.
 */
static void
test_quote_padded_to_large_buffer(void **state)
{
	const size_t size = 3 * WIRE_MAX_RESPONSE / 2;
	sgx_att_key_id_t key = default_key();
	/* A length prefix past any buffer this test offers. */
	const uint8_t past[] = {0x00, 0x00, 0x00, 0x01, 0x08};
	sgx_report_t report;
	uint8_t *quote = malloc(size);

	(void)state;
	assert_non_null(quote);
	memset(&report, 0x42, sizeof(report));
	memset(quote, 0xee, size);
	stub_set_mode(&stub, STUB_PADDED);
	assert_int_equal(qx.quote(&report, &key, NULL, quote, (uint32_t)size),
	                 SGX_SUCCESS);
	assert_int_equal(quote[0], STUB_QUOTE_BYTE);
	assert_int_equal(quote[STUB_QUOTE_SIZE - 1], STUB_QUOTE_BYTE);
	/* The padding is copied too, as Intel's client copies it. */
	assert_int_equal(quote[STUB_QUOTE_SIZE], 0);
	assert_int_equal(quote[size - 1], 0);

	stub_set_raw(&stub, past, sizeof(past));
	assert_int_equal(qx.quote(&report, &key, NULL, quote, (uint32_t)size),
	                 SGX_ERROR_UNEXPECTED);
	free(quote);
}

/* Replies that are not a usable Response, each for every call. */
static void
test_malformed_replies(void **state)
{
	const uint8_t empty_frame[] = {0, 0, 0, 0};
	const uint8_t huge_frame[] = {0xff, 0xff, 0xff, 0xff, 0x08};
	const uint8_t short_frame[] = {100, 0, 0, 0, 0xaa, 0x01, 0x04};
	const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f};
	/* A sub-message without its required errorCode. */
	const uint8_t no_code[] = {0xaa, 0x01, 0x00};
	/* Only an unknown field: decodes to an empty Response. */
	const uint8_t unknown[] = {0xf8, 0x07, 0x01};

	(void)state;
	for (enum op op = OP_SELECT; op < N_OPS; op++) {
		stub_set_raw(&stub, empty_frame, sizeof(empty_frame));
		assert_int_equal(call_op(op), SGX_ERROR_UNEXPECTED);
		stub_set_raw(&stub, huge_frame, sizeof(huge_frame));
		assert_int_equal(call_op(op), SGX_ERROR_UNEXPECTED);
		stub_set_raw(&stub, short_frame, sizeof(short_frame));
		assert_int_equal(call_op(op), SGX_ERROR_UNEXPECTED);
		stub_set_body(&stub, garbage, sizeof(garbage));
		assert_int_equal(call_op(op), SGX_ERROR_UNEXPECTED);
		stub_set_body(&stub, no_code, sizeof(no_code));
		assert_int_equal(call_op(op), SGX_ERROR_UNEXPECTED);
		stub_set_body(&stub, unknown, sizeof(unknown));
		assert_int_equal(call_op(op), SGX_ERROR_UNEXPECTED);
	}
}

/* A peer that closes early: UNEXPECTED, and no SIGPIPE (the default
 * action is in force and would end this process). */
static void
test_peer_closes_early(void **state)
{
	(void)state;
	for (enum op op = OP_SELECT; op < N_OPS; op++) {
		stub_set_mode(&stub, STUB_CLOSE);
		assert_int_equal(call_op(op), SGX_ERROR_UNEXPECTED);
		stub_set_mode(&stub, STUB_CLOSE_NOW);
		assert_int_equal(call_op(op), SGX_ERROR_UNEXPECTED);
	}
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_silent_service_times_out(void **state)
{
	int64_t start;

	(void)state;
	setenv("SGX_QUOTE_EX_TIMEOUT_MS", "200", 1);
	stub_set_mode(&stub, STUB_SILENT);
	start = now_ms();
	assert_int_equal(call_op(OP_NUM), SGX_ERROR_SERVICE_TIMEOUT);
	assert_true(now_ms() - start < 3000);
	assert_int_equal(call_op(OP_QUOTE), SGX_ERROR_SERVICE_TIMEOUT);
}

static void
test_no_service_enoent(void **state)
{
	char path[192];

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.socket", stub.dir);
	setenv("SGX_AESM_ADDR", path, 1);
	for (enum op op = OP_SELECT; op < N_OPS; op++)
		assert_int_equal(call_op(op), SGX_ERROR_SERVICE_UNAVAILABLE);
}

static void
test_no_service_refused(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	(void)state;
	/* Bound but not listening: connect() gets ECONNREFUSED. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dead.socket", stub.dir);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("SGX_AESM_ADDR", sa.sun_path, 1);
	for (enum op op = OP_SELECT; op < N_OPS; op++)
		assert_int_equal(call_op(op), SGX_ERROR_SERVICE_UNAVAILABLE);
	close(fd);
	unlink(sa.sun_path);
}

/* Section 3 argument checks: INVALID_PARAMETER, and nothing is sent. */
static void
test_argument_checks(void **state)
{
	sgx_att_key_id_t key = default_key();
	sgx_att_key_id_ext_t ids[1];
	sgx_target_info_t ti;
	sgx_report_t report;
	uint8_t buf[64], quote[16];
	size_t sz;
	uint32_t n;

	(void)state;
	memset(&report, 0, sizeof(report));
	assert_int_equal(qx.select(NULL, 264, &key),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(qx.select(buf, sizeof(buf), NULL),
	                 SGX_ERROR_INVALID_PARAMETER);

	sz = 32;
	assert_int_equal(qx.init(NULL, &ti, &sz, buf),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(qx.init(&key, NULL, &sz, buf),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(qx.init(&key, NULL, &sz, NULL),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(qx.init(&key, &ti, NULL, buf),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(qx.init(&key, &ti, NULL, NULL),
	                 SGX_ERROR_INVALID_PARAMETER);
	sz = 0;
	assert_int_equal(qx.init(&key, &ti, &sz, buf),
	                 SGX_ERROR_INVALID_PARAMETER);
	sz = UINT32_MAX;
	assert_int_equal(qx.init(&key, &ti, &sz, buf),
	                 SGX_ERROR_INVALID_PARAMETER);
	sz = (size_t)UINT32_MAX + 5;
	assert_int_equal(qx.init(&key, &ti, &sz, buf),
	                 SGX_ERROR_INVALID_PARAMETER);

	assert_int_equal(qx.size(&key, NULL), SGX_ERROR_INVALID_PARAMETER);

	assert_int_equal(qx.quote(NULL, &key, NULL, quote, sizeof(quote)),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(qx.quote(&report, NULL, NULL, quote, sizeof(quote)),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(qx.quote(&report, &key, NULL, NULL, sizeof(quote)),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(qx.quote(&report, &key, NULL, quote, 0),
	                 SGX_ERROR_INVALID_PARAMETER);

	assert_int_equal(qx.num(NULL), SGX_ERROR_INVALID_PARAMETER);

	assert_int_equal(qx.ids(NULL, 1), SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(qx.ids(ids, 0), SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(qx.ids(ids, UINT32_MAX / 256 + 1),
	                 SGX_ERROR_INVALID_PARAMETER);

	assert_int_equal(stub_n_conns(&stub), 0);
	(void)n;
}

/* A NULL key is not an argument error for the size call: it is sent
 * without a key and the service's parameter error comes back. */
static void
test_quote_size_null_key_is_sent(void **state)
{
	Aesm__Message__Request *req;
	uint32_t n = 77;

	(void)state;
	assert_int_equal(qx.size(NULL, &n), SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(n, 0);
	assert_int_equal(stub_n_requests(&stub), 1);
	req = stub_last_request(&stub);
	assert_non_null(req->getquotesizeexreq);
	assert_false(req->getquotesizeexreq->has_att_key_id);
	wire_request_free(req);
}

/* Select with a NULL list of size 0 is fine; a list is required only
 * when a size is given. */
static void
test_select_null_list_size_zero(void **state)
{
	sgx_att_key_id_t key;

	(void)state;
	assert_int_equal(qx.select(NULL, 0, &key), SGX_SUCCESS);
	assert_int_equal(stub_n_conns(&stub), 1);
}

static void
set_bytes_reply(enum op op, size_t len)
{
	static uint8_t bytes[2048];
	Aesm__Message__Response__SelectAttKeyIDResponse sel =
	        AESM__MESSAGE__RESPONSE__SELECT_ATT_KEY_IDRESPONSE__INIT;
	Aesm__Message__Response__InitQuoteExResponse init =
	        AESM__MESSAGE__RESPONSE__INIT_QUOTE_EX_RESPONSE__INIT;
	Aesm__Message__Response__GetQuoteExResponse quote =
	        AESM__MESSAGE__RESPONSE__GET_QUOTE_EX_RESPONSE__INIT;
	Aesm__Message__Response__GetSupportedAttKeyIDsResponse ids =
	        AESM__MESSAGE__RESPONSE__GET_SUPPORTED_ATT_KEY_IDS_RESPONSE__INIT;
	Aesm__Message__Response res = AESM__MESSAGE__RESPONSE__INIT;
	ProtobufCBinaryData field = {.len = len, .data = bytes};

	sel.errorcode = init.errorcode = quote.errorcode = ids.errorcode = 0;
	sel.has_selected_att_key_id = init.has_target_info = true;
	quote.has_quote = ids.has_att_key_ids = true;
	sel.selected_att_key_id = init.target_info = field;
	quote.quote = ids.att_key_ids = field;
	res.selectattkeyidres = op == OP_SELECT ? &sel : NULL;
	res.initquoteexres = op == OP_INIT ? &init : NULL;
	res.getquoteexres = op == OP_QUOTE ? &quote : NULL;
	res.getsupportedattkeyidsres = op == OP_IDS ? &ids : NULL;
	stub_set_response(&stub, &res);
}

/* A field longer than the caller's buffer is UNEXPECTED, not copied. */
static void
test_reply_fields_too_long(void **state)
{
	(void)state;
	set_bytes_reply(OP_SELECT, 257);
	assert_int_equal(call_op(OP_SELECT), SGX_ERROR_UNEXPECTED);
	set_bytes_reply(OP_SELECT, 256);
	assert_int_equal(call_op(OP_SELECT), SGX_SUCCESS);
	set_bytes_reply(OP_INIT, 513);
	assert_int_equal(call_op(OP_INIT), SGX_ERROR_UNEXPECTED);
	set_bytes_reply(OP_QUOTE, STUB_QUOTE_SIZE + 1);
	assert_int_equal(call_op(OP_QUOTE), SGX_ERROR_UNEXPECTED);
	set_bytes_reply(OP_IDS, 257);
	assert_int_equal(call_op(OP_IDS), SGX_ERROR_UNEXPECTED);
	set_bytes_reply(OP_IDS, 256);
	assert_int_equal(call_op(OP_IDS), SGX_SUCCESS);
}

static void
set_pub_key_reply(uint64_t size, size_t len)
{
	static uint8_t pub[64];
	Aesm__Message__Response__InitQuoteExResponse init =
	        AESM__MESSAGE__RESPONSE__INIT_QUOTE_EX_RESPONSE__INIT;
	Aesm__Message__Response res = AESM__MESSAGE__RESPONSE__INIT;

	memset(pub, 0x77, sizeof(pub));
	init.errorcode = 0;
	init.has_pub_key_id_size = true;
	init.pub_key_id_size = size;
	init.has_pub_key_id = true;
	init.pub_key_id.data = pub;
	init.pub_key_id.len = len;
	res.initquoteexres = &init;
	stub_set_response(&stub, &res);
}

/* pub_key_id is copied only when its length is the stated size, and
 * only if the caller's buffer holds it (section 3.4). */
static void
test_pub_key_id_copy_rules(void **state)
{
	sgx_att_key_id_t key = default_key();
	sgx_target_info_t ti;
	uint8_t pub[64];
	size_t sz;

	(void)state;
	set_pub_key_reply(32, 31);
	memset(pub, 0, sizeof(pub));
	sz = 32;
	assert_int_equal(qx.init(&key, &ti, &sz, pub), SGX_SUCCESS);
	assert_int_equal(sz, 32);
	assert_int_equal(pub[0], 0);

	set_pub_key_reply(48, 48);
	sz = 32;
	assert_int_equal(qx.init(&key, &ti, &sz, pub), SGX_ERROR_UNEXPECTED);

	set_pub_key_reply(32, 32);
	sz = 64;
	assert_int_equal(qx.init(&key, &ti, &sz, pub), SGX_SUCCESS);
	assert_int_equal(sz, 32);
	assert_int_equal(pub[31], 0x77);
	assert_int_equal(pub[32], 0);
}

/* qe_report_info goes out whole and comes back whole. */
static void
test_qe_report_info_round_trip(void **state)
{
	static uint8_t echoed[SGX_QE_REPORT_INFO_SIZE];
	Aesm__Message__Response__GetQuoteExResponse r =
	        AESM__MESSAGE__RESPONSE__GET_QUOTE_EX_RESPONSE__INIT;
	Aesm__Message__Response res = AESM__MESSAGE__RESPONSE__INIT;
	sgx_att_key_id_t key = default_key();
	Aesm__Message__Request *req;
	sgx_qe_report_info_t info;
	sgx_report_t report;
	uint8_t quote[64];

	(void)state;
	memset(echoed, 0x99, sizeof(echoed));
	r.errorcode = 0;
	r.has_qe_report_info = true;
	r.qe_report_info.data = echoed;
	r.qe_report_info.len = sizeof(echoed);
	res.getquoteexres = &r;
	stub_set_response(&stub, &res);
	memset(&info, 0x12, sizeof(info));
	memset(&report, 0, sizeof(report));
	assert_int_equal(qx.quote(&report, &key, &info, quote, sizeof(quote)),
	                 SGX_SUCCESS);
	assert_memory_equal(&info, echoed, sizeof(info));
	req = stub_last_request(&stub);
	assert_true(req->getquoteexreq->has_qe_report_info);
	assert_int_equal(req->getquoteexreq->qe_report_info.len, 960);
	assert_int_equal(req->getquoteexreq->qe_report_info.data[959], 0x12);
	wire_request_free(req);

	r.qe_report_info.len = sizeof(echoed) - 1;
	stub_set_response(&stub, &res);
	assert_int_equal(qx.quote(&report, &key, &info, quote, sizeof(quote)),
	                 SGX_SUCCESS);
}

/* Runs fn with stderr going to a temporary file; returns what it wrote. */
static char *
capture_stderr(sgx_status_t (*fn)(enum op), enum op op, sgx_status_t *s)
{
	char path[] = "/tmp/sqh-client-stderr-XXXXXX";
	static char out[4096];
	int fd = mkstemp(path), saved;
	ssize_t n;

	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	*s = fn(op);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return out;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static void
test_debug_explains_failures(void **state)
{
	char path[192], want[256];
	sgx_status_t s;
	char *out;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.socket", stub.dir);
	setenv("SGX_AESM_ADDR", path, 1);

	out = capture_stderr(call_op, OP_NUM, &s);
	assert_int_equal(s, SGX_ERROR_SERVICE_UNAVAILABLE);
	assert_string_equal(out, "");
	setenv("SGX_QUOTE_EX_DEBUG", "0", 1);
	out = capture_stderr(call_op, OP_NUM, &s);
	assert_string_equal(out, "");

	setenv("SGX_QUOTE_EX_DEBUG", "1", 1);
	out = capture_stderr(call_op, OP_NUM, &s);
	assert_int_equal(s, SGX_ERROR_SERVICE_UNAVAILABLE);
	assert_int_equal(count_lines(out), 1);
	snprintf(want, sizeof(want), "socket=%s ", path);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "sgx_get_supported_att_key_id_num"));
	assert_non_null(strstr(out, "No such file or directory"));
	assert_non_null(strstr(out, "no AESM service on this node"));
	assert_non_null(strstr(out, "not mounted into this container"));

	/* An error answer is explained too, with its code. */
	setenv("SGX_AESM_ADDR", stub.path, 1);
	set_error_reply(OP_INIT, 38);
	out = capture_stderr(call_op, OP_INIT, &s);
	assert_int_equal(s, SGX_ERROR_UNSUPPORTED_ATT_KEY_ID);
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, "errorCode=38"));

	/* Success prints nothing. */
	stub_set_mode(&stub, STUB_AUTO);
	out = capture_stderr(call_op, OP_NUM, &s);
	assert_int_equal(s, SGX_SUCCESS);
	assert_string_equal(out, "");
}

/* SGX_AESM_ADDR: an absolute path is the socket; "1", a relative path, an
 * empty value or no variable at all mean the default. */
static void
test_aesm_addr_selection(void **state)
{
	static const char *const defaults[] = {"1", "aesm.socket", "", NULL};
	sgx_status_t s;
	char *out;

	(void)state;
	if (access(CLIENT_DEFAULT_PATH, F_OK) == 0)
		skip();
	setenv("SGX_QUOTE_EX_DEBUG", "1", 1);
	for (size_t i = 0; i < N_ROWS(defaults); i++) {
		if (defaults[i] != NULL)
			setenv("SGX_AESM_ADDR", defaults[i], 1);
		else
			unsetenv("SGX_AESM_ADDR");
		out = capture_stderr(call_op, OP_NUM, &s);
		assert_int_equal(s, SGX_ERROR_SERVICE_UNAVAILABLE);
		assert_non_null(strstr(out, "socket=" CLIENT_DEFAULT_PATH " "));
	}
	assert_int_equal(stub_n_conns(&stub), 0);

	setenv("SGX_AESM_ADDR", stub.path, 1);
	assert_int_equal(call_op(OP_NUM), SGX_SUCCESS);
	assert_int_equal(stub_n_conns(&stub), 1);
}

#define N_THREADS 8
#define N_ROUNDS  10

static void *
thread_calls(void *arg)
{
	uintptr_t failures = 0;

	(void)arg;
	for (int i = 0; i < N_ROUNDS; i++) {
		failures += call_op(OP_NUM) != SGX_SUCCESS;
		failures += call_op(OP_INIT) != SGX_SUCCESS;
		failures += call_op(OP_QUOTE) != SGX_SUCCESS;
	}
	return (void *)failures;
}

static void
test_concurrent_callers(void **state)
{
	pthread_t t[N_THREADS];
	void *failures;

	(void)state;
	for (int i = 0; i < N_THREADS; i++)
		assert_int_equal(
		        pthread_create(&t[i], NULL, thread_calls, NULL), 0);
	for (int i = 0; i < N_THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &failures), 0);
		assert_null(failures);
	}
	assert_int_equal(stub_n_requests(&stub), N_THREADS * N_ROUNDS * 3);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_open_enclave_sequence),
	        T(test_get_quote_request_fields),
	        T(test_dcap_sequence),
	        T(test_select_returns_key),
	        T(test_wire_bytes_supported_num),
	        T(test_wire_bytes_quote_size),
	        T(test_wire_bytes_init_size_query),
	        T(test_error_mapping_every_code),
	        T(test_error_mapping_named_rows),
	        T(test_wrong_response_field),
	        T(test_quote_padded_to_large_buffer),
	        T(test_malformed_replies),
	        T(test_peer_closes_early),
	        T(test_silent_service_times_out),
	        T(test_no_service_enoent),
	        T(test_no_service_refused),
	        T(test_argument_checks),
	        T(test_quote_size_null_key_is_sent),
	        T(test_select_null_list_size_zero),
	        T(test_reply_fields_too_long),
	        T(test_pub_key_id_copy_rules),
	        T(test_qe_report_info_round_trip),
	        T(test_debug_explains_failures),
	        T(test_aesm_addr_selection),
	        T(test_concurrent_callers),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
