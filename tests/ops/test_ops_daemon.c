/*
 * The real sgx-quote-helper with the operator's features on: an enclave
 * policy that refuses one simulated enclave and serves another, changed by
 * SIGHUP while a load runs (no request of the load may fail), a policy
 * file that does not load (the old one stays), the metrics endpoint
 * scraped during and after the load and checked against what the test
 * did, JSON log lines that parse and name the peer, no report or quote
 * bytes in a debug log, and socket activation with readiness messages as
 * systemd does them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/sim_report.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/keyid.h"
#include "testlib.h"
#include "wire/wire.h"

#define DAEMON SQH_BINARY_DIR "/bin/sgx-quote-helper"

#define MR_A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define MR_B "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"

struct env {
	char *dir;
	char socket[256], state[256], log[256], metrics[256], policy[256];
	pid_t pid;
};

static void
env_paths(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->dir = temp_dir();
	snprintf(e->socket, sizeof(e->socket), "%s/run/aesm.socket", e->dir);
	snprintf(e->state, sizeof(e->state), "%s/state", e->dir);
	snprintf(e->log, sizeof(e->log), "%s/daemon.log", e->dir);
	snprintf(e->metrics, sizeof(e->metrics), "%s/metrics.sock", e->dir);
	snprintf(e->policy, sizeof(e->policy), "%s/policy.json", e->dir);
}

/* Starts the daemon of e with argv, whose slots 2 and 4 take e's socket
 * and state paths, and slot 6, when it follows --metrics-listen and is
 * empty, the metrics path. The caller waits for what it needs. */
static void
daemon_spawn(struct env *e, const char **argv)
{
	argv[2] = e->socket;
	argv[4] = e->state;
	if (strcmp(argv[5], "--metrics-listen") == 0 && argv[6] == NULL)
		argv[6] = e->metrics;
	e->pid = fork();
	assert_true(e->pid >= 0);
	if (e->pid == 0)
		child_exec_logged(e->log, argv);
}

static void
write_policy(const struct env *e, const char *json)
{
	assert_int_equal(file_write_atomic(e->policy, json, strlen(json), 0600),
	                 ERR_OK);
}

static char *
read_log(const struct env *e)
{
	uint8_t *text;
	size_t len;

	assert_int_equal(file_read_all(e->log, 16 << 20, &text, &len), ERR_OK);
	return (char *)text;
}

/* Waits (5 s at most) for the log to contain needle. */
static void
wait_log(const struct env *e, const char *needle)
{
	for (int i = 0; i < 250; i++) {
		char *text = read_log(e);
		bool found = strstr(text, needle) != NULL;

		free(text);
		if (found)
			return;
		usleep(20000);
	}
	fail_msg("no '%s' in the log", needle);
}

/* ---- protocol ---- */

static Aesm__Message__Response *
ask(const char *socket, unsigned field, const struct pb *inner)
{
	Aesm__Message__Response *res;
	uint8_t *r;
	size_t got;

	r = pb_exchange(socket, field, inner, &got);
	if (r == NULL || got <= 4) {
		free(r);
		return NULL;
	}
	res = wire_response_decode(r + 4, got - 4);
	free(r);
	return res;
}

static void
qe_target_info(const struct env *e, sgx_target_info_t *ti)
{
	sgx_att_key_id_ext_t key;
	struct pb in = {0};
	Aesm__Message__Response *res;

	keyid_default_ecdsa(&key);
	pb_bytes(&in, 1, &key, sizeof(key));
	pb_uint(&in, 3, 1);
	pb_uint(&in, 4, 32);
	res = ask(e->socket, 15, &in);
	assert_non_null(res);
	assert_non_null(res->initquoteexres);
	assert_int_equal(res->initquoteexres->errorcode, 0);
	assert_int_equal(res->initquoteexres->target_info.len, sizeof(*ti));
	memcpy(ti, res->initquoteexres->target_info.data, sizeof(*ti));
	wire_response_free(res);
}

/* A report of a simulated enclave with MRENCLAVE all mre, random data. */
static void
enclave_report(const struct env *e, const sgx_target_info_t *ti, uint8_t mre,
               sgx_report_t *report)
{
	uint8_t cpu_key[SIM_REPORT_KEY_SIZE];
	sgx_report_body_t body;
	char path[300];

	snprintf(path, sizeof(path), "%s/run/sim-report.key", e->dir);
	assert_int_equal(sim_report_key_load(path, cpu_key), ERR_OK);
	memset(&body, 0, sizeof(body));
	memset(body.mr_enclave.m, mre, sizeof(body.mr_enclave.m));
	memset(body.mr_signer.m, 0x5e, sizeof(body.mr_signer.m));
	body.isv_prod_id = 4;
	assert_int_equal(
	        RAND_bytes(body.report_data.d, sizeof(body.report_data.d)), 1);
	assert_int_equal(sim_report_make(cpu_key, ti, &body, report), ERR_OK);
}

