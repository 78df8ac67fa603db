/*
 * The simulated QE3 and PCE (reference "quote format" sections 1.5 and
 * 1.6, "AESM protocol" sections 3.4-3.6).
 *
 * Everything that does not change between quotes is made once when the
 * backend opens: the QE target info, the QE report certifying the
 * attestation key and its PCK signature, the certification data. A quote
 * then costs one report MAC check, one ECDSA signature and a copy, and
 * needs no lock: after open the backend is read-only.
 */
#include "backends/sim.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "backends/sim_cmac.h"
#include "backends/sim_pki.h"
#include "backends/sim_platform.h"
#include "backends/sim_report.h"
#include "backends/sim_state.h"
#include "common/buf.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/keyid.h"
#include "common/log.h"
#include "quote/quote.h"

struct sim_backend {
	struct backend base;
	struct sim_state *state;
	struct sim_signer *att_signer;
	sgx_att_key_id_ext_t key_id;
	sgx_target_info_t qe_target;
	sgx_report_body_t qe_report; /* certifies the attestation key */
	uint8_t qe_report_sig[SIM_SIG_SIZE];
	uint8_t att_pub[QUOTE_ATT_KEY_SIZE];
	uint8_t auth_data[SIM_QE_AUTH_DATA_SIZE];
	uint8_t pub_key_id[BACKEND_PUB_KEY_ID_SIZE];
	uint8_t user_data[20];
	uint8_t *cert_data;
	uint32_t cert_data_len;
	uint32_t quote_size;
};

/* SHA-256(a || b), for the QE's two binding hashes. */
static enum err
sim_sha256_pair(const void *a, size_t a_len, const void *b, size_t b_len,
                uint8_t out[static SHA256_DIGEST_LENGTH])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, a, a_len) == 1 &&
	     EVP_DigestUpdate(ctx, b, b_len) == 1 &&
	     EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? ERR_OK : ERR_CRYPTO;
}

static struct sim_backend *
sim_of(struct backend *b)
{
	return (struct sim_backend *)b;
}

static bool
sim_key_id_ok(const struct sim_backend *sb, const sgx_att_key_id_ext_t *id)
{
	return id != NULL && keyid_base_equal(id, &sb->key_id);
}

/* Everything of a quote but the app's report and its signature. */
static void
sim_quote_parts(const struct sim_backend *sb, const sgx_report_body_t *report,
                const uint8_t *signature, struct quote_v3_parts *p)
{
	memset(p, 0, sizeof(*p));
	p->qe_svn = SIM_QE_SVN;
	p->pce_svn = SIM_PCE_SVN_RAW;
	memcpy(p->user_data, sb->user_data, sizeof(p->user_data));
	p->report = report;
	p->signature = signature;
	p->att_key = sb->att_pub;
	p->qe_report = &sb->qe_report;
	p->qe_report_sig = sb->qe_report_sig;
	p->auth_data = sb->auth_data;
	p->auth_data_len = sizeof(sb->auth_data);
	p->cert_type = QUOTE_CERT_PCK_CHAIN;
	p->cert_data = sb->cert_data;
	p->cert_data_len = sb->cert_data_len;
}

static const sgx_att_key_id_ext_t *
sim_key_ids(struct backend *b, size_t *count)
{
	*count = 1;
	return &sim_of(b)->key_id;
}

static enum aesm_error
sim_init_quote(struct backend *b, const sgx_att_key_id_ext_t *key_id,
               sgx_target_info_t *qe_target_info,
               uint8_t pub_key_id[BACKEND_PUB_KEY_ID_SIZE])
{
	struct sim_backend *sb = sim_of(b);

	if (!sim_key_id_ok(sb, key_id))
		return AESM_UNSUPPORTED_ATT_KEY_ID;
	*qe_target_info = sb->qe_target;
	memcpy(pub_key_id, sb->pub_key_id, BACKEND_PUB_KEY_ID_SIZE);
	return AESM_SUCCESS;
}

static enum aesm_error
sim_quote_size(struct backend *b, const sgx_att_key_id_ext_t *key_id,
               uint32_t *size)
{
	struct sim_backend *sb = sim_of(b);

	if (!sim_key_id_ok(sb, key_id))
		return AESM_UNSUPPORTED_ATT_KEY_ID;
	*size = sb->quote_size;
	return AESM_SUCCESS;
}

/* QE3's answer to a nonce: a report for the app enclave whose report
 * data is SHA-256(nonce || quote) || 0^32 (section 3.6). */
