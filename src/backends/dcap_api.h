/*
 * Intel's in-process DCAP quoting API as the daemon loads it at run time
 * (reference "AESM protocol" section 6): the high-level functions of
 * libsgx_dcap_ql.so.1 (header sgx_dcap_ql_wrapper.h) and the lower-level
 * ones of libsgx_qe3_logic.so (sgx_ql_core_wrapper.h). Names and values
 * are Intel's, so that a library built against this header has Intel's
 * ABI; the daemon never links either library.
 */
#ifndef SQH_BACKENDS_DCAP_API_H
#define SQH_BACKENDS_DCAP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgxqh/sgx_types.h"

#define DCAP_QL_LIBRARY        "libsgx_dcap_ql.so.1"
#define DCAP_QE3_LOGIC_LIBRARY "libsgx_qe3_logic.so"
#define DCAP_QPL_LIBRARY       "libdcap_quoteprov.so.1"
#define DCAP_QPL_LIBRARY_OLD   "libdcap_quoteprov.so"

/* quote3_error_t, section 6.4: 0xE000 | x. */
typedef enum _quote3_error_t {
	SGX_QL_SUCCESS = 0x0000,
	SGX_QL_ERROR_UNEXPECTED = 0xE001,
	SGX_QL_ERROR_INVALID_PARAMETER = 0xE002,
	SGX_QL_ERROR_OUT_OF_MEMORY = 0xE003,
	SGX_QL_ERROR_ECDSA_ID_MISMATCH = 0xE004,
	SGX_QL_PATHNAME_BUFFER_OVERFLOW_ERROR = 0xE005,
	SGX_QL_FILE_ACCESS_ERROR = 0xE006,
	SGX_QL_ERROR_STORED_KEY = 0xE007,
	SGX_QL_ERROR_PUB_KEY_ID_MISMATCH = 0xE008,
	SGX_QL_ERROR_INVALID_PCE_SIG_SCHEME = 0xE009,
	SGX_QL_ATT_KEY_BLOB_ERROR = 0xE00A,
	SGX_QL_UNSUPPORTED_ATT_KEY_ID = 0xE00B,
	SGX_QL_UNSUPPORTED_LOADING_POLICY = 0xE00C,
	SGX_QL_INTERFACE_UNAVAILABLE = 0xE00D,
	SGX_QL_PLATFORM_LIB_UNAVAILABLE = 0xE00E,
	SGX_QL_ATT_KEY_NOT_INITIALIZED = 0xE00F,
	SGX_QL_ATT_KEY_CERT_DATA_INVALID = 0xE010,
	SGX_QL_NO_PLATFORM_CERT_DATA = 0xE011,
	SGX_QL_OUT_OF_EPC = 0xE012,
	SGX_QL_ERROR_REPORT = 0xE013,
	SGX_QL_ENCLAVE_LOST = 0xE014,
	SGX_QL_INVALID_REPORT = 0xE015,
	SGX_QL_ENCLAVE_LOAD_ERROR = 0xE016,
	SGX_QL_UNABLE_TO_GENERATE_QE_REPORT = 0xE017,
	SGX_QL_KEY_CERTIFCATION_ERROR = 0xE018,
	SGX_QL_NETWORK_ERROR = 0xE019,
	SGX_QL_MESSAGE_ERROR = 0xE01A,
	SGX_QL_ERROR_INVALID_PRIVILEGE = 0xE035,
	SGX_QL_UNSUPPORTED_MODE = 0xE03E,
	SGX_QL_NO_DEVICE = 0xE03F,
	SGX_QL_SERVICE_UNAVAILABLE = 0xE040,
	SGX_QL_NETWORK_FAILURE = 0xE041,
	SGX_QL_SERVICE_TIMEOUT = 0xE042,
	SGX_QL_ERROR_BUSY = 0xE043,
} quote3_error_t;

typedef enum _sgx_ql_request_policy {
	SGX_QL_PERSISTENT = 0,
	SGX_QL_EPHEMERAL = 1,
	SGX_QL_DEFAULT = 0,
} sgx_ql_request_policy_t;

typedef enum _sgx_ql_path_type_t {
	SGX_QL_QE3_PATH = 0,
	SGX_QL_PCE_PATH = 1,
	SGX_QL_QPL_PATH = 2,
	SGX_QL_IDE_PATH = 3,
} sgx_ql_path_type_t;

typedef enum _sgx_ql_log_level_t {
	SGX_QL_LOG_ERROR = 0,
	SGX_QL_LOG_INFO = 1,
	SGX_QL_LOG_DEBUG = 2,
	SGX_QL_LOG_TRACE = 3,
} sgx_ql_log_level_t;

typedef void (*sgx_ql_logging_callback_t)(sgx_ql_log_level_t level,
                                          const char *message);

/* libsgx_dcap_ql.so.1, section 6.1. Note the quote size before the
 * buffer in sgx_qe_get_quote. */
typedef quote3_error_t (*dcap_set_policy_fn)(sgx_ql_request_policy_t policy);
typedef quote3_error_t (*dcap_get_target_info_fn)(sgx_target_info_t *ti);
typedef quote3_error_t (*dcap_get_quote_size_fn)(uint32_t *size);
typedef quote3_error_t (*dcap_get_quote_fn)(const sgx_report_t *report,
                                            uint32_t quote_size,
                                            uint8_t *quote);

/* libsgx_qe3_logic.so, section 6.2. */
typedef quote3_error_t (*dcap_ql_init_quote_fn)(sgx_ql_att_key_id_t *key,
                                                sgx_target_info_t *ti,
                                                bool refresh_att_key,
                                                size_t *pub_key_id_size,
                                                uint8_t *pub_key_id);
typedef quote3_error_t (*dcap_ql_get_quote_fn)(
        const sgx_report_t *report, sgx_ql_att_key_id_t *key,
        sgx_ql_qe_report_info_t *qe_report_info, uint8_t *quote,
        uint32_t quote_size);

#endif
