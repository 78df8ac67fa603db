/*
 * A complete, self-made SGX attestation PKI for the verifier's tests: a
 * root CA, a PCK CA with its PCK certificate (carrying an SGX extension),
 * a TCB signing certificate, CRLs, TCB info and QE identity signed with
 * the test key, and v3 quotes signed by a test attestation key. Everything
 * is made here with OpenSSL, so that each check of the verifier can be
 * driven to pass or fail on purpose.
 */
#ifndef SQH_TESTS_VERIFY_TESTPKI_H
#define SQH_TESTS_VERIFY_TESTPKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "quote/pck.h"

struct tpki {
	EVP_PKEY *root_key, *ca_key, *pck_key, *tcb_key, *att_key;
	X509 *root, *ca, *pck, *tcb;
	struct pck_ext ext;
	char dir[256]; /* the collateral directory */
};

/* Times of the fixed scenario (all UTC). */
#define TPKI_CERT_FROM 1577836800 /* 2020-01-01 */
#define TPKI_CERT_TO   2208988800 /* 2040-01-01 */
#define TPKI_ISSUE     1735689600 /* 2025-01-01, TCB info and CRLs */
#define TPKI_NEXT      1738368000 /* 2025-02-01 */
#define TPKI_AT        1736899200 /* 2025-01-15, inside every window */

/* Makes keys and certificates and a collateral directory in a tmp dir. */
void tpki_init(struct tpki *t);
void tpki_free(struct tpki *t);

/* TCB info with the given FMSPC (12 hex), window and first status. */
void tpki_write_tcb_info(const struct tpki *t, const char *fmspc, time_t issue,
                         time_t next);
/* TCB info as above with the given PCE-ID (4 hex) instead of 0000. */
void tpki_write_tcb_info_pce(const struct tpki *t, const char *fmspc,
                             const char *pce_id, time_t issue, time_t next);
/* QE identity whose level for the test QE (ISVSVN 8) has status, with
 * advisory INTEL-SA-00003 unless it is UpToDate. */
void tpki_write_qe_identity(const struct tpki *t, const char *status);

/* The fields of a QE identity a test may change; the test QE has
 * MISCSELECT 0, attributes flags 0x15, ISVPRODID 1 and ISVSVN 8. Levels
 * are top_isvsvn (status) and top_isvsvn - 2 (OutOfDate). */
struct tpki_qe_id {
	const char *status;
	const char *miscselect; /* 8 hex */
	const char *attributes; /* 32 hex, compared under the mask FBFF... */
	const char *mrsigner;   /* 64 hex */
	unsigned isvprodid;
	unsigned top_isvsvn;
};

void tpki_write_qe_identity_as(const struct tpki *t,
                               const struct tpki_qe_id *id);

/* The test QE's MRSIGNER, 64 hex. */
extern const char tpki_qe_mrsigner[];
/* Root CA CRL and PCK CRL; revoke_pck lists the PCK's serial. */
void tpki_write_crls(const struct tpki *t, bool revoke_pck);
/* The issuer chains and the test root as root.pem. */
void tpki_write_chains(const struct tpki *t);

/* A v3 quote of the test platform; the caller frees it. */
uint8_t *tpki_quote(const struct tpki *t, size_t *len);

/* Path of a file in the collateral directory. */
void tpki_path(const struct tpki *t, const char *name, char *out, size_t size);

#endif
