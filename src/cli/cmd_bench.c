/*
 * sgx-quote bench: load a quote service the way Intel's clients do. Each
 * of N threads loops: connect, send one GetQuoteEx, read the reply,
 * close (one request per connection, reference "AESM protocol" section
 * 1.2). The report is made once, the request encoded once.
 *
 * Failures (refused, timed out, closed early, error codes) are counted by
 * cause and the run goes on, so that load tests can assert that nothing
 * failed. Latencies go to per-thread histograms, merged at the end, so
 * the threads share nothing while they run.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "client.h"
#include "common/cursor.h"
#include "hist.h"
#include "sgx_uae_quote_ex.h"
#include "wire/wire.h"
#include "common/timeutil.h"

#define BENCH_WHO         "sgx-quote bench"
#define BENCH_MAX_CLIENTS 4096
#define BENCH_MAX_SECONDS 3600.0
/* Pause after a failed connect, so that a missing service is not a busy
 * loop; the failure is counted all the same. */
#define BENCH_RETRY_PAUSE_MS 1
/* Each thread reads replies into a buffer of its own; a quote reply is
 * under 16 KiB, and a longer one is refused before it is read. */
#define BENCH_REPLY_MAX (64u * 1024)
/* Quote v3: the report body follows the 48-byte header. */
#define BENCH_QUOTE_BODY_OFFSET 48

enum bench_cause {
	BENCH_OK = -1,
	BENCH_ERR_CONNECT = 0, /* refused, missing socket */
	BENCH_ERR_TIMEOUT,     /* a step's deadline passed */
	BENCH_ERR_IO,          /* reset, other socket errors */
	BENCH_ERR_SHORT,       /* closed before a whole reply */
	BENCH_ERR_BAD_REPLY,   /* not a GetQuoteEx response with our quote */
	BENCH_ERR_CODE,        /* the service answered an error code */
	BENCH_ERR_COUNT,
};

static const char *const bench_cause_names[BENCH_ERR_COUNT] = {
        "connect", "timeout", "io", "short_reply", "bad_reply", "error_code",
};

/* What every thread reads; written before the start barrier only. */
struct bench_run {
	const char *path;
	uint8_t *frame; /* the framed GetQuoteEx request */
	size_t frame_len;
	sgx_report_body_t body; /* what each quote must carry */
	int timeout_ms;
	int64_t end_ns;
	pthread_barrier_t start;
};

struct bench_thread {
	pthread_t tid;
	struct bench_run *run;
	struct hist hist;
	uint64_t errors[BENCH_ERR_COUNT];
};

struct bench_args {
	const char *socket;
	const char *report_key;
	unsigned clients;
	double seconds;
	int timeout_ms;
	bool json;
};

static void
bench_usage(FILE *out)
{
	fprintf(out,
	        "usage: sgx-quote bench [--socket PATH] [--clients N] "
	        "[--seconds S]\n"
	        "                       [--timeout-ms N] [--report-key FILE] "
	        "[--json]\n"
	        "\n"
	        "Load a quote service as Intel's clients do: N threads, each "
	        "connecting,\n"
	        "sending one GetQuoteEx, reading the reply and closing, for S "
	        "seconds.\n"
	        "Prints quotes, quotes/s, latency percentiles in microseconds "
	        "and\n"
	        "failures by cause; failures are counted and the run goes "
	        "on. Needs a\n"
	        "daemon with the simulated backend (the report is made with "
	        "its key).\n"
	        "\n"
	        "  --socket PATH      the service's socket (default: "
	        "SGX_AESM_ADDR if it\n"
	        "                     is a path, else " CLIENT_DEFAULT_SOCKET
	        ")\n"
	        "  --clients N        concurrent clients, 1 to %d (default: "
	        "1)\n"
	        "  --seconds S        how long to run, 0.1 to 3600 (default: "
	        "5)\n"
	        "  --timeout-ms N     deadline of each step of a request "
	        "(default: 15000)\n"
	        "  --report-key FILE  the simulated CPU report key (default:\n"
	        "                     sim-report.key in the socket's "
	        "directory)\n"
	        "  --json             one JSON object: quotes, quotes_per_s, "
	        "p50_us,\n"
	        "                     p90_us, p99_us, max_us, errors, "
	        "errors_by_cause,\n"
	        "                     client_cpu_user_s, client_cpu_sys_s\n"
	        "  -h, --help         show this help\n"
	        "\n"
	        "Exit status: 0 no request failed, 1 setup failed or no "
	        "quote at all,\n"
	        "2 bad usage, 3 some requests failed.\n",
	        BENCH_MAX_CLIENTS);
}

