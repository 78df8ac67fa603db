/*
 * Unit tests for the quote codec against the real quotes of the test data
 * (values stated in testdata/README.md and the reference layouts), plus
 * negative tests for every length and field check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "common/file.h"
#include "common/hex.h"
#include "quote/quote.h"

/* Offsets in a v3 quote with 32 bytes of QE auth data (section 1.3). */
#define V3_SIG_LEN_OFF   432
#define V3_AUTH_SIZE_OFF 1012
#define V3_CERT_TYPE_OFF 1046
#define V3_CERT_SIZE_OFF 1048
#define V3_CERT_DATA_OFF 1052
/* Offsets in a v4 quote (section 1.7). */
#define V4_SIG_LEN_OFF    632
#define V4_OUTER_TYPE_OFF 764
#define V4_OUTER_SIZE_OFF 766
#define V4_INNER_SIZE_OFF 1254

struct blob {
	uint8_t *data;
	size_t len;
};

static struct blob
load(const char *rel)
{
	char path[512];
	struct blob b;

	snprintf(path, sizeof(path), "%s/%s", SQH_TESTDATA, rel);
	assert_int_equal(file_read_all(path, 1 << 20, &b.data, &b.len), ERR_OK);
	return b;
}

static void
put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	put_u16(p, (uint16_t)v);
	put_u16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* A copy of b with n bytes of value fill inserted at off. */
static struct blob
splice(const struct blob *b, size_t off, size_t n, uint8_t fill)
{
	struct blob out = {malloc(b->len + n), b->len + n};

	assert_non_null(out.data);
	memcpy(out.data, b->data, off);
	memset(out.data + off, fill, n);
	memcpy(out.data + off + n, b->data + off, b->len - off);
	return out;
}

static void
assert_hex(const uint8_t *data, size_t len, const char *want)
{
	char got[2 * 64 + 1];

	assert_true(len <= 64);
	hex_encode(data, len, got);
	assert_string_equal(got, want);
}

struct vector {
	const char *path;
	enum quote_kind kind;
	size_t len;
	size_t raw_len;
	uint16_t cert_type;
	size_t cert_count;
};

static const struct vector vectors[] = {
        {"sgx/01_dcapqvl/quote.bin", QUOTE_KIND_SGX_V3, 4600, 4600, 5, 3},
        {"sgx/03_oasis/quote.bin", QUOTE_KIND_SGX_V3, 4730, 4730, 5, 3},
        {"sgx/04_teekit/occlum.bin", QUOTE_KIND_SGX_V3, 4733, 4733, 5, 3},
        {"sgx/04_teekit/tlsn_quote9.bin", QUOTE_KIND_SGX_V3, 4600, 4600, 5, 3},
        {"sgx/07_oasis_certtype3_eppid/quote.bin", QUOTE_KIND_SGX_V3, 1456,
         1456, 3, 0},
        {"tdx/01_dcapqvl_v4/quote.bin", QUOTE_KIND_TDX_V4, 4936, 5006, 5, 3},
        {"tdx/03_oasis_v4/quote.bin", QUOTE_KIND_TDX_V4, 4936, 4936, 5, 3},
        {"tdx/03_oasis_v4/quote_trailing70.bin", QUOTE_KIND_TDX_V4, 4936, 5006,
         5, 3},
        {"synthetic/intel_qvl_sampledata/quote.dat", QUOTE_KIND_SGX_V3, 1054,
         1054, 1, 0},
        {"synthetic/intel_qvl_sampledata/tdx_quote.dat", QUOTE_KIND_TDX_V4,
         3696, 3696, 5, 3},
};

#define VECTOR_COUNT (sizeof(vectors) / sizeof(vectors[0]))

/*
 * Every quote parses, and for every one the QE binding stated in the
 * test data holds: SHA-256(attestation key || auth data) is the first
 * half of the QE report data.
 */
