/*
 * A bounded, read-only cursor over received bytes.
 *
 * Every byte that comes from outside the process (socket, quote file,
 * certificate data) is read through this type; no other code does pointer
 * arithmetic on received buffers. A read either succeeds completely and
 * advances, or fails with ERR_TRUNCATED and leaves the cursor unchanged.
 * All integers are little-endian, as in SGX structures and AESM framing.
 */
#ifndef SQH_COMMON_CURSOR_H
#define SQH_COMMON_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cursor {
	const uint8_t *base;
	size_t len;
	size_t pos;
};

void cursor_init(struct cursor *c, const void *data, size_t len);
size_t cursor_remaining(const struct cursor *c);
size_t cursor_offset(const struct cursor *c);

MUST_CHECK enum err cursor_u8(struct cursor *c, uint8_t *out);
MUST_CHECK enum err cursor_u16le(struct cursor *c, uint16_t *out);
MUST_CHECK enum err cursor_u32le(struct cursor *c, uint32_t *out);
MUST_CHECK enum err cursor_u64le(struct cursor *c, uint64_t *out);

/* Copies exactly n bytes into dst. */
MUST_CHECK enum err cursor_copy(struct cursor *c, void *dst, size_t n);

/* Points *out at the next n bytes without copying; valid as long as the
 * underlying buffer is. */
MUST_CHECK enum err cursor_bytes(struct cursor *c, size_t n,
                                 const uint8_t **out);

MUST_CHECK enum err cursor_skip(struct cursor *c, size_t n);

/* Splits off the next n bytes as an independent cursor and advances. */
MUST_CHECK enum err cursor_sub(struct cursor *c, size_t n, struct cursor *sub);

/* Points at everything that is left and moves to the end. */
void cursor_rest(struct cursor *c, const uint8_t **out, size_t *len);

#endif