enum {
	OPT_SOCKET = 256,
	OPT_CLIENTS,
	OPT_SECONDS,
	OPT_TIMEOUT,
	OPT_KEY,
	OPT_JSON
};

static const struct option bench_options[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"clients", required_argument, NULL, OPT_CLIENTS},
        {"seconds", required_argument, NULL, OPT_SECONDS},
        {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
        {"report-key", required_argument, NULL, OPT_KEY},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

static bool
bench_parse_long(const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0 && *out >= min &&
	       *out <= max;
}

static bool
bench_parse_seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return *s != '\0' && *end == '\0' && errno == 0 && isfinite(*out) &&
	       *out >= 0.1 && *out <= BENCH_MAX_SECONDS;
}

/* One option; false after a message when its value is out of range. */
static bool
bench_parse_opt(int opt, struct bench_args *a)
{
	long v;

	switch (opt) {
	case OPT_SOCKET:
		a->socket = optarg;
		return true;
	case OPT_KEY:
		a->report_key = optarg;
		return true;
	case OPT_JSON:
		a->json = true;
		return true;
	case OPT_CLIENTS:
		if (!bench_parse_long(optarg, 1, BENCH_MAX_CLIENTS, &v))
			break;
		a->clients = (unsigned)v;
		return true;
	case OPT_TIMEOUT:
		if (!bench_parse_long(optarg, 1, CLIENT_TIMEOUT_MAX_MS, &v))
			break;
		a->timeout_ms = (int)v;
		return true;
	case OPT_SECONDS:
		if (!bench_parse_seconds(optarg, &a->seconds))
			break;
		return true;
	default:
		return false;
	}
	fprintf(stderr, BENCH_WHO ": bad value '%s'\n", optarg);
	return false;
}

