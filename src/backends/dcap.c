/*
 * The dcap backend: quotes from the platform's real QE3 through Intel's
 * high-level DCAP library (reference "AESM protocol" section 6.1), and
 * through its lower-level QE3 logic library (section 6.2) for what the
 * high-level API cannot do.
 *
 * Intel does not say that its libraries are thread-safe, and its own
 * service runs every quote on one thread; every call into them is made
 * under one mutex. A hardware quote costs milliseconds of enclave time,
 * so the lock is not what limits throughput.
 *
 * pub_key_id (the ECDSA ID, SHA-256 of the attestation public key and the
 * QE authentication data) is returned only by sgx_ql_init_quote of the
 * QE3 logic library. Without that library it is learned from the first
 * quote made, where the same hash is QE3's report data; before that,
 * InitQuoteEx answers 32 zero bytes. Every known client (Intel's DCAP
 * library, Open Enclave, Gramine) only checks its size.
 */
#include "backends/dcap.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "backends/dcap_lib.h"
#include "common/hex.h"
#include "common/keyid.h"
#include "common/log.h"
#include "quote/quote.h"

struct dcap_backend {
	struct backend base;
	struct dcap_lib lib;
	void *qe3_logic; /* NULL when libsgx_qe3_logic.so is missing */
	dcap_ql_init_quote_fn ql_init_quote;
	dcap_ql_get_quote_fn ql_get_quote;
	sgx_att_key_id_ext_t key_id;

	pthread_mutex_t lock; /* calls into Intel's libraries, and below */
	uint8_t pub_key_id[BACKEND_PUB_KEY_ID_SIZE];
	bool pub_key_id_known;
	bool warned_cert_type;
};

static struct dcap_backend *
dcap_of(struct backend *b)
{
	return (struct dcap_backend *)b;
}

static bool
dcap_key_id_ok(const struct dcap_backend *db, const sgx_att_key_id_ext_t *id)
{
	return id != NULL && keyid_base_equal(id, &db->key_id);
}

static enum aesm_error
dcap_result(const char *call, quote3_error_t rc)
{
	if (rc != SGX_QL_SUCCESS)
		dcap_log_failure(call, (uint32_t)rc);
	return dcap_error_to_aesm((uint32_t)rc);
}

static const sgx_att_key_id_ext_t *
dcap_key_ids(struct backend *b, size_t *count)
{
	*count = 1;
	return &dcap_of(b)->key_id;
}

/* Section 3.4: a size query first, then the call that certifies. */
static quote3_error_t
dcap_ql_init(struct dcap_backend *db, sgx_target_info_t *ti,
             uint8_t pub_key_id[BACKEND_PUB_KEY_ID_SIZE])
{
	sgx_ql_att_key_id_t key = db->key_id.base;
	size_t size = 0;
	quote3_error_t rc;

	rc = db->ql_init_quote(&key, ti, false, &size, NULL);
	if (rc != SGX_QL_SUCCESS)
		return rc;
	if (size != BACKEND_PUB_KEY_ID_SIZE)
		return SGX_QL_ERROR_UNEXPECTED;
	return db->ql_init_quote(&key, ti, false, &size, pub_key_id);
}

static enum aesm_error
dcap_init_quote(struct backend *b, const sgx_att_key_id_ext_t *key_id,
                sgx_target_info_t *qe_target_info,
                uint8_t pub_key_id[BACKEND_PUB_KEY_ID_SIZE])
{
	struct dcap_backend *db = dcap_of(b);
	quote3_error_t rc;

	if (!dcap_key_id_ok(db, key_id))
		return AESM_UNSUPPORTED_ATT_KEY_ID;

	pthread_mutex_lock(&db->lock);
	if (db->ql_init_quote != NULL) {
		rc = dcap_ql_init(db, qe_target_info, pub_key_id);
	} else {
		rc = db->lib.get_target_info(qe_target_info);
		memcpy(pub_key_id, db->pub_key_id, BACKEND_PUB_KEY_ID_SIZE);
	}
	pthread_mutex_unlock(&db->lock);
	return dcap_result(db->ql_init_quote ? "sgx_ql_init_quote"
	                                     : "sgx_qe_get_target_info",
	                   rc);
}

static enum aesm_error
dcap_quote_size(struct backend *b, const sgx_att_key_id_ext_t *key_id,
                uint32_t *size)
{
	struct dcap_backend *db = dcap_of(b);
	quote3_error_t rc;

	if (!dcap_key_id_ok(db, key_id))
		return AESM_UNSUPPORTED_ATT_KEY_ID;
	pthread_mutex_lock(&db->lock);
	rc = db->lib.get_quote_size(size);
	pthread_mutex_unlock(&db->lock);
	return dcap_result("sgx_qe_get_quote_size", rc);
}

