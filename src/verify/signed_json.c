#include "signed_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cursor.h"
#include "common/hex.h"
#include "pki.h"

#define SJSON_MAX_KEY 64

static void
sjson_skip_ws(struct cursor *c)
{
	struct cursor peek = *c;
	uint8_t ch;

	while (cursor_u8(&peek, &ch) == ERR_OK &&
	       (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'))
		*c = peek;
}

static bool
sjson_expect(struct cursor *c, uint8_t want)
{
	uint8_t ch;

	sjson_skip_ws(c);
	return cursor_u8(c, &ch) == ERR_OK && ch == want;
}

/*
 * Reads a member name after its opening quote. Names longer than
 * SJSON_MAX_KEY, or with escapes, are skipped and never match.
 */
static enum err
sjson_key(struct cursor *c, char key[static SJSON_MAX_KEY + 1])
{
	size_t n = 0;
	bool plain = true;
	uint8_t ch;

	for (;;) {
		if (cursor_u8(c, &ch) != ERR_OK)
			return ERR_INVALID;
		if (ch == '"')
			break;
		if (ch == '\\') {
			plain = false;
			if (cursor_u8(c, &ch) != ERR_OK)
				return ERR_INVALID;
			continue;
		}
		if (n < SJSON_MAX_KEY)
			key[n] = (char)ch;
		n++;
	}
	if (!plain || n > SJSON_MAX_KEY)
		n = 0;
	key[n] = '\0';
	return ERR_OK;
}

/* Measures the JSON value at the cursor with jansson and steps over it. */
static enum err
sjson_value(struct cursor *c, const char **value, size_t *value_len)
{
	struct cursor rest = *c;
	const uint8_t *p;
	size_t n;
	json_error_t jerr;
	json_t *v;

	sjson_skip_ws(c);
	rest = *c;
	cursor_rest(&rest, &p, &n);
	v = json_loadb((const char *)p, n,
	               JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &jerr);
	if (v == NULL || jerr.position <= 0)
		goto fail;
	json_decref(v);
	if (cursor_bytes(c, (size_t)jerr.position, &p) != ERR_OK)
		return ERR_INVALID;
	*value = (const char *)p;
	*value_len = (size_t)jerr.position;
	return ERR_OK;

fail:
	json_decref(v);
	return ERR_INVALID;
}

enum err
sjson_member(const char *text, size_t len, const char *key, const char **value,
             size_t *value_len)
{
	char name[SJSON_MAX_KEY + 1];
	struct cursor c;
	const char *v;
	size_t vlen;
	uint8_t ch;

	cursor_init(&c, text, len);
	if (!sjson_expect(&c, '{'))
		return ERR_INVALID;
	for (;;) {
		if (!sjson_expect(&c, '"') || sjson_key(&c, name) != ERR_OK ||
		    !sjson_expect(&c, ':') ||
		    sjson_value(&c, &v, &vlen) != ERR_OK)
			return ERR_INVALID;
		if (strcmp(name, key) == 0) {
			*value = v;
			*value_len = vlen;
			return ERR_OK;
		}
		sjson_skip_ws(&c);
		if (cursor_u8(&c, &ch) != ERR_OK)
			return ERR_INVALID;
		if (ch == '}')
			return ERR_NOTFOUND;
		if (ch != ',')
			return ERR_INVALID;
	}
}

enum err
sjson_signature(const char *text, size_t len, uint8_t sig[static 64])
{
	const char *v;
	size_t vlen;
	json_t *s;
	enum err e;

	if ((e = sjson_member(text, len, "signature", &v, &vlen)) != ERR_OK)
		return e;
	s = json_loadb(v, vlen, JSON_DECODE_ANY, NULL);
	e = json_is_string(s) ? hex_decode(json_string_value(s),
	                                   json_string_length(s), sig, 64)
	                      : ERR_INVALID;
	json_decref(s);
	return e;
}

/* Compact text in the original key order: what Intel signed. */
static enum err
sjson_compact(const char *object, size_t len, char **out, size_t *out_len)
{
	json_t *j = json_loadb(object, len, JSON_REJECT_DUPLICATES, NULL);

	if (j == NULL)
		return ERR_INVALID;
	*out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (*out == NULL)
		return ERR_NOMEM;
	*out_len = strlen(*out);
	return ERR_OK;
}

enum err
sjson_verify(EVP_PKEY *key, const char *object, size_t len,
             const uint8_t sig[static 64])
{
	char *compact;
	size_t compact_len;
	enum err e;

	if (pki_verify_raw(key, object, len, sig) == ERR_OK)
		return ERR_OK;
	if ((e = sjson_compact(object, len, &compact, &compact_len)) != ERR_OK)
		return e == ERR_NOMEM ? e : ERR_CRYPTO;
	if (compact_len == len && memcmp(compact, object, len) == 0)
		e = ERR_CRYPTO;
	else
		e = pki_verify_raw(key, compact, compact_len, sig);
	free(compact);
	return e;
}
