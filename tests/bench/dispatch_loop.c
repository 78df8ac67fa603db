/*
 * The daemon's work for one quote without sockets: the simulated backend
 * on a state directory, one GetQuoteEx request encoded once, and
 * dispatch_request called in a loop by T threads for S seconds. Prints
 * the quotes per second, so that bench/run can tell the cost of making a
 * quote from the cost of serving it, and profilers see only that work.
 *
 *   dispatch_loop STATE_DIR THREADS SECONDS
 *
 * Exit status: 0 when every reply was a quote, 1 otherwise.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/sim.h"
#include "backends/sim_report.h"
#include "common/keyid.h"
#include "daemon/dispatch.h"
#include "wire/wire.h"

#define LOOP_MAX_THREADS 64

struct loop {
	struct backend *backend;
	uint8_t *frame;
	size_t frame_len;
	double seconds;
	unsigned long quotes[LOOP_MAX_THREADS];
	bool failed[LOOP_MAX_THREADS];
	pthread_t tid[LOOP_MAX_THREADS];
};

struct loop_arg {
	struct loop *loop;
	unsigned index;
};

static double
loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A report the simulated QE accepts, and the request carrying it. */
static bool
loop_encode(struct loop *l, const uint8_t cpu_key[static SIM_REPORT_KEY_SIZE])
{
	Aesm__Message__Request__GetQuoteExRequest sub =
	        AESM__MESSAGE__REQUEST__GET_QUOTE_EX_REQUEST__INIT;
	Aesm__Message__Request req = AESM__MESSAGE__REQUEST__INIT;
	uint8_t pub_key_id[BACKEND_PUB_KEY_ID_SIZE];
	sgx_att_key_id_ext_t key;
	sgx_target_info_t ti;
	sgx_report_body_t body;
	sgx_report_t report;
	uint32_t size;

	keyid_default_ecdsa(&key);
	memset(&body, 0, sizeof(body));
	if (l->backend->ops->init_quote(l->backend, &key, &ti, pub_key_id) !=
	            AESM_SUCCESS ||
	    l->backend->ops->quote_size(l->backend, &key, &size) !=
	            AESM_SUCCESS ||
	    sim_report_make(cpu_key, &ti, &body, &report) != ERR_OK)
		return false;
	sub.report.data = (uint8_t *)&report;
	sub.report.len = sizeof(report);
	sub.has_att_key_id = true;
	sub.att_key_id.data = (uint8_t *)&key;
	sub.att_key_id.len = sizeof(key);
	sub.buf_size = size;
	req.getquoteexreq = &sub;
	return wire_encode(&req.base, WIRE_MAX_REQUEST, &l->frame,
	                   &l->frame_len) == ERR_OK;
}

static void *
loop_thread(void *arg)
{
	struct loop_arg *a = arg;
	struct loop *l = a->loop;
	struct dispatch_result res;
	double end = loop_now() + l->seconds;

	while (loop_now() < end) {
		if (dispatch_request(l->backend, l->frame + WIRE_LEN_SIZE,
		                     l->frame_len - WIRE_LEN_SIZE,
		                     &res) != ERR_OK ||
		    res.reply == NULL || res.code != AESM_SUCCESS) {
			l->failed[a->index] = true;
			free(res.reply);
			break;
		}
		free(res.reply);
		l->quotes[a->index]++;
	}
	return NULL;
}

static int
loop_run(struct loop *l, unsigned threads)
{
	struct loop_arg args[LOOP_MAX_THREADS];
	unsigned long total = 0;
	double start = loop_now(), elapsed;
	bool failed = false;

	for (unsigned i = 0; i < threads; i++) {
		args[i] = (struct loop_arg){.loop = l, .index = i};
		if (pthread_create(&l->tid[i], NULL, loop_thread, &args[i]) !=
		    0)
			return 1;
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(l->tid[i], NULL);
		total += l->quotes[i];
		failed = failed || l->failed[i];
	}
	elapsed = loop_now() - start;
	printf("threads=%u seconds=%.2f quotes=%lu quotes_per_s=%.1f\n",
	       threads, elapsed, total, (double)total / elapsed);
	return failed ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct sim_config cfg = {0};
	uint8_t cpu_key[SIM_REPORT_KEY_SIZE];
	char key_path[4096];
	struct loop l = {0};
	unsigned long threads;
	int rc;

	if (argc != 4 || (threads = strtoul(argv[2], NULL, 10)) == 0 ||
	    threads > LOOP_MAX_THREADS ||
	    (l.seconds = strtod(argv[3], NULL)) <= 0) {
		fprintf(stderr, "usage: dispatch_loop STATE_DIR THREADS "
		                "SECONDS\n");
		return 2;
	}
	snprintf(key_path, sizeof(key_path), "%s/" SIM_REPORT_KEY_FILE,
	         argv[1]);
	cfg.state_dir = argv[1];
	cfg.report_key_path = key_path;
	if (backend_sim_open(&cfg, &l.backend) != ERR_OK ||
	    sim_report_key_load(key_path, cpu_key) != ERR_OK ||
	    !loop_encode(&l, cpu_key)) {
		fprintf(stderr, "dispatch_loop: cannot set up\n");
		return 1;
	}
	rc = loop_run(&l, (unsigned)threads);
	free(l.frame);
	l.backend->ops->destroy(l.backend);
	return rc;
}
