/*
 * The real sgx-quote-helper with --backend dcap on the stand-in DCAP
 * libraries and stand-in device files, driven with raw protocol messages:
 * quotes end to end, the QE report for a nonce through the QE3 logic
 * library (and its absence), every quote3_error_t mapped to its AESM
 * code, and SGX_AESM_ADDR gone before the library loads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../daemon/testlib.h"
#include "backends/sim_report.h"
#include "common/keyid.h"
#include "quote/quote.h"
#include "reference_codes.h"
#include "wire/wire.h"

#define DAEMON SQH_BINARY_DIR "/bin/sgx-quote-helper"

struct daemon {
	char *dir;
	char socket[256];
	char log[256];
	char control[256];
	char record[256];
	char key[256];
	pid_t pid;
};

static void
path_in(const struct daemon *d, char *out, size_t n, const char *name)
{
	assert_true((size_t)snprintf(out, n, "%s/%s", d->dir, name) < n);
}

static void
touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	close(fd);
}

/* The child: the stand-in's environment, SGX_AESM_ADDR set as an Open
 * Enclave host would have it, the daemon on the stand-in devices. */
static void
daemon_exec(const struct daemon *d, const char *variant)
{
	char lib[512], dev[256], state[256], sstate[256];
	int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	snprintf(lib, sizeof(lib), "%s/%s/libsgx_dcap_ql.so.1", SQH_STANDIN_DIR,
	         variant);
	snprintf(dev, sizeof(dev), "%s/dev", d->dir);
	snprintf(state, sizeof(state), "%s/state", d->dir);
	snprintf(sstate, sizeof(sstate), "%s/standin-state", d->dir);
	setenv("SQH_STANDIN_STATE", sstate, 1);
	setenv("SQH_STANDIN_REPORT_KEY", d->key, 1);
	setenv("SQH_STANDIN_CONTROL", d->control, 1);
	setenv("SQH_STANDIN_RECORD", d->record, 1);
	setenv("SGX_AESM_ADDR", "1", 1);
	execl(DAEMON, DAEMON, "--backend", "dcap", "--dcap-library", lib,
	      "--sgx-dev-dir", dev, "--socket", d->socket, "--state-dir", state,
	      "--workers", "2", (char *)NULL);
	_exit(127);
}

static void
daemon_start(struct daemon *d, const char *variant)
{
	char dev[256], path[300];

	memset(d, 0, sizeof(*d));
	d->dir = temp_dir();
	path_in(d, d->socket, sizeof(d->socket), "aesm.socket");
	path_in(d, d->log, sizeof(d->log), "daemon.log");
	path_in(d, d->control, sizeof(d->control), "control");
	path_in(d, d->record, sizeof(d->record), "record");
	path_in(d, d->key, sizeof(d->key), "sim-report.key");
	path_in(d, dev, sizeof(dev), "dev");
	assert_int_equal(mkdir(dev, 0700), 0);
	snprintf(path, sizeof(path), "%s/sgx_enclave", dev);
	touch(path);
	snprintf(path, sizeof(path), "%s/sgx_provision", dev);
	touch(path);

	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0)
		daemon_exec(d, variant);
	raw_wait_connectable(d->socket);
}

static void
daemon_stop(struct daemon *d)
{
	assert_int_equal(child_term(d->pid), 0);
	rm_rf(d->dir);
	free(d->dir);
}

/* The whole of a small file, NUL-terminated (free()). */
static char *
slurp(const char *path)
{
	char *s = calloc(1, 1 << 16);
	FILE *f = fopen(path, "r");
	size_t n = 0;

	assert_non_null(s);
	if (f != NULL) {
		n = fread(s, 1, (1 << 16) - 1, f);
		fclose(f);
	}
	s[n] = '\0';
	return s;
}

static void
control_set(const struct daemon *d, const char *function, uint32_t code)
{
	FILE *f = fopen(d->control, "w");

	assert_non_null(f);
	fprintf(f, "%s 0x%x\n", function, code);
	fclose(f);
}

