/*
 * Simulated EREPORT: how a simulated enclave makes a report that the
 * simulated QE accepts.
 *
 * On hardware, EREPORT MACs the report body with a key only the target
 * enclave can derive (EGETKEY). Here a per-node random "CPU report key" is
 * published in the socket's directory, and the report key for a target is
 * derived from it and the target's identity (MRENCLAVE, attributes,
 * MISCSELECT) and the report's KEYID. The MAC is AES-128-CMAC over the 384
 * byte report body, as on hardware.
 */
#ifndef SQH_BACKENDS_SIM_REPORT_H
#define SQH_BACKENDS_SIM_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "sgxqh/sgx_types.h"

#define SIM_REPORT_KEY_SIZE 16

/* Reads a published CPU report key file (32 hex digits and a newline). */
MUST_CHECK enum err
sim_report_key_load(const char *path, uint8_t key[static SIM_REPORT_KEY_SIZE]);

/* Writes the key file atomically, mode 0644 (simulated enclaves in other
 * containers, under any uid, must read it). */
MUST_CHECK enum err
sim_report_key_publish(const char *path,
                       const uint8_t key[static SIM_REPORT_KEY_SIZE]);

/* Makes a report of body targeted at target: fills key_id and mac. */
MUST_CHECK enum err
sim_report_make(const uint8_t cpu_key[static SIM_REPORT_KEY_SIZE],
                const sgx_target_info_t *target, const sgx_report_body_t *body,
                sgx_report_t *out);

/* Checks, as the target enclave self would, that report was made for it
 * on this platform. Constant-time MAC comparison. */
bool sim_report_verify(const uint8_t cpu_key[static SIM_REPORT_KEY_SIZE],
                       const sgx_target_info_t *self,
                       const sgx_report_t *report);

#endif
