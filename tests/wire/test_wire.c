/*
 * The wire layer: framing, request kind detection on bodies that do not
 * decode, and encodings compared with the worked examples of the reference
 * ("AESM protocol" section 1.3.5).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

static void
test_frame_len_cap(void **state)
{
	static const uint8_t zero[4] = {0, 0, 0, 0};
	static const uint8_t six[4] = {6, 0, 0, 0};
	static const uint8_t cap[4] = {0x00, 0x00, 0x01, 0x00};  /* 65536 */
	static const uint8_t over[4] = {0x01, 0x00, 0x01, 0x00}; /* +1 */
	static const uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
	uint32_t n = 12345;

	(void)state;
	assert_int_equal(wire_frame_len(six, WIRE_MAX_REQUEST, &n), ERR_OK);
	assert_int_equal(n, 6);
	assert_int_equal(wire_frame_len(cap, WIRE_MAX_REQUEST, &n), ERR_OK);
	assert_int_equal(n, 65536);
	n = 7;
	assert_int_equal(wire_frame_len(over, WIRE_MAX_REQUEST, &n), ERR_RANGE);
	assert_int_equal(wire_frame_len(huge, WIRE_MAX_REQUEST, &n), ERR_RANGE);
	assert_int_equal(wire_frame_len(zero, WIRE_MAX_REQUEST, &n),
	                 ERR_INVALID);
	assert_int_equal(n, 7); /* untouched on failure */
}

static void
test_frame_put_len_little_endian(void **state)
{
	static const uint8_t want[4] = {0x0a, 0x01, 0x00, 0x00}; /* 266 */
	uint8_t p[4];

	(void)state;
	wire_frame_put_len(p, 266);
	assert_memory_equal(p, want, 4);
}

static void
test_scan_kind_truncated_and_garbage(void **state)
{
	/* field 15 says 16 bytes follow, 1 does */
	static const uint8_t truncated[] = {0x7a, 0x10, 0x08};
	/* a varint that never ends */
	static const uint8_t endless[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                  0xff, 0xff, 0xff, 0xff, 0xff};
	/* wire types 3 and 7 do not exist in proto2 as we read it */
	static const uint8_t bad_type[] = {0x7f, 0x00};
	/* 32-bit field cut short */
	static const uint8_t short_fixed[] = {0x0d, 0x01, 0x02};
	enum err st = ERR_OK;

	(void)state;
	assert_int_equal(
	        wire_request_scan_kind(truncated, sizeof(truncated), &st),
	        WIRE_KIND_NONE);
	assert_int_equal(st, ERR_INVALID);
	st = ERR_OK;
	assert_int_equal(wire_request_scan_kind(endless, sizeof(endless), &st),
	                 WIRE_KIND_NONE);
	assert_int_equal(st, ERR_INVALID);
	st = ERR_OK;
	assert_int_equal(
	        wire_request_scan_kind(bad_type, sizeof(bad_type), &st),
	        WIRE_KIND_NONE);
	assert_int_equal(st, ERR_INVALID);
	st = ERR_OK;
	assert_int_equal(
	        wire_request_scan_kind(short_fixed, sizeof(short_fixed), &st),
	        WIRE_KIND_NONE);
	assert_int_equal(st, ERR_INVALID);
}

/* Well-formed bodies: the first known field in Intel's order (3, 1, 2, 4,
 * 18, 10, ...) wins; unknown and non-message fields do not count. */
static void
test_scan_kind_order(void **state)
{
	/* field 17 {}, field 3 {}, field 1 {} */
	static const uint8_t three[] = {0x8a, 0x01, 0x00, 0x1a,
	                                0x00, 0x0a, 0x00};
	/* field 22 {}, field 18 {} */
	static const uint8_t eighteen[] = {0xb2, 0x01, 0x00, 0x92, 0x01, 0x00};
	/* field 5 {} (unused), field 15 as a varint */
	static const uint8_t none[] = {0x2a, 0x00, 0x78, 0x01};
	enum err st = ERR_INVALID;

	(void)state;
	assert_int_equal(wire_request_scan_kind(three, sizeof(three), &st),
	                 WIRE_KIND_GET_LAUNCH_TOKEN);
	assert_int_equal(st, ERR_OK);
	assert_int_equal(
	        wire_request_scan_kind(eighteen, sizeof(eighteen), &st),
	        WIRE_KIND_CHECK_UPDATE_STATUS);
	assert_int_equal(wire_request_scan_kind(none, sizeof(none), &st),
	                 WIRE_KIND_NONE);
	assert_int_equal(st, ERR_OK);
	assert_int_equal(wire_request_scan_kind(none, 0, &st), WIRE_KIND_NONE);
	assert_int_equal(st, ERR_OK);
}

/* The Intel client's GetSupportedAttKeyIDNum request decodes as kind 21. */
static void
test_decode_worked_request(void **state)
{
	static const uint8_t body[] = {0xaa, 0x01, 0x03, 0x48, 0x98, 0x75};
	Aesm__Message__Request *req;

	(void)state;
	req = wire_request_decode(body, sizeof(body));
	assert_non_null(req);
	assert_int_equal(wire_request_kind(req),
	                 WIRE_KIND_GET_SUPPORTED_ATT_KEY_ID_NUM);
	assert_true(req->getsupportedattkeyidnumreq->has_timeout);
	assert_int_equal(req->getsupportedattkeyidnumreq->timeout, 15000);
	wire_request_free(req);
	assert_null(wire_request_decode(body, sizeof(body) - 1));
}

/* errorCode 0 is written even though it is a default, and the frame
 * carries the body length (reference 1.3.5: quote_size 4734). */
static void
test_encode_worked_reply(void **state)
{
	static const uint8_t want[] = {0x08, 0x00, 0x00, 0x00, 0x82, 0x01,
	                               0x05, 0x08, 0x00, 0x10, 0xfe, 0x24};
	Aesm__Message__Response res = AESM__MESSAGE__RESPONSE__INIT;
	Aesm__Message__Response__GetQuoteSizeExResponse sz =
	        AESM__MESSAGE__RESPONSE__GET_QUOTE_SIZE_EX_RESPONSE__INIT;
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	sz.errorcode = 0;
	sz.has_quote_size = 1;
	sz.quote_size = 4734;
	res.getquotesizeexres = &sz;
	assert_int_equal(wire_encode(&res.base, WIRE_MAX_RESPONSE, &out, &len),
	                 ERR_OK);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	free(out);
	assert_int_equal(wire_encode(&res.base, 7, &out, &len), ERR_RANGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_frame_len_cap),
	        cmocka_unit_test(test_frame_put_len_little_endian),
	        cmocka_unit_test(test_scan_kind_truncated_and_garbage),
	        cmocka_unit_test(test_scan_kind_order),
	        cmocka_unit_test(test_decode_worked_request),
	        cmocka_unit_test(test_encode_worked_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
