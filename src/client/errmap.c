/*
 * errorCode to sgx_status_t, in the two steps of Intel's client
 * (reference "AESM protocol" section 4.4).
 */
#include "client.h"

#include "common/aesm_error.h"

/* Step 1, common to every call; UNEXPECTED means "not in this table". */
static sgx_status_t
map_common(uint32_t code)
{
	switch (code) {
	case AESM_SUCCESS:
		return SGX_SUCCESS;
	case AESM_UPDATE_AVAILABLE:
		return SGX_ERROR_UPDATE_NEEDED;
	case AESM_PARAMETER_ERROR:
		return SGX_ERROR_INVALID_PARAMETER;
	case AESM_SERVICE_STOPPED:
	case AESM_SERVICE_UNAVAILABLE:
	case AESM_ENCLAVE_LOAD_ERROR:
	case AESM_ENCLAVE_LOST:
		return SGX_ERROR_SERVICE_UNAVAILABLE;
	case AESM_OUT_OF_MEMORY_ERROR:
		return SGX_ERROR_OUT_OF_MEMORY;
	case AESM_BUSY:
		return SGX_ERROR_BUSY;
	case AESM_UNRECOGNIZED_PLATFORM:
		return SGX_ERROR_UNRECOGNIZED_PLATFORM;
	case AESM_NETWORK_ERROR:
	case AESM_NETWORK_BUSY_ERROR:
	case AESM_PROXY_SETTING_ASSIST:
		return SGX_ERROR_NETWORK_FAILURE;
	case AESM_NO_DEVICE_ERROR:
		return SGX_ERROR_NO_DEVICE;
	default:
		return SGX_ERROR_UNEXPECTED;
	}
}

/* Codes every call that talks to the QE shares. */
static sgx_status_t
map_key_common(uint32_t code)
{
	switch (code) {
	case AESM_UNSUPPORTED_ATT_KEY_ID:
		return SGX_ERROR_UNSUPPORTED_ATT_KEY_ID;
	case AESM_ATT_KEY_NOT_INITIALIZED:
		return SGX_ERROR_ATT_KEY_UNINITIALIZED;
	default:
		return SGX_ERROR_UNEXPECTED;
	}
}

/* Codes of the calls that load enclaves (init and get quote). */
static sgx_status_t
map_enclave_common(uint32_t code)
{
	switch (code) {
	case AESM_UNSUPPORTED_ATT_KEY_ID:
		return SGX_ERROR_UNSUPPORTED_ATT_KEY_ID;
	case AESM_EPIDBLOB_ERROR:
		return SGX_ERROR_AE_INVALID_EPIDBLOB;
	case AESM_EPID_REVOKED_ERROR:
		return SGX_ERROR_EPID_MEMBER_REVOKED;
	case AESM_BACKEND_SERVER_BUSY:
		return SGX_ERROR_BUSY;
	case AESM_OUT_OF_EPC:
		return SGX_ERROR_OUT_OF_EPC;
	default:
		return SGX_ERROR_UNEXPECTED;
	}
}

static sgx_status_t
map_init_quote_ex(uint32_t code)
{
	switch (code) {
	case AESM_KEY_CERTIFICATION_ERROR:
		return SGX_ERROR_ATT_KEY_CERTIFICATION_FAILURE;
	case AESM_NO_PLATFORM_CERT_DATA:
		return SGX_ERROR_PLATFORM_CERT_UNAVAILABLE;
	default:
		return map_enclave_common(code);
	}
}

static sgx_status_t
map_get_quote_ex(uint32_t code)
{
	switch (code) {
	case AESM_ATT_KEY_NOT_INITIALIZED:
		return SGX_ERROR_ATT_KEY_UNINITIALIZED;
	case AESM_ERROR_REPORT:
	case AESM_INVALID_REPORT:
		return SGX_ERROR_MAC_MISMATCH;
	default:
		return map_enclave_common(code);
	}
}

/* Step 2: the call's own codes. */
static sgx_status_t
map_specific(enum client_op op, uint32_t code)
{
	switch (op) {
	case CLIENT_OP_SELECT_ATT_KEY_ID:
		return code == AESM_UNSUPPORTED_ATT_KEY_ID
		               ? SGX_ERROR_UNSUPPORTED_ATT_KEY_ID
		               : SGX_ERROR_UNEXPECTED;
	case CLIENT_OP_INIT_QUOTE_EX:
		return map_init_quote_ex(code);
	case CLIENT_OP_GET_QUOTE_SIZE_EX:
		return map_key_common(code);
	case CLIENT_OP_GET_QUOTE_EX:
		return map_get_quote_ex(code);
	case CLIENT_OP_GET_SUPPORTED_NUM:
	case CLIENT_OP_GET_SUPPORTED_IDS:
		break;
	}
	return SGX_ERROR_UNEXPECTED;
}

