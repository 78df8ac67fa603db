/*
 * Unit tests for the PCK certificate SGX extension codec: the real PCK
 * certificates of the test data (values stated in testdata/README.md),
 * round trips, and malformed extensions made with OpenSSL's own ASN.1
 * generator, so that the encodings under test do not come from pck.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/conf.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/file.h"
#include "common/hex.h"
#include "quote/pck.h"
#include "quote/quote.h"

static X509 *
load_cert(const char *rel, size_t index)
{
	char path[512];
	struct quote q;
	uint8_t *data;
	size_t len;
	BIO *bio;
	X509 *cert;

	snprintf(path, sizeof(path), "%s/%s", SQH_TESTDATA, rel);
	assert_int_equal(file_read_all(path, 1 << 20, &data, &len), ERR_OK);
	assert_int_equal(quote_parse(data, len, &q), ERR_OK);
	assert_true(index < q.cert.cert_count);
	bio = BIO_new_mem_buf(q.cert.certs[index].pem,
	                      (int)q.cert.certs[index].len);
	assert_non_null(bio);
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	assert_non_null(cert);
	BIO_free(bio);
	free(data);
	return cert;
}

/* The extension's DER value as the certificate carries it. */
static uint8_t *
cert_ext_der(const X509 *cert, size_t *len)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(PCK_SGX_EXT_OID, 1);
	const ASN1_OCTET_STRING *v;
	uint8_t *copy;
	int idx = X509_get_ext_by_OBJ(cert, oid, -1);

	ASN1_OBJECT_free(oid);
	assert_true(idx >= 0);
	v = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
	*len = (size_t)ASN1_STRING_length(v);
	copy = malloc(*len);
	assert_non_null(copy);
	memcpy(copy, ASN1_STRING_get0_data(v), *len);
	return copy;
}

static void
assert_hex_upper(const uint8_t *data, size_t len, const char *want)
{
	char got[2 * 16 + 1];

	assert_true(len <= 16);
	hex_encode_upper(data, len, got);
	assert_string_equal(got, want);
}

/* sgx/01: Processor-CA PCK, FMSPC 00A067110000, PCESVN 13. */
static void
test_dcapqvl_pck_extension(void **state)
{
	static const uint8_t comps[16] = {11, 11, 2, 2, 255, 1};
	X509 *cert = load_cert("sgx/01_dcapqvl/quote.bin", 0);
	struct pck_ext e;

	(void)state;
	assert_int_equal(pck_ext_from_cert(cert, &e), ERR_OK);
	assert_hex_upper(e.fmspc, 6, "00A067110000");
	assert_memory_equal(e.comp_svn, comps, 16);
	assert_int_equal(e.pcesvn, 13);
	assert_hex_upper(e.pceid, 2, "0000");
	/* CPUSVN equals the components in every real cert (section 2.2). */
	assert_memory_equal(e.cpusvn, comps, 16);
	assert_int_equal(e.sgx_type, PCK_SGX_TYPE_STANDARD);
	assert_false(e.has_platform_instance_id);
	assert_false(e.has_configuration);
	X509_free(cert);
}

/* sgx/03: Platform-CA PCK with PlatformInstanceID and Configuration. */
static void
test_oasis_pck_extension(void **state)
{
	static const uint8_t comps[16] = {7, 9, 3, 3, 255, 255, 1};
	X509 *cert = load_cert("sgx/03_oasis/quote.bin", 0);
	struct pck_ext e;

	(void)state;
	assert_int_equal(pck_ext_from_cert(cert, &e), ERR_OK);
	assert_hex_upper(e.fmspc, 6, "00606A000000");
	assert_memory_equal(e.comp_svn, comps, 16);
	assert_int_equal(e.pcesvn, 13);
	assert_hex_upper(e.ppid, 16, "F3B7BF8472262F4C6C7CF4C89F0A2A9C");
	assert_int_equal(e.sgx_type, PCK_SGX_TYPE_SCALABLE);
	assert_true(e.has_platform_instance_id);
	assert_hex_upper(e.platform_instance_id, 16,
	                 "F306B906642C30D4D35E9BD6ED131FB6");
	assert_true(e.has_configuration);
	assert_true(e.dynamic_platform);
	assert_false(e.cached_keys);
	assert_false(e.smt_enabled);
	X509_free(cert);
}

