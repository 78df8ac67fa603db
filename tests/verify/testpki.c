#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testpki.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/file.h"
#include "common/hex.h"
#include "common/timeutil.h"
#include "quote/quote.h"

/* The test QE's signer, distinct from Intel's. */
const char tpki_qe_mrsigner[] =
        "1111111111111111111111111111111111111111111111111111111111111111";

static EVP_PKEY *
tpki_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static void
tpki_add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

static void
tpki_add_sgx_ext(X509 *x, const struct pck_ext *ext)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(PCK_SGX_EXT_OID, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e;
	uint8_t *der;
	size_t len;

	assert_int_equal(pck_ext_build(ext, &der, &len), ERR_OK);
	assert_int_equal(ASN1_OCTET_STRING_set(os, der, (int)len), 1);
	e = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
	OPENSSL_free(der);
}

static X509_NAME *
tpki_name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	                                            (const unsigned char *)cn,
	                                            -1, -1, 0),
	                 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(
	                         n, "O", MBSTRING_ASC,
	                         (const unsigned char *)"Test Corporation", -1,
	                         -1, 0),
	                 1);
	return n;
}

/* A certificate for key, signed by issuer (self-signed when NULL). */
static X509 *
tpki_cert(const char *cn, long serial, EVP_PKEY *key, X509 *issuer,
          EVP_PKEY *issuer_key, bool ca, const struct pck_ext *ext)
{
	X509 *x = X509_new();
	X509_NAME *name = tpki_name(cn);
	X509V3_CTX ctx;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	ASN1_TIME_set(X509_getm_notBefore(x), TPKI_CERT_FROM);
	ASN1_TIME_set(X509_getm_notAfter(x), TPKI_CERT_TO);
	X509_set_pubkey(x, key);

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	tpki_add_ext(x, &ctx, NID_basic_constraints,
	             ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	tpki_add_ext(x, &ctx, NID_key_usage,
	             ca ? "critical,keyCertSign,cRLSign"
	                : "critical,digitalSignature,nonRepudiation");
	tpki_add_ext(x, &ctx, NID_subject_key_identifier, "hash");
	tpki_add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
	if (ext != NULL)
		tpki_add_sgx_ext(x, ext);
	assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) >
	            0);
	return x;
}

void
tpki_path(const struct tpki *t, const char *name, char *out, size_t size)
{
	assert_true((size_t)snprintf(out, size, "%s/%s", t->dir, name) < size);
}

static void
tpki_write(const struct tpki *t, const char *name, const void *data, size_t len)
{
	char path[512];

	tpki_path(t, name, path, sizeof(path));
	assert_int_equal(file_write_atomic(path, data, len, 0644), ERR_OK);
}

static X509_CRL *
tpki_crl(X509 *issuer, EVP_PKEY *key, X509 *revoked)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_set(NULL, TPKI_ISSUE);
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	X509_EXTENSION *aki;
	X509V3_CTX ctx;

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	X509_CRL_set1_lastUpdate(crl, t);
	if (revoked != NULL) {
		X509_REVOKED *r = X509_REVOKED_new();

		X509_REVOKED_set_serialNumber(r,
		                              X509_get_serialNumber(revoked));
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(crl, r);
	}
	ASN1_TIME_set(t, TPKI_NEXT);
	X509_CRL_set1_nextUpdate(crl, t);
	ASN1_INTEGER_set(num, 1);
	assert_int_equal(X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0),
	                 1);
	X509V3_set_ctx(&ctx, issuer, NULL, NULL, crl, 0);
	aki = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier,
	                          "keyid:always");
	assert_non_null(aki);
	X509_CRL_add_ext(crl, aki, -1);
	X509_EXTENSION_free(aki);
	X509_CRL_sort(crl);
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(num);
	return crl;
}

static void
tpki_write_crl(const struct tpki *t, const char *name, X509_CRL *crl)
{
	unsigned char *der = NULL;
	int len = i2d_X509_CRL(crl, &der);

	assert_true(len > 0);
	tpki_write(t, name, der, (size_t)len);
	OPENSSL_free(der);
	X509_CRL_free(crl);
}

void
tpki_write_crls(const struct tpki *t, bool revoke_pck)
{
	tpki_write_crl(t, "root_ca_crl.der",
	               tpki_crl(t->root, t->root_key, NULL));
	tpki_write_crl(t, "pck_crl.der",
	               tpki_crl(t->ca, t->ca_key, revoke_pck ? t->pck : NULL));
}

