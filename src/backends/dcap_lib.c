/*
 * Loading Intel's DCAP quote library and explaining what it returns:
 * quote3_error_t names, their AESM codes (reference "AESM protocol"
 * section 4.4, server-side table) and, for the codes that come from the
 * platform rather than the request, the usual cause and its fix
 * (reference "deployment" sections 3-5).
 */
#include "backends/dcap_lib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"

struct dcap_code {
	uint32_t value;
	const char *name;
	enum aesm_error aesm;
	const char *hint;
};

#define HINT_QE_PACKAGES                                                 \
	"cause=\"the quoting enclaves could not be loaded\" "            \
	"fix=\"install libsgx-ae-qe3, libsgx-ae-pce and "                \
	"libsgx-ae-id-enclave next to libsgx-dcap-ql; /dev must not be " \
	"mounted noexec\""
#define HINT_PCCS                                                          \
	"cause=\"no certification data from the quote provider (PCCS "     \
	"unreachable or not configured)\" fix=\"check pccs_url in "        \
	"/etc/sgx_default_qcnl.conf (or the AZDCAP_* settings on Azure), " \
	"the proxy and the egress to it\""

/* Every value of section 6.4; the ones the server-side table does not
 * list map to AESM_UNEXPECTED_ERROR, as in Intel's service. */