sgx_status_t
client_map_aesm(enum client_op op, uint32_t code)
{
	sgx_status_t s = map_common(code);

	if (s != SGX_ERROR_UNEXPECTED || code == AESM_UNEXPECTED_ERROR)
		return s;
	return map_specific(op, code);
}

const char *
client_op_name(enum client_op op)
{
	switch (op) {
	case CLIENT_OP_SELECT_ATT_KEY_ID:
		return "sgx_select_att_key_id";
	case CLIENT_OP_INIT_QUOTE_EX:
		return "sgx_init_quote_ex";
	case CLIENT_OP_GET_QUOTE_SIZE_EX:
		return "sgx_get_quote_size_ex";
	case CLIENT_OP_GET_QUOTE_EX:
		return "sgx_get_quote_ex";
	case CLIENT_OP_GET_SUPPORTED_NUM:
		return "sgx_get_supported_att_key_id_num";
	case CLIENT_OP_GET_SUPPORTED_IDS:
		return "sgx_get_supported_att_key_ids";
	}
	return "unknown";
}

const char *
client_status_name(sgx_status_t status)
{
	switch (status) {
	case SGX_SUCCESS:
		return "SGX_SUCCESS";
	case SGX_ERROR_UNEXPECTED:
		return "SGX_ERROR_UNEXPECTED";
	case SGX_ERROR_INVALID_PARAMETER:
		return "SGX_ERROR_INVALID_PARAMETER";
	case SGX_ERROR_OUT_OF_MEMORY:
		return "SGX_ERROR_OUT_OF_MEMORY";
	case SGX_ERROR_ENCLAVE_LOST:
		return "SGX_ERROR_ENCLAVE_LOST";
	case SGX_ERROR_OUT_OF_EPC:
		return "SGX_ERROR_OUT_OF_EPC";
	case SGX_ERROR_NO_DEVICE:
		return "SGX_ERROR_NO_DEVICE";
	case SGX_ERROR_MAC_MISMATCH:
		return "SGX_ERROR_MAC_MISMATCH";
	case SGX_ERROR_SERVICE_UNAVAILABLE:
		return "SGX_ERROR_SERVICE_UNAVAILABLE";
	case SGX_ERROR_SERVICE_TIMEOUT:
		return "SGX_ERROR_SERVICE_TIMEOUT";
	case SGX_ERROR_AE_INVALID_EPIDBLOB:
		return "SGX_ERROR_AE_INVALID_EPIDBLOB";
	case SGX_ERROR_SERVICE_INVALID_PRIVILEGE:
		return "SGX_ERROR_SERVICE_INVALID_PRIVILEGE";
	case SGX_ERROR_EPID_MEMBER_REVOKED:
		return "SGX_ERROR_EPID_MEMBER_REVOKED";
	case SGX_ERROR_UPDATE_NEEDED:
		return "SGX_ERROR_UPDATE_NEEDED";
	case SGX_ERROR_NETWORK_FAILURE:
		return "SGX_ERROR_NETWORK_FAILURE";
	case SGX_ERROR_AE_SESSION_INVALID:
		return "SGX_ERROR_AE_SESSION_INVALID";
	case SGX_ERROR_BUSY:
		return "SGX_ERROR_BUSY";
	case SGX_ERROR_UNRECOGNIZED_PLATFORM:
		return "SGX_ERROR_UNRECOGNIZED_PLATFORM";
	case SGX_ERROR_UNSUPPORTED_CONFIG:
		return "SGX_ERROR_UNSUPPORTED_CONFIG";
	case SGX_ERROR_UNSUPPORTED_ATT_KEY_ID:
		return "SGX_ERROR_UNSUPPORTED_ATT_KEY_ID";
	case SGX_ERROR_ATT_KEY_CERTIFICATION_FAILURE:
		return "SGX_ERROR_ATT_KEY_CERTIFICATION_FAILURE";
	case SGX_ERROR_ATT_KEY_UNINITIALIZED:
		return "SGX_ERROR_ATT_KEY_UNINITIALIZED";
	case SGX_ERROR_INVALID_ATT_KEY_CERT_DATA:
		return "SGX_ERROR_INVALID_ATT_KEY_CERT_DATA";
	case SGX_ERROR_PLATFORM_CERT_UNAVAILABLE:
		return "SGX_ERROR_PLATFORM_CERT_UNAVAILABLE";
	}
	return "unknown sgx_status_t";
}
