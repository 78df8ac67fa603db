#include "backends/sim_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "backends/sim_pki.h"
#include "backends/sim_platform.h"
#include "common/buf.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/log.h"
#include "quote/pck.h"

#define MANIFEST_HEADER \
	"# sgx-quote-helper simulated platform state, version 1\n"
#define STATE_FILE_MAX 16384
/* 2049-12-31T23:59:59Z, the end of Intel's root CA validity. */
#define CA_NOT_AFTER ((time_t)2524607999)
#define PCK_DAYS     (7 * 365)
/* Certificates start an hour early to tolerate clock skew between nodes. */
#define CLOCK_SKEW 3600

enum state_item {
	ITEM_ROOT_KEY,
	ITEM_ROOT_CERT,
	ITEM_CA_KEY,
	ITEM_CA_CERT,
	ITEM_PCK_KEY,
	ITEM_PCK_CERT,
	ITEM_TCB_KEY,
	ITEM_TCB_CERT,
	ITEM_ATT_KEY,
	ITEM_CPU_KEY,
	ITEM_COUNT
};

static const char *const item_names[ITEM_COUNT] = {
        [ITEM_ROOT_KEY] = "root_ca.key",    [ITEM_ROOT_CERT] = "root_ca.pem",
        [ITEM_CA_KEY] = "pck_ca.key",       [ITEM_CA_CERT] = "pck_ca.pem",
        [ITEM_PCK_KEY] = "pck.key",         [ITEM_PCK_CERT] = "pck.pem",
        [ITEM_TCB_KEY] = "tcb_signing.key", [ITEM_TCB_CERT] = "tcb_signing.pem",
        [ITEM_ATT_KEY] = "attestation.key", [ITEM_CPU_KEY] = "cpu_report.key",
};

/* The serialised files, as written or as read. */
struct state_blobs {
	uint8_t *data[ITEM_COUNT];
	size_t len[ITEM_COUNT];
};

static void
blobs_free(struct state_blobs *b)
{
	for (int i = 0; i < ITEM_COUNT; i++) {
		if (b->data[i] != NULL)
			OPENSSL_cleanse(b->data[i], b->len[i]);
		free(b->data[i]);
		b->data[i] = NULL;
	}
}

static enum err
path_join(char out[static PATH_MAX], const char *dir, const char *name)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return ERR_IO;
	}
	return ERR_OK;
}

void
sim_state_free(struct sim_state *st)
{
	if (st == NULL)
		return;
	EVP_PKEY_free(st->root_key);
	EVP_PKEY_free(st->ca_key);
	EVP_PKEY_free(st->pck_key);
	EVP_PKEY_free(st->tcb_key);
	EVP_PKEY_free(st->att_key);
	X509_free(st->root);
	X509_free(st->ca);
	X509_free(st->pck);
	X509_free(st->tcb);
	OPENSSL_cleanse(st->cpu_key, sizeof(st->cpu_key));
	free(st);
}

/* ---- serialisation ---- */

static enum err
bio_take(BIO *bio, uint8_t **data, size_t *len)
{
	char *mem;
	long n = BIO_get_mem_data(bio, &mem);
	uint8_t *copy;

	if (n <= 0)
		return ERR_CRYPTO;
	if ((copy = malloc((size_t)n + 1)) == NULL)
		return ERR_NOMEM;
	memcpy(copy, mem, (size_t)n);
	copy[n] = '\0';
	*data = copy;
	*len = (size_t)n;
	return ERR_OK;
}

static enum err
key_to_pem(EVP_PKEY *key, uint8_t **data, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	enum err e = ERR_CRYPTO;

	if (bio != NULL &&
	    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1)
		e = bio_take(bio, data, len);
	BIO_free(bio);
	return e;
}

