#include "backends/sim_pki.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "backends/sim_platform.h"
#include "quote/pck.h"

enum err
sim_pki_key_new(EVP_PKEY **out)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");

	if (key == NULL)
		return ERR_CRYPTO;
	*out = key;
	return ERR_OK;
}

/* 159 random bits: positive, at most 20 bytes, as RFC 5280 asks. */
static bool
cert_set_serial(X509 *cert)
{
	BIGNUM *bn = BN_new();
	bool ok;

	ok = bn != NULL &&
	     BN_rand(bn, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
	BN_free(bn);
	return ok;
}

static X509_NAME *
name_new(const char *cn)
{
	X509_NAME *name = X509_NAME_new();

	if (name == NULL)
		return NULL;
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	                               (const unsigned char *)cn, -1, -1,
	                               0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	                               (const unsigned char *)SIM_NAME_ORG, -1,
	                               -1, 0) != 1) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

static bool
cert_add_conf_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	bool ok;

	if (ext == NULL)
		return false;
	ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* The SGX extension is not critical, as on Intel's PCK certificates. */
static bool
cert_add_sgx_ext(X509 *cert, const uint8_t *der, size_t len)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(PCK_SGX_EXT_OID, 1);
	ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	bool ok = false;

	if (oid != NULL && value != NULL && len <= INT32_MAX &&
	    ASN1_OCTET_STRING_set(value, der, (int)len) == 1)
		ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, value);
	if (ext != NULL)
		ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(value);
	ASN1_OBJECT_free(oid);
	return ok;
}

static const char *
role_basic_constraints(enum sim_cert_role role)
{
	switch (role) {
	case SIM_CERT_ROOT:
		return "critical,CA:TRUE,pathlen:1";
	case SIM_CERT_CA:
		return "critical,CA:TRUE,pathlen:0";
	case SIM_CERT_LEAF:
		break;
	}
	return "critical,CA:FALSE";
}

static const char *
role_key_usage(enum sim_cert_role role)
{
	if (role == SIM_CERT_LEAF)
		return "critical,digitalSignature,nonRepudiation";
	return "critical,keyCertSign,cRLSign";
}

/* The extensions of section 2.1. The SKI goes first so that a root's AKI
 * can refer to it. */
static bool
cert_add_exts(X509 *cert, X509 *issuer, const struct sim_cert_spec *spec)
{
	char crl_dp[256];
	X509V3_CTX ctx;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if ((size_t)snprintf(crl_dp, sizeof(crl_dp), "URI:%s", spec->crl_url) >=
	    sizeof(crl_dp))
		return false;
	return cert_add_conf_ext(cert, &ctx, NID_subject_key_identifier,
	                         "hash") &&
	       cert_add_conf_ext(cert, &ctx, NID_authority_key_identifier,
	                         "keyid:always") &&
	       cert_add_conf_ext(cert, &ctx, NID_crl_distribution_points,
	                         crl_dp) &&
	       cert_add_conf_ext(cert, &ctx, NID_key_usage,
	                         role_key_usage(spec->role)) &&
	       cert_add_conf_ext(cert, &ctx, NID_basic_constraints,
	                         role_basic_constraints(spec->role)) &&
	       (spec->sgx_ext == NULL ||
	        cert_add_sgx_ext(cert, spec->sgx_ext, spec->sgx_ext_len));
}

/* Issuer NULL: a self-signed certificate, whose issuer is its subject. */
static bool
cert_fill(X509 *cert, const struct sim_cert_spec *spec, EVP_PKEY *key,
          X509 *issuer)
{
	X509_NAME *subject = name_new(spec->cn);
	X509_NAME *issuer_name;
	bool ok;

	if (subject == NULL)
		return false;
	issuer_name = issuer != NULL ? X509_get_subject_name(issuer) : subject;
	ok = X509_set_version(cert, X509_VERSION_3) == 1 &&
	     cert_set_serial(cert) && X509_set_subject_name(cert, subject) &&
	     X509_set_issuer_name(cert, issuer_name) &&
	     X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0,
	                      &(time_t){spec->not_before}) != NULL &&
	     X509_time_adj_ex(X509_getm_notAfter(cert), 0, 0,
	                      &(time_t){spec->not_after}) != NULL &&
	     X509_set_pubkey(cert, key) == 1;
	X509_NAME_free(subject);
	return ok;
}

