/* SPDX-License-Identifier: Apache-2.0 */
/* Durations with units and RFC 3339 timestamps. */
#include "bo_time.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bo_err.h"

static const struct {
	const char *unit;
	int64_t ns;
} units[] = {
        {"ns", 1},
        {"us", BO_NS_PER_US},
        {"ms", BO_NS_PER_MS},
        {"s", BO_NS_PER_S},
        {"m", 60 * BO_NS_PER_S},
        {"h", 3600 * BO_NS_PER_S},
        {"d", 86400 * BO_NS_PER_S},
};

int bo_dur_parse(const char *s, int64_t *ns)
{
	if (!s || !*s)
		return BO_EINVAL;
	if (*s == '-')
		return BO_ERANGE;
	/* Integer and fraction parts by hand: strtod would accept hex, exponents and locales. */
	uint64_t whole = 0, frac = 0, frac_div = 1;
	const char *p = s;
	int digits = 0;
	for (; isdigit((unsigned char)*p); p++, digits++) {
		if (whole > UINT64_C(1) << 40)
			return BO_ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		for (; isdigit((unsigned char)*p); p++, digits++) {
			if (frac_div < UINT64_C(1000000000)) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_div *= 10;
			}
		}
	}
	if (!digits)
		return BO_EINVAL;
	if (!*p)
		return (whole == 0 && frac == 0) ? (*ns = 0, 0) : BO_EINVAL;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(p, units[i].unit) != 0)
			continue;
		int64_t u = units[i].ns;
		if (whole > (uint64_t)(INT64_MAX / u) - 1)
			return BO_ERANGE;
		*ns = (int64_t)whole * u + (int64_t)((frac * (uint64_t)u) / frac_div);
		return 0;
	}
	return BO_EINVAL;
}

char *bo_dur_str(int64_t ns, char *buf, size_t len)
{
	const char *sign = ns < 0 ? "-" : "";
	uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	if (a >= (uint64_t)BO_NS_PER_S)
		snprintf(buf, len, "%s%.2f s", sign, (double)a / 1e9);
	else if (a >= (uint64_t)BO_NS_PER_MS)
		snprintf(buf, len, "%s%.1f ms", sign, (double)a / 1e6);
	else
		snprintf(buf, len, "%s%.0f us", sign, (double)a / 1e3);
	return buf;
}

char *bo_time_iso(int64_t realtime_ns, char *buf, size_t len)
{
	int64_t sec = realtime_ns / BO_NS_PER_S, nsec = realtime_ns % BO_NS_PER_S;
	if (nsec < 0) {
		nsec += BO_NS_PER_S;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
#ifdef _WIN32
	gmtime_s(&tm, &t);
#else
	gmtime_r(&t, &tm);
#endif
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)nsec);
	return buf;
}

char *bo_time_rfc3339(int64_t realtime_ns, int offset_min, int digits, char *buf, size_t len)
{
	char iso[BO_TIME_ISO_LEN], zone[8] = "Z";
	bo_time_iso(realtime_ns + (int64_t)offset_min * 60 * BO_NS_PER_S, iso, sizeof iso);
	if (offset_min)
		snprintf(zone, sizeof zone, "%c%02d:%02d", offset_min < 0 ? '-' : '+',
		         (offset_min < 0 ? -offset_min : offset_min) / 60,
		         (offset_min < 0 ? -offset_min : offset_min) % 60);
	digits = digits < 0 ? 0 : digits > 9 ? 9 : digits;
	/* iso: YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ; the fraction cut to its digits */
	snprintf(buf, len, "%.*s%s", 19 + (digits ? digits + 1 : 0), iso, zone);
	return buf;
}

int64_t bo_time_utc_seconds(int y, int mon, int d, int h, int min, int sec)
{
	if (y < 1970 || y > 9999 || mon < 1 || mon > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60)
		return 0;
	y -= mon <= 2;
	int64_t era = y / 400, yoe = y - era * 400;
	int64_t doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	int64_t t = ((days * 24 + h) * 60 + min) * 60 + sec;
	return t <= BO_TIME_MAX / BO_NS_PER_S ? t : 0; /* in nanoseconds it must fit */
}

int64_t bo_time_filetime_ns(uint64_t ticks)
{
	const uint64_t epoch = UINT64_C(116444736000000000); /* 1970-01-01 in 100 ns since 1601 */
	if (ticks < epoch || (ticks - epoch) > (uint64_t)(BO_TIME_MAX / 100))
		return 0;
	return (int64_t)(ticks - epoch) * 100;
}