/* CA certificates have no SGX extension. */
static void
test_ca_cert_has_no_extension(void **state)
{
	X509 *cert = load_cert("sgx/01_dcapqvl/quote.bin", 2);
	struct pck_ext e;

	(void)state;
	assert_int_equal(pck_ext_from_cert(cert, &e), ERR_NOTFOUND);
	X509_free(cert);
}

/* build(parse(real)) reproduces Intel's encoding byte for byte. */
static void
test_rebuild_real_extensions(void **state)
{
	static const char *const quotes[] = {
	        "sgx/01_dcapqvl/quote.bin",
	        "sgx/03_oasis/quote.bin",
	        "tdx/01_dcapqvl_v4/quote.bin",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++) {
		X509 *cert = load_cert(quotes[i], 0);
		struct pck_ext e;
		uint8_t *real, *built;
		size_t real_len, built_len;

		real = cert_ext_der(cert, &real_len);
		assert_int_equal(pck_ext_parse(real, real_len, &e), ERR_OK);
		assert_int_equal(pck_ext_build(&e, &built, &built_len), ERR_OK);
		assert_int_equal(built_len, real_len);
		assert_memory_equal(built, real, real_len);
		OPENSSL_free(built);
		free(real);
		X509_free(cert);
	}
}

static void
assert_ext_equal(const struct pck_ext *a, const struct pck_ext *b)
{
	assert_memory_equal(a->ppid, b->ppid, 16);
	assert_memory_equal(a->comp_svn, b->comp_svn, 16);
	assert_int_equal(a->pcesvn, b->pcesvn);
	assert_memory_equal(a->cpusvn, b->cpusvn, 16);
	assert_memory_equal(a->pceid, b->pceid, 2);
	assert_memory_equal(a->fmspc, b->fmspc, 6);
	assert_int_equal(a->sgx_type, b->sgx_type);
	assert_int_equal(a->has_platform_instance_id,
	                 b->has_platform_instance_id);
	assert_memory_equal(a->platform_instance_id, b->platform_instance_id,
	                    16);
	assert_int_equal(a->has_configuration, b->has_configuration);
	assert_int_equal(a->dynamic_platform, b->dynamic_platform);
	assert_int_equal(a->cached_keys, b->cached_keys);
	assert_int_equal(a->smt_enabled, b->smt_enabled);
}

static void
test_build_parse_round_trip(void **state)
{
	struct pck_ext in = {0}, out;
	uint8_t *der;
	size_t len;

	(void)state;
	for (size_t i = 0; i < 16; i++) {
		in.ppid[i] = (uint8_t)(0xa0 + i);
		in.comp_svn[i] = (uint8_t)(i * 17);
		in.cpusvn[i] = (uint8_t)(255 - i);
		in.platform_instance_id[i] = (uint8_t)i;
	}
	in.pcesvn = 65535;
	in.pceid[1] = 1;
	memcpy(in.fmspc, "\x00\x90\x6e\xd5\x00\x00", 6);
	in.sgx_type = PCK_SGX_TYPE_SCALABLE_WITH_INTEGRITY;
	in.has_platform_instance_id = true;
	in.has_configuration = true;
	in.cached_keys = true;
	in.smt_enabled = true;
	assert_int_equal(pck_ext_build(&in, &der, &len), ERR_OK);
	assert_int_equal(pck_ext_parse(der, len, &out), ERR_OK);
	assert_ext_equal(&in, &out);
	OPENSSL_free(der);

	in.has_platform_instance_id = false;
	in.has_configuration = false;
	memset(in.platform_instance_id, 0, 16);
	in.cached_keys = in.smt_enabled = false;
	assert_int_equal(pck_ext_build(&in, &der, &len), ERR_OK);
	assert_int_equal(pck_ext_parse(der, len, &out), ERR_OK);
	assert_ext_equal(&in, &out);
	OPENSSL_free(der);
}

static void
test_build_rejects_inconsistent(void **state)
{
	struct pck_ext in = {0};
	uint8_t *der;
	size_t len;

	(void)state;
	in.has_platform_instance_id = true; /* without Configuration */
	assert_int_equal(pck_ext_build(&in, &der, &len), ERR_INVALID);
	assert_null(der);
	in.has_platform_instance_id = false;
	in.sgx_type = 3;
	assert_int_equal(pck_ext_build(&in, &der, &len), ERR_INVALID);
}

