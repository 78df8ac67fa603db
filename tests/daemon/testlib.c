#include "testlib.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/keyid.h"

void
pb_varint(struct pb *m, uint64_t v)
{
	do {
		assert_true(m->len < sizeof(m->data));
		m->data[m->len++] =
		        (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
}

void
pb_uint(struct pb *m, unsigned field, uint64_t v)
{
	pb_varint(m, (uint64_t)field << 3);
	pb_varint(m, v);
}

void
pb_bytes(struct pb *m, unsigned field, const void *data, size_t len)
{
	pb_varint(m, (uint64_t)field << 3 | 2);
	pb_varint(m, len);
	assert_true(len <= sizeof(m->data) - m->len);
	memcpy(m->data + m->len, data, len);
	m->len += len;
}

void
pb_wrap(struct pb *out, unsigned field, const struct pb *inner)
{
	pb_bytes(out, field, inner->data, inner->len);
}

void
pb_frame(struct pb *out, const struct pb *body)
{
	uint32_t n = (uint32_t)body->len;

	out->len = 0;
	for (int i = 0; i < 4; i++)
		out->data[out->len++] = (uint8_t)(n >> (8 * i));
	assert_true(body->len <= sizeof(out->data) - 4);
	memcpy(out->data + 4, body->data, body->len);
	out->len += body->len;
}

uint8_t *
pb_exchange(const char *path, unsigned field, const struct pb *inner,
            size_t *got)
{
	struct pb body = {0}, framed;

	pb_wrap(&body, field, inner);
	pb_frame(&framed, &body);
	return raw_exchange(path, framed.data, framed.len, got);
}

/* ---- backend double ---- */

static sgx_att_key_id_ext_t fake_keys[3];
static size_t fake_n_keys = 1;
static unsigned fake_quotes;

static const sgx_att_key_id_ext_t *
fake_key_ids(struct backend *b, size_t *count)
{
	(void)b;
	keyid_default_ecdsa(&fake_keys[0]);
	/* Two EPID-like keys, as a platform with the EPID plugin has. */
	keyid_default_ecdsa(&fake_keys[1]);
	fake_keys[1].base.algorithm_id = SGX_QL_ALG_EPID;
	keyid_default_ecdsa(&fake_keys[2]);
	fake_keys[2].base.algorithm_id = SGX_QL_ALG_RESERVED_1;
	fake_keys[2].att_key_type = 1;
	*count = fake_n_keys;
	return fake_keys;
}

static enum aesm_error
fake_init_quote(struct backend *b, const sgx_att_key_id_ext_t *key_id,
                sgx_target_info_t *ti,
                uint8_t pub_key_id[BACKEND_PUB_KEY_ID_SIZE])
{
	(void)b;
	(void)key_id;
	memset(ti, 0, sizeof(*ti));
	memset(ti->mr_enclave.m, FAKE_MR_ENCLAVE, sizeof(ti->mr_enclave.m));
	memset(pub_key_id, FAKE_PUB_KEY_ID, BACKEND_PUB_KEY_ID_SIZE);
	return AESM_SUCCESS;
}

static enum aesm_error
fake_quote_size(struct backend *b, const sgx_att_key_id_ext_t *key_id,
                uint32_t *size)
{
	(void)b;
	(void)key_id;
	*size = FAKE_QUOTE_SIZE;
	return AESM_SUCCESS;
}

/* The quote: the report body, then 0x5a up to FAKE_QUOTE_SIZE. */
static enum aesm_error
fake_get_quote(struct backend *b, const sgx_report_t *report,
               const sgx_att_key_id_ext_t *key_id, sgx_qe_report_info_t *qri,
               uint8_t *quote, uint32_t cap, uint32_t *len)
{
	(void)b;
	(void)key_id;
	fake_quotes++;
	if (report->mac[0] == FAKE_BAD_MAC)
		return AESM_INVALID_REPORT;
	if (cap < FAKE_QUOTE_SIZE)
		return AESM_PARAMETER_ERROR;
	memset(quote, 0x5a, FAKE_QUOTE_SIZE);
	memcpy(quote, &report->body, sizeof(report->body));
	if (qri != NULL)
		memset(qri->qe_report.body.report_data.d, 0x77,
		       sizeof(qri->qe_report.body.report_data.d));
	*len = FAKE_QUOTE_SIZE;
	return AESM_SUCCESS;
}

static void
fake_destroy(struct backend *b)
{
	(void)b;
}

static const struct backend_ops fake_ops = {
        .key_ids = fake_key_ids,
        .init_quote = fake_init_quote,
        .quote_size = fake_quote_size,
        .get_quote = fake_get_quote,
        .destroy = fake_destroy,
};

static struct backend fake = {.ops = &fake_ops, .name = "fake"};

struct backend *
fake_backend(void)
{
	return &fake;
}

void
fake_backend_set_keys(size_t n)
{
	fake_n_keys = n;
}

unsigned
fake_backend_quotes(void)
{
	return fake_quotes;
}

/* ---- sockets ---- */

int
raw_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

uint8_t *
raw_read_all(int fd, int timeout_ms, size_t *got)
{
	size_t cap = 65536, len = 0;
	uint8_t *buf = malloc(cap);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;

	assert_non_null(buf);
	for (;;) {
		if (poll(&p, 1, timeout_ms) <= 0) {
			free(buf);
			return NULL;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == ECONNRESET)
			break;
		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
		assert_true(len < cap);
	}
	*got = len;
	return buf;
}

uint8_t *
raw_exchange(const char *path, const void *data, size_t len, size_t *got)
{
	uint8_t *reply;
	int fd = raw_connect(path);

	if (fd < 0)
		return NULL;
	/* A server that refuses the request may close before it is all
	 * sent; what counts is what comes back. */
	(void)send(fd, data, len, MSG_NOSIGNAL);
	reply = raw_read_all(fd, 5000, got);
	close(fd);
	return reply;
}

void
raw_wait_connectable(const char *path)
{
	for (int i = 0; i < 500; i++) {
		int fd = raw_connect(path);

		if (fd >= 0) {
			close(fd);
			return;
		}
		usleep(20000);
	}
	fail_msg("nothing answers on %s", path);
}

/* ---- child processes ---- */

void
child_exec_logged(const char *log, const char *const *argv)
{
	/* exec takes mutable strings; the child's copies are never freed. */
	char *args[32] = {0};
	int fd;

	/* A test that fails leaves its daemon behind; it goes when the test
	 * program does, rather than running on after it (a daemon stuck in a
	 * bug under test may not even heed SIGTERM). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (size_t i = 0; i < 31 && argv[i] != NULL; i++)
		args[i] = strdup(argv[i]);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execv(args[0], args);
	_exit(127);
}

int
child_term(pid_t pid)
{
	int status;

	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- temporary directories ---- */

char *
temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[256];
	char *d;

	snprintf(tmpl, sizeof(tmpl), "%s/sqh-daemon-XXXXXX",
	         base != NULL ? base : "/tmp");
	d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const uint8_t raw_num_req[RAW_NUM_REQ_SIZE] = {0x06, 0x00, 0x00, 0x00, 0xaa,
                                               0x01, 0x03, 0x48, 0x98, 0x75};
const uint8_t raw_num_reply[RAW_NUM_REPLY_SIZE] = {
        0x07, 0x00, 0x00, 0x00, 0xaa, 0x01, 0x04, 0x08, 0x00, 0x10, 0x01};
