#include "backends/sim_platform.h"

#include <string.h>

#include <openssl/sha.h>

#include "common/keyid.h"

/* Shaped like a real Processor-CA platform's TCB (section 2.2). */
const uint8_t sim_comp_svn[16] = {12, 12, 3, 3, 255, 255, 1, 0,
                                  0,  0,  0, 0, 0,   0,   0, 0};
const uint8_t sim_old_comp_svn[16] = {7, 9, 3, 3, 255, 255, 0, 0,
                                      0, 0, 0, 0, 0,   0,   0, 0};
/* "SQH" and zeros: no Intel family/model/stepping is this. */
const uint8_t sim_fmspc[6] = {0x53, 0x51, 0x48, 0x00, 0x00, 0x00};
const uint8_t sim_pceid[2] = {0x00, 0x00};

void
sim_qe_mrenclave(sgx_measurement_t *out)
{
	static const char label[] = "sgx-quote-helper simulated QE3";

	SHA256((const unsigned char *)label, sizeof(label) - 1, out->m);
}

void
sim_qe_identity_body(sgx_report_body_t *out)
{
	memset(out, 0, sizeof(*out));
	/* Real QE reports carry the raw CPUSVN; here it equals the TCBm. */
	memcpy(out->cpu_svn.svn, sim_comp_svn, sizeof(out->cpu_svn.svn));
	out->misc_select = 0;
	out->attributes.flags = SIM_QE_FLAGS;
	out->attributes.xfrm = SIM_QE_XFRM;
	sim_qe_mrenclave(&out->mr_enclave);
	/* The signer of Intel's key ID, which every client asks for. */
	memcpy(out->mr_signer.m, keyid_intel_qe3_mrsigner,
	       sizeof(out->mr_signer.m));
	out->isv_prod_id = SIM_QE_PRODID;
	out->isv_svn = SIM_QE_SVN;
}
