/*
 * quote3_error_t to AESM codes, against the server-side table of the
 * reference ("AESM protocol" section 4.4), written out here by value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "backends/dcap.h"
#include "reference_codes.h"

/* Values that are no quote3_error_t at all. */
static const uint32_t unlisted[] = {0xE01B, 0xE000, 0x0001, 0xFFFFFFFF};

static void
test_listed_codes(void **state)
{
	(void)state;
	for (size_t i = 0; i < REFERENCE_CODES_COUNT; i++)
		assert_int_equal(dcap_error_to_aesm(reference_codes[i].q3),
		                 reference_codes[i].aesm);
}

static void
test_unlisted_codes_are_unexpected(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(unlisted) / sizeof(*unlisted); i++)
		assert_int_equal(dcap_error_to_aesm(unlisted[i]), 1);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(dcap_error_name(0xE012), "SGX_QL_OUT_OF_EPC");
	assert_string_equal(dcap_error_name(0xE035),
	                    "SGX_QL_ERROR_INVALID_PRIVILEGE");
	assert_string_equal(dcap_error_name(0xE043), "SGX_QL_ERROR_BUSY");
	assert_string_equal(dcap_error_name(0xE0FF), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_listed_codes),
	        cmocka_unit_test(test_unlisted_codes_are_unexpected),
	        cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
