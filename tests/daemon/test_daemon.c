/*
 * The real sgx-quote-helper binary on the simulated backend, driven with
 * raw protocol messages written here: every quote_ex request, the error
 * paths, unsupported and unknown requests, SIGTERM with a request in
 * flight, and the socket hand-over rules. Each test has its own temporary
 * directory for the socket and the state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/sim_report.h"
#include "common/file.h"
#include "common/keyid.h"
#include "daemon/listener.h"
#include "testlib.h"
#include "wire/wire.h"

#define DAEMON SQH_BINARY_DIR "/bin/sgx-quote-helper"

struct daemon {
	char *dir;
	char socket[200];
	char state[200];
	char log[200];
	pid_t pid;
};

/* Starts the daemon with extra arguments (NULL-terminated); returns the
 * pid without waiting. */
static pid_t
daemon_spawn(struct daemon *d, const char *const *extra)
{
	const char *argv[16] = {DAEMON,   "--socket",  d->socket, "--state-dir",
	                        d->state, "--workers", "2"};
	size_t n = 7;
	pid_t pid;

	for (; extra != NULL && *extra != NULL; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_exec_logged(d->log, argv);
	return pid;
}

/* A fresh temporary directory for the socket, the state and the log. */
static void
daemon_paths(struct daemon *d)
{
	memset(d, 0, sizeof(*d));
	d->dir = temp_dir();
	snprintf(d->socket, sizeof(d->socket), "%s/run/aesm.socket", d->dir);
	snprintf(d->state, sizeof(d->state), "%s/state", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/daemon.log", d->dir);
}

static void
daemon_start(struct daemon *d)
{
	daemon_paths(d);
	d->pid = daemon_spawn(d, NULL);
	raw_wait_connectable(d->socket);
}

static void
daemon_stop(struct daemon *d)
{
	assert_int_equal(child_term(d->pid), 0);
	rm_rf(d->dir);
	free(d->dir);
}

/* One framed request, one decoded reply (NULL when closed). */
static Aesm__Message__Response *
ask(const struct daemon *d, unsigned field, const struct pb *inner)
{
	Aesm__Message__Response *res;
	uint8_t *r;
	size_t got;

	r = pb_exchange(d->socket, field, inner, &got);
	assert_non_null(r);
	if (got == 0) {
		free(r);
		return NULL;
	}
	assert_true(got > 4);
	assert_int_equal(r[0] | r[1] << 8 | r[2] << 16 | r[3] << 24, got - 4);
	res = wire_response_decode(r + 4, got - 4);
	free(r);
	assert_non_null(res);
	return res;
}

static void
default_key(sgx_att_key_id_ext_t *k)
{
	keyid_default_ecdsa(k);
}

/* InitQuoteEx full call: the QE's target info. */
static void
init_full(const struct daemon *d, sgx_target_info_t *ti, uint8_t pub[32])
{
	sgx_att_key_id_ext_t key;
	struct pb in = {0};
	Aesm__Message__Response *res;

	default_key(&key);
	pb_bytes(&in, 1, &key, sizeof(key));
	pb_uint(&in, 3, 1);
	pb_uint(&in, 4, 32);
	pb_uint(&in, 9, 15000);
	res = ask(d, 15, &in);
	assert_non_null(res);
	assert_non_null(res->initquoteexres);
	assert_int_equal(res->initquoteexres->errorcode, 0);
	assert_int_equal(res->initquoteexres->target_info.len, sizeof(*ti));
	memcpy(ti, res->initquoteexres->target_info.data, sizeof(*ti));
	assert_int_equal(res->initquoteexres->pub_key_id_size, 32);
	assert_int_equal(res->initquoteexres->pub_key_id.len, 32);
	memcpy(pub, res->initquoteexres->pub_key_id.data, 32);
	wire_response_free(res);
}

/* A simulated enclave's report for the QE, made with the published key. */
static void
make_report(const struct daemon *d, const sgx_target_info_t *ti,
            sgx_report_t *report)
{
	uint8_t cpu_key[SIM_REPORT_KEY_SIZE];
	sgx_report_body_t body;
	char path[256];

	snprintf(path, sizeof(path), "%s/run/sim-report.key", d->dir);
	assert_int_equal(sim_report_key_load(path, cpu_key), ERR_OK);
	memset(&body, 0, sizeof(body));
	memset(body.mr_enclave.m, 0xe1, sizeof(body.mr_enclave.m));
	memset(body.report_data.d, 0xd7, sizeof(body.report_data.d));
	assert_int_equal(sim_report_make(cpu_key, ti, &body, report), ERR_OK);
}

static uint32_t
quote_size(const struct daemon *d)
{
	sgx_att_key_id_ext_t key;
	struct pb in = {0};
	Aesm__Message__Response *res;
	uint32_t size;

	default_key(&key);
	pb_bytes(&in, 1, &key, sizeof(key));
	res = ask(d, 16, &in);
	assert_non_null(res->getquotesizeexres);
	assert_int_equal(res->getquotesizeexres->errorcode, 0);
	size = res->getquotesizeexres->quote_size;
	wire_response_free(res);
	return size;
}

static Aesm__Message__Response *
get_quote(const struct daemon *d, const sgx_report_t *report,
          const sgx_att_key_id_ext_t *key, const sgx_qe_report_info_t *qri,
          uint32_t buf_size)
{
	struct pb in = {0};

	pb_bytes(&in, 1, report, sizeof(*report));
	pb_bytes(&in, 2, key, sizeof(*key));
	if (qri != NULL)
		pb_bytes(&in, 3, qri, sizeof(*qri));
	pb_uint(&in, 4, buf_size);
	pb_uint(&in, 9, 15000);
	return ask(d, 17, &in);
}

static void
test_key_discovery(void **state)
{
	sgx_att_key_id_ext_t key;
	struct pb in = {0}, ids = {0}, sel = {0};
	Aesm__Message__Response *res;
	struct daemon d;

	(void)state;
	daemon_start(&d);
	default_key(&key);
	res = ask(&d, 21, &in);
	assert_int_equal(res->getsupportedattkeyidnumres->errorcode, 0);
	assert_int_equal(res->getsupportedattkeyidnumres->att_key_id_num, 1);
	wire_response_free(res);

	pb_uint(&ids, 1, 256);
	res = ask(&d, 22, &ids);
	assert_int_equal(res->getsupportedattkeyidsres->errorcode, 0);
	assert_int_equal(res->getsupportedattkeyidsres->att_key_ids.len, 256);
	assert_memory_equal(res->getsupportedattkeyidsres->att_key_ids.data,
	                    &key, sizeof(key));
	wire_response_free(res);

	ids.len = 0;
	pb_uint(&ids, 1, 255);
	res = ask(&d, 22, &ids);
	assert_int_equal(res->getsupportedattkeyidsres->errorcode, 3);
	wire_response_free(res);

	res = ask(&d, 19, &sel);
	assert_int_equal(res->selectattkeyidres->errorcode, 0);
	assert_memory_equal(res->selectattkeyidres->selected_att_key_id.data,
	                    &key, sizeof(key));
	wire_response_free(res);
	daemon_stop(&d);
}

/* Size query, full call, quote size, quote: the flow of DCAP's library,
 * with the quote checked against its own layout. */
static void
test_quote_flow(void **state)
{
	Aesm__Message__Response__GetQuoteExResponse *q;
	Aesm__Message__Response *res;
	sgx_att_key_id_ext_t key;
	sgx_target_info_t ti;
	sgx_report_t report;
	struct pb in = {0};
	uint8_t pub[32];
	uint32_t size;
	struct daemon d;

	(void)state;
	daemon_start(&d);
	default_key(&key);
	pb_bytes(&in, 1, &key, sizeof(key));
	pb_uint(&in, 3, 0);
	pb_uint(&in, 4, 0x7f7f7f7f7f7fULL); /* uninitialised, ignored */
	res = ask(&d, 15, &in);
	assert_int_equal(res->initquoteexres->errorcode, 0);
	assert_int_equal(res->initquoteexres->pub_key_id_size, 32);
	assert_int_equal(res->initquoteexres->target_info.len, 512);
	assert_false(res->initquoteexres->has_pub_key_id);
	wire_response_free(res);

	init_full(&d, &ti, pub);
	size = quote_size(&d);
	assert_true(size > 1012 && size <= 13346);
	make_report(&d, &ti, &report);
	res = get_quote(&d, &report, &key, NULL, size);
	q = res->getquoteexres;
	assert_int_equal(q->errorcode, 0);
	assert_int_equal(q->quote.len, size);
	/* v3 header: version 3, attestation key type 2 (ECDSA P-256) */
	assert_int_equal(q->quote.data[0] | q->quote.data[1] << 8, 3);
	assert_int_equal(q->quote.data[2] | q->quote.data[3] << 8, 2);
	/* the enclave's report body follows the 48-byte header */
	assert_memory_equal(q->quote.data + 48, &report.body,
	                    sizeof(report.body));
	assert_false(q->has_qe_report_info);
	wire_response_free(res);
	daemon_stop(&d);
}

/* The QE report's data is SHA-256(nonce || quote) and 32 zero bytes
 * (reference section 3.6); the info is echoed. */
static void
test_quote_with_qe_report_info(void **state)
{
	Aesm__Message__Response__GetQuoteExResponse *q;
	uint8_t digest[32], zero[32] = {0};
	sgx_qe_report_info_t qri, back;
	Aesm__Message__Response *res;
	sgx_att_key_id_ext_t key;
	sgx_target_info_t ti;
	sgx_report_t report;
	uint8_t pub[32], *hashed;
	struct daemon d;

	(void)state;
	daemon_start(&d);
	default_key(&key);
	init_full(&d, &ti, pub);
	make_report(&d, &ti, &report);
	memset(&qri, 0, sizeof(qri));
	memset(qri.nonce, 0x4e, sizeof(qri.nonce));
	memset(qri.app_enclave_target_info.mr_enclave.m, 0xe1, 32);
	res = get_quote(&d, &report, &key, &qri, 20000);
	q = res->getquoteexres;
	assert_int_equal(q->errorcode, 0);
	assert_true(q->has_qe_report_info);
	assert_int_equal(q->qe_report_info.len, sizeof(back));
	memcpy(&back, q->qe_report_info.data, sizeof(back));
	assert_memory_equal(back.nonce, qri.nonce, sizeof(qri.nonce));
	hashed = malloc(sizeof(qri.nonce) + q->quote.len);
	assert_non_null(hashed);
	memcpy(hashed, qri.nonce, sizeof(qri.nonce));
	memcpy(hashed + sizeof(qri.nonce), q->quote.data, q->quote.len);
	SHA256(hashed, sizeof(qri.nonce) + q->quote.len, digest);
	free(hashed);
	assert_memory_equal(back.qe_report.body.report_data.d, digest, 32);
	assert_memory_equal(back.qe_report.body.report_data.d + 32, zero, 32);
	wire_response_free(res);
	daemon_stop(&d);
}

static void
test_quote_errors(void **state)
{
	Aesm__Message__Response *res;
	sgx_att_key_id_ext_t key, other;
	sgx_target_info_t ti;
	sgx_report_t report;
	struct pb in = {0};
	uint8_t pub[32];
	uint32_t size;
	struct daemon d;

	(void)state;
	daemon_start(&d);
	default_key(&key);
	init_full(&d, &ti, pub);
	size = quote_size(&d);
	make_report(&d, &ti, &report);

	/* buf_size one byte short */
	res = get_quote(&d, &report, &key, NULL, size - 1);
	assert_int_equal(res->getquoteexres->errorcode, 3);
	assert_false(res->getquoteexres->has_quote);
	wire_response_free(res);

	/* unknown key */
	other = key;
	other.base.prod_id = 2;
	res = get_quote(&d, &report, &other, NULL, size);
	assert_int_equal(res->getquoteexres->errorcode, 38);
	wire_response_free(res);
	pb_bytes(&in, 1, &other, sizeof(other));
	res = ask(&d, 16, &in);
	assert_int_equal(res->getquotesizeexres->errorcode, 38);
	assert_true(res->getquotesizeexres->has_quote_size);
	assert_int_equal(res->getquotesizeexres->quote_size, 0);
	wire_response_free(res);

	/* tampered report: one bit of the body changed after the MAC */
	report.body.report_data.d[0] ^= 1;
	res = get_quote(&d, &report, &key, NULL, size);
	assert_int_equal(res->getquoteexres->errorcode, 47);
	assert_false(res->getquoteexres->has_quote);
	wire_response_free(res);

	/* full InitQuoteEx with a buffer that is not 32 bytes */
	in.len = 0;
	pb_bytes(&in, 1, &key, sizeof(key));
	pb_uint(&in, 3, 1);
	pb_uint(&in, 4, 31);
	res = ask(&d, 15, &in);
	assert_int_equal(res->initquoteexres->errorcode, 3);
	assert_int_equal(res->initquoteexres->pub_key_id_size, 31);
	assert_false(res->initquoteexres->has_pub_key_id);
	wire_response_free(res);
	daemon_stop(&d);
}

static void
test_unsupported_and_unknown(void **state)
{
	static const uint8_t oversized[] = {0x01, 0x00, 0x01, 0x00, 0x0a};
	static const unsigned fields[] = {1, 10, 11, 12, 13};
	Aesm__Message__Response *res;
	struct pb in = {0};
	size_t got = 99;
	struct daemon d;
	uint8_t *r;

	(void)state;
	daemon_start(&d);
	/* EPID init, white list, extended group: matching type, 30 */
	res = ask(&d, 1, &in);
	assert_non_null(res->initquoteres);
	assert_int_equal(res->initquoteres->errorcode, 30);
	wire_response_free(res);
	for (size_t i = 1; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct pb body = {0}, framed;
		uint8_t want[4];

		pb_wrap(&body, fields[i], &in);
		pb_frame(&framed, &body);
		r = raw_exchange(d.socket, framed.data, framed.len, &got);
		want[0] = (uint8_t)(fields[i] << 3 | 2);
		want[1] = 0x02;
		want[2] = 0x08;
		want[3] = 0x1e;
		assert_int_equal(got, 8);
		assert_memory_equal(r + 4, want, sizeof(want));
		free(r);
	}
	/* no known field: closed without a reply */
	assert_null(ask(&d, 5, &in));
	/* a length over 64 KiB: closed without a reply */
	r = raw_exchange(d.socket, oversized, sizeof(oversized), &got);
	assert_non_null(r);
	assert_int_equal(got, 0);
	free(r);
	/* still serving */
	res = ask(&d, 21, &in);
	assert_int_equal(res->getsupportedattkeyidnumres->errorcode, 0);
	wire_response_free(res);
	daemon_stop(&d);
}

/* SIGTERM with half a request sent: it is answered, the daemon exits 0
 * and removes its socket. */
static void
test_sigterm_finishes_in_flight(void **state)
{
	static const uint8_t req[] = {0x06, 0x00, 0x00, 0x00, 0xaa,
	                              0x01, 0x03, 0x48, 0x98, 0x75};
	static const uint8_t want[] = {0x07, 0x00, 0x00, 0x00, 0xaa, 0x01,
	                               0x04, 0x08, 0x00, 0x10, 0x01};
	struct daemon d;
	struct stat st;
	int status, fd;
	size_t got;
	uint8_t *r;

	(void)state;
	daemon_start(&d);
	fd = raw_connect(d.socket);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, req, 5, 0), 5);
	usleep(100000);
	assert_int_equal(kill(d.pid, SIGTERM), 0);
	usleep(200000);
	assert_int_equal(waitpid(d.pid, &status, WNOHANG), 0);
	assert_int_equal(send(fd, req + 5, sizeof(req) - 5, 0),
	                 sizeof(req) - 5);
	r = raw_read_all(fd, 5000, &got);
	assert_non_null(r);
	assert_int_equal(got, sizeof(want));
	assert_memory_equal(r, want, sizeof(want));
	free(r);
	close(fd);
	assert_int_equal(waitpid(d.pid, &status, 0), d.pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(stat(d.socket, &st), -1);
	rm_rf(d.dir);
	free(d.dir);
}

/* A live socket is refused; a stale one is replaced; state persists. */
static void
test_socket_handover(void **state)
{
	uint8_t pub1[32], pub2[32];
	sgx_target_info_t ti;
	struct daemon d;
	pid_t second;
	int status;

	(void)state;
	daemon_start(&d);
	init_full(&d, &ti, pub1);
	second = daemon_spawn(&d, NULL);
	assert_int_equal(waitpid(second, &status, 0), second);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 0);
	/* the first still serves */
	init_full(&d, &ti, pub2);
	assert_memory_equal(pub1, pub2, 32);

	/* SIGKILL leaves a stale socket, which the next start replaces */
	assert_int_equal(kill(d.pid, SIGKILL), 0);
	assert_int_equal(waitpid(d.pid, &status, 0), d.pid);
	assert_int_equal(raw_connect(d.socket), -1);
	d.pid = daemon_spawn(&d, NULL);
	raw_wait_connectable(d.socket);
	init_full(&d, &ti, pub2);
	assert_memory_equal(pub1, pub2, 32);
	daemon_stop(&d);
}

