/*
 * Dispatch rules against the reference ("AESM protocol" sections 1.3.5, 3
 * and 9): requests are written byte by byte here, replies are checked
 * against the reference's worked encodings where it gives them and
 * decoded otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/keyid.h"
#include "daemon/dispatch.h"
#include "testlib.h"

/* Request envelope and sub-message field numbers (reference 1.3). */
#define F_INIT_QUOTE_EX 15
#define F_QUOTE_SIZE_EX 16
#define F_QUOTE_EX      17
#define F_SELECT        19
#define F_KEY_ID_NUM    21
#define F_KEY_IDS       22
#define F_TIMEOUT       9

struct reply {
	struct dispatch_result r;
	Aesm__Message__Response *res;
};

static void
reply_free(struct reply *rp)
{
	wire_response_free(rp->res);
	free(rp->r.reply);
}

/* Dispatches body and decodes the reply, which must exist and be framed. */
static void
run(const struct pb *body, struct reply *rp)
{
	uint32_t n;

	assert_int_equal(
	        dispatch_request(fake_backend(), body->data, body->len, &rp->r),
	        ERR_OK);
	assert_non_null(rp->r.reply);
	assert_true(rp->r.reply_len > 4);
	n = (uint32_t)rp->r.reply[0] | (uint32_t)rp->r.reply[1] << 8 |
	    (uint32_t)rp->r.reply[2] << 16 | (uint32_t)rp->r.reply[3] << 24;
	assert_int_equal(n, rp->r.reply_len - 4);
	rp->res = wire_response_decode(rp->r.reply + 4, rp->r.reply_len - 4);
	assert_non_null(rp->res);
}

/* The reply body must be exactly these bytes. */
static void
assert_reply_body(const struct reply *rp, const uint8_t *want, size_t len)
{
	assert_int_equal(rp->r.reply_len - 4, len);
	assert_memory_equal(rp->r.reply + 4, want, len);
}

static void
assert_no_reply(const uint8_t *body, size_t len)
{
	struct dispatch_result r;

	assert_int_equal(dispatch_request(fake_backend(), body, len, &r),
	                 ERR_OK);
	assert_null(r.reply);
}

static void
default_key(sgx_att_key_id_ext_t *k)
{
	keyid_default_ecdsa(k);
}

static void
unknown_key(sgx_att_key_id_ext_t *k)
{
	keyid_default_ecdsa(k);
	k->base.mrsigner[0] ^= 1;
}

static int
reset_backend(void **state)
{
	(void)state;
	fake_backend_set_keys(1);
	return 0;
}

/* ---- GetSupportedAttKeyIDNum / IDs (reference 3.3) ---- */

static void
test_key_id_num_worked_encoding(void **state)
{
	static const uint8_t req[] = {0xaa, 0x01, 0x03, 0x48, 0x98, 0x75};
	static const uint8_t want[] = {0xaa, 0x01, 0x04, 0x08,
	                               0x00, 0x10, 0x01};
	struct pb body = {.len = sizeof(req)};
	struct reply rp;

	(void)state;
	memcpy(body.data, req, sizeof(req));
	run(&body, &rp);
	assert_int_equal(rp.r.kind, WIRE_KIND_GET_SUPPORTED_ATT_KEY_ID_NUM);
	assert_reply_body(&rp, want, sizeof(want));
	reply_free(&rp);
}

static void
test_key_id_num_zero_is_30(void **state)
{
	/* field 21, empty sub-message */
	static const uint8_t want[] = {0xaa, 0x01, 0x04, 0x08,
	                               0x1e, 0x10, 0x00};
	struct pb inner = {0}, body = {0};
	struct reply rp;

	(void)state;
	fake_backend_set_keys(0);
	pb_wrap(&body, F_KEY_ID_NUM, &inner);
	run(&body, &rp);
	assert_reply_body(&rp, want, sizeof(want));
	reply_free(&rp);
}

static void
key_ids_request(uint32_t buf_size, struct reply *rp)
{
	struct pb inner = {0}, body = {0};

	pb_uint(&inner, 1, buf_size);
	pb_uint(&inner, F_TIMEOUT, 15000);
	pb_wrap(&body, F_KEY_IDS, &inner);
	run(&body, rp);
	assert_non_null(rp->res->getsupportedattkeyidsres);
}