static void
tpki_write_pem(const struct tpki *t, const char *name, X509 *const *certs,
               size_t n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(PEM_write_bio_X509(bio, certs[i]), 1);
	len = BIO_get_mem_data(bio, &data);
	tpki_write(t, name, data, (size_t)len);
	BIO_free(bio);
}

void
tpki_write_chains(const struct tpki *t)
{
	X509 *tcb[2] = {t->tcb, t->root};
	X509 *pck[2] = {t->ca, t->root};

	tpki_write_pem(t, "tcb_info_issuer_chain.pem", tcb, 2);
	tpki_write_pem(t, "qe_identity_issuer_chain.pem", tcb, 2);
	tpki_write_pem(t, "pck_crl_issuer_chain.pem", pck, 2);
	tpki_write_pem(t, "root.pem", &t->root, 1);
}

/* ECDSA-P256-SHA256 as 64-byte big-endian r||s. */
static void
tpki_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	const BIGNUM *r, *s;
	unsigned char der[80];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	ECDSA_SIG *es;

	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key),
	                 1);
	assert_int_equal(EVP_DigestSign(md, der, &der_len, msg, len), 1);
	EVP_MD_CTX_free(md);
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	assert_int_equal(BN_bn2binpad(r, sig, 32), 32);
	assert_int_equal(BN_bn2binpad(s, sig + 32, 32), 32);
	ECDSA_SIG_free(es);
}

/* {"<key>":<text>,"signature":"<hex>"}, as Intel's PCS serves it. */
static void
tpki_write_signed(const struct tpki *t, const char *name, const char *key,
                  const char *text)
{
	uint8_t sig[64];
	char hex[129], *doc;
	size_t len = strlen(text) + strlen(key) + 200;

	tpki_sign(t->tcb_key, text, strlen(text), sig);
	hex_encode(sig, sizeof(sig), hex);
	doc = malloc(len);
	assert_non_null(doc);
	snprintf(doc, len, "{\"%s\":%s,\"signature\":\"%s\"}", key, text, hex);
	tpki_write(t, name, doc, strlen(doc));
	free(doc);
}

static void
tpki_level(char *out, size_t size, const uint8_t comp[16], unsigned pcesvn,
           const char *status, const char *advisories)
{
	size_t n =
	        (size_t)snprintf(out, size, "{\"tcb\":{\"sgxtcbcomponents\":[");

	for (int i = 0; i < 16; i++)
		n += (size_t)snprintf(out + n, size - n, "%s{\"svn\":%u}",
		                      i ? "," : "", comp[i]);
	snprintf(out + n, size - n,
	         "],\"pcesvn\":%u},\"tcbDate\":\"2024-01-01T00:00:00Z\","
	         "\"tcbStatus\":\"%s\"%s}",
	         pcesvn, status, advisories);
}

void
tpki_write_tcb_info(const struct tpki *t, const char *fmspc, time_t issue,
                    time_t next)
{
	tpki_write_tcb_info_pce(t, fmspc, "0000", issue, next);
}

void
tpki_write_tcb_info_pce(const struct tpki *t, const char *fmspc,
                        const char *pce_id, time_t issue, time_t next)
{
	static const uint8_t old[16] = {0};
	static const uint8_t cur[16] = {5, 5, 2, 2, 1, 1};
	static const uint8_t newer[16] = {6, 6, 2, 2, 1, 1};
	char a[TIMEUTIL_RFC3339_SIZE], b[TIMEUTIL_RFC3339_SIZE];
	char l1[1024], l2[1024], l3[1024], text[4096];

	/* The lowest level comes first: the verifier must sort. */
	tpki_level(l1, sizeof(l1), old, 5, "OutOfDate",
	           ",\"advisoryIDs\":[\"INTEL-SA-00002\"]");
	tpki_level(l2, sizeof(l2), cur, 11, "SWHardeningNeeded",
	           ",\"advisoryIDs\":[\"INTEL-SA-00001\"]");
	tpki_level(l3, sizeof(l3), newer, 11, "UpToDate", "");
	timeutil_format_rfc3339(issue, a);
	timeutil_format_rfc3339(next, b);
	snprintf(text, sizeof(text),
	         "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"%s\","
	         "\"nextUpdate\":\"%s\",\"fmspc\":\"%s\",\"pceId\":\"%s\","
	         "\"tcbType\":0,\"tcbEvaluationDataNumber\":17,"
	         "\"tcbLevels\":[%s,%s,%s]}",
	         a, b, fmspc, pce_id, l1, l2, l3);
	tpki_write_signed(t, "tcb_info.json", "tcbInfo", text);
}