static void
test_every_testdata_quote_parses(void **state)
{
	(void)state;
	for (size_t i = 0; i < VECTOR_COUNT; i++) {
		const struct vector *v = &vectors[i];
		struct blob b = load(v->path);
		uint8_t hash[SHA256_DIGEST_LENGTH], bound[64 + 64];
		struct quote q;

		print_message("%s\n", v->path);
		assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
		assert_int_equal(q.kind, v->kind);
		assert_int_equal(q.len, v->len);
		assert_int_equal(q.raw_len, v->raw_len);
		assert_int_equal(q.cert.type, v->cert_type);
		assert_int_equal(q.cert.cert_count, v->cert_count);
		assert_int_equal(q.outer_cert_type, v->kind == QUOTE_KIND_SGX_V3
		                                            ? v->cert_type
		                                            : 6);
		assert_memory_equal(q.header.qe_vendor_id,
		                    quote_intel_qe_vendor_id, 16);

		if (strncmp(v->path, "synthetic", 9) != 0) {
			assert_int_equal(q.auth_data_len, 32);
			memcpy(bound, q.att_key, QUOTE_ATT_KEY_SIZE);
			memcpy(bound + 64, q.auth_data, 32);
			SHA256(bound, 64 + 32, hash);
			assert_memory_equal(hash, q.qe_report.report_data.d,
			                    sizeof(hash));
		}
		free(b.data);
	}
}

/* Stated values of sgx/01 and the QE3 identity of section 1.5. */
static void
test_dcapqvl_header_and_qe_report(void **state)
{
	struct blob b = load("sgx/01_dcapqvl/quote.bin");
	struct quote q;

	(void)state;
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
	assert_int_equal(q.header.version, 3);
	assert_int_equal(q.header.att_key_type, 2);
	assert_int_equal(q.header.tee_type, 0);
	assert_int_equal(q.header.qe_svn, 10);
	assert_int_equal(q.header.pce_svn, 15);
	assert_int_equal(q.signed_len, 432);
	assert_int_equal(q.sig_data_len, 4164);
	assert_int_equal(q.auth_data_len, 32);
	assert_int_equal(q.auth_data[0], 0x00);
	assert_int_equal(q.auth_data[31], 0x1f);
	assert_int_equal(q.cert.size, 3548);
	assert_ptr_equal(q.body, b.data + 48);
	assert_ptr_equal(q.qe_report_raw, b.data + 564);

	assert_int_equal(q.qe_report.isv_prod_id, 1);
	assert_true(q.qe_report.attributes.flags == 0x15);
	assert_hex(q.qe_report.mr_signer.m, 32,
	           "8c4f5775d796503e96137f77c68a829a"
	           "0056ac8ded70140b081b094490c57bff");
	/* This sample's ISV report data is ASCII text. */
	assert_memory_equal(q.report.report_data.d, "Hello, world!", 13);
	free(b.data);
}

/* PEM chain split: three certificates, the root last, NUL excluded. */
static void
test_pem_chain_split(void **state)
{
	struct blob b = load("sgx/01_dcapqvl/quote.bin");
	const struct quote_pem *root;
	struct quote q;

	(void)state;
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
	for (size_t i = 0; i < 3; i++) {
		const struct quote_pem *c = &q.cert.certs[i];

		assert_memory_equal(c->pem, "-----BEGIN CERTIFICATE-----", 27);
		assert_memory_equal(c->pem + c->len - 25,
		                    "-----END CERTIFICATE-----", 25);
	}
	/* The chain ends "-----END CERTIFICATE-----\n\0" (section 1.4). */
	root = &q.cert.certs[2];
	assert_ptr_equal((const uint8_t *)root->pem + root->len + 2,
	                 b.data + b.len);
	assert_false(q.cert.cert_der);
	free(b.data);
}