/* Every prefix and one trailing byte are refused; no crash, no leak. */
static void
test_truncated_and_trailing(void **state)
{
	X509 *cert = load_cert("sgx/03_oasis/quote.bin", 0);
	struct pck_ext e;
	uint8_t *real, *longer;
	size_t len;

	(void)state;
	real = cert_ext_der(cert, &len);
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n > 0 ? n : 1);

		assert_non_null(copy);
		memcpy(copy, real, n);
		assert_int_equal(pck_ext_parse(copy, n, &e), ERR_INVALID);
		free(copy);
	}
	longer = malloc(len + 1);
	assert_non_null(longer);
	memcpy(longer, real, len);
	longer[len] = 0;
	assert_int_equal(pck_ext_parse(longer, len + 1, &e), ERR_INVALID);
	assert_int_equal(pck_ext_parse((const uint8_t *)"\x04\x00", 2, &e),
	                 ERR_INVALID);
	assert_int_equal(pck_ext_parse((const uint8_t *)"\x30\x00", 2, &e),
	                 ERR_INVALID);
	free(longer);
	free(real);
	X509_free(cert);
}

/*
 * Extensions written in OpenSSL's ASN.1 generator language. The default
 * entries reproduce the oasis certificate; a test changes one entry's
 * OID or value, drops it, or adds one.
 */
#define GEN_MAX 32

struct gen_entry {
	char name[16];
	const char *parent; /* section: "top", "tcbseq" or "confseq" */
	char oid[48];
	char value[96];
	bool dropped;
};

struct gen {
	struct gen_entry e[GEN_MAX];
	size_t n;
};

static struct gen_entry *
gen_add(struct gen *g, const char *name, const char *parent,
        const char *oid_suffix, const char *value)
{
	struct gen_entry *e = &g->e[g->n++];

	assert_true(g->n <= GEN_MAX);
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->parent = parent;
	snprintf(e->oid, sizeof(e->oid), "%s.%s", PCK_SGX_EXT_OID, oid_suffix);
	snprintf(e->value, sizeof(e->value), "%s", value);
	e->dropped = false;
	return e;
}

static void
gen_default(struct gen *g)
{
	static const int comps[16] = {7, 9, 3, 3, 255, 255, 1};
	char name[16], oid[16], value[32];

	g->n = 0;
	gen_add(g, "ppid", "top", "1",
	        "FORMAT:HEX,OCTETSTRING:F3B7BF8472262F4C6C7CF4C89F0A2A9C");
	gen_add(g, "tcb", "top", "2", "SEQUENCE:tcbseq");
	gen_add(g, "pceid", "top", "3", "FORMAT:HEX,OCTETSTRING:0000");
	gen_add(g, "fmspc", "top", "4", "FORMAT:HEX,OCTETSTRING:00606A000000");
	gen_add(g, "type", "top", "5", "ENUMERATED:1");
	gen_add(g, "piid", "top", "6",
	        "FORMAT:HEX,OCTETSTRING:F306B906642C30D4D35E9BD6ED131FB6");
	gen_add(g, "conf", "top", "7", "SEQUENCE:confseq");
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "comp%d", i + 1);
		snprintf(oid, sizeof(oid), "2.%d", i + 1);
		snprintf(value, sizeof(value), "INTEGER:%d", comps[i]);
		gen_add(g, name, "tcbseq", oid, value);
	}
	gen_add(g, "pcesvn", "tcbseq", "2.17", "INTEGER:13");
	gen_add(g, "cpusvn", "tcbseq", "2.18",
	        "FORMAT:HEX,OCTETSTRING:07090303FFFF01000000000000000000");
	gen_add(g, "dyn", "confseq", "7.1", "BOOLEAN:TRUE");
	gen_add(g, "cached", "confseq", "7.2", "BOOLEAN:FALSE");
	gen_add(g, "smt", "confseq", "7.3", "BOOLEAN:FALSE");
}

static struct gen_entry *
gen_find(struct gen *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++) {
		if (strcmp(g->e[i].name, name) == 0)
			return &g->e[i];
	}
	fail_msg("no generator entry %s", name);
	return &g->e[0]; /* not reached */
}

static void
gen_set(struct gen *g, const char *name, const char *value)
{
	snprintf(gen_find(g, name)->value, sizeof(g->e[0].value), "%s", value);
}

static void
gen_set_oid(struct gen *g, const char *name, const char *oid)
{
	snprintf(gen_find(g, name)->oid, sizeof(g->e[0].oid), "%s", oid);
}