void
tpki_write_qe_identity(const struct tpki *t, const char *status)
{
	const struct tpki_qe_id id = {
	        .status = status,
	        .miscselect = "00000000",
	        .attributes = "11000000000000000000000000000000",
	        .mrsigner = tpki_qe_mrsigner,
	        .isvprodid = 1,
	        .top_isvsvn = 8,
	};

	tpki_write_qe_identity_as(t, &id);
}

void
tpki_write_qe_identity_as(const struct tpki *t, const struct tpki_qe_id *id)
{
	char a[TIMEUTIL_RFC3339_SIZE], b[TIMEUTIL_RFC3339_SIZE];
	char text[2048];

	timeutil_format_rfc3339(TPKI_ISSUE, a);
	timeutil_format_rfc3339(TPKI_NEXT, b);
	snprintf(
	        text, sizeof(text),
	        "{\"id\":\"QE\",\"version\":2,\"issueDate\":\"%s\","
	        "\"nextUpdate\":\"%s\",\"tcbEvaluationDataNumber\":17,"
	        "\"miscselect\":\"%s\",\"miscselectMask\":\"FFFFFFFF\","
	        "\"attributes\":\"%s\","
	        "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
	        "\"mrsigner\":\"%s\",\"isvprodid\":%u,\"tcbLevels\":["
	        "{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":\"2024-01-01T00:00:00Z\","
	        "\"tcbStatus\":\"%s\"%s},"
	        "{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":\"2023-01-01T00:00:00Z\","
	        "\"tcbStatus\":\"OutOfDate\"}]}",
	        a, b, id->miscselect, id->attributes, id->mrsigner,
	        id->isvprodid, id->top_isvsvn, id->status,
	        strcmp(id->status, "UpToDate") == 0
	                ? ""
	                : ",\"advisoryIDs\":[\"INTEL-SA-00003\"]",
	        id->top_isvsvn - 2);
	tpki_write_signed(t, "qe_identity.json", "enclaveIdentity", text);
}

static void
tpki_pub(EVP_PKEY *key, uint8_t xy[64])
{
	uint8_t point[65];
	size_t len = 0;

	assert_int_equal(
	        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY,
	                                        point, sizeof(point), &len),
	        1);
	assert_int_equal(len, 65);
	memcpy(xy, point + 1, 64);
}

static char *
tpki_chain_pem(const struct tpki *t, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *copy;
	long n;

	assert_int_equal(PEM_write_bio_X509(bio, t->pck), 1);
	assert_int_equal(PEM_write_bio_X509(bio, t->ca), 1);
	assert_int_equal(PEM_write_bio_X509(bio, t->root), 1);
	n = BIO_get_mem_data(bio, &data);
	copy = malloc((size_t)n + 1);
	memcpy(copy, data, (size_t)n);
	copy[n] = '\0'; /* counted, as real QEs do */
	*len = (size_t)n + 1;
	BIO_free(bio);
	return copy;
}

static void
tpki_reports(const struct tpki *t, sgx_report_body_t *app,
             sgx_report_body_t *qe, uint8_t att[64], uint8_t auth[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	memset(app, 0, sizeof(*app));
	memset(app->mr_enclave.m, 0xaa, 32);
	memset(app->mr_signer.m, 0xbb, 32);
	app->isv_prod_id = 3;
	app->isv_svn = 4;
	app->attributes.flags = SGX_FLAGS_INITTED | SGX_FLAGS_MODE64BIT;
	memcpy(app->report_data.d, "test", 4);

	memset(qe, 0, sizeof(*qe));
	assert_int_equal(hex_decode(tpki_qe_mrsigner, 64, qe->mr_signer.m, 32),
	                 ERR_OK);
	qe->isv_prod_id = 1;
	qe->isv_svn = 8;
	qe->attributes.flags = 0x15;
	qe->attributes.xfrm = 0x07;
	tpki_pub(t->att_key, att);
	for (int i = 0; i < 32; i++)
		auth[i] = (uint8_t)i;
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, att, 64);
	EVP_DigestUpdate(md, auth, 32);
	EVP_DigestFinal_ex(md, qe->report_data.d, NULL);
	EVP_MD_CTX_free(md);
}

