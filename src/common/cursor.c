#include "cursor.h"

#include <string.h>

void
cursor_init(struct cursor *c, const void *data, size_t len)
{
	c->base = data;
	c->len = data == NULL ? 0 : len;
	c->pos = 0;
}

size_t
cursor_remaining(const struct cursor *c)
{
	return c->len - c->pos;
}

size_t
cursor_offset(const struct cursor *c)
{
	return c->pos;
}

enum err
cursor_bytes(struct cursor *c, size_t n, const uint8_t **out)
{
	if (n > cursor_remaining(c))
		return ERR_TRUNCATED;
	*out = c->base + c->pos;
	c->pos += n;
	return ERR_OK;
}

enum err
cursor_copy(struct cursor *c, void *dst, size_t n)
{
	const uint8_t *p;
	enum err e;

	if ((e = cursor_bytes(c, n, &p)) != ERR_OK)
		return e;
	if (n > 0)
		memcpy(dst, p, n);
	return ERR_OK;
}

enum err
cursor_skip(struct cursor *c, size_t n)
{
	const uint8_t *p;

	return cursor_bytes(c, n, &p);
}

enum err
cursor_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	const uint8_t *p;
	enum err e;

	if ((e = cursor_bytes(c, n, &p)) != ERR_OK)
		return e;
	cursor_init(sub, p, n);
	return ERR_OK;
}

void
cursor_rest(struct cursor *c, const uint8_t **out, size_t *len)
{
	*len = cursor_remaining(c);
	*out = c->base + c->pos;
	c->pos = c->len;
}

enum err
cursor_u8(struct cursor *c, uint8_t *out)
{
	const uint8_t *p;
	enum err e;

	if ((e = cursor_bytes(c, 1, &p)) != ERR_OK)
		return e;
	*out = p[0];
	return ERR_OK;
}

enum err
cursor_u16le(struct cursor *c, uint16_t *out)
{
	const uint8_t *p;
	enum err e;

	if ((e = cursor_bytes(c, 2, &p)) != ERR_OK)
		return e;
	*out = (uint16_t)(p[0] | p[1] << 8);
	return ERR_OK;
}

enum err
cursor_u32le(struct cursor *c, uint32_t *out)
{
	const uint8_t *p;
	enum err e;

	if ((e = cursor_bytes(c, 4, &p)) != ERR_OK)
		return e;
	*out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
	return ERR_OK;
}

enum err
cursor_u64le(struct cursor *c, uint64_t *out)
{
	uint32_t lo, hi;
	struct cursor save = *c;
	enum err e;

	if ((e = cursor_u32le(c, &lo)) != ERR_OK)
		return e;
	if ((e = cursor_u32le(c, &hi)) != ERR_OK) {
		*c = save;
		return e;
	}
	*out = (uint64_t)hi << 32 | lo;
	return ERR_OK;
}