static void
test_key_ids_exact_size(void **state)
{
	sgx_att_key_id_ext_t want[3];
	struct reply rp;

	(void)state;
	fake_backend_set_keys(3);
	key_ids_request(3 * 256, &rp);
	assert_int_equal(rp.res->getsupportedattkeyidsres->errorcode, 0);
	assert_int_equal(rp.res->getsupportedattkeyidsres->att_key_ids.len,
	                 sizeof(want));
	default_key(&want[0]);
	assert_memory_equal(rp.res->getsupportedattkeyidsres->att_key_ids.data,
	                    &want[0], sizeof(want[0]));
	reply_free(&rp);
}

static void
test_key_ids_wrong_size_is_3(void **state)
{
	static const uint32_t sizes[] = {0, 255, 257, 512, 0xffffff00u};
	struct reply rp;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		key_ids_request(sizes[i], &rp);
		assert_int_equal(rp.res->getsupportedattkeyidsres->errorcode,
		                 3);
		assert_false(rp.res->getsupportedattkeyidsres->has_att_key_ids);
		reply_free(&rp);
	}
}

/* ---- SelectAttKeyID (reference 3.2) ---- */

static void
select_request(const void *list, size_t len, struct reply *rp)
{
	struct pb inner = {0}, body = {0};

	if (list != NULL)
		pb_bytes(&inner, 1, list, len);
	pb_uint(&inner, 2, 15000);
	pb_wrap(&body, F_SELECT, &inner);
	run(&body, rp);
	assert_non_null(rp->res->selectattkeyidres);
}

/* Builds a list: the 8-byte header, then the entries. */
static size_t
key_list(uint8_t *out, uint16_t id, uint32_t num,
         const sgx_att_key_id_ext_t *keys, size_t n_keys)
{
	memset(out, 0, 8);
	out[0] = (uint8_t)id;
	out[4] = (uint8_t)num;
	out[5] = (uint8_t)(num >> 8);
	memcpy(out + 8, keys, n_keys * sizeof(*keys));
	return 8 + n_keys * sizeof(*keys);
}

static void
test_select_without_list_gives_default(void **state)
{
	sgx_att_key_id_ext_t want;
	struct reply rp;

	(void)state;
	default_key(&want);
	select_request(NULL, 0, &rp);
	assert_int_equal(rp.res->selectattkeyidres->errorcode, 0);
	assert_int_equal(rp.res->selectattkeyidres->selected_att_key_id.len,
	                 256);
	assert_memory_equal(rp.res->selectattkeyidres->selected_att_key_id.data,
	                    &want, sizeof(want));
	reply_free(&rp);
}

/* The caller's own entry comes back, with its spid and key type. */
static void
test_select_echoes_callers_entry(void **state)
{
	sgx_att_key_id_ext_t keys[2];
	uint8_t list[8 + sizeof(keys)];
	struct reply rp;
	size_t len;

	(void)state;
	unknown_key(&keys[0]);
	default_key(&keys[1]);
	memset(keys[1].spid, 0xab, sizeof(keys[1].spid));
	keys[1].att_key_type = 7;
	len = key_list(list, 0, 2, keys, 2);
	select_request(list, len, &rp);
	assert_int_equal(rp.res->selectattkeyidres->errorcode, 0);
	assert_memory_equal(rp.res->selectattkeyidres->selected_att_key_id.data,
	                    &keys[1], sizeof(keys[1]));
	reply_free(&rp);
}

/* With several candidates the ECDSA one wins, wherever it is listed. */
static void
test_select_prefers_ecdsa(void **state)
{
	sgx_att_key_id_ext_t keys[2];
	uint8_t list[8 + sizeof(keys)];
	struct reply rp;
	size_t len;

	(void)state;
	fake_backend_set_keys(3);
	default_key(&keys[0]);
	keys[0].base.algorithm_id = SGX_QL_ALG_EPID;
	default_key(&keys[1]);
	len = key_list(list, 0, 2, keys, 2);
	select_request(list, len, &rp);
	assert_int_equal(rp.res->selectattkeyidres->errorcode, 0);
	assert_memory_equal(rp.res->selectattkeyidres->selected_att_key_id.data,
	                    &keys[1], sizeof(keys[1]));
	reply_free(&rp);
}

