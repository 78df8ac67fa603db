/*
 * libFuzzer target for the client library's side of the protocol: what
 * libsgx_quote_ex does with the bytes a service sends back (reference
 * "AESM protocol" sections 1.2-1.3 and 3). The library's own code runs
 * unchanged, with the caller's buffers allocated at their exact sizes so
 * that the sanitizer sees any write past them.
 *
 * A thread plays the service on a socket in a temporary directory: it
 * reads each request and answers with the input. The first input byte
 * picks the call (low bits) and whether the answer is framed by the
 * harness (bit 3 clear) or sent as it is, length prefix included.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/keyid.h"
#include "sgx_uae_quote_ex.h"
#include "wire/wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ANSWER_RAW 0x08
#define N_CALLS    6

static char dir[] = "/tmp/sqh-fuzz-client-XXXXXX";
static struct sockaddr_un addr = {.sun_family = AF_UNIX};
static int listen_fd = -1;

/* The answer for the next connection, set before each call. */
static pthread_mutex_t answer_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *answer;
static size_t answer_len;

static void
service_answer(int fd)
{
	uint8_t *req = NULL;
	size_t len;

	/* The request is read whole first, as a service would. */
	if (wire_recv_frame(fd, WIRE_MAX_REQUEST, 1000, &req, &len) != ERR_OK)
		return;
	free(req);
	pthread_mutex_lock(&answer_lock);
	if (answer_len > 0)
		(void)wire_send_all(fd, answer, answer_len, 1000);
	pthread_mutex_unlock(&answer_lock);
}

static void *
service_main(void *arg)
{
	int fd;

	(void)arg;
	for (;;) {
		fd = accept(listen_fd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		service_answer(fd);
		close(fd);
	}
}

static void
dir_remove(void)
{
	unlink(addr.sun_path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	pthread_t t;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/aesm.socket", dir);
	atexit(dir_remove);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 ||
	    bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listen_fd, 16) < 0 ||
	    pthread_create(&t, NULL, service_main, NULL) != 0)
		abort();
	setenv("SGX_AESM_ADDR", addr.sun_path, 1);
	setenv("SGX_QUOTE_EX_TIMEOUT_MS", "1000", 1);
	setenv("SGX_QUOTE_EX_RETRY_MS", "0", 1);
	return 0;
}

/* Sets the answer: the body framed by us, or the bytes as they are. */
static bool
answer_set(const uint8_t *body, size_t len, bool raw)
{
	uint8_t *a = malloc(len + WIRE_LEN_SIZE);

	if (a == NULL)
		return false;
	if (raw) {
		memcpy(a, body, len);
	} else {
		wire_frame_put_len(a, (uint32_t)len);
		memcpy(a + WIRE_LEN_SIZE, body, len);
		len += WIRE_LEN_SIZE;
	}
	pthread_mutex_lock(&answer_lock);
	free(answer);
	answer = a;
	answer_len = len;
	pthread_mutex_unlock(&answer_lock);
	return true;
}

/* Each call with buffers of exactly the size the caller states. */
static void
call_quote(const sgx_att_key_id_t *key)
{
	sgx_report_t *report = calloc(1, sizeof(*report));
	sgx_qe_report_info_t *info = calloc(1, sizeof(*info));
	uint8_t *quote = malloc(5000);

	if (report != NULL && info != NULL && quote != NULL)
		(void)sgx_get_quote_ex(report, key, info, quote, 5000);
	free(report);
	free(info);
	free(quote);
}

static void
call_init(const sgx_att_key_id_t *key, bool with_pub)
{
	sgx_target_info_t *ti = malloc(sizeof(*ti));
	uint8_t *pub = malloc(32);
	size_t pub_size = 32;

	if (ti != NULL && pub != NULL)
		(void)sgx_init_quote_ex(key, ti, &pub_size,
		                        with_pub ? pub : NULL);
	free(ti);
	free(pub);
}

static void
call_ids(void)
{
	sgx_att_key_id_ext_t *ids = malloc(2 * sizeof(*ids));

	if (ids != NULL)
		(void)sgx_get_supported_att_key_ids(ids, 2);
	free(ids);
}

static void
call_one(unsigned which)
{
	sgx_att_key_id_ext_t ext;
	sgx_att_key_id_t *key = malloc(sizeof(*key));
	uint32_t n;

	if (key == NULL)
		return;
	keyid_default_ecdsa(&ext);
	memcpy(key, &ext, sizeof(*key));
	switch (which % N_CALLS) {
	case 0:
		(void)sgx_select_att_key_id(NULL, 0, key);
		break;
	case 1:
		call_init(key, (which & 0x10) != 0);
		break;
	case 2:
		(void)sgx_get_quote_size_ex(key, &n);
		break;
	case 3:
		call_quote(key);
		break;
	case 4:
		(void)sgx_get_supported_att_key_id_num(&n);
		break;
	default:
		call_ids();
		break;
	}
	free(key);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > WIRE_MAX_RESPONSE)
		return 0;
	if (!answer_set(data + 1, size - 1, (data[0] & ANSWER_RAW) != 0))
		return 0;
	call_one(data[0] & 0x17);
	return 0;
}
