/*
 * The dcap backend: real SGX hardware through Intel's DCAP quote library
 * (libsgx_dcap_ql.so.1), loaded at run time so that the daemon runs, and
 * is built and tested, where Intel's packages are not installed.
 */
#ifndef SQH_BACKENDS_DCAP_H
#define SQH_BACKENDS_DCAP_H

#include <stddef.h>
#include <stdint.h>

#include "backends/backend.h"
#include "common/err.h"

#define DCAP_DEV_DIR_DEFAULT "/dev"

struct dcap_config {
	/* Path or soname of the high-level library; NULL for Intel's. */
	const char *library;
	/* Where sgx_enclave and sgx_provision live; NULL for /dev. Tests
	 * point it at a directory of stand-in files. */
	const char *dev_dir;
};

/*
 * Checks the SGX devices, removes SGX_AESM_ADDR from the process
 * environment (call before any thread starts), loads the library and
 * sets the persistent enclave load policy. On failure writes the cause,
 * fit for a log line, into why.
 */
MUST_CHECK enum err backend_dcap_open(const struct dcap_config *cfg,
                                      struct backend **out, char *why,
                                      size_t why_len);

/*
 * Runs every start-up check of the platform, one log line each naming
 * the cause and the fix of a problem. Returns the number of problems.
 */
unsigned dcap_check_run(const struct dcap_config *cfg);

/* quote3_error_t to the AESM code, as Intel's service maps it
 * (reference "AESM protocol" section 4.4). */
enum aesm_error dcap_error_to_aesm(uint32_t quote3_error);

/* Intel's name for a quote3_error_t value; "unknown" for others. */
const char *dcap_error_name(uint32_t quote3_error);

#endif
