/*
 * Unit tests for the verifier: the real vectors of the test data reach the
 * results testdata/README.md states, one flipped bit in each signed region
 * fails the check that covers it, and a self-made PKI (testpki.c) drives
 * revocation, FMSPC, date and strictness checks both ways.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>

#include "common/file.h"
#include "common/timeutil.h"
#include "testpki.h"
#include "verify/collateral.h"
#include "verify/pki.h"
#include "verify/signed_json.h"
#include "verify/status.h"
#include "verify/tcbinfo.h"
#include "verify/verify.h"

#define MAX_FILE (1u << 20)

static void
td_path(const char *rel, char *out, size_t size)
{
	assert_true((size_t)snprintf(out, size, "%s/%s", SQH_TESTDATA, rel) <
	            size);
}

static uint8_t *
td_load(const char *rel, size_t *len)
{
	char path[512];
	uint8_t *data;

	td_path(rel, path, sizeof(path));
	assert_int_equal(file_read_all(path, MAX_FILE, &data, len), ERR_OK);
	return data;
}

static time_t
at(const char *s)
{
	time_t t;

	assert_int_equal(timeutil_parse_rfc3339(s, strlen(s), &t), ERR_OK);
	return t;
}

static struct collateral *
col_load(const char *path)
{
	char why[COLLATERAL_ERROR_SIZE];
	struct collateral *col = NULL;
	enum err e = collateral_load(path, &col, why);

	if (e != ERR_OK)
		fail_msg("collateral %s: %s", path, why);
	return col;
}

/* A collateral directory of symbolic links to test data files. */
struct linkdir {
	char dir[64];
	size_t n;
	char names[8][64];
};

static void
linkdir_make(struct linkdir *ld, const char *const *pairs, size_t n)
{
	char target[512], link[256];

	snprintf(ld->dir, sizeof(ld->dir), "/tmp/sqh-verify-col-XXXXXX");
	assert_non_null(mkdtemp(ld->dir));
	ld->n = n;
	for (size_t i = 0; i < n; i++) {
		td_path(pairs[2 * i + 1], target, sizeof(target));
		snprintf(link, sizeof(link), "%s/%s", ld->dir, pairs[2 * i]);
		snprintf(ld->names[i], sizeof(ld->names[i]), "%s",
		         pairs[2 * i]);
		assert_int_equal(symlink(target, link), 0);
	}
}

static void
linkdir_free(struct linkdir *ld)
{
	char link[256];

	for (size_t i = 0; i < ld->n; i++) {
		snprintf(link, sizeof(link), "%s/%s", ld->dir, ld->names[i]);
		unlink(link);
	}
	rmdir(ld->dir);
}

static const char *const oasis_files[] = {
        "tcb_info.json",
        "sgx/03_oasis/tcb_info_v3_fmspc_00606A000000.json",
        "qe_identity.json",
        "sgx/03_oasis/qe_identity_v2.json",
        "tcb_info_issuer_chain.pem",
        "sgx/03_oasis/tcb_info_issuer_chain.pem",
};

/* Verifies a test data quote with Intel's root at the given time. */
static enum err
verify_td(const char *quote, const struct collateral *col, const char *when,
          struct verify_result *res)
{
	struct verify_opts opts = {.at = at(when)};
	struct verify_ctx *ctx;
	uint8_t *q;
	size_t len;
	enum err e;

	q = td_load(quote, &len);
	assert_int_equal(verify_ctx_new(NULL, &ctx), ERR_OK);
	e = verify_quote(ctx, col, q, len, &opts, res);
	verify_ctx_free(ctx);
	free(q);
	return e;
}