static void
test_select_bad_lists_are_3(void **state)
{
	sgx_att_key_id_ext_t keys[11];
	uint8_t list[8 + sizeof(keys)];
	struct reply rp;
	size_t len;

	(void)state;
	for (int i = 0; i < 11; i++)
		default_key(&keys[i]);
	/* header id not 0 */
	len = key_list(list, 1, 1, keys, 1);
	select_request(list, len, &rp);
	assert_int_equal(rp.res->selectattkeyidres->errorcode, 3);
	assert_false(rp.res->selectattkeyidres->has_selected_att_key_id);
	reply_free(&rp);
	/* version not 0 */
	len = key_list(list, 0, 1, keys, 1);
	list[2] = 1;
	select_request(list, len, &rp);
	assert_int_equal(rp.res->selectattkeyidres->errorcode, 3);
	reply_free(&rp);
	/* more than 10 entries */
	len = key_list(list, 0, 11, keys, 11);
	select_request(list, len, &rp);
	assert_int_equal(rp.res->selectattkeyidres->errorcode, 3);
	reply_free(&rp);
	/* count does not match the size */
	len = key_list(list, 0, 2, keys, 1);
	select_request(list, len, &rp);
	assert_int_equal(rp.res->selectattkeyidres->errorcode, 3);
	reply_free(&rp);
	/* shorter than one entry */
	len = key_list(list, 0, 1, keys, 1);
	select_request(list, len - 1, &rp);
	assert_int_equal(rp.res->selectattkeyidres->errorcode, 3);
	reply_free(&rp);
	/* empty but present */
	select_request(list, 0, &rp);
	assert_int_equal(rp.res->selectattkeyidres->errorcode, 3);
	reply_free(&rp);
}

static void
test_select_unknown_only_is_38(void **state)
{
	sgx_att_key_id_ext_t key;
	uint8_t list[8 + sizeof(key)];
	struct reply rp;
	size_t len;

	(void)state;
	unknown_key(&key);
	len = key_list(list, 0, 1, &key, 1);
	select_request(list, len, &rp);
	assert_int_equal(rp.res->selectattkeyidres->errorcode, 38);
	assert_false(rp.res->selectattkeyidres->has_selected_att_key_id);
	reply_free(&rp);
}

/* ---- InitQuoteEx (reference 3.4) ---- */

static void
init_request(const void *key, size_t key_len, int b_pub, uint64_t buf_size,
             bool send_size, struct reply *rp)
{
	struct pb inner = {0}, body = {0};

	if (key != NULL)
		pb_bytes(&inner, 1, key, key_len);
	if (b_pub >= 0)
		pb_uint(&inner, 3, (uint64_t)b_pub);
	if (send_size)
		pb_uint(&inner, 4, buf_size);
	pb_uint(&inner, F_TIMEOUT, 15000);
	pb_wrap(&body, F_INIT_QUOTE_EX, &inner);
	run(&body, rp);
	assert_non_null(rp->res->initquoteexres);
}

/* Intel's reply to the size query, byte for byte (reference 1.3.5), also
 * when the client sends an uninitialised buf_size. */
static void
test_init_size_query_worked_encoding(void **state)
{
	static uint8_t want[3 + 2 + 3 + 512 + 2] = {0x7a, 0x87, 0x04, 0x08,
	                                            0x00, 0x12, 0x80, 0x04};
	sgx_att_key_id_ext_t key;
	struct reply rp;

	(void)state;
	want[sizeof(want) - 2] = 0x18;
	want[sizeof(want) - 1] = 0x20;
	default_key(&key);
	init_request(&key, sizeof(key), 0, 0, false, &rp);
	assert_reply_body(&rp, want, sizeof(want));
	reply_free(&rp);
	init_request(&key, sizeof(key), 0, 0xdeadbeefcafeULL, true, &rp);
	assert_reply_body(&rp, want, sizeof(want));
	reply_free(&rp);
}

