/*
 * A stand-in quote provider library (libdcap_quoteprov.so.1): only its
 * presence matters to the start-up checks, so it provides no data.
 */
#include <stdint.h>

uint32_t sgx_ql_get_quote_config(const void *cert_id, void **config);

uint32_t
sgx_ql_get_quote_config(const void *cert_id, void **config)
{
	(void)cert_id;
	*config = 0;
	return 0xE011; /* SGX_QL_NO_PLATFORM_CERT_DATA */
}
