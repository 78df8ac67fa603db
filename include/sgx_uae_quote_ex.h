/*
 * The quote_ex interface: six functions an application (or Open Enclave,
 * or Intel's DCAP quote library) calls to get an SGX quote from the AESM
 * service of the node. Same prototypes, structures and status codes as
 * Intel's header of the same name, so code written for Intel's
 * libsgx_quote_ex.so.1 builds and runs against this one unchanged.
 *
 * The service socket is /var/run/aesmd/aesm.socket, or the absolute path
 * held by SGX_AESM_ADDR (any other value of that variable means the
 * default). SGX_QUOTE_EX_TIMEOUT_MS overrides the 15000 ms deadline of
 * each step (connect, send, receive). SGX_QUOTE_EX_DEBUG=1 explains every
 * failure in one line on stderr; otherwise the library never prints.
 */
#ifndef SGX_UAE_QUOTE_EX_H
#define SGX_UAE_QUOTE_EX_H

#include <stddef.h>
#include <stdint.h>

#include "sgxqh/sgx_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Picks an attestation key: from the verifier's list (an 8-byte
 * sgx_ql_att_key_id_list_header_t then 256-byte key IDs) when given, else
 * from the keys the service supports.
 */
sgx_status_t sgx_select_att_key_id(const uint8_t *p_att_key_id_list,
                                   uint32_t att_key_id_list_size,
                                   sgx_att_key_id_t *p_selected_key_id);

/*
 * Gets the quoting enclave's target info. With p_pub_key_id NULL this is a
 * size query: *p_pub_key_id_size receives the size of the public key ID
 * and its input value is not read. Otherwise *p_pub_key_id_size is the
 * capacity of p_pub_key_id on input and the key ID's size on output.
 */
sgx_status_t sgx_init_quote_ex(const sgx_att_key_id_t *p_att_key_id,
                               sgx_target_info_t *p_qe_target_info,
                               size_t *p_pub_key_id_size,
                               uint8_t *p_pub_key_id);

sgx_status_t sgx_get_quote_size_ex(const sgx_att_key_id_t *p_att_key_id,
                                   uint32_t *p_quote_size);

/*
 * Turns an enclave report targeted at the QE into a quote written to
 * p_quote (quote_size bytes available). p_qe_report_info may be NULL.
 */
sgx_status_t sgx_get_quote_ex(const sgx_report_t *p_app_report,
                              const sgx_att_key_id_t *p_att_key_id,
                              sgx_qe_report_info_t *p_qe_report_info,
                              uint8_t *p_quote, uint32_t quote_size);

sgx_status_t sgx_get_supported_att_key_id_num(uint32_t *p_att_key_id_num);

/* att_key_id_num is a count of entries, not a size in bytes. */
sgx_status_t
sgx_get_supported_att_key_ids(sgx_att_key_id_ext_t *p_att_key_id_list,
                              uint32_t att_key_id_num);

#ifdef __cplusplus
}
#endif

#endif
