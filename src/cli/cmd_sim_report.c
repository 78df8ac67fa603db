/*
 * sgx-quote sim-report: act as a simulated enclave and make a report for
 * a given target (usually the simulated QE's target info), MACed with the
 * simulated CPU report key the daemon publishes next to its socket.
 *
 * Also the helpers that sgx-quote quote shares: where the service and the
 * report key are, and how the simulated enclave builds its report.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "backends/sim_report.h"
#include "cli.h"
#include "client.h"
#include "common/file.h"
#include "common/hex.h"

/* The simulated enclave's identity: fixed, recognisable measurements. */
#define SIM_ENCLAVE_MRENCLAVE_LABEL "sgx-quote simulated enclave"
#define SIM_ENCLAVE_MRSIGNER_LABEL  "sgx-quote simulated enclave signer"
#define SIM_ENCLAVE_XFRM            0x3 /* x87 and SSE state */

void
cli_socket_path(const char *opt, char *out, size_t size)
{
	const char *env = getenv("SGX_AESM_ADDR");
	char cwd[PATH_MAX];

	if (opt != NULL && opt[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		snprintf(out, size, "%s/%s", cwd, opt);
	else if (opt != NULL)
		snprintf(out, size, "%s", opt);
	else if (env != NULL && env[0] == '/')
		snprintf(out, size, "%s", env);
	else
		snprintf(out, size, "%s", CLIENT_DEFAULT_SOCKET);
}

void
cli_report_key_path(const char *opt, const char *socket, char *out, size_t size)
{
	const char *slash = strrchr(socket, '/');
	int dir_len = slash != NULL ? (int)(slash - socket) : 0;

	if (opt != NULL)
		snprintf(out, size, "%s", opt);
	else
		snprintf(out, size, "%.*s/sim-report.key", dir_len, socket);
}

int
cli_report_data_parse(const char *hex, sgx_report_data_t *out)
{
	size_t len;

	memset(out, 0, sizeof(*out));
	if (hex == NULL)
		return 0;
	if (hex_decode_var(hex, strlen(hex), out->d, sizeof(out->d), &len) !=
	    ERR_OK) {
		fprintf(stderr,
		        "sgx-quote: --report-data: want at most %zu "
		        "bytes of hex\n",
		        sizeof(out->d));
		return -1;
	}
	return 0;
}

static void
sim_enclave_body(const sgx_report_data_t *data, sgx_report_body_t *body)
{
	memset(body, 0, sizeof(*body));
	EVP_Digest(SIM_ENCLAVE_MRENCLAVE_LABEL,
	           strlen(SIM_ENCLAVE_MRENCLAVE_LABEL), body->mr_enclave.m,
	           NULL, EVP_sha256(), NULL);
	EVP_Digest(SIM_ENCLAVE_MRSIGNER_LABEL,
	           strlen(SIM_ENCLAVE_MRSIGNER_LABEL), body->mr_signer.m, NULL,
	           EVP_sha256(), NULL);
	body->attributes.flags = SGX_FLAGS_INITTED | SGX_FLAGS_MODE64BIT;
	body->attributes.xfrm = SIM_ENCLAVE_XFRM;
	body->report_data = *data;
}

int
cli_sim_report(const char *key_path, const sgx_target_info_t *target,
               const sgx_report_data_t *data, sgx_report_t *report)
{
	uint8_t key[SIM_REPORT_KEY_SIZE];
	sgx_report_body_t body;
	enum err e;

	if ((e = sim_report_key_load(key_path, key)) != ERR_OK) {
		fprintf(stderr,
		        "sgx-quote: report key %s: %s (is a daemon with the "
		        "simulated backend using this socket directory?)\n",
		        key_path, e == ERR_IO ? strerror(errno) : err_str(e));
		return -1;
	}
	sim_enclave_body(data, &body);
	e = sim_report_make(key, target, &body, report);
	OPENSSL_cleanse(key, sizeof(key));
	if (e != ERR_OK) {
		fprintf(stderr, "sgx-quote: cannot make the report: %s\n",
		        err_str(e));
		return -1;
	}
	return 0;
}

static void
sim_report_usage(FILE *out)
{
	fprintf(out,
	        "usage: sgx-quote sim-report --target-info FILE -o FILE\n"
	        "                            [--report-data HEX] "
	        "[--report-key FILE]\n"
	        "                            [--socket PATH]\n"
	        "\n"
	        "Act as a simulated enclave: make a 432-byte SGX report "
	        "targeted at the\n"
	        "512-byte target info in FILE, MACed with the simulated CPU "
	        "report key\n"
	        "that 'sgx-quote-helper --backend sim' publishes next to its "
	        "socket.\n"
	        "\n"
	        "  --target-info FILE  512-byte sgx_target_info_t to target\n"
	        "  -o FILE             where to write the report\n"
	        "  --report-data HEX   up to 64 bytes for the report data, "
	        "zero-padded\n"
	        "  --report-key FILE   the simulated CPU report key (default:\n"
	        "                      sim-report.key in the socket's "
	        "directory)\n"
	        "  --socket PATH       the daemon's socket, to find the key "
	        "(default:\n"
	        "                      SGX_AESM_ADDR if it is a path, else\n"
	        "                      " CLIENT_DEFAULT_SOCKET ")\n"
	        "  -h, --help          show this help\n"
	        "\n"
	        "Exit status: 0 written, 1 failed, 2 bad usage.\n");
}

struct sim_report_args {
	const char *target_info;
	const char *report_data;
	const char *report_key;
	const char *socket;
	const char *out;
};

enum { OPT_TARGET = 256, OPT_DATA, OPT_KEY, OPT_SOCKET };

static const struct option sim_report_options[] = {
        {"target-info", required_argument, NULL, OPT_TARGET},
        {"report-data", required_argument, NULL, OPT_DATA},
        {"report-key", required_argument, NULL, OPT_KEY},
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

/* -1 to go on, otherwise the exit code. */
static int
sim_report_parse_args(int argc, char **argv, struct sim_report_args *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", sim_report_options,
	                          NULL)) != -1) {
		switch (opt) {
		case OPT_TARGET:
			a->target_info = optarg;
			break;
		case OPT_DATA:
			a->report_data = optarg;
			break;
		case OPT_KEY:
			a->report_key = optarg;
			break;
		case OPT_SOCKET:
			a->socket = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'h':
			sim_report_usage(stdout);
			return CLI_EXIT_OK;
		default:
			sim_report_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc || a->target_info == NULL || a->out == NULL) {
		fprintf(stderr,
		        "sgx-quote sim-report: need --target-info and -o\n");
		sim_report_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

/* Reads a target info file, which must be exactly 512 bytes. */
static int
sim_report_read_target(const char *path, sgx_target_info_t *ti)
{
	uint8_t *data;
	size_t len;
	enum err e;

	e = file_read_all(path, sizeof(*ti) + 1, &data, &len);
	if (e != ERR_OK) {
		fprintf(stderr, "sgx-quote sim-report: %s: %s\n", path,
		        e == ERR_IO ? strerror(errno) : err_str(e));
		return -1;
	}
	if (len != sizeof(*ti)) {
		fprintf(stderr,
		        "sgx-quote sim-report: %s: %zu bytes, a target info "
		        "has %zu\n",
		        path, len, sizeof(*ti));
		free(data);
		return -1;
	}
	memcpy(ti, data, sizeof(*ti));
	free(data);
	return 0;
}

int
cmd_sim_report(int argc, char **argv)
{
	char socket[PATH_MAX], key_path[PATH_MAX];
	struct sim_report_args a;
	sgx_report_data_t data;
	sgx_target_info_t ti;
	sgx_report_t report;
	int rc;

	if ((rc = sim_report_parse_args(argc, argv, &a)) >= 0)
		return rc;
	if (cli_report_data_parse(a.report_data, &data) != 0)
		return CLI_EXIT_USAGE;
	cli_socket_path(a.socket, socket, sizeof(socket));
	cli_report_key_path(a.report_key, socket, key_path, sizeof(key_path));

	if (sim_report_read_target(a.target_info, &ti) != 0 ||
	    cli_sim_report(key_path, &ti, &data, &report) != 0)
		return CLI_EXIT_FAIL;
	if (file_write_atomic(a.out, &report, sizeof(report), 0644) != ERR_OK) {
		fprintf(stderr, "sgx-quote sim-report: %s: %s\n", a.out,
		        strerror(errno));
		return CLI_EXIT_FAIL;
	}
	printf("report written to %s (%zu bytes)\n", a.out, sizeof(report));
	return CLI_EXIT_OK;
}
