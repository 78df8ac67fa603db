/*
 * libFuzzer target: the whole verification of a quote, verify_quote()
 * against the real dcap-qvl collateral bundle judged at a time inside its
 * window, so that the seed quotes (real SGX and TDX quotes) pass every
 * check and mutations reach each of them: quote parsing, the quote's own
 * PCK chain or the collateral's, the QE report and its binding, the TCB
 * and QE identity evaluation. The context and its cache are renewed every
 * CONTEXT_RUNS inputs so that the cache is both exercised and bounded.
 *
 * The collateral is read from SQH_TESTDATA (the tests/data directory).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/timeutil.h"
#include "verify/collateral.h"
#include "verify/verify.h"

#define CONTEXT_RUNS 256
#define MAX_QUOTE    (64 * 1024)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct collateral *col;
static struct verify_opts opts;
static struct verify_ctx *ctx;
static unsigned runs;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char at[] = "2025-07-19T10:01:17Z";
	char why[COLLATERAL_ERROR_SIZE];

	(void)argc;
	(void)argv;
	if (collateral_load(SQH_TESTDATA "/sgx/01_dcapqvl/collateral.json",
	                    &col, why) != ERR_OK) {
		fprintf(stderr, "fuzz_verify_quote: collateral: %s\n", why);
		abort();
	}
	if (timeutil_parse_rfc3339(at, sizeof(at) - 1, &opts.at) != ERR_OK)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_result res;
	enum err e;

	if (size > MAX_QUOTE)
		return 0;
	if (ctx == NULL || ++runs % CONTEXT_RUNS == 0) {
		verify_ctx_free(ctx);
		if (verify_ctx_new(NULL, &ctx) != ERR_OK)
			abort();
	}
	opts.strict = (size & 1) != 0;
	e = verify_quote(ctx, col, data, size, &opts, &res);
	/* A verified quote has a status; a failed one names its check. */
	if (e == ERR_OK && !res.has_status)
		abort();
	if (e != ERR_OK && (res.check[0] == '\0' || res.message[0] == '\0'))
		abort();
	return 0;
}
