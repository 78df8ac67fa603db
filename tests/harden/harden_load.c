/*
 * Load and hostile-client driver for the hardening tests, run against the
 * real daemon by the scripts in this directory.
 *
 * Legitimate clients (threads) run the full quote_ex sequence through the
 * project's libsgx_quote_ex (init, simulated report, size, quote) for the
 * whole run, timing every call. With --hostile, the main thread meanwhile
 * sends what a misbehaving tenant would: a 4 GiB length, a 64 MiB length
 * and then a trickle, random bytes, an empty body, a body with no known
 * field, a GetQuoteEx with buf_size 0xFFFFFFFF, and 1,000 connections
 * that send one byte and stall. Each hostile exchange must end the way the
 * protocol says (closed, or a small reply), the daemon's resident memory
 * (--pid) is sampled before, during and after.
 *
 * Prints one summary line of key=value pairs; exits 1 when a limit given
 * on the command line is broken.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "backends/sim_report.h"
#include "common/keyid.h"
#include "sgx_uae_quote_ex.h"
#include "wire/wire.h"

#define MAX_CLIENTS 64
#define N_STALLS    1000
/* A quote of the simulated platform is a few KiB; a reply sized by the
 * client's buf_size would be 4 GiB. */
#define MAX_SANE_REPLY (64 * 1024)

struct options {
	const char *socket;
	const char *key_path;
	unsigned clients;
	unsigned seconds;
	unsigned max_ms; /* 0: latency not checked */
	unsigned max_errors;
	unsigned rss_slack_mb;
	unsigned rss_max_mb; /* 0: no absolute bound */
	long pid;            /* daemon, for its RSS; 0: not sampled */
	bool hostile;
};

struct client_stats {
	uint64_t calls;
	uint64_t errors;
	int64_t max_us;
	uint32_t last_error;
};

struct client {
	pthread_t thread;
	struct client_stats st;
};

static struct options opt;
static uint8_t cpu_key[SIM_REPORT_KEY_SIZE];
static atomic_bool stop_clients;
static unsigned hostile_failures;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
	                      .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

static void
hostile_fail(const char *what, const char *why)
{
	fprintf(stderr, "FAIL: hostile %s: %s\n", what, why);
	hostile_failures++;
}

/* ---- legitimate clients ---- */

/* Times one library call into the thread's stats. */
static bool
timed(struct client_stats *st, int64_t start, sgx_status_t s)
{
	int64_t us = now_us() - start;

	st->calls++;
	if (us > st->max_us)
		st->max_us = us;
	if (s != SGX_SUCCESS) {
		st->errors++;
		st->last_error = (uint32_t)s;
		return false;
	}
	return true;
}

/* One enclave's quote: init, report, size, quote. */
static void
client_round(struct client_stats *st, const sgx_att_key_id_t *key,
             uint8_t *quote, uint32_t cap)
{
	sgx_report_body_t body;
	sgx_target_info_t ti;
	sgx_report_t report;
	uint8_t pub[32];
	size_t pub_size = sizeof(pub);
	uint32_t size = 0;
	int64_t t;

	t = now_us();
	if (!timed(st, t, sgx_init_quote_ex(key, &ti, &pub_size, pub)))
		return;
	memset(&body, 0, sizeof(body));
	body.report_data.d[0] = 0x5a;
	if (sim_report_make(cpu_key, &ti, &body, &report) != ERR_OK) {
		st->errors++;
		return;
	}
	t = now_us();
	if (!timed(st, t, sgx_get_quote_size_ex(key, &size)))
		return;
	if (size == 0 || size > cap) {
		st->errors++;
		return;
	}
	t = now_us();
	(void)timed(st, t, sgx_get_quote_ex(&report, key, NULL, quote, size));
}

static void *
client_main(void *arg)
{
	struct client *c = arg;
	sgx_att_key_id_ext_t ext;
	sgx_att_key_id_t key;
	static const uint32_t cap = 64 * 1024;
	uint8_t *quote = malloc(cap);

	if (quote == NULL) {
		c->st.errors++;
		return NULL;
	}
	keyid_default_ecdsa(&ext);
	memcpy(&key, &ext, sizeof(key));
	while (!atomic_load(&stop_clients))
		client_round(&c->st, &key, quote, cap);
	free(quote);
	return NULL;
}

/* ---- raw connections ---- */

static int
raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", opt.socket);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool
raw_send(int fd, const void *data, size_t len)
{
	return send(fd, data, len, MSG_NOSIGNAL) == (ssize_t)len;
}

