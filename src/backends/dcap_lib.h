/*
 * Pieces of the dcap backend shared by the backend itself and the
 * start-up checks: device paths, the environment, loading Intel's
 * library, and the log line that explains a failed call.
 */
#ifndef SQH_BACKENDS_DCAP_LIB_H
#define SQH_BACKENDS_DCAP_LIB_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/dcap.h"
#include "backends/dcap_api.h"
#include "common/err.h"

#define DCAP_DEV_ENCLAVE   "sgx_enclave"
#define DCAP_DEV_PROVISION "sgx_provision"

struct dcap_lib {
	void *handle;
	char dir[PATH_MAX]; /* where the library was found */
	dcap_set_policy_fn set_policy;
	dcap_get_target_info_fn get_target_info;
	dcap_get_quote_size_fn get_quote_size;
	dcap_get_quote_fn get_quote;
};

/* "<dev_dir>/<name>"; false when it does not fit. */
bool dcap_dev_path(const struct dcap_config *cfg, const char *name,
                   char out[static PATH_MAX]);

/* Both devices exist; otherwise why names the missing one. */
bool dcap_devices_present(const struct dcap_config *cfg, char *why,
                          size_t why_len);

/* Removes SGX_AESM_ADDR, which would send Intel's library back to this
 * daemon over the socket (section 6.3), and logs that it did. */
void dcap_env_clear(void);

MUST_CHECK enum err dcap_lib_load(const char *path, struct dcap_lib *lib,
                                  char *why, size_t why_len);
void dcap_lib_unload(struct dcap_lib *lib);

/* libsgx_qe3_logic.so from the library's directory, else by soname;
 * NULL when missing. */
void *dcap_qe3_logic_open(const struct dcap_lib *lib);

/* One line for a failed call: the code, its AESM value, and for the
 * codes with a known platform cause, that cause and its fix. */
void dcap_log_failure(const char *call, uint32_t quote3_error);

/* The cause and fix for a code, or NULL when there is no general one. */
const char *dcap_error_hint(uint32_t quote3_error);

#endif
