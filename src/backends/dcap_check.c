/*
 * Start-up diagnosis of an SGX platform for the dcap backend: the common
 * ways in-process quoting fails (reference "deployment" sections 3-5,
 * "AESM protocol" section 6.3), each reported in one log line that names
 * the cause and the fix. `sgx-quote-helper --check` runs them all.
 */
#include "backends/dcap.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/dcap_lib.h"
#include "common/log.h"

/* QE3 and PCE need about this much EPC (section 5, "what a quote helper
 * needs"). */
#define DCAP_EPC_NEEDED (1024 * 1024)

struct check_state {
	struct dcap_config cfg;
	unsigned problems;
	bool devices;
	struct dcap_lib lib;
};

static void
check_ok(const char *check, const char *detail)
{
	log_info("event=check check=%s result=ok%s%s", check, detail ? " " : "",
	         detail ? detail : "");
}

static void
check_env(void)
{
	if (getenv("SGX_AESM_ADDR") == NULL) {
		check_ok("environment", NULL);
		return;
	}
	log_info("event=check check=environment result=ok note=\"SGX_AESM_ADDR "
	         "is set and will be removed before the library loads\"");
}

static void
check_devices(struct check_state *s)
{
	static const char *const names[] = {DCAP_DEV_ENCLAVE,
	                                    DCAP_DEV_PROVISION};
	char path[PATH_MAX];

	s->devices = true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (dcap_dev_path(&s->cfg, names[i], path) &&
		    access(path, F_OK) == 0)
			continue;
		s->devices = false;
		s->problems++;
		log_error(
		        "event=check check=sgx_device result=fail path=%s "
		        "cause=\"no SGX device: SGX is off in the BIOS or the "
		        "kernel has no SGX driver\" fix=\"enable SGX in the "
		        "BIOS (not 'software controlled'), boot a kernel of "
		        "5.11 or later, and pass the device to the "
		        "container\"",
		        path);
	}
	if (s->devices)
		check_ok("sgx_device", NULL);
}

static void
check_permission(struct check_state *s, const char *name, const char *group)
{
	char path[PATH_MAX];

	if (!s->devices || !dcap_dev_path(&s->cfg, name, path))
		return;
	if (access(path, R_OK | W_OK) == 0) {
		log_info("event=check check=permission result=ok path=%s",
		         path);
		return;
	}
	s->problems++;
	log_error("event=check check=permission result=fail path=%s "
	          "err=\"%s\" cause=\"this user (uid %u) may not open the "
	          "device\" fix=\"add the daemon's user to the %s group (or "
	          "run it as root) and restart it\"",
	          path, strerror(errno), (unsigned)geteuid(), group);
}

static void
check_library(struct check_state *s)
{
	const char *path = s->cfg.library ? s->cfg.library : DCAP_QL_LIBRARY;
	char why[512];

	dcap_env_clear();
	if (dcap_lib_load(path, &s->lib, why, sizeof(why)) == ERR_OK) {
		log_info("event=check check=dcap_library result=ok path=%s "
		         "dir=%s",
		         path, s->lib.dir);
		return;
	}
	s->problems++;
	log_error("event=check check=dcap_library result=fail reason=\"%s\" "
	          "cause=\"Intel's DCAP quote library is not installed\" "
	          "fix=\"install libsgx-dcap-ql from Intel's SGX package "
	          "repository\"",
	          why);
}

/* The files Intel's packages install next to libsgx_dcap_ql. */
static void
check_enclave_files(struct check_state *s)
{
	static const char *const files[][2] = {
	        {"libsgx_qe3.signed.so.1", "libsgx-ae-qe3"},
	        {"libsgx_pce.signed.so.1", "libsgx-ae-pce"},
	        {"libsgx_id_enclave.signed.so.1", "libsgx-ae-id-enclave"},
	};
	char path[PATH_MAX];
	bool all = true;
	int n;

	if (s->lib.handle == NULL)
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		n = snprintf(path, sizeof(path), "%s/%s", s->lib.dir,
		             files[i][0]);
		if (n > 0 && (size_t)n < sizeof(path) &&
		    access(path, R_OK) == 0)
			continue;
		all = false;
		s->problems++;
		log_error("event=check check=quoting_enclave_files result=fail "
		          "path=%s cause=\"quoting enclave package missing\" "
		          "fix=\"install %s\"",
		          path, files[i][1]);
	}
	if (all)
		check_ok("quoting_enclave_files", NULL);
}

static void
check_qe3_logic(const struct check_state *s)
{
	void *h;

	if (s->lib.handle == NULL)
		return;
	h = dcap_qe3_logic_open(&s->lib);
	if (h != NULL && dlsym(h, "sgx_ql_get_quote") != NULL) {
		check_ok("qe3_logic", NULL);
		dlclose(h);
		return;
	}
	if (h != NULL)
		dlclose(h);
	log_warn("event=check check=qe3_logic result=warn library=%s "
	         "cause=\"QE3 logic library missing: requests with "
	         "qe_report_info fail and pub_key_id is learned from the "
	         "first quote\" fix=\"install libsgx-qe3-logic\"",
	         DCAP_QE3_LOGIC_LIBRARY);
}