uint8_t *
tpki_quote(const struct tpki *t, size_t *len)
{
	uint8_t att[64], auth[32], qe_sig[64] = {0}, sig[64] = {0};
	uint8_t region[QUOTE_V3_SIGNED_SIZE];
	sgx_report_body_t app, qe;
	struct quote_v3_parts p = {0};
	size_t chain_len, size;
	char *chain = tpki_chain_pem(t, &chain_len);
	struct quote q;
	uint8_t *out;

	tpki_reports(t, &app, &qe, att, auth);
	p.qe_svn = 8;
	p.pce_svn = 11;
	p.report = &app;
	p.signature = sig;
	p.att_key = att;
	p.qe_report = &qe;
	p.qe_report_sig = qe_sig;
	p.auth_data = auth;
	p.auth_data_len = 32;
	p.cert_type = QUOTE_CERT_PCK_CHAIN;
	p.cert_data = (const uint8_t *)chain;
	p.cert_data_len = (uint32_t)chain_len;

	/* The QE report's bytes come from a first build, as the PCE signs
	 * exactly what the quote carries. */
	size = quote_v3_size(&p);
	out = malloc(size);
	assert_int_equal(quote_v3_build(&p, out, size, len), ERR_OK);
	assert_int_equal(quote_parse(out, *len, &q), ERR_OK);
	tpki_sign(t->pck_key, q.qe_report_raw, SGX_REPORT_BODY_SIZE, qe_sig);
	quote_v3_signed_region(&p, region);
	tpki_sign(t->att_key, region, sizeof(region), sig);
	assert_int_equal(quote_v3_build(&p, out, size, len), ERR_OK);
	free(chain);
	return out;
}

void
tpki_init(struct tpki *t)
{
	static const uint8_t fmspc[6] = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00};
	static const uint8_t comp[16] = {5, 5, 2, 2, 1, 1};

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/sqh-verify-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	t->root_key = tpki_key();
	t->ca_key = tpki_key();
	t->pck_key = tpki_key();
	t->tcb_key = tpki_key();
	t->att_key = tpki_key();

	memcpy(t->ext.comp_svn, comp, 16);
	memcpy(t->ext.cpusvn, comp, 16);
	memcpy(t->ext.fmspc, fmspc, 6);
	t->ext.pcesvn = 11;
	t->root = tpki_cert("Test SGX Root CA", 1, t->root_key, NULL, NULL,
	                    true, NULL);
	t->ca = tpki_cert("Test SGX PCK Processor CA", 2, t->ca_key, t->root,
	                  t->root_key, true, NULL);
	t->pck = tpki_cert("Test SGX PCK Certificate", 3, t->pck_key, t->ca,
	                   t->ca_key, false, &t->ext);
	t->tcb = tpki_cert("Test SGX TCB Signing", 4, t->tcb_key, t->root,
	                   t->root_key, false, NULL);

	tpki_write_chains(t);
	tpki_write_crls(t, false);
	tpki_write_tcb_info(t, "00906ED50000", TPKI_ISSUE, TPKI_NEXT);
	tpki_write_qe_identity(t, "UpToDate");
}

void
tpki_free(struct tpki *t)
{
	static const char *const files[] = {
	        "tcb_info.json",
	        "qe_identity.json",
	        "tcb_info_issuer_chain.pem",
	        "qe_identity_issuer_chain.pem",
	        "pck_crl_issuer_chain.pem",
	        "root.pem",
	        "root_ca_crl.der",
	        "pck_crl.der",
	};
	char path[512];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		tpki_path(t, files[i], path, sizeof(path));
		unlink(path);
	}
	rmdir(t->dir);
	EVP_PKEY_free(t->root_key);
	EVP_PKEY_free(t->ca_key);
	EVP_PKEY_free(t->pck_key);
	EVP_PKEY_free(t->tcb_key);
	EVP_PKEY_free(t->att_key);
	X509_free(t->root);
	X509_free(t->ca);
	X509_free(t->pck);
	X509_free(t->tcb);
}
