/*
 * Unit tests of the operations modules: aesmd.conf as Intel's parser reads
 * it (spacing quirks, comments, case), the enclave policy file and its
 * decisions, container ids from cgroup files of the common runtimes, the
 * JSON log format, the metrics exposition and the failure rate limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/keyid.h"
#include "common/log.h"
#include "daemon/aesmd_conf.h"
#include "daemon/dispatch.h"
#include "daemon/metrics.h"
#include "daemon/peer_cgroup.h"
#include "daemon/policy.h"
#include "daemon/reqlog.h"
#include "testlib.h"
#include "wire/wire.h"

static uint32_t
conf_type(const char *text)
{
	struct aesmd_conf c;

	aesmd_conf_defaults(&c);
	aesmd_conf_parse((const uint8_t *)text, strlen(text), &c);
	return c.quoting_type;
}

/* Reference "deployment" section 3: exactly one blank after '='. */
static void
test_aesmd_conf_spacing(void **state)
{
	(void)state;
	assert_int_equal(conf_type(""), 2);
	assert_int_equal(conf_type("default quoting type = epid_linkable\n"),
	                 1);
	assert_int_equal(conf_type("default quoting type = epid_unlinkable"),
	                 0);
	/* Case-insensitive keys and values, blanks before '=' and around
	 * the key words, a trailing comment, CRLF. */
	assert_int_equal(
	        conf_type(
	                "  DEFAULT   Quoting\tType\t= EPID_LINKABLE  # x\r\n"),
	        1);
	/* Intel ignores these: no blank, two blanks, a tab and a blank. */
	assert_int_equal(conf_type("default quoting type=epid_linkable\n"), 2);
	assert_int_equal(conf_type("default quoting type =  epid_linkable\n"),
	                 2);
	assert_int_equal(conf_type("default quoting type =\t epid_linkable\n"),
	                 2);
	/* Comments, other keys, unknown values and trailing words. */
	assert_int_equal(conf_type("#default quoting type = epid_linkable\n"
	                           "proxy type = direct\n"
	                           "aesm proxy = http://proxy:3128\n"),
	                 2);
	assert_int_equal(conf_type("default quoting type = ecdsa_384\n"), 2);
	assert_int_equal(conf_type("default quoting type = epid_linkable x\n"),
	                 2);
	assert_int_equal(conf_type("default quoting types = epid_linkable\n"),
	                 2);
	assert_int_equal(conf_type("xdefault quoting type = epid_linkable\n"),
	                 2);
	/* The last valid line wins. */
	assert_int_equal(conf_type("default quoting type = epid_linkable\n"
	                           "default quoting type = ecdsa_256\n"),
	                 2);
}

static void
test_aesmd_conf_load(void **state)
{
	char *dir = temp_dir(), path[256];
	struct aesmd_conf c;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/aesmd.conf", dir);
	assert_int_equal(aesmd_conf_load(path, false, &c), ERR_OK);
	assert_int_equal(c.quoting_type, 2);
	assert_int_not_equal(aesmd_conf_load(path, true, &c), ERR_OK);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# written for aesmd\n\ndefault quoting type = epid_linkable\n",
	      f);
	fclose(f);
	assert_int_equal(aesmd_conf_load(path, true, &c), ERR_OK);
	assert_int_equal(c.quoting_type, 1);
	rm_rf(dir);
	free(dir);
}

/* SelectAttKeyID without a list follows the configured type among the
 * fake backend's ECDSA, EPID and EPID-linkable keys. */