/* The certification data of a fresh quote: the PCK chain up to the root.
 * Offset 1046 is the type after the 32 bytes of auth data (reference
 * "quote format" section 1.3). */
static size_t
quote_chain(const struct daemon *d, uint8_t *out, size_t cap)
{
	Aesm__Message__Response *res;
	sgx_att_key_id_ext_t key;
	sgx_target_info_t ti;
	sgx_report_t report;
	uint8_t pub[32];
	size_t len;

	default_key(&key);
	init_full(d, &ti, pub);
	make_report(d, &ti, &report);
	res = get_quote(d, &report, &key, NULL, 20000);
	assert_int_equal(res->getquoteexres->errorcode, 0);
	assert_true(res->getquoteexres->quote.len > 1046);
	len = res->getquoteexres->quote.len - 1046;
	assert_true(len <= cap);
	memcpy(out, res->getquoteexres->quote.data + 1046, len);
	wire_response_free(res);
	return len;
}

/* No temporary file of an atomic write is left in the state directory. */
static void
assert_no_temp_files(const char *dir)
{
	struct dirent *e;
	DIR *dp = opendir(dir);

	assert_non_null(dp);
	while ((e = readdir(dp)) != NULL) {
		if (strstr(e->d_name, ".tmp") != NULL)
			fail_msg("%s/%s left behind", dir, e->d_name);
	}
	closedir(dp);
}