static const struct dcap_code dcap_codes[] = {
        {0x0000, "SGX_QL_SUCCESS", AESM_SUCCESS, NULL},
        {0xE001, "SGX_QL_ERROR_UNEXPECTED", AESM_UNEXPECTED_ERROR, NULL},
        {0xE002, "SGX_QL_ERROR_INVALID_PARAMETER", AESM_PARAMETER_ERROR, NULL},
        {0xE003, "SGX_QL_ERROR_OUT_OF_MEMORY", AESM_OUT_OF_MEMORY_ERROR, NULL},
        {0xE004, "SGX_QL_ERROR_ECDSA_ID_MISMATCH", AESM_ECDSA_ID_MISMATCH,
         NULL},
        {0xE005, "SGX_QL_PATHNAME_BUFFER_OVERFLOW_ERROR",
         AESM_PATHNAME_BUFFER_OVERFLOW_ERROR, NULL},
        {0xE006, "SGX_QL_FILE_ACCESS_ERROR", AESM_FILE_ACCESS_ERROR, NULL},
        {0xE007, "SGX_QL_ERROR_STORED_KEY", AESM_ERROR_STORED_KEY, NULL},
        {0xE008, "SGX_QL_ERROR_PUB_KEY_ID_MISMATCH", AESM_PUB_KEY_ID_MISMATCH,
         NULL},
        {0xE009, "SGX_QL_ERROR_INVALID_PCE_SIG_SCHEME",
         AESM_INVALID_PCE_SIG_SCHEME, NULL},
        {0xE00A, "SGX_QL_ATT_KEY_BLOB_ERROR", AESM_ATT_KEY_BLOB_ERROR, NULL},
        {0xE00B, "SGX_QL_UNSUPPORTED_ATT_KEY_ID", AESM_UNSUPPORTED_ATT_KEY_ID,
         "cause=\"QE3 is not loaded, so no ECDSA key is offered\" "
         "fix=\"see the enclave load and sgx_prv checks of --check\""},
        {0xE00C, "SGX_QL_UNSUPPORTED_LOADING_POLICY",
         AESM_UNSUPPORTED_LOADING_POLICY, NULL},
        {0xE00D, "SGX_QL_INTERFACE_UNAVAILABLE", AESM_INTERFACE_UNAVAILABLE,
         NULL},
        {0xE00E, "SGX_QL_PLATFORM_LIB_UNAVAILABLE",
         AESM_PLATFORM_LIB_UNAVAILABLE,
         "cause=\"no quote provider library (libdcap_quoteprov.so.1)\" "
         "fix=\"install libsgx-dcap-default-qpl, or az-dcap-client on "
         "Azure\""},
        {0xE00F, "SGX_QL_ATT_KEY_NOT_INITIALIZED", AESM_ATT_KEY_NOT_INITIALIZED,
         "cause=\"the attestation key is missing or was certified at "
         "another TCB\" fix=\"clients call init_quote again; persistent "
         "after a TCB update once the PCCS serves the new PCK "
         "certificate\""},
        {0xE010, "SGX_QL_ATT_KEY_CERT_DATA_INVALID",
         AESM_ATT_KEY_CERT_DATA_INVALID, HINT_PCCS},
        {0xE011, "SGX_QL_NO_PLATFORM_CERT_DATA", AESM_NO_PLATFORM_CERT_DATA,
         HINT_PCCS},
        {0xE012, "SGX_QL_OUT_OF_EPC", AESM_OUT_OF_EPC,
         "cause=\"out of EPC: other enclaves hold the enclave page "
         "cache\" fix=\"stop enclaves or raise the EPC size (firmware "
         "PRMRR, VM size, sgx_epc cgroup limit); QE3 and PCE need about "
         "1 MiB\""},
        {0xE013, "SGX_QL_ERROR_REPORT", AESM_ERROR_REPORT, NULL},
        {0xE014, "SGX_QL_ENCLAVE_LOST", AESM_ENCLAVE_LOST,
         "cause=\"the quoting enclave was lost (power event or EPC "
         "reclaim)\" fix=\"none needed: the next call reloads it\""},
        {0xE015, "SGX_QL_INVALID_REPORT", AESM_INVALID_REPORT, NULL},
        {0xE016, "SGX_QL_ENCLAVE_LOAD_ERROR", AESM_ENCLAVE_LOAD_ERROR,
         HINT_QE_PACKAGES},
        {0xE017, "SGX_QL_UNABLE_TO_GENERATE_QE_REPORT",
         AESM_UNABLE_TO_GENERATE_QE_REPORT, NULL},
        {0xE018, "SGX_QL_KEY_CERTIFCATION_ERROR", AESM_KEY_CERTIFICATION_ERROR,
         NULL},
        {0xE019, "SGX_QL_NETWORK_ERROR", AESM_NETWORK_ERROR, HINT_PCCS},
        {0xE01A, "SGX_QL_MESSAGE_ERROR", AESM_MSG_ERROR, NULL},
        {0xE035, "SGX_QL_ERROR_INVALID_PRIVILEGE", AESM_UNEXPECTED_ERROR,
         "cause=\"no permission to load the provisioning enclave "
         "(/dev/sgx_provision)\" fix=\"add the daemon's user to the "
         "sgx_prv group, or run it as root\""},
        {0xE03E, "SGX_QL_UNSUPPORTED_MODE", AESM_UNEXPECTED_ERROR, NULL},
        {0xE03F, "SGX_QL_NO_DEVICE", AESM_UNEXPECTED_ERROR,
         "cause=\"no SGX device\" fix=\"enable SGX in the BIOS and use a "
         "kernel with the SGX driver (5.11 or later)\""},
        {0xE040, "SGX_QL_SERVICE_UNAVAILABLE", AESM_UNEXPECTED_ERROR,
         "cause=\"the library runs out-of-process, SGX_AESM_ADDR was set "
         "when it loaded\" fix=\"do not set SGX_AESM_ADDR for the "
         "daemon\""},
        {0xE041, "SGX_QL_NETWORK_FAILURE", AESM_UNEXPECTED_ERROR, HINT_PCCS},
        {0xE042, "SGX_QL_SERVICE_TIMEOUT", AESM_UNEXPECTED_ERROR, NULL},
        {0xE043, "SGX_QL_ERROR_BUSY", AESM_UNEXPECTED_ERROR, NULL},
};

static const struct dcap_code *
dcap_code_find(uint32_t value)
{
	for (size_t i = 0; i < sizeof(dcap_codes) / sizeof(dcap_codes[0]); i++)
		if (dcap_codes[i].value == value)
			return &dcap_codes[i];
	return NULL;
}

enum aesm_error
dcap_error_to_aesm(uint32_t quote3_error)
{
	const struct dcap_code *c = dcap_code_find(quote3_error);

	return c != NULL ? c->aesm : AESM_UNEXPECTED_ERROR;
}

const char *
dcap_error_name(uint32_t quote3_error)
{
	const struct dcap_code *c = dcap_code_find(quote3_error);

	return c != NULL ? c->name : "unknown";
}

const char *
dcap_error_hint(uint32_t quote3_error)
{
	const struct dcap_code *c = dcap_code_find(quote3_error);

	return c != NULL ? c->hint : NULL;
}

void
dcap_log_failure(const char *call, uint32_t quote3_error)
{
	const char *hint = dcap_error_hint(quote3_error);

	log_error("event=dcap_call_failed call=%s result=0x%04x name=%s "
	          "aesm=%d%s%s",
	          call, quote3_error, dcap_error_name(quote3_error),
	          (int)dcap_error_to_aesm(quote3_error), hint ? " " : "",
	          hint ? hint : "");
}

