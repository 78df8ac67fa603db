/*
 * libFuzzer target for pck_ext_parse(). An extension that parses must
 * survive build -> parse with the same decoded values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "quote/pck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pck_ext first, again;
	uint8_t *der;
	size_t len;

	if (pck_ext_parse(data, size, &first) != ERR_OK)
		return 0;
	if (first.has_platform_instance_id != first.has_configuration)
		abort();
	if (pck_ext_build(&first, &der, &len) != ERR_OK)
		return 0; /* out of memory */
	if (pck_ext_parse(der, len, &again) != ERR_OK ||
	    memcmp(&first, &again, sizeof(first)) != 0)
		abort();
	OPENSSL_free(der);
	return 0;
}
