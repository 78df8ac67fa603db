/*
 * The simulated SGX platform: a software QE3, PCE and PCK PKI that make
 * quotes with the same bytes a real QE3 makes, chaining to a simulated
 * root CA (never to Intel's).
 */
#ifndef SQH_BACKENDS_SIM_H
#define SQH_BACKENDS_SIM_H

#include "backends/backend.h"
#include "common/err.h"

#define SIM_REPORT_KEY_FILE "sim-report.key"

struct sim_config {
	/* Keys and certificates that survive restarts (created 0700). */
	const char *state_dir;
	/* Where the simulated CPU report key is published for simulated
	 * enclaves (normally <socket dir>/SIM_REPORT_KEY_FILE); NULL for
	 * none. */
	const char *report_key_path;
};

/* Loads the platform from state_dir, creating what is missing. */
MUST_CHECK enum err backend_sim_open(const struct sim_config *cfg,
                                     struct backend **out);

#endif
