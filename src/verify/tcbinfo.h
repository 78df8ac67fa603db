/*
 * Intel's signed TCB information and QE identity, parsed from the text of
 * the signed object ("tcbInfo" v2/v3, "enclaveIdentity" v2): reference
 * "quote format" sections 3.2 and 3.3. Only what an SGX verification uses
 * is kept; TDX fields are accepted and ignored.
 */
#ifndef SQH_VERIFY_TCBINFO_H
#define SQH_VERIFY_TCBINFO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "common/err.h"
#include "status.h"

#define TCBINFO_MAX_LEVELS 256
#define TCBINFO_COMPONENTS 16
#define TCBINFO_MAX_ID     16
#define TCBINFO_ERROR_SIZE 160

struct tcb_level {
	uint8_t comp_svn[TCBINFO_COMPONENTS];
	uint16_t pcesvn;
	enum tcb_status status;
	const json_t *advisory_ids; /* array of strings or NULL; borrowed */
};

struct tcb_info {
	json_t *json;            /* owns every borrowed pointer below */
	char id[TCBINFO_MAX_ID]; /* "SGX", "TDX"; "" in version 2 */
	int version;
	time_t issue_date;
	time_t next_update;
	uint8_t fmspc[6];
	uint8_t pceid[2];
	size_t level_count;
	struct tcb_level *levels; /* sorted, highest TCB first */
};

struct qe_level {
	uint16_t isvsvn;
	enum tcb_status status;
	const json_t *advisory_ids;
};

struct qe_identity {
	json_t *json;
	char id[TCBINFO_MAX_ID]; /* "QE", "TD_QE", "QVE" */
	int version;
	time_t issue_date;
	time_t next_update;
	uint32_t miscselect;
	uint32_t miscselect_mask;
	uint8_t attributes[16];
	uint8_t attributes_mask[16];
	uint8_t mrsigner[32];
	uint16_t isvprodid;
	size_t level_count;
	struct qe_level *levels; /* in the order of the file */
};

/*
 * Parses the text of a tcbInfo object. On failure why names the field
 * that is wrong.
 */
MUST_CHECK enum err tcbinfo_parse(const char *text, size_t len,
                                  struct tcb_info *out,
                                  char why[static TCBINFO_ERROR_SIZE]);
void tcbinfo_free(struct tcb_info *ti);

/* The first level (highest first) the platform's TCB is at or above. */
const struct tcb_level *tcbinfo_match(const struct tcb_info *ti,
                                      const uint8_t comp_svn[static 16],
                                      uint16_t pcesvn);

MUST_CHECK enum err qeid_parse(const char *text, size_t len,
                               struct qe_identity *out,
                               char why[static TCBINFO_ERROR_SIZE]);
void qeid_free(struct qe_identity *qe);

/* The first level, in file order, whose isvsvn the QE's reaches. */
const struct qe_level *qeid_match(const struct qe_identity *qe,
                                  uint16_t isvsvn);

#endif