/* SHA-256(attestation key || authentication data): the ECDSA ID. */
static bool
dcap_ecdsa_id(const struct quote *q, uint8_t out[BACKEND_PUB_KEY_ID_SIZE])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, q->att_key, QUOTE_ATT_KEY_SIZE) == 1 &&
	     EVP_DigestUpdate(ctx, q->auth_data, q->auth_data_len) == 1 &&
	     EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/*
 * What a quote tells about the platform, called with the lock held: the
 * ECDSA ID that the high-level API does not return (QE3 puts it in its
 * own report's data when it certifies the key), and certification data
 * of type 3, which means QE3 found no quote provider library.
 */
static void
dcap_learn_from_quote(struct dcap_backend *db, const struct quote *q)
{
	uint8_t id[BACKEND_PUB_KEY_ID_SIZE];
	char hex[2 * BACKEND_PUB_KEY_ID_SIZE + 1];

	if (!db->pub_key_id_known && dcap_ecdsa_id(q, id) &&
	    memcmp(id, q->qe_report.report_data.d, sizeof(id)) == 0) {
		memcpy(db->pub_key_id, id, sizeof(id));
		db->pub_key_id_known = true;
		hex_encode(id, sizeof(id), hex);
		log_info("event=dcap_pub_key_id source=quote pub_key_id=%s",
		         hex);
	}
	if (!db->warned_cert_type && q->cert.type != QUOTE_CERT_PCK_CHAIN) {
		db->warned_cert_type = true;
		log_warn("event=dcap_cert_type type=%u name=%s cause=\"QE3 "
		         "found no quote provider library or PCCS "
		         "configuration, so quotes carry no PCK certificate "
		         "chain\" fix=\"install libsgx-dcap-default-qpl (or "
		         "az-dcap-client on Azure) and check "
		         "/etc/sgx_default_qcnl.conf\"",
		         q->cert.type, quote_cert_type_name(q->cert.type));
	}
}

/* The quote's own length, read from its signature data length: Intel's
 * library writes the quote but does not return how long it is. */
static enum aesm_error
dcap_quote_check(struct dcap_backend *db, const uint8_t *quote, uint32_t cap,
                 uint32_t *len)
{
	struct quote q;
	enum err e;

	if ((e = quote_parse(quote, cap, &q)) != ERR_OK ||
	    q.kind != QUOTE_KIND_SGX_V3) {
		log_error("event=dcap_quote_invalid size=%u err=%s", cap,
		          err_str(e));
		return AESM_UNEXPECTED_ERROR;
	}
	*len = (uint32_t)q.len;
	dcap_learn_from_quote(db, &q);
	return AESM_SUCCESS;
}

static enum aesm_error
dcap_no_qe3_logic(void)
{
	log_error("event=dcap_qe_report_info_unavailable aesm=%d "
	          "cause=\"%s is not loaded; the high-level DCAP API cannot "
	          "make a QE report for a nonce\" fix=\"install "
	          "libsgx-qe3-logic\"",
	          AESM_INTERFACE_UNAVAILABLE, DCAP_QE3_LOGIC_LIBRARY);
	return AESM_INTERFACE_UNAVAILABLE;
}

static enum aesm_error
dcap_get_quote(struct backend *b, const sgx_report_t *report,
               const sgx_att_key_id_ext_t *key_id,
               sgx_qe_report_info_t *qe_report_info, uint8_t *quote,
               uint32_t cap, uint32_t *len)
{
	struct dcap_backend *db = dcap_of(b);
	sgx_ql_att_key_id_t key;
	const char *call;
	enum aesm_error ae;
	quote3_error_t rc;

	if (!dcap_key_id_ok(db, key_id))
		return AESM_UNSUPPORTED_ATT_KEY_ID;
	if (qe_report_info != NULL && db->ql_get_quote == NULL)
		return dcap_no_qe3_logic();

	key = key_id->base;
	memset(quote, 0, cap);
	pthread_mutex_lock(&db->lock);
	if (qe_report_info != NULL) {
		call = "sgx_ql_get_quote";
		rc = db->ql_get_quote(report, &key, qe_report_info, quote, cap);
	} else {
		call = "sgx_qe_get_quote";
		rc = db->lib.get_quote(report, cap, quote);
	}
	ae = rc == SGX_QL_SUCCESS ? dcap_quote_check(db, quote, cap, len)
	                          : AESM_SUCCESS;
	pthread_mutex_unlock(&db->lock);
	return rc == SGX_QL_SUCCESS ? ae : dcap_result(call, rc);
}