static enum aesm_error
sim_qe_report_for_app(struct sim_backend *sb, sgx_qe_report_info_t *info,
                      const uint8_t *quote, size_t len)
{
	sgx_report_body_t body = sb->qe_report;

	memset(body.report_data.d, 0, sizeof(body.report_data.d));
	if (sim_sha256_pair(info->nonce, sizeof(info->nonce), quote, len,
	                    body.report_data.d) != ERR_OK ||
	    sim_report_make(sb->state->cpu_key, &info->app_enclave_target_info,
	                    &body, &info->qe_report) != ERR_OK)
		return AESM_UNABLE_TO_GENERATE_QE_REPORT;
	return AESM_SUCCESS;
}

static enum aesm_error
sim_get_quote(struct backend *b, const sgx_report_t *report,
              const sgx_att_key_id_ext_t *key_id,
              sgx_qe_report_info_t *qe_report_info, uint8_t *quote,
              uint32_t cap, uint32_t *len)
{
	struct sim_backend *sb = sim_of(b);
	uint8_t signed_region[QUOTE_V3_SIGNED_SIZE];
	uint8_t sig[SIM_SIG_SIZE] = {0};
	struct quote_v3_parts parts;
	size_t out_len;

	if (!sim_key_id_ok(sb, key_id))
		return AESM_UNSUPPORTED_ATT_KEY_ID;
	if (!sim_report_verify(sb->state->cpu_key, &sb->qe_target, report))
		return AESM_INVALID_REPORT;
	if (cap < sb->quote_size)
		return AESM_PARAMETER_ERROR;

	/* The signature is about 80% of a quote's instructions; the rest is
	 * the report's two CMACs, SHA-256 of the signed region and copying. */
	sim_quote_parts(sb, &report->body, sig, &parts);
	quote_v3_signed_region(&parts, signed_region);
	if (sim_signer_sign(sb->att_signer, signed_region,
	                    sizeof(signed_region), sig) != ERR_OK)
		return AESM_UNEXPECTED_ERROR;
	if (quote_v3_build(&parts, quote, cap, &out_len) != ERR_OK ||
	    out_len != sb->quote_size)
		return AESM_UNEXPECTED_ERROR;
	*len = (uint32_t)out_len;

	if (qe_report_info != NULL)
		return sim_qe_report_for_app(sb, qe_report_info, quote,
		                             out_len);
	return AESM_SUCCESS;
}

static void
sim_destroy(struct backend *b)
{
	struct sim_backend *sb = sim_of(b);

	if (sb == NULL)
		return;
	sim_signer_free(sb->att_signer);
	sim_state_free(sb->state);
	free(sb->cert_data);
	OPENSSL_cleanse(sb, sizeof(*sb));
	free(sb);
}

static const struct backend_ops sim_ops = {
        .key_ids = sim_key_ids,
        .init_quote = sim_init_quote,
        .quote_size = sim_quote_size,
        .get_quote = sim_get_quote,
        .destroy = sim_destroy,
};

/* ---- set-up ---- */

/*
 * QE_ID: QE3 derives it with CMAC from its seal key over
 * 0x00 || "QE_ID_DER" || 0x00000000 || 0x0080 (section 1.1); the CPU
 * report key stands in for the seal key.
 */
static enum err
sim_make_qe_id(struct sim_backend *sb)
{
	static const uint8_t msg[16] = {0x00, 'Q', 'E',  '_', 'I', 'D',
	                                '_',  'D', 'E',  'R', 0,   0,
	                                0,    0,   0x00, 0x80};

	memset(sb->user_data, 0, sizeof(sb->user_data));
	return sim_cmac(sb->state->cpu_key, msg, sizeof(msg), sb->user_data);
}

static void
sim_make_target(struct sim_backend *sb)
{
	memset(&sb->qe_target, 0, sizeof(sb->qe_target));
	sb->qe_target.mr_enclave = sb->qe_report.mr_enclave;
	sb->qe_target.attributes = sb->qe_report.attributes;
	sb->qe_target.misc_select = sb->qe_report.misc_select;
}

