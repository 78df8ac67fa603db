/*
 * sgx-quote probe: one protocol round trip (GetSupportedAttKeyIDNum) to
 * tell whether the service answers; for container health probes.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "client.h"
#include "common/timeutil.h"

static void
probe_usage(FILE *out)
{
	fprintf(out,
	        "usage: sgx-quote probe [--socket PATH] [--timeout-ms N]\n"
	        "\n"
	        "Ask the AESM service how many attestation keys it supports: "
	        "one\n"
	        "request on one connection, as libsgx_quote_ex makes it.\n"
	        "\n"
	        "  --socket PATH    the service's socket (default: "
	        "SGX_AESM_ADDR if it\n"
	        "                   is a path, else " CLIENT_DEFAULT_SOCKET
	        ")\n"
	        "  --timeout-ms N   deadline of each step: connect, send, "
	        "receive\n"
	        "                   (default: 15000)\n"
	        "  -h, --help       show this help\n"
	        "\n"
	        "Exit status: 0 the service answered with success, 1 no "
	        "answer\n"
	        "(unreachable, timed out or not an AESM reply), 2 bad usage, "
	        "3 the\n"
	        "service answered with an error code.\n");
}

enum { OPT_SOCKET = 256, OPT_TIMEOUT };

static const struct option probe_options[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static bool
probe_parse_timeout(const char *s, int *out)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > CLIENT_TIMEOUT_MAX_MS)
		return false;
	*out = (int)v;
	return true;
}

/* -1 to go on, otherwise the exit code. */
static int
probe_parse_args(int argc, char **argv, const char **socket, int *timeout)
{
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", probe_options, NULL)) !=
	       -1) {
		if (opt == 'h') {
			probe_usage(stdout);
			return CLI_EXIT_OK;
		}
		if (opt == OPT_SOCKET) {
			*socket = optarg;
			continue;
		}
		if (opt != OPT_TIMEOUT ||
		    !probe_parse_timeout(optarg, timeout)) {
			if (opt == OPT_TIMEOUT)
				fprintf(stderr,
				        "sgx-quote probe: --timeout-ms: "
				        "want 1 to %d\n",
				        CLIENT_TIMEOUT_MAX_MS);
			probe_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		probe_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

/* Reads the answer to the probe; the exit code. */
static int
probe_result(const char *path, const Aesm__Message__Response *res, double ms)
{
	const Aesm__Message__Response__GetSupportedAttKeyIDNumResponse *r =
	        res->getsupportedattkeyidnumres;

	if (r == NULL) {
		fprintf(stderr,
		        "sgx-quote probe: %s: reply lacks the "
		        "matching response; not an AESM service\n",
		        path);
		return CLI_EXIT_FAIL;
	}
	if (r->errorcode != 0) {
		fprintf(stderr,
		        "sgx-quote probe: %s: service answered errorCode=%u "
		        "(%s)\n",
		        path, r->errorcode,
		        client_status_name(client_map_aesm(
		                CLIENT_OP_GET_SUPPORTED_NUM, r->errorcode)));
		return CLI_EXIT_REJECTED;
	}
	printf("ok socket=%s keys=%u time_ms=%.3f\n", path,
	       r->has_att_key_id_num ? r->att_key_id_num : 0, ms);
	return CLI_EXIT_OK;
}

int
cmd_probe(int argc, char **argv)
{
	Aesm__Message__Request__GetSupportedAttKeyIDNumRequest sub =
	        AESM__MESSAGE__REQUEST__GET_SUPPORTED_ATT_KEY_IDNUM_REQUEST__INIT;
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	Aesm__Message__Response *res;
	const char *socket = NULL;
	struct client_conf conf;
	char path[PATH_MAX];
	int timeout = -1, rc;
	sgx_status_t s;
	double start;

	if ((rc = probe_parse_args(argc, argv, &socket, &timeout)) >= 0)
		return rc;
	client_conf_from_env(&conf);
	cli_socket_path(socket, path, sizeof(path));
	conf.path = path;
	if (timeout > 0)
		conf.timeout_ms = timeout;
	/* The transport's one-line explanation is the probe's message. */
	conf.debug = true;

	sub.has_timeout = true;
	sub.timeout = CLIENT_TIMEOUT_MS;
	req.getsupportedattkeyidnumreq = &sub;
	start = (double)timeutil_mono_ns() / 1e6;
	s = client_transact(&conf, CLIENT_OP_GET_SUPPORTED_NUM, &req, &res);
	if (s != SGX_SUCCESS) {
		fprintf(stderr, "sgx-quote probe: %s: no answer (%s)\n", path,
		        client_status_name(s));
		return CLI_EXIT_FAIL;
	}
	rc = probe_result(path, res, (double)timeutil_mono_ns() / 1e6 - start);
	wire_response_free(res);
	return rc;
}