static void
test_init_full_call(void **state)
{
	Aesm__Message__Response__InitQuoteExResponse *r;
	sgx_att_key_id_ext_t key;
	uint8_t pub[32];
	struct reply rp;

	(void)state;
	default_key(&key);
	init_request(&key, sizeof(key), 1, 32, true, &rp);
	r = rp.res->initquoteexres;
	assert_int_equal(r->errorcode, 0);
	assert_true(r->has_target_info);
	assert_int_equal(r->target_info.len, 512);
	assert_int_equal(r->target_info.data[0], FAKE_MR_ENCLAVE);
	assert_true(r->has_pub_key_id_size);
	assert_int_equal(r->pub_key_id_size, 32);
	memset(pub, FAKE_PUB_KEY_ID, sizeof(pub));
	assert_int_equal(r->pub_key_id.len, 32);
	assert_memory_equal(r->pub_key_id.data, pub, sizeof(pub));
	reply_free(&rp);
}

/* A full call needs buf_size 32; the error echoes the caller's size. */
static void
test_init_full_call_wrong_size_is_3(void **state)
{
	Aesm__Message__Response__InitQuoteExResponse *r;
	sgx_att_key_id_ext_t key;
	struct reply rp;

	(void)state;
	default_key(&key);
	init_request(&key, sizeof(key), 1, 64, true, &rp);
	r = rp.res->initquoteexres;
	assert_int_equal(r->errorcode, 3);
	assert_false(r->has_target_info);
	assert_false(r->has_pub_key_id);
	assert_true(r->has_pub_key_id_size);
	assert_int_equal(r->pub_key_id_size, 64);
	reply_free(&rp);
	init_request(&key, sizeof(key), 1, 0, false, &rp);
	assert_int_equal(rp.res->initquoteexres->errorcode, 3);
	assert_int_equal(rp.res->initquoteexres->pub_key_id_size, 0);
	reply_free(&rp);
}

/* Intel's error reply for an unknown key (reference 1.3.5). */
static void
test_init_unknown_key_worked_encoding(void **state)
{
	static const uint8_t want[] = {0x7a, 0x04, 0x08, 0x26, 0x18, 0x00};
	sgx_att_key_id_ext_t key;
	struct reply rp;

	(void)state;
	unknown_key(&key);
	init_request(&key, sizeof(key), 0, 0, false, &rp);
	assert_reply_body(&rp, want, sizeof(want));
	reply_free(&rp);
}

static void
test_init_short_or_missing_key_is_3(void **state)
{
	sgx_att_key_id_ext_t key;
	struct reply rp;

	(void)state;
	default_key(&key);
	init_request(&key, sizeof(key) - 1, 1, 32, true, &rp);
	assert_int_equal(rp.res->initquoteexres->errorcode, 3);
	reply_free(&rp);
	init_request(NULL, 0, 1, 32, true, &rp);
	assert_int_equal(rp.res->initquoteexres->errorcode, 3);
	reply_free(&rp);
}

/* b_pub_key_id is required: without it the reply is the matching type
 * with error 1 and nothing else. */
static void
test_init_missing_required_is_1(void **state)
{
	static const uint8_t want[] = {0x7a, 0x02, 0x08, 0x01};
	sgx_att_key_id_ext_t key;
	struct reply rp;

	(void)state;
	default_key(&key);
	init_request(&key, sizeof(key), -1, 0, false, &rp);
	assert_reply_body(&rp, want, sizeof(want));
	assert_int_equal(rp.r.code, 1);
	reply_free(&rp);
}

/* ---- GetQuoteSizeEx (reference 3.5) ---- */

static void
size_request(const void *key, size_t key_len, struct reply *rp)
{
	struct pb inner = {0}, body = {0};

	if (key != NULL)
		pb_bytes(&inner, 1, key, key_len);
	pb_uint(&inner, F_TIMEOUT, 15000);
	pb_wrap(&body, F_QUOTE_SIZE_EX, &inner);
	run(&body, rp);
	assert_non_null(rp->res->getquotesizeexres);
}

