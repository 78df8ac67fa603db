/*
 * X.509 and ECDSA P-256 helpers for the verifier, all on OpenSSL: PEM
 * certificates and chains, CRLs in DER, PEM or hex (the three forms Intel's
 * services hand out, reference "quote format" section 3.1), and raw r||s
 * signatures with X||Y public keys as SGX structures carry them
 * (section 1.5).
 */
#ifndef SQH_VERIFY_PKI_H
#define SQH_VERIFY_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/err.h"

#define PKI_INTEL_ROOT_DER_SIZE 659
#define PKI_MAX_CHAIN           8
#define PKI_MAX_CRL_SIZE        (4u << 20)

extern const uint8_t pki_intel_root_der[PKI_INTEL_ROOT_DER_SIZE];
extern const uint8_t pki_intel_root_sha256[32];

/* The built-in Intel SGX Root CA, checked against its pinned digest. */
MUST_CHECK enum err pki_intel_root(X509 **out);

/*
 * Every certificate of a PEM text, in order; at most PKI_MAX_CHAIN.
 * ERR_INVALID when there is none or one does not parse.
 */
MUST_CHECK enum err pki_chain_from_pem(const char *pem, size_t len,
                                       STACK_OF(X509) * *out);
/* Exactly one certificate from a PEM text. */
MUST_CHECK enum err pki_cert_from_pem(const char *pem, size_t len, X509 **out);

/* A CRL given as DER, PEM or hexadecimal DER. */
MUST_CHECK enum err pki_crl_load(const uint8_t *data, size_t len,
                                 X509_CRL **out);

/* A P-256 public key from its 64-byte big-endian X||Y. */
MUST_CHECK enum err pki_key_from_raw(const uint8_t xy[static 64],
                                     EVP_PKEY **out);

/*
 * Checks an ECDSA-P256-SHA256 signature given as 64-byte big-endian r||s.
 * ERR_CRYPTO when it does not verify.
 */
MUST_CHECK enum err pki_verify_raw(EVP_PKEY *key, const void *msg, size_t len,
                                   const uint8_t sig[static 64]);

/*
 * The same with a verification context made once per key, for keys that
 * check many signatures: setting one up costs a provider lookup.
 */
MUST_CHECK enum err pki_verifier_new(EVP_PKEY *key, EVP_PKEY_CTX **out);
MUST_CHECK enum err pki_verify_with(EVP_PKEY_CTX *verifier, const void *msg,
                                    size_t len, const uint8_t sig[static 64]);

/* SHA-256, fetched from the provider once for the whole process. */
const EVP_MD *pki_sha256(void);

/* SHA-256 of a message. */
MUST_CHECK enum err pki_digest(const void *msg, size_t len,
                               uint8_t out[static 32]);

/* True when the subject's common name contains needle. */
bool pki_cn_contains(const X509 *cert, const char *needle);

/* Converts an ASN.1 time to seconds since the epoch. */
MUST_CHECK enum err pki_asn1_time(const ASN1_TIME *t, time_t *out);

/* SHA-256 of a certificate's DER encoding. */
MUST_CHECK enum err pki_cert_digest(const X509 *cert, uint8_t out[static 32]);

#endif