static void
assert_advisories(const struct verify_result *res, const char *const *ids,
                  size_t n)
{
	assert_int_equal(res->advisory_count, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(res->advisory_ids[i], ids[i]);
}

static bool
has_expired(const struct verify_result *res, const char *object_part,
            const char *field)
{
	for (size_t i = 0; i < res->expired_count; i++) {
		if (strstr(res->expired[i].object, object_part) != NULL &&
		    strcmp(res->expired[i].field, field) == 0)
			return true;
	}
	return false;
}

/* Time parsing. */

static void
test_time_rfc3339(void **state)
{
	static const char *const bad[] = {
	        "2025-02-29T00:00:00Z",  "2025-13-01T00:00:00Z",
	        "2025-01-01T24:00:00Z",  "2025-01-01T00:00:60Z",
	        "2025-01-01 00:00:00Z",  "2025-01-01T00:00:00",
	        "2025-01-01T00:00:00.Z", "2025-1-01T00:00:00Z",
	        "2025-01-01T00:00:00Zx", "",
	};
	char out[TIMEUTIL_RFC3339_SIZE];
	time_t t;

	(void)state;
	assert_int_equal(at("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(at("2022-12-20T00:50:04Z"), 1671497404);
	assert_int_equal(at("2024-02-29T12:00:00.123456Z"), 1709208000);
	assert_int_equal(at("2022-12-20T02:50:04+02:00"), 1671497404);
	assert_int_equal(at("2022-12-20t00:50:04z"), 1671497404);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(
		        timeutil_parse_rfc3339(bad[i], strlen(bad[i]), &t),
		        ERR_OK);
	timeutil_format_rfc3339(1891163522, out);
	assert_string_equal(out, "2029-12-05T11:12:02Z");
}

/* Statuses and QVL's convergence (section 3.5, item 6). */
static void
test_status_converge(void **state)
{
	enum tcb_status s;

	(void)state;
	assert_int_equal(
	        tcb_status_parse("OutOfDateConfigurationNeeded", 28, &s),
	        ERR_OK);
	assert_int_equal(s, TCB_STATUS_OUT_OF_DATE_CONFIGURATION_NEEDED);
	assert_int_not_equal(tcb_status_parse("uptodate", 8, &s), ERR_OK);
	assert_int_not_equal(tcb_status_parse("UpToDat", 7, &s), ERR_OK);
	assert_int_equal(tcb_status_converge(TCB_STATUS_SW_HARDENING_NEEDED,
	                                     TCB_STATUS_OUT_OF_DATE),
	                 TCB_STATUS_OUT_OF_DATE);
	assert_int_equal(tcb_status_converge(TCB_STATUS_CONFIGURATION_NEEDED,
	                                     TCB_STATUS_OUT_OF_DATE),
	                 TCB_STATUS_OUT_OF_DATE_CONFIGURATION_NEEDED);
	assert_int_equal(
	        tcb_status_converge(
	                TCB_STATUS_CONFIGURATION_AND_SW_HARDENING_NEEDED,
	                TCB_STATUS_OUT_OF_DATE),
	        TCB_STATUS_OUT_OF_DATE_CONFIGURATION_NEEDED);
	assert_int_equal(
	        tcb_status_converge(TCB_STATUS_UP_TO_DATE, TCB_STATUS_REVOKED),
	        TCB_STATUS_REVOKED);
	assert_int_equal(tcb_status_converge(TCB_STATUS_CONFIGURATION_NEEDED,
	                                     TCB_STATUS_UP_TO_DATE),
	                 TCB_STATUS_CONFIGURATION_NEEDED);
}

/* The signed object is cut out of the document text, not re-encoded. */
static void
test_signed_json_member(void **state)
{
	static const char doc[] = " {\"a\" : [1, {\"b\":\"}\"}],\n"
	                          "  \"tcbInfo\" : { \"x\" : \"\\\"{\" } ,"
	                          "\"signature\":\"00\"}";
	const char *v;
	size_t n;

	(void)state;
	assert_int_equal(sjson_member(doc, strlen(doc), "tcbInfo", &v, &n),
	                 ERR_OK);
	assert_int_equal(n, strlen("{ \"x\" : \"\\\"{\" }"));
	assert_memory_equal(v, "{ \"x\" : \"\\\"{\" }", n);
	assert_int_equal(sjson_member(doc, strlen(doc), "nope", &v, &n),
	                 ERR_NOTFOUND);
	assert_int_equal(sjson_member(doc, 30, "tcbInfo", &v, &n), ERR_INVALID);
	assert_int_equal(sjson_member("[1]", 3, "tcbInfo", &v, &n),
	                 ERR_INVALID);
	assert_int_equal(sjson_member("", 0, "tcbInfo", &v, &n), ERR_INVALID);
}

static void
assert_tcbinfo_rejected(const char *text, const char *why_part)
{
	char why[TCBINFO_ERROR_SIZE];
	struct tcb_info ti;

	assert_int_not_equal(tcbinfo_parse(text, strlen(text), &ti, why),
	                     ERR_OK);
	if (strstr(why, why_part) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", why_part, why);
}

#define TI_HEAD                                                               \
	"{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"2025-01-01T00:00:"     \
	"00Z\","                                                              \
	"\"nextUpdate\":\"2025-02-01T00:00:00Z\",\"fmspc\":\"00906ED50000\"," \
	"\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":1,"
#define TI_COMPS                                                       \
	"{\"svn\":1},{\"svn\":1},{\"svn\":1},{\"svn\":1},{\"svn\":1}," \
	"{\"svn\":1},{\"svn\":1},{\"svn\":1},{\"svn\":1},{\"svn\":1}," \
	"{\"svn\":1},{\"svn\":1},{\"svn\":1},{\"svn\":1},{\"svn\":1}"
#define TI_LEVEL(comps, status)                                     \
	"{\"tcb\":{\"sgxtcbcomponents\":[" comps "],\"pcesvn\":1}," \
	"\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":\"" status "\"}"

static void
test_tcbinfo_rejects(void **state)
{
	static const char good[] = TI_HEAD "\"tcbLevels\":[" TI_LEVEL(
	        TI_COMPS ",{\"svn\":1}", "UpToDate") "]}";
	char why[TCBINFO_ERROR_SIZE], truncated[sizeof(good)];
	struct tcb_info ti;

	(void)state;
	assert_int_equal(tcbinfo_parse(good, strlen(good), &ti, why), ERR_OK);
	assert_int_equal(ti.level_count, 1);
	tcbinfo_free(&ti);

	memcpy(truncated, good, sizeof(good));
	truncated[sizeof(good) / 2] = '\0';
	assert_tcbinfo_rejected(truncated, "JSON");
	assert_tcbinfo_rejected(
	        TI_HEAD "\"tcbLevels\":[" TI_LEVEL(TI_COMPS ",{\"svn\":1}",
	                                           "UpToDateish") "]}",
	        "unknown status");
	assert_tcbinfo_rejected(
	        TI_HEAD "\"tcbLevels\":[" TI_LEVEL(TI_COMPS, "UpToDate") "]}",
	        "not 16");
	assert_tcbinfo_rejected(
	        TI_HEAD "\"tcbLevels\":[" TI_LEVEL(
	                TI_COMPS ",{\"svn\":1}",
	                "UpToDate") "," TI_LEVEL(TI_COMPS ",{\"svn\":1}",
	                                         "OutOfDate") "]}",
	        "duplicate");
	assert_tcbinfo_rejected(
	        TI_HEAD "\"tcbLevels\":[" TI_LEVEL(TI_COMPS ",{\"svn\":256}",
	                                           "UpToDate") "]}",
	        "out of range");
	assert_tcbinfo_rejected(TI_HEAD "\"tcbLevels\":[]}", "tcbLevels");
}

/* sgx/01_dcapqvl: the stated result (testdata/README.md). */
static void
test_dcapqvl_stated(void **state)
{
	static const char *const adv[] = {"INTEL-SA-00289", "INTEL-SA-00615"};
	struct collateral *col;
	struct verify_result res;
	char path[512];

	(void)state;
	td_path("sgx/01_dcapqvl/collateral.json", path, sizeof(path));
	col = col_load(path);
	assert_int_equal(verify_td("sgx/01_dcapqvl/quote.bin", col,
	                           "2025-07-19T10:01:17Z", &res),
	                 ERR_OK);
	assert_int_equal(res.status,
	                 TCB_STATUS_CONFIGURATION_AND_SW_HARDENING_NEEDED);
	assert_true(res.has_qe_status);
	assert_int_equal(res.qe_status, TCB_STATUS_UP_TO_DATE);
	assert_advisories(&res, adv, 2);
	assert_false(res.collateral_expired);
	assert_int_equal(res.skipped, 0);

	/* One second after the QE identity's nextUpdate. */
	assert_int_equal(verify_td("sgx/01_dcapqvl/quote.bin", col,
	                           "2025-07-19T10:01:19Z", &res),
	                 ERR_OK);
	assert_true(res.collateral_expired);
	assert_true(has_expired(&res, "qe_identity", "nextUpdate"));
	collateral_free(col);
}

/* sgx/03_oasis at its stated time and at the four stated failing times. */
static void
test_oasis_stated(void **state)
{
	static const char *const adv[] = {"INTEL-SA-00615", "INTEL-SA-00657"};
	struct verify_result res;
	struct collateral *col;
	struct linkdir ld;
	char when[TIMEUTIL_RFC3339_SIZE];

	(void)state;
	linkdir_make(&ld, oasis_files, 3);
	col = col_load(ld.dir);
	assert_int_equal(verify_td("sgx/03_oasis/quote.bin", col,
	                           "2022-12-20T00:50:04Z", &res),
	                 ERR_OK);
	assert_int_equal(res.status, TCB_STATUS_SW_HARDENING_NEEDED);
	assert_int_equal(res.qe_status, TCB_STATUS_UP_TO_DATE);
	assert_advisories(&res, adv, 2);
	assert_false(res.collateral_expired);
	assert_int_equal(res.skipped,
	                 VERIFY_SKIP_ROOT_CA_CRL | VERIFY_SKIP_PCK_CRL);

	/* 1891163522: the PCK certificate expired (reported, not fatal). */
	timeutil_format_rfc3339(1891163522, when);
	assert_int_equal(verify_td("sgx/03_oasis/quote.bin", col, when, &res),
	                 ERR_OK);
	assert_true(res.collateral_expired);
	assert_true(has_expired(&res, "SGX PCK Certificate", "notAfter"));

	/* 1670238720: the PCK certificate is not yet valid. */
	timeutil_format_rfc3339(1670238720, when);
	assert_int_not_equal(
	        verify_td("sgx/03_oasis/quote.bin", col, when, &res), ERR_OK);
	assert_string_equal(res.check, "validity");
	assert_non_null(strstr(res.message, "SGX PCK Certificate\" notBefore"));

	/* 1671194735: the QE identity was issued in the future. */
	timeutil_format_rfc3339(1671194735, when);
	assert_int_not_equal(
	        verify_td("sgx/03_oasis/quote.bin", col, when, &res), ERR_OK);
	assert_string_equal(res.check, "validity");
	assert_non_null(strstr(res.message, "qe_identity issueDate"));
	assert_null(strstr(res.message, "PCK"));

	/* 1673786737: the QE identity expired, and only it. */
	timeutil_format_rfc3339(1673786737, when);
	assert_int_equal(verify_td("sgx/03_oasis/quote.bin", col, when, &res),
	                 ERR_OK);
	assert_true(res.collateral_expired);
	assert_int_equal(res.expired_count, 1);
	assert_true(has_expired(&res, "qe_identity", "nextUpdate"));

	collateral_free(col);
	linkdir_free(&ld);
}

static const char *const teekit_tlsn_files[] = {
        "tcb_info.json",
        "sgx/04_teekit/tcbInfo-sgx-00906ed50000.json",
        "tcb_info_issuer_chain.pem",
        "intel_root/tcb_signing_chain_2025-05-06.pem",
};

static const char *const teekit_occlum_files[] = {
        "tcb_info.json",
        "sgx/04_teekit/tcbInfo-sgx-30606a000000.json",
        "tcb_info_issuer_chain.pem",
        "intel_root/tcb_signing_chain_2025-05-06.pem",
};

static void
test_teekit_stated(void **state)
{
	static const char *const adv[] = {"INTEL-SA-00334", "INTEL-SA-00615"};
	struct verify_result res;
	struct collateral *col;
	struct linkdir ld;

	(void)state;
	linkdir_make(&ld, teekit_tlsn_files, 2);
	col = col_load(ld.dir);
	assert_int_equal(verify_td("sgx/04_teekit/tlsn_quote9.bin", col,
	                           "2025-09-29T23:00:00Z", &res),
	                 ERR_OK);
	assert_int_equal(res.status, TCB_STATUS_SW_HARDENING_NEEDED);
	assert_advisories(&res, adv, 2);
	assert_false(res.has_qe_status);
	assert_int_equal(res.skipped, VERIFY_SKIP_ROOT_CA_CRL |
	                                      VERIFY_SKIP_PCK_CRL |
	                                      VERIFY_SKIP_QE_IDENTITY);

	/* A TCB info for another FMSPC does not apply to this quote. */
	assert_int_not_equal(verify_td("sgx/04_teekit/occlum.bin", col,
	                               "2025-09-29T23:00:00Z", &res),
	                     ERR_OK);
	assert_string_equal(res.check, "tcb_info");
	assert_non_null(strstr(res.message, "FMSPC 00906ED50000"));
	collateral_free(col);
	linkdir_free(&ld);

	linkdir_make(&ld, teekit_occlum_files, 2);
	col = col_load(ld.dir);
	assert_int_equal(verify_td("sgx/04_teekit/occlum.bin", col,
	                           "2025-09-29T23:00:00Z", &res),
	                 ERR_OK);
	assert_int_equal(res.status, TCB_STATUS_OUT_OF_DATE);
	collateral_free(col);
	linkdir_free(&ld);
}

/* The pretty-printed tcbInfo verifies only once re-serialised. */
static void
test_teekit_pretty_reserialised(void **state)
{
	struct linkdir ld;
	struct collateral *col;
	EVP_PKEY *key;

	(void)state;
	linkdir_make(&ld, teekit_occlum_files, 2);
	col = col_load(ld.dir);
	assert_non_null(strchr(col->tcb_doc.body, '\n'));
	key = X509_get0_pubkey(sk_X509_value(col->tcb_doc.issuer_chain, 0));
	assert_int_equal(pki_verify_raw(key, col->tcb_doc.body,
	                                col->tcb_doc.body_len,
	                                col->tcb_doc.signature),
	                 ERR_CRYPTO);
	assert_int_equal(sjson_verify(key, col->tcb_doc.body,
	                              col->tcb_doc.body_len,
	                              col->tcb_doc.signature),
	                 ERR_OK);
	collateral_free(col);
	linkdir_free(&ld);
}

static void
test_type3_no_chain(void **state)
{
	struct verify_result res;
	struct collateral *col;
	struct linkdir ld;

	(void)state;
	linkdir_make(&ld, oasis_files, 3);
	col = col_load(ld.dir);
	assert_int_equal(verify_td("sgx/07_oasis_certtype3_eppid/quote.bin",
	                           col, "2022-12-20T00:50:04Z", &res),
	                 ERR_NOTFOUND);
	assert_string_equal(res.check, "pck_chain");
	assert_non_null(strstr(res.message, "no PCK certificate chain"));
	collateral_free(col);
	linkdir_free(&ld);
}

static void
test_tdx_refused(void **state)
{
	struct verify_result res;
	struct collateral *col;
	char path[512];

	(void)state;
	td_path("tdx/01_dcapqvl_v4/collateral.json", path, sizeof(path));
	col = col_load(path);
	assert_int_equal(verify_td("tdx/01_dcapqvl_v4/quote.bin", col,
	                           "2025-07-01T00:00:00Z", &res),
	                 ERR_UNSUPPORTED);
	assert_non_null(strstr(res.message, "not supported yet"));
	collateral_free(col);
}

/* A PCK chain in the collateral that is one certificate short (here the
 * TCB signing chain under the wrong name) is refused by its count. */
static void
test_collateral_short_pck_chain(void **state)
{
	static const char *const files[] = {
	        "tcb_info.json",
	        "sgx/03_oasis/tcb_info_v3_fmspc_00606A000000.json",
	        "qe_identity.json",
	        "sgx/03_oasis/qe_identity_v2.json",
	        "tcb_info_issuer_chain.pem",
	        "sgx/03_oasis/tcb_info_issuer_chain.pem",
	        "pck_cert_chain.pem",
	        "sgx/03_oasis/tcb_info_issuer_chain.pem",
	};
	struct verify_result res;
	struct collateral *col;
	struct linkdir ld;

	(void)state;
	linkdir_make(&ld, files, 4);
	col = col_load(ld.dir);
	assert_int_equal(sk_X509_num(col->pck_chain), 2);
	assert_int_equal(verify_td("sgx/07_oasis_certtype3_eppid/quote.bin",
	                           col, "2022-12-20T00:50:04Z", &res),
	                 ERR_INVALID);
	assert_string_equal(res.check, "pck_chain");
	assert_non_null(strstr(res.message, "2 certificates, expected 3"));
	collateral_free(col);
	linkdir_free(&ld);
}

static const char *const synthetic_files[] = {
        "tcb_info.json",
        "synthetic/intel_qvl_sampledata/tcbInfo.json",
        "tcb_info_issuer_chain.pem",
        "synthetic/intel_qvl_sampledata/tcbSignChain.pem",
        "qe_identity.json",
        "synthetic/intel_qvl_sampledata/qeIdentity.json",
        "pck_cert_chain.pem",
        "synthetic/intel_qvl_sampledata/pckCert.pem",
};

/* Intel's sample data is signed by a test root of the same name. */
static void
test_synthetic_wrong_root(void **state)
{
	struct linkdir ld;
	struct collateral *col;
	struct verify_result res;
	char path[512], chain[256];
	uint8_t *a, *b;
	size_t alen, blen;
	FILE *f;

	(void)state;
	linkdir_make(&ld, synthetic_files, 3);
	/* The PCK chain file is the leaf followed by its issuer chain. */
	a = td_load("synthetic/intel_qvl_sampledata/pckCert.pem", &alen);
	b = td_load("synthetic/intel_qvl_sampledata/pckSignChain.pem", &blen);
	snprintf(chain, sizeof(chain), "%s/pck_cert_chain.pem", ld.dir);
	f = fopen(chain, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(a, 1, alen, f), alen);
	assert_int_equal(fwrite(b, 1, blen, f), blen);
	fclose(f);
	free(a);
	free(b);
	snprintf(ld.names[ld.n++], sizeof(ld.names[0]), "pck_cert_chain.pem");

	col = col_load(ld.dir);
	assert_int_not_equal(verify_td("synthetic/intel_qvl_sampledata/"
	                               "quote.dat",
	                               col, "2020-01-01T00:00:00Z", &res),
	                     ERR_OK);
	assert_string_equal(res.check, "pck_chain");
	assert_non_null(strstr(res.message, "not the trust anchor"));
	(void)path;
	collateral_free(col);
	linkdir_free(&ld);
}

/* One flipped bit in each signed region of the dcapqvl quote. */
static void
test_flipped_quote_bits(void **state)
{
	static const struct {
		size_t offset;
		const char *check;
	} flips[] = {
	        {8, "quote_signature"},             /* header: qe_svn */
	        {48 + 100, "quote_signature"},      /* report body: MRENCLAVE */
	        {436 + 10, "quote_signature"},      /* the quote's signature */
	        {500 + 10, "qe_binding"},           /* attestation key */
	        {564 + 100, "qe_report_signature"}, /* QE report body */
	        {948 + 10, "qe_report_signature"},  /* QE report signature */
	        {1014 + 3, "qe_binding"},           /* QE auth data */
	};
	struct verify_opts opts = {.at = at("2025-07-19T10:01:17Z")};
	struct verify_result res;
	struct verify_ctx *ctx;
	struct collateral *col;
	char path[512];
	uint8_t *q;
	size_t len;

	(void)state;
	td_path("sgx/01_dcapqvl/collateral.json", path, sizeof(path));
	col = col_load(path);
	q = td_load("sgx/01_dcapqvl/quote.bin", &len);
	assert_int_equal(verify_ctx_new(NULL, &ctx), ERR_OK);
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		q[flips[i].offset] ^= 0x01;
		assert_int_not_equal(
		        verify_quote(ctx, col, q, len, &opts, &res), ERR_OK);
		if (strcmp(res.check, flips[i].check) != 0)
			fail_msg("offset %zu: %s", flips[i].offset,
			         res.message);
		q[flips[i].offset] ^= 0x01;
		/* The warm cache must not hide the restored quote's result. */
		assert_int_equal(verify_quote(ctx, col, q, len, &opts, &res),
		                 ERR_OK);
	}
	verify_ctx_free(ctx);
	free(q);
	collateral_free(col);
}

/* collateral.json with one bit of one member flipped, in a temp file. */
static void
write_flipped_collateral(const char *member, const char *near, char *out,
                         size_t size)
{
	char path[512], *copy, *p;
	json_t *j;
	json_error_t jerr;
	const char *s;

	td_path("sgx/01_dcapqvl/collateral.json", path, sizeof(path));
	j = json_load_file(path, JSON_PRESERVE_ORDER, &jerr);
	assert_non_null(j);
	s = json_string_value(json_object_get(j, member));
	assert_non_null(s);
	copy = strdup(s);
	p = strstr(copy, near);
	assert_non_null(p);
	p += strlen(near);
	assert_true(*p >= '0' && *p <= '9');
	*p ^= 0x01; /* a digit stays a digit */
	json_object_set_new(j, member, json_string(copy));
	free(copy);
	snprintf(out, size, "/tmp/sqh-verify-flip-XXXXXX");
	assert_true(mkstemp(out) >= 0);
	assert_int_equal(json_dump_file(j, out, JSON_PRESERVE_ORDER), 0);
	json_decref(j);
}

static void
test_flipped_collateral_bits(void **state)
{
	static const struct {
		const char *member, *near, *check;
	} flips[] = {
	        {"tcb_info", "\"tcbEvaluationDataNumber\":1", "tcb_info"},
	        {"qe_identity", "\"tcbEvaluationDataNumber\":1", "qe_identity"},
	        {"tcb_info_signature", "9ad0e9be2e64cac80bd22fb3998",
	         "tcb_info"},
	        {"qe_identity_signature", "f130961c1849d703585", "qe_identity"},
	};
	struct verify_result res;
	struct collateral *col;
	char path[64];

	(void)state;
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		write_flipped_collateral(flips[i].member, flips[i].near, path,
		                         sizeof(path));
		col = col_load(path);
		assert_int_not_equal(verify_td("sgx/01_dcapqvl/quote.bin", col,
		                               "2025-07-19T10:01:17Z", &res),
		                     ERR_OK);
		assert_string_equal(res.check, flips[i].check);
		assert_non_null(strstr(res.message, "signature does not"));
		collateral_free(col);
		unlink(path);
	}
}

/* The self-made PKI: a fully controlled platform. */

static enum err
verify_tpki(const struct tpki *t, time_t when, bool strict,
            struct verify_result *res)
{
	struct verify_opts opts = {.at = when, .strict = strict};
	struct verify_ctx *ctx;
	struct collateral *col = col_load(t->dir);
	uint8_t *q;
	size_t len;
	enum err e;

	q = tpki_quote(t, &len);
	assert_int_equal(verify_ctx_new(t->root, &ctx), ERR_OK);
	e = verify_quote(ctx, col, q, len, &opts, res);
	verify_ctx_free(ctx);
	collateral_free(col);
	free(q);
	return e;
}

static int
tpki_setup(void **state)
{
	struct tpki *t = calloc(1, sizeof(*t));

	tpki_init(t);
	*state = t;
	return 0;
}

static int
tpki_teardown(void **state)
{
	tpki_free(*state);
	free(*state);
	return 0;
}

static void
test_tpki_positive(void **state)
{
	static const char *const adv[] = {"INTEL-SA-00001"};
	struct tpki *t = *state;
	struct verify_result res;

	assert_int_equal(verify_tpki(t, TPKI_AT, true, &res), ERR_OK);
	assert_int_equal(res.status, TCB_STATUS_SW_HARDENING_NEEDED);
	assert_int_equal(res.qe_status, TCB_STATUS_UP_TO_DATE);
	assert_advisories(&res, adv, 1);
	assert_int_equal(res.skipped, 0);
	assert_false(res.collateral_expired);
	assert_true(res.has_enclave);
	assert_int_equal(res.enclave.isv_prod_id, 3);
	assert_int_equal(res.enclave.isv_svn, 4);
	assert_int_equal(res.enclave.mr_enclave.m[0], 0xaa);
}

static void
test_tpki_qe_out_of_date(void **state)
{
	static const char *const adv[] = {"INTEL-SA-00001", "INTEL-SA-00003"};
	struct tpki *t = *state;
	struct verify_result res;

	tpki_write_qe_identity(t, "OutOfDate");
	assert_int_equal(verify_tpki(t, TPKI_AT, false, &res), ERR_OK);
	tpki_write_qe_identity(t, "UpToDate");
	assert_int_equal(res.platform_status, TCB_STATUS_SW_HARDENING_NEEDED);
	assert_int_equal(res.qe_status, TCB_STATUS_OUT_OF_DATE);
	assert_int_equal(res.status, TCB_STATUS_OUT_OF_DATE);
	assert_advisories(&res, adv, 2);
}

static void
test_tpki_revoked_pck(void **state)
{
	struct tpki *t = *state;
	struct verify_result res;

	tpki_write_crls(t, true);
	assert_int_not_equal(verify_tpki(t, TPKI_AT, false, &res), ERR_OK);
	tpki_write_crls(t, false);
	assert_string_equal(res.check, "revocation");
	assert_non_null(strstr(res.message, "Test SGX PCK Certificate"));
	assert_non_null(strstr(res.message, "pck_crl"));
}

static void
test_tpki_wrong_fmspc(void **state)
{
	struct tpki *t = *state;
	struct verify_result res;

	tpki_write_tcb_info(t, "00906ED50001", TPKI_ISSUE, TPKI_NEXT);
	assert_int_not_equal(verify_tpki(t, TPKI_AT, false, &res), ERR_OK);
	tpki_write_tcb_info(t, "00906ED50000", TPKI_ISSUE, TPKI_NEXT);
	assert_string_equal(res.check, "tcb_info");
	assert_non_null(strstr(res.message, "FMSPC 00906ED50001"));
}

static void
test_tpki_expired(void **state)
{
	struct tpki *t = *state;
	struct verify_result res;

	assert_int_equal(verify_tpki(t, TPKI_NEXT + 1, false, &res), ERR_OK);
	assert_true(res.collateral_expired);
	assert_true(has_expired(&res, "tcb_info", "nextUpdate"));
	assert_true(has_expired(&res, "qe_identity", "nextUpdate"));
	assert_true(has_expired(&res, "pck_crl", "nextUpdate"));
	assert_true(has_expired(&res, "root_ca_crl", "nextUpdate"));
	assert_int_equal(res.status, TCB_STATUS_SW_HARDENING_NEEDED);
}

static void
test_tpki_not_yet_valid(void **state)
{
	struct tpki *t = *state;
	struct verify_result res;

	assert_int_not_equal(verify_tpki(t, TPKI_ISSUE - 1, false, &res),
	                     ERR_OK);
	assert_string_equal(res.check, "validity");
	assert_non_null(strstr(res.message, "tcb_info issueDate"));
	assert_non_null(strstr(res.message, "pck_crl thisUpdate"));
}

static void
test_tpki_strict_without_crls(void **state)
{
	struct tpki *t = *state;
	struct verify_result res;
	char path[512];

	tpki_path(t, "pck_crl.der", path, sizeof(path));
	unlink(path);
	assert_int_equal(verify_tpki(t, TPKI_AT, false, &res), ERR_OK);
	assert_int_equal(res.skipped, VERIFY_SKIP_PCK_CRL);
	assert_int_not_equal(verify_tpki(t, TPKI_AT, true, &res), ERR_OK);
	assert_string_equal(res.check, "strict");
	assert_non_null(strstr(res.message, "pck_crl"));
	tpki_write_crls(t, false);
}

/* Section 3.4 F6: each field of the QE identity the QE report must meet. */
static void
test_tpki_qe_identity_mismatch(void **state)
{
	static const char other[] = "2222222222222222222222222222222222222222"
	                            "222222222222222222222222";
	struct {
		struct tpki_qe_id id;
		const char *why;
	} cases[] = {
	        {{.miscselect = "00000001"}, "QE MISCSELECT 00000000"},
	        {{.attributes = "13000000000000000000000000000000"},
	         "QE attributes"},
	        {{.mrsigner = other}, "QE MRSIGNER"},
	        {{.isvprodid = 2}, "QE ISVPRODID 1 is not 2"},
	        {{.top_isvsvn = 11}, "no TCB level for QE ISVSVN 8"},
	};
	struct tpki *t = *state;
	struct verify_result res;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tpki_qe_id *id = &cases[i].id;

		id->status = "UpToDate";
		id->miscselect = id->miscselect ? id->miscselect : "00000000";
		id->attributes = id->attributes
		                         ? id->attributes
		                         : "11000000000000000000000000000000";
		id->mrsigner = id->mrsigner ? id->mrsigner : tpki_qe_mrsigner;
		id->isvprodid = id->isvprodid ? id->isvprodid : 1;
		id->top_isvsvn = id->top_isvsvn ? id->top_isvsvn : 8;
		tpki_write_qe_identity_as(t, id);
		assert_int_not_equal(verify_tpki(t, TPKI_AT, false, &res),
		                     ERR_OK);
		assert_string_equal(res.check, "qe_identity");
		if (strstr(res.message, cases[i].why) == NULL)
			fail_msg("case %zu: %s", i, res.message);
	}

	/* ISVSVN 8 below the top level 9 meets the second, 7: OutOfDate. */
	cases[0].id = (struct tpki_qe_id){"UpToDate",
	                                  "00000000",
	                                  "11000000000000000000000000000000",
	                                  tpki_qe_mrsigner,
	                                  1,
	                                  9};
	tpki_write_qe_identity_as(t, &cases[0].id);
	assert_int_equal(verify_tpki(t, TPKI_AT, false, &res), ERR_OK);
	assert_int_equal(res.qe_status, TCB_STATUS_OUT_OF_DATE);
	assert_int_equal(res.status, TCB_STATUS_OUT_OF_DATE);
	tpki_write_qe_identity(t, "UpToDate");
}

static void
test_tpki_wrong_pce_id(void **state)
{
	struct tpki *t = *state;
	struct verify_result res;

	tpki_write_tcb_info_pce(t, "00906ED50000", "0001", TPKI_ISSUE,
	                        TPKI_NEXT);
	assert_int_not_equal(verify_tpki(t, TPKI_AT, false, &res), ERR_OK);
	tpki_write_tcb_info(t, "00906ED50000", TPKI_ISSUE, TPKI_NEXT);
	assert_string_equal(res.check, "tcb_info");
	assert_non_null(strstr(res.message, "PCE-ID 0001 differs"));
}

/* The last byte of a CRL's DER is the last byte of its ECDSA signature. */
static void
flip_last_byte(const struct tpki *t, const char *name)
{
	char path[512];
	FILE *f;

	tpki_path(t, name, path, sizeof(path));
	f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, -1, SEEK_END), 0);
	int c = fgetc(f);
	assert_int_not_equal(c, EOF);
	assert_int_equal(fseek(f, -1, SEEK_END), 0);
	assert_int_not_equal(fputc(c ^ 0x01, f), EOF);
	assert_int_equal(fclose(f), 0);
}

