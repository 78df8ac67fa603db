/*
 * Verification collateral: Intel's TCB info and QE identity with their
 * issuer chains, the PCK and root CA CRLs, and an optional trust anchor.
 *
 * Two forms are read. A directory:
 *   tcb_info.json, tcb_info_issuer_chain.pem      (required)
 *   qe_identity.json, qe_identity_issuer_chain.pem
 *   pck_crl.der, pck_crl_issuer_chain.pem, root_ca_crl.der
 *   root_ca.pem                                   (when not Intel's root)
 *   pck_cert_chain.pem   (PCK leaf, CA, root: for quotes without a chain)
 * where the JSON files are Intel PCS response bodies and each CRL may be
 * DER, PEM or hex. Or one JSON file with string members pck_crl_issuer_chain,
 * root_ca_crl, pck_crl (hex DER), tcb_info_issuer_chain, tcb_info (the text
 * of the signed object), tcb_info_signature (hex), qe_identity_issuer_chain,
 * qe_identity, qe_identity_signature, and optionally root_ca.
 *
 * Everything but the TCB info may be absent; the verifier then lists the
 * checks it could not make. The PCK CRL is checked with the CA certificate
 * of the quote's own (verified) chain, so pck_crl_issuer_chain is loaded
 * but not needed. The QE identity's issuer chain defaults to the
 * TCB info's, since one TCB Signing certificate signs both (reference
 * "quote format" section 2.1).
 */
#ifndef SQH_VERIFY_COLLATERAL_H
#define SQH_VERIFY_COLLATERAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "common/err.h"
#include "tcbinfo.h"

#define COLLATERAL_MAX_FILE   (1u << 20)
#define COLLATERAL_ERROR_SIZE 256

/* A signed object: its exact text, signature and issuer chain. */
struct signed_doc {
	bool present;
	char *body;
	size_t body_len;
	uint8_t signature[64];
	STACK_OF(X509) * issuer_chain;
};

struct collateral {
	struct signed_doc tcb_doc;
	struct tcb_info tcb_info;
	struct signed_doc qe_doc;
	struct qe_identity qe_identity; /* valid when qe_doc.present */
	X509_CRL *root_crl;
	X509_CRL *pck_crl;
	STACK_OF(X509) * pck_crl_issuer_chain;
	X509 *root;                 /* root_ca.pem, or NULL */
	STACK_OF(X509) * pck_chain; /* pck_cert_chain.pem, or NULL */

	/* SHA-256 digests that name what was loaded in verifier caches. */
	uint8_t digest[32]; /* of everything */
	uint8_t root_crl_digest[32];
	uint8_t pck_crl_digest[32];
};

/*
 * Loads a collateral directory or JSON file. On failure why names the
 * file or member and what is wrong with it.
 */
MUST_CHECK enum err collateral_load(const char *path, struct collateral **out,
                                    char why[static COLLATERAL_ERROR_SIZE]);
void collateral_free(struct collateral *col);

#endif
