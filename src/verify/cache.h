/*
 * What the verifier has already checked, keyed by SHA-256 digests of the
 * checked bytes: certificate links, CRLs, signed collateral, QE report
 * signatures, parsed PCK chains and attestation keys. A warm verification
 * then costs the quote's own signature and little else.
 *
 * Entries never go stale on their own: what is cached is only the outcome
 * of a signature check or a parse, never a date check, which is made again
 * for every quote. When the cache is full it is emptied.
 */
#ifndef SQH_VERIFY_CACHE_H
#define SQH_VERIFY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define VCACHE_KEY_SIZE 32

struct vcache;

/* One piece of the data a key is computed over. */
struct vcache_part {
	const void *data;
	size_t len;
};

MUST_CHECK enum err vcache_new(size_t max_entries, struct vcache **out);
void vcache_free(struct vcache *vc);

/* SHA-256 over a tag and n parts, each prefixed with its length. */
void vcache_key(uint8_t out[static VCACHE_KEY_SIZE], const char *tag,
                const struct vcache_part *parts, size_t n);

/* True when the key is present; *value (if not NULL) gets its value. */
bool vcache_get(const struct vcache *vc, const uint8_t key[static 32],
                void **value);

/*
 * Adds a key (not yet present) with a value the cache frees with free_fn
 * (which may be NULL) when it is emptied. On failure the caller keeps the
 * value: ERR_RANGE when the cache is full, ERR_INVALID when the key is
 * already there.
 */
MUST_CHECK enum err vcache_put(struct vcache *vc, const uint8_t key[static 32],
                               void *value, void (*free_fn)(void *));

/*
 * Empties the cache when fewer than n entries are free. Called between
 * verifications only, so that no value handed out by vcache_get is freed
 * while in use.
 */
void vcache_make_room(struct vcache *vc, size_t n);

size_t vcache_count(const struct vcache *vc);

#endif
