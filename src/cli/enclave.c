/*
 * The simulated enclave's first steps with the service, shared by
 * sgx-quote quote and bench: pick an attestation key and get the QE's
 * target info through the project's libsgx_quote_ex, in the order Open
 * Enclave calls it (reference "AESM protocol" section 5.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "sgx_uae_quote_ex.h"

bool
cli_quote_ex_check(const char *who, const char *call, sgx_status_t s)
{
	if (s == SGX_SUCCESS)
		return true;
	fprintf(stderr, "%s: %s: %s (0x%04x)%s\n", who, call,
	        client_status_name(s), (unsigned)s,
	        getenv("SGX_QUOTE_EX_DEBUG") == NULL
	                ? "; SGX_QUOTE_EX_DEBUG=1 explains more"
	                : "");
	return false;
}

/* The first ECDSA P-256 key among ids, copied to key. */
static bool
enclave_find_ecdsa(const sgx_att_key_id_ext_t *ids, uint32_t n,
                   sgx_att_key_id_t *key)
{
	for (uint32_t i = 0; i < n; i++) {
		if (ids[i].base.algorithm_id == SGX_QL_ALG_ECDSA_P256) {
			memcpy(key, &ids[i], sizeof(*key));
			return true;
		}
	}
	return false;
}

bool
cli_enclave_pick_key(const char *who, sgx_att_key_id_t *key)
{
	sgx_att_key_id_ext_t *ids;
	uint32_t n = 0;
	bool found = false;

	if (!cli_quote_ex_check(who, "sgx_get_supported_att_key_id_num",
	                        sgx_get_supported_att_key_id_num(&n)))
		return false;
	if (n == 0 || n > SGX_QL_MAX_ATT_KEY_IDS ||
	    (ids = calloc(n, sizeof(*ids))) == NULL) {
		fprintf(stderr, "%s: service reports %u keys\n", who, n);
		return false;
	}
	if (cli_quote_ex_check(who, "sgx_get_supported_att_key_ids",
	                       sgx_get_supported_att_key_ids(ids, n))) {
		found = enclave_find_ecdsa(ids, n, key);
		if (!found)
			fprintf(stderr,
			        "%s: the service offers no ECDSA P-256 key\n",
			        who);
	}
	free(ids);
	return found;
}

bool
cli_enclave_target_info(const char *who, const sgx_att_key_id_t *key,
                        sgx_target_info_t *ti)
{
	uint8_t *pub;
	size_t size = 0;
	bool ok;

	if (!cli_quote_ex_check(who, "sgx_init_quote_ex",
	                        sgx_init_quote_ex(key, ti, &size, NULL)))
		return false;
	if (size == 0 || size > 1024 || (pub = malloc(size)) == NULL) {
		fprintf(stderr, "%s: bad public key ID size %zu\n", who, size);
		return false;
	}
	ok = cli_quote_ex_check(who, "sgx_init_quote_ex",
	                        sgx_init_quote_ex(key, ti, &size, pub));
	free(pub);
	return ok;
}
