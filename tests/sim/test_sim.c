/*
 * Unit tests of the simulated platform: report MAC, CPU key file, state
 * persistence and consistency, quotes parsed back with the quote parser,
 * the PCK certificate's SGX extension and the exported collateral.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "backends/sim.h"
#include "backends/sim_collateral.h"
#include "backends/sim_platform.h"
#include "backends/sim_report.h"
#include "backends/sim_state.h"
#include "common/file.h"
#include "common/keyid.h"
#include "quote/pck.h"
#include "quote/quote.h"

struct fixture {
	char dir[64];
	char state[96];
	char key[96];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sqh-test-sim-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/run/%s", f->dir,
	         SIM_REPORT_KEY_FILE);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct backend *
open_backend(const struct fixture *f)
{
	struct sim_config cfg = {.state_dir = f->state,
	                         .report_key_path = f->key};
	struct backend *be = NULL;

	assert_int_equal(backend_sim_open(&cfg, &be), ERR_OK);
	assert_non_null(be);
	return be;
}

static void
app_body(sgx_report_body_t *body)
{
	memset(body, 0, sizeof(*body));
	memset(body->mr_enclave.m, 0x11, 32);
	body->isv_prod_id = 3;
	memset(body->report_data.d, 0x5a, 64);
}

/* ---- report MAC ---- */

static void
test_report_roundtrip_and_tamper(void **state)
{
	uint8_t key[SIM_REPORT_KEY_SIZE] = {1, 2, 3};
	uint8_t other[SIM_REPORT_KEY_SIZE] = {1, 2, 4};
	sgx_target_info_t target = {0}, wrong = {0};
	sgx_report_body_t body;
	sgx_report_t r, t;

	(void)state;
	memset(target.mr_enclave.m, 0x22, 32);
	target.attributes.flags = 0x15;
	wrong = target;
	wrong.misc_select = 1;
	app_body(&body);
	assert_int_equal(sim_report_make(key, &target, &body, &r), ERR_OK);
	assert_memory_equal(&r.body, &body, sizeof(body));
	assert_true(sim_report_verify(key, &target, &r));
	assert_false(sim_report_verify(other, &target, &r));
	assert_false(sim_report_verify(key, &wrong, &r));
	t = r;
	t.body.report_data.d[63] ^= 0x80;
	assert_false(sim_report_verify(key, &target, &t));
	t = r;
	t.key_id.id[0] ^= 1;
	assert_false(sim_report_verify(key, &target, &t));
	t = r;
	t.mac[15] ^= 1;
	assert_false(sim_report_verify(key, &target, &t));
}

static void
write_file(const char *path, const char *text)
{
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600),
	                 ERR_OK);
}

