/* Hexadecimal text for byte fields, as in dumps, JSON and command lines. */
#ifndef SQH_COMMON_HEX_H
#define SQH_COMMON_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Writes 2*len lowercase hex digits and a NUL; out must hold 2*len+1. */
void hex_encode(const uint8_t *in, size_t len, char *out);

/* As hex_encode, in uppercase (Intel's collateral uses uppercase). */
void hex_encode_upper(const uint8_t *in, size_t len, char *out);

/*
 * Decodes a hex string of exactly 2*len digits (either case) into out.
 * ERR_INVALID on a bad digit or a wrong length.
 */
MUST_CHECK enum err hex_decode(const char *in, size_t in_len, uint8_t *out,
                               size_t out_len);

/*
 * Decodes up to out_cap bytes from a hex string of even length; the
 * decoded length is stored in *out_len.
 */
MUST_CHECK enum err hex_decode_var(const char *in, size_t in_len, uint8_t *out,
                                   size_t out_cap, size_t *out_len);

#endif
