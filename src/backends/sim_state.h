/*
 * The simulated platform's persistent identity: its PKI, the attestation
 * key and the CPU report key, kept in a state directory so that quotes
 * before and after a restart chain to the same root with the same key.
 *
 * Layout of the directory (0700; every file 0600, written atomically):
 *
 *   root_ca.key root_ca.pem         simulated root CA
 *   pck_ca.key pck_ca.pem           simulated PCK Processor CA
 *   pck.key pck.pem                 PCK leaf with the SGX extension
 *   tcb_signing.key tcb_signing.pem signs the exported collateral
 *   attestation.key                 the QE's ECDSA attestation key
 *   cpu_report.key                  the simulated CPU report key (hex)
 *   manifest                        format version and SHA-256 of each
 *                                   file above, in sha256sum format
 *   lock                            flock()ed while loading or creating
 *
 * The manifest is written last, so its presence means every file before
 * it is complete; a directory without one (a creation cut short) is
 * created anew, under the lock, so that two processes sharing it end up
 * with the same identity. A manifest that disagrees with the files is an
 * error: that state is never silently replaced.
 */
#ifndef SQH_BACKENDS_SIM_STATE_H
#define SQH_BACKENDS_SIM_STATE_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "backends/sim_report.h"
#include "common/err.h"

#define SIM_STATE_MANIFEST "manifest"

struct sim_state {
	EVP_PKEY *root_key, *ca_key, *pck_key, *tcb_key, *att_key;
	X509 *root, *ca, *pck, *tcb;
	uint8_t cpu_key[SIM_REPORT_KEY_SIZE];
};

/* Loads the state in dir, creating the directory and the state first
 * when there is none. */
MUST_CHECK enum err sim_state_open(const char *dir, struct sim_state **out);

void sim_state_free(struct sim_state *st);

/* Writes cert as PEM into a new NUL-terminated buffer (freed with
 * free()); *len excludes the NUL. */
MUST_CHECK enum err sim_state_cert_pem(X509 *cert, char **pem, size_t *len);

#endif
