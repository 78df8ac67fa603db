#include "log.h"

#include "size.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level log_level = LOG_LEVEL_INFO;
static enum log_format log_format = LOG_FORMAT_TEXT;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

static void log_vwrite(enum log_level level, const char *suffix,
                       const char *fmt, va_list ap) LOG_PRINTF(3, 0);

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

bool
log_parse_level(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	     i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

void
log_set_format(enum log_format format)
{
	log_format = format;
}

bool
log_parse_format(const char *name, enum log_format *out)
{
	if (strcmp(name, "text") == 0)
		*out = LOG_FORMAT_TEXT;
	else if (strcmp(name, "json") == 0)
		*out = LOG_FORMAT_JSON;
	else
		return false;
	return true;
}

bool
log_enabled(enum log_level level)
{
	return level <= log_level;
}

/* Formats the timestamp as RFC 3339 UTC with milliseconds. */
static void
log_timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/*
 * A JSON line under construction. A pair that does not fit is taken back
 * whole, so that a long message still gives a valid object.
 */
struct json_line {
	char *p;
	size_t len;
	size_t cap; /* room for the content, without the closing "}\n" */
	bool full;
};

static void
json_put(struct json_line *l, const char *s, size_t n)
{
	if (l->full || n > l->cap - l->len) {
		l->full = true;
		return;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

/*
 * The length of the well-formed UTF-8 sequence at s, or 0 when the byte at
 * s starts none. The ranges are those of the Unicode Standard's table of
 * well-formed byte sequences (section 3.9, Table 3-7, as in RFC 3629):
 * they leave out overlong forms (C0, C1, E0 80-9F, F0 80-8F), the UTF-16
 * surrogates (ED A0-BF) and everything above U+10FFFF (F4 90-BF, F5-FF),
 * and a sequence cut short is not one.
 */
static size_t
utf8_sequence_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0)
		len = 2;
	else if (s[0] < 0xf0)
		len = 3;
	else
		len = 4;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return len;
}

/* Puts the character at s as JSON string content; returns the bytes it
 * took. A byte that is not part of valid UTF-8 (a path, say, can hold
 * anything) becomes U+FFFD, so that the line stays valid JSON. */
static size_t
json_put_char(struct json_line *l, const unsigned char *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char esc[6] = {'\\', 'u', '0', '0', 0, 0};
	size_t len;

	if (s[0] == '"' || s[0] == '\\') {
		esc[1] = (char)s[0];
		json_put(l, esc, 2);
		return 1;
	}
	if (s[0] < 0x20 || s[0] == 0x7f) {
		esc[4] = digits[s[0] >> 4];
		esc[5] = digits[s[0] & 0xf];
		json_put(l, esc, 6);
		return 1;
	}
	if ((len = utf8_sequence_len(s, n)) == 0) {
		json_put(l, "\\ufffd", 6);
		return 1;
	}
	json_put(l, (const char *)s, len);
	return len;
}

static void
json_put_string(struct json_line *l, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	json_put(l, "\"", 1);
	for (size_t i = 0; i < n;)
		i += json_put_char(l, u + i, n - i);
	json_put(l, "\"", 1);
}

/* A plain decimal integer that every JSON reader takes as a number. */
static bool
json_is_integer(const char *s, size_t n)
{
	size_t i = n > 0 && s[0] == '-' ? 1 : 0;

	if (i == n || n - i > 15 || (s[i] == '0' && n - i > 1))
		return false;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

static void
json_put_pair(struct json_line *l, const char *k, size_t klen, const char *v,
              size_t vlen, bool quoted)
{
	size_t mark = l->len;

	json_put(l, ",", 1);
	json_put_string(l, k, klen);
	json_put(l, ":", 1);
	if (!quoted && json_is_integer(v, vlen))
		json_put(l, v, vlen);
	else
		json_put_string(l, v, vlen);
	if (l->full)
		l->len = mark;
}

/*
 * Splits the next pair off a key=value message: a value is either
 * "quoted" (up to the next quote) or runs to the next space. A word
 * without '=' becomes the value of "msg".
 */
static const char *
json_next_pair(const char *s, const char **k, size_t *klen, const char **v,
               size_t *vlen, bool *quoted)
{
	const char *eq, *end;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return NULL;
	end = s + strcspn(s, " ");
	eq = memchr(s, '=', (size_t)(end - s));
	*quoted = false;
	if (eq == NULL || eq == s) {
		*k = "msg";
		*klen = 3;
		*v = s;
		*vlen = (size_t)(end - s);
		return end;
	}
	*k = s;
	*klen = (size_t)(eq - s);
	*v = eq + 1;
	if (**v == '"') {
		(*v)++;
		end = strchr(*v, '"');
		*quoted = true;
		if (end == NULL)
			end = *v + strlen(*v);
		*vlen = (size_t)(end - *v);
		return *end == '"' ? end + 1 : end;
	}
	*vlen = (size_t)(end - *v);
	return end;
}

/* Writes ts, level and the message's pairs as one JSON object. */
static void
log_json(char *out, size_t size, const char *ts, enum log_level level,
         const char *msg)
{
	struct json_line l = {.p = out, .cap = size - 3};
	const char *k, *v, *s = msg;
	size_t klen, vlen;
	bool quoted;

	json_put(&l, "{\"ts\":", 6);
	json_put_string(&l, ts, strlen(ts));
	json_put(&l, ",\"level\":", 9);
	json_put_string(&l, level_names[level], strlen(level_names[level]));
	while ((s = json_next_pair(s, &k, &klen, &v, &vlen, &quoted)) != NULL)
		json_put_pair(&l, k, klen, v, vlen, quoted);
	memcpy(out + l.len, "}\n", 3);
}

/*
 * One line, written with a single fputs on an unbuffered-by-line stderr so
 * that concurrent threads do not interleave within a line.
 */
static void
log_vwrite(enum log_level level, const char *suffix, const char *fmt,
           va_list ap)
{
	char msg[1200], line[2400], ts[40];
	int n;

	n = vsnprintf(msg, sizeof(msg) - 160, fmt, ap);
	if (n >= 0)
		snprintf(msg + size_min((size_t)n, sizeof(msg) - 161), 160,
		         "%s", suffix);
	log_timestamp(ts, sizeof(ts));
	if (log_format == LOG_FORMAT_JSON)
		log_json(line, sizeof(line), ts, level, msg);
	else
		snprintf(line, sizeof(line), "ts=%s level=%s %s\n", ts,
		         level_names[level], msg);
	fputs(line, stderr);
}

void
log_write(enum log_level level, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_enabled(level)) {
		va_start(ap, fmt);
		log_vwrite(level, "", fmt, ap);
		va_end(ap);
	}
	errno = saved;
}

void
log_write_errno(enum log_level level, const char *fmt, ...)
{
	int saved = errno;
	char suffix[160];
	va_list ap;

	if (log_enabled(level)) {
		snprintf(suffix, sizeof(suffix), " err=\"%s\"",
		         strerror(saved));
		va_start(ap, fmt);
		log_vwrite(level, suffix, fmt, ap);
		va_end(ap);
	}
	errno = saved;
}
