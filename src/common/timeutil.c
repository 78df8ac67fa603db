#include "timeutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"

/* Reads exactly n decimal digits. */
static bool
timeutil_digits(struct cursor *c, size_t n, int *out)
{
	uint8_t ch;
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (cursor_u8(c, &ch) != ERR_OK || ch < '0' || ch > '9')
			return false;
		v = v * 10 + (ch - '0');
	}
	*out = v;
	return true;
}

static bool
timeutil_expect(struct cursor *c, char a, char b)
{
	uint8_t ch;

	return cursor_u8(c, &ch) == ERR_OK && (ch == a || ch == b);
}

static bool
timeutil_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
timeutil_month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
	                             31, 31, 30, 31, 30, 31};

	return m == 2 && timeutil_is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
timeutil_days_from_civil(int y, int m, int d)
{
	int64_t yy = m <= 2 ? y - 1 : y;
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static bool
timeutil_date(struct cursor *c, int *y, int *mo, int *d)
{
	if (!timeutil_digits(c, 4, y) || !timeutil_expect(c, '-', '-') ||
	    !timeutil_digits(c, 2, mo) || !timeutil_expect(c, '-', '-') ||
	    !timeutil_digits(c, 2, d))
		return false;
	return *mo >= 1 && *mo <= 12 && *d >= 1 &&
	       *d <= timeutil_month_days(*y, *mo);
}

static bool
timeutil_clock(struct cursor *c, int *h, int *mi, int *s)
{
	if (!timeutil_digits(c, 2, h) || !timeutil_expect(c, ':', ':') ||
	    !timeutil_digits(c, 2, mi) || !timeutil_expect(c, ':', ':') ||
	    !timeutil_digits(c, 2, s))
		return false;
	return *h <= 23 && *mi <= 59 && *s <= 59;
}

/* Skips ".digits" when present; leaves the cursor on the zone. */
static bool
timeutil_fraction(struct cursor *c)
{
	struct cursor peek = *c;
	uint8_t ch;
	size_t n = 0;

	if (cursor_u8(&peek, &ch) != ERR_OK || ch != '.')
		return true;
	*c = peek;
	while (cursor_u8(&peek, &ch) == ERR_OK && ch >= '0' && ch <= '9') {
		*c = peek;
		n++;
	}
	return n > 0;
}

/* "Z" or "+HH:MM" / "-HH:MM": seconds east of UTC. */
static bool
timeutil_zone(struct cursor *c, int64_t *offset)
{
	uint8_t ch;
	int h, m;

	if (cursor_u8(c, &ch) != ERR_OK)
		return false;
	if (ch == 'Z' || ch == 'z') {
		*offset = 0;
		return true;
	}
	if (ch != '+' && ch != '-')
		return false;
	if (!timeutil_digits(c, 2, &h) || !timeutil_expect(c, ':', ':') ||
	    !timeutil_digits(c, 2, &m) || h > 23 || m > 59)
		return false;
	*offset = (int64_t)(h * 3600 + m * 60) * (ch == '-' ? -1 : 1);
	return true;
}

enum err
timeutil_parse_rfc3339(const char *s, size_t len, time_t *out)
{
	struct cursor c;
	int y, mo, d, h, mi, sec;
	int64_t offset, t;

	cursor_init(&c, s, len);
	if (!timeutil_date(&c, &y, &mo, &d) || !timeutil_expect(&c, 'T', 't') ||
	    !timeutil_clock(&c, &h, &mi, &sec) || !timeutil_fraction(&c) ||
	    !timeutil_zone(&c, &offset) || cursor_remaining(&c) != 0)
		return ERR_INVALID;

	t = timeutil_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec - offset;
	if ((int64_t)(time_t)t != t)
		return ERR_RANGE;
	*out = (time_t)t;
	return ERR_OK;
}

void
timeutil_format_rfc3339(time_t t, char out[static TIMEUTIL_RFC3339_SIZE])
{
	char text[64];
	struct tm tm;
	size_t n;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0) {
		snprintf(out, TIMEUTIL_RFC3339_SIZE, "out-of-range");
		return;
	}
	/* Formatted wide first: the compiler cannot see the fields' ranges. */
	snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02dZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec);
	n = strnlen(text, TIMEUTIL_RFC3339_SIZE - 1);
	memcpy(out, text, n);
	out[n] = '\0';
}

int64_t
timeutil_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
timeutil_mono_ms(void)
{
	return timeutil_mono_ns() / 1000000;
}
