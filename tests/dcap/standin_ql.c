/*
 * The stand-in's high-level half (Intel's libsgx_dcap_ql.so.1, reference
 * "AESM protocol" section 6.1), on top of the sgx_ql_* functions as
 * Intel's wrapper is: the default key, a size query before init, and no
 * qe_report_info.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "standin.h"

sgx_ql_logging_callback_t sgx_trace_logger_callback;
sgx_ql_log_level_t sgx_trace_loglevel = SGX_QL_LOG_ERROR;

quote3_error_t
sgx_qe_set_enclave_load_policy(sgx_ql_request_policy_t p)
{
	quote3_error_t rc = standin_enter("sgx_qe_set_enclave_load_policy");

	if (rc != SGX_QL_SUCCESS)
		return rc;
	return sgx_ql_set_enclave_load_policy(p);
}

quote3_error_t
sgx_qe_get_target_info(sgx_target_info_t *ti)
{
	quote3_error_t rc = standin_enter("sgx_qe_get_target_info");
	uint8_t id[32];
	size_t size = 0;

	if (rc != SGX_QL_SUCCESS)
		return rc;
	if (ti == NULL)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	memset(ti, 0, sizeof(*ti));
	if ((rc = sgx_ql_init_quote(NULL, ti, false, &size, NULL)) !=
	    SGX_QL_SUCCESS)
		return rc;
	if (size != sizeof(id))
		return SGX_QL_ERROR_UNEXPECTED;
	return sgx_ql_init_quote(NULL, ti, false, &size, id);
}

quote3_error_t
sgx_qe_get_quote_size(uint32_t *size)
{
	quote3_error_t rc = standin_enter("sgx_qe_get_quote_size");

	if (rc != SGX_QL_SUCCESS)
		return rc;
	if (size == NULL)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	return sgx_ql_get_quote_size(NULL, size);
}

quote3_error_t
sgx_qe_get_quote(const sgx_report_t *report, uint32_t quote_size,
                 uint8_t *quote)
{
	quote3_error_t rc = standin_enter("sgx_qe_get_quote");

	if (rc != SGX_QL_SUCCESS)
		return rc;
	if (report == NULL || quote == NULL)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	rc = sgx_ql_get_quote(report, NULL, NULL, quote, quote_size);
	/* "garbage_quote 1": success, but bytes that are no quote, as a
	 * broken library could return them. */
	if (rc == SGX_QL_SUCCESS && standin_enter("garbage_quote") != 0)
		memset(quote, 0xff, quote_size);
	return rc;
}

quote3_error_t
sgx_qe_cleanup_by_policy(void)
{
	return standin_enter("sgx_qe_cleanup_by_policy");
}

quote3_error_t
sgx_ql_set_path(sgx_ql_path_type_t type, const char *path)
{
	quote3_error_t rc = standin_enter("sgx_ql_set_path");
	struct stat st;

	if (rc != SGX_QL_SUCCESS)
		return rc;
	if (type > SGX_QL_IDE_PATH || path == NULL || lstat(path, &st) != 0 ||
	    !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
		return SGX_QL_ERROR_INVALID_PARAMETER;
	return SGX_QL_SUCCESS;
}

quote3_error_t
sgx_ql_set_trace_callback(sgx_ql_logging_callback_t cb,
                          sgx_ql_log_level_t level)
{
	sgx_trace_logger_callback = cb;
	sgx_trace_loglevel = level;
	return SGX_QL_SUCCESS;
}