/* Type 3: encrypted PPID (384 bytes), CPUSVN, PCESVN, PCEID. */
static void
test_type3_encrypted_ppid(void **state)
{
	struct blob b = load("sgx/07_oasis_certtype3_eppid/quote.bin");
	struct quote q;

	(void)state;
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
	assert_int_equal(q.cert.type, 3);
	assert_int_equal(q.cert.size, 404);
	assert_int_equal(q.cert.ppid_len, 384);
	assert_ptr_equal(q.cert.ppid, b.data + V3_CERT_DATA_OFF);
	assert_hex(q.cert.ppid, 8, "aa7a9308a843765a");
	assert_hex(q.cert.ppid + 376, 8, "1466485462addfc0");
	assert_hex(q.cert.cpusvn, 16, "05050c0cffff01000000000000000000");
	assert_int_equal(q.cert.pcesvn, 12);
	assert_true(q.cert.has_pceid);
	assert_int_equal(q.cert.pceid, 0);
	free(b.data);
}

/* Intel's synthetic sample: type 1 without PCE-ID, empty auth data. */
static void
test_synthetic_type1(void **state)
{
	struct blob b = load("synthetic/intel_qvl_sampledata/quote.dat");
	struct quote q;

	(void)state;
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
	assert_int_equal(q.auth_data_len, 0);
	assert_int_equal(q.cert.ppid_len, 16);
	assert_false(q.cert.has_pceid);
	assert_int_equal(q.cert.pcesvn, 3);
	free(b.data);
}

/* TDX v4: the TD report and the TDQE report inside the type-6 wrapper. */
static void
test_tdx_v4_recognized(void **state)
{
	struct blob b = load("tdx/01_dcapqvl_v4/quote.bin");
	struct quote_td_report td;
	struct quote q;

	(void)state;
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
	assert_int_equal(q.kind, QUOTE_KIND_TDX_V4);
	assert_string_equal(quote_kind_name(q.kind), "TDX quote v4");
	assert_int_equal(q.header.tee_type, QUOTE_TEE_TYPE_TDX);
	assert_int_equal(q.body_len, 584);
	assert_int_equal(q.signed_len, 632);
	assert_int_equal(q.sig_data_len, 4300);
	assert_int_equal(q.cert.size, 3678);
	/* TDQE: ISVPRODID 2 and its MRSIGNER (section 1.5). */
	assert_int_equal(q.qe_report.isv_prod_id, 2);
	assert_hex(q.qe_report.mr_signer.m, 32,
	           "dc9e2a7c6f948f17474e34a7fc43ed03"
	           "0f7c1563f1babddf6340c82e0e54a8c5");
	assert_ptr_equal(q.qe_report_raw, b.data + 770);

	assert_int_equal(quote_td_report_parse(&q, &td), ERR_OK);
	assert_false(td.is_td15);
	assert_memory_equal(td.report_data, b.data + 48 + 520, 64);
	assert_memory_equal(td.mr_td, b.data + 48 + 136, 48);
	assert_true(td.td_attributes == 0x10000000); /* SEPT_VE_DISABLE */
	free(b.data);
}

/* The v4 quote re-wrapped as v5 (descriptor type 2, 584 bytes). */
static struct blob
make_v5(const struct blob *v4, uint16_t body_type, uint32_t body_size)
{
	struct blob b = splice(v4, 48, 6, 0);

	put_u16(b.data, 5);
	put_u16(b.data + 48, body_type);
	put_u32(b.data + 50, body_size);
	return b;
}

static void
test_tdx_v5_descriptor(void **state)
{
	struct blob v4 = load("tdx/03_oasis_v4/quote.bin");
	struct blob b = make_v5(&v4, 2, 584);
	struct quote q;

	(void)state;
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
	assert_int_equal(q.kind, QUOTE_KIND_TDX_V5);
	assert_int_equal(q.body_type, 2);
	assert_int_equal(q.signed_len, 638);
	assert_int_equal(q.cert.cert_count, 3);
	free(b.data);

	b = make_v5(&v4, 2, 585);
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_INVALID);
	free(b.data);
	b = make_v5(&v4, 1, 384); /* SGX body type in a TDX quote */
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_INVALID);
	free(b.data);
	b = make_v5(&v4, 4, 584);
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_INVALID);
	free(b.data);
	free(v4.data);
}