enum err
sim_pki_cert_new(const struct sim_cert_spec *spec, EVP_PKEY *key, X509 *issuer,
                 EVP_PKEY *issuer_key, X509 **out)
{
	X509 *cert = X509_new();
	bool ok;

	if (cert == NULL)
		return ERR_NOMEM;
	if (spec->role == SIM_CERT_ROOT) {
		issuer = NULL;
		issuer_key = key;
	}
	ok = cert_fill(cert, spec, key, issuer) &&
	     cert_add_exts(cert, issuer != NULL ? issuer : cert, spec) &&
	     X509_sign(cert, issuer_key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(cert);
		return ERR_CRYPTO;
	}
	*out = cert;
	return ERR_OK;
}

static bool
crl_add_conf_ext(X509_CRL *crl, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	bool ok;

	if (ext == NULL)
		return false;
	ok = X509_CRL_add_ext(crl, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* The CRL Number grows with the issue time, so a newer CRL is larger. */
static bool
crl_add_number(X509_CRL *crl, time_t this_update)
{
	ASN1_INTEGER *number = ASN1_INTEGER_new();
	bool ok;

	ok = number != NULL && ASN1_INTEGER_set_int64(number, this_update) &&
	     X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0) == 1;
	ASN1_INTEGER_free(number);
	return ok;
}

static bool
crl_set_times(X509_CRL *crl, time_t this_update, time_t next_update)
{
	ASN1_TIME *last = ASN1_TIME_set(NULL, this_update);
	ASN1_TIME *next = ASN1_TIME_set(NULL, next_update);
	bool ok;

	ok = last != NULL && next != NULL &&
	     X509_CRL_set1_lastUpdate(crl, last) == 1 &&
	     X509_CRL_set1_nextUpdate(crl, next) == 1;
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	return ok;
}

enum err
sim_pki_crl_new(X509 *issuer, EVP_PKEY *issuer_key, time_t this_update,
                time_t next_update, X509_CRL **out)
{
	X509_CRL *crl = X509_CRL_new();
	X509V3_CTX ctx;
	bool ok;

	if (crl == NULL)
		return ERR_NOMEM;
	X509V3_set_ctx(&ctx, issuer, NULL, NULL, crl, 0);
	ok = X509_CRL_set_version(crl, X509_CRL_VERSION_2) == 1 &&
	     X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) ==
	             1 &&
	     crl_set_times(crl, this_update, next_update) &&
	     crl_add_number(crl, this_update) &&
	     crl_add_conf_ext(crl, &ctx, NID_authority_key_identifier,
	                      "keyid:always") &&
	     X509_CRL_sign(crl, issuer_key, EVP_sha256()) > 0;
	if (!ok) {
		X509_CRL_free(crl);
		return ERR_CRYPTO;
	}
	*out = crl;
	return ERR_OK;
}

/* DER ECDSA-Sig-Value to the fixed r||s form of section 1.5. */
static enum err
sig_der_to_raw(const uint8_t *der, size_t len, uint8_t sig[static SIM_SIG_SIZE])
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	bool ok;

	if (es == NULL)
		return ERR_CRYPTO;
	ECDSA_SIG_get0(es, &r, &s);
	ok = BN_bn2binpad(r, sig, 32) == 32 &&
	     BN_bn2binpad(s, sig + 32, 32) == 32;
	ECDSA_SIG_free(es);
	return ok ? ERR_OK : ERR_CRYPTO;
}

/* Signs a SHA-256 digest with an initialised signing context. */
static enum err
sign_digest(EVP_PKEY_CTX *ctx, const EVP_MD *sha256, const void *msg,
            size_t len, uint8_t sig[static SIM_SIG_SIZE])
{
	uint8_t digest[SHA256_DIGEST_LENGTH];
	uint8_t der[80];
	size_t der_len = sizeof(der);

	if (EVP_Digest(msg, len, digest, NULL, sha256, NULL) != 1)
		return ERR_CRYPTO;
	if (EVP_PKEY_sign(ctx, der, &der_len, digest, sizeof(digest)) != 1)
		return ERR_CRYPTO;
	return sig_der_to_raw(der, der_len, sig);
}

enum err
sim_pki_sign(EVP_PKEY *key, const void *msg, size_t len,
             uint8_t sig[static SIM_SIG_SIZE])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	enum err e = ERR_CRYPTO;

	if (ctx != NULL && EVP_PKEY_sign_init(ctx) == 1)
		e = sign_digest(ctx, EVP_sha256(), msg, len, sig);
	EVP_PKEY_CTX_free(ctx);
	return e;
}

enum err
sim_pki_pub_xy(EVP_PKEY *key, uint8_t xy[static 64])
{
	uint8_t point[65];
	size_t len = 0;

	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point,
	                                    sizeof(point), &len) != 1 ||
	    len != sizeof(point) || point[0] != POINT_CONVERSION_UNCOMPRESSED)
		return ERR_CRYPTO;
	memcpy(xy, point + 1, 64);
	return ERR_OK;
}
