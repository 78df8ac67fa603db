/*
 * The simulated platform's PKI: P-256 keys, certificates shaped like
 * Intel's (reference "quote format" section 2.1), empty CRLs, and ECDSA
 * signatures in the r||s form of quotes and collateral.
 */
#ifndef SQH_BACKENDS_SIM_PKI_H
#define SQH_BACKENDS_SIM_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/err.h"

#define SIM_SIG_SIZE 64 /* r||s, 32 bytes each, big-endian */

enum sim_cert_role {
	SIM_CERT_ROOT, /* self-signed, CA, path length 1 */
	SIM_CERT_CA,   /* CA, path length 0 */
	SIM_CERT_LEAF, /* digitalSignature, nonRepudiation */
};

struct sim_cert_spec {
	enum sim_cert_role role;
	const char *cn;
	const char *crl_url;
	time_t not_before;
	time_t not_after;
	/* DER value of the SGX extension, PCK certificates only. */
	const uint8_t *sgx_ext;
	size_t sgx_ext_len;
};

MUST_CHECK enum err sim_pki_key_new(EVP_PKEY **out);

/*
 * Issues a certificate for key under issuer/issuer_key; for SIM_CERT_ROOT
 * both are ignored and the certificate signs itself.
 */
MUST_CHECK enum err sim_pki_cert_new(const struct sim_cert_spec *spec,
                                     EVP_PKEY *key, X509 *issuer,
                                     EVP_PKEY *issuer_key, X509 **out);

/* An empty CRL with CRL Number and AKI, as verifiers require. */
MUST_CHECK enum err sim_pki_crl_new(X509 *issuer, EVP_PKEY *issuer_key,
                                    time_t this_update, time_t next_update,
                                    X509_CRL **out);

/* ECDSA-P256-SHA256 over msg, written as r||s. */
MUST_CHECK enum err sim_pki_sign(EVP_PKEY *key, const void *msg, size_t len,
                                 uint8_t sig[static SIM_SIG_SIZE]);

/* The public key as X||Y (64 bytes, big-endian, no 04 prefix). */
MUST_CHECK enum err sim_pki_pub_xy(EVP_PKEY *key, uint8_t xy[static 64]);

/*
 * A signing key object made once, for the per quote path; safe to use
 * from several threads at once (sim_signer.c).
 */
struct sim_signer;

MUST_CHECK enum err sim_signer_new(EVP_PKEY *key, struct sim_signer **out);
MUST_CHECK enum err sim_signer_sign(struct sim_signer *s, const void *msg,
                                    size_t len,
                                    uint8_t sig[static SIM_SIG_SIZE]);
void sim_signer_free(struct sim_signer *s);

#endif