static void
test_quote_size(void **state)
{
	sgx_att_key_id_ext_t key;
	struct reply rp;

	(void)state;
	default_key(&key);
	size_request(&key, sizeof(key), &rp);
	assert_int_equal(rp.res->getquotesizeexres->errorcode, 0);
	assert_int_equal(rp.res->getquotesizeexres->quote_size,
	                 FAKE_QUOTE_SIZE);
	reply_free(&rp);
}

/* Errors still carry quote_size, as 0 (0x10 0x00 after errorCode). */
static void
test_quote_size_errors_carry_zero(void **state)
{
	static const uint8_t want38[] = {0x82, 0x01, 0x04, 0x08,
	                                 0x26, 0x10, 0x00};
	static const uint8_t want3[] = {0x82, 0x01, 0x04, 0x08,
	                                0x03, 0x10, 0x00};
	sgx_att_key_id_ext_t key;
	struct reply rp;

	(void)state;
	unknown_key(&key);
	size_request(&key, sizeof(key), &rp);
	assert_reply_body(&rp, want38, sizeof(want38));
	reply_free(&rp);
	size_request(NULL, 0, &rp);
	assert_reply_body(&rp, want3, sizeof(want3));
	reply_free(&rp);
}

/* ---- GetQuoteEx (reference 3.6) ---- */

struct quote_req {
	const void *report;
	size_t report_len;
	const void *key;
	size_t key_len;
	const void *qri;
	size_t qri_len;
	uint32_t buf_size;
	bool no_buf_size;
};

static void
quote_request(const struct quote_req *q, struct reply *rp)
{
	struct pb inner = {0}, body = {0};

	if (q->report != NULL)
		pb_bytes(&inner, 1, q->report, q->report_len);
	if (q->key != NULL)
		pb_bytes(&inner, 2, q->key, q->key_len);
	if (q->qri != NULL)
		pb_bytes(&inner, 3, q->qri, q->qri_len);
	if (!q->no_buf_size)
		pb_uint(&inner, 4, q->buf_size);
	pb_uint(&inner, F_TIMEOUT, 15000);
	pb_wrap(&body, F_QUOTE_EX, &inner);
	run(&body, rp);
	assert_non_null(rp->res->getquoteexres);
}

static sgx_report_t test_report;
static sgx_att_key_id_ext_t test_key;

static struct quote_req
quote_defaults(void)
{
	memset(&test_report, 0, sizeof(test_report));
	memset(test_report.body.report_data.d, 0x42,
	       sizeof(test_report.body.report_data.d));
	default_key(&test_key);
	return (struct quote_req){.report = &test_report,
	                          .report_len = sizeof(test_report),
	                          .key = &test_key,
	                          .key_len = sizeof(test_key),
	                          .buf_size = FAKE_QUOTE_SIZE};
}

static void
test_quote_ok(void **state)
{
	struct quote_req q = quote_defaults();
	struct reply rp;

	(void)state;
	quote_request(&q, &rp);
	assert_int_equal(rp.res->getquoteexres->errorcode, 0);
	assert_int_equal(rp.res->getquoteexres->quote.len, FAKE_QUOTE_SIZE);
	assert_memory_equal(rp.res->getquoteexres->quote.data,
	                    &test_report.body, sizeof(test_report.body));
	assert_false(rp.res->getquoteexres->has_qe_report_info);
	reply_free(&rp);
}

/* A huge buf_size is not allocated nor padded: the quote keeps its size. */
static void
test_quote_huge_buf_size_not_padded(void **state)
{
	struct quote_req q = quote_defaults();
	struct reply rp;

	(void)state;
	q.buf_size = 0xffffffffu;
	quote_request(&q, &rp);
	assert_int_equal(rp.res->getquoteexres->errorcode, 0);
	assert_int_equal(rp.res->getquoteexres->quote.len, FAKE_QUOTE_SIZE);
	reply_free(&rp);
}

