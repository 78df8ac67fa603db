/*
 * A quote backend: what the daemon needs from a platform to serve the
 * quote_ex requests. The server does not know which backend runs.
 *
 * Results are AESM error codes, because that is what the server puts on
 * the wire (reference "AESM protocol" sections 3-4). Every operation may be
 * called concurrently from several server threads.
 */
#ifndef SQH_BACKENDS_BACKEND_H
#define SQH_BACKENDS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "common/aesm_error.h"
#include "sgxqh/sgx_types.h"

#define BACKEND_PUB_KEY_ID_SIZE 32

struct backend;

struct backend_ops {
	/*
	 * The key IDs this backend advertises, in order; *count is at least
	 * one for a working backend. The array lives as long as the backend.
	 */
	const sgx_att_key_id_ext_t *(*key_ids)(struct backend *b,
	                                       size_t *count);

	/*
	 * Loads or creates the attestation key for key_id and returns the
	 * QE's target info and the key's ECDSA ID (SHA-256 of the public key
	 * and the QE authentication data).
	 */
	enum aesm_error (*init_quote)(
	        struct backend *b, const sgx_att_key_id_ext_t *key_id,
	        sgx_target_info_t *qe_target_info,
	        uint8_t pub_key_id[BACKEND_PUB_KEY_ID_SIZE]);

	enum aesm_error (*quote_size)(struct backend *b,
	                              const sgx_att_key_id_ext_t *key_id,
	                              uint32_t *size);

	/*
	 * Checks the report's MAC and writes the quote into quote (cap
	 * bytes; AESM_PARAMETER_ERROR when it does not fit), its length into
	 * *len. When qe_report_info is not NULL, fills its qe_report with a
	 * QE report targeted at its app_enclave_target_info whose report
	 * data is SHA-256(nonce || quote) followed by 32 zero bytes.
	 */
	enum aesm_error (*get_quote)(struct backend *b,
	                             const sgx_report_t *report,
	                             const sgx_att_key_id_ext_t *key_id,
	                             sgx_qe_report_info_t *qe_report_info,
	                             uint8_t *quote, uint32_t cap,
	                             uint32_t *len);

	void (*destroy)(struct backend *b);
};

struct backend {
	const struct backend_ops *ops;
	const char *name; /* "sim", "dcap" */
};

#endif