static void
test_aesmd_conf_select(void **state)
{
	struct aesmd_conf c = {.quoting_type = 0};
	struct dispatch_result r;
	Aesm__Message__Response *res;
	struct pb in = {0}, body = {0};
	sgx_att_key_id_ext_t picked;

	(void)state;
	fake_backend_set_keys(3);
	pb_uint(&in, 2, 1000);
	pb_wrap(&body, 19, &in);
	for (uint32_t type = 0; type <= 2; type++) {
		c.quoting_type = type;
		aesmd_conf_apply(&c);
		assert_int_equal(dispatch_request(fake_backend(), body.data,
		                                  body.len, &r),
		                 ERR_OK);
		res = wire_response_decode(r.reply + 4, r.reply_len - 4);
		assert_non_null(res);
		assert_int_equal(res->selectattkeyidres->errorcode, 0);
		assert_int_equal(
		        res->selectattkeyidres->selected_att_key_id.len,
		        sizeof(picked));
		memcpy(&picked,
		       res->selectattkeyidres->selected_att_key_id.data,
		       sizeof(picked));
		assert_int_equal(picked.base.algorithm_id, type);
		wire_response_free(res);
		free(r.reply);
	}
	c.quoting_type = 2;
	aesmd_conf_apply(&c);
	fake_backend_set_keys(1);
}

#define MR_A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define MR_B "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"

static struct policy *
policy_of(const char *json)
{
	struct policy *p = NULL;
	char why[256];

	if (policy_parse(json, strlen(json), &p, why, sizeof(why)) != ERR_OK)
		return NULL;
	return p;
}

static void
body_of(sgx_report_body_t *b, uint8_t mre, uint8_t mrs, uint16_t prodid,
        bool debug)
{
	memset(b, 0, sizeof(*b));
	memset(b->mr_enclave.m, mre, sizeof(b->mr_enclave.m));
	memset(b->mr_signer.m, mrs, sizeof(b->mr_signer.m));
	b->isv_prod_id = prodid;
	b->attributes.flags = debug ? SGX_FLAGS_DEBUG : 0;
}

static void
test_policy_decisions(void **state)
{
	struct policy *p;
	sgx_report_body_t b;

	(void)state;
	p = policy_of("{\"allow\": [{\"mrenclave\": \"" MR_A "\"},"
	              " {\"mrsigner\": \"" MR_B "\", \"isvprodid\": 7}]}");
	assert_non_null(p);
	assert_int_equal(policy_rule_count(p), 2);
	body_of(&b, 0xa1, 0x00, 0, false);
	assert_true(policy_allows(p, &b));
	body_of(&b, 0xa1, 0x00, 0, true);
	assert_false(policy_allows(p, &b)); /* debug, not allowed */
	body_of(&b, 0x00, 0xb2, 7, false);
	assert_true(policy_allows(p, &b));
	body_of(&b, 0x00, 0xb2, 8, false);
	assert_false(policy_allows(p, &b)); /* right signer, wrong product */
	body_of(&b, 0xb2, 0xa1, 7, false);
	assert_false(policy_allows(p, &b));
	policy_free(p);

	p = policy_of("{\"allow_debug\": true, \"allow\": [{\"mrsigner\":"
	              " \"" MR_B "\"}]}");
	assert_non_null(p);
	body_of(&b, 0x33, 0xb2, 99, true);
	assert_true(policy_allows(p, &b));
	policy_free(p);

	p = policy_of("{\"allow\": []}");
	assert_non_null(p);
	body_of(&b, 0xa1, 0xb2, 0, false);
	assert_false(policy_allows(p, &b));
	policy_free(p);
}

/* Every malformed file is refused, none widens the policy. */
static void
test_policy_rejects(void **state)
{
	static const char *const bad[] = {
	        "",
	        "[]",
	        "{}",
	        "{\"allow\": {}}",
	        "{\"allow\": [{}]}",
	        "{\"allow\": [1]}",
	        "{\"allow\": [{\"mrenclave\": \"a1\"}]}",
	        "{\"allow\": [{\"mrenclave\": \"" MR_A "00\"}]}",
	        "{\"allow\": [{\"mrenclave\": \"" MR_A
	        "\", \"mrsignr\": \"" MR_B "\"}]}",
	        "{\"allow\": [{\"mrenclave\": 5}]}",
	        "{\"allow\": [{\"isvprodid\": -1}]}",
	        "{\"allow\": [{\"isvprodid\": 65536}]}",
	        "{\"allow\": [{\"isvprodid\": \"1\"}]}",
	        "{\"allow\": [], \"allow_debug\": 1}",
	        "{\"allow\": [], \"extra\": true}",
	        "{\"allow\": [], \"allow\": []}",
	        "{\"allow\": [{\"mrenclave\": \"zz" MR_A "\"}]}",
	        "{\"allow\": [",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct policy *p = policy_of(bad[i]);

		if (p != NULL)
			fail_msg("accepted: %s", bad[i]);
	}
}