/*
 * Reads until the daemon closes, for at most timeout_ms. Returns the
 * number of bytes received, or -1 when the connection stayed open.
 */
static long
raw_drain(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int64_t deadline = now_us() + (int64_t)timeout_ms * 1000;
	uint8_t scratch[4096];
	size_t got = 0;
	ssize_t n;

	for (;;) {
		int left = (int)((deadline - now_us()) / 1000);

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		if (got < cap)
			n = recv(fd, buf + got, cap - got, 0);
		else
			n = recv(fd, scratch, sizeof(scratch), 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return (long)got;
		if (n < 0 && errno != EINTR)
			return (long)got;
		if (n > 0 && got < cap)
			got += (size_t)n;
	}
}

/* Sends bytes and expects the daemon to close without a reply. */
static void
expect_closed(const char *what, const void *data, size_t len)
{
	uint8_t buf[64];
	long got;
	int fd = raw_connect();

	if (fd < 0) {
		hostile_fail(what, "connect failed");
		return;
	}
	(void)raw_send(fd, data, len);
	got = raw_drain(fd, buf, sizeof(buf), 2000);
	if (got < 0)
		hostile_fail(what, "daemon kept the connection open");
	else if (got > 0)
		hostile_fail(what, "daemon replied");
	close(fd);
}

/* Whether the daemon has closed its end (EOF or reset). */
static bool
peer_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint8_t b;

	if (poll(&p, 1, 0) != 1)
		return false;
	return recv(fd, &b, 1, MSG_DONTWAIT) <= 0;
}

/* A 64 MiB length, then one byte every 20 ms: closed at the length,
 * without waiting for the trickle. */
static void
hostile_trickle(void)
{
	static const uint8_t len[4] = {0x00, 0x00, 0x00, 0x04};
	int fd = raw_connect();
	bool closed = false;

	if (fd < 0 || !raw_send(fd, len, sizeof(len))) {
		hostile_fail("trickle", "connect or send failed");
		if (fd >= 0)
			close(fd);
		return;
	}
	for (int i = 0; i < 50 && !closed; i++) {
		sleep_ms(20);
		closed = peer_gone(fd) || !raw_send(fd, "x", 1);
	}
	if (!closed)
		hostile_fail("trickle", "not closed at the 64 MiB length");
	close(fd);
}

/* Random bytes, then the write side shut: the daemon must end it. */
static void
hostile_random(unsigned rounds)
{
	uint8_t junk[2048], buf[64];
	size_t len;

	for (unsigned r = 0; r < rounds; r++) {
		int fd = raw_connect();

		if (fd < 0) {
			hostile_fail("random", "connect failed");
			return;
		}
		len = 1 + (size_t)rand() % sizeof(junk);
		for (size_t i = 0; i < len; i++)
			junk[i] = (uint8_t)rand();
		/* Half of them framed, so that the body reaches the
		 * decoder. */
		if (r % 2 == 0 && len > 4)
			wire_frame_put_len(junk, (uint32_t)(len - 4));
		(void)raw_send(fd, junk, len);
		shutdown(fd, SHUT_WR);
		if (raw_drain(fd, buf, sizeof(buf), 2000) < 0)
			hostile_fail("random",
			             "daemon kept the connection open");
		close(fd);
	}
}

