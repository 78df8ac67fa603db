/*
 * The stand-in's lower-level half (Intel's libsgx_qe3_logic.so, reference
 * "AESM protocol" section 6.2): the simulated platform behind Intel's
 * sgx_ql_* signatures, plus the call record and the injected failures.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/sim.h"
#include "common/keyid.h"
#include "standin.h"

static pthread_mutex_t standin_lock = PTHREAD_MUTEX_INITIALIZER;
static struct backend *standin_sim;

static void
standin_record(const char *what)
{
	const char *path = getenv("SQH_STANDIN_RECORD");
	FILE *f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%s SGX_AESM_ADDR=%s\n", what,
	        getenv("SGX_AESM_ADDR") ? "set" : "unset");
	fclose(f);
}

/* Intel's library decides in its constructor whether it runs in or out
 * of process; the record shows what this one saw then. */
__attribute__((constructor)) static void
standin_load(void)
{
	standin_record("load");
}

/* The code the control file asks this function to fail with. */
static quote3_error_t
standin_injected(const char *function)
{
	const char *path = getenv("SQH_STANDIN_CONTROL");
	char line[256], name[128];
	long code;
	quote3_error_t rc = SGX_QL_SUCCESS;
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return SGX_QL_SUCCESS;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%127s %li", name, &code) == 2 &&
		    (strcmp(name, function) == 0 || strcmp(name, "*") == 0))
			rc = (quote3_error_t)code;
	fclose(f);
	return rc;
}

quote3_error_t
standin_enter(const char *function)
{
	standin_record(function);
	if (getenv("SGX_AESM_ADDR") != NULL)
		return SGX_QL_SERVICE_UNAVAILABLE;
	return standin_injected(function);
}

static struct backend *
standin_platform(void)
{
	struct sim_config cfg = {
	        .state_dir = getenv("SQH_STANDIN_STATE"),
	        .report_key_path = getenv("SQH_STANDIN_REPORT_KEY"),
	};

	pthread_mutex_lock(&standin_lock);
	if (standin_sim == NULL && cfg.state_dir != NULL &&
	    backend_sim_open(&cfg, &standin_sim) != ERR_OK)
		standin_sim = NULL;
	pthread_mutex_unlock(&standin_lock);
	return standin_sim;
}

static quote3_error_t
standin_from_aesm(enum aesm_error e)
{
	switch (e) {
	case AESM_SUCCESS:
		return SGX_QL_SUCCESS;
	case AESM_PARAMETER_ERROR:
		return SGX_QL_ERROR_INVALID_PARAMETER;
	case AESM_OUT_OF_MEMORY_ERROR:
		return SGX_QL_ERROR_OUT_OF_MEMORY;
	case AESM_UNSUPPORTED_ATT_KEY_ID:
		return SGX_QL_UNSUPPORTED_ATT_KEY_ID;
	case AESM_INVALID_REPORT:
		return SGX_QL_INVALID_REPORT;
	case AESM_UNABLE_TO_GENERATE_QE_REPORT:
		return SGX_QL_UNABLE_TO_GENERATE_QE_REPORT;
	default:
		return SGX_QL_ERROR_UNEXPECTED;
	}
}

/* A NULL key is the default; any other must be it (section 3.1). */
static bool
standin_key(const sgx_ql_att_key_id_t *key, sgx_att_key_id_ext_t *out)
{
	sgx_att_key_id_ext_t def;

	keyid_default_ecdsa(&def);
	*out = def;
	if (key == NULL)
		return true;
	out->base = *key;
	return keyid_base_equal(out, &def);
}

quote3_error_t
sgx_ql_set_enclave_load_policy(sgx_ql_request_policy_t p)
{
	quote3_error_t rc = standin_enter("sgx_ql_set_enclave_load_policy");
	char what[64];

	if (rc != SGX_QL_SUCCESS)
		return rc;
	if (p != SGX_QL_PERSISTENT && p != SGX_QL_EPHEMERAL)
		return SGX_QL_UNSUPPORTED_LOADING_POLICY;
	snprintf(what, sizeof(what), "policy=%d", (int)p);
	standin_record(what);
	return SGX_QL_SUCCESS;
}

quote3_error_t
sgx_ql_get_keyid(sgx_att_key_id_ext_t *key)
{
	if (key == NULL)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	keyid_default_ecdsa(key);
	return SGX_QL_SUCCESS;
}

quote3_error_t
sgx_ql_init_quote(sgx_ql_att_key_id_t *key, sgx_target_info_t *ti,
                  bool refresh_att_key, size_t *pub_key_id_size,
                  uint8_t *pub_key_id)
{
	quote3_error_t rc = standin_enter("sgx_ql_init_quote");
	sgx_att_key_id_ext_t k;
	struct backend *b;

	(void)refresh_att_key;
	if (rc != SGX_QL_SUCCESS)
		return rc;
	if (ti == NULL || pub_key_id_size == NULL)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	if (!standin_key(key, &k))
		return SGX_QL_UNSUPPORTED_ATT_KEY_ID;
	/* The size query loads no enclave (section 3.4). */
	if (pub_key_id == NULL) {
		*pub_key_id_size = BACKEND_PUB_KEY_ID_SIZE;
		return SGX_QL_SUCCESS;
	}
	if (*pub_key_id_size != BACKEND_PUB_KEY_ID_SIZE)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	if ((b = standin_platform()) == NULL)
		return SGX_QL_ENCLAVE_LOAD_ERROR;
	return standin_from_aesm(b->ops->init_quote(b, &k, ti, pub_key_id));
}

quote3_error_t
sgx_ql_get_quote_size(sgx_ql_att_key_id_t *key, uint32_t *size)
{
	quote3_error_t rc = standin_enter("sgx_ql_get_quote_size");
	sgx_att_key_id_ext_t k;
	struct backend *b;

	if (rc != SGX_QL_SUCCESS)
		return rc;
	if (size == NULL)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	if (!standin_key(key, &k))
		return SGX_QL_UNSUPPORTED_ATT_KEY_ID;
	if ((b = standin_platform()) == NULL)
		return SGX_QL_ENCLAVE_LOAD_ERROR;
	return standin_from_aesm(b->ops->quote_size(b, &k, size));
}

quote3_error_t
sgx_ql_get_quote(const sgx_report_t *report, sgx_ql_att_key_id_t *key,
                 sgx_ql_qe_report_info_t *qe_report_info, uint8_t *quote,
                 uint32_t quote_size)
{
	quote3_error_t rc = standin_enter("sgx_ql_get_quote");
	sgx_att_key_id_ext_t k;
	struct backend *b;
	uint32_t len;

	if (rc != SGX_QL_SUCCESS)
		return rc;
	if (report == NULL || quote == NULL || quote_size == 0)
		return SGX_QL_ERROR_INVALID_PARAMETER;
	if (!standin_key(key, &k))
		return SGX_QL_UNSUPPORTED_ATT_KEY_ID;
	if ((b = standin_platform()) == NULL)
		return SGX_QL_ENCLAVE_LOAD_ERROR;
	return standin_from_aesm(b->ops->get_quote(
	        b, report, &k, qe_report_info, quote, quote_size, &len));
}
