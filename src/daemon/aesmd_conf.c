#include "aesmd_conf.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cursor.h"
#include "common/file.h"
#include "common/log.h"
#include "sgxqh/sgx_types.h"

#define AESMD_CONF_LINE_MAX 512

static atomic_uint aesmd_quoting_type = SGX_QL_ALG_ECDSA_P256;

static const struct {
	const char *name;
	uint32_t type;
} quoting_types[] = {
        {"ecdsa_256", SGX_QL_ALG_ECDSA_P256},
        {"epid_linkable", 1},
        {"epid_unlinkable", SGX_QL_ALG_EPID},
};

void
aesmd_conf_defaults(struct aesmd_conf *c)
{
	c->quoting_type = SGX_QL_ALG_ECDSA_P256;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static const char *
skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/* Matches the words of a key, case-insensitive, one or more blanks
 * between them; returns what follows, or NULL. */
static const char *
match_key(const char *s, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(words[i]);

		if (i > 0) {
			if (!is_blank(*s))
				return NULL;
			s = skip_blanks(s);
		}
		if (strncasecmp(s, words[i], len) != 0)
			return NULL;
		s += len;
	}
	return s;
}

/* The value of "default quoting type": after the '=', exactly one
 * blank, a name, then only blanks. */
static void
parse_quoting_type(const char *after_key, unsigned lineno, struct aesmd_conf *c)
{
	const char *v = skip_blanks(after_key);
	size_t len;

	if (*v != '=')
		return;
	v++;
	if (!is_blank(v[0]) || is_blank(v[1])) {
		log_warn("event=aesmd_conf_ignored line=%u reason=\"exactly "
		         "one blank must follow '=', as aesmd requires\"",
		         lineno);
		return;
	}
	v++;
	len = strcspn(v, " \t");
	if (*skip_blanks(v + len) != '\0')
		len = 0;
	for (size_t i = 0; i < sizeof(quoting_types) / sizeof(*quoting_types);
	     i++) {
		if (len == strlen(quoting_types[i].name) &&
		    strncasecmp(v, quoting_types[i].name, len) == 0) {
			c->quoting_type = quoting_types[i].type;
			return;
		}
	}
	log_warn("event=aesmd_conf_ignored line=%u reason=\"unknown default "
	         "quoting type\"",
	         lineno);
}

static void
parse_line(char *line, unsigned lineno, struct aesmd_conf *c)
{
	static const char *const key[] = {"default", "quoting", "type"};
	const char *rest;

	line[strcspn(line, "#\r")] = '\0';
	rest = match_key(skip_blanks(line), key, 3);
	if (rest != NULL && (is_blank(*rest) || *rest == '='))
		parse_quoting_type(rest, lineno, c);
}

void
aesmd_conf_parse(const uint8_t *text, size_t len, struct aesmd_conf *c)
{
	char line[AESMD_CONF_LINE_MAX + 1];
	unsigned lineno = 1;
	struct cursor cur;
	size_t n = 0;
	uint8_t b;

	cursor_init(&cur, text, len);
	for (;;) {
		bool more = cursor_u8(&cur, &b) == ERR_OK;

		if (more && b != '\n') {
			/* A NUL would end the line early: make it a blank. */
			if (n < AESMD_CONF_LINE_MAX)
				line[n++] = b == '\0' ? ' ' : (char)b;
			continue;
		}
		line[n] = '\0';
		parse_line(line, lineno++, c);
		n = 0;
		if (!more)
			return;
	}
}

enum err
aesmd_conf_load(const char *path, bool required, struct aesmd_conf *c)
{
	uint8_t *text;
	size_t len;
	enum err e;

	aesmd_conf_defaults(c);
	e = file_read_config(path, AESMD_CONF_MAX_FILE, &text, &len);
	if (e == ERR_IO && errno == ENOENT && !required)
		return ERR_OK;
	if (e != ERR_OK) {
		log_error_errno("event=aesmd_conf_load path=%s status=%s", path,
		                err_str(e));
		return e;
	}
	aesmd_conf_parse(text, len, c);
	free(text);
	return ERR_OK;
}

void
aesmd_conf_apply(const struct aesmd_conf *c)
{
	atomic_store(&aesmd_quoting_type, c->quoting_type);
}

uint32_t
aesmd_conf_quoting_type(void)
{
	return atomic_load_explicit(&aesmd_quoting_type, memory_order_relaxed);
}
