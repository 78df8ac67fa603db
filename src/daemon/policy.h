/*
 * Enclave policy: which enclaves may receive quotes.
 *
 * The policy file is JSON:
 *
 *   {
 *     "allow_debug": false,
 *     "allow": [
 *       { "mrsigner": "<64 hex digits>", "isvprodid": 1 },
 *       { "mrenclave": "<64 hex digits>" }
 *     ]
 *   }
 *
 * An enclave may get a quote when at least one rule matches it; a rule
 * matches when every field it names equals the report's (a rule names at
 * least one of mrenclave, mrsigner, isvprodid). Debug enclaves (the DEBUG
 * attribute set) are refused unless allow_debug is true. Unknown keys are
 * errors, so that a misspelt field never widens the policy.
 *
 * A refused GetQuoteEx is answered with AESM_PARAMETER_ERROR (3), which
 * every client turns into SGX_ERROR_INVALID_PARAMETER: the request cannot
 * succeed as sent, so no client retries it, unlike "service unavailable".
 * The daemon logs a policy_refused line naming the enclave's MRENCLAVE,
 * MRSIGNER and ISVPRODID.
 */
#ifndef SQH_DAEMON_POLICY_H
#define SQH_DAEMON_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/aesm_error.h"
#include "common/err.h"
#include "sgxqh/sgx_types.h"

#define POLICY_REFUSED_CODE AESM_PARAMETER_ERROR
#define POLICY_MAX_FILE     (1024 * 1024)
#define POLICY_MAX_RULES    4096

struct policy;

/* Parses policy JSON; on failure *why says what is wrong. */
MUST_CHECK enum err policy_parse(const char *text, size_t len,
                                 struct policy **out, char *why,
                                 size_t why_size);
bool policy_allows(const struct policy *p, const sgx_report_body_t *body);
size_t policy_rule_count(const struct policy *p);
void policy_free(struct policy *p);

/*
 * The daemon's policy. Without policy_install every enclave is served.
 * policy_reload reads the same file again and swaps the new policy in
 * atomically; a file that does not load leaves the old policy in force
 * and logs why. Requests in flight keep the policy they started with.
 */
MUST_CHECK enum err policy_install(const char *path);
MUST_CHECK enum err policy_reload(void);
void policy_uninstall(void);

/* AESM_SUCCESS, or POLICY_REFUSED_CODE after logging the refusal. */
enum aesm_error policy_check(const sgx_report_body_t *body);

#endif
