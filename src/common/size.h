/*
 * Size arithmetic that reports overflow instead of wrapping. Every length
 * computed from outside input goes through these.
 */
#ifndef SQH_COMMON_SIZE_H
#define SQH_COMMON_SIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Each returns true on success and stores the result; false on overflow. */
MUST_CHECK static inline bool
size_add(size_t a, size_t b, size_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

MUST_CHECK static inline bool
size_mul(size_t a, size_t b, size_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

MUST_CHECK static inline bool
size_sub(size_t a, size_t b, size_t *out)
{
	return !__builtin_sub_overflow(a, b, out);
}

static inline size_t
size_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

#endif