/* SIGKILL at varying moments of the first start-up (key generation and
 * the state files), then a start on what is left: it must come up and
 * serve, and a clean restart after that keeps the attestation key and
 * the whole chain up to the root. */
static void
test_sigkill_during_first_start(void **state)
{
	static uint8_t chain1[16384], chain2[16384];
	uint8_t pub1[32], pub2[32];
	size_t len1, len2;
	sgx_target_info_t ti;
	struct daemon d;
	int status;

	(void)state;
	/* 0 to 44 ms: a first start takes about 30 ms here. */
	for (int i = 0; i < 12; i++) {
		struct timespec ts = {0, (long)i * 4 * 1000 * 1000};

		daemon_paths(&d);
		d.pid = daemon_spawn(&d, NULL);
		nanosleep(&ts, NULL);
		assert_int_equal(kill(d.pid, SIGKILL), 0);
		assert_int_equal(waitpid(d.pid, &status, 0), d.pid);

		d.pid = daemon_spawn(&d, NULL);
		raw_wait_connectable(d.socket);
		assert_no_temp_files(d.state);
		init_full(&d, &ti, pub1);
		len1 = quote_chain(&d, chain1, sizeof(chain1));
		assert_int_equal(child_term(d.pid), 0);

		d.pid = daemon_spawn(&d, NULL);
		raw_wait_connectable(d.socket);
		init_full(&d, &ti, pub2);
		assert_memory_equal(pub1, pub2, sizeof(pub1));
		len2 = quote_chain(&d, chain2, sizeof(chain2));
		assert_int_equal(len1, len2);
		assert_memory_equal(chain1, chain2, len1);
		daemon_stop(&d);
	}
}