static void
test_quote_small_buf_size_is_3(void **state)
{
	struct quote_req q = quote_defaults();
	unsigned before = fake_backend_quotes();
	struct reply rp;

	(void)state;
	q.buf_size = FAKE_QUOTE_SIZE - 1;
	quote_request(&q, &rp);
	assert_int_equal(rp.res->getquoteexres->errorcode, 3);
	assert_false(rp.res->getquoteexres->has_quote);
	assert_int_equal(fake_backend_quotes(), before);
	reply_free(&rp);
}

static void
test_quote_bad_sizes_are_3(void **state)
{
	struct quote_req q = quote_defaults();
	uint8_t qri[961] = {0};
	struct reply rp;

	(void)state;
	q.report_len = 431;
	quote_request(&q, &rp);
	assert_int_equal(rp.res->getquoteexres->errorcode, 3);
	reply_free(&rp);

	q = quote_defaults();
	q.key_len = 255;
	quote_request(&q, &rp);
	assert_int_equal(rp.res->getquoteexres->errorcode, 3);
	reply_free(&rp);

	q = quote_defaults();
	q.key = NULL;
	quote_request(&q, &rp);
	assert_int_equal(rp.res->getquoteexres->errorcode, 3);
	reply_free(&rp);

	/* A wrong-sized info is refused and sent back as it came. */
	q = quote_defaults();
	q.qri = qri;
	q.qri_len = 959;
	quote_request(&q, &rp);
	assert_int_equal(rp.res->getquoteexres->errorcode, 3);
	assert_true(rp.res->getquoteexres->has_qe_report_info);
	assert_int_equal(rp.res->getquoteexres->qe_report_info.len, 959);
	reply_free(&rp);
}

static void
test_quote_qe_report_info_echoed(void **state)
{
	struct quote_req q = quote_defaults();
	sgx_qe_report_info_t qri;
	struct reply rp;

	(void)state;
	memset(&qri, 0, sizeof(qri));
	memset(qri.nonce, 0x33, sizeof(qri.nonce));
	q.qri = &qri;
	q.qri_len = sizeof(qri);
	quote_request(&q, &rp);
	assert_int_equal(rp.res->getquoteexres->errorcode, 0);
	assert_true(rp.res->getquoteexres->has_qe_report_info);
	assert_int_equal(rp.res->getquoteexres->qe_report_info.len, 960);
	/* nonce kept, QE report filled in by the backend */
	assert_int_equal(rp.res->getquoteexres->qe_report_info.data[0], 0x33);
	assert_int_equal(rp.res->getquoteexres->qe_report_info.data[528 + 320],
	                 0x77);
	reply_free(&rp);
}

static void
test_quote_tampered_is_47(void **state)
{
	struct quote_req q = quote_defaults();
	struct reply rp;

	(void)state;
	test_report.mac[0] = FAKE_BAD_MAC;
	quote_request(&q, &rp);
	assert_int_equal(rp.res->getquoteexres->errorcode, 47);
	assert_false(rp.res->getquoteexres->has_quote);
	reply_free(&rp);
}

static void
test_quote_unknown_key_is_38(void **state)
{
	struct quote_req q = quote_defaults();
	struct reply rp;

	(void)state;
	unknown_key(&test_key);
	quote_request(&q, &rp);
	assert_int_equal(rp.res->getquoteexres->errorcode, 38);
	reply_free(&rp);
}

/* report and buf_size are required: matching type, error 1. */
static void
test_quote_missing_required_is_1(void **state)
{
	static const uint8_t want[] = {0x8a, 0x01, 0x02, 0x08, 0x01};
	struct quote_req q = quote_defaults();
	struct reply rp;

	(void)state;
	q.no_buf_size = true;
	quote_request(&q, &rp);
	assert_reply_body(&rp, want, sizeof(want));
	reply_free(&rp);
	q = quote_defaults();
	q.report = NULL;
	quote_request(&q, &rp);
	assert_reply_body(&rp, want, sizeof(want));
	reply_free(&rp);
}

/* ---- everything else (reference 1.2, 9) ---- */

/* Each recognized request Intel supports but we do not, with its
 * required fields, gets its own response type with error 30 only. */