/* -1 to go on, otherwise the exit code. */
static int
bench_parse_args(int argc, char **argv, struct bench_args *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	a->clients = 1;
	a->seconds = 5.0;
	a->timeout_ms = (int)CLIENT_TIMEOUT_MS;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", bench_options, NULL)) !=
	       -1) {
		if (opt == 'h') {
			bench_usage(stdout);
			return CLI_EXIT_OK;
		}
		if (!bench_parse_opt(opt, a)) {
			bench_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, BENCH_WHO ": unexpected argument '%s'\n",
		        argv[optind]);
		bench_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

/* ---- one request ---- */

static enum bench_cause
bench_cause_of(enum err e)
{
	switch (e) {
	case ERR_TIMEOUT:
		return BENCH_ERR_TIMEOUT;
	case ERR_TRUNCATED:
		return BENCH_ERR_SHORT;
	case ERR_RANGE:
	case ERR_INVALID:
		return BENCH_ERR_BAD_REPLY; /* a length out of bounds */
	default:
		return BENCH_ERR_IO;
	}
}

/* The quote must carry our report body (reference "quote format"
 * section 1.2: the body follows the 48-byte header). */
static bool
bench_quote_is_ours(const struct bench_run *r, const ProtobufCBinaryData *q)
{
	sgx_report_body_t body;
	struct cursor c;

	cursor_init(&c, q->data, q->len);
	return cursor_skip(&c, BENCH_QUOTE_BODY_OFFSET) == ERR_OK &&
	       cursor_copy(&c, &body, sizeof(body)) == ERR_OK &&
	       memcmp(&body, &r->body, sizeof(body)) == 0;
}

static enum bench_cause
bench_check_reply(const struct bench_run *r, const uint8_t *body, size_t len)
{
	Aesm__Message__Response *res = wire_response_decode(body, len);
	const Aesm__Message__Response__GetQuoteExResponse *q;
	enum bench_cause cause = BENCH_ERR_BAD_REPLY;

	if (res == NULL)
		return cause;
	q = res->getquoteexres;
	if (q != NULL && q->errorcode != 0)
		cause = BENCH_ERR_CODE;
	else if (q != NULL && q->has_quote && bench_quote_is_ours(r, &q->quote))
		cause = BENCH_OK;
	wire_response_free(res);
	return cause;
}

/*
 * Reads one framed reply into buf: waits for the socket first (the reply
 * cannot be there right after the request), then takes whatever has
 * arrived, usually the whole reply in one call. The timeout applies to
 * each wait.
 */
static enum err
bench_recv(int fd, uint8_t *buf, int timeout_ms, size_t *body_len)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t got = 0, want = WIRE_LEN_SIZE;
	uint32_t n;
	ssize_t r;
	enum err e;

	while (got < want) {
		r = poll(&p, 1, timeout_ms);
		if (r == 0)
			return ERR_TIMEOUT;
		if (r > 0)
			r = recv(fd, buf + got, BENCH_REPLY_MAX - got, 0);
		if (r == 0)
			return ERR_TRUNCATED;
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return ERR_IO;
		got += (size_t)r;
		if (want == WIRE_LEN_SIZE && got >= WIRE_LEN_SIZE) {
			e = wire_frame_len(buf, BENCH_REPLY_MAX - WIRE_LEN_SIZE,
			                   &n);
			if (e != ERR_OK)
				return e;
			want += n;
		}
	}
	*body_len = want - WIRE_LEN_SIZE;
	return ERR_OK;
}

/* One request on a connection of its own, as Intel's client makes it. */
static enum bench_cause
bench_one(const struct bench_run *r, uint8_t *buf)
{
	size_t len;
	enum err e;
	int fd;

	e = wire_connect(r->path, r->timeout_ms, &fd);
	if (e != ERR_OK)
		return e == ERR_TIMEOUT ? BENCH_ERR_TIMEOUT : BENCH_ERR_CONNECT;
	e = wire_send_all(fd, r->frame, r->frame_len, r->timeout_ms);
	if (e == ERR_OK)
		e = bench_recv(fd, buf, r->timeout_ms, &len);
	close(fd);
	if (e != ERR_OK)
		return bench_cause_of(e);
	return bench_check_reply(r, buf + WIRE_LEN_SIZE, len);
}

static void *
bench_thread_main(void *arg)
{
	struct bench_thread *t = arg;
	const struct bench_run *r = t->run;
	uint8_t *buf = malloc(BENCH_REPLY_MAX);
	enum bench_cause cause;
	int64_t start, end;

	pthread_barrier_wait(&t->run->start);
	for (start = timeutil_mono_ns(); buf != NULL && start < r->end_ns;
	     start = end) {
		cause = bench_one(r, buf);
		end = timeutil_mono_ns();
		if (cause == BENCH_OK) {
			hist_add(&t->hist, (uint64_t)(end - start) / 1000);
			continue;
		}
		t->errors[cause]++;
		if (cause == BENCH_ERR_CONNECT) {
			poll(NULL, 0, BENCH_RETRY_PAUSE_MS);
			end = timeutil_mono_ns();
		}
	}
	free(buf);
	return NULL;
}

/* ---- set-up ---- */

