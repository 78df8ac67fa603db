/*
 * Collateral for the simulated platform, in the shape Intel's PCS serves
 * it (reference "quote format" sections 3.1-3.3), so that any DCAP
 * verifier given the simulated root accepts simulated quotes.
 */
#ifndef SQH_BACKENDS_SIM_COLLATERAL_H
#define SQH_BACKENDS_SIM_COLLATERAL_H

#include <time.h>

#include "common/err.h"

#define SIM_COLLATERAL_DAYS 30

/*
 * Loads (or creates) the platform in state_dir and writes into out_dir,
 * each file atomically: root_ca.pem, tcb_info.json, qe_identity.json,
 * tcb_info_issuer_chain.pem, qe_identity_issuer_chain.pem, pck_crl.der,
 * pck_crl_issuer_chain.pem and root_ca_crl.der, issued at now and valid
 * for SIM_COLLATERAL_DAYS.
 */
MUST_CHECK enum err sim_collateral_export(const char *state_dir,
                                          const char *out_dir, time_t now);

#endif