static void
test_unsupported_get_matching_30(void **state)
{
	static const unsigned fields[] = {1, 2, 3, 4, 10, 11, 12, 13, 14, 18};
	uint8_t blob[16] = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct pb inner = {0}, body = {0};
		uint8_t want[5];
		size_t n = 0;
		struct reply rp;
		unsigned f = fields[i];

		if (f == 2) { /* report, quote_type, spid, buf_size */
			pb_bytes(&inner, 1, blob, sizeof(blob));
			pb_uint(&inner, 2, 0);
			pb_bytes(&inner, 3, blob, sizeof(blob));
			pb_uint(&inner, 6, 0);
		} else if (f == 3) { /* mr_enclave, mr_signer, attributes */
			pb_bytes(&inner, 1, blob, sizeof(blob));
			pb_bytes(&inner, 2, blob, sizeof(blob));
			pb_bytes(&inner, 3, blob, sizeof(blob));
		} else if (f == 4 || f == 14) {
			pb_bytes(&inner, 1, blob, sizeof(blob));
			pb_uint(&inner, 2, 0);
			pb_uint(&inner, 3, 0);
		} else if (f == 18) {
			pb_uint(&inner, 2, 0);
			pb_uint(&inner, 3, 0);
		}
		pb_wrap(&body, f, &inner);
		run(&body, &rp);
		if (f < 16) {
			want[n++] = (uint8_t)(f << 3 | 2);
		} else {
			want[n++] = (uint8_t)((f << 3 | 2) | 0x80);
			want[n++] = 0x01;
		}
		want[n++] = 0x02;
		want[n++] = 0x08;
		want[n++] = 0x1e;
		assert_int_equal(rp.r.kind, f);
		assert_reply_body(&rp, want, n);
		reply_free(&rp);
	}
}

/* Intel checks the launch token field first: it wins over quote_ex. */
static void
test_first_field_in_intel_order_wins(void **state)
{
	static const uint8_t want[] = {0x1a, 0x02, 0x08, 0x01};
	struct pb inner = {0}, body = {0};
	struct reply rp;

	(void)state;
	pb_wrap(&body, F_KEY_ID_NUM, &inner);
	pb_wrap(&body, 3, &inner); /* empty launch token request */
	run(&body, &rp);
	/* its required fields are missing: error 1, launch token type */
	assert_reply_body(&rp, want, sizeof(want));
	reply_free(&rp);
}

static void
test_no_known_field_closes(void **state)
{
	static const uint8_t unknown_field[] = {0x2a, 0x00}; /* field 5 */
	static const uint8_t varint_15[] = {0x78, 0x01};     /* wrong type */
	static const uint8_t truncated[] = {0x7a, 0x10, 0x08};
	static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                  0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t group[] = {0x0b, 0x0c}; /* start/end group */

	(void)state;
	assert_no_reply(unknown_field, sizeof(unknown_field));
	assert_no_reply(varint_15, sizeof(varint_15));
	assert_no_reply(truncated, sizeof(truncated));
	assert_no_reply(garbage, sizeof(garbage));
	assert_no_reply(group, sizeof(group));
	assert_no_reply(garbage, 0);
}

/* A request message whose own bytes are not protobuf makes the whole
 * request malformed for Intel's parser: closed without a reply. Bytes
 * that are protobuf but not the message's fields are unknown fields to
 * it, and a required field is then missing: error 1. */