enum err
sim_state_cert_pem(X509 *cert, char **pem, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	enum err e = ERR_CRYPTO;
	uint8_t *data;

	if (bio != NULL && PEM_write_bio_X509(bio, cert) == 1 &&
	    (e = bio_take(bio, &data, len)) == ERR_OK)
		*pem = (char *)data;
	BIO_free(bio);
	return e;
}

static enum err
cpu_key_to_text(const uint8_t key[static SIM_REPORT_KEY_SIZE], uint8_t **data,
                size_t *len)
{
	char *text = malloc(2 * SIM_REPORT_KEY_SIZE + 2);

	if (text == NULL)
		return ERR_NOMEM;
	hex_encode(key, SIM_REPORT_KEY_SIZE, text);
	text[2 * SIM_REPORT_KEY_SIZE] = '\n';
	text[2 * SIM_REPORT_KEY_SIZE + 1] = '\0';
	*data = (uint8_t *)text;
	*len = 2 * SIM_REPORT_KEY_SIZE + 1;
	return ERR_OK;
}

static enum err
blob_key(struct state_blobs *b, enum state_item i, EVP_PKEY *key)
{
	return key_to_pem(key, &b->data[i], &b->len[i]);
}

static enum err
blob_cert(struct state_blobs *b, enum state_item i, X509 *cert)
{
	char *pem;
	enum err e = sim_state_cert_pem(cert, &pem, &b->len[i]);

	if (e == ERR_OK)
		b->data[i] = (uint8_t *)pem;
	return e;
}

static enum err
state_to_blobs(const struct sim_state *st, struct state_blobs *b)
{
	enum err e;

	if ((e = blob_key(b, ITEM_ROOT_KEY, st->root_key)) != ERR_OK ||
	    (e = blob_cert(b, ITEM_ROOT_CERT, st->root)) != ERR_OK ||
	    (e = blob_key(b, ITEM_CA_KEY, st->ca_key)) != ERR_OK ||
	    (e = blob_cert(b, ITEM_CA_CERT, st->ca)) != ERR_OK ||
	    (e = blob_key(b, ITEM_PCK_KEY, st->pck_key)) != ERR_OK ||
	    (e = blob_cert(b, ITEM_PCK_CERT, st->pck)) != ERR_OK ||
	    (e = blob_key(b, ITEM_TCB_KEY, st->tcb_key)) != ERR_OK ||
	    (e = blob_cert(b, ITEM_TCB_CERT, st->tcb)) != ERR_OK ||
	    (e = blob_key(b, ITEM_ATT_KEY, st->att_key)) != ERR_OK)
		return e;
	return cpu_key_to_text(st->cpu_key, &b->data[ITEM_CPU_KEY],
	                       &b->len[ITEM_CPU_KEY]);
}

/* The manifest for a set of files: one "sha256  name" line each. */
static enum err
manifest_build(const struct state_blobs *b, struct buf *out)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];

	buf_init(out, 4096);
	buf_put(out, MANIFEST_HEADER, strlen(MANIFEST_HEADER));
	for (int i = 0; i < ITEM_COUNT; i++) {
		SHA256(b->data[i], b->len[i], digest);
		hex_encode(digest, sizeof(digest), hex);
		buf_put(out, hex, strlen(hex));
		buf_put(out, "  ", 2);
		buf_put(out, item_names[i], strlen(item_names[i]));
		buf_put_u8(out, '\n');
	}
	return out->err;
}

/* ---- creation ---- */

static enum err
pck_ext_der(uint8_t **der, size_t *len)
{
	struct pck_ext ext;

	memset(&ext, 0, sizeof(ext));
	if (RAND_bytes(ext.ppid, sizeof(ext.ppid)) != 1)
		return ERR_CRYPTO;
	memcpy(ext.comp_svn, sim_comp_svn, sizeof(ext.comp_svn));
	ext.pcesvn = SIM_PCK_PCESVN;
	/* As in every real certificate: CPUSVN is the components in order. */
	memcpy(ext.cpusvn, sim_comp_svn, sizeof(ext.cpusvn));
	memcpy(ext.pceid, sim_pceid, sizeof(ext.pceid));
	memcpy(ext.fmspc, sim_fmspc, sizeof(ext.fmspc));
	ext.sgx_type = PCK_SGX_TYPE_STANDARD;
	return pck_ext_build(&ext, der, len);
}

