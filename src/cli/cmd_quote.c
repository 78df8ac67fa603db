/*
 * sgx-quote quote: act as a simulated enclave and get a quote through the
 * project's own libsgx_quote_ex, calling it in the order Open Enclave does
 * (reference "AESM protocol" section 5.2): supported key count, key IDs,
 * init size query, init, quote size, quote.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "common/cursor.h"
#include "common/file.h"
#include "sgx_uae_quote_ex.h"

#define QUOTE_DEFAULT_OUT "quote.bin"
/* Quote v3: signature_data_len sits after the header and report body. */
#define QUOTE_SIG_LEN_OFFSET 432

static void
quote_usage(FILE *out)
{
	fprintf(out,
	        "usage: sgx-quote quote [--socket PATH] [--report-data HEX]\n"
	        "                       [--report-key FILE] [-o FILE]\n"
	        "\n"
	        "Act as a simulated enclave: get the quoting enclave's target "
	        "info, make\n"
	        "a report with the simulated CPU report key, and get a quote "
	        "for it, all\n"
	        "through libsgx_quote_ex.so.1 as Open Enclave calls it. Needs "
	        "a daemon\n"
	        "running with the simulated backend.\n"
	        "\n"
	        "  --socket PATH      the daemon's socket (default: "
	        "SGX_AESM_ADDR if it\n"
	        "                     is a path, else " CLIENT_DEFAULT_SOCKET
	        ")\n"
	        "  --report-data HEX  up to 64 bytes for the report data, "
	        "zero-padded\n"
	        "  --report-key FILE  the simulated CPU report key (default:\n"
	        "                     sim-report.key in the socket's "
	        "directory)\n"
	        "  -o FILE            where to write the quote (default: "
	        "" QUOTE_DEFAULT_OUT ")\n"
	        "  -h, --help         show this help\n"
	        "\n"
	        "SGX_QUOTE_EX_DEBUG=1 makes the library explain failures on "
	        "stderr.\n"
	        "Exit status: 0 written, 1 failed, 2 bad usage.\n");
}

struct quote_args {
	const char *socket;
	const char *report_data;
	const char *report_key;
	const char *out;
};

enum { OPT_SOCKET = 256, OPT_DATA, OPT_KEY };

static const struct option quote_options[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"report-data", required_argument, NULL, OPT_DATA},
        {"report-key", required_argument, NULL, OPT_KEY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

/* -1 to go on, otherwise the exit code. */
static int
quote_parse_args(int argc, char **argv, struct quote_args *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	a->out = QUOTE_DEFAULT_OUT;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", quote_options, NULL)) !=
	       -1) {
		switch (opt) {
		case OPT_SOCKET:
			a->socket = optarg;
			break;
		case OPT_DATA:
			a->report_data = optarg;
			break;
		case OPT_KEY:
			a->report_key = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'h':
			quote_usage(stdout);
			return CLI_EXIT_OK;
		default:
			quote_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sgx-quote quote: unexpected argument '%s'\n",
		        argv[optind]);
		quote_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

#define QUOTE_WHO "sgx-quote quote"

static bool
quote_check(const char *call, sgx_status_t s)
{
	return cli_quote_ex_check(QUOTE_WHO, call, s);
}

/* Services may pad the quote to the buffer size; keep the real length,
 * header and body plus the signature data it states. */
static size_t
quote_real_len(const uint8_t *quote, size_t len)
{
	struct cursor c;
	uint32_t sig_len;

	cursor_init(&c, quote, len);
	if (cursor_skip(&c, QUOTE_SIG_LEN_OFFSET) != ERR_OK ||
	    cursor_u32le(&c, &sig_len) != ERR_OK ||
	    sig_len > cursor_remaining(&c))
		return len;
	return cursor_offset(&c) + sig_len;
}

/* Steps 5-6: quote size, then the quote, written to out. */
static bool
quote_get(const sgx_att_key_id_t *key, const sgx_report_t *report,
          const char *out)
{
	uint32_t size = 0;
	uint8_t *quote;
	size_t len;
	bool ok;

	if (!quote_check("sgx_get_quote_size_ex",
	                 sgx_get_quote_size_ex(key, &size)))
		return false;
	if (size == 0 || (quote = calloc(1, size)) == NULL) {
		fprintf(stderr, "sgx-quote quote: bad quote size %u\n", size);
		return false;
	}
	ok = quote_check("sgx_get_quote_ex",
	                 sgx_get_quote_ex(report, key, NULL, quote, size));
	len = quote_real_len(quote, size);
	if (ok && file_write_atomic(out, quote, len, 0644) != ERR_OK) {
		perror(out);
		ok = false;
	}
	if (ok)
		printf("quote written to %s (%zu bytes)\n", out, len);
	free(quote);
	return ok;
}

int
cmd_quote(int argc, char **argv)
{
	char socket[PATH_MAX], key_path[PATH_MAX];
	struct quote_args a;
	sgx_report_data_t data;
	sgx_target_info_t ti;
	sgx_att_key_id_t key;
	sgx_report_t report;
	int rc;

	if ((rc = quote_parse_args(argc, argv, &a)) >= 0)
		return rc;
	if (cli_report_data_parse(a.report_data, &data) != 0)
		return CLI_EXIT_USAGE;
	cli_socket_path(a.socket, socket, sizeof(socket));
	cli_report_key_path(a.report_key, socket, key_path, sizeof(key_path));
	/* The library reads its address on every call. */
	if (a.socket != NULL)
		setenv("SGX_AESM_ADDR", socket, 1);

	if (!cli_enclave_pick_key(QUOTE_WHO, &key) ||
	    !cli_enclave_target_info(QUOTE_WHO, &key, &ti))
		return CLI_EXIT_FAIL;
	if (cli_sim_report(key_path, &ti, &data, &report) != 0)
		return CLI_EXIT_FAIL;
	return quote_get(&key, &report, a.out) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