static void
test_tpki_flipped_crl_signatures(void **state)
{
	static const char *const crls[] = {"root_ca_crl", "pck_crl"};
	struct tpki *t = *state;
	struct verify_result res;
	char name[32];

	for (size_t i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "%s.der", crls[i]);
		flip_last_byte(t, name);
		assert_int_not_equal(verify_tpki(t, TPKI_AT, false, &res),
		                     ERR_OK);
		tpki_write_crls(t, false);
		assert_string_equal(res.check, crls[i]);
		assert_non_null(strstr(res.message, "signature does not"));
	}
	assert_int_equal(verify_tpki(t, TPKI_AT, true, &res), ERR_OK);
}

/* A changed byte inside the PCK leaf certificate's signed part. */
static void
test_flipped_pck_certificate(void **state)
{
	struct verify_opts opts = {.at = at("2025-07-19T10:01:17Z")};
	struct verify_result res;
	struct verify_ctx *ctx;
	struct collateral *col;
	char path[512], *pem;
	uint8_t *q;
	size_t len;

	(void)state;
	td_path("sgx/01_dcapqvl/collateral.json", path, sizeof(path));
	col = col_load(path);
	q = td_load("sgx/01_dcapqvl/quote.bin", &len);
	pem = memmem(q, len, "-----BEGIN CERTIFICATE-----\n", 28);
	assert_non_null(pem);
	/* Base64 of the validity and subject: 'M' <-> 'N' keeps it base64
	 * and changes a bit of a decoded byte. */
	pem += 28 + 250;
	assert_true((size_t)(pem - (char *)q) < len);
	assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	                       "vwxyz0123456789+/",
	                       *pem));
	*pem = *pem == 'A' ? 'B' : (char)(*pem ^ 0x01);
	assert_int_equal(verify_ctx_new(NULL, &ctx), ERR_OK);
	assert_int_not_equal(verify_quote(ctx, col, q, len, &opts, &res),
	                     ERR_OK);
	assert_string_equal(res.check, "pck_chain");
	assert_non_null(strstr(res.message, "PCK Certificate\" is not signed"));
	verify_ctx_free(ctx);
	free(q);
	collateral_free(col);
}