/* A real report, quoted with buf_size 0xFFFFFFFF: a normal reply. */
static void
hostile_huge_buf_size(void)
{
	Aesm__Message__Request__GetQuoteExRequest sub =
	        AESM__MESSAGE__REQUEST__GET_QUOTE_EX_REQUEST__INIT;
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	sgx_att_key_id_ext_t ext;
	sgx_att_key_id_t key;
	sgx_report_body_t body;
	sgx_target_info_t ti;
	sgx_report_t report;
	uint8_t pub[32], *frame = NULL, *reply = malloc(MAX_SANE_REPLY + 1);
	size_t pub_size = sizeof(pub), len;
	Aesm__Message__Response *res = NULL;
	uint32_t body_len;
	long got = -1;
	int fd = -1;

	keyid_default_ecdsa(&ext);
	memcpy(&key, &ext, sizeof(key));
	memset(&body, 0, sizeof(body));
	if (reply == NULL ||
	    sgx_init_quote_ex(&key, &ti, &pub_size, pub) != SGX_SUCCESS ||
	    sim_report_make(cpu_key, &ti, &body, &report) != ERR_OK) {
		hostile_fail("buf_size", "could not make a report");
		free(reply);
		return;
	}
	sub.report.data = (uint8_t *)&report;
	sub.report.len = sizeof(report);
	sub.has_att_key_id = true;
	sub.att_key_id.data = (uint8_t *)&ext;
	sub.att_key_id.len = sizeof(ext);
	sub.buf_size = 0xFFFFFFFFu;
	req.getquoteexreq = &sub;
	if (wire_encode(&req.base, WIRE_MAX_REQUEST, &frame, &len) != ERR_OK ||
	    (fd = raw_connect()) < 0 || !raw_send(fd, frame, len)) {
		hostile_fail("buf_size", "could not send");
	} else {
		got = raw_drain(fd, reply, MAX_SANE_REPLY + 1, 5000);
	}
	if (fd >= 0 && got < 4 + 1) {
		hostile_fail("buf_size", "no reply");
	} else if (fd >= 0 && got > MAX_SANE_REPLY) {
		hostile_fail("buf_size", "reply sized by the client's claim");
	} else if (fd >= 0) {
		if (wire_frame_len(reply, MAX_SANE_REPLY, &body_len) !=
		            ERR_OK ||
		    body_len != (uint32_t)got - 4 ||
		    (res = wire_response_decode(reply + 4, body_len)) == NULL ||
		    res->getquoteexres == NULL ||
		    res->getquoteexres->errorcode != 0 ||
		    !res->getquoteexres->has_quote)
			hostile_fail("buf_size", "not a quote reply");
		wire_response_free(res);
	}
	if (fd >= 0)
		close(fd);
	free(frame);
	free(reply);
}

/* Opens the stalled connections: one byte each, then nothing. */
static unsigned
stalls_open(int fds[static N_STALLS])
{
	unsigned n = 0;

	for (unsigned i = 0; i < N_STALLS; i++) {
		fds[i] = raw_connect();
		if (fds[i] >= 0 && raw_send(fds[i], "\x10", 1))
			n++;
	}
	return n;
}

static void
stalls_close(int fds[static N_STALLS])
{
	for (unsigned i = 0; i < N_STALLS; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
	}
}

