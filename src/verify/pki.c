#include "pki.h"

#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "common/cursor.h"
#include "common/hex.h"

enum err
pki_intel_root(X509 **out)
{
	const unsigned char *p = pki_intel_root_der;
	uint8_t md[32];

	if (pki_digest(pki_intel_root_der, sizeof(pki_intel_root_der), md) !=
	            ERR_OK ||
	    CRYPTO_memcmp(md, pki_intel_root_sha256, sizeof(md)) != 0)
		return ERR_CRYPTO;
	*out = d2i_X509(NULL, &p, (long)sizeof(pki_intel_root_der));
	return *out != NULL ? ERR_OK : ERR_CRYPTO;
}

static bool
pki_pem_has_more(BIO *bio)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);

	return n > 0 && memmem(data, (size_t)n, "-----BEGIN", 10) != NULL;
}

enum err
pki_chain_from_pem(const char *pem, size_t len, STACK_OF(X509) * *out)
{
	STACK_OF(X509) * chain;
	BIO *bio;
	X509 *x;

	if (len > INT32_MAX)
		return ERR_RANGE;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return ERR_NOMEM;
	if ((chain = sk_X509_new_null()) == NULL) {
		BIO_free(bio);
		return ERR_NOMEM;
	}
	while (pki_pem_has_more(bio)) {
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (x == NULL || sk_X509_num(chain) >= PKI_MAX_CHAIN ||
		    sk_X509_push(chain, x) <= 0) {
			X509_free(x);
			goto fail;
		}
	}
	BIO_free(bio);
	if (sk_X509_num(chain) == 0) {
		sk_X509_free(chain);
		return ERR_INVALID;
	}
	*out = chain;
	return ERR_OK;

fail:
	ERR_clear_error();
	BIO_free(bio);
	sk_X509_pop_free(chain, X509_free);
	return ERR_INVALID;
}

enum err
pki_cert_from_pem(const char *pem, size_t len, X509 **out)
{
	STACK_OF(X509) * chain;

	if (pki_chain_from_pem(pem, len, &chain) != ERR_OK)
		return ERR_INVALID;
	if (sk_X509_num(chain) != 1) {
		sk_X509_pop_free(chain, X509_free);
		return ERR_INVALID;
	}
	*out = sk_X509_shift(chain);
	sk_X509_free(chain);
	return ERR_OK;
}

static bool
pki_is_hex_digit(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* Hex digits with line breaks anywhere, as PCCS serves CRLs. */
static bool
pki_is_hex_text(const uint8_t *data, size_t len)
{
	struct cursor c;
	uint8_t ch;

	cursor_init(&c, data, len);
	while (cursor_u8(&c, &ch) == ERR_OK) {
		if (!pki_is_hex_digit(ch) && ch != '\n' && ch != '\r')
			return false;
	}
	return len > 0;
}

static enum err
pki_crl_from_der(const uint8_t *der, size_t len, X509_CRL **out)
{
	const unsigned char *p = der;

	if (len > INT32_MAX)
		return ERR_RANGE;
	*out = d2i_X509_CRL(NULL, &p, (long)len);
	if (*out == NULL || (size_t)(p - der) != len) {
		X509_CRL_free(*out);
		*out = NULL;
		ERR_clear_error();
		return ERR_INVALID;
	}
	return ERR_OK;
}

static enum err
pki_crl_from_hex(const uint8_t *text, size_t len, X509_CRL **out)
{
	struct cursor c;
	char *digits;
	uint8_t *der;
	size_t n = 0, der_len;
	uint8_t ch;
	enum err e;

	if ((digits = malloc(len)) == NULL)
		return ERR_NOMEM;
	cursor_init(&c, text, len);
	while (cursor_u8(&c, &ch) == ERR_OK) {
		if (pki_is_hex_digit(ch))
			digits[n++] = (char)ch;
	}
	if ((der = malloc(n / 2 + 1)) == NULL) {
		free(digits);
		return ERR_NOMEM;
	}
	e = hex_decode_var(digits, n, der, n / 2 + 1, &der_len);
	if (e == ERR_OK)
		e = pki_crl_from_der(der, der_len, out);
	free(der);
	free(digits);
	return e;
}

enum err
pki_crl_load(const uint8_t *data, size_t len, X509_CRL **out)
{
	BIO *bio;

	if (len > PKI_MAX_CRL_SIZE)
		return ERR_RANGE;
	if (len > 10 && memcmp(data, "-----BEGIN", 10) == 0) {
		if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
			return ERR_NOMEM;
		*out = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
		ERR_clear_error();
		return *out != NULL ? ERR_OK : ERR_INVALID;
	}
	if (pki_is_hex_text(data, len))
		return pki_crl_from_hex(data, len, out);
	return pki_crl_from_der(data, len, out);
}

enum err
pki_key_from_raw(const uint8_t xy[static 64], EVP_PKEY **out)
{
	static char group[] = "prime256v1";
	uint8_t point[65];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	int ok;

	point[0] = 0x04; /* uncompressed */
	memcpy(point + 1, xy, 64);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	                                             group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	                                              point, sizeof(point));
	params[2] = OSSL_PARAM_construct_end();

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		return ERR_NOMEM;
	*out = NULL;
	ok = EVP_PKEY_fromdata_init(ctx) == 1 &&
	     EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok ? ERR_OK : ERR_INVALID;
}