static void
test_report_key_file(void **state)
{
	struct fixture *f = *state;
	uint8_t key[SIM_REPORT_KEY_SIZE], back[SIM_REPORT_KEY_SIZE];
	char path[128];
	struct stat st;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa0 + i);
	snprintf(path, sizeof(path), "%s/k", f->dir);
	assert_int_equal(sim_report_key_publish(path, key), ERR_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(sim_report_key_load(path, back), ERR_OK);
	assert_memory_equal(key, back, sizeof(key));

	/* Negative: short, long, no newline, bad digit, missing. */
	write_file(path, "a0a1a2a3a4a5a6a7a8a9aaabacadae\n");
	assert_int_not_equal(sim_report_key_load(path, back), ERR_OK);
	write_file(path, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf00\n");
	assert_int_not_equal(sim_report_key_load(path, back), ERR_OK);
	write_file(path, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf ");
	assert_int_not_equal(sim_report_key_load(path, back), ERR_OK);
	write_file(path, "g0a1a2a3a4a5a6a7a8a9aaabacadaeaf\n");
	assert_int_not_equal(sim_report_key_load(path, back), ERR_OK);
	assert_int_equal(unlink(path), 0);
	assert_int_not_equal(sim_report_key_load(path, back), ERR_OK);
}

/* ---- quotes ---- */

static uint8_t *
get_quote(struct backend *be, const char *key_path, uint32_t *len)
{
	sgx_att_key_id_ext_t kid;
	sgx_target_info_t qe;
	uint8_t pkid[32], key[SIM_REPORT_KEY_SIZE];
	sgx_report_body_t body;
	sgx_report_t r;
	uint32_t size;
	uint8_t *q;

	keyid_default_ecdsa(&kid);
	assert_int_equal(be->ops->init_quote(be, &kid, &qe, pkid), 0);
	assert_int_equal(be->ops->quote_size(be, &kid, &size), 0);
	assert_int_equal(sim_report_key_load(key_path, key), ERR_OK);
	app_body(&body);
	assert_int_equal(sim_report_make(key, &qe, &body, &r), ERR_OK);
	q = calloc(1, size);
	assert_non_null(q);
	assert_int_equal(be->ops->get_quote(be, &r, &kid, NULL, q, size, len),
	                 0);
	assert_int_equal(*len, size);
	return q;
}

static void
assert_pub_key_id(const struct quote *q, const uint8_t id[32])
{
	uint8_t buf[96], digest[32];

	memcpy(buf, q->att_key, 64);
	memcpy(buf + 64, q->auth_data, 32);
	SHA256(buf, sizeof(buf), digest);
	assert_memory_equal(digest, id, 32);
	assert_memory_equal(q->qe_report.report_data.d, digest, 32);
	memset(digest, 0, 32);
	assert_memory_equal(q->qe_report.report_data.d + 32, digest, 32);
}

static void
assert_quote_shape(const struct quote *q)
{
	sgx_report_body_t body;

	app_body(&body);
	assert_int_equal(q->kind, QUOTE_KIND_SGX_V3);
	assert_int_equal(q->header.version, 3);
	assert_int_equal(q->header.att_key_type, 2);
	assert_int_equal(q->header.qe_svn, SIM_QE_SVN);
	assert_int_equal(q->header.pce_svn, SIM_PCE_SVN_RAW);
	assert_memory_equal(q->header.qe_vendor_id, quote_intel_qe_vendor_id,
	                    16);
	assert_memory_equal(&q->report, &body, sizeof(body));
	assert_int_equal(q->auth_data_len, 32);
	for (int i = 0; i < 32; i++)
		assert_int_equal(q->auth_data[i], i);
	assert_int_equal(q->qe_report.attributes.flags, 0x15);
	assert_int_equal(q->qe_report.isv_prod_id, 1);
	assert_memory_equal(q->qe_report.mr_signer.m, keyid_intel_qe3_mrsigner,
	                    32);
	assert_int_equal(q->cert.type, QUOTE_CERT_PCK_CHAIN);
	assert_int_equal(q->cert.cert_count, 3);
	/* The trailing NUL is counted, as real QE3 does. */
	assert_int_equal(q->cert.data[q->cert.size - 1], 0);
	assert_int_equal(q->len, q->raw_len);
}

static X509 *
pem_to_cert(const struct quote_pem *p)
{
	BIO *bio = BIO_new_mem_buf(p->pem, (int)p->len);
	X509 *c = PEM_read_bio_X509(bio, NULL, NULL, NULL);

	BIO_free(bio);
	assert_non_null(c);
	return c;
}

static void
assert_pck_ext(const struct quote *q)
{
	X509 *leaf = pem_to_cert(&q->cert.certs[0]);
	struct pck_ext ext;

	assert_int_equal(pck_ext_from_cert(leaf, &ext), ERR_OK);
	assert_memory_equal(ext.fmspc, sim_fmspc, 6);
	assert_memory_equal(ext.pceid, sim_pceid, 2);
	assert_memory_equal(ext.comp_svn, sim_comp_svn, 16);
	assert_memory_equal(ext.cpusvn, sim_comp_svn, 16);
	assert_int_equal(ext.pcesvn, SIM_PCK_PCESVN);
	assert_int_equal(ext.sgx_type, PCK_SGX_TYPE_STANDARD);
	X509_free(leaf);
}

static void
test_quote_parses_back(void **state)
{
	struct fixture *f = *state;
	struct backend *be = open_backend(f);
	sgx_att_key_id_ext_t kid;
	sgx_target_info_t qe;
	uint8_t pkid[32];
	struct quote q;
	uint32_t len;
	uint8_t *raw = get_quote(be, f->key, &len);

	keyid_default_ecdsa(&kid);
	assert_int_equal(be->ops->init_quote(be, &kid, &qe, pkid), 0);
	assert_int_equal(quote_parse(raw, len, &q), ERR_OK);
	assert_quote_shape(&q);
	assert_pub_key_id(&q, pkid);
	assert_pck_ext(&q);
	assert_memory_equal(qe.mr_enclave.m, q.qe_report.mr_enclave.m, 32);
	free(raw);
	be->ops->destroy(be);
}

static void
test_quote_errors(void **state)
{
	struct fixture *f = *state;
	struct backend *be = open_backend(f);
	sgx_att_key_id_ext_t kid, bad;
	sgx_target_info_t qe;
	uint8_t pkid[32], key[SIM_REPORT_KEY_SIZE], q[8192];
	sgx_report_body_t body;
	sgx_report_t r;
	uint32_t size, len;

	keyid_default_ecdsa(&kid);
	bad = kid;
	bad.base.algorithm_id = SGX_QL_ALG_EPID;
	assert_int_equal(be->ops->init_quote(be, &bad, &qe, pkid),
	                 AESM_UNSUPPORTED_ATT_KEY_ID);
	assert_int_equal(be->ops->quote_size(be, &bad, &size),
	                 AESM_UNSUPPORTED_ATT_KEY_ID);
	assert_int_equal(be->ops->init_quote(be, &kid, &qe, pkid), 0);
	assert_int_equal(be->ops->quote_size(be, &kid, &size), 0);
	assert_true(size <= sizeof(q));
	assert_int_equal(sim_report_key_load(f->key, key), ERR_OK);
	app_body(&body);
	assert_int_equal(sim_report_make(key, &qe, &body, &r), ERR_OK);

	assert_int_equal(
	        be->ops->get_quote(be, &r, &kid, NULL, q, size - 1, &len),
	        AESM_PARAMETER_ERROR);
	assert_int_equal(be->ops->get_quote(be, &r, &bad, NULL, q, size, &len),
	                 AESM_UNSUPPORTED_ATT_KEY_ID);
	r.body.isv_svn ^= 1;
	assert_int_equal(be->ops->get_quote(be, &r, &kid, NULL, q, size, &len),
	                 AESM_INVALID_REPORT);
	be->ops->destroy(be);
}

static void
test_qe_report_info(void **state)
{
	struct fixture *f = *state;
	struct backend *be = open_backend(f);
	sgx_att_key_id_ext_t kid;
	sgx_target_info_t qe;
	sgx_qe_report_info_t info;
	uint8_t pkid[32], key[SIM_REPORT_KEY_SIZE], q[8192], digest[32];
	uint8_t hashed[16 + sizeof(q)];
	sgx_report_body_t body;
	sgx_report_t r;
	uint32_t len;

	keyid_default_ecdsa(&kid);
	assert_int_equal(be->ops->init_quote(be, &kid, &qe, pkid), 0);
	assert_int_equal(sim_report_key_load(f->key, key), ERR_OK);
	app_body(&body);
	assert_int_equal(sim_report_make(key, &qe, &body, &r), ERR_OK);
	memset(&info, 0, sizeof(info));
	memset(info.nonce, 0x77, sizeof(info.nonce));
	memset(info.app_enclave_target_info.mr_enclave.m, 0x11, 32);
	assert_int_equal(
	        be->ops->get_quote(be, &r, &kid, &info, q, sizeof(q), &len), 0);
	assert_true(sim_report_verify(key, &info.app_enclave_target_info,
	                              &info.qe_report));
	memcpy(hashed, info.nonce, 16);
	memcpy(hashed + 16, q, len);
	SHA256(hashed, 16 + len, digest);
	assert_memory_equal(info.qe_report.body.report_data.d, digest, 32);
	assert_memory_equal(info.qe_report.body.mr_enclave.m, qe.mr_enclave.m,
	                    32);
	be->ops->destroy(be);
}

/* The daemon calls the backend from many threads at once. */
struct quote_thread {
	struct backend *be;
	const char *key_path;
	int ok;
};

static void *
quote_thread_run(void *arg)
{
	struct quote_thread *t = arg;
	sgx_att_key_id_ext_t kid;
	sgx_target_info_t qe;
	uint8_t pkid[32], key[SIM_REPORT_KEY_SIZE], q[8192];
	sgx_report_body_t body;
	sgx_report_t r;
	struct quote parsed;
	uint32_t len;

	keyid_default_ecdsa(&kid);
	if (t->be->ops->init_quote(t->be, &kid, &qe, pkid) != 0 ||
	    sim_report_key_load(t->key_path, key) != ERR_OK)
		return NULL;
	app_body(&body);
	for (int i = 0; i < 50; i++) {
		body.report_data.d[0] = (uint8_t)i;
		if (sim_report_make(key, &qe, &body, &r) != ERR_OK ||
		    t->be->ops->get_quote(t->be, &r, &kid, NULL, q, sizeof(q),
		                          &len) != 0 ||
		    quote_parse(q, len, &parsed) != ERR_OK ||
		    parsed.report.report_data.d[0] != (uint8_t)i)
			return NULL;
	}
	t->ok = 1;
	return NULL;
}

static void
test_concurrent_quotes(void **state)
{
	struct fixture *f = *state;
	struct backend *be = open_backend(f);
	struct quote_thread t[4];
	pthread_t th[4];

	for (int i = 0; i < 4; i++) {
		t[i] = (struct quote_thread){.be = be, .key_path = f->key};
		assert_int_equal(
		        pthread_create(&th[i], NULL, quote_thread_run, &t[i]),
		        0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].ok, 1);
	}
	be->ops->destroy(be);
}

/* ---- state ---- */

static void
test_state_persists(void **state)
{
	struct fixture *f = *state;
	uint32_t len1, len2;
	struct quote q1, q2;
	uint8_t *a, *b;
	struct backend *be = open_backend(f);
	struct stat st;
	char path[160];

	a = get_quote(be, f->key, &len1);
	be->ops->destroy(be);
	be = open_backend(f);
	b = get_quote(be, f->key, &len2);
	be->ops->destroy(be);
	assert_int_equal(quote_parse(a, len1, &q1), ERR_OK);
	assert_int_equal(quote_parse(b, len2, &q2), ERR_OK);
	assert_memory_equal(q1.att_key, q2.att_key, 64);
	assert_int_equal(q1.cert.size, q2.cert.size);
	assert_memory_equal(q1.cert.data, q2.cert.data, q1.cert.size);
	free(a);
	free(b);

	assert_int_equal(stat(f->state, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/attestation.key", f->state);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* A file that no longer matches the manifest stops the platform. */
static void
test_state_mismatch_refused(void **state)
{
	struct fixture *f = *state;
	struct backend *be = open_backend(f);
	struct sim_config cfg = {.state_dir = f->state};
	struct sim_state *other;
	char path[256], other_dir[160];
	uint8_t *data;
	size_t len;

	be->ops->destroy(be);
	snprintf(other_dir, sizeof(other_dir), "%s/other", f->dir);
	assert_int_equal(sim_state_open(other_dir, &other), ERR_OK);
	sim_state_free(other);
	snprintf(path, sizeof(path), "%s/pck.key", other_dir);
	assert_int_equal(file_read_all(path, 4096, &data, &len), ERR_OK);
	snprintf(path, sizeof(path), "%s/pck.key", f->state);
	assert_int_equal(file_write_atomic(path, data, len, 0600), ERR_OK);
	free(data);
	assert_int_not_equal(backend_sim_open(&cfg, &be), ERR_OK);
}

/* Without a manifest the state is incomplete and is made anew. */
static void
test_state_without_manifest_recreated(void **state)
{
	struct fixture *f = *state;
	struct sim_state *a, *b;
	char path[160];

	assert_int_equal(sim_state_open(f->state, &a), ERR_OK);
	snprintf(path, sizeof(path), "%s/%s", f->state, SIM_STATE_MANIFEST);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/root_ca.key.tmp.abcdef", f->state);
	write_file(path, "partial");
	assert_int_equal(sim_state_open(f->state, &b), ERR_OK);
	assert_int_not_equal(EVP_PKEY_eq(a->att_key, b->att_key), 1);
	assert_int_not_equal(access(path, F_OK), 0);
	sim_state_free(a);
	sim_state_free(b);
}

/* ---- collateral ---- */

static json_t *
load_json(const char *dir, const char *name, const char *key)
{
	char path[160];
	json_error_t jerr;
	json_t *j, *v;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	j = json_load_file(path, 0, &jerr);
	assert_non_null(j);
	v = json_object_get(j, key);
	assert_non_null(v);
	json_incref(v);
	assert_non_null(json_object_get(j, "signature"));
	json_decref(j);
	return v;
}

static void
test_collateral_content(void **state)
{
	struct fixture *f = *state;
	char out[160];
	json_t *tcb, *qe, *levels;

	snprintf(out, sizeof(out), "%s/collateral", f->dir);
	assert_int_equal(sim_collateral_export(f->state, out, 1750000000),
	                 ERR_OK);
	tcb = load_json(out, "tcb_info.json", "tcbInfo");
	assert_string_equal(json_string_value(json_object_get(tcb, "id")),
	                    "SGX");
	assert_int_equal(json_integer_value(json_object_get(tcb, "version")),
	                 3);
	assert_string_equal(json_string_value(json_object_get(tcb, "fmspc")),
	                    "535148000000");
	assert_string_equal(
	        json_string_value(json_object_get(tcb, "issueDate")),
	        "2025-06-15T15:06:40Z");
	assert_string_equal(
	        json_string_value(json_object_get(tcb, "nextUpdate")),
	        "2025-07-15T15:06:40Z");
	levels = json_object_get(tcb, "tcbLevels");
	assert_int_equal(json_array_size(levels), 2);
	qe = load_json(out, "qe_identity.json", "enclaveIdentity");
	assert_string_equal(json_string_value(json_object_get(qe, "id")), "QE");
	assert_string_equal(
	        json_string_value(json_object_get(qe, "attributes")),
	        "11000000000000000000000000000000");
	json_decref(tcb);
	json_decref(qe);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_report_roundtrip_and_tamper),
	        cmocka_unit_test_setup_teardown(test_report_key_file, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_quote_parses_back, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_quote_errors, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_qe_report_info, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_concurrent_quotes, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_state_persists, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_state_mismatch_refused,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_state_without_manifest_recreated, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_collateral_content, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