/* The GetQuoteEx request as sgx_get_quote_ex sends it, framed once. */
static bool
bench_encode(struct bench_run *r, const sgx_report_t *report,
             sgx_att_key_id_t *key, uint32_t quote_size)
{
	Aesm__Message__Request__GetQuoteExRequest sub =
	        AESM__MESSAGE__REQUEST__GET_QUOTE_EX_REQUEST__INIT;
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	sgx_report_t copy = *report;

	sub.report.data = (uint8_t *)&copy;
	sub.report.len = sizeof(copy);
	sub.has_att_key_id = true;
	sub.att_key_id.data = key->att_key_id;
	sub.att_key_id.len = sizeof(*key);
	sub.buf_size = quote_size;
	sub.has_timeout = true;
	sub.timeout = CLIENT_TIMEOUT_MS;
	req.getquoteexreq = &sub;
	if (wire_encode(&req.base, WIRE_MAX_REQUEST, &r->frame,
	                &r->frame_len) != ERR_OK) {
		fprintf(stderr, BENCH_WHO ": cannot encode the request\n");
		return false;
	}
	r->body = report->body;
	return true;
}

/* Key, target info, report and quote size through the library, once. */
static bool
bench_prepare(struct bench_run *r, const char *key_path)
{
	sgx_report_data_t data;
	sgx_target_info_t ti;
	sgx_att_key_id_t key;
	sgx_report_t report;
	uint32_t size = 0;

	memset(&data, 0, sizeof(data));
	if (!cli_enclave_pick_key(BENCH_WHO, &key) ||
	    !cli_enclave_target_info(BENCH_WHO, &key, &ti) ||
	    cli_sim_report(key_path, &ti, &data, &report) != 0 ||
	    !cli_quote_ex_check(BENCH_WHO, "sgx_get_quote_size_ex",
	                        sgx_get_quote_size_ex(&key, &size)))
		return false;
	return bench_encode(r, &report, &key, size);
}

/* ---- results ---- */

struct bench_result {
	unsigned clients;
	double seconds;
	struct hist hist;
	uint64_t errors[BENCH_ERR_COUNT];
	uint64_t errors_total;
	/* The clients' own processor time: what they take from a machine
	 * they share with the service. */
	double cpu_user_s, cpu_sys_s;
};

static void
bench_collect(const struct bench_thread *t, unsigned n,
              struct bench_result *out)
{
	for (unsigned i = 0; i < n; i++) {
		hist_merge(&out->hist, &t[i].hist);
		for (unsigned c = 0; c < BENCH_ERR_COUNT; c++) {
			out->errors[c] += t[i].errors[c];
			out->errors_total += t[i].errors[c];
		}
	}
}

static double
bench_rate(const struct bench_result *r)
{
	return r->seconds > 0 ? (double)r->hist.n / r->seconds : 0.0;
}

static int
bench_print_json(const struct bench_result *r)
{
	json_t *o = json_object(), *causes = json_object();
	int rc;

	for (unsigned c = 0; c < BENCH_ERR_COUNT; c++)
		json_object_set_new(causes, bench_cause_names[c],
		                    json_integer((json_int_t)r->errors[c]));
	json_object_set_new(o, "clients", json_integer(r->clients));
	json_object_set_new(o, "seconds", json_real(r->seconds));
	json_object_set_new(o, "quotes", json_integer((json_int_t)r->hist.n));
	json_object_set_new(o, "quotes_per_s", json_real(bench_rate(r)));
	json_object_set_new(
	        o, "p50_us",
	        json_integer((json_int_t)hist_percentile(&r->hist, 0.50)));
	json_object_set_new(
	        o, "p90_us",
	        json_integer((json_int_t)hist_percentile(&r->hist, 0.90)));
	json_object_set_new(
	        o, "p99_us",
	        json_integer((json_int_t)hist_percentile(&r->hist, 0.99)));
	json_object_set_new(o, "max_us",
	                    json_integer((json_int_t)r->hist.max_us));
	json_object_set_new(o, "errors",
	                    json_integer((json_int_t)r->errors_total));
	json_object_set_new(o, "errors_by_cause", causes);
	json_object_set_new(o, "client_cpu_user_s", json_real(r->cpu_user_s));
	json_object_set_new(o, "client_cpu_sys_s", json_real(r->cpu_sys_s));
	rc = json_dumpf(o, stdout, JSON_COMPACT) == 0 ? 0 : -1;
	putchar('\n');
	json_decref(o);
	return rc;
}

