/*
 * Time: RFC 3339 timestamps in UTC, as used by Intel's collateral
 * ("issueDate", "nextUpdate") and by the command line (--at), and the
 * monotonic clock that deadlines and latencies are measured with.
 */
#ifndef SQH_COMMON_TIMEUTIL_H
#define SQH_COMMON_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

/* "YYYY-MM-DDTHH:MM:SSZ" and its NUL. */
#define TIMEUTIL_RFC3339_SIZE 21

/*
 * Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" of exactly len
 * bytes into seconds since the epoch. Lowercase 't' and 'z' are accepted;
 * a fraction is dropped. ERR_INVALID on anything else, including dates
 * that do not exist (February 30th) and leap seconds.
 */
MUST_CHECK enum err timeutil_parse_rfc3339(const char *s, size_t len,
                                           time_t *out);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ". */
void timeutil_format_rfc3339(time_t t, char out[static TIMEUTIL_RFC3339_SIZE]);

/* The monotonic clock, in nanoseconds and in milliseconds. */
int64_t timeutil_mono_ns(void);
int64_t timeutil_mono_ms(void);

#endif