/* DER ECDSA-Sig-Value from r||s, through OpenSSL's encoder. */
static enum err
pki_sig_to_der(const uint8_t sig[static 64], unsigned char **der, int *len)
{
	const uint8_t *rb = NULL, *sb = NULL;
	ECDSA_SIG *s = NULL;
	BIGNUM *r = NULL, *ss = NULL;
	struct cursor c;

	cursor_init(&c, sig, 64);
	if (cursor_bytes(&c, 32, &rb) != ERR_OK ||
	    cursor_bytes(&c, 32, &sb) != ERR_OK)
		return ERR_INVALID;
	s = ECDSA_SIG_new();
	r = BN_bin2bn(rb, 32, NULL);
	ss = BN_bin2bn(sb, 32, NULL);
	if (s == NULL || r == NULL || ss == NULL || !ECDSA_SIG_set0(s, r, ss)) {
		ECDSA_SIG_free(s);
		BN_free(r);
		BN_free(ss);
		return ERR_NOMEM;
	}
	*der = NULL;
	*len = i2d_ECDSA_SIG(s, der);
	ECDSA_SIG_free(s);
	return *len > 0 ? ERR_OK : ERR_NOMEM;
}

static EVP_MD *pki_sha256_md;
static pthread_once_t pki_sha256_once = PTHREAD_ONCE_INIT;

static void
pki_sha256_fetch(void)
{
	pki_sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *
pki_sha256(void)
{
	pthread_once(&pki_sha256_once, pki_sha256_fetch);
	return pki_sha256_md;
}

enum err
pki_digest(const void *msg, size_t len, uint8_t out[static 32])
{
	unsigned int n = 32;
	const EVP_MD *md = pki_sha256();

	if (md == NULL || EVP_Digest(msg, len, out, &n, md, NULL) != 1)
		return ERR_CRYPTO;
	return ERR_OK;
}

enum err
pki_verifier_new(EVP_PKEY *key, EVP_PKEY_CTX **out)
{
	*out = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (*out == NULL)
		return ERR_NOMEM;
	if (EVP_PKEY_verify_init(*out) != 1) {
		EVP_PKEY_CTX_free(*out);
		*out = NULL;
		ERR_clear_error();
		return ERR_CRYPTO;
	}
	return ERR_OK;
}

enum err
pki_verify_with(EVP_PKEY_CTX *verifier, const void *msg, size_t len,
                const uint8_t sig[static 64])
{
	uint8_t md[32];
	unsigned char *der;
	int der_len, rc;
	enum err e;

	if ((e = pki_digest(msg, len, md)) != ERR_OK ||
	    (e = pki_sig_to_der(sig, &der, &der_len)) != ERR_OK)
		return e;
	rc = EVP_PKEY_verify(verifier, der, (size_t)der_len, md, sizeof(md));
	OPENSSL_free(der);
	ERR_clear_error();
	return rc == 1 ? ERR_OK : ERR_CRYPTO;
}

enum err
pki_verify_raw(EVP_PKEY *key, const void *msg, size_t len,
               const uint8_t sig[static 64])
{
	EVP_PKEY_CTX *verifier;
	enum err e;

	if ((e = pki_verifier_new(key, &verifier)) != ERR_OK)
		return e;
	e = pki_verify_with(verifier, msg, len, sig);
	EVP_PKEY_CTX_free(verifier);
	return e;
}

bool
pki_cn_contains(const X509 *cert, const char *needle)
{
	char cn[256];
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert),
	                                  NID_commonName, cn, sizeof(cn));

	return n > 0 && strstr(cn, needle) != NULL;
}

enum err
pki_asn1_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return ERR_INVALID;
	*out = timegm(&tm);
	return ERR_OK;
}

enum err
pki_cert_digest(const X509 *cert, uint8_t out[static 32])
{
	unsigned int n = 32;

	return X509_digest(cert, pki_sha256(), out, &n) == 1 ? ERR_OK
	                                                     : ERR_CRYPTO;
}
