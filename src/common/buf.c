#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "size.h"

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max == 0 ? SIZE_MAX : max;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_free_secret(struct buf *b)
{
	if (b->data != NULL)
		OPENSSL_cleanse(b->data, b->cap);
	buf_free(b);
}

/* Makes room for n more bytes; returns a pointer to them or NULL. */
static uint8_t *
buf_reserve(struct buf *b, size_t n)
{
	size_t need, cap;
	uint8_t *p;

	if (b->err != ERR_OK)
		return NULL;
	if (!size_add(b->len, n, &need) || need > b->max) {
		b->err = ERR_RANGE;
		return NULL;
	}
	if (need > b->cap) {
		cap = b->cap < 64 ? 64 : b->cap;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		if ((p = realloc(b->data, cap)) == NULL) {
			b->err = ERR_NOMEM;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	b->len = need;
	return p;
}

void
buf_put(struct buf *b, const void *data, size_t len)
{
	uint8_t *p = buf_reserve(b, len);

	if (p != NULL && len > 0)
		memcpy(p, data, len);
}

void
buf_put_zero(struct buf *b, size_t len)
{
	uint8_t *p = buf_reserve(b, len);

	if (p != NULL && len > 0)
		memset(p, 0, len);
}

void
buf_put_u8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

void
buf_put_u16le(struct buf *b, uint16_t v)
{
	uint8_t le[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	buf_put(b, le, sizeof(le));
}

void
buf_put_u32le(struct buf *b, uint32_t v)
{
	uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	                 (uint8_t)(v >> 24)};

	buf_put(b, le, sizeof(le));
}

void
buf_put_u64le(struct buf *b, uint64_t v)
{
	buf_put_u32le(b, (uint32_t)v);
	buf_put_u32le(b, (uint32_t)(v >> 32));
}

void
buf_patch(struct buf *b, size_t off, const void *data, size_t len)
{
	size_t end;

	if (b->err != ERR_OK)
		return;
	if (!size_add(off, len, &end) || end > b->len) {
		b->err = ERR_RANGE;
		return;
	}
	memcpy(b->data + off, data, len);
}

void
buf_patch_u32le(struct buf *b, size_t off, uint32_t v)
{
	uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	                 (uint8_t)(v >> 24)};

	buf_patch(b, off, le, sizeof(le));
}

enum err
buf_take(struct buf *b, uint8_t **data, size_t *len)
{
	enum err e = b->err;

	if (e != ERR_OK) {
		buf_free(b);
		return e;
	}
	*data = b->data;
	*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return ERR_OK;
}
