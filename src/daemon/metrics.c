#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "wire/wire.h"

/* Envelope field numbers run from 1 to 22; 0 is "not a request". */
#define KINDS 23
/* AESM codes end at 51; anything above lands in the last slot. */
#define CODES      64
#define CODE_OTHER (CODES - 1)

/* Upper bounds of the latency buckets, in microseconds. */
static const unsigned bucket_us[] = {100,   250,    500,    1000,
                                     2500,  5000,   10000,  25000,
                                     50000, 100000, 250000, 1000000};
#define BUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]) + 1)

/* How a connection ended without a reply, in the server's words. */
static const char *const outcomes[] = {
        "replied",       "peer_closed",    "read_error",       "bad_length",
        "out_of_memory", "not_a_request",  "reply_failed",     "write_error",
        "timeout",       "internal_error", "peer_not_allowed", "other",
};
#define OUTCOMES (sizeof(outcomes) / sizeof(outcomes[0]))

static const char *const reject_names[METRICS_REJECT_COUNT] = {
        [METRICS_REJECT_MAX_CONNECTIONS] = "max_connections",
        [METRICS_REJECT_MAX_CONNECTIONS_PER_UID] = "max_connections_per_uid",
        [METRICS_REJECT_OUT_OF_MEMORY] = "out_of_memory",
        [METRICS_REJECT_PEER_NOT_ALLOWED] = "peer_not_allowed",
        [METRICS_REJECT_OTHER] = "other",
};

struct counters {
	atomic_ulong requests[KINDS][CODES];
	atomic_ulong latency[KINDS][BUCKETS];
	atomic_ulong latency_sum_us[KINDS];
	atomic_ulong closed[OUTCOMES];
	atomic_ulong rejected[METRICS_REJECT_COUNT];
	atomic_ulong accepted;
	atomic_long open;
	atomic_long in_flight;
	atomic_ulong policy_refused;
	atomic_ulong policy_reloads[2];
};

static struct counters ctr;
static const char *info_backend = "unknown";
static const char *info_key_path;
static time_t start_time;