/* The daemon's VmRSS in KiB, 0 when not known. */
static long
daemon_rss_kb(void)
{
	char path[64], line[256];
	long kb = 0;
	FILE *f;

	if (opt.pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/status", opt.pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

struct rss {
	long before, peak, after;
};

static void
rss_sample(struct rss *r)
{
	long kb = daemon_rss_kb();

	if (kb > r->peak)
		r->peak = kb;
}

/* One of every hostile request, the stalled connections held open. */
static void
hostile_run(struct rss *rss)
{
	static const uint8_t len_4g[4] = {0xff, 0xff, 0xff, 0xff};
	static const uint8_t empty[4] = {0, 0, 0, 0};
	/* field 111, varint 1: no envelope field Intel's server knows */
	static const uint8_t unknown[7] = {3, 0, 0, 0, 0xf8, 0x06, 0x01};
	static int fds[N_STALLS];
	int64_t until = now_us() + (int64_t)opt.seconds * 1000000;

	rss->before = rss->peak = daemon_rss_kb();
	if (stalls_open(fds) < N_STALLS)
		hostile_fail("stall", "not every connection was made");
	rss_sample(rss);
	do {
		expect_closed("4 GiB length", len_4g, sizeof(len_4g));
		expect_closed("empty body", empty, sizeof(empty));
		expect_closed("no known field", unknown, sizeof(unknown));
		hostile_trickle();
		hostile_random(20);
		hostile_huge_buf_size();
		rss_sample(rss);
	} while (now_us() < until && hostile_failures == 0);
	rss_sample(rss);
	stalls_close(fds);
	sleep_ms(300);
	rss->after = daemon_rss_kb();
}

/* ---- main ---- */

static void
nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < N_STALLS + 256) {
		rl.rlim_cur = rl.rlim_max < N_STALLS + 256 ? rl.rlim_max
		                                           : N_STALLS + 256;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static bool
options_parse(int argc, char **argv)
{
	static const struct option longs[] = {
	        {"socket", required_argument, NULL, 's'},
	        {"key", required_argument, NULL, 'k'},
	        {"clients", required_argument, NULL, 'c'},
	        {"seconds", required_argument, NULL, 't'},
	        {"max-ms", required_argument, NULL, 'm'},
	        {"max-errors", required_argument, NULL, 'e'},
	        {"rss-slack-mb", required_argument, NULL, 'r'},
	        {"rss-max-mb", required_argument, NULL, 'x'},
	        {"pid", required_argument, NULL, 'p'},
	        {"hostile", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int o;

	opt = (struct options){.clients = 2, .seconds = 4, .rss_slack_mb = 32};
	while ((o = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (o) {
		case 's':
			opt.socket = optarg;
			break;
		case 'k':
			opt.key_path = optarg;
			break;
		case 'c':
			opt.clients = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			opt.seconds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			opt.max_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'e':
			opt.max_errors = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			opt.rss_slack_mb = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'x':
			opt.rss_max_mb = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			opt.pid = strtol(optarg, NULL, 10);
			break;
		case 'h':
			opt.hostile = true;
			break;
		default:
			return false;
		}
	}
	return opt.socket != NULL && opt.key_path != NULL && opt.clients >= 1 &&
	       opt.clients <= MAX_CLIENTS && opt.seconds >= 1;
}

/* Sums the clients' stats and checks them against the limits. */
static int
report(struct client *cl, const struct rss *rss)
{
	struct client_stats sum = {0};
	int rc = hostile_failures > 0;

	for (unsigned i = 0; i < opt.clients; i++) {
		sum.calls += cl[i].st.calls;
		sum.errors += cl[i].st.errors;
		if (cl[i].st.max_us > sum.max_us)
			sum.max_us = cl[i].st.max_us;
		if (cl[i].st.last_error != 0)
			sum.last_error = cl[i].st.last_error;
	}
	printf("calls=%llu errors=%llu last_error=0x%04x max_ms=%.1f "
	       "rss_before_kb=%ld rss_peak_kb=%ld rss_after_kb=%ld "
	       "hostile_failures=%u\n",
	       (unsigned long long)sum.calls, (unsigned long long)sum.errors,
	       sum.last_error, (double)sum.max_us / 1000, rss->before,
	       rss->peak, rss->after, hostile_failures);
	if (sum.calls == 0 || sum.errors > opt.max_errors) {
		fprintf(stderr,
		        "FAIL: %llu errors in %llu calls (at most %u)\n",
		        (unsigned long long)sum.errors,
		        (unsigned long long)sum.calls, opt.max_errors);
		rc = 1;
	}
	if (opt.max_ms > 0 && sum.max_us > (int64_t)opt.max_ms * 1000) {
		fprintf(stderr, "FAIL: slowest call %.1f ms (at most %u)\n",
		        (double)sum.max_us / 1000, opt.max_ms);
		rc = 1;
	}
	if (rss->before > 0 &&
	    (rss->peak > rss->before + (long)opt.rss_slack_mb * 1024 ||
	     rss->after > rss->before + (long)opt.rss_slack_mb * 1024)) {
		fprintf(stderr, "FAIL: daemon RSS not bounded\n");
		rc = 1;
	}
	if (opt.rss_max_mb > 0 && rss->peak > (long)opt.rss_max_mb * 1024) {
		fprintf(stderr, "FAIL: daemon RSS %ld KiB, over %u MiB\n",
		        rss->peak, opt.rss_max_mb);
		rc = 1;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static struct client cl[MAX_CLIENTS];
	struct rss rss = {0};

	if (!options_parse(argc, argv)) {
		fprintf(stderr, "usage: harden_load --socket PATH --key FILE "
		                "[--clients N] [--seconds S] [--max-ms MS] "
		                "[--max-errors N] [--hostile --pid PID "
		                "[--rss-slack-mb N] [--rss-max-mb N]]\n");
		return 2;
	}
	if (sim_report_key_load(opt.key_path, cpu_key) != ERR_OK) {
		fprintf(stderr, "FAIL: cannot read %s\n", opt.key_path);
		return 1;
	}
	setenv("SGX_AESM_ADDR", opt.socket, 1);
	nofile_raise();
	srand(1234);
	for (unsigned i = 0; i < opt.clients; i++)
		if (pthread_create(&cl[i].thread, NULL, client_main, &cl[i]) !=
		    0)
			return 1;
	if (opt.hostile) {
		hostile_run(&rss);
		sleep_ms(500);
	} else {
		sleep_ms(opt.seconds * 1000);
	}
	atomic_store(&stop_clients, true);
	for (unsigned i = 0; i < opt.clients; i++)
		pthread_join(cl[i].thread, NULL);
	return report(cl, &rss);
}
