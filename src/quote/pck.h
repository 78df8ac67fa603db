/*
 * The SGX extension of PCK certificates (OID 1.2.840.113741.1.13.1):
 * reference "quote format" section 2.2. Parsed and built with OpenSSL's
 * ASN.1 types; no hand-written DER.
 */
#ifndef SQH_QUOTE_PCK_H
#define SQH_QUOTE_PCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "common/err.h"

#define PCK_SGX_EXT_OID "1.2.840.113741.1.13.1"

enum pck_sgx_type {
	PCK_SGX_TYPE_STANDARD = 0,
	PCK_SGX_TYPE_SCALABLE = 1,
	PCK_SGX_TYPE_SCALABLE_WITH_INTEGRITY = 2,
};

struct pck_ext {
	uint8_t ppid[16];
	uint8_t comp_svn[16]; /* SGX TCB Comp01..16 SVN */
	uint16_t pcesvn;
	uint8_t cpusvn[16];
	uint8_t pceid[2];
	uint8_t fmspc[6];
	int sgx_type; /* enum pck_sgx_type */

	/* Platform-CA certificates only. */
	bool has_platform_instance_id;
	uint8_t platform_instance_id[16];
	bool has_configuration;
	bool dynamic_platform;
	bool cached_keys;
	bool smt_enabled;
};

/* Parses the DER value of the SGX extension. */
MUST_CHECK enum err pck_ext_parse(const uint8_t *der, size_t len,
                                  struct pck_ext *out);

/* Finds the SGX extension in a certificate and parses it. */
MUST_CHECK enum err pck_ext_from_cert(const X509 *cert, struct pck_ext *out);

/* Encodes the extension value as DER (for the simulated PCK certificate);
 * the caller frees *der with OPENSSL_free. */
MUST_CHECK enum err pck_ext_build(const struct pck_ext *ext, uint8_t **der,
                                  size_t *len);

#endif