static void
cgroup_of(const char *text, struct cgroup_identity *id)
{
	cgroup_identity_parse((const uint8_t *)text, strlen(text), id);
}

#define CID "3f5c8e0d1b2a49768a1e0c6d5b4f3e2a1908f7e6d5c4b3a29181716151413121"

static void
test_cgroup_runtimes(void **state)
{
	struct cgroup_identity id;

	(void)state;
	/* containerd with the systemd cgroup driver, cgroup v2. */
	cgroup_of("0::/kubepods.slice/kubepods-burstable.slice/"
	          "kubepods-burstable-pod8a3b5c7d_1e2f_4a6b_9c8d_0e1f2a3b4c5d"
	          ".slice/cri-containerd-" CID ".scope\n",
	          &id);
	assert_string_equal(id.container, CID);
	assert_string_equal(id.pod, "8a3b5c7d-1e2f-4a6b-9c8d-0e1f2a3b4c5d");
	/* cgroupfs driver, v1 lines. */
	cgroup_of("12:pids:/kubepods/besteffort/"
	          "pod8a3b5c7d-1e2f-4a6b-9c8d-0e1f2a3b4c5d/" CID "\n"
	          "11:memory:/kubepods/besteffort/"
	          "pod8a3b5c7d-1e2f-4a6b-9c8d-0e1f2a3b4c5d/" CID "\n",
	          &id);
	assert_string_equal(id.container, CID);
	assert_string_equal(id.pod, "8a3b5c7d-1e2f-4a6b-9c8d-0e1f2a3b4c5d");
	/* Docker and podman outside Kubernetes. */
	cgroup_of("0::/system.slice/docker-" CID ".scope\n", &id);
	assert_string_equal(id.container, CID);
	assert_string_equal(id.pod, "");
	cgroup_of("0::/user.slice/user-1000.slice/user@1000.service/user.slice/"
	          "libpod-" CID ".scope/container\n",
	          &id);
	assert_string_equal(id.container, CID);
	/* A process on the host, and broken input. */
	cgroup_of("0::/user.slice/user-1000.slice/session-3.scope\n", &id);
	assert_string_equal(id.container, "");
	assert_string_equal(id.pod, "");
	cgroup_of("0::/docker/" CID "0\n", &id); /* 65 digits */
	assert_string_equal(id.container, "");
	cgroup_of("garbage without colons " CID "\n", &id);
	assert_string_equal(id.container, "");
	cgroup_of("0::/podnotauuid/" CID, &id);
	assert_string_equal(id.pod, "");
	assert_string_equal(id.container, CID);
	cgroup_identity_parse(NULL, 0, &id);
	assert_string_equal(id.container, "");
}

/* Runs fn with stderr going to a temporary file; returns its text. */
static char *
capture_stderr(void (*fn)(void))
{
	char path[] = "/tmp/sqh-ops-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	static char text[8192];
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, text, sizeof(text) - 1);
	assert_true(n > 0);
	text[n] = '\0';
	close(fd);
	unlink(path);
	return text;
}

static void
log_some_json(void)
{
	log_set_level(LOG_LEVEL_INFO);
	log_set_format(LOG_FORMAT_JSON);
	log_info("event=request req=42 pid=-1 uid=1000 path=/a/b "
	         "reason=\"two words\" quote=\"a\\tb\" n=007 big=%s",
	         "123456789012345678901");
	log_warn("plain words here");
	log_set_format(LOG_FORMAT_TEXT);
	log_set_level(LOG_LEVEL_ERROR);
}