static enum err
state_gen_keys(struct sim_state *st)
{
	enum err e;

	if ((e = sim_pki_key_new(&st->root_key)) != ERR_OK ||
	    (e = sim_pki_key_new(&st->ca_key)) != ERR_OK ||
	    (e = sim_pki_key_new(&st->pck_key)) != ERR_OK ||
	    (e = sim_pki_key_new(&st->tcb_key)) != ERR_OK ||
	    (e = sim_pki_key_new(&st->att_key)) != ERR_OK)
		return e;
	if (RAND_bytes(st->cpu_key, sizeof(st->cpu_key)) != 1)
		return ERR_CRYPTO;
	return ERR_OK;
}

static enum err
state_gen_pck(struct sim_state *st, time_t now)
{
	struct sim_cert_spec spec = {
	        .role = SIM_CERT_LEAF,
	        .cn = SIM_NAME_PCK,
	        .crl_url = SIM_CRL_URL_PCK_CA,
	        .not_before = now - CLOCK_SKEW,
	        .not_after = now + (time_t)PCK_DAYS * 86400,
	};
	uint8_t *der = NULL;
	size_t len = 0;
	enum err e;

	if ((e = pck_ext_der(&der, &len)) != ERR_OK)
		return e;
	spec.sgx_ext = der;
	spec.sgx_ext_len = len;
	e = sim_pki_cert_new(&spec, st->pck_key, st->ca, st->ca_key, &st->pck);
	OPENSSL_free(der);
	return e;
}

static enum err
state_gen_certs(struct sim_state *st, time_t now)
{
	struct sim_cert_spec spec = {
	        .crl_url = SIM_CRL_URL_ROOT,
	        .not_before = now - CLOCK_SKEW,
	        .not_after = CA_NOT_AFTER,
	};
	enum err e;

	spec.role = SIM_CERT_ROOT;
	spec.cn = SIM_NAME_ROOT;
	if ((e = sim_pki_cert_new(&spec, st->root_key, NULL, NULL,
	                          &st->root)) != ERR_OK)
		return e;
	spec.role = SIM_CERT_CA;
	spec.cn = SIM_NAME_PCK_CA;
	if ((e = sim_pki_cert_new(&spec, st->ca_key, st->root, st->root_key,
	                          &st->ca)) != ERR_OK)
		return e;
	spec.role = SIM_CERT_LEAF;
	spec.cn = SIM_NAME_TCB_SIGN;
	if ((e = sim_pki_cert_new(&spec, st->tcb_key, st->root, st->root_key,
	                          &st->tcb)) != ERR_OK)
		return e;
	return state_gen_pck(st, now);
}

static enum err
state_write_blobs(const char *dir, const struct state_blobs *b)
{
	char path[PATH_MAX];
	struct buf manifest;
	enum err e;

	for (int i = 0; i < ITEM_COUNT; i++) {
		if ((e = path_join(path, dir, item_names[i])) != ERR_OK ||
		    (e = file_write_atomic(path, b->data[i], b->len[i],
		                           0600)) != ERR_OK)
			return e;
	}

	/* Last: from here on the state is complete. */
	if ((e = manifest_build(b, &manifest)) == ERR_OK &&
	    (e = path_join(path, dir, SIM_STATE_MANIFEST)) == ERR_OK)
		e = file_write_atomic(path, manifest.data, manifest.len, 0600);
	buf_free(&manifest);
	return e;
}