static Aesm__Message__Response *
ask(const struct daemon *d, unsigned field, const struct pb *inner)
{
	Aesm__Message__Response *res;
	uint8_t *r;
	size_t got;

	r = pb_exchange(d->socket, field, inner, &got);
	assert_non_null(r);
	assert_true(got > 4);
	res = wire_response_decode(r + 4, got - 4);
	free(r);
	assert_non_null(res);
	return res;
}

/* InitQuoteEx, full call; the AESM code. */
static uint32_t
init_quote(const struct daemon *d, sgx_target_info_t *ti, uint8_t pub[32])
{
	sgx_att_key_id_ext_t key;
	Aesm__Message__Response *res;
	struct pb in = {0};
	uint32_t rc;

	keyid_default_ecdsa(&key);
	pb_bytes(&in, 1, &key, sizeof(key));
	pb_uint(&in, 3, 1);
	pb_uint(&in, 4, 32);
	res = ask(d, 15, &in);
	assert_non_null(res->initquoteexres);
	rc = res->initquoteexres->errorcode;
	if (rc == 0) {
		assert_int_equal(res->initquoteexres->target_info.len,
		                 sizeof(*ti));
		memcpy(ti, res->initquoteexres->target_info.data, sizeof(*ti));
		assert_int_equal(res->initquoteexres->pub_key_id.len, 32);
		memcpy(pub, res->initquoteexres->pub_key_id.data, 32);
	}
	wire_response_free(res);
	return rc;
}

static uint32_t
quote_size(const struct daemon *d, uint32_t *size)
{
	sgx_att_key_id_ext_t key;
	Aesm__Message__Response *res;
	struct pb in = {0};
	uint32_t rc;

	keyid_default_ecdsa(&key);
	pb_bytes(&in, 1, &key, sizeof(key));
	res = ask(d, 16, &in);
	assert_non_null(res->getquotesizeexres);
	rc = res->getquotesizeexres->errorcode;
	*size = res->getquotesizeexres->quote_size;
	wire_response_free(res);
	return rc;
}

static Aesm__Message__Response *
get_quote(const struct daemon *d, const sgx_report_t *report,
          const sgx_qe_report_info_t *qri)
{
	sgx_att_key_id_ext_t key;
	struct pb in = {0};

	keyid_default_ecdsa(&key);
	pb_bytes(&in, 1, report, sizeof(*report));
	pb_bytes(&in, 2, &key, sizeof(key));
	if (qri != NULL)
		pb_bytes(&in, 3, qri, sizeof(*qri));
	pb_uint(&in, 4, 8192);
	return ask(d, 17, &in);
}

/* A simulated enclave's report for the QE, with the stand-in's key. */
static void
make_report(const struct daemon *d, const sgx_target_info_t *ti,
            sgx_report_t *report)
{
	uint8_t cpu_key[SIM_REPORT_KEY_SIZE];
	sgx_report_body_t body;

	assert_int_equal(sim_report_key_load(d->key, cpu_key), ERR_OK);
	memset(&body, 0, sizeof(body));
	memset(body.report_data.d, 0xd7, sizeof(body.report_data.d));
	assert_int_equal(sim_report_make(cpu_key, ti, &body, report), ERR_OK);
}

/* SHA-256(a || b), with the openssl library rather than our code. */
static void
sha256_pair(const void *a, size_t a_len, const void *b, size_t b_len,
            uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, a, a_len), 1);
	assert_int_equal(EVP_DigestUpdate(c, b, b_len), 1);
	assert_int_equal(EVP_DigestFinal_ex(c, out, NULL), 1);
	EVP_MD_CTX_free(c);
}

static void
ecdsa_id(const struct quote *q, uint8_t out[32])
{
	sha256_pair(q->att_key, QUOTE_ATT_KEY_SIZE, q->auth_data,
	            q->auth_data_len, out);
}