static void
test_log_json(void **state)
{
	char *text = capture_stderr(log_some_json);
	char *second = strchr(text, '\n');
	json_error_t err;
	json_t *o;

	(void)state;
	assert_non_null(second);
	*second++ = '\0';
	o = json_loads(text, 0, &err);
	if (o == NULL)
		fail_msg("not JSON: %s (%s)", text, err.text);
	assert_string_equal(json_string_value(json_object_get(o, "level")),
	                    "info");
	assert_non_null(json_string_value(json_object_get(o, "ts")));
	assert_string_equal(json_string_value(json_object_get(o, "event")),
	                    "request");
	assert_int_equal(json_integer_value(json_object_get(o, "req")), 42);
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), -1);
	assert_string_equal(json_string_value(json_object_get(o, "path")),
	                    "/a/b");
	assert_string_equal(json_string_value(json_object_get(o, "reason")),
	                    "two words");
	assert_string_equal(json_string_value(json_object_get(o, "quote")),
	                    "a\\tb");
	/* Not plain integers: kept as strings. */
	assert_string_equal(json_string_value(json_object_get(o, "n")), "007");
	assert_string_equal(json_string_value(json_object_get(o, "big")),
	                    "123456789012345678901");
	json_decref(o);
	o = json_loads(second, JSON_DISABLE_EOF_CHECK, &err);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "level")),
	                    "warn");
	json_decref(o);
}

