/*
 * Acts as the daemon and a simulated enclave at once: opens the sim
 * backend on a state directory, makes an app report for the QE's target
 * info and asks for a quote, so that scripts can check the result with
 * the openssl tool.
 *
 *   sim_quote_tool STATE_DIR QUOTE_OUT [--cap N] [--tamper]
 *                  [--report-key PATH] [--qe-report-info FILE]
 *                  [--pub-key-id-out FILE] [--open-only]
 *
 * Exit status: the AESM error code of the quote (0 on success), or 100
 * when the tool itself fails.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/sim.h"
#include "backends/sim_report.h"
#include "common/file.h"
#include "common/keyid.h"

#define TOOL_FAIL 100

struct tool_args {
	const char *state_dir;
	const char *quote_out;
	const char *report_key;
	const char *qe_report_info;
	const char *pub_key_id_out;
	unsigned long cap;
	bool tamper;
	bool open_only;
};

static bool
parse_value(const char *opt, const char *val, struct tool_args *a)
{
	if (strcmp(opt, "--cap") == 0)
		a->cap = strtoul(val, NULL, 10);
	else if (strcmp(opt, "--report-key") == 0)
		a->report_key = val;
	else if (strcmp(opt, "--qe-report-info") == 0)
		a->qe_report_info = val;
	else if (strcmp(opt, "--pub-key-id-out") == 0)
		a->pub_key_id_out = val;
	else
		return false;
	return true;
}

static bool
parse_args(int argc, char **argv, struct tool_args *a)
{
	memset(a, 0, sizeof(*a));
	if (argc < 3)
		return false;
	a->state_dir = argv[1];
	a->quote_out = argv[2];
	a->cap = 16384;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--tamper") == 0)
			a->tamper = true;
		else if (strcmp(argv[i], "--open-only") == 0)
			a->open_only = true;
		else if (i + 1 < argc && parse_value(argv[i], argv[i + 1], a))
			i++;
		else
			return false;
	}
	return true;
}

static int
write_out(const char *path, const void *data, size_t len)
{
	if (path == NULL)
		return 0;
	if (file_write_atomic(path, data, len, 0644) != ERR_OK) {
		perror(path);
		return TOOL_FAIL;
	}
	return 0;
}

/* An app enclave report for the QE, signed with the published key. */
static int
make_app_report(const struct tool_args *a, const sgx_target_info_t *qe,
                sgx_report_t *report)
{
	uint8_t key[SIM_REPORT_KEY_SIZE];
	sgx_report_body_t body;

	if (sim_report_key_load(a->report_key, key) != ERR_OK) {
		fprintf(stderr, "cannot load %s\n", a->report_key);
		return TOOL_FAIL;
	}
	memset(&body, 0, sizeof(body));
	memset(body.mr_enclave.m, 0xa1, sizeof(body.mr_enclave.m));
	memset(body.mr_signer.m, 0xb2, sizeof(body.mr_signer.m));
	body.attributes.flags = SGX_FLAGS_INITTED | SGX_FLAGS_MODE64BIT;
	body.attributes.xfrm = 0x3;
	body.isv_prod_id = 7;
	body.isv_svn = 3;
	for (size_t i = 0; i < sizeof(body.report_data.d); i++)
		body.report_data.d[i] = (uint8_t)(0x40 + i);
	if (sim_report_make(key, qe, &body, report) != ERR_OK)
		return TOOL_FAIL;
	if (a->tamper)
		report->body.report_data.d[0] ^= 1;
	return 0;
}

/* The nonce and app target the script checks the QE report against. */
static void
fill_qe_report_info(sgx_qe_report_info_t *info)
{
	memset(info, 0, sizeof(*info));
	for (size_t i = 0; i < sizeof(info->nonce); i++)
		info->nonce[i] = (uint8_t)(0xf0 + i);
	memset(info->app_enclave_target_info.mr_enclave.m, 0xa1, 32);
	info->app_enclave_target_info.attributes.flags =
	        SGX_FLAGS_INITTED | SGX_FLAGS_MODE64BIT;
	info->app_enclave_target_info.attributes.xfrm = 0x3;
}

/* The QE report must verify for the app with the same CPU key. */
static int
check_qe_report(const struct tool_args *a, const sgx_qe_report_info_t *info)
{
	uint8_t key[SIM_REPORT_KEY_SIZE];

	if (sim_report_key_load(a->report_key, key) != ERR_OK ||
	    !sim_report_verify(key, &info->app_enclave_target_info,
	                       &info->qe_report)) {
		fprintf(stderr, "QE report for the app does not verify\n");
		return TOOL_FAIL;
	}
	return write_out(a->qe_report_info, info, sizeof(*info));
}

static int
run_quote(const struct tool_args *a, struct backend *be)
{
	sgx_att_key_id_ext_t key_id;
	sgx_target_info_t qe;
	sgx_report_t report;
	sgx_qe_report_info_t info;
	uint8_t pub_key_id[BACKEND_PUB_KEY_ID_SIZE];
	uint8_t *quote;
	uint32_t len = 0;
	enum aesm_error ae;
	int rc;

	keyid_default_ecdsa(&key_id);
	if ((ae = be->ops->init_quote(be, &key_id, &qe, pub_key_id)) != 0)
		return (int)ae;
	if ((rc = write_out(a->pub_key_id_out, pub_key_id,
	                    sizeof(pub_key_id))) != 0 ||
	    (rc = make_app_report(a, &qe, &report)) != 0)
		return rc;
	fill_qe_report_info(&info);
	if ((quote = calloc(1, a->cap + 1)) == NULL)
		return TOOL_FAIL;
	ae = be->ops->get_quote(be, &report, &key_id,
	                        a->qe_report_info != NULL ? &info : NULL, quote,
	                        (uint32_t)a->cap, &len);
	rc = (int)ae;
	if (ae == AESM_SUCCESS)
		rc = write_out(a->quote_out, quote, len);
	if (rc == 0 && a->qe_report_info != NULL)
		rc = check_qe_report(a, &info);
	free(quote);
	return rc;
}

int
main(int argc, char **argv)
{
	struct tool_args a;
	struct sim_config cfg;
	struct backend *be;
	char key_path[4096];
	int rc;

	if (!parse_args(argc, argv, &a)) {
		fprintf(stderr, "usage: sim_quote_tool STATE_DIR QUOTE_OUT "
		                "[options]\n");
		return TOOL_FAIL;
	}
	if (a.report_key == NULL) {
		snprintf(key_path, sizeof(key_path), "%s.report-key",
		         a.state_dir);
		a.report_key = key_path;
	}
	cfg.state_dir = a.state_dir;
	cfg.report_key_path = a.report_key;
	if (backend_sim_open(&cfg, &be) != ERR_OK) {
		fprintf(stderr, "cannot open the sim backend\n");
		return TOOL_FAIL;
	}
	rc = a.open_only ? 0 : run_quote(&a, be);
	be->ops->destroy(be);
	return rc;
}