static void
add(atomic_ulong *c, unsigned long n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static unsigned long
get(atomic_ulong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void
metrics_conn_opened(void)
{
	add(&ctr.accepted, 1);
	atomic_fetch_add_explicit(&ctr.open, 1, memory_order_relaxed);
}

void
metrics_conn_rejected(enum metrics_reject reason)
{
	if ((unsigned)reason >= METRICS_REJECT_COUNT)
		reason = METRICS_REJECT_OTHER;
	add(&ctr.rejected[reason], 1);
}

void
metrics_conn_closed(const char *outcome)
{
	size_t i;

	for (i = 0; i < OUTCOMES - 1; i++) {
		if (strcmp(outcome, outcomes[i]) == 0)
			break;
	}
	add(&ctr.closed[i], 1);
	/* The allow lists refuse after accepting, when the peer is known. */
	if (strcmp(outcomes[i], "peer_not_allowed") == 0)
		add(&ctr.rejected[METRICS_REJECT_PEER_NOT_ALLOWED], 1);
	atomic_fetch_sub_explicit(&ctr.open, 1, memory_order_relaxed);
}

void
metrics_request_begin(void)
{
	atomic_fetch_add_explicit(&ctr.in_flight, 1, memory_order_relaxed);
}

void
metrics_request_done(void)
{
	atomic_fetch_sub_explicit(&ctr.in_flight, 1, memory_order_relaxed);
}

void
metrics_request_end(unsigned kind, uint32_t code, int64_t duration_ns)
{
	uint64_t us = duration_ns > 0 ? (uint64_t)duration_ns / 1000 : 0;
	size_t b = 0;

	if (kind >= KINDS)
		kind = 0;
	while (b < BUCKETS - 1 && us > bucket_us[b])
		b++;
	add(&ctr.requests[kind][code < CODES ? code : CODE_OTHER], 1);
	add(&ctr.latency[kind][b], 1);
	add(&ctr.latency_sum_us[kind], us);
}

void
metrics_policy_refused(void)
{
	add(&ctr.policy_refused, 1);
}

void
metrics_policy_reloaded(int ok)
{
	add(&ctr.policy_reloads[ok ? 1 : 0], 1);
}

void
metrics_set_info(const char *backend, const char *key_path)
{
	info_backend = backend;
	info_key_path = key_path;
	start_time = time(NULL);
}

void
metrics_reset(void)
{
	memset(&ctr, 0, sizeof(ctr));
}

/* ---- exposition ---- */

static void put(struct buf *out, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void
put(struct buf *out, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_put(out, line,
		        (size_t)n < sizeof(line) ? (size_t)n
		                                 : sizeof(line) - 1);
}

static void
head(struct buf *out, const char *name, const char *type, const char *help)
{
	put(out, "# HELP sgx_quote_helper_%s %s\n", name, help);
	put(out, "# TYPE sgx_quote_helper_%s %s\n", name, type);
}

static const char *
kind_label(unsigned kind)
{
	return kind == 0 ? "none" : wire_kind_name((enum wire_kind)kind);
}

static void
render_requests(struct buf *out)
{
	head(out, "requests_total", "counter",
	     "Requests answered, by kind and AESM result code.");
	for (unsigned k = 0; k < KINDS; k++) {
		for (unsigned c = 0; c < CODES; c++) {
			unsigned long n = get(&ctr.requests[k][c]);
			char code[12];

			if (n == 0)
				continue;
			if (c == CODE_OTHER)
				snprintf(code, sizeof(code), "other");
			else
				snprintf(code, sizeof(code), "%u", c);
			put(out,
			    "sgx_quote_helper_requests_total{kind=\"%s\","
			    "code=\"%s\"} %lu\n",
			    kind_label(k), code, n);
		}
	}
}

static void
render_histogram_kind(struct buf *out, unsigned k)
{
	unsigned long cum = 0;

	for (size_t b = 0; b < BUCKETS; b++) {
		cum += get(&ctr.latency[k][b]);
		if (b < BUCKETS - 1)
			put(out,
			    "sgx_quote_helper_request_duration_seconds_bucket"
			    "{kind=\"%s\",le=\"%u.%06u\"} %lu\n",
			    kind_label(k), bucket_us[b] / 1000000,
			    bucket_us[b] % 1000000, cum);
		else
			put(out,
			    "sgx_quote_helper_request_duration_seconds_bucket"
			    "{kind=\"%s\",le=\"+Inf\"} %lu\n",
			    kind_label(k), cum);
	}
	put(out,
	    "sgx_quote_helper_request_duration_seconds_sum{kind=\"%s\"} "
	    "%lu.%06lu\n",
	    kind_label(k), get(&ctr.latency_sum_us[k]) / 1000000,
	    get(&ctr.latency_sum_us[k]) % 1000000);
	put(out,
	    "sgx_quote_helper_request_duration_seconds_count{kind=\"%s\"} "
	    "%lu\n",
	    kind_label(k), cum);
}

static void
render_latency(struct buf *out)
{
	head(out, "request_duration_seconds", "histogram",
	     "Time from accepting a connection to its reply, by kind.");
	for (unsigned k = 0; k < KINDS; k++) {
		unsigned long any = 0;

		for (size_t b = 0; b < BUCKETS; b++)
			any += get(&ctr.latency[k][b]);
		if (any > 0)
			render_histogram_kind(out, k);
	}
}

static void
render_connections(struct buf *out)
{
	head(out, "connections_accepted_total", "counter",
	     "Connections accepted.");
	put(out, "sgx_quote_helper_connections_accepted_total %lu\n",
	    get(&ctr.accepted));
	head(out, "connections_open", "gauge", "Connections open now.");
	put(out, "sgx_quote_helper_connections_open %ld\n",
	    atomic_load_explicit(&ctr.open, memory_order_relaxed));
	head(out, "requests_in_flight", "gauge",
	     "Requests being served by the backend now.");
	put(out, "sgx_quote_helper_requests_in_flight %ld\n",
	    atomic_load_explicit(&ctr.in_flight, memory_order_relaxed));
	head(out, "connections_closed_total", "counter",
	     "Connections closed, by outcome.");
	for (size_t i = 0; i < OUTCOMES; i++)
		put(out,
		    "sgx_quote_helper_connections_closed_total"
		    "{outcome=\"%s\"} %lu\n",
		    outcomes[i], get(&ctr.closed[i]));
	head(out, "connections_rejected_total", "counter",
	     "Connections refused before reading a request, by reason.");
	for (size_t i = 0; i < METRICS_REJECT_COUNT; i++)
		put(out,
		    "sgx_quote_helper_connections_rejected_total"
		    "{reason=\"%s\"} %lu\n",
		    reject_names[i], get(&ctr.rejected[i]));
}

static void
render_policy(struct buf *out)
{
	head(out, "policy_refusals_total", "counter",
	     "Quotes refused because the enclave is outside the policy.");
	put(out, "sgx_quote_helper_policy_refusals_total %lu\n",
	    get(&ctr.policy_refused));
	head(out, "policy_reloads_total", "counter",
	     "Policy reloads, by result.");
	put(out, "sgx_quote_helper_policy_reloads_total{result=\"ok\"} %lu\n",
	    get(&ctr.policy_reloads[1]));
	put(out,
	    "sgx_quote_helper_policy_reloads_total{result=\"failed\"} %lu\n",
	    get(&ctr.policy_reloads[0]));
}

static void
render_info(struct buf *out)
{
	struct stat st;

	head(out, "build_info", "gauge", "Version and backend; always 1.");
	put(out,
	    "sgx_quote_helper_build_info{version=\"%s\",backend=\"%s\"} 1\n",
	    SQH_VERSION, info_backend);
	head(out, "start_time_seconds", "gauge",
	     "Start of the process, seconds since the epoch.");
	put(out, "sgx_quote_helper_start_time_seconds %lld\n",
	    (long long)start_time);
	if (info_key_path == NULL || stat(info_key_path, &st) != 0)
		return;
	head(out, "attestation_key_age_seconds", "gauge",
	     "Time since the attestation key was written.");
	put(out, "sgx_quote_helper_attestation_key_age_seconds %lld\n",
	    (long long)(time(NULL) - st.st_mtime));
}

void
metrics_render(struct buf *out)
{
	render_requests(out);
	render_latency(out);
	render_connections(out);
	render_policy(out);
	render_info(out);
}
