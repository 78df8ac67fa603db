/*
 * Simulated EREPORT and EVERIFYREPORT (see sim_report.h).
 *
 * The report key stands in for the one EGETKEY gives the target enclave:
 *
 *   report_key = CMAC(cpu_key, label || MRENCLAVE || ATTRIBUTES ||
 *                               MISCSELECT || KEYID)
 *   mac        = CMAC(report_key, report body)
 *
 * so a report verifies only for the enclave it was targeted at, and only
 * on a node that holds the same CPU key.
 */
#include "backends/sim_report.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "backends/sim_cmac.h"
#include "common/buf.h"
#include "common/file.h"
#include "common/hex.h"

/* Exactly 16 bytes: padding the derivation input to whole AES blocks. */
static const char report_key_label[16] = "SQH-EREPORT-KEY";

/* 32 hex digits and a newline. */
#define KEY_FILE_SIZE (2 * SIM_REPORT_KEY_SIZE + 1)

/*
 * A CMAC context with the cipher set and a placeholder key. Each thread
 * keeps a copy of it and sets its own key for each MAC, which spares a
 * cipher fetch and a context per MAC; the copy goes when the thread ends.
 */
static EVP_MAC_CTX *cmac_proto;
static pthread_once_t cmac_once = PTHREAD_ONCE_INIT;
static pthread_key_t cmac_thread_key;
static bool cmac_thread_key_ok;

static void
cmac_thread_free(void *ctx)
{
	EVP_MAC_CTX_free(ctx);
}

static void
cmac_proto_init(void)
{
	static char cipher[] = "AES-128-CBC";
	static const uint8_t zero_key[SIM_CMAC_SIZE];
	OSSL_PARAM params[] = {
	        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher,
	                                         0),
	        OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;

	EVP_MAC_free(mac);
	cmac_thread_key_ok =
	        pthread_key_create(&cmac_thread_key, cmac_thread_free) == 0;
	if (ctx == NULL)
		return;
	if (EVP_MAC_init(ctx, zero_key, sizeof(zero_key), params) != 1) {
		EVP_MAC_CTX_free(ctx);
		return;
	}
	cmac_proto = ctx;
}

/* This thread's CMAC context; a private copy when there is no room to
 * keep one (*owned: the caller frees it). NULL on failure. */
static EVP_MAC_CTX *
cmac_thread_ctx(bool *owned)
{
	EVP_MAC_CTX *ctx;

	pthread_once(&cmac_once, cmac_proto_init);
	*owned = false;
	if (cmac_proto == NULL)
		return NULL;
	if (cmac_thread_key_ok &&
	    (ctx = pthread_getspecific(cmac_thread_key)) != NULL)
		return ctx;
	if ((ctx = EVP_MAC_CTX_dup(cmac_proto)) == NULL)
		return NULL;
	if (!cmac_thread_key_ok ||
	    pthread_setspecific(cmac_thread_key, ctx) != 0)
		*owned = true;
	return ctx;
}

enum err
sim_cmac(const uint8_t key[static SIM_CMAC_SIZE], const void *msg, size_t len,
         uint8_t out[static SIM_CMAC_SIZE])
{
	size_t out_len = 0;
	EVP_MAC_CTX *ctx;
	bool owned;
	int ok;

	if ((ctx = cmac_thread_ctx(&owned)) == NULL)
		return ERR_CRYPTO;
	ok = EVP_MAC_init(ctx, key, SIM_CMAC_SIZE, NULL) == 1 &&
	     EVP_MAC_update(ctx, msg, len) == 1 &&
	     EVP_MAC_final(ctx, out, &out_len, SIM_CMAC_SIZE) == 1 &&
	     out_len == SIM_CMAC_SIZE;
	if (owned)
		EVP_MAC_CTX_free(ctx);
	return ok ? ERR_OK : ERR_CRYPTO;
}

/* The derivation input, in the order the header comment gives. */
static enum err
report_key_derive(const uint8_t cpu_key[static SIM_REPORT_KEY_SIZE],
                  const sgx_target_info_t *target, const sgx_key_id_t *key_id,
                  uint8_t out[static SIM_CMAC_SIZE])
{
	struct buf b;
	enum err e;

	buf_init(&b, 0);
	buf_put(&b, report_key_label, sizeof(report_key_label));
	buf_put(&b, target->mr_enclave.m, SGX_HASH_SIZE);
	buf_put_u64le(&b, target->attributes.flags);
	buf_put_u64le(&b, target->attributes.xfrm);
	buf_put_u32le(&b, target->misc_select);
	buf_put(&b, key_id->id, SGX_KEYID_SIZE);
	e = b.err;
	if (e == ERR_OK)
		e = sim_cmac(cpu_key, b.data, b.len, out);
	buf_free_secret(&b);
	return e;
}

static enum err
report_mac(const uint8_t cpu_key[static SIM_REPORT_KEY_SIZE],
           const sgx_target_info_t *target, const sgx_report_t *report,
           uint8_t mac[static SGX_MAC_SIZE])
{
	uint8_t key[SIM_CMAC_SIZE];
	enum err e;

	e = report_key_derive(cpu_key, target, &report->key_id, key);
	if (e == ERR_OK)
		e = sim_cmac(key, &report->body, sizeof(report->body), mac);
	OPENSSL_cleanse(key, sizeof(key));
	return e;
}

enum err
sim_report_make(const uint8_t cpu_key[static SIM_REPORT_KEY_SIZE],
                const sgx_target_info_t *target, const sgx_report_body_t *body,
                sgx_report_t *out)
{
	sgx_report_t r;
	enum err e;

	memset(&r, 0, sizeof(r));
	r.body = *body;
	/* Hardware puts a per-boot random value here; per report is as good
	 * for a simulator and keeps reports unlinkable. */
	if (RAND_bytes(r.key_id.id, sizeof(r.key_id.id)) != 1)
		return ERR_CRYPTO;
	if ((e = report_mac(cpu_key, target, &r, r.mac)) != ERR_OK)
		return e;
	*out = r;
	return ERR_OK;
}

bool
sim_report_verify(const uint8_t cpu_key[static SIM_REPORT_KEY_SIZE],
                  const sgx_target_info_t *self, const sgx_report_t *report)
{
	uint8_t mac[SGX_MAC_SIZE];

	if (report_mac(cpu_key, self, report, mac) != ERR_OK)
		return false;
	return CRYPTO_memcmp(mac, report->mac, sizeof(mac)) == 0;
}

enum err
sim_report_key_load(const char *path, uint8_t key[static SIM_REPORT_KEY_SIZE])
{
	uint8_t *data;
	size_t len;
	enum err e;

	if ((e = file_read_all(path, KEY_FILE_SIZE, &data, &len)) != ERR_OK)
		return e;
	if (len == KEY_FILE_SIZE && data[len - 1] == '\n')
		e = hex_decode((const char *)data, len - 1, key,
		               SIM_REPORT_KEY_SIZE);
	else
		e = ERR_INVALID;
	OPENSSL_cleanse(data, len);
	free(data);
	return e;
}

enum err
sim_report_key_publish(const char *path,
                       const uint8_t key[static SIM_REPORT_KEY_SIZE])
{
	char text[KEY_FILE_SIZE + 1];
	enum err e;

	hex_encode(key, SIM_REPORT_KEY_SIZE, text);
	text[KEY_FILE_SIZE - 1] = '\n';
	text[KEY_FILE_SIZE] = '\0';
	e = file_write_atomic(path, text, KEY_FILE_SIZE, 0644);
	OPENSSL_cleanse(text, sizeof(text));
	return e;
}