static void
bench_print_text(const struct bench_result *r)
{
	printf("clients       %u\n", r->clients);
	printf("seconds       %.2f\n", r->seconds);
	printf("quotes        %llu\n", (unsigned long long)r->hist.n);
	printf("quotes/s      %.1f\n", bench_rate(r));
	printf("latency us    p50 %llu  p90 %llu  p99 %llu  max %llu\n",
	       (unsigned long long)hist_percentile(&r->hist, 0.50),
	       (unsigned long long)hist_percentile(&r->hist, 0.90),
	       (unsigned long long)hist_percentile(&r->hist, 0.99),
	       (unsigned long long)r->hist.max_us);
	printf("errors        %llu", (unsigned long long)r->errors_total);
	for (unsigned c = 0; c < BENCH_ERR_COUNT; c++)
		printf("%s%s %llu", c == 0 ? " (" : ", ", bench_cause_names[c],
		       (unsigned long long)r->errors[c]);
	printf(")\n");
}

/* ---- the run ---- */

/* The process's processor time so far, user and system, in seconds. */
static void
bench_cpu(double *user, double *sys)
{
	struct rusage ru;

	*user = *sys = 0;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return;
	*user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	*sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Starts the threads together, waits for them all; false when threads
 * cannot be made. */
static bool
bench_run_threads(struct bench_run *r, struct bench_thread *t, unsigned n,
                  double seconds, struct bench_result *out)
{
	unsigned started = 0;
	double user, sys;
	int64_t start;

	if (pthread_barrier_init(&r->start, NULL, n + 1) != 0)
		return false;
	for (; started < n; started++) {
		t[started].run = r;
		if (pthread_create(&t[started].tid, NULL, bench_thread_main,
		                   &t[started]) != 0)
			break;
	}
	if (started < n) {
		/* XXX: the threads already made wait at the barrier for
		 * ever; the process exits right after the message. */
		fprintf(stderr, BENCH_WHO ": cannot start %u threads\n", n);
		return false;
	}
	bench_cpu(&user, &sys);
	start = timeutil_mono_ns();
	r->end_ns = start + (int64_t)(seconds * 1e9);
	pthread_barrier_wait(&r->start);
	for (unsigned i = 0; i < n; i++)
		pthread_join(t[i].tid, NULL);
	out->seconds = (double)(timeutil_mono_ns() - start) / 1e9;
	bench_cpu(&out->cpu_user_s, &out->cpu_sys_s);
	out->cpu_user_s -= user;
	out->cpu_sys_s -= sys;
	pthread_barrier_destroy(&r->start);
	return true;
}

static int
bench_exit_code(const struct bench_result *r)
{
	if (r->hist.n == 0)
		return CLI_EXIT_FAIL;
	return r->errors_total == 0 ? CLI_EXIT_OK : CLI_EXIT_REJECTED;
}

int
cmd_bench(int argc, char **argv)
{
	char socket[PATH_MAX], key_path[PATH_MAX];
	struct bench_run run = {0};
	struct bench_result *res;
	struct bench_thread *t;
	struct bench_args a;
	int rc;

	if ((rc = bench_parse_args(argc, argv, &a)) >= 0)
		return rc;
	cli_socket_path(a.socket, socket, sizeof(socket));
	cli_report_key_path(a.report_key, socket, key_path, sizeof(key_path));
	/* The library reads its address on every call. */
	setenv("SGX_AESM_ADDR", socket, 1);
	run.path = socket;
	run.timeout_ms = a.timeout_ms;
	if (!bench_prepare(&run, key_path))
		return CLI_EXIT_FAIL;

	t = calloc(a.clients, sizeof(*t));
	res = calloc(1, sizeof(*res));
	rc = CLI_EXIT_FAIL;
	if (t != NULL && res != NULL &&
	    bench_run_threads(&run, t, a.clients, a.seconds, res)) {
		res->clients = a.clients;
		bench_collect(t, a.clients, res);
		if (a.json ? bench_print_json(res) == 0
		           : (bench_print_text(res), true))
			rc = bench_exit_code(res);
	}
	free(run.frame);
	free(res);
	free(t);
	return rc;
}
