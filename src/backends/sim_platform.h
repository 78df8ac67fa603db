/*
 * What the simulated platform is: its TCB, its QE's identity and the
 * names of its PKI. The quotes, the PCK certificate and the exported
 * collateral all draw on these, so they agree by construction.
 *
 * Values follow a real QE3 platform (reference "quote format" sections
 * 1.5, 1.6, 2.1 and 6); names say "Simulated" so that nothing made here
 * passes for Intel's.
 */
#ifndef SQH_BACKENDS_SIM_PLATFORM_H
#define SQH_BACKENDS_SIM_PLATFORM_H

#include <stdint.h>

#include "sgxqh/sgx_types.h"

/* Certification TCB (TCBm) carried by the PCK certificate. */
#define SIM_PCK_PCESVN 13
/* PCE ISVSVN at quote time (header pce_svn); newer than the TCBm. */
#define SIM_PCE_SVN_RAW 15
#define SIM_QE_SVN      8
#define SIM_QE_PRODID   1
/* QE3's SECS: INIT | MODE64BIT | PROVISIONKEY, XFRM x87|SSE|AVX|AVX-512. */
#define SIM_QE_FLAGS          0x15u
#define SIM_QE_XFRM           0xe7u
#define SIM_QE_AUTH_DATA_SIZE 32

extern const uint8_t sim_comp_svn[16];
extern const uint8_t sim_fmspc[6];
extern const uint8_t sim_pceid[2];

/* The older TCB level of the collateral (OutOfDate). */
extern const uint8_t sim_old_comp_svn[16];
#define SIM_OLD_PCESVN  11
#define SIM_OLD_QE_SVN  6
#define SIM_ADVISORY_ID "SQH-SIM-SA-00001"

/* Certificate subjects: substrings as verifiers check them (section 2.1). */
#define SIM_NAME_ORG       "SQH Simulated SGX Platform"
#define SIM_NAME_ROOT      "SQH Simulated SGX Root CA"
#define SIM_NAME_PCK_CA    "SQH Simulated SGX PCK Processor CA"
#define SIM_NAME_PCK       "SQH Simulated SGX PCK Certificate"
#define SIM_NAME_TCB_SIGN  "SQH Simulated SGX TCB Signing"
#define SIM_CRL_URL_ROOT   "https://sgx-quote-helper.invalid/sim/rootca.der"
#define SIM_CRL_URL_PCK_CA "https://sgx-quote-helper.invalid/sim/pckcrl.der"

/* The simulated QE's MRENCLAVE (a fixed label hash, not a real QE3). */
void sim_qe_mrenclave(sgx_measurement_t *out);

/* The simulated QE's identity fields of a report body (no report data). */
void sim_qe_identity_body(sgx_report_body_t *out);

#endif