static void
dcap_destroy(struct backend *b)
{
	struct dcap_backend *db = dcap_of(b);

	if (db == NULL)
		return;
	/* XXX: the libraries stay loaded: Intel's keeps enclaves and
	 * threads whose unloading at exit is not documented as safe. */
	pthread_mutex_destroy(&db->lock);
	OPENSSL_cleanse(db, sizeof(*db));
	free(db);
}

static const struct backend_ops dcap_ops = {
        .key_ids = dcap_key_ids,
        .init_quote = dcap_init_quote,
        .quote_size = dcap_quote_size,
        .get_quote = dcap_get_quote,
        .destroy = dcap_destroy,
};

/* ---- set-up ---- */

static void
dcap_qe3_logic_load(struct dcap_backend *db)
{
	db->qe3_logic = dcap_qe3_logic_open(&db->lib);
	if (db->qe3_logic != NULL) {
		db->ql_init_quote = (dcap_ql_init_quote_fn)(uintptr_t)dlsym(
		        db->qe3_logic, "sgx_ql_init_quote");
		db->ql_get_quote = (dcap_ql_get_quote_fn)(uintptr_t)dlsym(
		        db->qe3_logic, "sgx_ql_get_quote");
	}
	if (db->ql_init_quote != NULL && db->ql_get_quote != NULL) {
		log_info("event=dcap_qe3_logic library=%s",
		         DCAP_QE3_LOGIC_LIBRARY);
		return;
	}
	db->ql_init_quote = NULL;
	db->ql_get_quote = NULL;
	log_warn("event=dcap_qe3_logic_missing library=%s effect=\"requests "
	         "with qe_report_info fail with AESM %d; pub_key_id is "
	         "learned from the first quote\" fix=\"install "
	         "libsgx-qe3-logic\"",
	         DCAP_QE3_LOGIC_LIBRARY, AESM_INTERFACE_UNAVAILABLE);
}

/* Loads QE3 once at start, so that a broken platform shows in the log
 * now rather than at the first client's request. */
static void
dcap_probe(struct dcap_backend *db)
{
	sgx_target_info_t ti;
	quote3_error_t rc;

	rc = db->lib.get_target_info(&ti);
	if (rc != SGX_QL_SUCCESS)
		dcap_log_failure("sgx_qe_get_target_info", (uint32_t)rc);
	else
		log_info("event=dcap_qe3_loaded");
}

static enum err
dcap_setup(struct dcap_backend *db, const struct dcap_config *cfg, char *why,
           size_t why_len)
{
	const char *path = cfg->library ? cfg->library : DCAP_QL_LIBRARY;
	quote3_error_t rc;
	enum err e;

	if (!dcap_devices_present(cfg, why, why_len))
		return ERR_NOTFOUND;
	dcap_env_clear();
	if ((e = dcap_lib_load(path, &db->lib, why, why_len)) != ERR_OK)
		return e;
	log_info("event=dcap_library path=%s dir=%s", path, db->lib.dir);
	rc = db->lib.set_policy(SGX_QL_PERSISTENT);
	if (rc != SGX_QL_SUCCESS)
		dcap_log_failure("sgx_qe_set_enclave_load_policy",
		                 (uint32_t)rc);
	dcap_qe3_logic_load(db);
	dcap_probe(db);
	return ERR_OK;
}

enum err
backend_dcap_open(const struct dcap_config *cfg, struct backend **out,
                  char *why, size_t why_len)
{
	struct dcap_backend *db = calloc(1, sizeof(*db));
	enum err e;

	if (db == NULL) {
		snprintf(why, why_len, "out of memory");
		return ERR_NOMEM;
	}
	db->base.ops = &dcap_ops;
	db->base.name = "dcap";
	keyid_default_ecdsa(&db->key_id);
	if (pthread_mutex_init(&db->lock, NULL) != 0) {
		free(db);
		snprintf(why, why_len, "mutex initialisation failed");
		return ERR_IO;
	}
	if ((e = dcap_setup(db, cfg, why, why_len)) != ERR_OK) {
		dcap_lib_unload(&db->lib);
		dcap_destroy(&db->base);
		return e;
	}
	*out = &db->base;
	return ERR_OK;
}
