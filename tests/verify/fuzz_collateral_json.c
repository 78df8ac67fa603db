/*
 * libFuzzer target: Intel's signed collateral documents. The input is a
 * PCS response body; the signed object is cut out of it and parsed as TCB
 * info and as QE identity, and the whole input is also parsed directly.
 */
#include <stddef.h>
#include <stdint.h>

#include "verify/signed_json.h"
#include "verify/tcbinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parse_both(const char *text, size_t len)
{
	char why[TCBINFO_ERROR_SIZE];
	struct tcb_info ti;
	struct qe_identity qe;
	uint8_t comp[16] = {0};

	if (tcbinfo_parse(text, len, &ti, why) == ERR_OK) {
		(void)tcbinfo_match(&ti, comp, 0);
		tcbinfo_free(&ti);
	}
	if (qeid_parse(text, len, &qe, why) == ERR_OK) {
		(void)qeid_match(&qe, 0);
		qeid_free(&qe);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	uint8_t sig[64];
	const char *obj;
	size_t len;

	parse_both(text, size);
	if (sjson_member(text, size, "tcbInfo", &obj, &len) == ERR_OK)
		parse_both(obj, len);
	if (sjson_member(text, size, "enclaveIdentity", &obj, &len) == ERR_OK)
		parse_both(obj, len);
	(void)sjson_signature(text, size, sig);
	return 0;
}
