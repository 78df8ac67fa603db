#include "hex.h"

static void
hex_encode_with(const uint8_t *in, size_t len, char *out, const char *digits)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

void
hex_encode(const uint8_t *in, size_t len, char *out)
{
	hex_encode_with(in, len, out, "0123456789abcdef");
}

void
hex_encode_upper(const uint8_t *in, size_t len, char *out)
{
	hex_encode_with(in, len, out, "0123456789ABCDEF");
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum err
hex_decode_var(const char *in, size_t in_len, uint8_t *out, size_t out_cap,
               size_t *out_len)
{
	if (in_len % 2 != 0 || in_len / 2 > out_cap)
		return ERR_INVALID;
	for (size_t i = 0; i < in_len / 2; i++) {
		int hi = hex_digit(in[2 * i]);
		int lo = hex_digit(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return ERR_INVALID;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = in_len / 2;
	return ERR_OK;
}

enum err
hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_len)
{
	size_t n;

	if (in_len != 2 * out_len)
		return ERR_INVALID;
	return hex_decode_var(in, in_len, out, out_len, &n);
}