/* A quote through the daemon, parsed; returns its bytes (free()). */
static uint8_t *
quote_get(const struct daemon *d, struct quote *q, size_t *len)
{
	uint8_t pub[32];
	sgx_target_info_t ti;
	sgx_report_t report;
	Aesm__Message__Response *res;
	uint8_t *bytes;

	assert_int_equal(init_quote(d, &ti, pub), 0);
	make_report(d, &ti, &report);
	res = get_quote(d, &report, NULL);
	assert_non_null(res->getquoteexres);
	assert_int_equal(res->getquoteexres->errorcode, 0);
	*len = res->getquoteexres->quote.len;
	bytes = malloc(*len);
	assert_non_null(bytes);
	memcpy(bytes, res->getquoteexres->quote.data, *len);
	wire_response_free(res);
	assert_int_equal(quote_parse(bytes, *len, q), ERR_OK);
	assert_int_equal(q->len, *len);
	assert_memory_equal(q->report.report_data.d, report.body.report_data.d,
	                    sizeof(report.body.report_data.d));
	return bytes;
}

static void
test_quotes_flow(void **state)
{
	uint8_t pub[32], id[32];
	sgx_target_info_t ti;
	struct daemon d;
	struct quote q;
	uint32_t size;
	uint8_t *bytes;
	size_t len;
	char *rec;

	(void)state;
	daemon_start(&d, "full");
	bytes = quote_get(&d, &q, &len);
	assert_int_equal(quote_size(&d, &size), 0);
	assert_int_equal(size, len);
	assert_int_equal(q.cert.type, QUOTE_CERT_PCK_CHAIN);

	/* pub_key_id from sgx_ql_init_quote is the quote's ECDSA ID. */
	assert_int_equal(init_quote(&d, &ti, pub), 0);
	ecdsa_id(&q, id);
	assert_memory_equal(pub, id, sizeof(id));
	assert_memory_equal(q.qe_report.report_data.d, id, sizeof(id));

	/* SGX_AESM_ADDR was gone when the library loaded and at every
	 * call; the enclave load policy was set to persistent. */
	rec = slurp(d.record);
	assert_non_null(strstr(rec, "load SGX_AESM_ADDR=unset\n"));
	assert_non_null(strstr(rec, "sgx_qe_get_quote SGX_AESM_ADDR=unset\n"));
	assert_null(strstr(rec, "SGX_AESM_ADDR=set"));
	assert_non_null(strstr(rec, "policy=0 "));
	free(rec);
	rec = slurp(d.log);
	assert_non_null(strstr(rec, "event=dcap_env_clear var=SGX_AESM_ADDR"));
	free(rec);
	free(bytes);
	daemon_stop(&d);
}

static void
test_qe_report_info(void **state)
{
	uint8_t pub[32], want[32];
	sgx_qe_report_info_t qri, back;
	Aesm__Message__Response *res;
	sgx_target_info_t ti;
	sgx_report_t report;
	struct daemon d;

	(void)state;
	daemon_start(&d, "full");
	assert_int_equal(init_quote(&d, &ti, pub), 0);
	make_report(&d, &ti, &report);
	memset(&qri, 0, sizeof(qri));
	memset(qri.nonce, 0x5a, sizeof(qri.nonce));
	memset(qri.app_enclave_target_info.mr_enclave.m, 0x42,
	       sizeof(qri.app_enclave_target_info.mr_enclave.m));
	res = get_quote(&d, &report, &qri);
	assert_int_equal(res->getquoteexres->errorcode, 0);
	assert_int_equal(res->getquoteexres->qe_report_info.len, sizeof(back));
	memcpy(&back, res->getquoteexres->qe_report_info.data, sizeof(back));

	/* QE3's report data: SHA-256(nonce || quote) || 0^32. */
	sha256_pair(qri.nonce, sizeof(qri.nonce),
	            res->getquoteexres->quote.data,
	            res->getquoteexres->quote.len, want);
	assert_memory_equal(back.qe_report.body.report_data.d, want,
	                    sizeof(want));
	for (size_t i = 32; i < 64; i++)
		assert_int_equal(back.qe_report.body.report_data.d[i], 0);
	wire_response_free(res);
	daemon_stop(&d);
}

