/* SPDX-License-Identifier: Apache-2.0 */
/* Clocks and time zones on POSIX systems. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bo_err.h"
#include "bo_time.h"

static int64_t read_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * BO_NS_PER_S + ts.tv_nsec;
}

int64_t bo_clock_mono_ns(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

int64_t bo_clock_real_ns(void)
{
	return read_clock(CLOCK_REALTIME);
}

void bo_clock_sleep_until(int64_t mono_ns)
{
	struct timespec ts = {mono_ns / BO_NS_PER_S, mono_ns % BO_NS_PER_S};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

void bo_clock_sleep(int64_t ns)
{
	struct timespec ts = {ns / BO_NS_PER_S, ns % BO_NS_PER_S};
	nanosleep(&ts, NULL);
}

const char *bo_clock_timer_name(void)
{
	return "clock_nanosleep";
}

const char *bo_clock_mono_name(void)
{
	return "CLOCK_MONOTONIC";
}

const char *bo_clock_real_name(void)
{
	return "CLOCK_REALTIME";
}

int bo_time_offset(const char *tz, int64_t realtime_ns, int *offset_min)
{
	*offset_min = 0;
	if (!tz || !strcmp(tz, "UTC"))
		return 0;
	time_t t = (time_t)(realtime_ns / BO_NS_PER_S);
	struct tm tm;
	if (!strcmp(tz, "local")) {
		tzset();
		if (!localtime_r(&t, &tm))
			return BO_EINVAL;
		*offset_min = (int)(tm.tm_gmtoff / 60);
		return 0;
	}
	/* A zone name: its file must exist (TZ with an unknown name is silently UTC) and hold
	 * no path tricks. */
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	if (tz[0] == '/' || strstr(tz, "..") || access(path, R_OK) != 0)
		return BO_EINVAL;
	const char *old = getenv("TZ");
	char saved[256] = "";
	int had = old != NULL;
	if (had)
		snprintf(saved, sizeof saved, "%s", old);
	setenv("TZ", tz, 1);
	tzset();
	int ok = localtime_r(&t, &tm) != NULL;
	if (had)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	if (!ok)
		return BO_EINVAL;
	*offset_min = (int)(tm.tm_gmtoff / 60);
	return 0;
}