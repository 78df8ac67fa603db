/*
 * Attestation key IDs (sgx_att_key_id_ext_t), and the one every Intel
 * client assumes: the default ECDSA P-256 key of Intel's production QE3.
 */
#ifndef SQH_COMMON_KEYID_H
#define SQH_COMMON_KEYID_H

#include <stdbool.h>
#include <stdint.h>

#include "sgxqh/sgx_types.h"

/* MRSIGNER of Intel's production QE3 (the signer in its key ID). */
extern const uint8_t keyid_intel_qe3_mrsigner[32];

/* Fills *out with Intel's default ECDSA P-256 key ID, ext form. */
void keyid_default_ecdsa(sgx_att_key_id_ext_t *out);

/* True when the 158-byte bases are equal, the way AESM matches keys. */
bool keyid_base_equal(const sgx_att_key_id_ext_t *a,
                      const sgx_att_key_id_ext_t *b);

#endif
