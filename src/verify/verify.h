/*
 * Verification of SGX quotes against Intel-format collateral, with the
 * semantics of Intel's QVL (reference "quote format" sections 2-3):
 * PCK chain to a pinned trust anchor with both CRLs, signed TCB info and QE
 * identity, QE report signature and key binding, QE identity, the quote's
 * own signature, and the TCB status from the matching TCB level merged
 * with the QE's.
 *
 * Expired collateral does not fail a verification: as in QvE it is
 * reported (collateral_expired and the list of what expired) and the
 * caller decides. Anything not yet valid at the time of verification does
 * fail it.
 *
 * A verify_ctx keeps the trust anchor and a cache of everything already
 * checked, so many quotes verified with one context cost little more than
 * their own signatures. A context serves one thread at a time.
 *
 * The trust anchor is always the caller's choice: a root CA carried by
 * the collateral is never trusted on its own.
 */
#ifndef SQH_VERIFY_VERIFY_H
#define SQH_VERIFY_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "common/err.h"
#include "sgxqh/sgx_types.h"
#include "verify/collateral.h"
#include "verify/status.h"

#define VERIFY_MAX_ADVISORIES  32
#define VERIFY_ADVISORY_SIZE   32
#define VERIFY_MAX_DATE_ISSUES 16
#define VERIFY_MESSAGE_SIZE    768
#define VERIFY_CHECK_SIZE      32

/* Checks that missing collateral kept from being made. */
enum verify_skip {
	VERIFY_SKIP_ROOT_CA_CRL = 1 << 0, /* CA and TCB signer revocation */
	VERIFY_SKIP_PCK_CRL = 1 << 1,     /* PCK certificate revocation */
	VERIFY_SKIP_QE_IDENTITY = 1 << 2, /* QE identity and QE TCB status */
};
#define VERIFY_SKIP_COUNT 3

/* Name of one skip bit: "root_ca_crl", "pck_crl", "qe_identity". */
const char *verify_skip_name(unsigned bit);

struct verify_opts {
	time_t at;   /* the time the quote is judged at */
	bool strict; /* a skipped check fails the verification */
};

/* Something in the collateral or the chain outside its validity window. */
struct verify_date_issue {
	char object[128]; /* "tcb_info", a certificate's name... */
	char field[16];   /* "notAfter", "nextUpdate", ... */
	time_t when;
};

struct verify_result {
	/* Set when a check failed: its name and a sentence naming the object.
	 */
	char check[VERIFY_CHECK_SIZE];
	char message[VERIFY_MESSAGE_SIZE];

	bool has_status;
	enum tcb_status status;          /* merged with the QE's */
	enum tcb_status platform_status; /* from the TCB info alone */
	bool has_qe_status;
	enum tcb_status qe_status;
	size_t advisory_count;
	char advisory_ids[VERIFY_MAX_ADVISORIES][VERIFY_ADVISORY_SIZE];

	bool collateral_expired;
	size_t expired_count;
	struct verify_date_issue expired[VERIFY_MAX_DATE_ISSUES];
	unsigned skipped; /* enum verify_skip bits */

	bool has_enclave;
	sgx_report_body_t enclave; /* the attested enclave's report */
	bool has_fmspc;
	uint8_t fmspc[6];
};

struct verify_ctx;

/*
 * A context trusting anchor (a reference is taken), or Intel's SGX Root CA
 * when anchor is NULL. ERR_CRYPTO when the anchor is not a valid
 * self-signed certificate.
 */
MUST_CHECK enum err verify_ctx_new(X509 *anchor, struct verify_ctx **out);
void verify_ctx_free(struct verify_ctx *ctx);

/* Number of cached facts (for tests and the benchmark). */
size_t verify_ctx_cached(const struct verify_ctx *ctx);

/*
 * Verifies one quote. ERR_OK when every check made passed: res holds the
 * status. Otherwise res->check and res->message say which check failed on
 * which object; ERR_UNSUPPORTED for TDX quotes. res is filled in as far as
 * the verification got (the enclave identity once the quote parsed).
 */
MUST_CHECK enum err verify_quote(struct verify_ctx *ctx,
                                 const struct collateral *col,
                                 const uint8_t *quote, size_t len,
                                 const struct verify_opts *opts,
                                 struct verify_result *res);

#endif