static void
test_malformed_request_message_closes(void **state)
{
	/* field 17 { a key that never ends } */
	static const uint8_t endless_key[] = {0x8a, 0x01, 0x01, 0xff};
	/* field 17 { field 1, bytes: says 5, has 1 } */
	static const uint8_t short_bytes[] = {0x8a, 0x01, 0x03,
	                                      0x0a, 0x05, 0x01};
	/* field 17 { field number 0 } */
	static const uint8_t field_zero[] = {0x8a, 0x01, 0x02, 0x00, 0x00};
	/* field 15 { wire type 7 } */
	static const uint8_t bad_type[] = {0x7a, 0x02, 0x0f, 0x00};
	/* field 17 { field 1 as a varint }: protobuf, not GetQuoteEx's */
	static const uint8_t wrong_type[] = {0x8a, 0x01, 0x02, 0x08, 0x01};
	static const uint8_t want[] = {0x8a, 0x01, 0x02, 0x08, 0x01};
	/* field 5 (no request) { garbage }: never looked into */
	static const uint8_t unknown_garbage[] = {0x2a, 0x01, 0xff, 0x7a, 0x00};
	static const uint8_t want_init[] = {0x7a, 0x02, 0x08, 0x01};
	struct pb body = {0};
	struct reply rp;

	(void)state;
	assert_no_reply(endless_key, sizeof(endless_key));
	assert_no_reply(short_bytes, sizeof(short_bytes));
	assert_no_reply(field_zero, sizeof(field_zero));
	assert_no_reply(bad_type, sizeof(bad_type));

	memcpy(body.data, wrong_type, sizeof(wrong_type));
	body.len = sizeof(wrong_type);
	run(&body, &rp);
	assert_reply_body(&rp, want, sizeof(want));
	reply_free(&rp);

	memcpy(body.data, unknown_garbage, sizeof(unknown_garbage));
	body.len = sizeof(unknown_garbage);
	run(&body, &rp);
	assert_reply_body(&rp, want_init, sizeof(want_init));
	reply_free(&rp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_malformed_request_message_closes,
	                               reset_backend),
	        cmocka_unit_test_setup(test_key_id_num_worked_encoding,
	                               reset_backend),
	        cmocka_unit_test_setup(test_key_id_num_zero_is_30,
	                               reset_backend),
	        cmocka_unit_test_setup(test_key_ids_exact_size, reset_backend),
	        cmocka_unit_test_setup(test_key_ids_wrong_size_is_3,
	                               reset_backend),
	        cmocka_unit_test_setup(test_select_without_list_gives_default,
	                               reset_backend),
	        cmocka_unit_test_setup(test_select_echoes_callers_entry,
	                               reset_backend),
	        cmocka_unit_test_setup(test_select_prefers_ecdsa,
	                               reset_backend),
	        cmocka_unit_test_setup(test_select_bad_lists_are_3,
	                               reset_backend),
	        cmocka_unit_test_setup(test_select_unknown_only_is_38,
	                               reset_backend),
	        cmocka_unit_test_setup(test_init_size_query_worked_encoding,
	                               reset_backend),
	        cmocka_unit_test_setup(test_init_full_call, reset_backend),
	        cmocka_unit_test_setup(test_init_full_call_wrong_size_is_3,
	                               reset_backend),
	        cmocka_unit_test_setup(test_init_unknown_key_worked_encoding,
	                               reset_backend),
	        cmocka_unit_test_setup(test_init_short_or_missing_key_is_3,
	                               reset_backend),
	        cmocka_unit_test_setup(test_init_missing_required_is_1,
	                               reset_backend),
	        cmocka_unit_test_setup(test_quote_size, reset_backend),
	        cmocka_unit_test_setup(test_quote_size_errors_carry_zero,
	                               reset_backend),
	        cmocka_unit_test_setup(test_quote_ok, reset_backend),
	        cmocka_unit_test_setup(test_quote_huge_buf_size_not_padded,
	                               reset_backend),
	        cmocka_unit_test_setup(test_quote_small_buf_size_is_3,
	                               reset_backend),
	        cmocka_unit_test_setup(test_quote_bad_sizes_are_3,
	                               reset_backend),
	        cmocka_unit_test_setup(test_quote_qe_report_info_echoed,
	                               reset_backend),
	        cmocka_unit_test_setup(test_quote_tampered_is_47,
	                               reset_backend),
	        cmocka_unit_test_setup(test_quote_unknown_key_is_38,
	                               reset_backend),
	        cmocka_unit_test_setup(test_quote_missing_required_is_1,
	                               reset_backend),
	        cmocka_unit_test_setup(test_unsupported_get_matching_30,
	                               reset_backend),
	        cmocka_unit_test_setup(test_first_field_in_intel_order_wins,
	                               reset_backend),
	        cmocka_unit_test_setup(test_no_known_field_closes,
	                               reset_backend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