static void
gen_drop(struct gen *g, const char *name)
{
	gen_find(g, name)->dropped = true;
}

static size_t
gen_section(const struct gen *g, const char *parent, char *out, size_t cap)
{
	size_t off = (size_t)snprintf(out, cap, "[%s]\n", parent);

	for (size_t i = 0; i < g->n; i++) {
		if (g->e[i].dropped || strcmp(g->e[i].parent, parent) != 0)
			continue;
		off += (size_t)snprintf(out + off, cap - off,
		                        "%s = SEQUENCE:e_%s\n", g->e[i].name,
		                        g->e[i].name);
	}
	return off;
}

/* The DER the generator makes of g; the caller frees it. */
static uint8_t *
gen_der(const struct gen *g, size_t *len)
{
	static const char *const parents[] = {"top", "tcbseq", "confseq"};
	char text[8192];
	size_t off = 0;
	CONF *conf = NCONF_new(NULL);
	ASN1_TYPE *t;
	unsigned char *der = NULL;
	long errline;
	BIO *bio;
	int n;

	for (size_t s = 0; s < 3; s++)
		off += gen_section(g, parents[s], text + off,
		                   sizeof(text) - off);
	for (size_t i = 0; i < g->n; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		                        "[e_%s]\noid = OID:%s\nval = %s\n",
		                        g->e[i].name, g->e[i].oid,
		                        g->e[i].value);
	assert_true(off < sizeof(text));

	bio = BIO_new_mem_buf(text, -1);
	assert_int_equal(NCONF_load_bio(conf, bio, &errline), 1);
	t = ASN1_generate_nconf("SEQUENCE:top", conf);
	assert_non_null(t);
	n = i2d_ASN1_TYPE(t, &der);
	assert_true(n > 0);
	*len = (size_t)n;
	ASN1_TYPE_free(t);
	BIO_free(bio);
	NCONF_free(conf);
	return der;
}

static enum err
gen_parse(const struct gen *g, struct pck_ext *e)
{
	size_t len;
	uint8_t *der = gen_der(g, &len);
	enum err rc = pck_ext_parse(der, len, e);

	OPENSSL_free(der);
	return rc;
}

/* The generator's default is exactly the oasis certificate's extension. */
static void
test_generator_matches_real(void **state)
{
	X509 *cert = load_cert("sgx/03_oasis/quote.bin", 0);
	struct pck_ext e;
	struct gen g;
	uint8_t *real, *made;
	size_t real_len, made_len;

	(void)state;
	gen_default(&g);
	made = gen_der(&g, &made_len);
	real = cert_ext_der(cert, &real_len);
	assert_int_equal(made_len, real_len);
	assert_memory_equal(made, real, real_len);
	assert_int_equal(gen_parse(&g, &e), ERR_OK);
	OPENSSL_free(made);
	free(real);
	X509_free(cert);
}

struct mutation {
	const char *what;
	const char *entry;
	const char *value; /* NULL: drop the entry */
};

/* Each changes one entry in a way section 2.2 does not allow. */
static const struct mutation bad_values[] = {
        {"FMSPC as INTEGER", "fmspc", "INTEGER:5"},
        {"FMSPC of 5 bytes", "fmspc", "FORMAT:HEX,OCTETSTRING:00606A0000"},
        {"FMSPC of 7 bytes", "fmspc", "FORMAT:HEX,OCTETSTRING:00606A00000000"},
        {"PPID of 15 bytes", "ppid",
         "FORMAT:HEX,OCTETSTRING:F3B7BF8472262F4C6C7CF4C89F0A2A"},
        {"PCE-ID as UTF8String", "pceid", "UTF8String:ab"},
        {"PCE-ID of 3 bytes", "pceid", "FORMAT:HEX,OCTETSTRING:000000"},
        {"SGX type as INTEGER", "type", "INTEGER:1"},
        {"SGX type 3", "type", "ENUMERATED:3"},
        {"SGX type -1", "type", "ENUMERATED:-1"},
        {"component SVN 256", "comp5", "INTEGER:256"},
        {"component SVN -1", "comp1", "INTEGER:-1"},
        {"component SVN as OCTET STRING", "comp2", "FORMAT:HEX,OCTETSTRING:07"},
        {"PCESVN 65536", "pcesvn", "INTEGER:65536"},
        {"CPUSVN of 15 bytes", "cpusvn",
         "FORMAT:HEX,OCTETSTRING:07090303FFFF010000000000000000"},
        {"CPUSVN as INTEGER", "cpusvn", "INTEGER:7"},
        {"TCB as OCTET STRING", "tcb", "FORMAT:HEX,OCTETSTRING:00"},
        {"Configuration flag as INTEGER", "dyn", "INTEGER:1"},
        {"Configuration as BOOLEAN", "conf", "BOOLEAN:TRUE"},
        {"PlatformInstanceID of 8 bytes", "piid",
         "FORMAT:HEX,OCTETSTRING:F306B906642C30D4"},
        {"no SGX type", "type", NULL},
        {"no FMSPC", "fmspc", NULL},
        {"no Configuration", "conf", NULL},
        {"17 TCB entries", "cpusvn", NULL},
        {"no component 16", "comp16", NULL},
};

