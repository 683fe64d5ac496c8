/* SPDX-License-Identifier: Apache-2.0 */
/* Clocks on Windows: QueryPerformanceCounter (monotonic) and GetSystemTimePreciseAsFileTime
 * (realtime, < 1 µs resolution; Windows 8 / Server 2012 and later). */
#include <string.h>
#include <time.h>
#include <windows.h>

#include "bo_err.h"
#include "bo_time.h"

int64_t bo_clock_mono_ns(void)
{
	static LARGE_INTEGER freq; /* fixed at boot */
	LARGE_INTEGER c;
	if (!freq.QuadPart)
		QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&c);
	/* seconds and remainder apart, so counter × 1e9 cannot overflow */
	int64_t s = c.QuadPart / freq.QuadPart, rem = c.QuadPart % freq.QuadPart;
	return s * BO_NS_PER_S + rem * BO_NS_PER_S / freq.QuadPart;
}

int64_t bo_clock_real_ns(void)
{
	FILETIME ft;
	GetSystemTimePreciseAsFileTime(&ft);
	/* 100 ns ticks since 1601-01-01; 11644473600 s before the Unix epoch */
	int64_t t = (int64_t)(((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime);
	return (t - INT64_C(116444736000000000)) * 100;
}

/* Windows sleeps in milliseconds at best (timeBeginPeriod aside): the callers spin the rest. */
void bo_clock_sleep(int64_t ns)
{
	if (ns > 0)
		Sleep((DWORD)(ns / BO_NS_PER_MS));
}

void bo_clock_sleep_until(int64_t mono_ns)
{
	bo_clock_sleep(mono_ns - bo_clock_mono_ns());
}

int bo_time_offset(const char *tz, int64_t realtime_ns, int *offset_min)
{
	*offset_min = 0;
	if (!tz || !strcmp(tz, "UTC"))
		return 0;
	if (strcmp(tz, "local") != 0)
		return BO_EINVAL; /* zone names: POSIX's database, not Windows' */
	__time64_t t = (__time64_t)(realtime_ns / BO_NS_PER_S);
	struct tm tm;
	if (_localtime64_s(&tm, &t) != 0)
		return BO_EINVAL;
	*offset_min = (int)((_mkgmtime64(&tm) - t) / 60);
	return 0;
}