/*
 * sgx-quote collateral --state-dir DIR -o DIR: exports the simulated
 * platform's root CA and collateral in the layout 'verify --collateral'
 * reads, freshly issued and signed by the platform's own keys.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "backends/sim_collateral.h"
#include "common/err.h"

static void
collateral_usage(FILE *out)
{
	fprintf(out,
	        "usage: sgx-quote collateral --state-dir DIR -o DIR\n"
	        "\n"
	        "Export the simulated SGX platform kept in --state-dir (the "
	        "daemon's\n"
	        "--state-dir; created when missing) as verification "
	        "collateral:\n"
	        "root_ca.pem, tcb_info.json, qe_identity.json, their issuer "
	        "chains,\n"
	        "pck_crl.der, pck_crl_issuer_chain.pem and root_ca_crl.der, "
	        "issued now\n"
	        "and valid for %d days. Then:\n"
	        "\n"
	        "  sgx-quote verify QUOTE --collateral DIR --root "
	        "DIR/root_ca.pem\n"
	        "\n"
	        "  --state-dir DIR  the simulated platform's state\n"
	        "  -o DIR           where to write the collateral\n"
	        "  -h, --help       show this help\n"
	        "\n"
	        "Exit status: 0 written, 1 failed, 2 bad usage.\n",
	        SIM_COLLATERAL_DAYS);
}

int
cmd_collateral(int argc, char **argv)
{
	const char *state_dir = NULL, *out_dir = NULL;
	enum err e;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			collateral_usage(stdout);
			return CLI_EXIT_OK;
		}
		if (i + 1 < argc && strcmp(argv[i], "--state-dir") == 0)
			state_dir = argv[++i];
		else if (i + 1 < argc && (strcmp(argv[i], "-o") == 0 ||
		                          strcmp(argv[i], "--output") == 0))
			out_dir = argv[++i];
		else {
			collateral_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (state_dir == NULL || out_dir == NULL) {
		collateral_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if ((e = sim_collateral_export(state_dir, out_dir, time(NULL))) !=
	    ERR_OK) {
		fprintf(stderr, "sgx-quote collateral: %s\n", err_str(e));
		return CLI_EXIT_FAIL;
	}
	printf("%s/root_ca.pem\n", out_dir);
	return CLI_EXIT_OK;
}