/* The QE report of key certification, signed once with the PCK key. */
static enum err
sim_certify_att_key(struct sim_backend *sb)
{
	enum err e;

	if ((e = sim_pki_pub_xy(sb->state->att_key, sb->att_pub)) != ERR_OK)
		return e;
	for (size_t i = 0; i < sizeof(sb->auth_data); i++)
		sb->auth_data[i] = (uint8_t)i;
	if ((e = sim_sha256_pair(sb->att_pub, sizeof(sb->att_pub),
	                         sb->auth_data, sizeof(sb->auth_data),
	                         sb->pub_key_id)) != ERR_OK)
		return e;

	sim_qe_identity_body(&sb->qe_report);
	memcpy(sb->qe_report.report_data.d, sb->pub_key_id,
	       sizeof(sb->pub_key_id));
	return sim_pki_sign(sb->state->pck_key, &sb->qe_report,
	                    sizeof(sb->qe_report), sb->qe_report_sig);
}

static void
cert_data_put(struct buf *out, X509 *cert)
{
	char *pem;
	size_t len;

	if (out->err != ERR_OK)
		return;
	if ((out->err = sim_state_cert_pem(cert, &pem, &len)) != ERR_OK)
		return;
	buf_put(out, pem, len);
	free(pem);
}

/* Type 5: PEM leaf || CA || root, and the NUL real QE3 counts. */
static enum err
sim_make_cert_data(struct sim_backend *sb)
{
	struct buf b;
	size_t len;
	enum err e;

	buf_init(&b, 3 * 4098);
	cert_data_put(&b, sb->state->pck);
	cert_data_put(&b, sb->state->ca);
	cert_data_put(&b, sb->state->root);
	buf_put_u8(&b, 0);
	if ((e = buf_take(&b, &sb->cert_data, &len)) != ERR_OK)
		return e;
	sb->cert_data_len = (uint32_t)len;
	return ERR_OK;
}

static enum err
sim_make_quote_size(struct sim_backend *sb)
{
	static const uint8_t zero_sig[SIM_SIG_SIZE];
	sgx_report_body_t body;
	struct quote_v3_parts parts;
	size_t size;

	memset(&body, 0, sizeof(body));
	sim_quote_parts(sb, &body, zero_sig, &parts);
	size = quote_v3_size(&parts);
	if (size == 0 || size > UINT32_MAX)
		return ERR_RANGE;
	sb->quote_size = (uint32_t)size;
	return ERR_OK;
}

static enum err
sim_publish_report_key(const struct sim_backend *sb, const char *path)
{
	char dir[PATH_MAX];
	enum err e;

	if ((size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
		return ERR_RANGE;
	if ((e = file_mkdir_p(dirname(dir), 0755)) == ERR_OK)
		e = sim_report_key_publish(path, sb->state->cpu_key);
	if (e != ERR_OK)
		log_error_errno("event=sim_report_key_publish path=%s", path);
	return e;
}

static enum err
sim_setup(struct sim_backend *sb, const struct sim_config *cfg)
{
	enum err e;

	sb->base.ops = &sim_ops;
	sb->base.name = "sim";
	keyid_default_ecdsa(&sb->key_id);
	if ((e = sim_state_open(cfg->state_dir, &sb->state)) != ERR_OK ||
	    (e = sim_make_qe_id(sb)) != ERR_OK ||
	    (e = sim_certify_att_key(sb)) != ERR_OK ||
	    (e = sim_make_cert_data(sb)) != ERR_OK ||
	    (e = sim_make_quote_size(sb)) != ERR_OK ||
	    (e = sim_signer_new(sb->state->att_key, &sb->att_signer)) != ERR_OK)
		return e;
	sim_make_target(sb);
	if (cfg->report_key_path != NULL)
		return sim_publish_report_key(sb, cfg->report_key_path);
	return ERR_OK;
}

enum err
backend_sim_open(const struct sim_config *cfg, struct backend **out)
{
	struct sim_backend *sb = calloc(1, sizeof(*sb));
	char key_id_hex[2 * BACKEND_PUB_KEY_ID_SIZE + 1];
	enum err e;

	if (sb == NULL)
		return ERR_NOMEM;
	if ((e = sim_setup(sb, cfg)) != ERR_OK) {
		sim_destroy(&sb->base);
		return e;
	}
	hex_encode(sb->pub_key_id, sizeof(sb->pub_key_id), key_id_hex);
	log_warn("event=sim_backend state_dir=%s pub_key_id=%s quote_size=%u "
	         "note=\"simulated SGX platform: quotes chain to a simulated "
	         "root CA, not to Intel's\"",
	         cfg->state_dir, key_id_hex, sb->quote_size);
	*out = &sb->base;
	return ERR_OK;
}