/* The DER chain of Intel's synthetic TDX sample. */
static void
test_der_chain_split(void **state)
{
	struct blob b = load("synthetic/intel_qvl_sampledata/tdx_quote.dat");
	struct quote q;
	size_t total = 0;

	(void)state;
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
	assert_true(q.cert.cert_der);
	for (size_t i = 0; i < q.cert.cert_count; i++) {
		assert_int_equal(q.cert.certs[i].der[0], 0x30);
		total += q.cert.certs[i].len;
	}
	assert_int_equal(total, q.cert.size);
	free(b.data);
}

/*
 * Every prefix of every real quote shorter than its signature data end
 * fails cleanly; longer prefixes parse. Each prefix is its own heap
 * allocation so that the sanitizer build catches any read past it.
 */
static void
test_truncation_at_every_length(void **state)
{
	(void)state;
	for (size_t i = 0; i < VECTOR_COUNT; i++) {
		struct blob b = load(vectors[i].path);
		struct quote q;

		for (size_t n = 0; n <= b.len; n++) {
			uint8_t *copy = malloc(n > 0 ? n : 1);
			enum err e;

			assert_non_null(copy);
			memcpy(copy, b.data, n);
			e = quote_parse(copy, n, &q);
			if (n < vectors[i].len)
				assert_int_not_equal(e, ERR_OK);
			else
				assert_int_equal(e, ERR_OK);
			free(copy);
		}
		free(b.data);
	}
}

/* Rebuilding each real v3 quote from its parsed parts gives its bytes. */
static void
test_rebuild_real_quotes(void **state)
{
	(void)state;
	for (size_t i = 0; i < VECTOR_COUNT; i++) {
		struct blob b;
		struct quote_v3_parts parts;
		uint8_t signed_region[QUOTE_V3_SIGNED_SIZE];
		struct quote q;
		uint8_t *out;
		size_t len;

		if (vectors[i].kind != QUOTE_KIND_SGX_V3)
			continue;
		b = load(vectors[i].path);
		assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
		assert_int_equal(quote_v3_parts_from_quote(&q, &parts), ERR_OK);
		assert_int_equal(quote_v3_size(&parts), q.len);
		out = malloc(q.len);
		assert_non_null(out);
		assert_int_equal(quote_v3_build(&parts, out, q.len, &len),
		                 ERR_OK);
		assert_int_equal(len, q.len);
		assert_memory_equal(out, b.data, len);
		quote_v3_signed_region(&parts, signed_region);
		assert_memory_equal(signed_region, b.data,
		                    sizeof(signed_region));
		free(out);
		free(b.data);
	}
}

