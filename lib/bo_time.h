/* SPDX-License-Identifier: Apache-2.0 */
/* Nanosecond time values: clocks, durations with units, and timestamps as text.
 *
 * All times in blackout are int64_t nanoseconds. Realtime values count from the Unix epoch,
 * monotonic values from an arbitrary origin; a (realtime, monotonic) pair taken together links
 * the two.
 */
#ifndef BO_TIME_H
#define BO_TIME_H

#include <stddef.h>
#include <stdint.h>

#define BO_NS_PER_US INT64_C(1000)
#define BO_NS_PER_MS INT64_C(1000000)
#define BO_NS_PER_S INT64_C(1000000000)

/* The largest time value taken from outside (a file, a packet): 2^62 - 1 ns, the year 2116 as
 * realtime. Clamped into [0, BO_TIME_MAX], the sum or difference of two always fits. */
#define BO_TIME_MAX ((INT64_C(1) << 62) - 1)
static inline int64_t bo_time_clamp(int64_t v)
{
	return v < 0 ? 0 : v > BO_TIME_MAX ? BO_TIME_MAX : v;
}

/* Clocks (platform files: bo_clock-posix.c, bo_clock-win.c). */
int64_t bo_clock_mono_ns(void);
int64_t bo_clock_real_ns(void);
/* Sleeps until the monotonic clock reads mono_ns (at once if it has passed), or for ns. */
void bo_clock_sleep_until(int64_t mono_ns);
void bo_clock_sleep(int64_t ns);
/* How the sleeps are made, for a run's header ("clock_nanosleep", "high-resolution waitable
 * timer", ...), and the clocks read. */
const char *bo_clock_timer_name(void);
const char *bo_clock_mono_name(void);
const char *bo_clock_real_name(void);

/* Parses a duration with a unit: "10ms", "1.5s", "250us", "100ns", "2m", "1h" (also "0").
 * Returns 0, or BO_EINVAL for a missing or unknown unit or a malformed number, BO_ERANGE for a
 * negative or too large value. */
int bo_dur_parse(const char *s, int64_t *ns);

/* Formats a duration for people: "7.31 s", "10.0 ms", "850 us". Returns buf. */
char *bo_dur_str(int64_t ns, char *buf, size_t len);

/* Formats a realtime value as RFC 3339 UTC with nanoseconds: 2026-11-22T21:10:53.123456789Z.
 * buf needs BO_TIME_ISO_LEN bytes. Returns buf. */
#define BO_TIME_ISO_LEN 32
char *bo_time_iso(int64_t realtime_ns, char *buf, size_t len);

/* RFC 3339 with a UTC offset in minutes (0: "Z") and 0 to 9 fraction digits:
 * 2026-11-22T22:10:53.123+01:00. buf needs BO_TIME_ISO_LEN + 6 bytes. Returns buf. */
char *bo_time_rfc3339(int64_t realtime_ns, int offset_min, int digits, char *buf, size_t len);

/* Seconds since the Unix epoch of a UTC civil time (the proleptic Gregorian calendar; days
 * from civil by H. Hinnant's algorithm): no timegm, which Windows lacks. 0 when out of range
 * (before 1970, a field out of its range, or too late for BO_TIME_MAX nanoseconds: 2116). */
int64_t bo_time_utc_seconds(int y, int mon, int d, int h, int min, int sec);
/* A Windows FILETIME (100 ns ticks since 1601-01-01 UTC) as realtime nanoseconds; 0 before
 * 1970 or beyond BO_TIME_MAX. Portable: the Windows files and the tests share it. */
int64_t bo_time_filetime_ns(uint64_t ticks);

/* The UTC offset (minutes) of a time zone at a moment (platform files): tz NULL or "UTC" is 0,
 * "local" the system's, anything else a zone name ("Europe/Berlin"; POSIX only). Returns 0,
 * or BO_EINVAL for a zone this system does not know. */
int bo_time_offset(const char *tz, int64_t realtime_ns, int *offset_min);

#endif
