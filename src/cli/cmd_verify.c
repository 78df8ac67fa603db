/*
 * sgx-quote verify: checks quotes against collateral and prints one verdict
 * per quote. The exit code is the worst verdict: 1 when a check failed
 * (expired collateral included, unless allowed), 3 when a quote verified
 * with a TCB status not accepted, 0 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "common/err.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/timeutil.h"
#include "verify/collateral.h"
#include "verify/pki.h"
#include "verify/verify.h"

#define VERIFY_MAX_QUOTE (1u << 20)
#define VERIFY_MAX_PEM   (1u << 20)

struct verify_args {
	const char *collateral;
	const char *root;
	struct verify_opts opts;
	bool json;
	bool allow_expired;
	bool accepted[TCB_STATUS_COUNT];
	unsigned long repeat;
};

static void
verify_usage(FILE *out)
{
	fprintf(out,
	        "usage: sgx-quote verify QUOTE... --collateral PATH [options]\n"
	        "\n"
	        "Verifies SGX quotes (v3) against Intel-format collateral and "
	        "prints the\n"
	        "TCB status and advisories, one line per quote.\n"
	        "\n"
	        "  --collateral PATH  collateral directory or JSON file\n"
	        "  --root PEM         trust anchor (default: Intel SGX Root "
	        "CA, built in)\n"
	        "  --at RFC3339       judge at this time (default: now)\n"
	        "  --json             one JSON object per quote and line\n"
	        "  --strict           fail when missing collateral (QE "
	        "identity, CRLs)\n"
	        "                     kept a check from being made\n"
	        "  --accept LIST      TCB statuses accepted, comma-separated\n"
	        "                     (default: UpToDate,SWHardeningNeeded)\n"
	        "  --allow-expired    expired collateral or certificates do "
	        "not fail the\n"
	        "                     verification; they are still reported\n"
	        "  --repeat N         benchmark: verify every quote N times "
	        "and print\n"
	        "                     verifications per second on stderr\n"
	        "  -h, --help         show this help\n"
	        "\n"
	        "Expired collateral (a nextUpdate or notAfter before --at) "
	        "fails the\n"
	        "verification by default; --allow-expired reports it as "
	        "Intel's QvE does\n"
	        "(collateral_expired) without failing. Anything not yet valid "
	        "at --at\n"
	        "always fails.\n"
	        "\n"
	        "Exit status: 0 every quote verified with an accepted status; "
	        "1 a check\n"
	        "failed; 2 usage; 3 verified, but a status is not accepted.\n");
}

static bool
verify_parse_accept(const char *list, bool accepted[static TCB_STATUS_COUNT])
{
	const char *p = list;
	enum tcb_status s;

	memset(accepted, 0, TCB_STATUS_COUNT * sizeof(bool));
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (tcb_status_parse(p, n, &s) != ERR_OK) {
			fprintf(stderr,
			        "sgx-quote verify: unknown status '%.*s'\n",
			        (int)n, p);
			return false;
		}
		accepted[s] = true;
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}

static bool
verify_parse_repeat(const char *arg, unsigned long *out)
{
	char *end;

	*out = strtoul(arg, &end, 10);
	return end != arg && *end == '\0' && *out > 0 && *out <= 100000000;
}

enum verify_opt {
	OPT_COLLATERAL = 256,
	OPT_ROOT,
	OPT_AT,
	OPT_JSON,
	OPT_STRICT,
	OPT_ACCEPT,
	OPT_ALLOW_EXPIRED,
	OPT_REPEAT,
	OPT_HELP,
};

static const struct option verify_options[] = {
        {"collateral", required_argument, NULL, OPT_COLLATERAL},
        {"root", required_argument, NULL, OPT_ROOT},
        {"at", required_argument, NULL, OPT_AT},
        {"json", no_argument, NULL, OPT_JSON},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"accept", required_argument, NULL, OPT_ACCEPT},
        {"allow-expired", no_argument, NULL, OPT_ALLOW_EXPIRED},
        {"repeat", required_argument, NULL, OPT_REPEAT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
};

/* One option; false (with a message) when it is not acceptable. */
static bool
verify_take_option(struct verify_args *a, int opt, const char *arg)
{
	switch (opt) {
	case OPT_COLLATERAL:
		a->collateral = arg;
		return true;
	case OPT_ROOT:
		a->root = arg;
		return true;
	case OPT_AT:
		if (timeutil_parse_rfc3339(arg, strlen(arg), &a->opts.at) ==
		    ERR_OK)
			return true;
		fprintf(stderr,
		        "sgx-quote verify: --at: not an RFC 3339 "
		        "time: %s\n",
		        arg);
		return false;
	case OPT_JSON:
		a->json = true;
		return true;
	case OPT_STRICT:
		a->opts.strict = true;
		return true;
	case OPT_ACCEPT:
		return verify_parse_accept(arg, a->accepted);
	case OPT_ALLOW_EXPIRED:
		a->allow_expired = true;
		return true;
	case OPT_REPEAT:
		if (verify_parse_repeat(arg, &a->repeat))
			return true;
		fprintf(stderr, "sgx-quote verify: --repeat: bad count\n");
		return false;
	default:
		return false;
	}
}