static void
check_qcnl_config(void)
{
	const char *path = getenv("QCNL_CONF_PATH");

	if (path == NULL)
		path = "/etc/sgx_default_qcnl.conf";
	if (access(path, R_OK) == 0) {
		log_info("event=check check=qcnl_config result=ok path=%s",
		         path);
		return;
	}
	log_warn("event=check check=qcnl_config result=warn path=%s "
	         "cause=\"no PCCS configuration for Intel's quote provider; "
	         "it cannot fetch the PCK certificate\" fix=\"write pccs_url "
	         "into %s (Azure's az-dcap-client needs none)\"",
	         path, path);
}

/* Without a quote provider QE3 silently makes quotes with certification
 * data type 3 (encrypted PPID) instead of the PCK chain (section 5). */
static void
check_quote_provider(struct check_state *s)
{
	void *h = dlopen(DCAP_QPL_LIBRARY, RTLD_LAZY | RTLD_LOCAL);

	if (h == NULL)
		h = dlopen(DCAP_QPL_LIBRARY_OLD, RTLD_LAZY | RTLD_LOCAL);
	if (h == NULL) {
		s->problems++;
		log_error("event=check check=quote_provider result=fail "
		          "library=%s cause=\"no quote provider library: "
		          "quotes would carry certification data type 3 "
		          "(encrypted PPID) instead of the PCK certificate "
		          "chain\" fix=\"install libsgx-dcap-default-qpl and "
		          "configure /etc/sgx_default_qcnl.conf, or "
		          "az-dcap-client on Azure\"",
		          DCAP_QPL_LIBRARY);
		return;
	}
	dlclose(h);
	check_ok("quote_provider", "library=" DCAP_QPL_LIBRARY);
	check_qcnl_config();
}

/* The sgx_epc limit of our own cgroup (v2 misc controller), or -1. */
static long long
check_cgroup_epc_limit(void)
{
	char line[512], path[PATH_MAX], key[32];
	long long limit = -1, v;
	FILE *f = fopen("/proc/self/cgroup", "r");
	int n = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			n = snprintf(path, sizeof(path),
			             "/sys/fs/cgroup%s/misc.max", line + 3);
		}
	fclose(f);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%31s %lld", key, &v) == 2 &&
		    strcmp(key, "sgx_epc") == 0)
			limit = v;
	fclose(f);
	return limit;
}

static void
check_epc(struct check_state *s)
{
	long long limit = check_cgroup_epc_limit();

	if (limit < 0 || limit >= DCAP_EPC_NEEDED) {
		check_ok("epc", NULL);
		return;
	}
	s->problems++;
	log_error("event=check check=epc result=fail sgx_epc_limit=%lld "
	          "cause=\"out of EPC: this cgroup may use less enclave page "
	          "cache than QE3 and PCE need\" fix=\"raise the sgx_epc "
	          "limit (misc.max) to at least %d bytes\"",
	          limit, DCAP_EPC_NEEDED);
}

/* Loads QE3 for real: what no file check can show (privilege, EPC in
 * use by others, a broken PCCS). */
static void
check_quoting_enclave(struct check_state *s)
{
	sgx_target_info_t ti;
	const char *hint;
	quote3_error_t rc;

	if (s->lib.handle == NULL || !s->devices)
		return;
	rc = s->lib.set_policy(SGX_QL_PERSISTENT);
	if (rc == SGX_QL_SUCCESS)
		rc = s->lib.get_target_info(&ti);
	if (rc == SGX_QL_SUCCESS) {
		check_ok("quoting_enclave", NULL);
		return;
	}
	s->problems++;
	hint = dcap_error_hint((uint32_t)rc);
	log_error("event=check check=quoting_enclave result=fail "
	          "code=0x%04x name=%s %s",
	          (unsigned)rc, dcap_error_name((uint32_t)rc),
	          hint ? hint
	               : "cause=\"QE3 did not load\" fix=\"see the "
	                 "result code in Intel's DCAP documentation\"");
}

unsigned
dcap_check_run(const struct dcap_config *cfg)
{
	struct check_state s = {.cfg = *cfg};

	check_env();
	check_devices(&s);
	check_permission(&s, DCAP_DEV_ENCLAVE, "sgx");
	check_permission(&s, DCAP_DEV_PROVISION, "sgx_prv");
	check_library(&s);
	check_enclave_files(&s);
	check_qe3_logic(&s);
	check_quote_provider(&s);
	check_epc(&s);
	check_quoting_enclave(&s);
	log_info("event=check_done problems=%u", s.problems);
	/* XXX: Intel's library stays loaded, as in the backend. */
	return s.problems;
}