static void
test_bad_values_rejected(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]);
	     i++) {
		const struct mutation *m = &bad_values[i];
		struct pck_ext e;
		struct gen g;

		print_message("%s\n", m->what);
		gen_default(&g);
		if (m->value == NULL)
			gen_drop(&g, m->entry);
		else
			gen_set(&g, m->entry, m->value);
		assert_int_equal(gen_parse(&g, &e), ERR_INVALID);
	}
}

struct oid_mutation {
	const char *what;
	const char *entry;
	const char *oid;
};

static const struct oid_mutation bad_oids[] = {
        {"FMSPC under the SGX type's OID", "fmspc", PCK_SGX_EXT_OID ".5"},
        {"unknown top-level arc 8", "fmspc", PCK_SGX_EXT_OID ".8"},
        {"OID outside the SGX tree", "fmspc", "1.2.3.4"},
        {"OID one level too deep", "ppid", PCK_SGX_EXT_OID ".1.1"},
        {"TCB arc 19", "cpusvn", PCK_SGX_EXT_OID ".2.19"},
        {"duplicate component 1", "comp2", PCK_SGX_EXT_OID ".2.1"},
        {"top-level OID inside TCB", "comp3", PCK_SGX_EXT_OID ".3"},
        {"Configuration arc 4", "smt", PCK_SGX_EXT_OID ".7.4"},
        {"duplicate Configuration flag", "smt", PCK_SGX_EXT_OID ".7.1"},
};

static void
test_bad_oids_rejected(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_oids) / sizeof(bad_oids[0]); i++) {
		const struct oid_mutation *m = &bad_oids[i];
		struct pck_ext e;
		struct gen g;

		print_message("%s\n", m->what);
		gen_default(&g);
		gen_set_oid(&g, m->entry, m->oid);
		assert_int_equal(gen_parse(&g, &e), ERR_INVALID);
	}
}

/* The entry count alone does not decide the layout. */
static void
test_entry_sets(void **state)
{
	struct pck_ext e;
	struct gen g;

	(void)state;
	gen_default(&g); /* Processor-CA layout: .1-.5 */
	gen_drop(&g, "piid");
	gen_drop(&g, "conf");
	assert_int_equal(gen_parse(&g, &e), ERR_OK);
	assert_false(e.has_platform_instance_id);

	gen_default(&g); /* five entries, but .6 instead of .5 */
	gen_drop(&g, "type");
	gen_drop(&g, "conf");
	assert_int_equal(gen_parse(&g, &e), ERR_INVALID);

	gen_default(&g); /* an eighth entry */
	gen_add(&g, "extra", "top", "8", "INTEGER:1");
	assert_int_equal(gen_parse(&g, &e), ERR_INVALID);

	gen_default(&g); /* Configuration may omit flags */
	gen_drop(&g, "cached");
	assert_int_equal(gen_parse(&g, &e), ERR_OK);
	assert_true(e.dynamic_platform);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dcapqvl_pck_extension),
	        cmocka_unit_test(test_oasis_pck_extension),
	        cmocka_unit_test(test_ca_cert_has_no_extension),
	        cmocka_unit_test(test_rebuild_real_extensions),
	        cmocka_unit_test(test_build_parse_round_trip),
	        cmocka_unit_test(test_build_rejects_inconsistent),
	        cmocka_unit_test(test_truncated_and_trailing),
	        cmocka_unit_test(test_generator_matches_real),
	        cmocka_unit_test(test_bad_values_rejected),
	        cmocka_unit_test(test_bad_oids_rejected),
	        cmocka_unit_test(test_entry_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
