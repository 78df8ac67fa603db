#include "keyid.h"

#include <string.h>

const uint8_t keyid_intel_qe3_mrsigner[32] = {
        0x8c, 0x4f, 0x57, 0x75, 0xd7, 0x96, 0x50, 0x3e, 0x96, 0x13, 0x7f,
        0x77, 0xc6, 0x8a, 0x82, 0x9a, 0x00, 0x56, 0xac, 0x8d, 0xed, 0x70,
        0x14, 0x0b, 0x08, 0x1b, 0x09, 0x44, 0x90, 0xc5, 0x7b, 0xff,
};

void
keyid_default_ecdsa(sgx_att_key_id_ext_t *out)
{
	memset(out, 0, sizeof(*out));
	out->base.id = 0;
	out->base.version = 0;
	out->base.mrsigner_length = 32;
	memcpy(out->base.mrsigner, keyid_intel_qe3_mrsigner,
	       sizeof(keyid_intel_qe3_mrsigner));
	out->base.prod_id = 1;
	out->base.algorithm_id = SGX_QL_ALG_ECDSA_P256;
}

bool
keyid_base_equal(const sgx_att_key_id_ext_t *a, const sgx_att_key_id_ext_t *b)
{
	return memcmp(&a->base, &b->base, sizeof(a->base)) == 0;
}
