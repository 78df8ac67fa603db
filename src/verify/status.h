/*
 * TCB statuses with Intel's names, and how the platform's status is merged
 * with the QE's: reference "quote format" sections 3.2, 3.3 and 3.5 (6),
 * following Intel's QVL rather than the severity maximum other verifiers
 * take.
 */
#ifndef SQH_VERIFY_STATUS_H
#define SQH_VERIFY_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

enum tcb_status {
	TCB_STATUS_UP_TO_DATE = 0,
	TCB_STATUS_SW_HARDENING_NEEDED,
	TCB_STATUS_CONFIGURATION_NEEDED,
	TCB_STATUS_CONFIGURATION_AND_SW_HARDENING_NEEDED,
	TCB_STATUS_OUT_OF_DATE,
	TCB_STATUS_OUT_OF_DATE_CONFIGURATION_NEEDED,
	TCB_STATUS_REVOKED,
	TCB_STATUS_COUNT,
};

/* Intel's name: "UpToDate", "SWHardeningNeeded", ... */
const char *tcb_status_name(enum tcb_status s);

/* Exact, case-sensitive match of Intel's name; ERR_INVALID otherwise. */
MUST_CHECK enum err tcb_status_parse(const char *name, size_t len,
                                     enum tcb_status *out);

/* The statuses a QE identity level may carry. */
bool tcb_status_valid_for_qe(enum tcb_status s);

/*
 * The status of the quote from the platform's and the QE's: a QE that is
 * out of date makes the platform out of date (keeping "configuration
 * needed"), a revoked QE revokes; otherwise the platform's status stands.
 */
enum tcb_status tcb_status_converge(enum tcb_status platform,
                                    enum tcb_status qe);

#endif
