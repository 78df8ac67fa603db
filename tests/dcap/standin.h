/*
 * A stand-in for Intel's DCAP quote libraries, quoting with the simulated
 * platform, for testing the dcap backend without SGX hardware. Built as
 * libsgx_qe3_logic.so (the lower-level sgx_ql_* functions) and
 * libsgx_dcap_ql.so.1 (the high-level sgx_qe_* functions on top), with
 * Intel's symbol names and signatures (dcap_api.h).
 *
 * Driven through the environment:
 *   SQH_STANDIN_STATE       state directory of the simulated platform
 *   SQH_STANDIN_REPORT_KEY  where to publish its report key (optional)
 *   SQH_STANDIN_CONTROL     file of "<function> <code>" lines: that
 *                           exported function returns that code ("*" for
 *                           every function); read at each call.
 *                           "garbage_quote 1" makes sgx_qe_get_quote
 *                           succeed with bytes that are no quote
 *   SQH_STANDIN_RECORD      file that gets one line per load and call,
 *                           saying whether SGX_AESM_ADDR was set
 * As Intel's library, it behaves as if out-of-process (and fails with
 * SGX_QL_SERVICE_UNAVAILABLE) when SGX_AESM_ADDR is set.
 */
#ifndef SQH_TESTS_DCAP_STANDIN_H
#define SQH_TESTS_DCAP_STANDIN_H

#include "backends/dcap_api.h"

/* Records the call and returns what it must fail with, or success. */
quote3_error_t standin_enter(const char *function);

quote3_error_t sgx_ql_set_enclave_load_policy(sgx_ql_request_policy_t p);
quote3_error_t sgx_ql_init_quote(sgx_ql_att_key_id_t *key,
                                 sgx_target_info_t *ti, bool refresh_att_key,
                                 size_t *pub_key_id_size, uint8_t *pub_key_id);
quote3_error_t sgx_ql_get_quote_size(sgx_ql_att_key_id_t *key, uint32_t *size);
quote3_error_t sgx_ql_get_quote(const sgx_report_t *report,
                                sgx_ql_att_key_id_t *key,
                                sgx_ql_qe_report_info_t *qe_report_info,
                                uint8_t *quote, uint32_t quote_size);
quote3_error_t sgx_ql_get_keyid(sgx_att_key_id_ext_t *key);

quote3_error_t sgx_qe_set_enclave_load_policy(sgx_ql_request_policy_t p);
quote3_error_t sgx_qe_get_target_info(sgx_target_info_t *ti);
quote3_error_t sgx_qe_get_quote_size(uint32_t *size);
quote3_error_t sgx_qe_get_quote(const sgx_report_t *report, uint32_t quote_size,
                                uint8_t *quote);
quote3_error_t sgx_qe_cleanup_by_policy(void);
quote3_error_t sgx_ql_set_path(sgx_ql_path_type_t type, const char *path);
quote3_error_t sgx_ql_set_trace_callback(sgx_ql_logging_callback_t cb,
                                         sgx_ql_log_level_t level);

#endif