static enum err
state_create(const char *dir)
{
	struct sim_state *st = calloc(1, sizeof(*st));
	struct state_blobs b = {0};
	enum err e;

	if (st == NULL)
		return ERR_NOMEM;
	if ((e = state_gen_keys(st)) == ERR_OK &&
	    (e = state_gen_certs(st, time(NULL))) == ERR_OK &&
	    (e = state_to_blobs(st, &b)) == ERR_OK)
		e = state_write_blobs(dir, &b);
	blobs_free(&b);
	sim_state_free(st);
	return e;
}

/* ---- loading ---- */

static enum err
state_read_blobs(const char *dir, struct state_blobs *b)
{
	char path[PATH_MAX];
	enum err e;

	for (int i = 0; i < ITEM_COUNT; i++) {
		if ((e = path_join(path, dir, item_names[i])) != ERR_OK)
			return e;
		e = file_read_all(path, STATE_FILE_MAX, &b->data[i],
		                  &b->len[i]);
		if (e != ERR_OK) {
			log_error_errno("event=sim_state_unreadable file=%s",
			                path);
			return e;
		}
	}
	return ERR_OK;
}

/* ERR_NOTFOUND when there is no manifest: the state is not complete. */
static enum err
state_read_manifest(const char *dir, uint8_t **data, size_t *len)
{
	char path[PATH_MAX];
	enum err e;

	if ((e = path_join(path, dir, SIM_STATE_MANIFEST)) != ERR_OK)
		return e;
	e = file_read_all(path, 4096, data, len);
	if (e == ERR_IO && errno == ENOENT)
		return ERR_NOTFOUND;
	if (e != ERR_OK)
		log_error_errno("event=sim_state_unreadable file=%s", path);
	return e;
}

static enum err
state_check_manifest(const char *dir, const uint8_t *data, size_t len,
                     const struct state_blobs *b)
{
	struct buf expect;
	enum err e;

	if ((e = manifest_build(b, &expect)) == ERR_OK &&
	    (len != expect.len || memcmp(data, expect.data, len) != 0)) {
		log_error("event=sim_state_mismatch dir=%s "
		          "hint=\"files differ from the manifest\"",
		          dir);
		e = ERR_INVALID;
	}
	buf_free(&expect);
	return e;
}

static EVP_PKEY *
pem_key(const struct state_blobs *b, enum state_item i)
{
	BIO *bio = BIO_new_mem_buf(b->data[i], (int)b->len[i]);
	EVP_PKEY *key = NULL;

	if (bio != NULL)
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return key;
}

static X509 *
pem_cert(const struct state_blobs *b, enum state_item i)
{
	BIO *bio = BIO_new_mem_buf(b->data[i], (int)b->len[i]);
	X509 *cert = NULL;

	if (bio != NULL)
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return cert;
}

/* A P-256 key that belongs to cert, which issuer_key signed. */
static bool
cert_consistent(X509 *cert, EVP_PKEY *key, EVP_PKEY *issuer_key)
{
	return cert != NULL && key != NULL && EVP_PKEY_is_a(key, "EC") &&
	       EVP_PKEY_get_bits(key) == 256 &&
	       X509_check_private_key(cert, key) == 1 &&
	       X509_verify(cert, issuer_key) == 1;
}