/* Every code, injected into each call the daemon makes. */
static void
test_error_codes(void **state)
{
	uint8_t pub[32];
	sgx_target_info_t ti;
	sgx_report_t report;
	Aesm__Message__Response *res;
	struct daemon d;
	uint32_t size;

	(void)state;
	daemon_start(&d, "full");
	assert_int_equal(init_quote(&d, &ti, pub), 0);
	make_report(&d, &ti, &report);
	for (size_t i = 0; i < REFERENCE_CODES_COUNT; i++) {
		uint32_t q3 = reference_codes[i].q3;
		uint32_t want = reference_codes[i].aesm;

		control_set(&d, "sgx_qe_get_quote", q3);
		res = get_quote(&d, &report, NULL);
		assert_int_equal(res->getquoteexres->errorcode, want);
		assert_int_equal(res->getquoteexres->quote.len > 0, want == 0);
		wire_response_free(res);

		control_set(&d, "sgx_qe_get_quote_size", q3);
		assert_int_equal(quote_size(&d, &size), want);
		assert_int_equal(size > 0, want == 0);

		control_set(&d, "sgx_ql_init_quote", q3);
		assert_int_equal(init_quote(&d, &ti, pub), want);

		control_set(&d, "sgx_ql_get_quote", q3);
		res = get_quote(&d, &report, &(sgx_qe_report_info_t){0});
		assert_int_equal(res->getquoteexres->errorcode, want);
		wire_response_free(res);
	}
	daemon_stop(&d);
}

/* Without libsgx_qe3_logic.so: no QE report for a nonce, said clearly;
 * pub_key_id learned from the first quote. */
static void
test_without_qe3_logic(void **state)
{
	uint8_t pub[32], zero[32] = {0}, id[32];
	Aesm__Message__Response *res;
	sgx_target_info_t ti;
	sgx_report_t report;
	struct daemon d;
	struct quote q;
	uint8_t *bytes;
	size_t len;
	char *log;

	(void)state;
	daemon_start(&d, "alone");
	assert_int_equal(init_quote(&d, &ti, pub), 0);
	assert_memory_equal(pub, zero, sizeof(zero));
	make_report(&d, &ti, &report);
	res = get_quote(&d, &report, &(sgx_qe_report_info_t){0});
	assert_int_equal(res->getquoteexres->errorcode, 40);
	wire_response_free(res);

	bytes = quote_get(&d, &q, &len);
	assert_int_equal(init_quote(&d, &ti, pub), 0);
	ecdsa_id(&q, id);
	assert_memory_equal(pub, id, sizeof(id));

	control_set(&d, "sgx_qe_get_target_info", 0xE012);
	assert_int_equal(init_quote(&d, &ti, pub), 29);
	log = slurp(d.log);
	assert_non_null(strstr(log, "event=dcap_qe3_logic_missing "
	                            "library=libsgx_qe3_logic.so"));
	assert_non_null(strstr(log, "event=dcap_qe_report_info_unavailable "
	                            "aesm=40"));
	assert_non_null(strstr(log, "name=SGX_QL_OUT_OF_EPC aesm=29 "
	                            "cause=\"out of EPC"));
	free(log);
	free(bytes);
	daemon_stop(&d);
}

/* The quote from Intel's library is outside input too: bytes that do
 * not parse are an unexpected error, never a reply. */
static void
test_library_returns_garbage(void **state)
{
	uint8_t pub[32];
	sgx_target_info_t ti;
	sgx_report_t report;
	Aesm__Message__Response *res;
	struct daemon d;
	char *log;

	(void)state;
	daemon_start(&d, "alone");
	assert_int_equal(init_quote(&d, &ti, pub), 0);
	make_report(&d, &ti, &report);
	control_set(&d, "garbage_quote", 1);
	res = get_quote(&d, &report, NULL);
	assert_int_equal(res->getquoteexres->errorcode, 1);
	assert_int_equal(res->getquoteexres->quote.len, 0);
	wire_response_free(res);
	log = slurp(d.log);
	assert_non_null(strstr(log, "event=dcap_quote_invalid"));
	free(log);
	daemon_stop(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_quotes_flow),
	        cmocka_unit_test(test_qe_report_info),
	        cmocka_unit_test(test_error_codes),
	        cmocka_unit_test(test_without_qe3_logic),
	        cmocka_unit_test(test_library_returns_garbage),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
