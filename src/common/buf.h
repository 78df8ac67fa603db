/*
 * A growable output buffer for building messages and quotes. Appends never
 * fail silently: the first failure is remembered in ->err and later appends
 * are no-ops, so a builder checks once at the end.
 */
#ifndef SQH_COMMON_BUF_H
#define SQH_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max; /* hard cap on len; 0 means SIZE_MAX */
	enum err err;
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Frees the buffer and wipes its contents first (keys, secrets). */
void buf_free_secret(struct buf *b);

void buf_put(struct buf *b, const void *data, size_t len);
void buf_put_zero(struct buf *b, size_t len);
void buf_put_u8(struct buf *b, uint8_t v);
void buf_put_u16le(struct buf *b, uint16_t v);
void buf_put_u32le(struct buf *b, uint32_t v);
void buf_put_u64le(struct buf *b, uint64_t v);

/* Overwrites bytes already appended, at offset off. */
void buf_patch(struct buf *b, size_t off, const void *data, size_t len);
void buf_patch_u32le(struct buf *b, size_t off, uint32_t v);

/* Hands the bytes to the caller, who frees them; the buffer is reset. */
MUST_CHECK enum err buf_take(struct buf *b, uint8_t **data, size_t *len);

#endif
