/*
 * libFuzzer target for the operator-facing parsers: the first byte picks
 * aesmd.conf, a /proc/PID/cgroup file or a policy file; the rest is the
 * input.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "daemon/aesmd_conf.h"
#include "daemon/peer_cgroup.h"
#include "daemon/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgroup_identity id;
	struct aesmd_conf conf;
	struct policy *p;
	char why[128];

	if (size == 0)
		return 0;
	log_set_level(LOG_LEVEL_ERROR);
	switch (data[0] % 3) {
	case 0:
		aesmd_conf_defaults(&conf);
		aesmd_conf_parse(data + 1, size - 1, &conf);
		break;
	case 1:
		cgroup_identity_parse(data + 1, size - 1, &id);
		break;
	default:
		if (policy_parse((const char *)data + 1, size - 1, &p, why,
		                 sizeof(why)) == ERR_OK)
			policy_free(p);
		break;
	}
	return 0;
}
