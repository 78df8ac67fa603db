#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level log_level = LOG_LEVEL_INFO;

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
 * One line, written with a single fputs on an unbuffered-by-line stderr so
 * that concurrent threads do not interleave within a line.
 */
static void
log_vwrite(enum log_level level, const char *suffix, const char *fmt,
           va_list ap)
{
	char msg[1024], line[1200], ts[40];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_timestamp(ts, sizeof(ts));
	snprintf(line, sizeof(line), "ts=%s level=%s %s%s\n", ts,
	         level_names[level], msg, suffix);
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