bool
dcap_dev_path(const struct dcap_config *cfg, const char *name,
              char out[static PATH_MAX])
{
	const char *dir = cfg->dev_dir ? cfg->dev_dir : DCAP_DEV_DIR_DEFAULT;
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	return n > 0 && n < PATH_MAX;
}

bool
dcap_devices_present(const struct dcap_config *cfg, char *why, size_t why_len)
{
	static const char *const names[] = {DCAP_DEV_ENCLAVE,
	                                    DCAP_DEV_PROVISION};
	char path[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!dcap_dev_path(cfg, names[i], path)) {
			snprintf(why, why_len, "device path too long");
			return false;
		}
		if (stat(path, &st) != 0) {
			snprintf(why, why_len, "no SGX device %s (%s)", path,
			         strerror(errno));
			return false;
		}
	}
	return true;
}

void
dcap_env_clear(void)
{
	if (getenv("SGX_AESM_ADDR") == NULL)
		return;
	if (unsetenv("SGX_AESM_ADDR") != 0) {
		log_error_errno("event=dcap_env_clear var=SGX_AESM_ADDR");
		return;
	}
	log_info("event=dcap_env_clear var=SGX_AESM_ADDR reason=\"Intel's "
	         "library would send quotes back to this daemon\"");
}

/* The directory the loader found the library in, for the enclave files
 * Intel installs next to it. */
static void
dcap_lib_find_dir(struct dcap_lib *lib)
{
	char origin[PATH_MAX] = "";

	if (dlinfo(lib->handle, RTLD_DI_ORIGIN, origin) != 0)
		origin[0] = '\0';
	snprintf(lib->dir, sizeof(lib->dir), "%s", origin);
}

static void *
dcap_sym(struct dcap_lib *lib, const char *name, char *why, size_t why_len)
{
	void *p = dlsym(lib->handle, name);

	if (p == NULL)
		snprintf(why, why_len,
		         "%s lacks %s: not Intel's DCAP quote "
		         "library",
		         DCAP_QL_LIBRARY, name);
	return p;
}

/* dlsym returns data pointers; POSIX guarantees the conversion. */
#define DCAP_BIND(lib, field, type, name, why, n) \
	((lib)->field = (type)(uintptr_t)dcap_sym(lib, name, why, n)) != NULL

enum err
dcap_lib_load(const char *path, struct dcap_lib *lib, char *why, size_t why_len)
{
	const char *err;

	memset(lib, 0, sizeof(*lib));
	/* Global, so that libsgx_qe3_logic.so loaded later finds the PCE
	 * functions this library brings in. */
	lib->handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (lib->handle == NULL) {
		err = dlerror();
		snprintf(why, why_len, "cannot load %s: %s", path,
		         err ? err : "unknown error");
		return ERR_NOTFOUND;
	}
	dcap_lib_find_dir(lib);
	if (DCAP_BIND(lib, set_policy, dcap_set_policy_fn,
	              "sgx_qe_set_enclave_load_policy", why, why_len) &&
	    DCAP_BIND(lib, get_target_info, dcap_get_target_info_fn,
	              "sgx_qe_get_target_info", why, why_len) &&
	    DCAP_BIND(lib, get_quote_size, dcap_get_quote_size_fn,
	              "sgx_qe_get_quote_size", why, why_len) &&
	    DCAP_BIND(lib, get_quote, dcap_get_quote_fn, "sgx_qe_get_quote",
	              why, why_len))
		return ERR_OK;
	dcap_lib_unload(lib);
	return ERR_NOTFOUND;
}

void
dcap_lib_unload(struct dcap_lib *lib)
{
	if (lib->handle != NULL)
		dlclose(lib->handle);
	memset(lib, 0, sizeof(*lib));
}

void *
dcap_qe3_logic_open(const struct dcap_lib *lib)
{
	char path[PATH_MAX];
	void *h = NULL;
	int n;

	/* Intel's packages put it next to libsgx_dcap_ql, which links it;
	 * an already loaded copy is found by its soname. */
	n = snprintf(path, sizeof(path), "%s/%s", lib->dir,
	             DCAP_QE3_LOGIC_LIBRARY);
	if (lib->dir[0] != '\0' && n > 0 && (size_t)n < sizeof(path))
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		h = dlopen(DCAP_QE3_LOGIC_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	return h;
}
