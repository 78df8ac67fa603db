/*
 * Logging: one line per event on stderr, level first, then key=value pairs.
 *
 *   level=info event=listening socket=/var/run/aesmd/aesm.socket
 *
 * Callers pass the pairs as a printf format. The level is checked before
 * anything is formatted, and errno is preserved across every call so that a
 * log line never hides the error it reports.
 *
 * In the JSON format the same pairs become one JSON object per line, with
 * the same keys ("ts" and "level" first); values that are plain decimal
 * integers become numbers, everything else strings, in which each byte
 * that is not part of valid UTF-8 becomes U+FFFD, so that every line is
 * valid JSON whatever a logged value (a path, say) holds:
 *
 *   {"ts":"...","level":"info","event":"listening","socket":"/var/..."}
 */
#ifndef SQH_COMMON_LOG_H
#define SQH_COMMON_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

#define LOG_PRINTF(fmt_idx, arg_idx) \
	__attribute__((format(printf, fmt_idx, arg_idx)))

enum log_format {
	LOG_FORMAT_TEXT = 0,
	LOG_FORMAT_JSON,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warn", "info" or "debug"; false when unknown. */
bool log_parse_level(const char *name, enum log_level *out);

void log_set_format(enum log_format format);
/* Parses "text" or "json"; false when unknown. */
bool log_parse_format(const char *name, enum log_format *out);

bool log_enabled(enum log_level level);
void log_write(enum log_level level, const char *fmt, ...) LOG_PRINTF(2, 3);
/* As log_write, with err="<strerror(errno)>" appended. */
void log_write_errno(enum log_level level, const char *fmt, ...)
        LOG_PRINTF(2, 3);

#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                           \
	do {                                                     \
		if (log_enabled(LOG_LEVEL_DEBUG))                \
			log_write(LOG_LEVEL_DEBUG, __VA_ARGS__); \
	} while (0)
#define log_error_errno(...) log_write_errno(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn_errno(...)  log_write_errno(LOG_LEVEL_WARN, __VA_ARGS__)

#endif
