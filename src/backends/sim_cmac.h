/*
 * AES-128-CMAC, the MAC of SGX reports and of the key derivations the
 * simulated platform does in place of EGETKEY.
 */
#ifndef SQH_BACKENDS_SIM_CMAC_H
#define SQH_BACKENDS_SIM_CMAC_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SIM_CMAC_SIZE 16

/* Writes AES-128-CMAC(key, msg) into out. Thread-safe. */
MUST_CHECK enum err sim_cmac(const uint8_t key[static SIM_CMAC_SIZE],
                             const void *msg, size_t len,
                             uint8_t out[static SIM_CMAC_SIZE]);

#endif