static void
log_long_json(void)
{
	char big[3000];

	memset(big, '"', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_set_level(LOG_LEVEL_INFO);
	log_set_format(LOG_FORMAT_JSON);
	log_info("event=long a=1 b=%s c=2", big);
	log_set_format(LOG_FORMAT_TEXT);
	log_set_level(LOG_LEVEL_ERROR);
}

/* A line too long for the buffer drops whole pairs, stays valid JSON. */
static void
test_log_json_truncated(void **state)
{
	char *text = capture_stderr(log_long_json);
	json_error_t err;
	json_t *o;

	(void)state;
	o = json_loads(text, JSON_DISABLE_EOF_CHECK, &err);
	if (o == NULL)
		fail_msg("not JSON: %.200s (%s)", text, err.text);
	assert_int_equal(json_integer_value(json_object_get(o, "a")), 1);
	json_decref(o);
}

/* The exposition shows what the hooks counted. */
static void
test_metrics_render(void **state)
{
	struct buf b;
	char *text;

	(void)state;
	metrics_reset();
	metrics_set_info("sim", NULL);
	for (int i = 0; i < 3; i++) {
		metrics_conn_opened();
		metrics_request_begin();
		metrics_request_done();
		metrics_request_end(17, 0, 300000); /* 300 us */
		metrics_conn_closed("replied");
	}
	metrics_conn_opened();
	metrics_request_end(17, 3, 2000000);
	metrics_conn_closed("replied");
	metrics_conn_opened(); /* still open */
	metrics_conn_rejected(METRICS_REJECT_MAX_CONNECTIONS);
	metrics_conn_closed("no such outcome");
	metrics_conn_opened();
	metrics_conn_closed("peer_not_allowed");
	buf_init(&b, 0);
	metrics_render(&b);
	buf_put_u8(&b, 0);
	text = (char *)b.data;
	assert_non_null(strstr(text, "sgx_quote_helper_requests_total{kind=\""
	                             "GetQuoteEx\",code=\"0\"} 3\n"));
	assert_non_null(strstr(text, "sgx_quote_helper_requests_total{kind=\""
	                             "GetQuoteEx\",code=\"3\"} 1\n"));
	assert_non_null(strstr(text, "duration_seconds_bucket{kind=\"GetQuoteEx"
	                             "\",le=\"0.000250\"} 0\n"));
	assert_non_null(strstr(text, "duration_seconds_bucket{kind=\"GetQuoteEx"
	                             "\",le=\"0.000500\"} 3\n"));
	assert_non_null(strstr(text, "duration_seconds_bucket{kind=\"GetQuoteEx"
	                             "\",le=\"+Inf\"} 4\n"));
	assert_non_null(strstr(text, "duration_seconds_count{kind=\"GetQuoteEx"
	                             "\"} 4\n"));
	assert_non_null(strstr(text, "sgx_quote_helper_connections_open 0\n"));
	assert_non_null(strstr(text, "connections_rejected_total{reason=\""
	                             "max_connections\"} 1\n"));
	assert_non_null(strstr(text, "connections_closed_total{outcome=\""
	                             "replied\"} 4\n"));
	assert_non_null(strstr(text, "connections_closed_total{outcome=\""
	                             "other\"} 1\n"));
	assert_non_null(strstr(text, "connections_rejected_total{reason=\""
	                             "peer_not_allowed\"} 1\n"));
	assert_non_null(strstr(text, "build_info{version=\"" SQH_VERSION
	                             "\",backend=\"sim\"} 1\n"));
	assert_null(strstr(text, "attestation_key_age_seconds"));
	buf_free(&b);
}

/* The scrape endpoint's reading of a request head: incomplete heads wait,
 * anything but a well-formed GET /metrics is refused, a head that fills
 * the cap without ending is a 400. */
static void
test_metrics_http_status(void **state)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
	        {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200},
	        {"GET /metrics?x=1 HTTP/1.0\n\n", 200},
	        {"GET /metrics HTTP/1.1\r\n\r\nGET /other HTTP/1.1\r\n\r\n",
	         200},
	        {"GET /metrics HTTP/1.1\r\nHost: x\r\n", 0},
	        {"GET /metrics HTTP/1.1\r\n", 0},
	        {"", 0},
	        {"GET /metricsx HTTP/1.1\n\n", 404},
	        {"HEAD /metrics HTTP/1.1\n\n", 404},
	        {"get /metrics HTTP/1.1\n\n", 404},
	        {"\n\n", 400},
	        {" GET /metrics HTTP/1.1\n\n", 400},
	        {"GET\n\n", 400},
	        {"GETTINGLONGERTHAN16 /metrics HTTP/1.1\n\n", 400},
	};
	char big[4096], target[400];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = metrics_http_status((const uint8_t *)cases[i].req,
		                              strlen(cases[i].req));

		if (got != cases[i].status)
			fail_msg("'%s': %d, not %d", cases[i].req, got,
			         cases[i].status);
	}
	/* A target longer than the route buffer is malformed, not cut. */
	memset(target, 'a', sizeof(target));
	memcpy(target, "GET /", 5);
	memcpy(target + sizeof(target) - 3, "\n\n", 2);
	target[sizeof(target) - 1] = '\0';
	assert_int_equal(
	        metrics_http_status((const uint8_t *)target, strlen(target)),
	        400);
	/* No end of head: waits below the cap, refused at it. */
	memset(big, 'A', sizeof(big));
	assert_int_equal(metrics_http_status((uint8_t *)big, sizeof(big) - 1),
	                 0);
	assert_int_equal(metrics_http_status((uint8_t *)big, sizeof(big)), 400);
}

/* Identical failures of one peer: the first line, then silence until
 * the interval is over; another peer or code is not held back. */
static void
test_reqlog_limit(void **state)
{
	struct reqlog_ctx a = {.pid = 100, .uid = 5},
	                  b = {.pid = 101, .uid = 5};
	unsigned long rep;

	(void)state;
	reqlog_reset();
	assert_true(reqlog_limit(&a, "replied", 38, &rep));
	assert_int_equal(rep, 0);
	for (int i = 0; i < 5; i++)
		assert_false(reqlog_limit(&a, "replied", 38, &rep));
	assert_true(reqlog_limit(&b, "replied", 38, &rep));
	assert_true(reqlog_limit(&a, "replied", 3, &rep));
	assert_true(reqlog_limit(&a, "bad_length", 0, &rep));
	reqlog_reset();
	assert_true(reqlog_limit(&a, "replied", 38, &rep));
}

/* ---- counts of failures left out ---- */

static const struct reqlog_ctx peer_a = {.pid = 100, .uid = 5};
static int64_t now_s;
static unsigned long pending_rep;

static int64_t
mono_coarse_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec;
}