/* GetQuoteEx; the errorCode, or -1 when the connection failed. When
 * quote is not NULL the quote is copied there (cap bytes). */
static long
quote_code(const char *socket, const sgx_report_t *report, uint8_t *quote,
           size_t cap)
{
	sgx_att_key_id_ext_t key;
	struct pb in = {0};
	Aesm__Message__Response *res;
	long code;

	keyid_default_ecdsa(&key);
	pb_bytes(&in, 1, report, sizeof(*report));
	pb_bytes(&in, 2, &key, sizeof(key));
	pb_uint(&in, 4, 16384);
	res = ask(socket, 17, &in);
	if (res == NULL || res->getquoteexres == NULL) {
		wire_response_free(res);
		return -1;
	}
	code = res->getquoteexres->errorcode;
	if (quote != NULL && code == 0) {
		assert_true(res->getquoteexres->quote.len >= cap);
		memcpy(quote, res->getquoteexres->quote.data, cap);
	}
	wire_response_free(res);
	return code;
}

/* ---- metrics ---- */

static char *
scrape(const char *path, const char *target)
{
	char req[128];
	uint8_t *r;
	size_t got;
	char *text;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n",
	         target);
	r = raw_exchange(path, req, strlen(req), &got);
	assert_non_null(r);
	text = malloc(got + 1);
	assert_non_null(text);
	memcpy(text, r, got);
	text[got] = '\0';
	free(r);
	return text;
}

/* The value of the sample whose name and labels are exactly series. */
static long
sample(const char *text, const char *series)
{
	char needle[256];
	const char *p;

	snprintf(needle, sizeof(needle), "\n%s ", series);
	p = strstr(text, needle);
	if (p == NULL)
		return 0;
	return strtol(p + strlen(needle), NULL, 10);
}

#define Q_OK "sgx_quote_helper_requests_total{kind=\"GetQuoteEx\",code=\"0\"}"
#define Q_REFUSED \
	"sgx_quote_helper_requests_total{kind=\"GetQuoteEx\",code=\"3\"}"

/* ---- the load ---- */

struct load {
	const char *socket;
	sgx_report_t report;
	atomic_bool stop;
	atomic_long ok, failed;
	pthread_t thread;
};

static void *
load_main(void *arg)
{
	struct load *l = arg;

	while (!atomic_load(&l->stop)) {
		if (quote_code(l->socket, &l->report, NULL, 0) == 0)
			atomic_fetch_add(&l->ok, 1);
		else
			atomic_fetch_add(&l->failed, 1);
	}
	return NULL;
}

static void
daemon_start_policy(struct env *e)
{
	const char *argv[] = {DAEMON,      "--socket",
	                      e->socket,   "--state-dir",
	                      e->state,    "--workers",
	                      "2",         "--policy",
	                      e->policy,   "--log-format",
	                      "json",      "--log-level",
	                      "debug",     "--metrics-listen",
	                      e->metrics,  "--aesmd-conf",
	                      "/dev/null", NULL};

	e->pid = fork();
	assert_true(e->pid >= 0);
	if (e->pid == 0)
		child_exec_logged(e->log, argv);
	raw_wait_connectable(e->socket);
	raw_wait_connectable(e->metrics);
}

/* Every line is one JSON object; request lines name our pid and uid. */
static void
check_json_log(const struct env *e, long *requests)
{
	char *text = read_log(e), *line, *save = NULL;
	json_error_t err;

	*requests = 0;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *o = json_loads(line, 0, &err), *v;

		if (o == NULL)
			fail_msg("not JSON: %s (%s)", line, err.text);
		assert_non_null(json_object_get(o, "ts"));
		assert_non_null(json_object_get(o, "level"));
		v = json_object_get(o, "event");
		if (v != NULL && strcmp(json_string_value(v), "request") == 0) {
			assert_true(json_is_integer(json_object_get(o, "req")));
			assert_int_equal(
			        json_integer_value(json_object_get(o, "pid")),
			        getpid());
			assert_int_equal(
			        json_integer_value(json_object_get(o, "uid")),
			        getuid());
			assert_non_null(json_object_get(o, "container"));
			assert_non_null(json_object_get(o, "pod"));
			(*requests)++;
		}
		json_decref(o);
	}
	free(text);
}

/* Neither the report, the quote nor the report key shows up in the log,
 * in either case. */
static void
check_no_secrets(const struct env *e, const sgx_report_t *report,
                 const uint8_t *quote, size_t quote_len)
{
	char hex[2 * 64 + 1], upper[2 * 64 + 1], path[300];
	uint8_t key[SIM_REPORT_KEY_SIZE];
	char *text = read_log(e);

	hex_encode(report->body.report_data.d, 64, hex);
	hex_encode_upper(report->body.report_data.d, 64, upper);
	assert_null(strstr(text, hex));
	assert_null(strstr(text, upper));
	hex_encode(report->mac, 16, hex);
	assert_null(strstr(text, hex));
	/* Nor the simulated CPU report key the daemon publishes. */
	snprintf(path, sizeof(path), "%s/run/sim-report.key", e->dir);
	assert_int_equal(sim_report_key_load(path, key), ERR_OK);
	hex_encode(key, sizeof(key), hex);
	assert_null(strstr(text, hex));
	/* The quote's signature, after the 432-byte header and body and
	 * the 4-byte signature length. */
	assert_true(quote_len >= 436 + 64);
	hex_encode(quote + 436, 32, hex);
	hex_encode_upper(quote + 436, 32, upper);
	assert_null(strstr(text, hex));
	assert_null(strstr(text, upper));
	free(text);
}