/* A certificate of the quote's chain that is not DER inside its PEM
 * block is named by its place in the chain. */
static void
test_unparsable_chain_certificate(void **state)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----\n";
	struct verify_opts opts = {.at = at("2025-07-19T10:01:17Z")};
	struct verify_result res;
	struct verify_ctx *ctx;
	struct collateral *col;
	char path[512], *pem;
	uint8_t *q;
	size_t len;

	(void)state;
	td_path("sgx/01_dcapqvl/collateral.json", path, sizeof(path));
	col = col_load(path);
	q = td_load("sgx/01_dcapqvl/quote.bin", &len);
	pem = memmem(q, len, begin, sizeof(begin) - 1);
	assert_non_null(pem);
	pem = memmem(pem + 1, len - (size_t)(pem + 1 - (char *)q), begin,
	             sizeof(begin) - 1);
	assert_non_null(pem);
	/* "MII..." is the SEQUENCE tag; "AII..." decodes to tag 0. */
	pem += sizeof(begin) - 1;
	assert_int_equal(*pem, 'M');
	*pem = 'A';
	assert_int_equal(verify_ctx_new(NULL, &ctx), ERR_OK);
	assert_int_equal(verify_quote(ctx, col, q, len, &opts, &res),
	                 ERR_INVALID);
	assert_string_equal(res.check, "pck_chain");
	assert_string_equal(res.message,
	                    "pck_chain: quote: certificate 2 does not parse");
	verify_ctx_free(ctx);
	free(q);
	collateral_free(col);
}