/* Waits (5 s at most) until the file contains needle. */
static void
wait_file_has(const char *path, const char *needle)
{
	const struct timespec pause = {0, 20 * 1000 * 1000};
	uint8_t *text;
	size_t len;
	bool found;

	for (int i = 0; i < 250; i++) {
		assert_int_equal(file_read_all(path, 1 << 20, &text, &len),
		                 ERR_OK);
		found = memmem(text, len, needle, strlen(needle)) != NULL;
		free(text);
		if (found)
			return;
		nanosleep(&pause, NULL);
	}
	fail_msg("no '%s' in %s", needle, path);
}

/* Whether the file has anything in it yet. */
static bool
file_nonempty(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_size > 0;
}

/* SIGHUP over and over while a fresh daemon starts (a first start makes
 * its keys, the longest start-up there is), from its first log line, when
 * it runs its own code, until it serves: it must neither die nor fail to
 * come up, and a reload asked for meanwhile is done once it is ready. */
static void
test_sighup_during_start(void **state)
{
	const struct timespec pause = {0, 2 * 1000 * 1000};
	unsigned sent;
	struct daemon d;
	int status, fd;
	size_t got;
	uint8_t *r;

	(void)state;
	for (int round = 0; round < 5; round++) {
		daemon_paths(&d);
		d.pid = daemon_spawn(&d, NULL);
		for (int i = 0; !file_nonempty(d.log); i++) {
			assert_true(i < 10000);
			nanosleep(&pause, NULL);
		}
		sent = 0;
		for (int i = 0;; i++) {
			assert_true(i < 5000);
			assert_int_equal(kill(d.pid, SIGHUP), 0);
			sent++;
			if (waitpid(d.pid, &status, WNOHANG) == d.pid)
				fail_msg("round %d: the daemon ended (%s %d) "
				         "after %u SIGHUPs",
				         round,
				         WIFSIGNALED(status) ? "signal"
				                             : "status",
				         WIFSIGNALED(status)
				                 ? WTERMSIG(status)
				                 : WEXITSTATUS(status),
				         sent);
			if ((fd = raw_connect(d.socket)) >= 0)
				break;
			nanosleep(&pause, NULL);
		}
		close(fd);
		r = raw_exchange(d.socket, raw_num_req, sizeof(raw_num_req),
		                 &got);
		assert_non_null(r);
		assert_int_equal(got, sizeof(raw_num_reply));
		assert_memory_equal(r, raw_num_reply, got);
		free(r);
		wait_file_has(d.log, "event=reload signal=SIGHUP");
		daemon_stop(&d);
	}
}