static void
test_policy_reload_metrics_logs(void **state)
{
	struct load load = {0};
	sgx_target_info_t ti;
	sgx_report_t a, b;
	uint8_t quote[600];
	long requests, refused = 0, b_ok = 0, during;
	struct env e;
	char *m;
	int i;

	(void)state;
	env_paths(&e);
	write_policy(&e, "{\"allow\": [{\"mrenclave\": \"" MR_A "\"}]}");
	daemon_start_policy(&e);
	qe_target_info(&e, &ti);
	enclave_report(&e, &ti, 0xa1, &a);
	enclave_report(&e, &ti, 0xb2, &b);

	/* Inside the policy: served; outside: refused with 3, named. */
	assert_int_equal(quote_code(e.socket, &a, quote, sizeof(quote)), 0);
	assert_int_equal(quote_code(e.socket, &b, NULL, 0), 3);
	refused++;
	wait_log(&e, "\"mrenclave\":\"" MR_B "\"");

	/* SIGHUP under load: B becomes allowed, A never fails. */
	load.socket = e.socket;
	load.report = a;
	assert_int_equal(pthread_create(&load.thread, NULL, load_main, &load),
	                 0);
	usleep(200000);
	m = scrape(e.metrics, "/metrics");
	during = sample(m, Q_OK);
	free(m);
	assert_true(during >= 1);
	write_policy(&e, "{\"allow\": [{\"mrenclave\": \"" MR_A "\"},"
	                 " {\"mrenclave\": \"" MR_B "\"}]}");
	assert_int_equal(kill(e.pid, SIGHUP), 0);
	for (i = 0; i < 250; i++) {
		long code = quote_code(e.socket, &b, NULL, 0);

		if (code == 0) {
			b_ok++;
			break;
		}
		assert_int_equal(code, 3);
		refused++;
		usleep(20000);
	}
	assert_int_equal(b_ok, 1);

	/* A policy that does not load leaves the last good one. */
	write_policy(&e, "{\"allow\": [{\"mrenclave\": \"nothex\"}]}");
	assert_int_equal(kill(e.pid, SIGHUP), 0);
	wait_log(&e, "policy_reload_failed");
	assert_int_equal(quote_code(e.socket, &b, NULL, 0), 0);
	b_ok++;
	usleep(200000);
	atomic_store(&load.stop, true);
	pthread_join(load.thread, NULL);
	assert_int_equal(atomic_load(&load.failed), 0);
	assert_true(atomic_load(&load.ok) > 0);

	/* The counters say exactly what the test did. */
	m = scrape(e.metrics, "/metrics");
	assert_non_null(strstr(m, "HTTP/1.1 200 OK\r\n"));
	assert_true(sample(m, Q_OK) >= during);
	assert_int_equal(sample(m, Q_OK), 1 + atomic_load(&load.ok) + b_ok);
	assert_int_equal(sample(m, Q_REFUSED), refused);
	assert_int_equal(sample(m, "sgx_quote_helper_requests_total{kind=\""
	                           "InitQuoteEx\",code=\"0\"}"),
	                 1);
	assert_int_equal(sample(m, "sgx_quote_helper_policy_refusals_total"),
	                 refused);
	assert_int_equal(sample(m, "sgx_quote_helper_policy_reloads_total{"
	                           "result=\"ok\"}"),
	                 1);
	assert_int_equal(sample(m, "sgx_quote_helper_policy_reloads_total{"
	                           "result=\"failed\"}"),
	                 1);
	assert_int_equal(sample(m, "sgx_quote_helper_request_duration_seconds_"
	                           "count{kind=\"GetQuoteEx\"}"),
	                 sample(m, Q_OK) + refused);
	assert_int_equal(sample(m, "sgx_quote_helper_requests_in_flight"), 0);
	assert_non_null(strstr(m, "\nsgx_quote_helper_attestation_key_age_"
	                          "seconds "));
	free(m);
	m = scrape(e.metrics, "/other");
	assert_non_null(strstr(m, "HTTP/1.1 404 "));
	free(m);

	assert_int_equal(child_term(e.pid), 0);
	check_json_log(&e, &requests);
	/* Refusals past the first may be held back by the rate limit. */
	assert_true(requests >= 1 + atomic_load(&load.ok) + b_ok + 1);
	check_no_secrets(&e, &a, quote, sizeof(quote));
	rm_rf(e.dir);
	free(e.dir);
}