/* The test root is not Intel's: the same quote fails under Intel's root. */
static void
test_tpki_under_intel_root(void **state)
{
	struct tpki *t = *state;
	struct verify_opts opts = {.at = TPKI_AT};
	struct verify_result res;
	struct verify_ctx *ctx;
	struct collateral *col = col_load(t->dir);
	uint8_t *q;
	size_t len;

	q = tpki_quote(t, &len);
	assert_int_equal(verify_ctx_new(NULL, &ctx), ERR_OK);
	assert_int_not_equal(verify_quote(ctx, col, q, len, &opts, &res),
	                     ERR_OK);
	assert_string_equal(res.check, "pck_chain");
	verify_ctx_free(ctx);
	collateral_free(col);
	free(q);
}

/* A warm verification adds nothing to the cache and gives the same. */
static void
test_tpki_cache_warm(void **state)
{
	struct tpki *t = *state;
	struct verify_opts opts = {.at = TPKI_AT};
	struct verify_result res;
	struct verify_ctx *ctx;
	struct collateral *col = col_load(t->dir);
	uint8_t *q;
	size_t len, cold;

	q = tpki_quote(t, &len);
	assert_int_equal(verify_ctx_new(t->root, &ctx), ERR_OK);
	assert_int_equal(verify_quote(ctx, col, q, len, &opts, &res), ERR_OK);
	cold = verify_ctx_cached(ctx);
	assert_true(cold >= 6);
	assert_int_equal(verify_quote(ctx, col, q, len, &opts, &res), ERR_OK);
	assert_int_equal(verify_ctx_cached(ctx), cold);
	assert_int_equal(res.status, TCB_STATUS_SW_HARDENING_NEEDED);
	verify_ctx_free(ctx);
	collateral_free(col);
	free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_time_rfc3339),
	        cmocka_unit_test(test_status_converge),
	        cmocka_unit_test(test_signed_json_member),
	        cmocka_unit_test(test_tcbinfo_rejects),
	        cmocka_unit_test(test_dcapqvl_stated),
	        cmocka_unit_test(test_oasis_stated),
	        cmocka_unit_test(test_teekit_stated),
	        cmocka_unit_test(test_teekit_pretty_reserialised),
	        cmocka_unit_test(test_type3_no_chain),
	        cmocka_unit_test(test_collateral_short_pck_chain),
	        cmocka_unit_test(test_tdx_refused),
	        cmocka_unit_test(test_synthetic_wrong_root),
	        cmocka_unit_test(test_flipped_quote_bits),
	        cmocka_unit_test(test_flipped_collateral_bits),
	        cmocka_unit_test(test_flipped_pck_certificate),
	        cmocka_unit_test(test_unparsable_chain_certificate),
	};
	const struct CMUnitTest pki_tests[] = {
	        cmocka_unit_test(test_tpki_positive),
	        cmocka_unit_test(test_tpki_qe_out_of_date),
	        cmocka_unit_test(test_tpki_revoked_pck),
	        cmocka_unit_test(test_tpki_wrong_fmspc),
	        cmocka_unit_test(test_tpki_wrong_pce_id),
	        cmocka_unit_test(test_tpki_qe_identity_mismatch),
	        cmocka_unit_test(test_tpki_flipped_crl_signatures),
	        cmocka_unit_test(test_tpki_expired),
	        cmocka_unit_test(test_tpki_not_yet_valid),
	        cmocka_unit_test(test_tpki_strict_without_crls),
	        cmocka_unit_test(test_tpki_under_intel_root),
	        cmocka_unit_test(test_tpki_cache_warm),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	return failed +
	       cmocka_run_group_tests(pki_tests, tpki_setup, tpki_teardown);
}
