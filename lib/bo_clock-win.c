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

/* Sleeps on a waitable timer, high-resolution where Windows has it (Windows 10 1803 and later:
 * wake-ups within about half a millisecond, without timeBeginPeriod); elsewhere an ordinary one
 * with the system's timer at 1 ms (timeBeginPeriod, asked once). Each thread has its own timer.
 * The pacer spins the rest of the way to a deadline and learns how late wake-ups come. */
#ifndef CREATE_WAITABLE_TIMER_HIGH_RESOLUTION
#define CREATE_WAITABLE_TIMER_HIGH_RESOLUTION 0x00000002
#endif

static volatile LONG timer_kind; /* 0 unknown, 1 high-resolution, 2 ordinary at 1 ms */
static _Thread_local HANDLE thread_timer;

static HANDLE timer(void)
{
	if (thread_timer)
		return thread_timer;
	thread_timer = CreateWaitableTimerExW(NULL, NULL, CREATE_WAITABLE_TIMER_HIGH_RESOLUTION,
	                                      TIMER_ALL_ACCESS);
	if (thread_timer) {
		InterlockedCompareExchange(&timer_kind, 1, 0);
		return thread_timer;
	}
	thread_timer = CreateWaitableTimerExW(NULL, NULL, 0, TIMER_ALL_ACCESS);
	if (InterlockedExchange(&timer_kind, 2) != 2) {
		typedef UINT(WINAPI * period_fn)(UINT);
		HMODULE w = LoadLibraryA("winmm.dll");
		period_fn begin =
		        w ? (period_fn)(void *)GetProcAddress(w, "timeBeginPeriod") : NULL;
		if (begin)
			begin(1);
	}
	return thread_timer;
}

void bo_clock_sleep(int64_t ns)
{
	if (ns <= 0)
		return;
	HANDLE t = timer();
	LARGE_INTEGER due;
	due.QuadPart = -(ns / 100 > 0 ? ns / 100 : 1); /* relative, in 100 ns units */
	if (t && SetWaitableTimer(t, &due, 0, NULL, NULL, FALSE))
		WaitForSingleObject(t, INFINITE);
	else
		Sleep((DWORD)(ns / BO_NS_PER_MS));
}

void bo_clock_sleep_until(int64_t mono_ns)
{
	bo_clock_sleep(mono_ns - bo_clock_mono_ns());
}

const char *bo_clock_timer_name(void)
{
	timer(); /* which kind there is */
	return timer_kind == 1   ? "high-resolution waitable timer"
	       : timer_kind == 2 ? "waitable timer, 1 ms period"
	                         : "waitable timer";
}

const char *bo_clock_mono_name(void)
{
	return "QueryPerformanceCounter";
}

const char *bo_clock_real_name(void)
{
	return "GetSystemTimePreciseAsFileTime";
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