/* A policy file that does not load stops the daemon at start. */
static void
test_bad_policy_at_start(void **state)
{
	struct env e;
	int status;

	(void)state;
	env_paths(&e);
	write_policy(&e, "{\"allow\": [{\"mrenclave\": \"" MR_A "\"}], "
	                 "\"allow_debug\": \"yes\"}");
	const char *argv[] = {DAEMON,      "--socket", e.socket, "--state-dir",
	                      e.state,     "--policy", e.policy, "--aesmd-conf",
	                      "/dev/null", NULL};

	e.pid = fork();
	assert_true(e.pid >= 0);
	if (e.pid == 0)
		child_exec_logged(e.log, argv);
	assert_int_equal(waitpid(e.pid, &status, 0), e.pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	wait_log(&e, "event=policy_load");
	rm_rf(e.dir);
	free(e.dir);
}

/* A policy path that names a FIFO: reading it would wait for a writer
 * for ever, so it is refused at once, at start and on SIGHUP; the daemon
 * keeps its last policy, serves, and stops when asked. */
static void
test_policy_fifo_refused(void **state)
{
	char *text;
	struct env e;
	int status;

	(void)state;
	env_paths(&e);
	write_policy(&e, "{\"allow\": [{\"mrenclave\": \"" MR_A "\"}]}");
	daemon_start_policy(&e);
	assert_int_equal(unlink(e.policy), 0);
	assert_int_equal(mkfifo(e.policy, 0600), 0);
	assert_int_equal(kill(e.pid, SIGHUP), 0);
	wait_log(&e, "policy_reload_failed");
	assert_int_equal(child_term(e.pid), 0);
	text = read_log(&e);
	assert_non_null(strstr(text, "\"status\":\"invalid\""));
	free(text);

	/* At start: refused, exit status 1, no wait. */
	const char *argv[] = {DAEMON,      "--socket", e.socket, "--state-dir",
	                      e.state,     "--policy", e.policy, "--aesmd-conf",
	                      "/dev/null", NULL};
	e.pid = fork();
	assert_true(e.pid >= 0);
	if (e.pid == 0)
		child_exec_logged(e.log, argv);
	assert_int_equal(waitpid(e.pid, &status, 0), e.pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	rm_rf(e.dir);
	free(e.dir);
}

/* One exchange with the metrics endpoint over TCP on 127.0.0.1. */
static char *
tcp_exchange(int port, const char *req, size_t len)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	uint8_t *r;
	char *text;
	size_t got;

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (len > 0)
		assert_int_equal(send(fd, req, len, MSG_NOSIGNAL),
		                 (ssize_t)len);
	r = raw_read_all(fd, 5000, &got);
	close(fd);
	assert_non_null(r);
	text = calloc(1, got + 1);
	assert_non_null(text);
	memcpy(text, r, got);
	free(r);
	return text;
}

/* The port of the metrics_listening line. */
static int
logged_port(const struct env *e)
{
	FILE *f = fopen(e->log, "r");
	char line[1024];
	const char *p;
	int port = 0;

	assert_non_null(f);
	while (port == 0 && fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "event=metrics_listening") != NULL &&
		    (p = strstr(line, " port=")) != NULL)
			port = (int)strtol(p + 6, NULL, 10);
	}
	fclose(f);
	return port;
}

/* The endpoint on TCP: the port bound is logged; GET /metrics, other
 * paths and methods, an oversized head, a client that sends nothing. */
