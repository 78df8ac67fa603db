#include "status.h"

#include <string.h>

static const char *const tcb_status_names[TCB_STATUS_COUNT] = {
        [TCB_STATUS_UP_TO_DATE] = "UpToDate",
        [TCB_STATUS_SW_HARDENING_NEEDED] = "SWHardeningNeeded",
        [TCB_STATUS_CONFIGURATION_NEEDED] = "ConfigurationNeeded",
        [TCB_STATUS_CONFIGURATION_AND_SW_HARDENING_NEEDED] =
                "ConfigurationAndSWHardeningNeeded",
        [TCB_STATUS_OUT_OF_DATE] = "OutOfDate",
        [TCB_STATUS_OUT_OF_DATE_CONFIGURATION_NEEDED] =
                "OutOfDateConfigurationNeeded",
        [TCB_STATUS_REVOKED] = "Revoked",
};

const char *
tcb_status_name(enum tcb_status s)
{
	if ((unsigned)s >= TCB_STATUS_COUNT)
		return "Unknown";
	return tcb_status_names[s];
}

enum err
tcb_status_parse(const char *name, size_t len, enum tcb_status *out)
{
	for (int i = 0; i < TCB_STATUS_COUNT; i++) {
		if (strlen(tcb_status_names[i]) == len &&
		    memcmp(tcb_status_names[i], name, len) == 0) {
			*out = (enum tcb_status)i;
			return ERR_OK;
		}
	}
	return ERR_INVALID;
}

bool
tcb_status_valid_for_qe(enum tcb_status s)
{
	return s == TCB_STATUS_UP_TO_DATE || s == TCB_STATUS_OUT_OF_DATE ||
	       s == TCB_STATUS_REVOKED;
}

enum tcb_status
tcb_status_converge(enum tcb_status platform, enum tcb_status qe)
{
	if (qe == TCB_STATUS_REVOKED)
		return TCB_STATUS_REVOKED;
	if (qe != TCB_STATUS_OUT_OF_DATE)
		return platform;

	switch (platform) {
	case TCB_STATUS_UP_TO_DATE:
	case TCB_STATUS_SW_HARDENING_NEEDED:
		return TCB_STATUS_OUT_OF_DATE;
	case TCB_STATUS_CONFIGURATION_NEEDED:
	case TCB_STATUS_CONFIGURATION_AND_SW_HARDENING_NEEDED:
		return TCB_STATUS_OUT_OF_DATE_CONFIGURATION_NEEDED;
	default:
		return platform;
	}
}