static void
fill_report(sgx_report_body_t *r, uint8_t seed)
{
	uint8_t *p = (uint8_t *)r;

	for (size_t i = 0; i < sizeof(*r); i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* build -> parse -> rebuild, with a CRLF PEM chain without a NUL. */
static void
test_build_parse_rebuild(void **state)
{
	static const char chain[] =
	        "-----BEGIN CERTIFICATE-----\r\nQUJD\r\nREVG\r\n"
	        "-----END CERTIFICATE-----\r\n"
	        "-----BEGIN CERTIFICATE-----\r\nR0hJ\r\n"
	        "-----END CERTIFICATE-----\r\n";
	uint8_t sig[64], key[64], qsig[64], auth[32];
	uint8_t out[2048], again[2048];
	sgx_report_body_t report, qe_report;
	struct quote_v3_parts parts = {0}, parsed_parts;
	struct quote q;
	size_t len, len2;

	(void)state;
	fill_report(&report, 1);
	fill_report(&qe_report, 99);
	memset(sig, 0x51, sizeof(sig));
	memset(key, 0x4b, sizeof(key));
	memset(qsig, 0x71, sizeof(qsig));
	for (size_t i = 0; i < sizeof(auth); i++)
		auth[i] = (uint8_t)i;
	parts.qe_svn = 10;
	parts.pce_svn = 15;
	memset(parts.user_data, 0xee, 16);
	parts.report = &report;
	parts.signature = sig;
	parts.att_key = key;
	parts.qe_report = &qe_report;
	parts.qe_report_sig = qsig;
	parts.auth_data = auth;
	parts.auth_data_len = sizeof(auth);
	parts.cert_type = QUOTE_CERT_PCK_CHAIN;
	parts.cert_data = (const uint8_t *)chain;
	parts.cert_data_len = sizeof(chain) - 1;

	assert_int_equal(quote_v3_build(&parts, out, sizeof(out), &len),
	                 ERR_OK);
	assert_int_equal(len, QUOTE_V3_MIN_SIZE + 32 + sizeof(chain) - 1);
	assert_int_equal(quote_parse(out, len, &q), ERR_OK);
	assert_int_equal(q.header.qe_svn, 10);
	assert_int_equal(q.header.pce_svn, 15);
	assert_memory_equal(&q.report, &report, sizeof(report));
	assert_memory_equal(&q.qe_report, &qe_report, sizeof(qe_report));
	assert_int_equal(q.cert.cert_count, 2);
	assert_int_equal(q.cert.certs[1].len, 27 + 2 + 6 + 25);

	assert_int_equal(quote_v3_parts_from_quote(&q, &parsed_parts), ERR_OK);
	assert_int_equal(
	        quote_v3_build(&parsed_parts, again, sizeof(again), &len2),
	        ERR_OK);
	assert_int_equal(len2, len);
	assert_memory_equal(again, out, len);
}

static void
test_build_rejects_bad_parts(void **state)
{
	uint8_t blob64[64] = {0}, out[QUOTE_V3_MIN_SIZE + 64];
	sgx_report_body_t report = {0};
	struct quote_v3_parts parts = {0};
	size_t len;

	(void)state;
	parts.report = &report;
	parts.qe_report = &report;
	parts.signature = blob64;
	parts.att_key = blob64;
	parts.qe_report_sig = blob64;
	assert_int_equal(quote_v3_size(&parts), QUOTE_V3_MIN_SIZE);
	assert_int_equal(
	        quote_v3_build(&parts, out, QUOTE_V3_MIN_SIZE - 1, &len),
	        ERR_RANGE);
	assert_int_equal(quote_v3_build(&parts, out, sizeof(out), &len),
	                 ERR_OK);

	parts.auth_data_len = 4; /* with no auth data */
	assert_int_equal(quote_v3_build(&parts, out, sizeof(out), &len),
	                 ERR_INVALID);
	parts.auth_data_len = 0;
	parts.report = NULL;
	assert_int_equal(quote_v3_build(&parts, out, sizeof(out), &len),
	                 ERR_INVALID);
	parts.report = &report;
	parts.cert_data = blob64;
	parts.cert_data_len = UINT32_MAX; /* signature data overflows u32 */
	assert_int_equal(quote_v3_size(&parts), 0);
	assert_int_equal(quote_v3_build(&parts, out, sizeof(out), &len),
	                 ERR_RANGE);
}

/* Parses a mutated copy of sgx/01 and checks the error. */
static void
expect_v3_mutation(void (*mutate)(struct blob *), enum err want)
{
	struct blob b = load("sgx/01_dcapqvl/quote.bin");
	struct quote q;

	mutate(&b);
	assert_int_equal(quote_parse(b.data, b.len, &q), want);
	free(b.data);
}

static void
mut_version2(struct blob *b)
{
	put_u16(b->data, 2);
}

static void
mut_version6(struct blob *b)
{
	put_u16(b->data, 6);
}

static void
mut_p384(struct blob *b)
{
	put_u16(b->data + 2, 3);
}

static void
mut_v3_tdx_tee(struct blob *b)
{
	put_u32(b->data + 4, QUOTE_TEE_TYPE_TDX);
}

static void
mut_sig_len_plus1(struct blob *b)
{
	put_u32(b->data + V3_SIG_LEN_OFF,
	        get_u32(b->data + V3_SIG_LEN_OFF) + 1);
}

static void
mut_sig_len_minus1(struct blob *b)
{
	put_u32(b->data + V3_SIG_LEN_OFF,
	        get_u32(b->data + V3_SIG_LEN_OFF) - 1);
}

static void
mut_sig_len_huge(struct blob *b)
{
	put_u32(b->data + V3_SIG_LEN_OFF, UINT32_MAX);
}

/* One extra byte inside the signature data, after the cert data. */
static void
mut_bytes_after_cert_data(struct blob *b)
{
	struct blob longer = splice(b, b->len, 1, 0);

	put_u32(longer.data + V3_SIG_LEN_OFF,
	        get_u32(longer.data + V3_SIG_LEN_OFF) + 1);
	free(b->data);
	*b = longer;
}

static void
mut_auth_size_huge(struct blob *b)
{
	put_u16(b->data + V3_AUTH_SIZE_OFF, 0xffff);
}

static void
mut_cert_size_plus1(struct blob *b)
{
	put_u32(b->data + V3_CERT_SIZE_OFF, 3549);
}

static void
mut_cert_size_minus1(struct blob *b)
{
	put_u32(b->data + V3_CERT_SIZE_OFF, 3547);
}

static void
mut_cert_type(struct blob *b, uint16_t type)
{
	put_u16(b->data + V3_CERT_TYPE_OFF, type);
}

static void
mut_cert_type0(struct blob *b)
{
	mut_cert_type(b, 0);
}

static void
mut_cert_type6(struct blob *b)
{
	mut_cert_type(b, 6);
}

static void
mut_cert_type7(struct blob *b)
{
	mut_cert_type(b, 7);
}

static void
mut_cert_type8(struct blob *b)
{
	mut_cert_type(b, 8);
}

/* Type 2 needs exactly 276 bytes; a 3548-byte PEM is no PPID. */
static void
mut_cert_type2(struct blob *b)
{
	mut_cert_type(b, 2);
}

static void
mut_pem_bad_char(struct blob *b)
{
	b->data[V3_CERT_DATA_OFF + 40] = '*';
}

static void
mut_pem_no_end(struct blob *b)
{
	/* "-----END" of the last certificate becomes "-----ENX". */
	b->data[b->len - 2 - 25 + 7] = 'X';
}

static void
mut_pem_nul_inside(struct blob *b)
{
	b->data[V3_CERT_DATA_OFF + 100] = 0;
}

static void
mut_pem_garbage_after(struct blob *b)
{
	b->data[b->len - 1] = 'x'; /* the terminating NUL */
}

static void
mut_pem_bad_begin(struct blob *b)
{
	b->data[V3_CERT_DATA_OFF + 11] = 'X'; /* "-----BEGIN CERT" */
}

static void
test_v3_field_checks(void **state)
{
	(void)state;
	expect_v3_mutation(mut_version2, ERR_UNSUPPORTED);
	expect_v3_mutation(mut_version6, ERR_UNSUPPORTED);
	expect_v3_mutation(mut_p384, ERR_UNSUPPORTED);
	expect_v3_mutation(mut_v3_tdx_tee, ERR_INVALID);
	expect_v3_mutation(mut_sig_len_plus1, ERR_TRUNCATED);
	expect_v3_mutation(mut_sig_len_minus1, ERR_TRUNCATED);
	expect_v3_mutation(mut_sig_len_huge, ERR_TRUNCATED);
	expect_v3_mutation(mut_bytes_after_cert_data, ERR_INVALID);
	expect_v3_mutation(mut_auth_size_huge, ERR_TRUNCATED);
	expect_v3_mutation(mut_cert_size_plus1, ERR_TRUNCATED);
	expect_v3_mutation(mut_cert_size_minus1, ERR_INVALID);
	expect_v3_mutation(mut_cert_type0, ERR_INVALID);
	expect_v3_mutation(mut_cert_type2, ERR_INVALID);
	expect_v3_mutation(mut_cert_type6, ERR_INVALID);
	expect_v3_mutation(mut_cert_type7, ERR_UNSUPPORTED);
	expect_v3_mutation(mut_cert_type8, ERR_INVALID);
	expect_v3_mutation(mut_pem_bad_char, ERR_INVALID);
	expect_v3_mutation(mut_pem_no_end, ERR_INVALID);
	expect_v3_mutation(mut_pem_nul_inside, ERR_INVALID);
	expect_v3_mutation(mut_pem_garbage_after, ERR_INVALID);
	expect_v3_mutation(mut_pem_bad_begin, ERR_INVALID);
}

/* The header is filled in even when the quote is not supported. */
static void
test_unsupported_keeps_header(void **state)
{
	struct blob b = load("sgx/01_dcapqvl/quote.bin");
	struct quote q;

	(void)state;
	put_u16(b.data, 9);
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_UNSUPPORTED);
	assert_int_equal(q.header.version, 9);
	assert_int_equal(q.header.qe_svn, 10);
	free(b.data);
}

/* Builds a quote whose type-5 data is the given text. */
static enum err
parse_with_chain(const char *chain, size_t len)
{
	uint8_t blob64[64] = {0}, out[QUOTE_V3_MIN_SIZE + 4096];
	sgx_report_body_t report = {0};
	struct quote_v3_parts parts = {0};
	struct quote q;
	size_t n;

	parts.report = &report;
	parts.qe_report = &report;
	parts.signature = blob64;
	parts.att_key = blob64;
	parts.qe_report_sig = blob64;
	parts.cert_type = QUOTE_CERT_PCK_CHAIN;
	parts.cert_data = (const uint8_t *)chain;
	parts.cert_data_len = (uint32_t)len;
	assert_int_equal(quote_v3_build(&parts, out, sizeof(out), &n), ERR_OK);
	return quote_parse(out, n, &q);
}

static void
test_pem_chain_checks(void **state)
{
	static const char one[] = "-----BEGIN CERTIFICATE-----\nQUJD\n"
	                          "-----END CERTIFICATE-----\n";
	char many[(sizeof(one) - 1) * (QUOTE_MAX_CERTS + 1) + 1] = "";
	char two_nuls[sizeof(one) + 1];

	(void)state;
	assert_int_equal(parse_with_chain(one, sizeof(one) - 1), ERR_OK);
	assert_int_equal(parse_with_chain(one, sizeof(one)), ERR_OK);
	memcpy(two_nuls, one, sizeof(one));
	two_nuls[sizeof(one)] = 0;
	assert_int_equal(parse_with_chain(two_nuls, sizeof(two_nuls)),
	                 ERR_INVALID);
	assert_int_equal(parse_with_chain("", 0), ERR_INVALID);
	assert_int_equal(parse_with_chain("\n\n", 2), ERR_INVALID);
	assert_int_equal(parse_with_chain(one, 30), ERR_INVALID);

	for (size_t i = 0; i < QUOTE_MAX_CERTS; i++)
		memcpy(many + i * (sizeof(one) - 1), one, sizeof(one) - 1);
	assert_int_equal(
	        parse_with_chain(many, (sizeof(one) - 1) * QUOTE_MAX_CERTS),
	        ERR_OK);
	memcpy(many + QUOTE_MAX_CERTS * (sizeof(one) - 1), one, sizeof(one));
	assert_int_equal(parse_with_chain(many, strlen(many)), ERR_RANGE);

	/* A DER element that claims more bytes than the chain holds. */
	assert_int_equal(parse_with_chain("\x30\x82\x01\x00\x00", 5),
	                 ERR_INVALID);
	assert_int_equal(parse_with_chain("\x30\x03\x02\x01\x01\x04", 6),
	                 ERR_INVALID);
}

/* Mutations of the v4 quote: envelope, wrapper type and sizes. */
static void
test_v4_field_checks(void **state)
{
	struct blob v4 = load("tdx/03_oasis_v4/quote.bin");
	struct blob b;
	struct quote q;

	(void)state;
	b = splice(&v4, 0, 0, 0);
	put_u32(b.data + 4, QUOTE_TEE_TYPE_SGX);
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_UNSUPPORTED);
	put_u32(b.data + 4, 0x42);
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_INVALID);
	put_u32(b.data + 4, QUOTE_TEE_TYPE_TDX);
	put_u16(b.data + V4_OUTER_TYPE_OFF, 5);
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_INVALID);
	put_u16(b.data + V4_OUTER_TYPE_OFF, 6);
	put_u32(b.data + V4_OUTER_SIZE_OFF, 4167);
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_TRUNCATED);
	put_u32(b.data + V4_OUTER_SIZE_OFF, 4165); /* inner data cut short */
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_TRUNCATED);
	put_u32(b.data + V4_OUTER_SIZE_OFF, 4166);
	put_u32(b.data + V4_INNER_SIZE_OFF, 3679);
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_TRUNCATED);
	put_u32(b.data + V4_INNER_SIZE_OFF, 3678);
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
	free(b.data);

	/* A byte inside the wrapper after the inner data is refused. */
	b = splice(&v4, v4.len, 1, 0);
	put_u32(b.data + V4_SIG_LEN_OFF, 4301);
	put_u32(b.data + V4_OUTER_SIZE_OFF, 4167);
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_INVALID);
	/* The same byte outside the signature data is tolerated. */
	put_u32(b.data + V4_SIG_LEN_OFF, 4300);
	put_u32(b.data + V4_OUTER_SIZE_OFF, 4166);
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
	assert_int_equal(q.len, 4936);
	free(b.data);
	free(v4.data);
}