static void
test_metrics_tcp(void **state)
{
	const char *argv[] = {DAEMON,        "--socket",     NULL,
	                      "--state-dir", NULL,           "--metrics-listen",
	                      "127.0.0.1:0", "--aesmd-conf", "/dev/null",
	                      NULL};
	char big[4096], *text; /* the cap exactly: nothing left unread */
	struct env e;
	int port;

	(void)state;
	env_paths(&e);
	daemon_spawn(&e, argv);
	raw_wait_connectable(e.socket);
	wait_log(&e, "event=metrics_listening");
	port = logged_port(&e);
	assert_true(port > 0);

	text = tcp_exchange(port, "GET /metrics HTTP/1.0\r\n\r\n", 25);
	assert_non_null(strstr(text, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(text, "\nsgx_quote_helper_build_info{"));
	free(text);
	text = tcp_exchange(port, "POST /metrics HTTP/1.1\n\n", 24);
	assert_non_null(strstr(text, "HTTP/1.1 404 "));
	free(text);
	memset(big, 'A', sizeof(big));
	text = tcp_exchange(port, big, sizeof(big));
	assert_non_null(strstr(text, "HTTP/1.1 400 "));
	free(text);
	text = tcp_exchange(port, "", 0); /* closed after its time */
	assert_string_equal(text, "");
	free(text);

	assert_int_equal(child_term(e.pid), 0);
	rm_rf(e.dir);
	free(e.dir);
}

/* Scrapes until the series has the value (5 s at most); the last text. */
static char *
scrape_until(const char *path, const char *series, long want)
{
	char *m = NULL;

	for (int i = 0; i < 250; i++) {
		free(m);
		m = scrape(path, "/metrics");
		if (sample(m, series) == want)
			return m;
		usleep(20000);
	}
	fail_msg("%s never reached %ld", series, want);
	return m;
}

#define OPEN     "sgx_quote_helper_connections_open"
#define ACCEPTED "sgx_quote_helper_connections_accepted_total"
#define OVER_CAP                                                    \
	"sgx_quote_helper_connections_rejected_total{reason=\"max_" \
	"connections\"}"

/* With one connection allowed and one held open by an idle client, the
 * next three are closed at once: the gauge says one open, the counter
 * says three refused for the cap, and the gauge drops when the idle
 * client leaves. */
static void
test_metrics_connection_cap(void **state)
{
	const char *argv[] = {
	        DAEMON, "--socket",         NULL,        "--state-dir",
	        NULL,   "--metrics-listen", NULL,        "--max-connections",
	        "1",    "--aesmd-conf",     "/dev/null", NULL};
	struct env e;
	uint8_t *r;
	size_t got;
	char *m;
	int idle;

	(void)state;
	env_paths(&e);
	daemon_spawn(&e, argv);
	raw_wait_connectable(e.metrics);
	/* The probe's connection must be accepted and closed before the
	 * idle one comes, or the idle one would be the one over the cap. */
	raw_wait_connectable(e.socket);
	free(scrape_until(e.metrics, ACCEPTED, 1));
	free(scrape_until(e.metrics, OPEN, 0));

	idle = raw_connect(e.socket);
	assert_true(idle >= 0);
	free(scrape_until(e.metrics, OPEN, 1));
	for (int i = 0; i < 3; i++) {
		int fd = raw_connect(e.socket);

		assert_true(fd >= 0);
		r = raw_read_all(fd, 2000, &got);
		close(fd);
		assert_non_null(r);
		assert_int_equal(got, 0); /* closed without a reply */
		free(r);
	}
	m = scrape_until(e.metrics, OVER_CAP, 3);
	assert_int_equal(sample(m, OPEN), 1);
	free(m);

	close(idle);
	free(scrape_until(e.metrics, OPEN, 0));
	assert_int_equal(child_term(e.pid), 0);
	rm_rf(e.dir);
	free(e.dir);
}

/* Seconds of CPU the process has used, user and system. */
static double
cpu_seconds(pid_t pid)
{
	unsigned long utime = 0, stime = 0;
	char path[64], text[1024], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	/* After the command name: state is field 3, utime 14, stime 15. */
	p = strrchr(text, ')');
	assert_non_null(p);
	assert_int_equal(sscanf(p + 2,
	                        "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
	                        "%*u %*u %lu %lu",
	                        &utime, &stime),
	                 2);
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* More silent scrapers than the endpoint serves at once (8): the one
 * that waits in the backlog must not keep the endpoint's thread busy
 * while the others hold their slots, and is served once they go. */
#define SCRAPERS_HELD 9
static void
test_metrics_slots_full_idle(void **state)
{
	const char *argv[] = {DAEMON,        "--socket",     NULL,
	                      "--state-dir", NULL,           "--metrics-listen",
	                      NULL,          "--aesmd-conf", "/dev/null",
	                      NULL};
	int held[SCRAPERS_HELD];
	double before, used;
	struct env e;
	char *m;

	(void)state;
	env_paths(&e);
	daemon_spawn(&e, argv);
	raw_wait_connectable(e.socket);
	raw_wait_connectable(e.metrics);

	for (int i = 0; i < SCRAPERS_HELD; i++) {
		held[i] = raw_connect(e.metrics);
		assert_true(held[i] >= 0);
	}
	usleep(100000);
	before = cpu_seconds(e.pid);
	usleep(1000000);
	used = cpu_seconds(e.pid) - before;
	if (used > 0.2)
		fail_msg("%.2f s of CPU in 1 s with every slot held", used);

	for (int i = 0; i < SCRAPERS_HELD; i++)
		close(held[i]);
	m = scrape(e.metrics, "/metrics");
	assert_non_null(strstr(m, "HTTP/1.1 200 OK\r\n"));
	free(m);
	assert_int_equal(child_term(e.pid), 0);
	rm_rf(e.dir);
	free(e.dir);
}

/* The lowest descriptor number process pid has free: with RLIMIT_NOFILE
 * set to it, its next descriptor cannot be made. */
static rlim_t
lowest_free_fd(pid_t pid)
{
	char path[64];
	bool used[1024] = {false};
	struct dirent *d;
	rlim_t n = 0;
	DIR *dir;
	long fd;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	assert_non_null(dir = opendir(path));
	while ((d = readdir(dir)) != NULL) {
		fd = strtol(d->d_name, NULL, 10);
		if (d->d_name[0] != '.' && fd >= 0 && fd < 1024)
			used[fd] = true;
	}
	closedir(dir);
	while (n < 1024 && used[n])
		n++;
	return n;
}

/* The endpoint's thread while the daemon has no descriptor to spare must
 * rest, not spin, and serve again once descriptors are back: first an
 * accept that fails (a scraper waits in the backlog, the listener stays
 * readable), then poll itself failing (it refuses more descriptors than
 * RLIMIT_NOFILE allows). */
static void
test_metrics_without_descriptors(void **state)
{
	const char *argv[] = {DAEMON,        "--socket",     NULL,
	                      "--state-dir", NULL,           "--metrics-listen",
	                      NULL,          "--aesmd-conf", "/dev/null",
	                      NULL};
	struct rlimit lim, was;
	double before, used;
	struct env e;
	int waiting;
	char *m;

	(void)state;
	env_paths(&e);
	daemon_spawn(&e, argv);
	raw_wait_connectable(e.socket);
	raw_wait_connectable(e.metrics);
	assert_int_equal(prlimit(e.pid, RLIMIT_NOFILE, NULL, &was), 0);
	lim = was;

	/* Poll still works (the limit is above its 10 descriptors); the
	 * accept fails. Counted once the probes' connections are gone. */
	wait_log(&e, "outcome=peer_closed");
	usleep(200000);
	lim.rlim_cur = lowest_free_fd(e.pid);
	assert_true(lim.rlim_cur >= 10);
	assert_int_equal(prlimit(e.pid, RLIMIT_NOFILE, &lim, NULL), 0);
	waiting = raw_connect(e.metrics);
	assert_true(waiting >= 0);
	wait_log(&e, "event=metrics_accept_failed");
	before = cpu_seconds(e.pid);
	usleep(1000000);
	used = cpu_seconds(e.pid) - before;
	if (used > 0.2)
		fail_msg("%.2f s of CPU in 1 s while accept fails", used);

	/* No descriptor at all: poll fails too. */
	lim.rlim_cur = 0;
	assert_int_equal(prlimit(e.pid, RLIMIT_NOFILE, &lim, NULL), 0);
	wait_log(&e, "event=metrics_poll_failed");
	before = cpu_seconds(e.pid);
	usleep(1000000);
	used = cpu_seconds(e.pid) - before;
	if (used > 0.2)
		fail_msg("%.2f s of CPU in 1 s while poll fails", used);

	assert_int_equal(prlimit(e.pid, RLIMIT_NOFILE, &was, NULL), 0);
	close(waiting);
	m = scrape(e.metrics, "/metrics");
	assert_non_null(strstr(m, "HTTP/1.1 200 OK\r\n"));
	free(m);
	assert_int_equal(child_term(e.pid), 0);
	rm_rf(e.dir);
	free(e.dir);
}

/* A second daemon started by mistake, on a socket of its own but the
 * same metrics path, without --replace: it refuses to start rather than
 * take the running daemon's endpoint, which keeps answering. */
static void
test_metrics_path_not_taken(void **state)
{
	const char *argv[] = {DAEMON,        "--socket",     NULL,
	                      "--state-dir", NULL,           "--metrics-listen",
	                      NULL,          "--aesmd-conf", "/dev/null",
	                      NULL};
	char log2[300], socket2[300], state2[300], *m, *text;
	struct env e;
	uint8_t *t;
	size_t len;
	int status;
	pid_t second;

	(void)state;
	env_paths(&e);
	daemon_spawn(&e, argv);
	raw_wait_connectable(e.socket);
	raw_wait_connectable(e.metrics);

	snprintf(log2, sizeof(log2), "%s/second.log", e.dir);
	snprintf(socket2, sizeof(socket2), "%s/run2/aesm.socket", e.dir);
	snprintf(state2, sizeof(state2), "%s/state2", e.dir);
	argv[2] = socket2;
	argv[4] = state2;
	second = fork();
	assert_true(second >= 0);
	if (second == 0)
		child_exec_logged(log2, argv);
	/* 10 s at most: a daemon that took the path would serve on. */
	for (int i = 0; i < 500 && waitpid(second, &status, WNOHANG) == 0; i++)
		usleep(20000);
	if (kill(second, 0) == 0) {
		kill(second, SIGKILL);
		waitpid(second, &status, 0);
		fail_msg("the second daemon did not refuse to start");
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	assert_int_equal(file_read_all(log2, 1 << 20, &t, &len), ERR_OK);
	text = (char *)t;
	assert_non_null(strstr(text, "--replace takes it over"));
	free(text);

	m = scrape(e.metrics, "/metrics");
	assert_non_null(strstr(m, "HTTP/1.1 200 OK\r\n"));
	free(m);
	assert_int_equal(child_term(e.pid), 0);
	rm_rf(e.dir);
	free(e.dir);
}

/* A rolling replacement with the metrics endpoint on a Unix socket: the
 * new daemon (--replace, same paths) takes the metrics path over too,
 * and the old one, stopped, leaves the new one's socket in place. */
static void
test_metrics_path_kept_on_replace(void **state)
{
	const char *argv[] = {DAEMON,      "--socket",
	                      NULL,        "--state-dir",
	                      NULL,        "--metrics-listen",
	                      NULL,        "--aesmd-conf",
	                      "/dev/null", NULL,
	                      NULL};
	char log2[300];
	struct env e;
	struct stat st;
	pid_t second;
	char *m;

	(void)state;
	env_paths(&e);
	daemon_spawn(&e, argv);
	raw_wait_connectable(e.socket);
	raw_wait_connectable(e.metrics);

	snprintf(log2, sizeof(log2), "%s/second.log", e.dir);
	argv[9] = "--replace";
	second = fork();
	assert_true(second >= 0);
	if (second == 0)
		child_exec_logged(log2, argv);
	/* The second serves once it has renamed its socket over the path. */
	for (int i = 0; i < 500; i++) {
		uint8_t *text;
		size_t len;
		bool serving;

		if (file_read_all(log2, 1 << 20, &text, &len) != ERR_OK)
			text = NULL;
		serving = text != NULL &&
		          strstr((char *)text, "event=serving") != NULL;
		free(text);
		if (serving)
			break;
		usleep(20000);
	}

	assert_int_equal(child_term(e.pid), 0);
	assert_int_equal(lstat(e.metrics, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	m = scrape(e.metrics, "/metrics");
	assert_non_null(strstr(m, "HTTP/1.1 200 OK\r\n"));
	free(m);

	/* The last daemon to go takes its socket with it. */
	assert_int_equal(child_term(second), 0);
	assert_int_equal(lstat(e.metrics, &st), -1);
	rm_rf(e.dir);
	free(e.dir);
}

#define OVER_UID_CAP                                                \
	"sgx_quote_helper_connections_rejected_total{reason=\"max_" \
	"connections_per_uid\"}"
/* A uid of nobody's on the test machine, for the other tenant. */
#define OTHER_UID 65534

/* In a child that becomes OTHER_UID: one exchange, which must be answered
 * as Intel's client expects. Exits 0 when it was. */
static void
child_exchange_as_other(const char *socket)
{
	uint8_t *r;
	size_t got;
	int ok;

	if (setgroups(0, NULL) != 0 || setgid(OTHER_UID) != 0 ||
	    setuid(OTHER_UID) != 0)
		_exit(2);
	r = raw_exchange(socket, raw_num_req, sizeof(raw_num_req), &got);
	ok = r != NULL && got == sizeof(raw_num_reply) &&
	     memcmp(r, raw_num_reply, got) == 0;
	_exit(ok ? 0 : 1);
}

/* Connects and expects the daemon to close at once, without a reply. */
static void
assert_closed_at_once(const char *socket)
{
	int fd = raw_connect(socket);
	uint8_t *r;
	size_t got;

	assert_true(fd >= 0);
	r = raw_read_all(fd, 2000, &got);
	close(fd);
	assert_non_null(r); /* else still open after 2 s */
	assert_int_equal(got, 0);
	free(r);
}

/* One uid (the test's own) holds its three connections, idle: its fourth
 * is closed at once and counted, while another uid is still served and
 * the global cap is far away. When one of the three goes, the uid is
 * served again. */
static void
test_connection_cap_per_uid(void **state)
{
	const char *argv[] = {DAEMON,      "--socket",
	                      NULL,        "--state-dir",
	                      NULL,        "--metrics-listen",
	                      NULL,        "--max-connections",
	                      "64",        "--max-connections-per-uid",
	                      "3",         "--aesmd-conf",
	                      "/dev/null", NULL};
	char want[64];
	int idle[3], status;
	struct env e;
	uint8_t *r;
	size_t got;
	pid_t other;
	char *m;

	(void)state;
	if (geteuid() != 0)
		skip(); /* another uid needs root */
	env_paths(&e);
	/* The other uid must reach the socket's directory. */
	assert_int_equal(chmod(e.dir, 0755), 0);
	daemon_spawn(&e, argv);
	raw_wait_connectable(e.metrics);
	/* The probe's connection must be gone before the idle ones come,
	 * or it would hold one of the uid's three. */
	raw_wait_connectable(e.socket);
	free(scrape_until(e.metrics, ACCEPTED, 1));
	free(scrape_until(e.metrics, OPEN, 0));
	wait_log(&e, "max_connections=64 max_connections_per_uid=3 ");

	for (int i = 0; i < 3; i++) {
		idle[i] = raw_connect(e.socket);
		assert_true(idle[i] >= 0);
	}
	free(scrape_until(e.metrics, OPEN, 3));
	assert_closed_at_once(e.socket);
	m = scrape_until(e.metrics, OVER_UID_CAP, 1);
	assert_int_equal(sample(m, OPEN), 3);
	assert_int_equal(sample(m, OVER_CAP), 0);
	free(m);
	wait_log(&e, "reason=max_connections_per_uid pid=");
	snprintf(want, sizeof(want), " uid=%ld limit=3", (long)geteuid());
	wait_log(&e, want);

	other = fork();
	assert_true(other >= 0);
	if (other == 0)
		child_exchange_as_other(e.socket);
	assert_int_equal(waitpid(other, &status, 0), other);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* One slot given back: served again. */
	close(idle[0]);
	free(scrape_until(e.metrics, OPEN, 2));
	r = raw_exchange(e.socket, raw_num_req, sizeof(raw_num_req), &got);
	assert_non_null(r);
	assert_int_equal(got, sizeof(raw_num_reply));
	assert_memory_equal(r, raw_num_reply, got);
	free(r);
	m = scrape(e.metrics, "/metrics");
	assert_int_equal(sample(m, OVER_UID_CAP), 1);
	free(m);

	close(idle[1]);
	close(idle[2]);
	assert_int_equal(child_term(e.pid), 0);
	rm_rf(e.dir);
	free(e.dir);
}

/* ---- socket activation ---- */

static int
unix_socket(int type, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Waits for a notification datagram and checks that it says what. */
static void
expect_notify(int fd, const char *what)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char msg[256];
	ssize_t n;

	assert_int_equal(poll(&p, 1, 10000), 1);
	n = recv(fd, msg, sizeof(msg) - 1, 0);
	assert_true(n > 0);
	msg[n] = '\0';
	if (strstr(msg, what) == NULL)
		fail_msg("notification '%s' lacks %s", msg, what);
}

/* As systemd: the listening socket as fd 3, LISTEN_FDS=1 and LISTEN_PID
 * set to the service's pid (the child's, kept across exec). */
static void
spawn_activated(struct env *e, int lfd, const char *notify)
{
	const char *argv[] = {DAEMON,        "--socket", e->socket,
	                      "--state-dir", e->state,   "--aesmd-conf",
	                      "/dev/null",   NULL};
	char pid[32];

	e->pid = fork();
	assert_true(e->pid >= 0);
	if (e->pid != 0)
		return;
	/* dup2 onto itself would leave close-on-exec set. */
	if (lfd == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(lfd, 3) < 0)
		_exit(126);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);
	setenv("NOTIFY_SOCKET", notify, 1);
	child_exec_logged(e->log, argv);
}

static void
test_socket_activation(void **state)
{
	Aesm__Message__Response *res;
	char notify[300], rundir[300];
	struct pb in = {0};
	struct stat st;
	int lfd, nfd;
	struct env e;

	(void)state;
	env_paths(&e);
	snprintf(rundir, sizeof(rundir), "%s/run", e.dir);
	snprintf(notify, sizeof(notify), "%s/notify.sock", e.dir);
	assert_int_equal(mkdir(rundir, 0755), 0);
	lfd = unix_socket(SOCK_STREAM, e.socket);
	assert_int_equal(listen(lfd, 16), 0);
	nfd = unix_socket(SOCK_DGRAM, notify);

	spawn_activated(&e, lfd, notify);
	close(lfd);
	expect_notify(nfd, "READY=1");
	res = ask(e.socket, 21, &in);
	assert_non_null(res);
	assert_non_null(res->getsupportedattkeyidnumres);
	assert_int_equal(res->getsupportedattkeyidnumres->errorcode, 0);
	wire_response_free(res);
	wait_log(&e, "event=socket_activated");

	assert_int_equal(kill(e.pid, SIGTERM), 0);
	expect_notify(nfd, "STOPPING=1");
	assert_int_equal(waitpid(e.pid, NULL, 0), e.pid);
	/* The socket unit owns the path: it is left in place. */
	assert_int_equal(lstat(e.socket, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	close(nfd);
	rm_rf(e.dir);
	free(e.dir);
}

/* Activation meant for another process is not taken. */
static void
test_socket_activation_other_pid(void **state)
{
	struct env e;

	(void)state;
	env_paths(&e);
	e.pid = fork();
	assert_true(e.pid >= 0);
	if (e.pid == 0) {
		const char *args[] = {DAEMON,        "--socket", e.socket,
		                      "--state-dir", e.state,    "--aesmd-conf",
		                      "/dev/null",   NULL};

		setenv("LISTEN_FDS", "1", 1);
		setenv("LISTEN_PID", "1", 1);
		child_exec_logged(e.log, args);
	}
	/* It binds its own socket instead. */
	raw_wait_connectable(e.socket);
	assert_int_equal(child_term(e.pid), 0);
	rm_rf(e.dir);
	free(e.dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_policy_reload_metrics_logs),
	        cmocka_unit_test(test_bad_policy_at_start),
	        cmocka_unit_test(test_policy_fifo_refused),
	        cmocka_unit_test(test_metrics_tcp),
	        cmocka_unit_test(test_metrics_connection_cap),
	        cmocka_unit_test(test_metrics_slots_full_idle),
	        cmocka_unit_test(test_metrics_without_descriptors),
	        cmocka_unit_test(test_metrics_path_kept_on_replace),
	        cmocka_unit_test(test_metrics_path_not_taken),
	        cmocka_unit_test(test_connection_cap_per_uid),
	        cmocka_unit_test(test_socket_activation),
	        cmocka_unit_test(test_socket_activation_other_pid),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