static enum err
state_parse(const struct state_blobs *b, struct sim_state *st)
{
	st->root_key = pem_key(b, ITEM_ROOT_KEY);
	st->ca_key = pem_key(b, ITEM_CA_KEY);
	st->pck_key = pem_key(b, ITEM_PCK_KEY);
	st->tcb_key = pem_key(b, ITEM_TCB_KEY);
	st->att_key = pem_key(b, ITEM_ATT_KEY);
	st->root = pem_cert(b, ITEM_ROOT_CERT);
	st->ca = pem_cert(b, ITEM_CA_CERT);
	st->pck = pem_cert(b, ITEM_PCK_CERT);
	st->tcb = pem_cert(b, ITEM_TCB_CERT);
	if (b->len[ITEM_CPU_KEY] != 2 * SIM_REPORT_KEY_SIZE + 1 ||
	    hex_decode((const char *)b->data[ITEM_CPU_KEY],
	               2 * SIM_REPORT_KEY_SIZE, st->cpu_key,
	               sizeof(st->cpu_key)) != ERR_OK)
		return ERR_INVALID;
	if (st->att_key == NULL || !EVP_PKEY_is_a(st->att_key, "EC") ||
	    EVP_PKEY_get_bits(st->att_key) != 256)
		return ERR_INVALID;
	if (!cert_consistent(st->root, st->root_key, st->root_key) ||
	    !cert_consistent(st->ca, st->ca_key, st->root_key) ||
	    !cert_consistent(st->tcb, st->tcb_key, st->root_key) ||
	    !cert_consistent(st->pck, st->pck_key, st->ca_key))
		return ERR_INVALID;
	return ERR_OK;
}

static enum err
state_load(const char *dir, struct sim_state **out)
{
	struct state_blobs b = {0};
	struct sim_state *st;
	uint8_t *manifest;
	size_t manifest_len;
	enum err e;

	if ((e = state_read_manifest(dir, &manifest, &manifest_len)) != ERR_OK)
		return e;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		free(manifest);
		return ERR_NOMEM;
	}
	if ((e = state_read_blobs(dir, &b)) == ERR_OK)
		e = state_check_manifest(dir, manifest, manifest_len, &b);
	if (e == ERR_OK && (e = state_parse(&b, st)) != ERR_OK)
		log_error("event=sim_state_invalid dir=%s", dir);
	blobs_free(&b);
	free(manifest);
	if (e != ERR_OK) {
		sim_state_free(st);
		return e;
	}
	*out = st;
	return ERR_OK;
}

/* ---- the directory ---- */

/* Creation cut short leaves file_write_atomic's temporary files. */
static void
state_remove_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;

	if (d == NULL)
		return;
	while ((ent = readdir(d)) != NULL) {
		if (strstr(ent->d_name, ".tmp.") != NULL &&
		    unlinkat(dirfd(d), ent->d_name, 0) < 0)
			log_warn_errno("event=sim_state_cleanup file=%s",
			               ent->d_name);
	}
	closedir(d);
}

static enum err
state_dir_prepare(const char *dir)
{
	struct stat st;

	if (file_mkdir_p(dir, 0700) != ERR_OK || stat(dir, &st) < 0) {
		log_error_errno("event=sim_state_dir dir=%s", dir);
		return ERR_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		log_error_errno("event=sim_state_dir dir=%s", dir);
		return ERR_IO;
	}
	if ((st.st_mode & 077) != 0)
		log_warn("event=sim_state_dir_open dir=%s mode=%04o "
		         "hint=\"keys are readable by others; chmod 700\"",
		         dir, (unsigned)(st.st_mode & 07777));
	return ERR_OK;
}

static int
state_lock(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	if (path_join(path, dir, "lock") != ERR_OK)
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -1;
	if (file_lock(fd) != ERR_OK) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static enum err
state_open_locked(const char *dir, struct sim_state **out)
{
	enum err e = state_load(dir, out);

	if (e != ERR_NOTFOUND)
		return e;
	log_info("event=sim_state_create dir=%s", dir);
	state_remove_temp_files(dir);
	if ((e = state_create(dir)) != ERR_OK) {
		log_error_errno("event=sim_state_create_failed dir=%s error=%s",
		                dir, err_str(e));
		return e;
	}
	return state_load(dir, out);
}

enum err
sim_state_open(const char *dir, struct sim_state **out)
{
	enum err e;
	int lock;

	if ((e = state_dir_prepare(dir)) != ERR_OK)
		return e;
	if ((lock = state_lock(dir)) < 0) {
		log_error_errno("event=sim_state_lock dir=%s", dir);
		return ERR_IO;
	}
	e = state_open_locked(dir, out);
	close(lock);
	return e;
}