/* Lines at warn level are written; the marker keeps the capture from
 * being empty. */
static void
log_around(void (*fn)(void))
{
	log_set_level(LOG_LEVEL_INFO);
	fn();
	log_warn("event=marker");
	log_set_level(LOG_LEVEL_ERROR);
}

static void
flush_before_due(void)
{
	reqlog_flush_due(now_s + REQLOG_REPEAT_INTERVAL_S - 2);
}

static void
flush_after_due(void)
{
	reqlog_flush_due(now_s + REQLOG_REPEAT_INTERVAL_S + 1);
}

static void
flush_all(void)
{
	reqlog_flush_all();
}

static void
others_take_the_slots(void)
{
	/* Pids step the slot by 31, coprime with 256: these 256 pids land
	 * on every slot, peer_a's among them. */
	for (long pid = 1000; pid < 1256; pid++) {
		struct reqlog_ctx other = {.pid = pid, .uid = 5};

		assert_true(reqlog_limit(&other, "replied", 38, &pending_rep));
	}
}

#define A_LINE(n)                                             \
	"level=warn event=failures_suppressed pid=100 uid=5 " \
	"failure=replied code=38 repeated=" #n "\n"

static void
run_flush_before_due(void)
{
	log_around(flush_before_due);
}

static void
run_flush_after_due(void)
{
	log_around(flush_after_due);
}

static void
run_flush_all(void)
{
	log_around(flush_all);
}

static void
run_others_take_the_slots(void)
{
	log_around(others_take_the_slots);
}

/* Identical failures left out, and no later one to carry their count: it
 * is written on its own once the interval has passed (not before, and
 * once), when the pair's slot goes to another pair, and at stop. */
static void
test_reqlog_pending_counts(void **state)
{
	char *text;

	(void)state;
	reqlog_reset();
	now_s = mono_coarse_s();
	assert_true(reqlog_limit(&peer_a, "replied", 38, &pending_rep));
	for (int i = 0; i < 4; i++)
		assert_false(
		        reqlog_limit(&peer_a, "replied", 38, &pending_rep));

	text = capture_stderr(run_flush_before_due);
	assert_null(strstr(text, "failures_suppressed"));
	text = capture_stderr(run_flush_after_due);
	assert_non_null(strstr(text, A_LINE(4)));
	text = capture_stderr(run_flush_after_due);
	assert_null(strstr(text, "failures_suppressed"));

	/* Within the same interval still: left out again, then written by
	 * the flush at stop. */
	assert_false(reqlog_limit(&peer_a, "replied", 38, &pending_rep));
	text = capture_stderr(run_flush_all);
	assert_non_null(strstr(text, A_LINE(1)));
	text = capture_stderr(run_flush_all);
	assert_null(strstr(text, "failures_suppressed"));

	reqlog_reset();
	assert_true(reqlog_limit(&peer_a, "replied", 38, &pending_rep));
	for (int i = 0; i < 3; i++)
		assert_false(
		        reqlog_limit(&peer_a, "replied", 38, &pending_rep));
	text = capture_stderr(run_others_take_the_slots);
	assert_non_null(strstr(text, A_LINE(3)));
	/* Only that count was pending. */
	assert_null(strstr(strstr(text, A_LINE(3)) + strlen(A_LINE(3)),
	                   "failures_suppressed"));
	reqlog_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_aesmd_conf_spacing),
	        cmocka_unit_test(test_aesmd_conf_load),
	        cmocka_unit_test(test_aesmd_conf_select),
	        cmocka_unit_test(test_policy_decisions),
	        cmocka_unit_test(test_policy_rejects),
	        cmocka_unit_test(test_cgroup_runtimes),
	        cmocka_unit_test(test_log_json),
	        cmocka_unit_test(test_log_json_truncated),
	        cmocka_unit_test(test_metrics_render),
	        cmocka_unit_test(test_metrics_http_status),
	        cmocka_unit_test(test_reqlog_limit),
	        cmocka_unit_test(test_reqlog_pending_counts),
	};

	log_set_level(LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
