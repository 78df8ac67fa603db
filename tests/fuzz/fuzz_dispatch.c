/*
 * libFuzzer target for what the daemon does with the bytes of one
 * connection: the 4-byte length checked against the request cap, the
 * body decoded as an AESM Request (reference "AESM protocol" sections
 * 1.2-1.3) and dispatched to the simulated backend, whose state lives in
 * a temporary directory made once.
 *
 * Beyond "no crash": every reply must be one well-framed Response no
 * larger than the response cap, carrying the field of the request's kind.
 * A GetQuoteEx whose report fails the MAC would stop before the quote is
 * made, so such a request is also dispatched a second time with its
 * report re-MACed for the simulated QE: the fuzzed report body and QE
 * report info then reach quote generation.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/sim.h"
#include "backends/sim_report.h"
#include "common/keyid.h"
#include "daemon/dispatch.h"
#include "wire/wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct backend *backend;
static uint8_t cpu_key[SIM_REPORT_KEY_SIZE];
static sgx_target_info_t qe_target;

/* Removed when the process ends; an interrupted run leaves a small
 * directory under /tmp. */
static char state_dir[] = "/tmp/sqh-fuzz-dispatch-XXXXXX";
static char key_path[sizeof(state_dir) + 32];

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
state_remove(void)
{
	if (nftw(state_dir, remove_one, 8, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "fuzz_dispatch: could not remove %s\n",
		        state_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sim_config cfg;
	sgx_att_key_id_ext_t key;
	uint8_t pub[BACKEND_PUB_KEY_ID_SIZE];

	(void)argc;
	(void)argv;
	if (mkdtemp(state_dir) == NULL)
		abort();
	atexit(state_remove);
	snprintf(key_path, sizeof(key_path), "%s/report.key", state_dir);
	cfg.state_dir = state_dir;
	cfg.report_key_path = key_path;
	keyid_default_ecdsa(&key);
	if (backend_sim_open(&cfg, &backend) != ERR_OK ||
	    sim_report_key_load(key_path, cpu_key) != ERR_OK ||
	    backend->ops->init_quote(backend, &key, &qe_target, pub) != 0)
		abort();
	return 0;
}

/* A reply is one framed Response answering the kind that was asked. */
static void
reply_check(const struct dispatch_result *r)
{
	Aesm__Message__Response *res;
	uint32_t len;

	if (r->reply == NULL)
		return;
	if (r->reply_len < WIRE_LEN_SIZE ||
	    wire_frame_len(r->reply, WIRE_MAX_RESPONSE, &len) != ERR_OK ||
	    len != r->reply_len - WIRE_LEN_SIZE)
		abort();
	res = wire_response_decode(r->reply + WIRE_LEN_SIZE, len);
	if (res == NULL || r->kind == WIRE_KIND_NONE)
		abort();
	if (r->kind == WIRE_KIND_GET_QUOTE_EX && res->getquoteexres == NULL)
		abort();
	if (r->kind == WIRE_KIND_INIT_QUOTE_EX && res->initquoteexres == NULL)
		abort();
	wire_response_free(res);
}

static void
dispatch_checked(const uint8_t *body, size_t len)
{
	struct dispatch_result r;

	if (dispatch_request(backend, body, len, &r) == ERR_OK)
		reply_check(&r);
	free(r.reply);
}

/* The request again, its report made valid for the simulated QE. */
static void
dispatch_remaced(const uint8_t *body, size_t len)
{
	Aesm__Message__Request *req = wire_request_decode(body, len);
	Aesm__Message__Request__GetQuoteExRequest *q;
	sgx_report_t report;
	uint8_t *frame;
	size_t flen;

	if (req == NULL || (q = req->getquoteexreq) == NULL ||
	    q->report.len != sizeof(report))
		goto out;
	memcpy(&report, q->report.data, sizeof(report));
	if (sim_report_make(cpu_key, &qe_target, &report.body, &report) !=
	    ERR_OK)
		goto out;
	memcpy(q->report.data, &report, sizeof(report));
	if (wire_encode(&req->base, WIRE_MAX_REQUEST, &frame, &flen) != ERR_OK)
		goto out;
	dispatch_checked(frame + WIRE_LEN_SIZE, flen - WIRE_LEN_SIZE);
	free(frame);
out:
	wire_request_free(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t len;

	/* The server reads exactly this: a length, then that many bytes. */
	if (size < WIRE_LEN_SIZE ||
	    wire_frame_len(data, WIRE_MAX_REQUEST, &len) != ERR_OK ||
	    len > size - WIRE_LEN_SIZE)
		return 0;
	dispatch_checked(data + WIRE_LEN_SIZE, len);
	dispatch_remaced(data + WIRE_LEN_SIZE, len);
	return 0;
}
