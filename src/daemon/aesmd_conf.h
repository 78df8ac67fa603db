/*
 * Intel's aesmd configuration file, /etc/aesmd.conf (reference
 * "deployment" section 3, and "AESM protocol" section 3.2), for the one
 * key that matters to a quote service: "default quoting type", which
 * picks among several SelectAttKeyID candidates.
 *
 * Read as Intel's parser reads it, so that a file written for aesmd means
 * the same here: '#' starts a comment, keys are case-insensitive, and the
 * value must follow the '=' after exactly one blank; "type=ecdsa_256" and
 * "type =  ecdsa_256" are ignored by aesmd, so they are ignored here too
 * (with a warning saying why). The other keys (proxy, whitelist URL, QPL
 * log level) are accepted and ignored. The last valid line wins.
 */
#ifndef SQH_DAEMON_AESMD_CONF_H
#define SQH_DAEMON_AESMD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define AESMD_CONF_DEFAULT_PATH "/etc/aesmd.conf"
#define AESMD_CONF_MAX_FILE     (64 * 1024)

struct aesmd_conf {
	/* algorithm_id of the preferred key: 2 ECDSA P-256 (default),
	 * 1 EPID linkable, 0 EPID unlinkable. */
	uint32_t quoting_type;
};

void aesmd_conf_defaults(struct aesmd_conf *c);
/* Parses the text; lines that do not match are logged and skipped. */
void aesmd_conf_parse(const uint8_t *text, size_t len, struct aesmd_conf *c);
/*
 * Reads path into *c (defaults first). A missing file is fine unless
 * required: aesmd's own default path is optional, one given by the
 * operator is not.
 */
MUST_CHECK enum err aesmd_conf_load(const char *path, bool required,
                                    struct aesmd_conf *c);

/* The configuration the daemon's SelectAttKeyID follows. */
void aesmd_conf_apply(const struct aesmd_conf *c);
uint32_t aesmd_conf_quoting_type(void);

#endif