/* 0 to go on, otherwise the exit code. */
static int
verify_parse_args(int argc, char **argv, struct verify_args *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	a->opts.at = time(NULL);
	a->repeat = 1;
	a->accepted[TCB_STATUS_UP_TO_DATE] = true;
	a->accepted[TCB_STATUS_SW_HARDENING_NEEDED] = true;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", verify_options, NULL)) !=
	       -1) {
		if (opt == OPT_HELP || opt == 'h') {
			verify_usage(stdout);
			return CLI_EXIT_OK;
		}
		if (!verify_take_option(a, opt, optarg)) {
			verify_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc || a->collateral == NULL) {
		fprintf(stderr, "sgx-quote verify: need QUOTE and "
		                "--collateral\n");
		verify_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

static enum err
verify_load_root(const char *path, X509 **out)
{
	uint8_t *pem;
	size_t len;
	enum err e;

	if ((e = file_read_all(path, VERIFY_MAX_PEM, &pem, &len)) != ERR_OK) {
		fprintf(stderr, "sgx-quote verify: --root %s: %s\n", path,
		        e == ERR_IO ? strerror(errno) : err_str(e));
		return e;
	}
	e = pki_cert_from_pem((const char *)pem, len, out);
	free(pem);
	if (e != ERR_OK)
		fprintf(stderr,
		        "sgx-quote verify: --root %s: not a PEM certificate\n",
		        path);
	return e;
}

static enum err
verify_make_ctx(const struct verify_args *a, struct verify_ctx **ctx)
{
	X509 *root = NULL;
	enum err e;

	if (a->root != NULL && (e = verify_load_root(a->root, &root)) != ERR_OK)
		return e;
	e = verify_ctx_new(root, ctx);
	X509_free(root);
	if (e != ERR_OK)
		fprintf(stderr, "sgx-quote verify: trust anchor: not a valid "
		                "self-signed certificate\n");
	return e;
}

/* The verdict of one quote, with the exit code it contributes. */
struct verdict {
	const char *path;
	enum err err;
	struct verify_result res;
	bool expired_fails;
	bool accepted;
	int code;
};

static void
verdict_judge(const struct verify_args *a, struct verdict *v)
{
	v->expired_fails = v->err == ERR_OK && v->res.collateral_expired &&
	                   !a->allow_expired;
	v->accepted = v->err == ERR_OK && v->res.has_status &&
	              a->accepted[v->res.status];
	if (v->err != ERR_OK || v->expired_fails)
		v->code = CLI_EXIT_FAIL;
	else if (!v->accepted)
		v->code = CLI_EXIT_REJECTED;
	else
		v->code = CLI_EXIT_OK;
}

static void
print_expired(FILE *out, const struct verify_result *res)
{
	char when[TIMEUTIL_RFC3339_SIZE];

	for (size_t i = 0; i < res->expired_count; i++) {
		timeutil_format_rfc3339(res->expired[i].when, when);
		fprintf(out, "%s %s %s %s", i == 0 ? "" : ",",
		        res->expired[i].object, res->expired[i].field, when);
	}
}

static void
print_status(FILE *out, const struct verify_result *res)
{
	fprintf(out, "%s [", tcb_status_name(res->status));
	for (size_t i = 0; i < res->advisory_count; i++)
		fprintf(out, "%s%s", i == 0 ? "" : ", ", res->advisory_ids[i]);
	fprintf(out, "]; QE %s",
	        res->has_qe_status ? tcb_status_name(res->qe_status)
	                           : "not checked");
}

static void
print_skipped(FILE *out, const struct verify_result *res)
{
	const char *sep = "; not checked: ";

	for (unsigned bit = 1; bit < 1u << VERIFY_SKIP_COUNT; bit <<= 1) {
		if ((res->skipped & bit) != 0) {
			fprintf(out, "%s%s", sep, verify_skip_name(bit));
			sep = ", ";
		}
	}
}

static void
verdict_print_text(const struct verdict *v, const struct verify_args *a)
{
	char at[TIMEUTIL_RFC3339_SIZE];

	if (v->err != ERR_OK) {
		printf("%s: FAILED: %s\n", v->path, v->res.message);
		return;
	}
	if (v->expired_fails) {
		timeutil_format_rfc3339(a->opts.at, at);
		printf("%s: FAILED: expired: collateral expired at %s:",
		       v->path, at);
		print_expired(stdout, &v->res);
		printf("; status would be ");
		print_status(stdout, &v->res);
		printf("\n");
		return;
	}
	printf("%s: %s: ", v->path, v->accepted ? "OK" : "NOT ACCEPTED");
	print_status(stdout, &v->res);
	print_skipped(stdout, &v->res);
	if (v->res.collateral_expired) {
		printf("; expired (allowed):");
		print_expired(stdout, &v->res);
	}
	printf("\n");
}

static json_t *
json_hex(const uint8_t *data, size_t len)
{
	char text[2 * 64 + 1];

	hex_encode(data, len, text);
	return json_string(text);
}

static json_t *
verdict_enclave_json(const sgx_report_body_t *r)
{
	return json_pack("{s:o, s:o, s:i, s:i, s:b, s:o}", "mrenclave",
	                 json_hex(r->mr_enclave.m, 32), "mrsigner",
	                 json_hex(r->mr_signer.m, 32), "isvprodid",
	                 (int)r->isv_prod_id, "isvsvn", (int)r->isv_svn,
	                 "debug", (r->attributes.flags & SGX_FLAGS_DEBUG) != 0,
	                 "report_data", json_hex(r->report_data.d, 64));
}

static json_t *
verdict_list_json(const struct verify_result *res)
{
	json_t *skipped = json_array();

	for (unsigned bit = 1; bit < 1u << VERIFY_SKIP_COUNT; bit <<= 1) {
		if ((res->skipped & bit) != 0)
			json_array_append_new(
			        skipped, json_string(verify_skip_name(bit)));
	}
	return skipped;
}

static json_t *
verdict_expired_json(const struct verify_result *res)
{
	char when[TIMEUTIL_RFC3339_SIZE];
	json_t *list = json_array();

	for (size_t i = 0; i < res->expired_count; i++) {
		timeutil_format_rfc3339(res->expired[i].when, when);
		json_array_append_new(
		        list, json_pack("{s:s, s:s, s:s}", "object",
		                        res->expired[i].object, "field",
		                        res->expired[i].field, "time", when));
	}
	return list;
}

/* The failed check and its message; expired collateral that fails the
 * verification is a check of its own, as in the text verdict. */
static json_t *
verdict_error_json(const struct verdict *v, const char *at)
{
	char *text = NULL;
	size_t len = 0;
	json_t *o;
	FILE *m;

	if (v->err != ERR_OK)
		return json_pack("{s:s, s:s}", "check", v->res.check, "message",
		                 v->res.message);
	if (!v->expired_fails || (m = open_memstream(&text, &len)) == NULL)
		return json_null();
	fprintf(m, "collateral expired at %s:", at);
	print_expired(m, &v->res);
	fclose(m);
	o = json_pack("{s:s, s:s}", "check", "expired", "message", text);
	free(text);
	return o;
}

static json_t *
verdict_json(const struct verdict *v, const struct verify_args *a)
{
	const struct verify_result *res = &v->res;
	char at[TIMEUTIL_RFC3339_SIZE];
	json_t *o, *adv = json_array();

	for (size_t i = 0; i < res->advisory_count; i++)
		json_array_append_new(adv, json_string(res->advisory_ids[i]));
	timeutil_format_rfc3339(a->opts.at, at);
	o = json_pack("{s:s, s:s, s:b, s:b, s:o, s:o, s:b, s:o, s:o}", "quote",
	              v->path, "at", at, "verified",
	              v->err == ERR_OK && !v->expired_fails, "accepted",
	              v->code == CLI_EXIT_OK, "advisory_ids", adv,
	              "checks_skipped", verdict_list_json(res),
	              "collateral_expired", res->collateral_expired, "expired",
	              verdict_expired_json(res), "exit_code",
	              json_integer(v->code));
	json_object_set_new(o, "status",
	                    res->has_status
	                            ? json_string(tcb_status_name(res->status))
	                            : json_null());
	json_object_set_new(o, "platform_status",
	                    res->has_status ? json_string(tcb_status_name(
	                                              res->platform_status))
	                                    : json_null());
	json_object_set_new(o, "qe_status",
	                    res->has_qe_status ? json_string(tcb_status_name(
	                                                 res->qe_status))
	                                       : json_null());
	json_object_set_new(o, "fmspc",
	                    res->has_fmspc ? json_hex(res->fmspc, 6)
	                                   : json_null());
	json_object_set_new(o, "enclave",
	                    res->has_enclave
	                            ? verdict_enclave_json(&res->enclave)
	                            : json_null());
	json_object_set_new(o, "error", verdict_error_json(v, at));
	return o;
}

static void
verdict_print_json(const struct verdict *v, const struct verify_args *a)
{
	json_t *o = verdict_json(v, a);
	char *text = o != NULL
	                     ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)
	                     : NULL;

	if (text != NULL)
		printf("%s\n", text);
	else
		fprintf(stderr, "sgx-quote verify: out of memory\n");
	free(text);
	json_decref(o);
}

static int
verify_one(struct verify_ctx *ctx, const struct collateral *col,
           const struct verify_args *a, const char *path, double *busy)
{
	struct verdict *v = calloc(1, sizeof(*v));
	uint8_t *quote;
	size_t len;
	double start;
	enum err e;
	int code;

	if (v == NULL)
		return CLI_EXIT_FAIL;
	v->path = path;
	if ((e = file_read_all(path, VERIFY_MAX_QUOTE, &quote, &len)) !=
	    ERR_OK) {
		snprintf(v->res.message, sizeof(v->res.message),
		         "%s: cannot read (%s)", path,
		         e == ERR_IO ? strerror(errno) : err_str(e));
		fprintf(stderr, "sgx-quote verify: %s\n", v->res.message);
		/* --json promises an object for every quote named. */
		if (a->json) {
			snprintf(v->res.check, sizeof(v->res.check),
			         "quote_file");
			v->err = e;
			verdict_judge(a, v);
			verdict_print_json(v, a);
		}
		free(v);
		return CLI_EXIT_FAIL;
	}
	start = (double)timeutil_mono_ns() / 1e9;
	for (unsigned long i = 0; i < a->repeat; i++)
		v->err = verify_quote(ctx, col, quote, len, &a->opts, &v->res);
	*busy += (double)timeutil_mono_ns() / 1e9 - start;
	free(quote);

	verdict_judge(a, v);
	if (a->json)
		verdict_print_json(v, a);
	else
		verdict_print_text(v, a);
	code = v->code;
	free(v);
	return code;
}

static int
verify_worst(int a, int b)
{
	if (a == CLI_EXIT_FAIL || b == CLI_EXIT_FAIL)
		return CLI_EXIT_FAIL;
	if (a == CLI_EXIT_REJECTED || b == CLI_EXIT_REJECTED)
		return CLI_EXIT_REJECTED;
	return CLI_EXIT_OK;
}

int
cmd_verify(int argc, char **argv)
{
	char why[COLLATERAL_ERROR_SIZE] = "";
	struct verify_args a;
	struct verify_ctx *ctx;
	struct collateral *col;
	double busy = 0;
	int code = CLI_EXIT_OK;

	if ((code = verify_parse_args(argc, argv, &a)) >= 0)
		return code;
	code = CLI_EXIT_OK;
	if (collateral_load(a.collateral, &col, why) != ERR_OK) {
		fprintf(stderr, "sgx-quote verify: collateral: %s\n", why);
		return CLI_EXIT_FAIL;
	}
	if (verify_make_ctx(&a, &ctx) != ERR_OK) {
		collateral_free(col);
		return CLI_EXIT_FAIL;
	}
	for (int i = optind; i < argc; i++)
		code = verify_worst(code,
		                    verify_one(ctx, col, &a, argv[i], &busy));
	/* Collateral never picks its own trust anchor; say how to. */
	if (code == CLI_EXIT_FAIL && col->root != NULL && a.root == NULL)
		fprintf(stderr,
		        "sgx-quote verify: note: the collateral "
		        "carries root_ca.pem; pass --root to trust it\n");
	if (a.repeat > 1)
		fprintf(stderr,
		        "verify: quotes=%d repeat=%lu seconds=%.3f "
		        "per_second=%.1f\n",
		        argc - optind, a.repeat, busy,
		        (double)(argc - optind) * (double)a.repeat / busy);
	verify_ctx_free(ctx);
	collateral_free(col);
	return code;
}