/* Five identical failures of one peer: the first is logged, the other
 * four are left out, and no later one comes to carry their count; the
 * stop must write it. */
static void
test_suppressed_count_at_stop(void **state)
{
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff};
	char want[160];
	struct daemon d;
	uint8_t *r, *log;
	size_t got, len;

	(void)state;
	daemon_start(&d);
	for (int i = 0; i < 5; i++) {
		r = raw_exchange(d.socket, huge, sizeof(huge), &got);
		assert_non_null(r);
		assert_int_equal(got, 0);
		free(r);
	}
	snprintf(want, sizeof(want),
	         "event=failures_suppressed pid=%ld uid=%ld "
	         "failure=bad_length code=0 repeated=4\n",
	         (long)getpid(), (long)getuid());
	wait_file_has(d.log, "outcome=bad_length");
	assert_int_equal(child_term(d.pid), 0);
	assert_int_equal(file_read_all(d.log, 1 << 20, &log, &len), ERR_OK);
	if (memmem(log, len, want, strlen(want)) == NULL)
		fail_msg("no '%s' in the log:\n%.*s", want, (int)len,
		         (const char *)log);
	free(log);
	rm_rf(d.dir);
	free(d.dir);
}

/* SIGINT stops the daemon like SIGTERM. */
static void
test_sigint_exits_zero(void **state)
{
	struct daemon d;
	struct stat st;
	int status;

	(void)state;
	daemon_start(&d);
	assert_int_equal(kill(d.pid, SIGINT), 0);
	assert_int_equal(waitpid(d.pid, &status, 0), d.pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(stat(d.socket, &st), -1);
	rm_rf(d.dir);
	free(d.dir);
}

/* Points d->socket at a file in d->dir/run whose path is len bytes. */
static void
socket_path_of_length(struct daemon *d, size_t len)
{
	int n = snprintf(d->socket, sizeof(d->socket), "%s/run/", d->dir);

	if (n < 0 || (size_t)n + 1 > len || len >= sizeof(d->socket))
		skip(); /* TMPDIR too long for the test */
	memset(d->socket + n, 's', len - (size_t)n);
	d->socket[len] = '\0';
}

/* Spawns with d's paths; the exit status, after the process ended. */
static int
daemon_exit_status(struct daemon *d)
{
	pid_t pid = daemon_spawn(d, NULL);
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* A socket path that cannot be bound (too long for sun_path with the
 * temporary suffix, empty, a directory) is a usage error found before
 * anything is made: no state directory, no socket directory, a message
 * that names the limit. A path of the longest length is served. */
static void
test_socket_path_checked_first(void **state)
{
	char run[180], limit[64];
	struct daemon d;
	struct stat st;
	char *log;
	size_t len;

	(void)state;
	daemon_paths(&d);
	snprintf(run, sizeof(run), "%s/run", d.dir);
	snprintf(limit, sizeof(limit), "must be 1 to %zu bytes long",
	         (size_t)LISTENER_SOCKET_PATH_MAX);
	assert_int_equal(LISTENER_SOCKET_PATH_MAX, 95);

	socket_path_of_length(&d, LISTENER_SOCKET_PATH_MAX + 1);
	assert_int_equal(daemon_exit_status(&d), 2);
	socket_path_of_length(&d, sizeof(((struct sockaddr_un *)0)->sun_path));
	assert_int_equal(daemon_exit_status(&d), 2);
	d.socket[0] = '\0';
	assert_int_equal(daemon_exit_status(&d), 2);
	snprintf(d.socket, sizeof(d.socket), "%s/", run);
	assert_int_equal(daemon_exit_status(&d), 2);
	assert_int_equal(stat(d.state, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(stat(run, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(file_read_all(d.log, 1 << 20, (uint8_t **)&log, &len),
	                 ERR_OK);
	assert_non_null(memmem(log, len, limit, strlen(limit)));
	free(log);

	socket_path_of_length(&d, LISTENER_SOCKET_PATH_MAX);
	d.pid = daemon_spawn(&d, NULL);
	raw_wait_connectable(d.socket);
	assert_int_equal(stat(d.state, &st), 0);
	daemon_stop(&d);
}

static void
test_flags(void **state)
{
	const char *dcap[] = {"--backend", "dcap", NULL};
	const char *bad[] = {"--workers", "0", NULL};
	const char *help[] = {"--help", NULL};
	struct daemon d;
	pid_t pid;
	int status;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.dir = temp_dir();
	snprintf(d.socket, sizeof(d.socket), "%s/aesm.socket", d.dir);
	snprintf(d.state, sizeof(d.state), "%s/state", d.dir);
	snprintf(d.log, sizeof(d.log), "%s/daemon.log", d.dir);
	pid = daemon_spawn(&d, dcap);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_not_equal(WEXITSTATUS(status), 0);
	pid = daemon_spawn(&d, bad);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 2);
	pid = daemon_spawn(&d, help);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	rm_rf(d.dir);
	free(d.dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_key_discovery),
	        cmocka_unit_test(test_quote_flow),
	        cmocka_unit_test(test_quote_with_qe_report_info),
	        cmocka_unit_test(test_quote_errors),
	        cmocka_unit_test(test_unsupported_and_unknown),
	        cmocka_unit_test(test_sigterm_finishes_in_flight),
	        cmocka_unit_test(test_socket_handover),
	        cmocka_unit_test(test_sigint_exits_zero),
	        cmocka_unit_test(test_sighup_during_start),
	        cmocka_unit_test(test_suppressed_count_at_stop),
	        cmocka_unit_test(test_sigkill_during_first_start),
	        cmocka_unit_test(test_socket_path_checked_first),
	        cmocka_unit_test(test_flags),
	};

	signal(SIGPIPE, SIG_IGN);
	/* A hung exchange must fail the test, not the whole run. */
	alarm(60);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
