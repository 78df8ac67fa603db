/*
 * Runs Open Enclave's and Intel's DCAP library's quote_ex call sequences
 * (reference "AESM protocol" section 5) against the service named by
 * SGX_AESM_ADDR, loading libsgx_quote_ex.so.1 with dlopen by soname as
 * they do. The enclave report is made with the simulated report key given
 * as argv[1]. Exits 0 when both sequences give a quote carrying the
 * report data they asked for.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/sim_report.h"
#include "common/cursor.h"
#include "common/keyid.h"
#include "sgx_uae_quote_ex.h"

typedef sgx_status_t (*init_fn)(const sgx_att_key_id_t *, sgx_target_info_t *,
                                size_t *, uint8_t *);
typedef sgx_status_t (*size_fn)(const sgx_att_key_id_t *, uint32_t *);
typedef sgx_status_t (*quote_fn)(const sgx_report_t *, const sgx_att_key_id_t *,
                                 sgx_qe_report_info_t *, uint8_t *, uint32_t);
typedef sgx_status_t (*num_fn)(uint32_t *);
typedef sgx_status_t (*ids_fn)(sgx_att_key_id_ext_t *, uint32_t);

static uint8_t cpu_key[SIM_REPORT_KEY_SIZE];

static int
check(const char *what, sgx_status_t s)
{
	if (s == SGX_SUCCESS)
		return 0;
	fprintf(stderr, "FAIL: %s: 0x%04x\n", what, (unsigned)s);
	return -1;
}

static void *
sym(void *h, const char *name)
{
	void *p = dlsym(h, name);

	if (p == NULL) {
		fprintf(stderr, "FAIL: dlsym %s\n", name);
		exit(1);
	}
	return p;
}

/* Asks for a quote of a report with data[0] = tag and checks the quote
 * header version and its report data. */
static int
quote_and_check(void *h, const sgx_att_key_id_t *key,
                const sgx_target_info_t *ti, uint8_t tag)
{
	size_fn size = (size_fn)sym(h, "sgx_get_quote_size_ex");
	quote_fn quote = (quote_fn)sym(h, "sgx_get_quote_ex");
	sgx_report_body_t body;
	sgx_report_t report;
	uint8_t data[64], *q;
	struct cursor c;
	uint16_t version;
	uint32_t n = 0;
	int rc = -1;

	memset(&body, 0, sizeof(body));
	body.report_data.d[0] = tag;
	if (sim_report_make(cpu_key, ti, &body, &report) != ERR_OK ||
	    check("get_quote_size_ex", size(key, &n)) != 0 || n < 436 ||
	    (q = calloc(1, n)) == NULL)
		return -1;
	if (check("get_quote_ex", quote(&report, key, NULL, q, n)) == 0) {
		cursor_init(&c, q, n);
		if (cursor_u16le(&c, &version) == ERR_OK && version == 3 &&
		    cursor_skip(&c, 48 - 2 + 320) == ERR_OK &&
		    cursor_copy(&c, data, sizeof(data)) == ERR_OK &&
		    memcmp(data, body.report_data.d, sizeof(data)) == 0)
			rc = 0;
		else
			fprintf(stderr, "FAIL: quote does not carry the "
			                "report data\n");
	}
	free(q);
	return rc;
}

/* Count, IDs, size query with 0, init with the size, size, quote. */
static int
open_enclave_sequence(void)
{
	void *h = dlopen("libsgx_quote_ex.so.1", RTLD_LAZY | RTLD_LOCAL);
	sgx_att_key_id_ext_t ids[SGX_QL_MAX_ATT_KEY_IDS];
	sgx_target_info_t ti;
	uint8_t pub[256];
	uint32_t n = 0;
	size_t sz = 0;
	int rc = -1;

	if (h == NULL)
		return -1;
	if (check("num", ((num_fn)sym(h, "sgx_get_supported_att_key_id_num"))(
	                         &n)) != 0 ||
	    n == 0 || n > SGX_QL_MAX_ATT_KEY_IDS ||
	    check("ids", ((ids_fn)sym(h, "sgx_get_supported_att_key_ids"))(
	                         ids, n)) != 0)
		goto out;
	/* Every symbol OE requires must resolve, select included. */
	(void)sym(h, "sgx_select_att_key_id");
	if (check("init size",
	          ((init_fn)sym(h, "sgx_init_quote_ex"))(
	                  (sgx_att_key_id_t *)&ids[0], &ti, &sz, NULL)) != 0 ||
	    sz != 32 ||
	    check("init",
	          ((init_fn)sym(h, "sgx_init_quote_ex"))(
	                  (sgx_att_key_id_t *)&ids[0], &ti, &sz, pub)) != 0)
		goto out;
	rc = quote_and_check(h, (sgx_att_key_id_t *)&ids[0], &ti, 0x0e);
out:
	dlclose(h);
	return rc;
}

/* Intel's default key, a size query with an uninitialised size, init
 * with 32, size, quote. */
static int
dcap_sequence(void)
{
	void *h = dlopen("libsgx_quote_ex.so.1", RTLD_LAZY);
	sgx_att_key_id_ext_t ext;
	sgx_att_key_id_t key;
	sgx_target_info_t ti;
	uint8_t pub[32];
	size_t sz = (size_t)0xdeadbeefcafef00dull;
	int rc = -1;

	if (h == NULL)
		return -1;
	keyid_default_ecdsa(&ext);
	memcpy(&key, &ext, sizeof(key));
	memset(&ti, 0, sizeof(ti));
	if (check("init size", ((init_fn)sym(h, "sgx_init_quote_ex"))(
	                               &key, &ti, &sz, NULL)) != 0 ||
	    sz != 32)
		goto out;
	if (check("init", ((init_fn)sym(h, "sgx_init_quote_ex"))(&key, &ti, &sz,
	                                                         pub)) == 0)
		rc = quote_and_check(h, &key, &ti, 0xdc);
out:
	dlclose(h);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc != 2 || sim_report_key_load(argv[1], cpu_key) != ERR_OK) {
		fprintf(stderr, "usage: quote_ex_sequences REPORT_KEY_FILE\n");
		return 2;
	}
	if (open_enclave_sequence() != 0) {
		fprintf(stderr, "FAIL: Open Enclave sequence\n");
		return 1;
	}
	if (dcap_sequence() != 0) {
		fprintf(stderr, "FAIL: DCAP sequence\n");
		return 1;
	}
	printf("ok: Open Enclave and DCAP sequences\n");
	return 0;
}
