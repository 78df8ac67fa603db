/*
 * The per-quote signer of the simulated QE: ECDSA P-256 over SHA-256,
 * the signature as the fixed r || s of the quote's signature data
 * (reference section 1.5).
 *
 * The signature is most of a quote's cost. EVP_PKEY_sign returns it
 * DER-encoded, which would then be decoded again into r and s, and needs
 * a context duplicated per signature. The EC_KEY interface returns r and
 * s directly from a key object made once. It is deprecated in OpenSSL 3
 * but present in every 3.x release, hence the define below, which must
 * come before any OpenSSL header; keep it to this file.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "backends/sim_pki.h"

#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

/* Only read while signing, so that threads may share it: ECDSA_do_sign
 * does not change the key, and SHA-256 is fetched once here instead of
 * looked up by name per quote. */
struct sim_signer {
	EC_KEY *key;
	EVP_MD *sha256;
};

enum err
sim_signer_new(EVP_PKEY *key, struct sim_signer **out)
{
	struct sim_signer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return ERR_NOMEM;
	s->key = EVP_PKEY_get1_EC_KEY(key);
	s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (s->key == NULL || s->sha256 == NULL) {
		sim_signer_free(s);
		return ERR_CRYPTO;
	}
	*out = s;
	return ERR_OK;
}

enum err
sim_signer_sign(struct sim_signer *s, const void *msg, size_t len,
                uint8_t sig[static SIM_SIG_SIZE])
{
	uint8_t digest[SHA256_DIGEST_LENGTH];
	const BIGNUM *r, *sv;
	ECDSA_SIG *es;
	bool ok;

	if (EVP_Digest(msg, len, digest, NULL, s->sha256, NULL) != 1)
		return ERR_CRYPTO;
	es = ECDSA_do_sign(digest, sizeof(digest), s->key);
	if (es == NULL)
		return ERR_CRYPTO;
	ECDSA_SIG_get0(es, &r, &sv);
	ok = BN_bn2binpad(r, sig, 32) == 32 &&
	     BN_bn2binpad(sv, sig + 32, 32) == 32;
	ECDSA_SIG_free(es);
	return ok ? ERR_OK : ERR_CRYPTO;
}

void
sim_signer_free(struct sim_signer *s)
{
	if (s == NULL)
		return;
	EC_KEY_free(s->key);
	EVP_MD_free(s->sha256);
	free(s);
}
