/*
 * libFuzzer target: CRLs as the collateral carries them (DER, PEM or hex
 * DER), and RFC 3339 times.
 */
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "common/timeutil.h"
#include "verify/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509_CRL *crl;
	time_t t;

	if (pki_crl_load(data, size, &crl) == ERR_OK)
		X509_CRL_free(crl);
	(void)timeutil_parse_rfc3339((const char *)data, size, &t);
	return 0;
}