static void
test_td_report_refuses_sgx(void **state)
{
	struct blob b = load("sgx/01_dcapqvl/quote.bin");
	struct quote_td_report td;
	struct quote_v3_parts parts;
	struct quote q;

	(void)state;
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
	assert_int_equal(quote_td_report_parse(&q, &td), ERR_INVALID);
	free(b.data);

	b = load("tdx/03_oasis_v4/quote.bin");
	assert_int_equal(quote_parse(b.data, b.len, &q), ERR_OK);
	assert_int_equal(quote_v3_parts_from_quote(&q, &parts),
	                 ERR_UNSUPPORTED);
	free(b.data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_testdata_quote_parses),
	        cmocka_unit_test(test_dcapqvl_header_and_qe_report),
	        cmocka_unit_test(test_pem_chain_split),
	        cmocka_unit_test(test_type3_encrypted_ppid),
	        cmocka_unit_test(test_synthetic_type1),
	        cmocka_unit_test(test_tdx_v4_recognized),
	        cmocka_unit_test(test_tdx_v5_descriptor),
	        cmocka_unit_test(test_der_chain_split),
	        cmocka_unit_test(test_truncation_at_every_length),
	        cmocka_unit_test(test_rebuild_real_quotes),
	        cmocka_unit_test(test_build_parse_rebuild),
	        cmocka_unit_test(test_build_rejects_bad_parts),
	        cmocka_unit_test(test_v3_field_checks),
	        cmocka_unit_test(test_unsupported_keeps_header),
	        cmocka_unit_test(test_pem_chain_checks),
	        cmocka_unit_test(test_v4_field_checks),
	        cmocka_unit_test(test_td_report_refuses_sgx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
